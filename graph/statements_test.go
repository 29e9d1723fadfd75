package graph_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/database"
	"github.com/latchkey/latchkey/internal/demo"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/testenv"
)

// overview is the admin app's main query (see BENCHMARKS.md).
const overview = `query Overview {
  users(first: 50) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id name email language
      permissions(first: 20) { edges { node { id status remoteAllowed
        restrictions { validFrom validUntil weekdays dailyFrom dailyUntil }
        device { id name type timeZone } } } } } }
  }
}`

// seedOverview gives n users five permissions each on 20 devices.
func seedOverview(t testing.TB, e *testenv.Env, acc testenv.Account, n int) {
	t.Helper()
	ctx := acc.Admin()
	devs := e.Devices(acc, 20, "Europe/Berlin")
	users := make([]*ent.UserCreate, n)
	for i := range users {
		users[i] = e.App.Client.User.Create().SetName(fmt.Sprintf("User %d", i)).SetEmail(fmt.Sprintf("user%d@example.com", i))
	}
	us, err := e.App.Client.User.CreateBulk(users...).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var perms []*ent.PermissionCreate
	var w uint8 = 0b1111100
	var from, until int16 = 8 * 60, 18 * 60
	for i, u := range us {
		for j := range 5 {
			perms = append(perms, e.App.Client.Permission.Create().SetUserID(u.ID).SetDeviceID(devs[(i+j)%20]).SetWeekdays(w).SetDailyFrom(from).SetDailyUntil(until))
		}
	}
	for len(perms) > 0 {
		k := min(len(perms), 500)
		if err := e.App.Client.Permission.CreateBulk(perms[:k]...).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		perms = perms[k:]
	}
	if err := database.Analyze(ctx, e.App.DB); err != nil {
		t.Fatal(err)
	}
}

// TestOverviewStatements: the overview costs the same few statements
// whatever the page size.
func TestOverviewStatements(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		var st testenv.Statements
		e := testenv.Start(t, db, testenv.WithStatements(&st))
		acme := e.Account("Acme")
		seedOverview(t, e, acme, 60)
		// The token was checked moments ago, as an admin app's would be;
		// the first request of a token costs one lookup more.
		e.MustDo(acme.Token, `{ viewer { role } }`, nil, nil)
		var counts []int
		for _, first := range []int{10, 50} {
			st.Reset()
			var out struct{ Users struct{ Edges []struct{} } }
			e.MustDo(acme.Token, strings.Replace(overview, "users(first: 50)", fmt.Sprintf("users(first: %d)", first), 1), nil, &out)
			if len(out.Users.Edges) != first {
				t.Fatalf("%d users", len(out.Users.Edges))
			}
			counts = append(counts, st.Count())
			// Only the columns the query needs (internal/tools/entpatch).
			loads := 0
			for _, q := range st.Log() {
				if cols := selected(q, "permissions"); cols != nil {
					loads++
					if got := strings.Join(cols, ", "); got != overviewPermissionColumns {
						t.Errorf("the permissions are loaded with the columns %s, want %s", got, overviewPermissionColumns)
					}
				}
			}
			if loads != 1 {
				t.Errorf("the permissions were loaded by %d statements, want 1:\n%s", loads, strings.Join(st.Log(), "\n"))
			}
			if st.Count() > 4 {
				t.Errorf("first: %d ran %d statements:\n%s", first, st.Count(), strings.Join(st.Log(), "\n"))
			}
		}
		if counts[0] != counts[1] {
			t.Errorf("statements depend on the page size: %v", counts)
		}
	})
}

// overviewPermissionColumns are the columns of permissions the overview
// reads: its fields, the restrictions' five and the two edges' keys.
const overviewPermissionColumns = "id, status, remote_allowed, valid_from, valid_until, weekdays, daily_from, daily_until, device_id, user_id"

// selectFrom finds "SELECT columns FROM table" in a statement whose
// identifiers are unquoted.
var selectFrom = regexp.MustCompile(`SELECT ([\w., ]+?) FROM (\w+)\b`)

// selected returns the columns a statement reads from table (in the order
// it names them), or nil if it reads none. It takes either database's
// quoting: SQLite's backticks and PostgreSQL's double quotes.
func selected(q, table string) []string {
	q = strings.NewReplacer("`", "", `"`, "").Replace(q)
	for _, m := range selectFrom.FindAllStringSubmatch(q, -1) {
		if m[2] != table {
			continue
		}
		var cols []string
		for c := range strings.SplitSeq(m[1], ", ") {
			cols = append(cols, strings.TrimPrefix(c, table+"."))
		}
		return cols
	}
	return nil
}

// TestGrantStatements: a grant of 500 devices runs as many statements as a
// grant of one, its one audit record included.
func TestGrantStatements(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		var st testenv.Statements
		e := testenv.Start(t, db, testenv.WithStatements(&st))
		acme := e.Account("Acme")
		e.MustDo(acme.Token, `{ viewer { role } }`, nil, nil)
		var counts []int
		for i, n := range []int{1, 500} {
			user := newUser(e, acme.Token, "U", fmt.Sprintf("u%d@example.com", i))
			devs := ids(e.Devices(acme, n, "UTC"))
			st.Reset()
			e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": devs}}, nil)
			counts = append(counts, st.Count())
			t.Logf("grant of %d: %d statements", n, st.Count())
		}
		if counts[0] != counts[1] || counts[1] > 6 {
			t.Errorf("statements per grant of 1 and 500 devices: %v, want equal and at most 6", counts)
		}
	})
}

// TestSeed: the demo data set has the requested shape and serves the overview.
func TestSeed(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		token, err := demo.Seed(context.Background(), e.App.Client, "Demo", demo.Shape{Users: 120, Devices: 7, PermissionsPerUser: 3}, e.Now())
		if err != nil {
			t.Fatal(err)
		}
		if n := e.Counts(); n.Users != 120 || n.Devices != 7 || n.Permissions != 360 {
			t.Errorf("rows: %+v", n)
		}
		checkSeedHistory(t, e)
		var out struct {
			Users struct {
				TotalCount int
				Edges      []struct {
					Node struct{ Permissions struct{ Edges []struct{} } }
				}
			}
		}
		e.MustDo(token, overview, nil, &out)
		if out.Users.TotalCount != 120 || len(out.Users.Edges) != 50 || len(out.Users.Edges[0].Node.Permissions.Edges) != 3 {
			t.Errorf("overview of the seed: total %d, %d edges", out.Users.TotalCount, len(out.Users.Edges))
		}
		if _, err := demo.Seed(context.Background(), e.App.Client, "Bad", demo.Shape{Users: 1, Devices: 2, PermissionsPerUser: 3}, e.Now()); err == nil {
			t.Error("more permissions per user than devices was accepted")
		}
	})
}

// checkSeedHistory: every seeded permission came with an invitation of its
// user, redeemed for active permissions and pending for pending ones, and
// every invitation has one sent mail record with its bodies emptied.
func checkSeedHistory(t *testing.T, e *testenv.Env) {
	t.Helper()
	ctx := auth.SystemContext(context.Background())
	perms, err := e.App.Client.Permission.Query().WithInvitation().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[enum.PermissionStatus]enum.InvitationStatus{enum.PermissionActive: enum.InvitationRedeemed, enum.PermissionPending: enum.InvitationPending}
	for _, p := range perms {
		inv := p.Edges.Invitation
		if inv == nil || inv.UserID != p.UserID || inv.Status != want[p.Status] || inv.Delivery != enum.DeliverySent {
			t.Fatalf("permission %s (%s) has invitation %+v", p.ID, p.Status, inv)
		}
	}
	invs, err := e.App.Client.Invitation.Query().WithMails().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(invs) <= 120 || len(invs) > 240 {
		t.Errorf("%d invitations for 120 users with active and pending permissions", len(invs))
	}
	for _, inv := range invs {
		if m := inv.Edges.Mails; len(m) != 1 || m[0].Status != enum.DeliverySent || m[0].SentAt == nil || m[0].HTMLBody != "" || m[0].TextBody != "" {
			t.Fatalf("invitation %s has mails %+v", inv.ID, m)
		}
	}
}
