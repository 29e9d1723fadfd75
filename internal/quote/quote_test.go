package quote

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
)

func TestJSONMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "usr_01M8FR6TYPBCNFEDXK3T8VAMV9", "MONDAY", `say "hi"`, `back\slash`, "tab\there", "\x7f", "ünïcödé", "<b>&</b>", "\u2028"} {
		var buf, plainBuf bytes.Buffer
		JSON(&buf, s)
		JSON(struct{ io.Writer }{&plainBuf}, s) // a writer without WriteString
		want, _ := json.Marshal(s)
		if buf.String() != string(want) || plainBuf.String() != string(want) {
			t.Errorf("JSON(%q) = %s and %s, want %s", s, buf.String(), plainBuf.String(), want)
		}
	}
}

// FuzzJSON: for every string, the same bytes as encoding/json.
func FuzzJSON(f *testing.F) {
	f.Add("MONDAY")
	f.Add("\"\\\x00\u2028\xff")
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		JSON(&buf, s)
		if want, _ := json.Marshal(s); buf.String() != string(want) {
			t.Fatalf("JSON(%q) = %s, want %s", s, buf.Bytes(), want)
		}
	})
}

func BenchmarkJSON(b *testing.B) {
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		JSON(&buf, "usr_01M8FR6TYPBCNFEDXK3T8VAMV9")
	}
}
