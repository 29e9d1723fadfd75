package graph

import (
	"errors"
	"strings"

	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/migrate"
	"github.com/latchkey/latchkey/ent/schema"
	"github.com/latchkey/latchkey/internal/apperr"
)

// constraints are the answers to the database constraints a client's
// change can break, by constraint name (ent/schema names them). A broken
// constraint not listed here is the server's fault: INTERNAL, masked.
var constraints = map[string]*apperr.Error{
	schema.UserEmailIndex: {Code: apperr.Conflict, Field: "input.email",
		Message: "a user with this email already exists in the account"},
	schema.PermissionLiveIndex: {Code: apperr.Conflict, Message: "the user already has a live permission on this device"},
	schema.AdminEmailIndex: {Code: apperr.Conflict, Field: "input.email",
		Message: "an admin with this email already exists in the account"},
}

// constraintError returns the client error for a broken constraint of
// constraints, or nil.
func constraintError(err error) *apperr.Error {
	if !ent.IsConstraintError(err) {
		return nil
	}
	return constraints[constraintName(err)]
}

// constraintName names the constraint a database error reports broken, or
// "". PostgreSQL names it; SQLite names a CHECK constraint, and the
// columns of a UNIQUE one, which uniqueByColumns turns into its name.
func constraintName(err error) string {
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pe.Constraint
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return ""
	}
	// The message is "<result text>: <detail> (<code>)".
	msg := se.Error()
	if i := strings.LastIndex(msg, " ("); i >= 0 {
		msg = msg[:i]
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_CHECK:
		_, name, _ := strings.Cut(msg, "CHECK constraint failed: ")
		return name
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		_, cols, _ := strings.Cut(msg, "UNIQUE constraint failed: ")
		return uniqueByColumns[cols]
	}
	return ""
}

// uniqueByColumns names the unique indexes of the schema by the columns
// SQLite reports for them ("users.account_id, users.email").
var uniqueByColumns = func() map[string]string {
	m := map[string]string{}
	for _, t := range migrate.Tables {
		for _, ix := range t.Indexes {
			if !ix.Unique {
				continue
			}
			cols := make([]string, len(ix.Columns))
			for i, c := range ix.Columns {
				cols[i] = t.Name + "." + c.Name
			}
			m[strings.Join(cols, ", ")] = ix.Name
		}
	}
	return m
}()
