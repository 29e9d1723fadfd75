package graph_test

import (
	"encoding/json"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

// echoed runs a mutation that must succeed and returns its payload (the
// root field named field), after checking that it echoes the
// clientMutationId sent as $cmid (null when none was sent).
func echoed(t *testing.T, e *testenv.Env, token, field, query string, vars map[string]any) map[string]any {
	t.Helper()
	r := e.Do(token, query, vars)
	if len(r.Errors) > 0 {
		t.Fatalf("%s: %s", field, r.Body)
	}
	var data map[string]map[string]any
	if err := json.Unmarshal(r.Data, &data); err != nil {
		t.Fatalf("%s: %v", field, err)
	}
	p, ok := data[field]
	if !ok {
		t.Fatalf("%s: no payload in %s", field, r.Data)
	}
	got, present := p["clientMutationId"]
	if want := vars["cmid"]; !present || got != want {
		t.Errorf("%s: clientMutationId = %v, want %v", field, got, want)
	}
	return p
}

// id returns the id of the object a payload holds under key.
func id(p map[string]any, key string) string {
	o, _ := p[key].(map[string]any)
	s, _ := o["id"].(string)
	return s
}

// TestMutationPayloads: every mutation answers with a payload that echoes
// the clientMutationId of its input (or its argument, where it has no
// input object), and null when none was sent.
func TestMutationPayloads(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		admin := acme.Token
		other := ids(e.Devices(acme, 1, "UTC"))[0]

		u := echoed(t, e, admin, "createUser", `mutation($cmid: String) {
  createUser(input: {name: "Ada", email: "ada@example.com", clientMutationId: $cmid}) { user { id } clientMutationId } }`,
			map[string]any{"cmid": "c-1"})
		user := id(u, "user")
		echoed(t, e, admin, "createUser", `mutation { createUser(input: {name: "Bo", email: "bo@example.com"}) { clientMutationId } }`, nil)
		echoed(t, e, admin, "updateUser", `mutation($id: ID!, $cmid: String) {
  updateUser(id: $id, input: {name: "Ada L.", clientMutationId: $cmid}, version: 1) { user { name } clientMutationId } }`,
			map[string]any{"id": user, "cmid": "c-2"})

		const createDevice = `mutation($cmid: String) {
  createDevice(input: {name: "Door", timeZone: "UTC", clientMutationId: $cmid}, idempotencyKey: "door") { device { id } clientMutationId } }`
		d := echoed(t, e, admin, "createDevice", createDevice, map[string]any{"cmid": "c-3"})
		dev := id(d, "device")
		// A retry under the same idempotencyKey with another clientMutationId
		// is the same request: the first answer, with the retry's label.
		before := e.Tables()
		again := echoed(t, e, admin, "createDevice", createDevice, map[string]any{"cmid": "c-3 again"})
		if id(again, "device") != dev {
			t.Errorf("retry created another device: %v, first %s", again, dev)
		}
		if diff := before.Diff(e.Tables()); diff != "" {
			t.Errorf("a retry wrote:\n%s", diff)
		}
		echoed(t, e, admin, "updateDevice", `mutation($id: ID!, $cmid: String) {
  updateDevice(id: $id, input: {name: "Front door", clientMutationId: $cmid}) { device { name } clientMutationId } }`,
			map[string]any{"id": dev, "cmid": "c-4"})

		g := echoed(t, e, admin, "grantPermission", `mutation($u: ID!, $d: ID!, $cmid: String) {
  grantPermission(input: {userID: $u, deviceIDs: [$d], remoteAllowed: true, delivery: NONE, clientMutationId: $cmid}) {
    permissions { id } invitation { id } clientMutationId } }`,
			map[string]any{"u": user, "d": dev, "cmid": "c-5"})
		perm := g["permissions"].([]any)[0].(map[string]any)["id"]
		rs := echoed(t, e, admin, "resendInvitation", `mutation($id: ID!, $cmid: String) {
  resendInvitation(id: $id, delivery: NONE, clientMutationId: $cmid) { code clientMutationId } }`,
			map[string]any{"id": id(g, "invitation"), "cmid": "c-6"})
		rd := echoed(t, e, "", "redeemInvitation", `mutation($code: String!, $cmid: String) {
  redeemInvitation(code: $code, clientMutationId: $cmid) { token clientMutationId } }`,
			map[string]any{"code": rs["code"], "cmid": "c-7"})
		echoed(t, e, admin, "updatePermission", `mutation($id: ID!, $cmid: String) {
  updatePermission(id: $id, input: {enabled: true, clientMutationId: $cmid}) { permission { enabled } clientMutationId } }`,
			map[string]any{"id": perm, "cmid": "c-8"})
		op := echoed(t, e, rd["token"].(string), "operateDevice", `mutation($d: ID!, $cmid: String) {
  operateDevice(deviceID: $d, action: UNLOCK, clientMutationId: $cmid) { allowed clientMutationId } }`,
			map[string]any{"d": dev, "cmid": "c-9"})
		if op["allowed"] != true {
			t.Errorf("operateDevice: %v", op)
		}
		echoed(t, e, admin, "revokePermission", `mutation($id: ID!, $cmid: String) {
  revokePermission(id: $id, clientMutationId: $cmid) { permission { status } clientMutationId } }`,
			map[string]any{"id": perm, "cmid": "c-10"})
		echoed(t, e, admin, "deleteDevice", `mutation($id: ID!, $cmid: String) {
  deleteDevice(id: $id, clientMutationId: $cmid) { deletedID clientMutationId } }`,
			map[string]any{"id": other, "cmid": "c-11"})
		echoed(t, e, admin, "deleteUser", `mutation($id: ID!, $cmid: String) {
  deleteUser(id: $id, clientMutationId: $cmid) { deletedID clientMutationId } }`,
			map[string]any{"id": user, "cmid": "c-12"})
	})
}
