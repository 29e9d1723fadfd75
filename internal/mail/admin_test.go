package mail

import (
	"strings"
	"testing"
	"time"
)

func TestRenderAdminInvitationEveryLanguage(t *testing.T) {
	link := "https://locks.example.com/admin/set-password/lk_abc"
	for _, lang := range Languages {
		m, err := RenderAdminInvitation(AdminInvitation{
			Language: lang, AccountName: "Acme\nHousing", AdminName: "Ada", Role: "ADMIN",
			Link: link, ExpiresAt: time.Date(2026, 3, 3, 14, 30, 0, 0, time.UTC),
		})
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		for _, part := range []string{m.Text, m.HTML} {
			if !strings.Contains(part, link) || !strings.Contains(part, "ADMIN") || !strings.Contains(part, "2026") {
				t.Errorf("%s: body lacks the link, the role or the expiry:\n%s", lang, part)
			}
		}
		if !strings.Contains(m.Subject, "Acme Housing") {
			t.Errorf("%s: subject %q lacks the account", lang, m.Subject)
		}
	}
	if _, err := RenderAdminInvitation(AdminInvitation{Language: "EN", Link: "javascript:alert(1)", ExpiresAt: time.Now()}); err == nil {
		t.Error("a javascript: link was rendered")
	}
}
