package zone

import (
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
