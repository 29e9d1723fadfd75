package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/ent/apitoken"
	"github.com/latchkey/latchkey/ent/auditevent"
	"github.com/latchkey/latchkey/internal/audit"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/pulid"
	"github.com/latchkey/latchkey/internal/testenv"
)

// auditQuery reads the newest records of the trail.
const auditQuery = `query($first: Int, $where: AuditEventFilter) { auditEvents(first: $first, where: $where) {
  totalCount
  edges { node { id action actor { kind id tokenID name } targets changes { field before after } requestID clientAddress occurredAt } }
} }`

type auditNode struct {
	ID      string
	Action  string
	Actor   auditActor
	Targets []string
	Changes []struct {
		Field         string
		Before, After *string
	}
	RequestID, ClientAddress, OccurredAt string
}

type auditActor struct {
	Kind        string
	ID, TokenID *string
	Name        string
}

type auditPage struct {
	AuditEvents struct {
		TotalCount int
		Edges      []struct{ Node auditNode }
	}
}

// auditEvents reads the trail with token.
func auditEvents(e *testenv.Env, token string, where map[string]any) auditPage {
	e.T.Helper()
	var p auditPage
	e.MustDo(token, auditQuery, map[string]any{"first": 50, "where": where}, &p)
	return p
}

// auditRun is the state the steps of TestEveryMutationIsAudited share, in
// their order.
type auditRun struct {
	e     *testenv.Env
	acme  testenv.Account
	owner auditActor // the account's owner token, the actor of most steps
	// last is the response of the step's mutation.
	last *testenv.Response

	user, device, inv, code, appToken string
	admin, session, sessionSecret     string
	apiToken                          string
	webhook                           string
	perms, devices                    []string
	// secrets are the codes and tokens the steps saw, and the hashes
	// stored for them: no audit row may hold one.
	secrets []string
}

// do runs a step's mutation, which must succeed, and decodes its data.
func (r *auditRun) do(t *testing.T, token, query string, vars map[string]any, out any) {
	t.Helper()
	r.last = r.e.Do(token, query, vars)
	if len(r.last.Errors) > 0 {
		t.Fatalf("unexpected errors: %s", r.last.Body)
	}
	if out != nil {
		if err := json.Unmarshal(r.last.Data, out); err != nil {
			t.Fatal(err)
		}
	}
}

// auditWant is the one record a step's mutation must append: its action,
// its actor (the owner token if zero), its targets in order, and exactly
// the fields it changed with their values before and after (nil for none).
type auditWant struct {
	action  string
	actor   *auditActor
	targets []string
	changes map[string][2]any
}

// auditSteps perform every mutation of the served schema once, in this
// order. A mutation of the schema without a step fails the test: add one
// line per new mutation. A step that returns nil states that its mutation
// writes no audit record (and says why).
var auditSteps = []struct {
	mutation string
	run      func(t *testing.T, r *auditRun) *auditWant
}{
	{"createUser", func(t *testing.T, r *auditRun) *auditWant {
		var out struct {
			CreateUser struct{ User struct{ ID string } }
		}
		r.do(t, r.acme.Token, createUser, map[string]any{"input": map[string]any{"name": "Ada", "email": "Ada@Example.com"}}, &out)
		r.user = out.CreateUser.User.ID
		return &auditWant{action: "USER_CREATED", targets: []string{r.user}, changes: map[string][2]any{
			"name": {nil, "Ada"}, "email": {nil, "ada@example.com"}, "language": {nil, "EN"}, "origin": {nil, "WEB"}}}
	}},
	{"updateUser", func(t *testing.T, r *auditRun) *auditWant {
		r.do(t, r.acme.Token, `mutation($id: ID!) { updateUser(id: $id, input: {name: "Ada L.", language: EN}) { user { id } } }`, map[string]any{"id": r.user}, nil)
		return &auditWant{action: "USER_UPDATED", targets: []string{r.user}, changes: map[string][2]any{"name": {"Ada", "Ada L."}}}
	}},
	{"createDevice", func(t *testing.T, r *auditRun) *auditWant {
		var out struct {
			CreateDevice struct{ Device struct{ ID string } }
		}
		r.do(t, r.acme.Token, `mutation { createDevice(input: {name: "Front", timeZone: "Europe/Berlin"}) { device { id } } }`, nil, &out)
		r.device = out.CreateDevice.Device.ID
		return &auditWant{action: "DEVICE_CREATED", targets: []string{r.device}, changes: map[string][2]any{
			"name": {nil, "Front"}, "type": {nil, "SMART_LOCK"}, "timeZone": {nil, "Europe/Berlin"}}}
	}},
	{"updateDevice", func(t *testing.T, r *auditRun) *auditWant {
		r.do(t, r.acme.Token, `mutation($id: ID!) { updateDevice(id: $id, input: {timeZone: "UTC", vendorID: "V-1", name: "Front"}) { device { id } } }`, map[string]any{"id": r.device}, nil)
		return &auditWant{action: "DEVICE_UPDATED", targets: []string{r.device}, changes: map[string][2]any{
			"timeZone": {"Europe/Berlin", "UTC"}, "vendorID": {nil, "V-1"}}}
	}},
	{"grantPermission", func(t *testing.T, r *auditRun) *auditWant {
		r.devices = append([]string{r.device}, anyStrings(ids(r.e.Devices(r.acme, 2, "UTC")))...)
		var out struct {
			GrantPermission struct {
				Permissions []struct{ ID string }
				Invitation  struct{ ID, ExpiresAt string }
				Code        string
			}
		}
		r.do(t, r.acme.Token, `mutation($in: GrantPermissionInput!) { grantPermission(input: $in) { permissions { id } invitation { id expiresAt } code } }`,
			map[string]any{"in": map[string]any{"userID": r.user, "deviceIDs": r.devices, "remoteAllowed": true, "delivery": "NONE",
				"restrictions": map[string]any{"weekdays": []string{"MONDAY"}, "dailyFrom": "08:00", "dailyUntil": "17:00"}}}, &out)
		g := out.GrantPermission
		r.inv, r.code = g.Invitation.ID, g.Code
		r.secrets = append(r.secrets, g.Code)
		targets := []string{r.user, r.inv}
		for i, p := range g.Permissions {
			r.perms = append(r.perms, p.ID)
			targets = append(targets, p.ID, r.devices[i])
		}
		return &auditWant{action: "PERMISSIONS_GRANTED", targets: targets, changes: map[string][2]any{
			"status": {nil, "PENDING"}, "enabled": {nil, true}, "remoteAllowed": {nil, true},
			"restrictions.weekdays": {nil, []string{"MONDAY"}}, "restrictions.dailyFrom": {nil, "08:00"}, "restrictions.dailyUntil": {nil, "17:00"},
			"invitation.language": {nil, "EN"}, "invitation.status": {nil, "PENDING"}, "invitation.delivery": {nil, "NONE"},
			"invitation.expiresAt": {nil, g.Invitation.ExpiresAt}}}
	}},
	{"updatePermission", func(t *testing.T, r *auditRun) *auditWant {
		r.do(t, r.acme.Token, `mutation($id: ID!) { updatePermission(id: $id, input: {enabled: false, remoteAllowed: true, restrictions: {dailyFrom: "09:00"}}) { permission { id } } }`,
			map[string]any{"id": r.perms[0]}, nil)
		return &auditWant{action: "PERMISSION_UPDATED", targets: []string{r.perms[0]}, changes: map[string][2]any{
			"enabled": {true, false}, "restrictions.dailyFrom": {"08:00", "09:00"}}}
	}},
	{"revokePermission", func(t *testing.T, r *auditRun) *auditWant {
		r.do(t, r.acme.Token, `mutation($id: ID!) { revokePermission(id: $id) { permission { id } } }`, map[string]any{"id": r.perms[2]}, nil)
		return &auditWant{action: "PERMISSION_REVOKED", targets: []string{r.perms[2], r.user, r.devices[2], r.inv},
			changes: map[string][2]any{"status": {"PENDING", "REVOKED"}}}
	}},
	{"resendInvitation", func(t *testing.T, r *auditRun) *auditWant {
		var before struct{ Node struct{ ExpiresAt string } }
		r.e.MustDo(r.acme.Token, `query($id: ID!) { node(id: $id) { ... on Invitation { expiresAt } } }`, map[string]any{"id": r.inv}, &before)
		r.e.Advance(time.Hour)
		var out struct {
			ResendInvitation struct {
				Invitation struct{ ExpiresAt string }
				Code       string
			}
		}
		r.do(t, r.acme.Token, `mutation($id: ID!) { resendInvitation(id: $id, language: DE, delivery: NONE) { invitation { expiresAt } code } }`, map[string]any{"id": r.inv}, &out)
		r.code = out.ResendInvitation.Code
		r.secrets = append(r.secrets, r.code)
		return &auditWant{action: "INVITATION_RESENT", targets: []string{r.inv, r.user}, changes: map[string][2]any{
			"language": {"EN", "DE"}, "expiresAt": {before.Node.ExpiresAt, out.ResendInvitation.Invitation.ExpiresAt}}}
	}},
	{"redeemInvitation", func(t *testing.T, r *auditRun) *auditWant {
		var out redeemed
		r.do(t, "", redeem, map[string]any{"code": r.code}, &out)
		r.appToken = out.RedeemInvitation.Token
		r.secrets = append(r.secrets, r.appToken)
		tok := r.e.App.Client.APIToken.Query().Where(apitoken.TokenHash(auth.HashToken(r.appToken))).OnlyX(auth.SystemContext(context.Background()))
		live := slices.Sorted(slices.Values(r.perms[:2]))
		// The caller holds a code, not a token: the server is the actor.
		return &auditWant{action: "INVITATION_REDEEMED", actor: &auditActor{Kind: "SYSTEM", Name: "invitation code"},
			targets: append(append([]string{r.inv, r.user}, live...), string(tok.ID)),
			changes: map[string][2]any{"status": {"PENDING", "REDEEMED"}}}
	}},
	{"operateDevice", func(t *testing.T, r *auditRun) *auditWant {
		var out struct {
			OperateDevice struct {
				Allowed bool
				Reason  string
				Event   struct{ ID string }
			}
		}
		r.do(t, r.appToken, `mutation($d: ID!) { operateDevice(deviceID: $d, action: UNLOCK) { allowed reason event { id } } }`, map[string]any{"d": r.devices[1]}, &out)
		op := out.OperateDevice
		tok := r.token(r.appToken)
		outcome := "REFUSED"
		if op.Allowed {
			outcome = "DONE"
		}
		// The door log's event, audited with the device's outcome.
		return &auditWant{action: "DEVICE_OPERATED", actor: &auditActor{Kind: "APP_TOKEN", ID: &tok, TokenID: &tok, Name: "app"},
			targets: []string{op.Event.ID, r.devices[1], r.user},
			changes: map[string][2]any{"action": {nil, "UNLOCK"}, "allowed": {nil, op.Allowed}, "reason": {nil, op.Reason}, "outcome": {nil, outcome}}}
	}},
	{"revokeAppToken", func(t *testing.T, r *auditRun) *auditWant {
		tok := r.token(r.appToken)
		r.do(t, r.acme.Token, `mutation($id: ID!) { revokeAppToken(id: $id) { revokedID } }`, map[string]any{"id": tok}, nil)
		return &auditWant{action: "APP_TOKEN_REVOKED", targets: []string{tok, r.user}, changes: map[string][2]any{"name": {"app", nil}, "kind": {"APP", nil}}}
	}},
	{"deleteDevice", func(t *testing.T, r *auditRun) *auditWant {
		r.do(t, r.acme.Token, `mutation($id: ID!) { deleteDevice(id: $id) { deletedID } }`, map[string]any{"id": r.devices[1]}, nil)
		return &auditWant{action: "DEVICE_DELETED", targets: []string{r.devices[1]}, changes: map[string][2]any{"name": {"Door 000", nil}}}
	}},
	{"deleteUser", func(t *testing.T, r *auditRun) *auditWant {
		r.do(t, r.acme.Token, `mutation($id: ID!) { deleteUser(id: $id) { deletedID } }`, map[string]any{"id": r.user}, nil)
		return &auditWant{action: "USER_DELETED", targets: []string{r.user}, changes: map[string][2]any{
			"name": {"Ada L.", nil}, "email": {"ada@example.com", nil}}}
	}},
	{"inviteAdmin", func(t *testing.T, r *auditRun) *auditWant {
		var out struct {
			InviteAdmin struct{ Admin struct{ ID string } }
		}
		r.do(t, r.acme.Token, inviteAdmin, map[string]any{"input": map[string]any{"name": "Grace", "email": "Grace@Example.com", "role": "ADMIN"}}, &out)
		r.admin = out.InviteAdmin.Admin.ID
		return &auditWant{action: "ADMIN_INVITED", targets: []string{r.admin}, changes: map[string][2]any{
			"name": {nil, "Grace"}, "email": {nil, "grace@example.com"}, "role": {nil, "ADMIN"}}}
	}},
	{"setAdminPassword", func(t *testing.T, r *auditRun) *auditWant {
		sys := auth.SystemContext(context.Background())
		code := codeFor(r.e, r.e.App.Client.Admin.GetX(sys, pulid.ID(r.admin)))
		r.secrets = append(r.secrets, code, auditPassword)
		r.do(t, "", setPassword, map[string]any{"input": map[string]any{"code": code, "password": auditPassword}}, nil)
		// The caller proved to be the admin by the code.
		return &auditWant{action: "ADMIN_PASSWORD_SET", actor: &auditActor{Kind: "ADMIN", ID: &r.admin, Name: "Grace"}, targets: []string{r.admin}}
	}},
	{"signIn", func(t *testing.T, r *auditRun) *auditWant {
		// An unknown email records nothing (there is no admin to name), a
		// wrong password one failure, committed though the operation fails.
		for _, email := range []string{"nobody@example.com", "grace@example.com"} {
			if r.last = r.e.Do("", signIn, map[string]any{"input": map[string]any{"email": email, "password": "not the passphrase"}}); r.last.Code() != "UNAUTHENTICATED" {
				t.Fatalf("a wrong sign-in: %s", r.last.Body)
			}
		}
		return &auditWant{action: "SIGN_IN_FAILED", actor: &auditActor{Kind: "SYSTEM", Name: "sign-in"}, targets: []string{r.admin}}
	}},
	{"signIn", func(t *testing.T, r *auditRun) *auditWant {
		var out signInResult
		r.do(t, "", signIn, map[string]any{"input": map[string]any{"email": "grace@example.com", "password": auditPassword}}, &out)
		r.sessionSecret = out.SignIn.Token
		r.secrets = append(r.secrets, r.sessionSecret)
		r.session = r.token(r.sessionSecret)
		return &auditWant{action: "SIGNED_IN", actor: &auditActor{Kind: "ADMIN", ID: &r.admin, TokenID: &r.session, Name: "Grace"},
			targets: []string{r.admin, r.session}, changes: map[string][2]any{"lastSignInAt": {nil, r.e.Now().UTC().Format(time.RFC3339Nano)}}}
	}},
	{"updateAdmin", func(t *testing.T, r *auditRun) *auditWant {
		r.do(t, r.acme.Token, updateAdmin, map[string]any{"input": map[string]any{"id": r.admin, "name": "Grace H.", "role": "VIEWER", "disabled": false}}, nil)
		return &auditWant{action: "ADMIN_UPDATED", targets: []string{r.admin}, changes: map[string][2]any{"name": {"Grace", "Grace H."}, "role": {"ADMIN", "VIEWER"}}}
	}},
	{"createAPIToken", func(t *testing.T, r *auditRun) *auditWant {
		expires := r.e.Now().Add(24 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
		var out struct {
			CreateAPIToken struct {
				Secret string
				Token  struct{ ID string }
			}
		}
		r.do(t, r.acme.Token, `mutation($in: CreateAPITokenInput!) { createAPIToken(input: $in) { secret token { id } } }`,
			map[string]any{"in": map[string]any{"name": "ci", "role": "VIEWER", "expiresAt": expires}}, &out)
		r.apiToken = out.CreateAPIToken.Token.ID
		r.secrets = append(r.secrets, out.CreateAPIToken.Secret)
		return &auditWant{action: "API_TOKEN_CREATED", targets: []string{r.apiToken}, changes: map[string][2]any{
			"name": {nil, "ci"}, "kind": {nil, "API"}, "role": {nil, "VIEWER"}, "expiresAt": {nil, expires}}}
	}},
	{"revokeAPIToken", func(t *testing.T, r *auditRun) *auditWant {
		r.do(t, r.acme.Token, `mutation($id: ID!) { revokeAPIToken(id: $id) { revokedID } }`, map[string]any{"id": r.apiToken}, nil)
		return &auditWant{action: "API_TOKEN_REVOKED", targets: []string{r.apiToken}, changes: map[string][2]any{
			"name": {"ci", nil}, "kind": {"API", nil}, "role": {"VIEWER", nil}, "expiresAt": {r.e.Now().Add(24 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339), nil}}}
	}},
	{"signOut", func(t *testing.T, r *auditRun) *auditWant {
		r.do(t, r.sessionSecret, `mutation { signOut { revokedID } }`, nil, nil)
		return &auditWant{action: "SIGNED_OUT", actor: &auditActor{Kind: "ADMIN", ID: &r.admin, TokenID: &r.session, Name: "Grace H."},
			targets: []string{r.session, r.admin}, changes: map[string][2]any{"kind": {"SESSION", nil}, "name": {"session", nil}}}
	}},
	{"createWebhookEndpoint", func(t *testing.T, r *auditRun) *auditWant {
		var out struct {
			CreateWebhookEndpoint struct {
				Secret   string
				Endpoint struct{ ID string }
			}
		}
		r.do(t, r.acme.Token, `mutation($in: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $in) { secret endpoint { id } } }`,
			map[string]any{"in": map[string]any{"url": "https://hooks.example.com/in", "description": "CRM", "eventTypes": []string{"USER_CREATED", "PERMISSIONS_GRANTED"}}}, &out)
		r.webhook = out.CreateWebhookEndpoint.Endpoint.ID
		r.secrets = append(r.secrets, out.CreateWebhookEndpoint.Secret, strings.TrimPrefix(out.CreateWebhookEndpoint.Secret, "whsec_"))
		return &auditWant{action: "WEBHOOK_ENDPOINT_CREATED", targets: []string{r.webhook}, changes: map[string][2]any{
			"url": {nil, "https://hooks.example.com/in"}, "description": {nil, "CRM"}, "eventTypes": {nil, []string{"USER_CREATED", "PERMISSIONS_GRANTED"}}, "enabled": {nil, true}}}
	}},
	{"updateWebhookEndpoint", func(t *testing.T, r *auditRun) *auditWant {
		r.do(t, r.acme.Token, `mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: {url: "https://hooks.example.com/v2", description: "CRM", eventTypes: [USER_DELETED]}) { endpoint { id } } }`,
			map[string]any{"id": r.webhook}, nil)
		return &auditWant{action: "WEBHOOK_ENDPOINT_UPDATED", targets: []string{r.webhook}, changes: map[string][2]any{
			"url": {"https://hooks.example.com/in", "https://hooks.example.com/v2"}, "eventTypes": {[]string{"USER_CREATED", "PERMISSIONS_GRANTED"}, []string{"USER_DELETED"}}}}
	}},
	{"rotateWebhookSecret", func(t *testing.T, r *auditRun) *auditWant {
		var out struct{ RotateWebhookSecret struct{ Secret string } }
		r.do(t, r.acme.Token, `mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret endpoint { previousSecretUntil } } }`, map[string]any{"id": r.webhook}, &out)
		r.secrets = append(r.secrets, out.RotateWebhookSecret.Secret, strings.TrimPrefix(out.RotateWebhookSecret.Secret, "whsec_"))
		return &auditWant{action: "WEBHOOK_SECRET_ROTATED", targets: []string{r.webhook}}
	}},
	{"disableWebhookEndpoint", func(t *testing.T, r *auditRun) *auditWant {
		r.do(t, r.acme.Token, `mutation($id: ID!) { disableWebhookEndpoint(id: $id, reason: "maintenance") { endpoint { id } } }`, map[string]any{"id": r.webhook}, nil)
		return &auditWant{action: "WEBHOOK_ENDPOINT_DISABLED", targets: []string{r.webhook}, changes: map[string][2]any{
			"enabled": {true, false}, "disabledAt": {nil, r.e.Now().UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)}, "disabledReason": {nil, "maintenance"}}}
	}},
	{"enableWebhookEndpoint", func(t *testing.T, r *auditRun) *auditWant {
		r.do(t, r.acme.Token, `mutation($id: ID!) { enableWebhookEndpoint(id: $id) { endpoint { id } } }`, map[string]any{"id": r.webhook}, nil)
		return &auditWant{action: "WEBHOOK_ENDPOINT_ENABLED", targets: []string{r.webhook}, changes: map[string][2]any{
			"enabled": {false, true}, "disabledAt": {r.e.Now().UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano), nil}, "disabledReason": {"maintenance", nil}}}
	}},
	{"redeliverWebhook", func(t *testing.T, r *auditRun) *auditWant {
		// A delivery as the dispatcher writes it (internal/webhook).
		d := r.e.App.Client.WebhookDelivery.Create().SetAccountID(r.acme.ID).SetEndpointID(pulid.ID(r.webhook)).SetEventID("1.aud_x").
			SetEventType(enum.AuditUserDeleted).SetPayload("{}").SetNextAttemptAt(r.e.Now()).SetStatus(enum.WebhookFailed).
			SaveX(auth.SystemContext(context.Background()))
		r.do(t, r.acme.Token, `mutation($id: ID!) { redeliverWebhook(id: $id) { delivery { status } } }`, map[string]any{"id": d.ID}, nil)
		return &auditWant{action: "WEBHOOK_REDELIVERED", targets: []string{string(d.ID), r.webhook}}
	}},
	{"deleteWebhookEndpoint", func(t *testing.T, r *auditRun) *auditWant {
		r.do(t, r.acme.Token, `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { deletedID } }`, map[string]any{"id": r.webhook}, nil)
		return &auditWant{action: "WEBHOOK_ENDPOINT_DELETED", targets: []string{r.webhook}, changes: map[string][2]any{
			"url": {"https://hooks.example.com/v2", nil}, "eventTypes": {[]string{"USER_DELETED"}, nil}}}
	}},
	{"deleteAdmin", func(t *testing.T, r *auditRun) *auditWant {
		r.do(t, r.acme.Token, deleteAdmin, map[string]any{"input": map[string]any{"id": r.admin}}, nil)
		return &auditWant{action: "ADMIN_DELETED", targets: []string{r.admin}, changes: map[string][2]any{
			"name": {"Grace H.", nil}, "email": {"grace@example.com", nil}, "role": {"VIEWER", nil}}}
	}},
}

// auditPassword is the password the admin of TestEveryMutationIsAudited
// sets.
const auditPassword = "a long enough passphrase"

// token is the ID of the token whose secret is secret.
func (r *auditRun) token(secret string) string {
	return string(r.e.App.Client.APIToken.Query().Where(apitoken.TokenHash(auth.HashToken(secret))).OnlyX(auth.SystemContext(context.Background())).ID)
}

func anyStrings(in []any) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = v.(string)
	}
	return out
}

// servedMutations lists the Mutation fields of the served schema.
func servedMutations(e *testenv.Env, token string) []string {
	e.T.Helper()
	var out struct {
		Schema struct {
			MutationType struct{ Fields []struct{ Name string } }
		} `json:"__schema"`
	}
	e.MustDo(token, `{ __schema { mutationType { fields { name } } } }`, nil, &out)
	var names []string
	for _, f := range out.Schema.MutationType.Fields {
		names = append(names, f.Name)
	}
	return names
}

// TestEveryMutationIsAudited performs every mutation of the served schema
// once and finds exactly one new audit record for each (none for a step
// that says so), with its actor, action, targets, the fields it changed
// before and after, the request id, the client address and the server's
// time; and no secret, code or hash in any audit row.
func TestEveryMutationIsAudited(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		r := newAuditRun(e)
		acme := r.acme

		steps := map[string]bool{}
		for _, s := range auditSteps {
			steps[s.mutation] = true
		}
		served := servedMutations(e, acme.Token)
		for _, m := range served {
			if !steps[m] {
				t.Errorf("mutation %s has no step in auditSteps: say what audit record it writes", m)
			}
		}
		for m := range steps {
			if !slices.Contains(served, m) {
				t.Errorf("auditSteps names %s, which the schema does not serve", m)
			}
		}
		if t.Failed() {
			t.FailNow()
		}

		seen := 0
		for _, s := range auditSteps {
			want := s.run(t, r)
			r.collectHashes(t)
			page := auditEvents(e, acme.Token, nil)
			added := page.AuditEvents.TotalCount - seen
			seen = page.AuditEvents.TotalCount
			switch {
			case want == nil && added != 0:
				t.Errorf("%s: %d audit records, want none", s.mutation, added)
				continue
			case want == nil:
				continue
			case added != 1:
				t.Errorf("%s: %d audit records, want exactly one", s.mutation, added)
				continue
			}
			r.check(t, s.mutation, page.AuditEvents.Edges[0].Node, want)
		}
		rows := e.Tables()["audit_events"]
		if len(rows) != seen {
			t.Errorf("%d audit rows in the database, %d through the API", len(rows), seen)
		}
		for _, row := range rows {
			for _, s := range r.secrets {
				if s != "" && strings.Contains(row, s) {
					t.Errorf("an audit row holds the secret %q: %s", s, row)
				}
			}
		}
	})
}

// newAuditRun starts a run in a new account, whose owner token acts.
func newAuditRun(e *testenv.Env) *auditRun {
	acme := e.Account("Acme")
	r := &auditRun{e: e, acme: acme, secrets: []string{acme.Token}}
	owner := r.token(acme.Token)
	r.owner = auditActor{Kind: "API_TOKEN", ID: &owner, TokenID: &owner, Name: "owner"}
	return r
}

// TestAuditSessionRevoked: revoking an admin's session through
// revokeAPIToken names the session and its admin, with what the session
// was (it has no role).
func TestAuditSessionRevoked(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		r := newAuditRun(e)
		grace := newAdmin(e, r.acme, "Grace", "grace@example.com", enum.AdminAdmin, auditPassword)
		session := r.token(sessionOf(e, "grace@example.com", auditPassword))
		tok := e.App.Client.APIToken.GetX(auth.SystemContext(context.Background()), pulid.ID(session))
		r.do(t, r.acme.Token, `mutation($id: ID!) { revokeAPIToken(id: $id) { revokedID } }`, map[string]any{"id": session}, nil)
		r.check(t, "revokeAPIToken", auditEvents(e, r.acme.Token, nil).AuditEvents.Edges[0].Node, &auditWant{
			action: "API_TOKEN_REVOKED", targets: []string{session, string(grace.ID)}, changes: map[string][2]any{
				"name": {"session", nil}, "kind": {"SESSION", nil}, "role": {nil, nil}, "expiresAt": {tok.ExpiresAt.UTC().Format(time.RFC3339Nano), nil}}})
	})
}

// collectHashes adds the hashes stored for codes and tokens to r.secrets.
func (r *auditRun) collectHashes(t *testing.T) {
	t.Helper()
	sys := auth.SystemContext(context.Background())
	for _, inv := range r.e.App.Client.Invitation.Query().AllX(sys) {
		r.secrets = append(r.secrets, inv.CodeHash)
	}
	for _, tok := range r.e.App.Client.APIToken.Query().AllX(sys) {
		r.secrets = append(r.secrets, tok.TokenHash)
	}
	for _, c := range r.e.App.Client.AdminCode.Query().AllX(sys) {
		r.secrets = append(r.secrets, c.CodeHash)
	}
	for _, a := range r.e.App.Client.Admin.Query().AllX(sys) {
		if a.PasswordHash != nil {
			r.secrets = append(r.secrets, *a.PasswordHash)
		}
	}
}

// check compares the newest record with what the step wants.
func (r *auditRun) check(t *testing.T, mutation string, got auditNode, want *auditWant) {
	t.Helper()
	actor := r.owner
	if want.actor != nil {
		actor = *want.actor
	}
	if got.Action != want.action {
		t.Errorf("%s: action %s, want %s", mutation, got.Action, want.action)
	}
	if g, w := fmt.Sprint(got.Actor.Kind, deref(got.Actor.ID), deref(got.Actor.TokenID), got.Actor.Name),
		fmt.Sprint(actor.Kind, deref(actor.ID), deref(actor.TokenID), actor.Name); g != w {
		t.Errorf("%s: actor %s, want %s", mutation, g, w)
	}
	if !slices.Equal(got.Targets, want.targets) {
		t.Errorf("%s: targets %v, want %v", mutation, got.Targets, want.targets)
	}
	changes := map[string][2]string{}
	for _, c := range got.Changes {
		if _, dup := changes[c.Field]; dup {
			t.Errorf("%s: %s changed twice", mutation, c.Field)
		}
		changes[c.Field] = [2]string{jsonText(t, c.Before), jsonText(t, c.After)}
	}
	for field, v := range want.changes {
		w := [2]string{jsonOf(t, v[0]), jsonOf(t, v[1])}
		if changes[field] != w {
			t.Errorf("%s: %s changed %v, want %v", mutation, field, changes[field], w)
		}
	}
	if extra := slices.DeleteFunc(slices.Sorted(maps.Keys(changes)), func(f string) bool { _, ok := want.changes[f]; return ok }); len(extra) > 0 {
		t.Errorf("%s: changes %v, which it should not list", mutation, extra)
	}
	if id := r.last.Header.Get("X-Request-ID"); got.RequestID != id || id == "" {
		t.Errorf("%s: requestID %q, the response's %q", mutation, got.RequestID, id)
	}
	if got.ClientAddress != "127.0.0.1" {
		t.Errorf("%s: clientAddress %q, want 127.0.0.1", mutation, got.ClientAddress)
	}
	if at, err := time.Parse(time.RFC3339Nano, got.OccurredAt); err != nil || !at.Equal(r.e.Now().Truncate(time.Microsecond)) {
		t.Errorf("%s: occurredAt %s, want the server's clock %s", mutation, got.OccurredAt, r.e.Now())
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// jsonText normalises a value of the API's changes (JSON text or null).
func jsonText(t *testing.T, s *string) string {
	t.Helper()
	if s == nil {
		return "null"
	}
	var v any
	if err := json.Unmarshal([]byte(*s), &v); err != nil {
		t.Fatalf("change value %q is not JSON: %v", *s, err)
	}
	return jsonOf(t, v)
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAuditUnchangedWritesNothing: an update that changes nothing writes no
// audit record, as it writes nothing else; neither does a revoke of a
// revoked permission or the retry of a create under its idempotency key.
func TestAuditUnchangedWritesNothing(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		dev := ids(e.Devices(acme, 1, "UTC"))
		var g grantResult
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": dev}}, &g)
		perm := g.GrantPermission.Permissions[0].ID
		e.MustDo(acme.Token, `mutation($id: ID!) { revokePermission(id: $id) { permission { id } } }`, map[string]any{"id": perm}, nil)
		const createOnce = `mutation($in: CreateUserInput!) { createUser(input: $in, idempotencyKey: "k-1") { user { id } } }`
		once := map[string]any{"in": map[string]any{"name": "Bob", "email": "bob@example.com"}}
		e.MustDo(acme.Token, createOnce, once, nil)
		for _, c := range []struct {
			name, query string
			vars        map[string]any
		}{
			{"user", `mutation($id: ID!) { updateUser(id: $id, input: {name: "Ada", email: "ada@example.com"}, version: 1) { user { version } } }`, map[string]any{"id": user}},
			{"device", `mutation($id: ID!) { updateDevice(id: $id, input: {timeZone: "UTC", clearVendorID: true}) { device { version } } }`, map[string]any{"id": dev[0]}},
			{"revoked permission", `mutation($id: ID!) { revokePermission(id: $id) { permission { id } } }`, map[string]any{"id": perm}},
			{"idempotent retry", createOnce, once},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := e.Snapshot()
				e.MustDo(acme.Token, c.query, c.vars, nil)
				if after := e.Snapshot(); after != before {
					t.Errorf("an unchanged write wrote:\n%s", testenvDiff(before, after))
				}
			})
		}
	})
}

// testenvDiff shows the lines of after not in before.
func testenvDiff(before, after string) string {
	var out []string
	for l := range strings.SplitSeq(after, "\n") {
		if !strings.Contains(before, l) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestAuditRollsBackWithItsWrite: a record is part of its write's
// transaction, so an operation that fails after a write keeps neither.
func TestAuditRollsBackWithItsWrite(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		expectRejected(t, e, acme.Token, `mutation($id: ID!) {
			a: updateUser(id: $id, input: {name: "Ada L."}) { user { id } }
			b: createDevice(input: {name: "Gate", timeZone: "Mars/Olympus"}) { device { id } } }`,
			map[string]any{"id": user}, "BAD_USER_INPUT", "")
	})
}

// TestAuditTenancy: another account's records answer like IDs that do
// not exist, are never listed or matched, and an app token reads none.
func TestAuditTenancy(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme, other := e.Account("Acme"), e.Account("Other")
		eve := newUser(e, other.Token, "Eve", "eve@example.com")
		_, adaToken := redeemedUser(e, acme, "ada@example.com", ids(e.Devices(acme, 1, "UTC")), nil, false)
		sys := auth.SystemContext(context.Background())
		foreign := e.App.Client.AuditEvent.Query().Where(auditevent.AccountID(other.ID)).FirstX(sys)
		own := e.App.Client.AuditEvent.Query().Where(auditevent.AccountID(acme.ID)).FirstX(sys)

		const node = `query($id: ID!) { node(id: $id) { id ... on AuditEvent { action } } }`
		r := e.Do(acme.Token, node, map[string]any{"id": string(foreign.ID)})
		missing := e.Do(acme.Token, node, map[string]any{"id": string(pulid.New("aud"))})
		if r.Code() != "NOT_FOUND" || normalizeID(r.Body, string(foreign.ID)) != normalizeID(missing.Body, "") {
			t.Errorf("foreign audit record: %s; missing: %s", r.Body, missing.Body)
		}
		if ok := e.Do(acme.Token, node, map[string]any{"id": string(own.ID)}); ok.Code() != "" {
			t.Errorf("own audit record: %s", ok.Body)
		}
		for _, where := range []map[string]any{nil, {"targetID": eve}, {"actionIn": []string{"USER_CREATED"}}} {
			for _, n := range auditEvents(e, acme.Token, where).AuditEvents.Edges {
				if slices.Contains(n.Node.Targets, eve) || n.Node.ID == string(foreign.ID) {
					t.Errorf("acme reads other's record %+v", n.Node)
				}
			}
		}

		t.Run("app token", func(t *testing.T) {
			if r := e.Do(adaToken, node, map[string]any{"id": string(own.ID)}); r.Code() != "NOT_FOUND" {
				t.Errorf("an app token reads an audit record: %s", r.Body)
			}
			// Refused by the role rules, or answered empty by tenancy.
			r := e.Do(adaToken, auditQuery, map[string]any{"first": 10})
			var p auditPage
			_ = json.Unmarshal(r.Data, &p)
			if r.Code() != "FORBIDDEN" && (r.Code() != "" || p.AuditEvents.TotalCount != 0 || len(p.AuditEvents.Edges) != 0) {
				t.Errorf("an app token lists audit records: %s", r.Body)
			}
		})
	})
}

// TestAuditFilterAndOrder: newest first by default; actorID, targetID,
// action, actionIn and the time bounds each narrow the trail.
func TestAuditFilterAndOrder(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		start := e.Now()
		ada := newUser(e, acme.Token, "Ada", "ada@example.com")
		e.Advance(time.Minute)
		bob := newUser(e, acme.Token, "Bob", "bob@example.com")
		e.Advance(time.Minute)
		e.MustDo(acme.Token, `mutation($id: ID!) { updateUser(id: $id, input: {name: "Ada L."}) { user { id } } }`, map[string]any{"id": ada}, nil)
		sys := auth.SystemContext(context.Background())
		owner := string(e.App.Client.APIToken.Query().Where(apitoken.TokenHash(auth.HashToken(acme.Token))).OnlyX(sys).ID)

		actions := func(where map[string]any) string {
			t.Helper()
			var out []string
			for _, n := range auditEvents(e, acme.Token, where).AuditEvents.Edges {
				out = append(out, n.Node.Action+":"+n.Node.Targets[0])
			}
			return strings.Join(out, " ")
		}
		created := func(id string) string { return "USER_CREATED:" + id }
		for _, c := range []struct {
			name  string
			where map[string]any
			want  string
		}{
			{"all, newest first", nil, "USER_UPDATED:" + ada + " " + created(bob) + " " + created(ada)},
			{"target", map[string]any{"targetID": ada}, "USER_UPDATED:" + ada + " " + created(ada)},
			{"action", map[string]any{"action": "USER_CREATED"}, created(bob) + " " + created(ada)},
			{"actionIn", map[string]any{"actionIn": []string{"USER_UPDATED", "DEVICE_CREATED"}}, "USER_UPDATED:" + ada},
			{"actor", map[string]any{"actorID": owner, "targetID": bob}, created(bob)},
			{"other actor", map[string]any{"actorID": string(pulid.New("adm"))}, ""},
			{"after", map[string]any{"occurredAfter": start.Add(30 * time.Second).Format(time.RFC3339Nano)}, "USER_UPDATED:" + ada + " " + created(bob)},
			{"before", map[string]any{"occurredBefore": start.Add(90 * time.Second).Format(time.RFC3339Nano)}, created(bob) + " " + created(ada)},
		} {
			t.Run(c.name, func(t *testing.T) {
				if got := actions(c.where); got != c.want {
					t.Errorf("got  %s\nwant %s", got, c.want)
				}
			})
		}
		t.Run("oldest first", func(t *testing.T) {
			var p auditPage
			e.MustDo(acme.Token, `{ auditEvents(orderBy: {field: OCCURRED_AT, direction: ASC}) { totalCount edges { node { targets } } } }`, nil, &p)
			if len(p.AuditEvents.Edges) != 3 || p.AuditEvents.Edges[0].Node.Targets[0] != ada || p.AuditEvents.Edges[1].Node.Targets[0] != bob {
				t.Errorf("ascending: %+v", p)
			}
		})
	})
}

// TestAuditActors: a signed-in admin's session is recorded as the admin,
// by name, with its session; the server's own work for an account (no
// token) as SYSTEM; an app token as itself.
func TestAuditActors(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		sys := auth.SystemContext(context.Background())
		c := e.App.Client
		grace := c.Admin.Create().SetAccountID(acme.ID).SetName("Grace Hopper").SetEmail("grace@example.com").SetRole(enum.AdminAdmin).SaveX(sys)
		secret, hash := auth.NewToken()
		session := c.APIToken.Create().SetAccountID(acme.ID).SetKind(enum.TokenSession).SetAdminID(grace.ID).SetName("session").SetTokenHash(hash).SaveX(sys)
		newUser(e, secret, "Ada", "ada@example.com")
		got := auditEvents(e, acme.Token, nil).AuditEvents.Edges[0].Node.Actor
		if got.Kind != "ADMIN" || deref(got.ID) != string(grace.ID) || deref(got.TokenID) != string(session.ID) || got.Name != "Grace Hopper" {
			t.Errorf("session actor: %+v", got)
		}
		// Renaming the admin later leaves the record as it was.
		c.Admin.UpdateOne(grace).SetName("Grace B. Hopper").ExecX(sys)
		if got := auditEvents(e, acme.Token, nil).AuditEvents.Edges[0].Node.Actor; got.Name != "Grace Hopper" {
			t.Errorf("actor name after a rename: %q", got.Name)
		}

		for _, v := range []struct {
			viewer *auth.Viewer
			want   string
		}{
			{&auth.Viewer{AccountID: acme.ID, Role: auth.RoleOwner, Name: "account command"}, "SYSTEM <nil> <nil> account command"},
			{&auth.Viewer{AccountID: acme.ID, Role: auth.RoleUser, UserID: pulid.New("usr"), TokenID: "tok_app", Name: "app"}, "APP_TOKEN tok_app tok_app app"},
			{&auth.Viewer{AccountID: acme.ID, Role: auth.RoleViewer, TokenID: "tok_api", Name: "reporting"}, "API_TOKEN tok_api tok_api reporting"},
		} {
			ctx := auth.NewContext(context.Background(), v.viewer)
			tx, err := c.Tx(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := audit.Record(ctx, tx.Client(), audit.Entry{Action: enum.AuditUserUpdated, Targets: []pulid.ID{"usr_x"}, At: e.Now()}); err != nil {
				t.Fatalf("%s: %v", v.want, err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			a := auditEvents(e, acme.Token, nil).AuditEvents.Edges[0].Node.Actor
			if got := fmt.Sprint(a.Kind, " ", deref(a.ID), " ", deref(a.TokenID), " ", a.Name); got != v.want {
				t.Errorf("actor %q, want %q", got, v.want)
			}
		}
	})
}

// TestAuditAppendOnly: no caller of the API may change or remove a record,
// an owner included; the retention sweep removes the records older than
// AUDIT_RETENTION and keeps the others.
func TestAuditAppendOnly(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		newUser(e, acme.Token, "Ada", "ada@example.com")
		c := e.App.Client
		if err := c.AuditEvent.Update().Exec(acme.Admin()); err == nil {
			t.Error("an owner changed audit records")
		}
		if _, err := c.AuditEvent.Delete().Exec(acme.Admin()); err == nil {
			t.Error("an owner removed audit records")
		}
		if n := e.Counts().AuditEvents; n != 1 {
			t.Fatalf("%d audit rows, want 1", n)
		}
		e.Advance(364 * 24 * time.Hour)
		newUser(e, acme.Token, "Bob", "bob@example.com")
		e.Advance(2 * 24 * time.Hour)
		if err := e.App.Sweep(context.Background()); err != nil {
			t.Fatal(err)
		}
		page := auditEvents(e, acme.Token, nil)
		if page.AuditEvents.TotalCount != 1 || page.AuditEvents.Edges[0].Node.Changes[0].After == nil || *page.AuditEvents.Edges[0].Node.Changes[0].After != `"Bob"` {
			t.Errorf("after the sweep: %+v", page)
		}
	})
}
