package graph_test

import (
	"fmt"
	"testing"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/internal/testenv"
)

type userPage struct {
	Users struct {
		TotalCount int
		PageInfo   struct {
			HasNextPage, HasPreviousPage bool
			StartCursor, EndCursor       *string
		}
		Edges []struct {
			Cursor string
			Node   struct{ ID, Name string }
		}
	}
}

// TestPagination checks the default and maximum page sizes, cursors in both
// directions, and ordering.
func TestPagination(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		const n = 230
		b := make([]*ent.UserCreate, n)
		for i := range b {
			// Names in reverse order of creation, so name order differs from ID order.
			b[i] = e.App.Client.User.Create().SetName(fmt.Sprintf("User %03d", n-i)).SetEmail(fmt.Sprintf("u%03d@example.com", i))
		}
		if _, err := e.App.Client.User.CreateBulk(b...).Save(acme.Admin()); err != nil {
			t.Fatal(err)
		}
		page := func(t *testing.T, vars map[string]any) userPage {
			var p userPage
			e.For(t).MustDo(acme.Token, `query($after: Cursor, $before: Cursor, $first: Int, $last: Int) { users(first: $first, last: $last, after: $after, before: $before) {
				totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id name } } } }`, vars, &p)
			return p
		}

		t.Run("default page size", func(t *testing.T) {
			p := page(t, nil)
			if len(p.Users.Edges) != 50 || !p.Users.PageInfo.HasNextPage || p.Users.TotalCount != n {
				t.Errorf("got %d edges, next=%v, total=%d", len(p.Users.Edges), p.Users.PageInfo.HasNextPage, p.Users.TotalCount)
			}
		})
		t.Run("default with null variables", func(t *testing.T) {
			p := page(t, map[string]any{"first": nil, "last": nil})
			if len(p.Users.Edges) != 50 {
				t.Errorf("got %d edges", len(p.Users.Edges))
			}
		})
		t.Run("maximum page size", func(t *testing.T) {
			if p := page(t, map[string]any{"first": 200}); len(p.Users.Edges) != 200 {
				t.Errorf("got %d edges", len(p.Users.Edges))
			}
		})
		for _, c := range []struct {
			name string
			args string
			vars map[string]any
		}{
			{"first above maximum", "(first: 201)", nil},
			{"last above maximum", "(last: 1000)", nil},
			{"first above maximum in a variable", "(first: $first)", map[string]any{"first": 5000}},
			{"negative first", "(first: -1)", nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				decl := ""
				if c.vars != nil {
					decl = "($first: Int)"
				}
				r := e.For(t).Do(acme.Token, `query`+decl+` { users`+c.args+` { totalCount } }`, c.vars)
				if r.Code() != "BAD_USER_INPUT" || r.Data != nil && string(r.Data) != "null" {
					t.Errorf("got %s", r.Body)
				}
			})
		}
		t.Run("nested connection above maximum", func(t *testing.T) {
			r := e.For(t).Do(acme.Token, `{ users(first: 1) { edges { node { permissions(first: 500) { totalCount } } } } }`, nil)
			if r.Code() != "BAD_USER_INPUT" {
				t.Errorf("got %s", r.Body)
			}
		})
		t.Run("forward cursors visit every user once", func(t *testing.T) {
			seen := map[string]bool{}
			var after any
			for pages := 0; ; pages++ {
				p := page(t, map[string]any{"first": 70, "after": after})
				for _, edge := range p.Users.Edges {
					if seen[edge.Node.ID] {
						t.Fatalf("user %s seen twice", edge.Node.ID)
					}
					seen[edge.Node.ID] = true
				}
				if !p.Users.PageInfo.HasNextPage {
					if pages != 3 {
						t.Errorf("%d pages, want 4", pages+1)
					}
					break
				}
				after = *p.Users.PageInfo.EndCursor
			}
			if len(seen) != n {
				t.Errorf("visited %d users, want %d", len(seen), n)
			}
		})
		t.Run("backward from a cursor", func(t *testing.T) {
			first := page(t, map[string]any{"first": 10})
			back := page(t, map[string]any{"last": 5, "before": first.Users.Edges[9].Cursor})
			if len(back.Users.Edges) != 5 || back.Users.Edges[4].Node.ID != first.Users.Edges[8].Node.ID || !back.Users.PageInfo.HasPreviousPage {
				t.Errorf("backward page: %+v", back.Users)
			}
		})
		t.Run("order by name", func(t *testing.T) {
			var p userPage
			e := e.For(t)
			e.MustDo(acme.Token, `{ users(first: 3, orderBy: {field: NAME, direction: ASC}) { edges { node { name } } } }`, nil, &p)
			got := []string{p.Users.Edges[0].Node.Name, p.Users.Edges[1].Node.Name, p.Users.Edges[2].Node.Name}
			if fmt.Sprint(got) != "[User 001 User 002 User 003]" {
				t.Errorf("ordered names %v", got)
			}
			e.MustDo(acme.Token, `{ users(first: 1, orderBy: {field: NAME, direction: DESC}) { edges { node { name } } } }`, nil, &p)
			if p.Users.Edges[0].Node.Name != fmt.Sprintf("User %03d", n) {
				t.Errorf("desc first %s", p.Users.Edges[0].Node.Name)
			}
		})
		t.Run("where", func(t *testing.T) {
			var p userPage
			e.For(t).MustDo(acme.Token, `{ users(where: {nameHasPrefix: "User 00"}) { totalCount } }`, nil, &p)
			if p.Users.TotalCount != 9 {
				t.Errorf("where matched %d, want 9", p.Users.TotalCount)
			}
		})
	})
}

// TestNestedDefaultPageSize: a nested connection without first/last is
// bounded by the default too.
func TestNestedDefaultPageSize(t *testing.T) {
	testenv.Each(t, func(t *testing.T, db string) {
		e := testenv.Start(t, db)
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": ids(e.Devices(acme, 60, "UTC"))}}, nil)
		var out struct {
			Users struct {
				Edges []struct {
					Node struct {
						Permissions struct {
							TotalCount int
							Edges      []struct{ Node struct{ ID string } }
						}
					}
				}
			}
		}
		e.MustDo(acme.Token, `{ users { edges { node { permissions { totalCount edges { node { id } } } } } } }`, nil, &out)
		ps := out.Users.Edges[0].Node.Permissions
		if ps.TotalCount != 60 || len(ps.Edges) != 50 {
			t.Errorf("nested: total %d, edges %d", ps.TotalCount, len(ps.Edges))
		}
	})
}
