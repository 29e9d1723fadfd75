package main

import (
	"strings"
	"testing"
)

const collectField = `func (_q *PermissionQuery) collectField(ctx context.Context) error {
	for _, field := range graphql.CollectFields(opCtx, collected.Selections, satisfies) {
		switch field.Name {
		case "status":
			selectedFields = append(selectedFields, permission.FieldStatus)
		case "id":
		case "__typename":
		default:
			unknownSeen = true
		}
	}
	return nil
}
`

func TestPatch(t *testing.T) {
	other := "func (_q *UserQuery) collectField(ctx context.Context) error {\n\t\tcase \"id\":\n}\n"
	out, err := patch(other + collectField)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, other) {
		t.Errorf("another entity's collection changed:\n%s", out)
	}
	if i, j := strings.Index(out, `case "restrictions":`), strings.Index(out, `case "id":`+"\n\t\tcase \"__typename\""); i < len(other) || j < i {
		t.Errorf("restrictions case missing or misplaced:\n%s", out)
	}
	again, err := patch(out)
	if err != nil || again != out {
		t.Errorf("a second run changed the output (%v):\n%s", err, again)
	}
	if _, err := patch(other); err == nil {
		t.Error("no error without Permission's collection")
	}
	if _, err := patch(strings.Replace(collectField, "case \"id\":\n", "", 1)); err == nil {
		t.Error("no error without the anchor")
	}
}
