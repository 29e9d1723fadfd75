package graph_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"log/slog"

	"github.com/latchkey/latchkey/internal/live"
	"github.com/latchkey/latchkey/internal/testenv"
)

// BenchmarkSubscriptions opens 1,000 subscriptions on one instance (20
// WebSocket connections of 50, graphql-transport-ws) and makes one write
// every 10 ms (100 events a second) for b.N writes. It reports the
// delivery latency from a write's start (its request sent) to each subscriber's receipt
// (p50, p99) and the memory each idle subscription holds (heap and
// stacks, server and client sides in this one process).
//
//	go test ./graph -run '^$' -bench BenchmarkSubscriptions -benchtime 500x
func BenchmarkSubscriptions(b *testing.B) {
	const conns, perConn = 20, 50
	testenv.EachB(b, func(b *testing.B, databaseURL string) {
		e := testenv.Start(b, databaseURL, testenv.WithLive(live.Limits{PerConnection: perConn, PerToken: conns}),
			testenv.WithLogger(slog.New(slog.DiscardHandler)))
		e.RunFeed()
		a := e.Account("Acme")
		user := liveUser(b, e, a.Token, "ann@example.com")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()

		var mu sync.Mutex
		sent := map[int]time.Time{}
		var latencies []time.Duration
		type receipt struct {
			seq int
			at  time.Time
		}
		var receipts []receipt
		var received sync.WaitGroup
		heapBefore := memInUse()
		// followers counts the subscriptions that heard a warm-up write.
		var followers sync.Map
		var cs []*websocket.Conn
		for n := range conns {
			c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.Server.URL, "http")+"/query",
				&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
			if err != nil {
				b.Fatal(err)
			}
			c.SetReadLimit(1 << 20)
			cs = append(cs, c)
			_ = wsjson.Write(ctx, c, map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + a.Token}})
			for i := range perConn {
				_ = wsjson.Write(ctx, c, map[string]any{"type": "subscribe", "id": strconv.Itoa(i), "payload": map[string]any{
					"query":     `subscription($u: ID) { changes(userID: $u) { eventID node { id ... on User { name } } } }`,
					"variables": map[string]any{"u": user}}})
			}
			go func() {
				for {
					var m struct {
						Type    string
						ID      string
						Payload struct {
							Data struct {
								Changes struct {
									Node struct{ Name string }
								}
							}
						}
					}
					if err := wsjson.Read(ctx, c, &m); err != nil {
						return
					}
					switch m.Type {
					case "ping":
						_ = wsjson.Write(ctx, c, map[string]any{"type": "pong"})
					case "next":
						at := time.Now()
						seq, err := strconv.Atoi(strings.TrimPrefix(m.Payload.Data.Changes.Node.Name, "n"))
						if err != nil {
							continue
						}
						if seq < 0 {
							followers.Store(strconv.Itoa(n)+"."+m.ID, true)
							continue
						}
						mu.Lock()
						receipts = append(receipts, receipt{seq, at})
						mu.Unlock()
						received.Done()
					}
				}
			}()
		}
		rename := func(name string) {
			e.MustDo(a.Token, `mutation($id: ID!, $n: String!) { updateUser(id: $id, input: {name: $n}) { user { id } } }`,
				map[string]any{"id": user, "n": name}, nil)
		}
		// Every subscription follows the feed once each has heard a
		// warm-up write.
		count := func() int {
			n := 0
			followers.Range(func(any, any) bool { n++; return true })
			return n
		}
		for i := 0; count() < conns*perConn; i++ {
			if i > 100 {
				b.Fatalf("only %d of %d subscriptions follow the feed", count(), conns*perConn)
			}
			rename(fmt.Sprintf("n-%d", i+1))
			time.Sleep(300 * time.Millisecond)
		}
		time.Sleep(time.Second) // the warm-ups' stragglers
		idle := float64(memInUse()-heapBefore) / (conns * perConn)

		b.ResetTimer()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for i := range b.N {
			<-tick.C
			received.Add(conns * perConn)
			mu.Lock()
			sent[i] = time.Now()
			mu.Unlock()
			rename("n" + strconv.Itoa(i))
		}
		done := make(chan struct{})
		go func() { received.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(time.Minute):
			mu.Lock()
			defer mu.Unlock()
			b.Fatalf("%d of %d deliveries after a minute", len(receipts), b.N*conns*perConn)
		}
		b.StopTimer()
		for _, c := range cs {
			c.CloseNow()
		}
		for _, r := range receipts {
			latencies = append(latencies, r.at.Sub(sent[r.seq]))
		}
		slices.Sort(latencies)
		pct := func(p float64) float64 {
			return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
		}
		b.ReportMetric(pct(0.50), "p50-ms")
		b.ReportMetric(pct(0.99), "p99-ms")
		b.ReportMetric(idle, "B/idle-sub")
		b.ReportMetric(0, "ns/op")
	})
}

// memInUse is the heap and stack memory in use after a collection.
func memInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}
