package ent

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCollectionTemplateMatchesEntgql: template/collection.tmpl is entgql's
// gql_collection with one addition (marked "latchkey"). When go.mod moves
// entgql to a template that differs, the copy must be redone from it.
func TestCollectionTemplateMatchesEntgql(t *testing.T) {
	dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "entgo.io/contrib").Output()
	if err != nil {
		t.Fatal(err)
	}
	upstream, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(dir)), "entgql", "template", "collection.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	own, err := os.ReadFile("template/collection.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	text := string(own)
	// The addition runs from its marker to the end of its {{ if }}.
	start := strings.Index(text, "\t\t\t\t{{- /* latchkey:")
	end := strings.Index(text[max(start, 0):], "\t\t\t\t{{- end }}\n")
	define := strings.Index(text, `{{ define "gql_collection" }}`)
	if start < 0 || end < 0 || define < 0 {
		t.Fatal("template/collection.tmpl has no gql_collection with the restrictions addition")
	}
	copied := text[define:start] + text[start+end+len("\t\t\t\t{{- end }}\n"):]
	if !strings.Contains(string(upstream), copied) {
		t.Fatal("entgql's gql_collection changed; redo template/collection.tmpl from it")
	}
}
