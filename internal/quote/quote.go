// Package quote writes strings as JSON string literals for the GraphQL
// marshallers of identifiers and enum values, which are plain ASCII: those
// are written between quotes as they are, without an allocation; anything
// else is escaped by encoding/json.
package quote

import (
	"encoding/json"
	"io"
)

// JSON writes s to w as a JSON string.
func JSON(w io.Writer, s string) {
	if !plain(s) {
		b, _ := json.Marshal(s) // a string always encodes
		_, _ = w.Write(b)
		return
	}
	if sw, ok := w.(io.StringWriter); ok {
		_, _ = sw.WriteString(`"`)
		_, _ = sw.WriteString(s)
		_, _ = sw.WriteString(`"`)
		return
	}
	_, _ = io.WriteString(w, `"`+s+`"`)
}

// plain reports whether s is printable ASCII that JSON (and HTML, as
// encoding/json escapes <, > and &) leaves as it is.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}
