package graph_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"

	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/idempotency"
	"github.com/latchkey/latchkey/internal/testenv"
)

// TestIdempotencyKeys: a retry with the same key and input returns the
// first answer and writes nothing; the same key with another input is a
// CONFLICT; keys expire after 24 hours.
func TestIdempotencyKeys(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		const createDevice = `mutation($in: CreateDeviceInput!, $key: String) { createDevice(input: $in, idempotencyKey: $key) { device { id name } } }`
		type devOut struct {
			CreateDevice struct{ Device struct{ ID, Name string } }
		}
		in := map[string]any{"name": "Front door", "timeZone": "Europe/Berlin"}
		var first, again devOut
		e.MustDo(acme.Token, createDevice, map[string]any{"in": in, "key": "k-1"}, &first)
		before := e.Counts()
		e.MustDo(acme.Token, createDevice, map[string]any{"in": in, "key": "k-1"}, &again)
		if again.CreateDevice != first.CreateDevice || e.Counts() != before {
			t.Fatalf("retry: %+v vs %+v, rows %+v -> %+v", first, again, before, e.Counts())
		}
		expectRejected(t, e, acme.Token, createDevice, map[string]any{"in": map[string]any{"name": "Back door", "timeZone": "UTC"}, "key": "k-1"}, "CONFLICT", "idempotencyKey")
		// Another account's key space is its own.
		other := e.Account("Other")
		var foreign devOut
		e.MustDo(other.Token, createDevice, map[string]any{"in": in, "key": "k-1"}, &foreign)
		if foreign.CreateDevice.Device.ID == first.CreateDevice.Device.ID {
			t.Error("keys are shared across accounts")
		}
		// After 24 hours the key is forgotten.
		e.Advance(idempotency.TTL + time.Minute)
		e.MustDo(acme.Token, createDevice, map[string]any{"in": in, "key": "k-1"}, &again)
		if again.CreateDevice.Device.ID == first.CreateDevice.Device.ID {
			t.Error("key still remembered after 24 hours")
		}

		// A grant: the retry returns the same invitation and permissions.
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		devs := ids(e.Devices(acme, 3, "UTC"))
		const grantKeyed = `mutation($in: GrantPermissionInput!, $key: String) { grantPermission(input: $in, idempotencyKey: $key) {
			permissions { id device { id } } invitation { id } } }`
		var g1, g2 grantResult
		gin := map[string]any{"in": map[string]any{"userID": user, "deviceIDs": devs}, "key": "grant-1"}
		e.MustDo(acme.Token, grantKeyed, gin, &g1)
		before = e.Counts()
		e.MustDo(acme.Token, grantKeyed, gin, &g2)
		if g2.GrantPermission.Invitation.ID != g1.GrantPermission.Invitation.ID || len(g2.GrantPermission.Permissions) != 3 ||
			g2.GrantPermission.Permissions[2].ID != g1.GrantPermission.Permissions[2].ID || e.Counts() != before {
			t.Errorf("grant retry: %+v vs %+v", g1, g2)
		}
	})
}

// TestIdempotencyConcurrent: two simultaneous requests with one key run
// once. The loser answers the winner's result or the CONFLICT that asks to
// retry, never a result of its own: a device created twice, or a grant
// refused because the winner's permissions exist already.
func TestIdempotencyConcurrent(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		devs := ids(e.Devices(acme, 30, "UTC"))
		const (
			createKeyed = `mutation($in: CreateDeviceInput!, $key: String) { createDevice(input: $in, idempotencyKey: $key) { device { id } } }`
			grantKeyed  = `mutation($in: GrantPermissionInput!, $key: String) { grantPermission(input: $in, idempotencyKey: $key) { invitation { id } } }`
		)
		for round := range 3 {
			before := e.Counts()
			race := func(query string, vars map[string]any) {
				var rs [2]*testenv.Response
				var wg sync.WaitGroup
				for i := range rs {
					wg.Go(func() { rs[i] = e.Do(acme.Token, query, vars) })
				}
				wg.Wait()
				var won []string
				for _, r := range rs {
					switch {
					case r.Code() == "":
						won = append(won, string(r.Data))
					case r.Code() != "CONFLICT" || r.Field() != "" || !strings.Contains(r.Errors[0].Message, "idempotencyKey is still running"):
						t.Errorf("round %d: the second request with the key: %s", round, r.Body)
					}
				}
				if len(won) == 0 || len(won) == 2 && won[0] != won[1] {
					t.Errorf("round %d: want one answer under the key: %s, %s", round, rs[0].Body, rs[1].Body)
				}
			}
			race(createKeyed, map[string]any{"in": map[string]any{"name": "Side door", "timeZone": "UTC"}, "key": fmt.Sprintf("create-%d", round)})
			race(grantKeyed, map[string]any{"in": map[string]any{"userID": user, "deviceIDs": devs[round*10 : round*10+10]}, "key": fmt.Sprintf("grant-%d", round)})
			after := e.Counts()
			if after.Devices != before.Devices+1 || after.Invitations != before.Invitations+1 || after.Permissions != before.Permissions+10 {
				t.Fatalf("round %d: rows %+v -> %+v, want one device, one invitation and ten permissions more", round, before, after)
			}
		}
	})
}

// TestStaleVersion: an update based on an old version is refused and the
// newer values stay.
func TestStaleVersion(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		const updateUser = `mutation($id: ID!, $in: UpdateUserInput!, $v: Int) { updateUser(id: $id, input: $in, version: $v) { user { name version } } }`
		var u struct {
			UpdateUser struct {
				User struct {
					Name    string
					Version int
				}
			}
		}
		e.MustDo(acme.Token, updateUser, map[string]any{"id": user, "in": map[string]any{"name": "Ada L."}, "v": 1}, &u)
		if u.UpdateUser.User.Version != 2 {
			t.Fatalf("version after one update: %d", u.UpdateUser.User.Version)
		}
		expectRejected(t, e, acme.Token, updateUser, map[string]any{"id": user, "in": map[string]any{"name": "Stale"}, "v": 1}, "CONFLICT", "version")
		var check struct{ Node struct{ Name string } }
		e.MustDo(acme.Token, `query($id: ID!) { node(id: $id) { ... on User { name } } }`, map[string]any{"id": user}, &check)
		if check.Node.Name != "Ada L." {
			t.Errorf("name = %q", check.Node.Name)
		}
		// Without a version the last write wins, as before.
		e.MustDo(acme.Token, updateUser, map[string]any{"id": user, "in": map[string]any{"name": "Ada"}}, nil)

		var g grantResult
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": ids(e.Devices(acme, 1, "UTC"))}}, &g)
		pid := g.GrantPermission.Permissions[0].ID
		const upd = `mutation($id: ID!, $v: Int, $in: UpdatePermissionInput!) { updatePermission(id: $id, input: $in, version: $v) { permission { version enabled } } }`
		e.MustDo(acme.Token, upd, map[string]any{"id": pid, "v": 1, "in": map[string]any{"enabled": false}}, nil)
		expectRejected(t, e, acme.Token, upd, map[string]any{"id": pid, "v": 1, "in": map[string]any{"enabled": true}}, "CONFLICT", "version")
		const updDev = `mutation($id: ID!, $v: Int) { updateDevice(id: $id, input: {name: "X"}, version: $v) { device { version } } }`
		dev := ids(e.Devices(acme, 1, "UTC"))[0]
		e.MustDo(acme.Token, updDev, map[string]any{"id": dev, "v": 1}, nil)
		expectRejected(t, e, acme.Token, updDev, map[string]any{"id": dev, "v": 1}, "CONFLICT", "version")
	})
}

// TestSweep: expired idempotency keys, old failed redemptions and old mail
// records are deleted; fresh ones stay.
func TestSweep(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		const createDevice = `mutation($key: String) { createDevice(input: {name: "D", timeZone: "UTC"}, idempotencyKey: $key) { device { id } } }`
		e.MustDo(acme.Token, createDevice, map[string]any{"key": "old"}, nil)
		e.Do("", redeem, map[string]any{"code": "0000-0000-0003-0000"})
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": ids(e.Devices(acme, 1, "UTC"))}}, nil)
		ctx := context.Background()
		if _, err := e.App.Mailer.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		sys := auth.SystemContext(ctx)
		count := func() (keys, failures, mails int) {
			c := e.App.Client
			return c.IdempotencyKey.Query().CountX(sys), c.RedeemFailure.Query().CountX(sys), c.Outbox.Query().CountX(sys)
		}
		if k, f, m := count(); k != 1 || f != 1 || m != 1 {
			t.Fatalf("before: %d keys, %d failures, %d mails", k, f, m)
		}
		if err := e.App.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if k, f, m := count(); k != 1 || f != 1 || m != 1 {
			t.Errorf("a sweep right away deleted fresh rows: %d keys, %d failures, %d mails", k, f, m)
		}
		e.Advance(31 * 24 * time.Hour)
		e.MustDo(acme.Token, createDevice, map[string]any{"key": "new"}, nil)
		if err := e.App.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if k, f, m := count(); k != 1 || f != 0 || m != 0 {
			t.Errorf("after 31 days: %d keys (want the new one), %d failures, %d mails", k, f, m)
		}
	})
}

// TestTransactionRetry: an operation the database fails for meeting a
// concurrent one (a serialization failure or a deadlock, injected here into
// a statement or the commit) runs again in a new transaction and succeeds;
// one that keeps failing gives up after four runs with CONFLICT and writes
// nothing. A lone redeemInvitation, in its own transaction, runs again too;
// operateDevice, whose door may have moved, never does.
func TestTransactionRetry(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		var (
			mu       sync.Mutex
			match    func(query string) bool
			failures int // how many more times to fail a matching statement
			tries    int // how many matching statements were sent or failed
			state    pqerror.Code
		)
		wrap := func(d dialect.Driver) dialect.Driver {
			return &faultDriver{Driver: d, fail: func(query string) error {
				mu.Lock()
				defer mu.Unlock()
				if match == nil || !match(query) {
					return nil
				}
				tries++
				if failures == 0 {
					return nil
				}
				failures--
				return &pq.Error{Severity: "ERROR", Code: state, Message: "injected: " + string(state)}
			}}
		}
		arm := func(m func(string) bool, n int, code pqerror.Code) {
			mu.Lock()
			defer mu.Unlock()
			match, failures, tries, state = m, n, 0, code
		}
		tried := func() int {
			mu.Lock()
			defer mu.Unlock()
			return tries
		}
		insert := func(table string) func(string) bool {
			return func(q string) bool { return faultIsInsert(q, table) }
		}
		e := testenv.Start(t, db, testenv.WithDriver(wrap))
		acme := e.Account("Acme")
		const createDevice = `mutation { createDevice(input: {name: "Door", timeZone: "UTC"}) { device { id } } }`

		for _, c := range []struct {
			name  string
			match func(string) bool
			code  pqerror.Code
		}{
			{"statement, serialization failure", insert("devices"), pqerror.TRSerializationFailure},
			{"statement, deadlock", insert("devices"), pqerror.TRDeadlockDetected},
			{"commit, serialization failure", func(q string) bool { return q == "COMMIT" }, pqerror.TRSerializationFailure},
		} {
			before := e.Counts()
			arm(c.match, 1, c.code)
			e.MustDo(acme.Token, createDevice, nil, nil)
			if n := tried(); n != 2 {
				t.Errorf("%s: tried %d times, want 2 (one failure, one run again)", c.name, n)
			}
			if after := e.Counts(); after.Devices != before.Devices+1 {
				t.Errorf("%s: devices %d -> %d, want one more", c.name, before.Devices, after.Devices)
			}
		}

		arm(insert("devices"), 100, pqerror.TRDeadlockDetected)
		r := expectRejected(t, e, acme.Token, createDevice, nil, "CONFLICT", "")
		if n := tried(); n != 4 {
			t.Errorf("a lasting conflict was tried %d times, want 4", n)
		}
		if b := string(r.Body); strings.Contains(b, "injected") || strings.Contains(b, "internal") {
			t.Errorf("the answer shows the database's error: %s", r.Body)
		}

		// redeemInvitation alone runs its own transaction: run again too.
		arm(nil, 0, "")
		devs := ids(e.Devices(acme, 1, "UTC"))
		code := grantCode(e, acme.Token, newUser(e, acme.Token, "Ada", "ada@example.com"), devs, map[string]any{"restrictions": map[string]any{"dailyFrom": "00:00", "dailyUntil": "24:00"}})
		arm(insert("api_tokens"), 1, pqerror.TRDeadlockDetected)
		var rd redeemed
		e.MustDo("", redeem, map[string]any{"code": code}, &rd)
		if n := tried(); n != 2 || rd.RedeemInvitation.Token == "" || len(rd.RedeemInvitation.Permissions) != 1 {
			t.Errorf("redeem after a deadlock: tried %d times, answer %+v", n, rd)
		}

		// operateDevice is never run again.
		arm(func(q string) bool { return strings.Contains(strings.ReplaceAll(q, `"`, "`"), "FROM `permissions`") }, 100, pqerror.TRDeadlockDetected)
		r = e.Do(rd.RedeemInvitation.Token, `mutation($d: ID!) { operateDevice(deviceID: $d, action: UNLOCK) { allowed } }`, map[string]any{"d": devs[0]})
		if r.Code() != "CONFLICT" || tried() != 1 {
			t.Errorf("operateDevice: code %q, tried %d times, want CONFLICT once; body %s", r.Code(), tried(), r.Body)
		}
		arm(nil, 0, "")
	})
}

// TestUpdateWithoutChange: an update that sets every field to the value it
// has writes nothing, keeps the version and answers the row as it is, so
// that another editor holding that version can still save; it still
// refuses a stale version, and another account's row stays NOT_FOUND.
func TestUpdateWithoutChange(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		stmts := &testenv.Statements{}
		e := testenv.Start(t, db, testenv.WithStatements(stmts))
		acme, other := e.Account("Acme"), e.Account("Other")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		dev := ids(e.Devices(acme, 1, "UTC"))[0]
		var g grantResult
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": []any{dev},
			"restrictions": map[string]any{"validFrom": "2026-01-01T00:00:00Z", "weekdays": []string{"MONDAY"}, "dailyFrom": "08:00", "dailyUntil": "18:00"}}}, &g)
		perm := g.GrantPermission.Permissions[0].ID

		for _, c := range []struct {
			name, id, update string
			same, change     map[string]any
		}{
			{"updateUser", user, `mutation($id: ID!, $v: Int, $in: UpdateUserInput!) { u: updateUser(id: $id, input: $in, version: $v) { n: user { version name } } }`,
				map[string]any{"name": "Ada", "email": "ada@example.com", "language": "EN"}, map[string]any{"name": "Ada L."}},
			{"updateDevice", dev.(string), `mutation($id: ID!, $v: Int, $in: UpdateDeviceInput!) { u: updateDevice(id: $id, input: $in, version: $v) { n: device { version name } } }`,
				map[string]any{"timeZone": "UTC"}, map[string]any{"name": "Back door"}},
			{"updatePermission", perm, `mutation($id: ID!, $v: Int, $in: UpdatePermissionInput!) { u: updatePermission(id: $id, input: $in, version: $v) { n: permission { version } } }`,
				// The same instant in another offset is the same value.
				map[string]any{"enabled": true, "remoteAllowed": false, "restrictions": map[string]any{
					"validFrom": "2026-01-01T01:00:00+01:00", "weekdays": []string{"MONDAY"}, "dailyFrom": "08:00", "dailyUntil": "18:00"}},
				map[string]any{"enabled": false}},
		} {
			var out struct {
				U struct{ N struct{ Version int } }
			}
			for _, v := range []any{1, nil} {
				snap := e.Snapshot()
				stmts.Reset()
				e.MustDo(acme.Token, c.update, map[string]any{"id": c.id, "v": v, "in": c.same}, &out)
				if out.U.N.Version != 1 {
					t.Errorf("%s (version %v) without a change: version %d, want 1", c.name, v, out.U.N.Version)
				}
				for _, q := range stmts.Log() {
					if strings.HasPrefix(q, "UPDATE") {
						t.Errorf("%s (version %v) without a change wrote: %s", c.name, v, q)
					}
				}
				if e.Snapshot() != snap {
					t.Errorf("%s (version %v) without a change changed the row", c.name, v)
				}
			}
			expectRejected(t, e, other.Token, c.update, map[string]any{"id": c.id, "in": c.same}, "NOT_FOUND", "")
			// The editor who read version 1 saves.
			e.MustDo(acme.Token, c.update, map[string]any{"id": c.id, "v": 1, "in": c.change}, &out)
			if out.U.N.Version != 2 {
				t.Errorf("%s: version after a change %d, want 2", c.name, out.U.N.Version)
			}
			expectRejected(t, e, acme.Token, c.update, map[string]any{"id": c.id, "v": 1, "in": c.change}, "CONFLICT", "version")
		}
	})
}
