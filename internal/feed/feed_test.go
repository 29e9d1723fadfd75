package feed_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/internal/audit"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/changes"
	"github.com/latchkey/latchkey/internal/database"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/feed"
	"github.com/latchkey/latchkey/internal/pulid"
	"github.com/latchkey/latchkey/internal/testenv"
)

// wait bounds every receive: far longer than a delivery takes.
const wait = 5 * time.Second

// startHub runs a hub over e's database that polls only once an hour, so
// that every delivery in a test is one a wake-up caused: a record
// committed on this instance, or a notification from another.
func startHub(t *testing.T, e *testenv.Env, url string) *feed.Hub {
	t.Helper()
	cfg := feed.Config{DB: e.App.DB, Now: e.Now, Poll: time.Hour}
	if database.IsPostgres(url) {
		cfg.PostgresURL = url
	}
	h := feed.New(cfg)
	e.App.OnAppended(h.Wake)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return h
}

func createUser(t *testing.T, e *testenv.Env, a testenv.Account, name string) string {
	t.Helper()
	var out struct {
		CreateUser struct{ User struct{ ID string } }
	}
	e.MustDo(a.Token, `mutation($in: CreateUserInput!) { createUser(input: $in) { user { id } } }`,
		map[string]any{"in": map[string]any{"name": name, "email": name + "@example.com"}}, &out)
	return out.CreateUser.User.ID
}

func subscribe(t *testing.T, h *feed.Hub, account pulid.ID, after *feed.Cursor) *feed.Subscription {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s, err := h.Subscribe(ctx, account, after)
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	return s
}

// next receives one item, failing after wait.
func next(t *testing.T, s *feed.Subscription) feed.Item {
	t.Helper()
	select {
	case it, ok := <-s.C:
		if !ok {
			t.Fatalf("the subscription ended: %v", s.Err())
		}
		return it
	case <-time.After(wait):
		t.Fatalf("no item within %s", wait)
	}
	return feed.Item{}
}

// quiet fails when s delivers anything within d.
func quiet(t *testing.T, s *feed.Subscription, d time.Duration) {
	t.Helper()
	select {
	case it := <-s.C:
		t.Fatalf("unexpected item %+v", it.Record)
	case <-time.After(d):
	}
}

// users receives n records and returns the users they created.
func users(t *testing.T, s *feed.Subscription, n int) []string {
	t.Helper()
	var out []string
	for range n {
		it := next(t, s)
		if it.Record == nil || it.Record.Action != enum.AuditUserCreated {
			t.Fatalf("got %+v, want a USER_CREATED record", it)
		}
		out = append(out, string(it.Record.Targets[0]))
	}
	return out
}

// TestFeedDeliversAnAccountsRecordsInOrder: a subscriber receives its
// account's writes, once each and in order, and nothing of another
// account's.
func TestFeedDeliversAnAccountsRecordsInOrder(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, url string) {
		e := testenv.Start(t, url)
		h := startHub(t, e, url)
		acme, other := e.Account("Acme"), e.Account("Other")
		s := subscribe(t, h, acme.ID, nil)
		var want []string
		for i := range 3 {
			createUser(t, e, other, fmt.Sprintf("o%d", i))
			want = append(want, createUser(t, e, acme, fmt.Sprintf("u%d", i)))
		}
		if got := users(t, s, 3); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("records for %v, want %v", got, want)
		}
		quiet(t, s, 100*time.Millisecond)
	})
}

// TestFeedResumes: a subscriber that comes back with the last cursor it
// saw gets what was written meanwhile, then what is written after, and
// nothing twice; one whose cursor is older than the retention window is
// told to refetch.
func TestFeedResumes(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, url string) {
		e := testenv.Start(t, url)
		h := startHub(t, e, url)
		acme := e.Account("Acme")
		first := subscribe(t, h, acme.ID, nil)
		u0 := createUser(t, e, acme, "u0")
		seen := next(t, first).Record.Cursor
		var missed []string
		for i := 1; i <= 3; i++ {
			missed = append(missed, createUser(t, e, acme, fmt.Sprintf("u%d", i)))
		}
		users(t, first, 3) // the hub has passed them before the resume

		text := seen.String()
		c, ok := feed.ParseCursor(text)
		if !ok || c != seen {
			t.Fatalf("ParseCursor(%q) = %v, %v", text, c, ok)
		}
		s := subscribe(t, h, acme.ID, &c)
		live := createUser(t, e, acme, "u4")
		got := users(t, s, 4)
		if want := append(missed, live); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("resumed after %s (%s): %v, want %v", text, u0, got, want)
		}
		quiet(t, s, 100*time.Millisecond)

		e.Advance(feed.DefaultRetention + time.Hour)
		old := subscribe(t, h, acme.ID, &c)
		if it := next(t, old); !it.Refetch {
			t.Errorf("a cursor past the window: %+v, want Refetch", it)
		}
		late := createUser(t, e, acme, "u5")
		if got := users(t, old, 1); got[0] != late {
			t.Errorf("after the refetch: %v, want %s", got, late)
		}
	})
}

// TestParseCursorRefusesJunk: only what String wrote is a cursor.
func TestParseCursorRefusesJunk(t *testing.T) {
	for _, s := range []string{"", "1", "x.aud_01J", "-1.aud_01JD0000000000000000000000", "1.usr_01JD0000000000000000000000", "1.aud_short"} {
		if c, ok := feed.ParseCursor(s); ok {
			t.Errorf("ParseCursor(%q) = %v, want refused", s, c)
		}
	}
}

// TestFeedWaitsForOlderTransactions (PostgreSQL): a record committed
// while an older transaction still runs is held back until that one ends,
// then both arrive in feed order; no reader passes a record that commits
// later behind it.
func TestFeedWaitsForOlderTransactions(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, url string) {
		if !database.IsPostgres(url) {
			t.Skip("SQLite has one writer: a later transaction cannot commit first")
		}
		e := testenv.Start(t, url)
		h := startHub(t, e, url)
		acme := e.Account("Acme")
		s := subscribe(t, h, acme.ID, nil)

		ctx := acme.Admin()
		older, err := e.App.Client.Tx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = older.Rollback() }()
		u, err := older.User.Create().SetName("slow").SetEmail("slow@example.com").Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := audit.Record(ctx, older.Client(), audit.Entry{Action: enum.AuditUserCreated, Targets: []pulid.ID{u.ID}, At: e.Now()}); err != nil {
			t.Fatal(err)
		}
		fast := createUser(t, e, acme, "fast")
		quiet(t, s, 300*time.Millisecond)
		if err := older.Commit(); err != nil {
			t.Fatal(err)
		}
		if got, want := users(t, s, 2), []string{string(u.ID), fast}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("records %v, want %v (the older transaction first)", got, want)
		}
	})
}

// TestFeedWakesEveryInstance (PostgreSQL): a write on one instance
// reaches a subscriber of another by notification, well before either
// polls.
func TestFeedWakesEveryInstance(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, url string) {
		if !database.IsPostgres(url) {
			t.Skip("SQLite serves one process")
		}
		writer := testenv.Start(t, url)
		reader := testenv.Start(t, url)
		startHub(t, writer, url)
		h := startHub(t, reader, url)
		acme := writer.Account("Acme")
		s := subscribe(t, h, acme.ID, nil)
		id := createUser(t, writer, acme, "u0")
		if got := users(t, s, 1); got[0] != id {
			t.Errorf("the other instance got %v, want %s", got, id)
		}
	})
}

// TestFeedDropsASubscriberThatFallsBehind: a subscriber that reads
// nothing is ended once a buffer of records waits, and says so.
func TestFeedDropsASubscriberThatFallsBehind(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, url string) {
		e := testenv.Start(t, url)
		h := startHub(t, e, url)
		acme := e.Account("Acme")
		s := subscribe(t, h, acme.ID, nil)
		// A second subscriber reads all along: once it has every record,
		// the hub has offered each to the first too.
		progress := subscribe(t, h, acme.ID, nil)
		offered := make(chan int)
		go func() {
			n := 0
			for n < 1500 {
				if _, ok := <-progress.C; !ok {
					break
				}
				n++
			}
			offered <- n
		}()
		ctx := auth.SystemContext(context.Background())
		// Records written straight to the table, in bulk, as a busy
		// account's would be; as they bypass audit.Record, the hub is
		// woken by hand.
		for range 3 {
			b := make([]*ent.AuditEventCreate, 500)
			for i := range b {
				b[i] = e.App.Client.AuditEvent.Create().SetAccountID(acme.ID).SetAction(enum.AuditUserUpdated).
					SetActorKind(enum.ActorSystem).SetActorName("test").SetTargets([]pulid.ID{}).SetChanges([]changes.Field{}).
					SetRequestID("").SetClientAddress("")
			}
			if err := e.App.Client.AuditEvent.CreateBulk(b...).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			h.Wake()
		}
		if n := <-offered; n != 1500 {
			t.Fatalf("the reading subscriber got %d records, want 1500 (%v)", n, progress.Err())
		}
		deadline := time.After(wait)
		for n := 0; ; n++ {
			select {
			case _, ok := <-s.C:
				if !ok {
					if s.Err() != feed.ErrBehind || n > 1024 {
						t.Errorf("ended after %d items with %v, want ErrBehind after at most 1024", n, s.Err())
					}
					return
				}
			case <-deadline:
				t.Fatalf("still open after %d items", n)
			}
		}
	})
}

// TestFeedIdleHubStartsAtTheEnd: a hub without subscribers reads
// nothing; its first subscriber gets what is written from then on, not
// what was written while nobody listened.
func TestFeedIdleHubStartsAtTheEnd(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, url string) {
		e := testenv.Start(t, url)
		h := startHub(t, e, url)
		acme := e.Account("Acme")
		ctx, cancel := context.WithCancel(context.Background())
		first, err := h.Subscribe(ctx, acme.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		createUser(t, e, acme, "seen")
		users(t, first, 1)
		// The only subscriber leaves; the hub idles.
		cancel()
		for range first.C {
		}
		createUser(t, e, acme, "unheard")
		s := subscribe(t, h, acme.ID, nil)
		id := createUser(t, e, acme, "heard")
		if got := users(t, s, 1); got[0] != id {
			t.Errorf("the first record after the idle time is %v, want %s", got, id)
		}
	})
}

// TestFeedIgnoresOtherDatabases (PostgreSQL): a transaction left open in
// another database of the server does not hold the feed back (it cannot
// write this database's records).
func TestFeedIgnoresOtherDatabases(t *testing.T) {
	testenv.EachWithFeed(t, func(t *testing.T, url string) {
		if !database.IsPostgres(url) {
			t.Skip("SQLite has one writer and no other databases")
		}
		e := testenv.Start(t, url)
		h := startHub(t, e, url)
		acme := e.Account("Acme")
		s := subscribe(t, h, acme.ID, nil)
		other, err := sql.Open("postgres", os.Getenv("LATCHKEY_TEST_POSTGRES"))
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		tx, err := other.Begin()
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = tx.Rollback() }()
		var xid string
		if err := tx.QueryRow(`SELECT pg_current_xact_id()::text`).Scan(&xid); err != nil {
			t.Fatal(err)
		}
		u := createUser(t, e, acme, "after")
		if got := users(t, s, 1); fmt.Sprint(got) != fmt.Sprint([]string{u}) {
			t.Errorf("records %v, want %v while transaction %s runs in another database", got, u, xid)
		}
	})
}
