package testenv

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/latchkey/latchkey/ent/migrate"
)

// Counts is the number of rows in each table of the schema. Counts fails
// the test when the schema has a table without a field here, so that a new
// table cannot escape the checks that compare counts.
type Counts struct {
	Accounts        int `table:"accounts"`
	Users           int `table:"users"`
	Devices         int `table:"devices"`
	Permissions     int `table:"permissions"`
	Invitations     int `table:"invitations"`
	Tokens          int `table:"api_tokens"`
	Events          int `table:"access_events"`
	Mails           int `table:"outboxes"`
	IdempotencyKeys int `table:"idempotency_keys"`
	RedeemFailures  int `table:"redeem_failures"`
	RedeemBuckets   int `table:"redeem_buckets"`
	Admins          int `table:"admins"`
	AdminCodes      int `table:"admin_codes"`
	AuditEvents     int `table:"audit_events"`
	Webhooks        int `table:"webhook_endpoints"`
	Deliveries      int `table:"webhook_deliveries"`
	Dispatch        int `table:"webhook_dispatch"`
}

// Counts reads the row counts of the whole database, across accounts.
func (e *Env) Counts() Counts {
	e.T.Helper()
	var n Counts
	v := reflect.ValueOf(&n).Elem()
	fields := map[string]reflect.Value{}
	for i := range v.NumField() {
		fields[v.Type().Field(i).Tag.Get("table")] = v.Field(i)
	}
	for _, t := range migrate.Tables {
		f, ok := fields[t.Name]
		if !ok {
			e.T.Fatalf("testenv.Counts has no field for the table %s", t.Name)
		}
		var c int64
		if err := e.App.DB.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+t.Name).Scan(&c); err != nil {
			e.T.Fatalf("count %s: %v", t.Name, err)
		}
		f.SetInt(c)
	}
	return n
}

// Tables holds the rows of every table of the schema (ent/migrate.Tables),
// each row keyed by its primary key and rendered as its columns' values.
type Tables map[string]map[string]string

// Tables reads every row of every table, across accounts.
func (e *Env) Tables() Tables {
	e.T.Helper()
	out := Tables{}
	for _, t := range migrate.Tables {
		rows, err := e.App.DB.QueryContext(context.Background(), "SELECT * FROM "+t.Name)
		if err != nil {
			e.T.Fatalf("read %s: %v", t.Name, err)
		}
		cols, _ := rows.Columns()
		pk := map[string]bool{}
		for _, c := range t.PrimaryKey {
			pk[c.Name] = true
		}
		out[t.Name] = map[string]string{}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				e.T.Fatalf("read %s: %v", t.Name, err)
			}
			var key, row []string
			for i, c := range cols {
				if authWrites[t.Name+"."+c] {
					continue
				}
				v := render(vals[i])
				if pk[c] {
					key = append(key, v)
				}
				row = append(row, c+"="+v)
			}
			out[t.Name][strings.Join(key, ",")] = strings.Join(row, " ")
		}
		if err := rows.Err(); err != nil {
			e.T.Fatalf("read %s: %v", t.Name, err)
		}
		_ = rows.Close()
	}
	return out
}

// authWrites are the columns authentication writes on a token's use (at
// most once a minute), whatever the request goes on to do; they are left
// out of the snapshot, so that a rejected call still compares as writing
// nothing.
var authWrites = map[string]bool{"api_tokens.last_used_at": true, "api_tokens.updated_at": true}

// render writes a column's value the same way on both databases.
func render(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return fmt.Sprintf("%q", v)
	case string:
		return fmt.Sprintf("%q", v)
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	default:
		return fmt.Sprint(v)
	}
}

// Change is what was written to one table between two reads: the rows
// added, the rows removed and the rows changed (as "before -> after"), each
// list in primary key order.
type Change struct{ Added, Removed, Changed []string }

// Changes returns what was written between t and after, for the tables
// that changed.
func (t Tables) Changes(after Tables) map[string]Change {
	out := map[string]Change{}
	for name, rows := range after {
		var c Change
		for _, k := range slices.Sorted(maps.Keys(rows)) {
			old, ok := t[name][k]
			switch {
			case !ok:
				c.Added = append(c.Added, rows[k])
			case old != rows[k]:
				c.Changed = append(c.Changed, old+" -> "+rows[k])
			}
		}
		for _, k := range slices.Sorted(maps.Keys(t[name])) {
			if _, ok := rows[k]; !ok {
				c.Removed = append(c.Removed, t[name][k])
			}
		}
		if c.Added != nil || c.Removed != nil || c.Changed != nil {
			out[name] = c
		}
	}
	return out
}

// Diff describes what was written between t and after, or returns "".
func (t Tables) Diff(after Tables) string {
	changes := t.Changes(after)
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(changes)) {
		c := changes[name]
		for _, r := range c.Added {
			fmt.Fprintf(&b, "%s: + %s\n", name, r)
		}
		for _, r := range c.Removed {
			fmt.Fprintf(&b, "%s: - %s\n", name, r)
		}
		for _, r := range c.Changed {
			fmt.Fprintf(&b, "%s: ~ %s\n", name, r)
		}
	}
	return b.String()
}

// Snapshot renders every row of every table, to check that a call changed
// nothing (compare Tables for a description of what it did change).
func (e *Env) Snapshot() string {
	e.T.Helper()
	return e.Tables().String()
}

// String renders every row, in table and primary key order.
func (t Tables) String() string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(t)) {
		for _, k := range slices.Sorted(maps.Keys(t[name])) {
			fmt.Fprintf(&b, "%s: %s\n", name, t[name][k])
		}
	}
	return b.String()
}
