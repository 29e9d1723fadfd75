// Command load is Latchkey's bounded mixed load for robustness (see
// BENCHMARKS.md):
//
//	go run ./bench/load -url http://127.0.0.1:8080/query -token lk_... -duration 60s -clients 32
//
// For the given duration, every client runs, at random, either the admin
// overview query or a grant: it creates a fresh user and grants it 1 to 5
// of the account's devices (picked at random) in one grantPermission call.
// Every answer is classified: HTTP 200 without errors, a GraphQL error
// code, a non-200 status, or a transport error (timeout, reset). A grant
// answered with HTTP 200 and no errors is acknowledged, and its invitation
// ID and permission IDs are recorded.
//
// When the time is up (requests in flight are waited for, not cut off), it
// reads back through the API, with invitations(where: ...) in pages of at
// most 200:
//   - every acknowledged grant's invitation, for its user, with exactly
//     the acknowledged permissions;
//   - for every grant answered with an error, that nothing was stored for
//     its user (mutations are all or nothing);
//   - for every grant left without an answer, whether it was stored (either
//     is allowed; it is only reported).
//
// It prints the requests, the errors by kind, the 5xx answers and the
// acknowledged versus stored grants, and exits 1 if an acknowledged grant
// is missing or differs, an error answer wrote something, a successful
// grant answer did not carry one permission per device, or any answer was
// a 5xx; 2 if it could not run at all.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// overview is the admin app's main query: the overview constant of
// graph/statements_test.go.
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

const (
	createUser = `mutation($in: CreateUserInput!) { createUser(input: $in) { user { id } } }`
	grant      = `mutation($in: GrantPermissionInput!) { grantPermission(input: $in) { invitation { id } permissions { id } } }`
	devices    = `query($after: Cursor) { devices(first: 200, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id } } } }`
	// invitationsOf reads back the invitations matching where, with their
	// user and permissions (a grant covers at most 5 devices here).
	invitationsOf = `query($where: InvitationWhereInput, $after: Cursor) {
  invitations(first: 200, after: $after, where: $where) {
    pageInfo { hasNextPage endCursor }
    edges { node { id user { id } permissions(first: 20) { totalCount edges { node { id } } } } }
  }
}`
)

// pageSize is the server's largest page, and the batch size of read-backs.
const pageSize = 200

func main() {
	url := flag.String("url", "http://127.0.0.1:8080/query", "the GraphQL endpoint")
	token := flag.String("token", os.Getenv("BENCH_TOKEN"), "an admin token (default $BENCH_TOKEN)")
	duration := flag.Duration("duration", 60*time.Second, "how long the clients send requests")
	clients := flag.Int("clients", 32, "concurrent clients")
	grantShare := flag.Float64("grant-share", 0.5, "share of client iterations that grant (the rest query the overview)")
	maxDevices := flag.Int("max-devices", 5, "a grant covers 1 to this many devices")
	timeout := flag.Duration("timeout", 30*time.Second, "timeout of one request")
	flag.Parse()
	if *token == "" || *clients < 1 || *maxDevices < 1 {
		fmt.Fprintln(os.Stderr, "load: -token is required; -clients and -max-devices must be positive")
		os.Exit(2)
	}
	api := &api{url: *url, token: *token, http: &http.Client{
		Timeout:   *timeout,
		Transport: &http.Transport{MaxIdleConnsPerHost: *clients + 4, IdleConnTimeout: time.Minute},
	}}
	ok, err := run(api, *duration, *clients, *grantShare, *maxDevices)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

// api sends GraphQL requests.
type api struct {
	url, token string
	http       *http.Client
}

// answer is the outcome of one request.
type answer struct {
	status int             // HTTP status; 0 when there was no answer
	data   json.RawMessage // the data member
	code   string          // the first error's extensions.code ("" without errors)
	msg    string          // the first error's message, or the transport error
	took   time.Duration
}

// kind names the outcome for the error tally; "" for success.
func (a answer) kind() string {
	switch {
	case a.status == 0:
		return "no answer (" + a.msg + ")"
	case a.status != http.StatusOK:
		return fmt.Sprintf("HTTP %d %s", a.status, a.code)
	case a.code != "":
		return a.code
	}
	return ""
}

func (c *api) do(query string, vars map[string]any) answer {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return answer{msg: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	start := time.Now()
	res, err := c.http.Do(req)
	if err != nil {
		return answer{msg: transportError(err), took: time.Since(start)}
	}
	data, err := io.ReadAll(res.Body)
	res.Body.Close()
	a := answer{status: res.StatusCode, took: time.Since(start)}
	if err != nil {
		return answer{msg: transportError(err), took: a.took}
	}
	var out struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		a.code, a.msg = "UNPARSABLE_BODY", strings.TrimSpace(string(data[:min(len(data), 200)]))
		return a
	}
	a.data = out.Data
	if len(out.Errors) > 0 {
		a.code, a.msg = "NO_CODE", out.Errors[0].Message
		if c, ok := out.Errors[0].Extensions["code"].(string); ok {
			a.code = c
		}
	}
	return a
}

// transportError shortens a client error to its kind.
func transportError(err error) string {
	var ne interface{ Timeout() bool }
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case strings.Contains(err.Error(), "connection refused"):
		return "connection refused"
	case strings.Contains(err.Error(), "connection reset"), strings.Contains(err.Error(), "EOF"):
		return "connection closed"
	}
	return "transport error"
}

// ack is an acknowledged grant.
type ack struct {
	user, invitation string
	permissions      []string
}

// tally is what the clients record.
type tally struct {
	mu         sync.Mutex
	requests   map[string]int             // by operation
	errors     map[string]int             // by "operation: kind"
	examples   map[string]string          // one message per error kind
	latency    map[string][]time.Duration // successful requests, by operation
	fiveXX     int
	malformed  int // grants answered with HTTP 200, no errors and a wrong payload
	acks       []ack
	refused    []string // users whose grant was answered with an error
	unanswered []string // users whose grant got no answer
}

func (t *tally) record(op string, a answer) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.requests[op]++
	if a.status >= 500 {
		t.fiveXX++
	}
	if k := a.kind(); k != "" {
		key := op + ": " + k
		t.errors[key]++
		if _, seen := t.examples[key]; !seen {
			t.examples[key] = a.msg
		}
		return
	}
	t.latency[op] = append(t.latency[op], a.took)
}

func run(c *api, duration time.Duration, clients int, grantShare float64, maxDevices int) (bool, error) {
	devs, err := listDevices(c)
	if err != nil {
		return false, err
	}
	if len(devs) < maxDevices {
		return false, fmt.Errorf("the account has %d devices; grants of up to %d need at least as many", len(devs), maxDevices)
	}
	fmt.Printf("mixed load: %d clients for %s against %s (%d devices, grants of 1-%d, %.0f%% grants)\n",
		clients, duration, c.url, len(devs), maxDevices, grantShare*100)

	t := &tally{requests: map[string]int{}, errors: map[string]int{}, examples: map[string]string{}, latency: map[string][]time.Duration{}}
	runID := time.Now().UnixNano()
	start := time.Now()
	deadline := start.Add(duration)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(runID), uint64(i)))
			for n := 0; time.Now().Before(deadline); n++ {
				if rng.Float64() >= grantShare {
					t.record("overview", c.do(overview, nil))
					continue
				}
				email := fmt.Sprintf("load-%d-%d-%d@example.com", runID, i, n)
				a := c.do(createUser, map[string]any{"in": map[string]any{"name": fmt.Sprintf("Load %d-%d", i, n), "email": email}})
				t.record("createUser", a)
				var u struct {
					CreateUser struct{ User struct{ ID string } }
				}
				if a.kind() != "" || json.Unmarshal(a.data, &u) != nil || u.CreateUser.User.ID == "" {
					continue
				}
				k := 1 + rng.IntN(maxDevices)
				picked := make([]string, 0, k)
				for _, j := range rng.Perm(len(devs))[:k] {
					picked = append(picked, devs[j])
				}
				a = c.do(grant, map[string]any{"in": map[string]any{"userID": u.CreateUser.User.ID, "deviceIDs": picked}})
				var g struct {
					GrantPermission struct {
						Invitation  struct{ ID string }
						Permissions []struct{ ID string }
					}
				}
				if a.kind() == "" && (json.Unmarshal(a.data, &g) != nil || g.GrantPermission.Invitation.ID == "" || len(g.GrantPermission.Permissions) != k) {
					a.code, a.msg = "MALFORMED_PAYLOAD", fmt.Sprintf("%d permissions for %d devices", len(g.GrantPermission.Permissions), k)
				}
				t.record("grantPermission", a)
				t.mu.Lock()
				switch {
				case a.kind() == "":
					p := make([]string, len(g.GrantPermission.Permissions))
					for x, perm := range g.GrantPermission.Permissions {
						p[x] = perm.ID
					}
					t.acks = append(t.acks, ack{user: u.CreateUser.User.ID, invitation: g.GrantPermission.Invitation.ID, permissions: p})
				case a.status == 0:
					t.unanswered = append(t.unanswered, u.CreateUser.User.ID)
				case a.code == "MALFORMED_PAYLOAD":
					t.malformed++
				default:
					t.refused = append(t.refused, u.CreateUser.User.ID)
				}
				t.mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	report(t, elapsed)
	return verify(c, t)
}

func report(t *tally, elapsed time.Duration) {
	total := 0
	var ops []string
	for op, n := range t.requests {
		total += n
		ops = append(ops, op)
	}
	sort.Strings(ops)
	fmt.Printf("requests: %d in %.1fs (%.1f/s)\n", total, elapsed.Seconds(), float64(total)/elapsed.Seconds())
	for _, op := range ops {
		l := t.latency[op]
		slices.Sort(l)
		fmt.Printf("  %-16s %7d sent, %7d ok; latency of the ok ones p50 %s, p99 %s, max %s\n",
			op, t.requests[op], len(l), pct(l, 50), pct(l, 99), pct(l, 100))
	}
	var kinds []string
	failed := 0
	for k, n := range t.errors {
		kinds = append(kinds, k)
		failed += n
	}
	sort.Strings(kinds)
	fmt.Printf("errors: %d\n", failed)
	for _, k := range kinds {
		fmt.Printf("  %-50s %7d  e.g. %q\n", k, t.errors[k], t.examples[k])
	}
	fmt.Printf("5xx answers: %d\n", t.fiveXX)
}

func pct(l []time.Duration, p int) string {
	if len(l) == 0 {
		return "-"
	}
	i := min(len(l)-1, (len(l)*p+99)/100-1)
	return l[max(i, 0)].Round(100 * time.Microsecond).String()
}

// verify reads the grants back and prints the verdict.
func verify(c *api, t *tally) (bool, error) {
	ids := make([]string, len(t.acks))
	for i, a := range t.acks {
		ids[i] = a.invitation
	}
	stored, err := invitations(c, "idIn", ids)
	if err != nil {
		return false, fmt.Errorf("read back the acknowledged grants: %w", err)
	}
	missing, differ := 0, 0
	for _, a := range t.acks {
		s, ok := stored[a.invitation]
		switch {
		case !ok:
			missing++
			if missing <= 5 {
				fmt.Printf("  missing: invitation %s of user %s\n", a.invitation, a.user)
			}
		case s.user != a.user || !sameSet(s.permissions, a.permissions):
			differ++
			if differ <= 5 {
				fmt.Printf("  differs: invitation %s: stored user %s permissions %v, acknowledged user %s permissions %v\n",
					a.invitation, s.user, s.permissions, a.user, a.permissions)
			}
		}
	}
	refusedStored, err := invitations(c, "userIDIn", t.refused)
	if err != nil {
		return false, fmt.Errorf("read back the refused grants: %w", err)
	}
	unansweredStored, err := invitations(c, "userIDIn", t.unanswered)
	if err != nil {
		return false, fmt.Errorf("read back the unanswered grants: %w", err)
	}
	fmt.Printf("grants: %d acknowledged, %d stored as acknowledged, %d missing, %d stored differently\n",
		len(t.acks), len(t.acks)-missing-differ, missing, differ)
	fmt.Printf("grants answered with an error: %d, of which stored anyway: %d\n", len(t.refused), len(refusedStored))
	fmt.Printf("grants without an answer: %d, of which stored: %d\n", len(t.unanswered), len(unansweredStored))
	if t.malformed > 0 {
		fmt.Printf("grants answered with HTTP 200, no errors and a wrong payload: %d\n", t.malformed)
	}
	ok := missing == 0 && differ == 0 && len(refusedStored) == 0 && t.fiveXX == 0 && t.malformed == 0
	if ok {
		fmt.Println("result: PASS")
	} else {
		fmt.Println("result: FAIL")
	}
	return ok, nil
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

type storedInvitation struct {
	user        string
	permissions []string
}

// invitations returns the invitations whose field (idIn or userIDIn) is in
// values, by ID, reading pageSize values per query and paging through each
// answer.
func invitations(c *api, field string, values []string) (map[string]storedInvitation, error) {
	out := map[string]storedInvitation{}
	for len(values) > 0 {
		batch := values[:min(len(values), pageSize)]
		values = values[len(batch):]
		var after any
		for {
			a := c.do(invitationsOf, map[string]any{"where": map[string]any{field: batch}, "after": after})
			if a.kind() != "" {
				return nil, fmt.Errorf("%s: %s", a.kind(), a.msg)
			}
			var page struct {
				Invitations struct {
					PageInfo struct {
						HasNextPage bool
						EndCursor   string
					}
					Edges []struct {
						Node struct {
							ID          string
							User        struct{ ID string }
							Permissions struct {
								TotalCount int
								Edges      []struct{ Node struct{ ID string } }
							}
						}
					}
				}
			}
			if err := json.Unmarshal(a.data, &page); err != nil {
				return nil, err
			}
			for _, e := range page.Invitations.Edges {
				n := e.Node
				if n.Permissions.TotalCount > len(n.Permissions.Edges) {
					return nil, fmt.Errorf("invitation %s has %d permissions, more than one page", n.ID, n.Permissions.TotalCount)
				}
				s := storedInvitation{user: n.User.ID}
				for _, p := range n.Permissions.Edges {
					s.permissions = append(s.permissions, p.Node.ID)
				}
				out[n.ID] = s
			}
			if !page.Invitations.PageInfo.HasNextPage {
				break
			}
			after = page.Invitations.PageInfo.EndCursor
		}
	}
	return out, nil
}

// listDevices returns the IDs of the account's devices.
func listDevices(c *api) ([]string, error) {
	var ids []string
	var after any
	for {
		a := c.do(devices, map[string]any{"after": after})
		if a.kind() != "" {
			return nil, fmt.Errorf("list devices: %s: %s", a.kind(), a.msg)
		}
		var page struct {
			Devices struct {
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
				Edges []struct{ Node struct{ ID string } }
			}
		}
		if err := json.Unmarshal(a.data, &page); err != nil {
			return nil, err
		}
		for _, e := range page.Devices.Edges {
			ids = append(ids, e.Node.ID)
		}
		if !page.Devices.PageInfo.HasNextPage {
			break
		}
		after = page.Devices.PageInfo.EndCursor
	}
	return ids, nil
}
