// Package changes describes what a write changed, field by field, as the
// audit trail keeps it: each field's value before and after, as JSON. It
// imports nothing of ours, so that the Ent schema can store it.
package changes

import (
	"encoding/json"
	"strings"
)

// Field is one field a write changed. Before is null for a field of a new
// record, After for a field of a deleted one or one that was cleared.
type Field struct {
	// Name is the field's name in the API ("timeZone",
	// "restrictions.dailyFrom").
	Name   string          `json:"field"`
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
}

// Of returns the change of the field name from before to after (nil for no
// value). Values are what the API shows: strings, numbers, booleans, lists
// of them, or instants.
func Of(name string, before, after any) Field {
	return Field{Name: name, Before: encode(before), After: encode(after)}
}

// Literals of the values a change holds most, shared rather than encoded.
var (
	jsonNull  = json.RawMessage("null")
	jsonTrue  = json.RawMessage("true")
	jsonFalse = json.RawMessage("false")
)

func encode(v any) json.RawMessage {
	switch v {
	case nil:
		return jsonNull
	case true:
		return jsonTrue
	case false:
		return jsonFalse
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Only API values reach here, which always encode.
		panic("changes: " + err.Error())
	}
	return b
}

// BeforeJSON is Before for the API: JSON text, or nil for no value.
func (f Field) BeforeJSON() *string { return text(f.Before) }

// AfterJSON is After for the API: JSON text, or nil for no value.
func (f Field) AfterJSON() *string { return text(f.After) }

func text(v json.RawMessage) *string {
	if len(v) == 0 || string(v) == "null" {
		return nil
	}
	s := string(v)
	return &s
}

// secretWords mark fields that hold a secret, its hash or a code, as
// they stand in column names (code_hash) and in API names (codeHash).
var secretWords = []string{"hash", "password", "secret", "code", "token", "Hash", "Password", "Secret", "Code", "Token"}

// Secret reports whether a field's name says that it holds a secret, a
// hash of one or a code: such a field never enters the audit trail, not
// even as "changed".
func Secret(name string) bool {
	for _, w := range secretWords {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}
