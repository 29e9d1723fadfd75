package zone

import (
	"strings"
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	for _, name := range []string{"Europe/Berlin", "Europe/Berlin", "UTC", "America/New_York"} {
		got, err := Load(name)
		want, wantErr := time.LoadLocation(name)
		if err != nil || wantErr != nil || got.String() != want.String() {
			t.Fatalf("Load(%q) = %v, %v; time.LoadLocation gives %v, %v", name, got, err, want, wantErr)
		}
		at := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
		if a, b := at.In(got).Format(time.RFC3339), at.In(want).Format(time.RFC3339); a != b {
			t.Errorf("%s: %s, want %s", name, a, b)
		}
	}
	if _, err := Load("Mars/Olympus_Mons"); err == nil {
		t.Error("an unknown zone loaded")
	}
	if _, ok := loaded.Load("Mars/Olympus_Mons"); ok {
		t.Error("an unknown zone was remembered")
	}
}

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load("Europe/Prague"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCheck: canonical zones pass and load; the other names LoadLocation
// takes are refused, old names with their canonical zone in the error.
func TestCheck(t *testing.T) {
	for name := range canonical {
		if err := Check(name); err != nil {
			t.Errorf("Check(%q) = %v", name, err)
		}
		if _, err := time.LoadLocation(name); err != nil {
			t.Errorf("canonical zone %q does not load: %v", name, err)
		}
	}
	for alias, c := range aliasOf {
		if !canonical[c] {
			t.Errorf("%s is an alias of %s, which is not canonical", alias, c)
		}
	}
	for name, hint := range map[string]string{
		"": "", "Local": "", "localtime": "", "posixrules": "", "Factory": "", "right/UTC": "", "posix/Europe/Berlin": "",
		"right/Europe/Berlin": "", "zone.tab": "", "Europe": "", "europe/berlin": "", "Mars/Olympus_Mons": "",
		"US/Pacific": "America/Los_Angeles", "Asia/Calcutta": "Asia/Kolkata", "Europe/Kiev": "Europe/Kyiv",
		"Etc/UTC": "UTC", "GMT": "UTC", "Zulu": "UTC",
	} {
		err := Check(name)
		if err == nil {
			t.Errorf("Check(%q) accepted it", name)
			continue
		}
		if hint != "" && !strings.HasSuffix(err.Error(), " of "+hint) {
			t.Errorf("Check(%q) = %v, want it to name %s", name, err, hint)
		}
	}
	for _, name := range []string{"UTC", "Europe/Berlin", "Europe/Copenhagen", "America/Argentina/Buenos_Aires", "Asia/Kolkata", "Antarctica/Troll"} {
		if err := Check(name); err != nil {
			t.Errorf("Check(%q) = %v", name, err)
		}
	}
}
