// Package pulid implements Latchkey's opaque identifiers: a short type
// prefix, an underscore and a ULID ("usr_01JD…"). The random part makes IDs
// non-sequential; the prefix lets node(id:) find the table without a lookup.
package pulid

import (
	"crypto/rand"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/quote"
	"github.com/latchkey/latchkey/internal/text"
)

// ID is a prefixed ULID.
type ID string

var (
	entropyMu sync.Mutex
	entropy   = ulid.Monotonic(rand.Reader, 0)
)

// New returns a fresh ID with the given prefix.
func New(prefix string) ID {
	entropyMu.Lock()
	u := ulid.MustNew(ulid.Timestamp(time.Now()), entropy)
	entropyMu.Unlock()
	return ID(prefix + "_" + u.String())
}

// Prefix returns the type prefix of id, or "" when id is malformed.
func (id ID) Prefix() string {
	p, rest, ok := strings.Cut(string(id), "_")
	if !ok || len(rest) != ulid.EncodedSize {
		return ""
	}
	return p
}

// UnmarshalGQL implements graphql.Unmarshaler. Any string is taken (an ID
// that names nothing is answered as not found) except one with a NUL
// character, which PostgreSQL cannot even compare.
func (id *ID) UnmarshalGQL(v any) error {
	switch s := v.(type) {
	case string:
		if err := text.CheckNUL(s); err != nil {
			return apperr.New(apperr.BadUserInput, "%s", err)
		}
		*id = ID(s)
	case ID:
		*id = s
	case json.Number, int, int64:
		// GraphQL's ID takes integers too; none names a row.
		*id = ID(fmt.Sprint(s))
	default:
		return apperr.New(apperr.BadUserInput, "must be a string")
	}
	return nil
}

// MarshalGQL implements graphql.Marshaler.
func (id ID) MarshalGQL(w io.Writer) { quote.JSON(w, string(id)) }

// Scan implements sql.Scanner.
func (id *ID) Scan(src any) error {
	switch v := src.(type) {
	case string:
		*id = ID(v)
	case []byte:
		*id = ID(v)
	default:
		return fmt.Errorf("pulid: cannot scan %T", src)
	}
	return nil
}

// Value implements driver.Valuer.
func (id ID) Value() (driver.Value, error) { return string(id), nil }
