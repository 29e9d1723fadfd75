package main

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
)

// TestHelpAndSchemaCommands: --help, -h and help list every command;
// schema prints the committed schema.graphql; neither reads the
// configuration (no secret file appears in the working folder).
func TestHelpAndSchemaCommands(t *testing.T) {
	committed, err := os.ReadFile("schema.graphql")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	log := slog.New(slog.DiscardHandler)
	for _, arg := range []string{"--help", "-h", "help"} {
		var out bytes.Buffer
		if err := run([]string{arg}, &out, io.Discard, log); err != nil {
			t.Fatalf("%s: %v", arg, err)
		}
		for _, cmd := range []string{"serve", "account create --name NAME", "seed", "next to the accounts already", "migrate", "schema"} {
			if !strings.Contains(out.String(), cmd) {
				t.Errorf("%s does not mention %q:\n%s", arg, cmd, out.String())
			}
		}
	}
	var out bytes.Buffer
	if err := run([]string{"schema"}, &out, io.Discard, log); err != nil {
		t.Fatal(err)
	}
	if out.String() != string(committed) {
		t.Error("latchkey schema differs from schema.graphql")
	}
	// An incomplete command, or one with words it does not take (serve
	// --help started a server), is unknown and reads no configuration.
	for _, args := range [][]string{{"frob"}, {"serve", "--help"}, {"account"}, {"admin", "--help"}, {"migrate", "now"}} {
		err = run(args, &out, io.Discard, log)
		if err == nil || !strings.Contains(err.Error(), "--help") {
			t.Errorf("%q: %v", args, err)
		}
	}
	if entries, _ := os.ReadDir("."); len(entries) != 0 {
		t.Errorf("the commands left %d files in the working folder", len(entries))
	}
}
