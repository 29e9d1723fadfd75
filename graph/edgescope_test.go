package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"entgo.io/ent/entql"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/pulid"
	"github.com/latchkey/latchkey/internal/testenv"
)

// TestEdgePredicatesHideOtherUsers: a user's token that filters through
// edges (hasPermissionsWith, hasEventsWith, ...) learns nothing about
// other users who share its door: every probe answers as if they did not
// exist, at any depth, inside or/and/not, on root and nested connections.
func TestEdgePredicatesHideOtherUsers(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		ada, adaToken := sharedDoor(e, acme)

		count := func(query string) int {
			t.Helper()
			var out any
			e.MustDo(adaToken, query, nil, &out)
			return totalCounts(out)
		}
		byEmail := func(prefix string) string {
			return fmt.Sprintf(`hasUserWith: [{emailHasPrefix: %q}]`, prefix)
		}
		for _, c := range []struct {
			name, query string
			want        int
		}{
			// Ada's own rows answer, so the probes below are real filters.
			{"own email", `{ devices(where: {hasPermissionsWith: [{` + byEmail("ada") + `}]}) { totalCount } }`, 1},
			{"own user id", fmt.Sprintf(`{ devices(where: {hasPermissionsWith: [{hasUserWith: [{idGTE: %q}]}]}) { totalCount } }`, ada), 1},
			{"other's email", `{ devices(where: {hasPermissionsWith: [{` + byEmail("bob") + `}]}) { totalCount } }`, 0},
			{"other's email, prefix", `{ devices(where: {hasPermissionsWith: [{` + byEmail("b") + `}]}) { totalCount } }`, 0},
			{"other's id", fmt.Sprintf(`{ devices(where: {hasPermissionsWith: [{hasUserWith: [{idNEQ: %q}]}]}) { totalCount } }`, ada), 0},
			{"other's permission", `{ devices(where: {hasPermissionsWith: [{hasUser: true}, {hasUserWith: [{emailNEQ: "ada@example.com"}]}]}) { totalCount } }`, 0},
			{"others' events", `{ devices(where: {hasEventsWith: [{action: UNLOCK}]}) { totalCount } }`, 0},
			{"others' events, any", `{ devices(where: {hasEvents: true}) { totalCount } }`, 0},
			{"others' events, none", `{ devices(where: {hasEvents: false}) { totalCount } }`, 1},
			{"inside or", `{ devices(where: {or: [{name: "nothing"}, {hasEventsWith: [{` + byEmail("bob") + `}]}]}) { totalCount } }`, 0},
			{"inside and", `{ devices(where: {and: [{hasEvents: true}, {hasPermissionsWith: [{` + byEmail("b") + `}]}]}) { totalCount } }`, 0},
			{"inside not", `{ devices(where: {not: {hasPermissionsWith: [{` + byEmail("bob") + `}]}}) { totalCount } }`, 1},
			{"inside a nested not", `{ devices(where: {hasPermissionsWith: [{not: {hasUserWith: [{emailHasPrefix: "ada"}]}}]}) { totalCount } }`, 0},
			{"nested connection", `{ viewer { user { permissions(where: {hasDeviceWith: [{hasEventsWith: [{action: UNLOCK}]}]}) { totalCount } } } }`, 0},
			{"nested connection, eager", `{ users(first: 10) { edges { node { permissions(where: {hasDeviceWith: [{hasEventsWith: [{action: UNLOCK}]}]}) { totalCount } } } } }`, 0},
		} {
			t.Run(c.name, func(t *testing.T) {
				if got := count(c.query); got != c.want {
					t.Errorf("%s: totalCount %d, want %d", c.query, got, c.want)
				}
			})
		}
		t.Run("in a variable", func(t *testing.T) {
			var out any
			e.MustDo(adaToken, `query($w: DeviceWhereInput) { devices(where: $w) { totalCount } }`, map[string]any{"w": map[string]any{
				"hasPermissionsWith": []any{map[string]any{"hasUserWith": []any{map[string]any{"emailHasPrefix": "bob"}}}},
			}}, &out)
			if n := totalCounts(out); n != 0 {
				t.Errorf("totalCount %d, want 0", n)
			}
		})
	})
}

// totalCounts sums every totalCount in a decoded GraphQL answer.
func totalCounts(v any) int {
	n := 0
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if f, ok := x.(float64); ok && k == "totalCount" {
				n += int(f)
			} else {
				n += totalCounts(x)
			}
		}
	case []any:
		for _, x := range v {
			n += totalCounts(x)
		}
	}
	return n
}

// TestEveryEdgePredicateIsScoped walks every has…With edge predicate of
// every where input the served schema has (so a new edge is covered
// without touching this test) and checks, for each kind of viewer, that a
// filter naming only rows the viewer may not read matches nothing, and
// that has… true / false count only rows the viewer may read. The fixture
// links rows across accounts (as no API call would) and across users, and
// the test fails unless each edge is exercised by a link the viewer must
// not see, found with privacy bypassed.
func TestEveryEdgePredicateIsScoped(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme, other := e.Account("Acme"), e.Account("Other")
		_, adaToken := sharedDoor(e, acme)
		carl := asID(newUser(e, acme.Token, "Carl", "carl@example.com"))
		lonely := e.Devices(acme, 1, "UTC")[0]
		otherDevs := e.Devices(other, 2, "UTC")
		eve := asID(newUser(e, other.Token, "Eve", "eve@example.com"))
		var og grantResult
		e.MustDo(other.Token, grant, map[string]any{"input": map[string]any{"userID": string(eve), "deviceIDs": []any{string(otherDevs[0])}}}, &og)
		otherPerm, otherInv := asID(og.GrantPermission.Permissions[0].ID), asID(og.GrantPermission.Invitation.ID)

		// Rows that point across accounts: each Acme row below links only
		// to Other rows, and each Other row only to Acme rows.
		sys, c := auth.SystemContext(context.Background()), e.App.Client
		expires := e.Now().Add(48 * time.Hour)
		event := func(account, user, device pulid.ID) *ent.AccessEventCreate {
			return c.AccessEvent.Create().SetAccountID(account).SetUserID(user).SetDeviceID(device).
				SetAction(enum.ActionUnlock).SetRemote(false).SetAllowed(true).SetReason("ALLOWED").
				SetUserName("Someone").SetDeviceName("Some door").SetOutcome(enum.OutcomeDone)
		}
		acmeInv := c.Invitation.Create().SetAccountID(acme.ID).SetUserID(eve).SetCodeHash("x1").SetLanguage(enum.LanguageEN).SetExpiresAt(expires).SaveX(sys)
		c.Permission.Create().SetAccountID(acme.ID).SetUserID(eve).SetDeviceID(otherDevs[1]).SetInvitationID(otherInv).SaveX(sys)
		event(acme.ID, eve, otherDevs[0]).SetPermissionID(otherPerm).SaveX(sys)
		c.Permission.Create().SetAccountID(other.ID).SetUserID(carl).SetDeviceID(lonely).SetInvitationID(acmeInv.ID).SaveX(sys)
		event(other.ID, carl, lonely).SaveX(sys)
		c.Invitation.Create().SetAccountID(other.ID).SetUserID(carl).SetCodeHash("x2").SetLanguage(enum.LanguageEN).SetExpiresAt(expires).SaveX(sys)

		s := servedWhereInputs(t, e, acme.Token)
		// Every row belongs to Acme or Other, so their admins see all rows.
		all := func(root string) []string { return append(s.ids(e, acme.Token, root), s.ids(e, other.Token, root)...) }
		viewers := map[string]string{"admin": acme.Token, "user": adaToken}
		exercised := map[string]bool{}
		for _, in := range s.inputs {
			for _, ed := range in.edges {
				name := in.name + "." + ed.field
				for role, token := range viewers {
					visible := s.ids(e, token, in.root)
					seen := s.ids(e, token, s.root(ed.target))
					hidden := without(all(s.root(ed.target)), seen)
					count := func(where string) int {
						t.Helper()
						var out any
						e.MustDo(token, fmt.Sprintf(`{ %s(where: %s) { totalCount } }`, in.root, where), nil, &out)
						return totalCounts(out)
					}
					// How many visible rows link to a hidden one, and how many
					// link to hidden ones only, with privacy bypassed.
					var linked, onlyHidden int
					if len(visible) > 0 && len(hidden) > 0 {
						rows := entql.FieldIn("id", anys(visible)...)
						toHidden := entql.HasEdgeWith(ed.edge, entql.FieldIn("id", anys(hidden)...))
						linked = entCount(t, c, in.node, entql.And(rows, toHidden))
						only := entql.And(rows, toHidden)
						if len(seen) > 0 {
							only = entql.And(rows, toHidden, entql.Not(entql.HasEdgeWith(ed.edge, entql.FieldIn("id", anys(seen)...))))
						}
						onlyHidden = entCount(t, c, in.node, only)
					}
					exercised[name+" with"] = exercised[name+" with"] || linked > 0
					exercised[name+" has"] = exercised[name+" has"] || onlyHidden > 0

					if len(hidden) > 0 {
						if n := count(fmt.Sprintf(`{%s: [{idIn: %s}]}`, ed.field, jsonList(hidden))); n != 0 {
							t.Errorf("%s, %s: %d rows match rows it may not see (%d link to them)", name, role, n, linked)
						}
					}
					withSeen := 0
					if len(seen) > 0 {
						withSeen = count(fmt.Sprintf(`{%s: [{idIn: %s}]}`, ed.field, jsonList(seen)))
					}
					if n := count(fmt.Sprintf(`{%s: true}`, ed.has)); n != withSeen {
						t.Errorf("%s, %s: %s: true counts %d rows, %d link to rows it may see", name, role, ed.has, n, withSeen)
					}
					if n := count(fmt.Sprintf(`{%s: false}`, ed.has)); n != len(visible)-withSeen {
						t.Errorf("%s, %s: %s: false counts %d rows, want %d", name, role, ed.has, n, len(visible)-withSeen)
					}
				}
			}
		}
		if len(exercised) == 0 {
			t.Fatal("the served schema has no edge predicates")
		}
		for name, ok := range exercised {
			if !ok {
				t.Errorf("the fixture has no row that %s would reach unscoped: extend it", name)
			}
		}
	})
}

// sharedDoor gives Ada and Bob, users of the account, one door, which Bob
// opens and Ada never does, and returns Ada's ID and token.
func sharedDoor(e *testenv.Env, acme testenv.Account) (string, string) {
	e.T.Helper()
	door := ids(e.Devices(acme, 1, "UTC"))
	always := map[string]any{"dailyFrom": "00:00", "dailyUntil": "24:00"}
	ada, adaToken := redeemedUser(e, acme, "ada@example.com", door, always, true)
	_, bobToken := redeemedUser(e, acme, "bob@example.com", door, always, true)
	e.MustDo(bobToken, `mutation($d: ID!) { operateDevice(deviceID: $d, action: UNLOCK) { allowed } }`, map[string]any{"d": door[0]}, nil)
	return ada, adaToken
}

// whereInputs is what the served schema says about where inputs: for each
// root connection with a where argument, the edge predicates of its input.
type whereInputs struct {
	inputs []whereInput
	roots  map[string]string // input type name -> root connection
}

type whereInput struct {
	name, root, node string
	edges            []edgePredicate
}

type edgePredicate struct {
	field, has, edge, target string
}

func (s whereInputs) root(input string) string { return s.roots[input] }

// ids lists the IDs a token reads through a root connection.
func (s whereInputs) ids(e *testenv.Env, token, root string) []string {
	e.T.Helper()
	var out map[string]struct {
		Edges []struct{ Node struct{ ID string } }
	}
	e.MustDo(token, fmt.Sprintf(`{ %s(first: 200) { edges { node { id } } } }`, root), nil, &out)
	var list []string
	for _, ed := range out[root].Edges {
		list = append(list, ed.Node.ID)
	}
	return list
}

// servedWhereInputs reads the where inputs from the served schema.
func servedWhereInputs(t *testing.T, e *testenv.Env, token string) whereInputs {
	t.Helper()
	type typeRef struct {
		Kind, Name string
		OfType     *typeRef
	}
	named := func(r typeRef) string {
		for r.OfType != nil {
			r = *r.OfType
		}
		return r.Name
	}
	var out struct {
		Schema struct {
			QueryType struct {
				Fields []struct {
					Name string
					Type typeRef
					Args []struct {
						Name string
						Type typeRef
					}
				}
			}
			Types []struct {
				Name, Kind  string
				InputFields []struct {
					Name string
					Type typeRef
				}
			}
		} `json:"__schema"`
	}
	const ref = `kind name ofType { kind name ofType { kind name ofType { kind name } } }`
	e.MustDo(token, `{ __schema { queryType { fields { name type { `+ref+` } args { name type { `+ref+` } } } }
		types { name kind inputFields { name type { `+ref+` } } } } }`, nil, &out)
	s := whereInputs{roots: map[string]string{}}
	for _, f := range out.Schema.QueryType.Fields {
		for _, a := range f.Args {
			if a.Name == "where" && strings.HasSuffix(named(f.Type), "Connection") {
				s.roots[named(a.Type)] = f.Name
			}
		}
	}
	for _, ty := range out.Schema.Types {
		if ty.Kind != "INPUT_OBJECT" || !strings.HasSuffix(ty.Name, "WhereInput") {
			continue
		}
		in := whereInput{name: ty.Name, root: s.roots[ty.Name], node: strings.TrimSuffix(ty.Name, "WhereInput")}
		for _, f := range ty.InputFields {
			edge, ok := strings.CutPrefix(f.Name, "has")
			if edge, ok = strings.CutSuffix(edge, "With"); !ok || edge == "" {
				continue
			}
			target := named(f.Type)
			if s.roots[target] == "" {
				t.Fatalf("%s.%s leads to %s, which no root connection lists", ty.Name, f.Name, target)
			}
			in.edges = append(in.edges, edgePredicate{field: f.Name, has: "has" + edge, edge: snake(edge), target: target})
		}
		if in.root == "" {
			t.Fatalf("%s is the where argument of no root connection", ty.Name)
		}
		s.inputs = append(s.inputs, in)
	}
	return s
}

// entCount counts the rows of an Ent type (by name) that match p, with
// privacy bypassed.
func entCount(t *testing.T, c *ent.Client, node string, p entql.P) int {
	t.Helper()
	typed := reflect.ValueOf(c).Elem().FieldByName(node)
	if !typed.IsValid() {
		t.Fatalf("no Ent client for %s", node)
	}
	q := typed.MethodByName("Query").Call(nil)[0]
	q.MethodByName("Filter").Call(nil)[0].Interface().(interface{ Where(entql.P) }).Where(p)
	res := q.MethodByName("Count").Call([]reflect.Value{reflect.ValueOf(auth.SystemContext(context.Background()))})
	if err, _ := res[1].Interface().(error); err != nil {
		t.Fatalf("count %s: %v", node, err)
	}
	return int(res[0].Int())
}

// snake turns a GraphQL edge name ("Permissions", "AuditEntries") into the
// Ent edge name ("permissions", "audit_entries").
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

func without(list, drop []string) []string {
	var out []string
	for _, s := range list {
		if !slices.Contains(drop, s) {
			out = append(out, s)
		}
	}
	return out
}

func anys(list []string) []any {
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = s
	}
	return out
}

func jsonList(list []string) string {
	b, _ := json.Marshal(list)
	return string(b)
}
