package audit

import (
	"encoding/json"
	"testing"

	"github.com/latchkey/latchkey/internal/changes"
	"github.com/latchkey/latchkey/internal/pulid"
)

// TestJSONLikeEncodingJSON: the trail's JSON columns hold what
// encoding/json makes of the same lists, whatever their strings hold.
func TestJSONLikeEncodingJSON(t *testing.T) {
	odd := []string{"", "plain", `say "hi"`, `back \ slash`, "<b>&amp;</b>", "tab\tnew\nline\x00", "Ünïcødé ✓", "\u2028", "\xff bad"}
	var ids []pulid.ID
	var fields []changes.Field
	for _, s := range odd {
		ids = append(ids, pulid.ID(s))
		fields = append(fields, changes.Of(s, s, []string{s}), changes.Of(s, nil, true))
	}
	fields = append(fields, changes.Field{Name: "unset"})
	for _, c := range []struct {
		name string
		got  string
		list any
	}{
		{"targets", targetsJSON(ids), ids},
		{"no targets", targetsJSON(nil), []pulid.ID{}},
		{"changes", changesJSON(fields), fields},
		{"no changes", changesJSON(nil), []changes.Field{}},
	} {
		want, err := json.Marshal(c.list)
		if err != nil {
			t.Fatal(err)
		}
		if c.got != string(want) {
			t.Errorf("%s:\n got %s\nwant %s", c.name, c.got, want)
		}
	}
}
