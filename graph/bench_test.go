package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/testenv"
)

// post sends one GraphQL request over the loopback HTTP server and fails
// the benchmark on any error.
func post(b *testing.B, client *http.Client, url, token, query string, vars map[string]any) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	data, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || bytes.Contains(data, []byte(`"errors"`)) {
		b.Fatalf("%d %s", res.StatusCode, data)
	}
}

// BenchmarkOverview: the overview query (50 users, 5 permissions each)
// through the HTTP handler, from 16 concurrent clients.
func BenchmarkOverview(b *testing.B) {
	testenv.EachB(b, func(b *testing.B, db string) {
		e := testenv.Start(b, db)
		acme := e.Account("Acme")
		seedOverview(b, e, acme, 1000)
		url := e.Server.URL + "/query"
		b.SetParallelism(8) // 16 clients on 2 cores
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			c := &http.Client{}
			for pb.Next() {
				post(b, c, url, acme.Token, overview, nil)
			}
		})
	})
}

// BenchmarkGrant measures grants of 3 and of 500 devices, one at a time.
func BenchmarkGrant(b *testing.B) {
	for _, n := range []int{3, 500} {
		b.Run(fmt.Sprintf("devices=%d", n), func(b *testing.B) {
			testenv.EachB(b, func(b *testing.B, db string) {
				e := testenv.Start(b, db)
				acme := e.Account("Acme")
				devs := ids(e.Devices(acme, n, "Europe/Berlin"))
				users := make([]string, b.N)
				for i := range users {
					users[i] = newUser(e, acme.Token, "U", fmt.Sprintf("u%d@example.com", i))
				}
				url := e.Server.URL + "/query"
				c := &http.Client{}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					post(b, c, url, acme.Token, grant, map[string]any{"input": map[string]any{
						"userID": users[i], "deviceIDs": devs,
						"restrictions": map[string]any{"weekdays": []string{"MONDAY", "FRIDAY"}, "dailyFrom": "08:00", "dailyUntil": "18:00"},
					}})
				}
			})
		})
	}
}

// BenchmarkCheckAccess: checkAccess through the HTTP handler from 16
// concurrent clients.
func BenchmarkCheckAccess(b *testing.B) {
	testenv.EachB(b, func(b *testing.B, db string) {
		e := testenv.Start(b, db)
		acme := e.Account("Acme")
		user := newUser(e, acme.Token, "Ada", "ada@example.com")
		devs := ids(e.Devices(acme, 1, "Europe/Berlin"))
		e.MustDo(acme.Token, grant, map[string]any{"input": map[string]any{"userID": user, "deviceIDs": devs,
			"restrictions": map[string]any{"weekdays": []string{"MONDAY", "FRIDAY"}, "dailyFrom": "22:00", "dailyUntil": "06:00"}}}, nil)
		vars := map[string]any{"u": user, "d": devs[0], "at": time.Date(2026, 3, 6, 22, 30, 0, 0, time.UTC).Format(time.RFC3339)}
		url := e.Server.URL + "/query"
		b.SetParallelism(8)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			c := &http.Client{}
			for pb.Next() {
				post(b, c, url, acme.Token, checkAccess, vars)
			}
		})
	})
}
