package graph_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/graph"
	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/testenv"
)

// servedRootFields lists every field of the served schema's Query, Mutation
// and Subscription types, keyed "Type.field" as auth.Authority is.
func servedRootFields(t *testing.T) map[string]bool {
	t.Helper()
	s := graph.Published()
	out := map[string]bool{}
	for _, root := range []string{"Query", "Mutation", "Subscription"} {
		def := s.Types[root]
		if def == nil {
			continue
		}
		for _, f := range def.Fields {
			out[root+"."+f.Name] = true
		}
	}
	if len(out) == 0 {
		t.Fatal("the served schema has no root fields")
	}
	return out
}

// TestEveryRootFieldHasARule: every Query, Mutation and Subscription field
// of the served schema has its line in auth.Authority, and every line
// names a field that exists, so that a new field cannot go unjudged and a
// removed one leaves no rule behind.
func TestEveryRootFieldHasARule(t *testing.T) {
	served := servedRootFields(t)
	for f := range served {
		if _, ok := auth.Authority[f]; !ok {
			t.Errorf("%s has no rule in auth.Authority", f)
		}
	}
	for f := range auth.Authority {
		if !served[f] {
			t.Errorf("auth.Authority has a rule for %s, which the served schema does not have", f)
		}
	}
}

// missing is an ID that names nothing, of each type the matrix needs.
func missing(prefix string) string { return prefix + "_01M8TKY6AA0Q15BSARMFNNBHDN" }

// matrixCall is one root field's call for the role matrix: a document that
// passes validation and, when its role is admitted, writes nothing (IDs
// that name nothing, inputs the resolver refuses), so that every cell runs
// against the same data.
type matrixCall struct {
	doc  string
	vars map[string]any
	// admits lists the roles the field admits: O owner, A admin, V viewer,
	// U a user's app token, N no token.
	admits string
}

var matrix = map[string]matrixCall{
	"Query.__schema":     {`{ __schema { queryType { name } } }`, nil, "OAVUN"},
	"Query.__type":       {`{ __type(name: "User") { name } }`, nil, "OAVUN"},
	"Query.node":         {`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": missing("usr")}, "OAVU"},
	"Query.nodes":        {`query($id: ID!) { nodes(ids: [$id]) { id } }`, map[string]any{"id": missing("usr")}, "OAVU"},
	"Query.viewer":       {`{ viewer { role } }`, nil, "OAVU"},
	"Query.users":        {`{ users { totalCount } }`, nil, "OAVU"},
	"Query.devices":      {`{ devices { totalCount } }`, nil, "OAVU"},
	"Query.permissions":  {`{ permissions { totalCount } }`, nil, "OAVU"},
	"Query.invitations":  {`{ invitations { totalCount } }`, nil, "OAVU"},
	"Query.accessEvents": {`{ accessEvents { totalCount } }`, nil, "OAVU"},
	"Query.checkAccess":  {`query($u: ID!, $d: ID!) { checkAccess(userID: $u, deviceID: $d) { allowed } }`, map[string]any{"u": missing("usr"), "d": missing("dev")}, "OAVU"},
	"Query.apiTokens":    {`{ apiTokens { totalCount } }`, nil, "O"},

	"Mutation.createUser":             {`mutation { createUser(input: {name: "X", email: "not an email"}) { __typename } }`, nil, "OA"},
	"Mutation.updateUser":             {`mutation($id: ID!) { updateUser(id: $id, input: {name: "X"}) { __typename } }`, map[string]any{"id": missing("usr")}, "OA"},
	"Mutation.deleteUser":             {`mutation($id: ID!) { deleteUser(id: $id) { __typename } }`, map[string]any{"id": missing("usr")}, "OA"},
	"Mutation.createDevice":           {`mutation { createDevice(input: {name: "X", timeZone: "Nowhere/Nothing"}) { __typename } }`, nil, "OA"},
	"Mutation.updateDevice":           {`mutation($id: ID!) { updateDevice(id: $id, input: {name: "X"}) { __typename } }`, map[string]any{"id": missing("dev")}, "OA"},
	"Mutation.deleteDevice":           {`mutation($id: ID!) { deleteDevice(id: $id) { __typename } }`, map[string]any{"id": missing("dev")}, "OA"},
	"Mutation.grantPermission":        {`mutation($u: ID!, $d: ID!) { grantPermission(input: {userID: $u, deviceIDs: [$d]}) { __typename } }`, map[string]any{"u": missing("usr"), "d": missing("dev")}, "OA"},
	"Mutation.updatePermission":       {`mutation($id: ID!) { updatePermission(id: $id, input: {enabled: false}) { __typename } }`, map[string]any{"id": missing("prm")}, "OA"},
	"Mutation.revokePermission":       {`mutation($id: ID!) { revokePermission(id: $id) { __typename } }`, map[string]any{"id": missing("prm")}, "OA"},
	"Mutation.resendInvitation":       {`mutation($id: ID!) { resendInvitation(id: $id) { __typename } }`, map[string]any{"id": missing("inv")}, "OA"},
	"Mutation.redeemInvitation":       {`mutation { redeemInvitation(code: "") { __typename } }`, nil, "OAVUN"},
	"Mutation.operateDevice":          {`mutation($d: ID!) { operateDevice(deviceID: $d, action: UNLOCK) { __typename } }`, map[string]any{"d": missing("dev")}, "U"},
	"Mutation.createAPIToken":         {`mutation { createAPIToken(input: {name: "X", role: VIEWER, expiresAt: "2001-01-01T00:00:00Z"}) { __typename } }`, nil, "O"},
	"Mutation.revokeAPIToken":         {`mutation($id: ID!) { revokeAPIToken(id: $id) { __typename } }`, map[string]any{"id": missing("tok")}, "O"},
	"Mutation.revokeAppToken":         {`mutation($id: ID!) { revokeAppToken(id: $id) { __typename } }`, map[string]any{"id": missing("tok")}, "OA"},
	"Query.admins":                    {`{ admins { totalCount } }`, nil, "O"},
	"Query.auditEvents":               {`{ auditEvents { totalCount } }`, nil, "OAV"},
	"Mutation.signIn":                 {`mutation { signIn(input: {email: "nobody@example.com", password: "not the password at all"}) { __typename } }`, nil, "OAVUN"},
	"Mutation.setAdminPassword":       {`mutation { setAdminPassword(input: {code: "no such code", password: "a long enough passphrase"}) { __typename } }`, nil, "OAVUN"},
	"Mutation.inviteAdmin":            {`mutation { inviteAdmin(input: {name: "X", email: "not an email", role: ADMIN}) { __typename } }`, nil, "O"},
	"Mutation.updateAdmin":            {`mutation($id: ID!) { updateAdmin(input: {id: $id, name: "X"}) { __typename } }`, map[string]any{"id": missing("adm")}, "O"},
	"Mutation.deleteAdmin":            {`mutation($id: ID!) { deleteAdmin(input: {id: $id}) { __typename } }`, map[string]any{"id": missing("adm")}, "O"},
	"Query.webhookEndpoints":          {`{ webhookEndpoints { totalCount } }`, nil, "OAV"},
	"Mutation.createWebhookEndpoint":  {`mutation { createWebhookEndpoint(input: {url: "ftp://x", eventTypes: [USER_CREATED]}) { __typename } }`, nil, "OA"},
	"Mutation.updateWebhookEndpoint":  {`mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: {description: "X"}) { __typename } }`, map[string]any{"id": missing("whe")}, "OA"},
	"Mutation.disableWebhookEndpoint": {`mutation($id: ID!) { disableWebhookEndpoint(id: $id) { __typename } }`, map[string]any{"id": missing("whe")}, "OA"},
	"Mutation.enableWebhookEndpoint":  {`mutation($id: ID!) { enableWebhookEndpoint(id: $id) { __typename } }`, map[string]any{"id": missing("whe")}, "OA"},
	"Mutation.deleteWebhookEndpoint":  {`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { __typename } }`, map[string]any{"id": missing("whe")}, "OA"},
	"Mutation.rotateWebhookSecret":    {`mutation($id: ID!) { rotateWebhookSecret(id: $id) { __typename } }`, map[string]any{"id": missing("whe")}, "OA"},
	"Mutation.redeliverWebhook":       {`mutation($id: ID!) { redeliverWebhook(id: $id) { __typename } }`, map[string]any{"id": missing("whd")}, "OA"},
	// Over POST an admitted subscription gets past the Authority and is
	// refused for its transport (graph/live_test.go runs it live).
	"Subscription.changes": {`subscription { changes { eventID } }`, nil, "OAVU"},
	// signOut ends the token it is called with: the matrix calls it with
	// a token of its own (see below).
	"Mutation.signOut": {`mutation { signOut { revokedID } }`, nil, "OAVU"},
}

// TestRoleMatrix calls every root field of the served schema with every
// kind of caller through the real server: a caller the field does not
// admit gets FORBIDDEN (UNAUTHENTICATED without a token) and writes
// nothing; an admitted one gets past the Authority (its call fails, if at
// all, for its input, not its role).
func TestRoleMatrix(t *testing.T) {
	for f := range servedRootFields(t) {
		if _, ok := matrix[f]; !ok {
			t.Errorf("%s of the served schema has no call in the role matrix", f)
		}
	}
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		door := ids(e.Devices(acme, 1, "UTC"))
		users, userOf := 0, map[string]string{}
		// token returns a new token of the role, so that signOut can end
		// it without ending the others.
		token := func(role byte) string {
			switch role {
			case 'O':
				return acme.Token
			case 'A', 'V':
				name := map[byte]string{'A': "ADMIN", 'V': "VIEWER"}[role]
				var out struct{ CreateAPIToken struct{ Secret string } }
				e.MustDo(acme.Token, `mutation($r: AdminRole!) { createAPIToken(input: {name: "matrix", role: $r}) { secret } }`, map[string]any{"r": name}, &out)
				return out.CreateAPIToken.Secret
			case 'U':
				users++
				u, tok := redeemedUser(e, acme, fmt.Sprintf("u%d@example.com", users), door, map[string]any{}, true)
				userOf[tok] = u
				return tok
			}
			return ""
		}
		callers := map[byte]string{}
		for _, r := range []byte("OAVUN") {
			callers[r] = token(r)
		}
		for _, f := range slices.Sorted(maps.Keys(matrix)) {
			c := matrix[f]
			for _, role := range []byte("OAVUN") {
				tok := callers[role]
				if f == "Mutation.signOut" && role != 'N' {
					tok = token(role)
					if role == 'O' {
						var out struct{ CreateAPIToken struct{ Secret string } }
						e.MustDo(acme.Token, `mutation { createAPIToken(input: {name: "owner 2", role: OWNER}) { secret } }`, nil, &out)
						tok = out.CreateAPIToken.Secret
					}
				}
				t.Run(f+"/"+string(role), func(t *testing.T) {
					if !strings.ContainsRune(c.admits, rune(role)) {
						code := "FORBIDDEN"
						if role == 'N' {
							code = "UNAUTHENTICATED"
						}
						expectRejected(t, e, tok, c.doc, c.vars, code, "")
						return
					}
					vars := c.vars
					if u, ok := userOf[tok]; ok && vars["u"] != nil {
						// A user's token asks about its own user (about
						// another, door.Check refuses it).
						vars = maps.Clone(vars)
						vars["u"] = u
					}
					r := e.For(t).Do(tok, c.doc, vars)
					// The Authority refuses the operation before any
					// resolver runs, so its refusal has no path; a resolver
					// may answer UNAUTHENTICATED for its input (signIn).
					if code := r.Code(); (code == "FORBIDDEN" || code == "UNAUTHENTICATED") && r.Errors[0].Path == nil || r.Status == 401 {
						t.Errorf("admitted caller refused: %s", r.Body)
					}
				})
			}
		}
	})
}

// TestWritesNeedTheAuthority: the privacy rules refuse a write of an API
// caller whose operation the Authority did not admit, whatever its role,
// so that no write can bypass the declaration; once admitted, tenancy
// alone decides.
func TestWritesNeedTheAuthority(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		ctx := auth.NewCallerContext(context.Background(), &auth.Viewer{AccountID: acme.ID, Role: auth.RoleOwner, TokenID: "tok_x", Name: "owner"})
		create := e.App.Client.Device.Create().SetName("Door").SetTimeZone("UTC")
		if _, err := create.Save(ctx); !errors.Is(err, apperr.ErrForbidden) {
			t.Fatalf("a write before the Authority: %v", err)
		}
		if err := auth.Authorize(ctx, "Mutation", []string{"createDevice", "revokeAPIToken"}); err != nil {
			t.Fatalf("Authorize: %v", err)
		}
		if _, err := create.Save(ctx); err != nil {
			t.Errorf("a write after the Authority admitted it: %v", err)
		}
		viewer := auth.NewCallerContext(context.Background(), &auth.Viewer{AccountID: acme.ID, Role: auth.RoleViewer, TokenID: "tok_y", Name: "wall"})
		if err := auth.Authorize(viewer, "Mutation", []string{"signOut", "createDevice"}); err != apperr.ErrForbidden {
			t.Errorf("Authorize admitted a viewer's createDevice: %v", err)
		}
		if _, err := e.App.Client.Device.Create().SetName("Door").SetTimeZone("UTC").Save(viewer); !errors.Is(err, apperr.ErrForbidden) {
			t.Errorf("a write of an operation the Authority refused: %v", err)
		}
	})
}
