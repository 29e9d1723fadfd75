package auth

import (
	"errors"
	"testing"

	"github.com/latchkey/latchkey/internal/apperr"
)

// TestAuditTrailIsForStaff: the audit trail is read from VIEWER up, never
// with an app token or without a token.
func TestAuditTrailIsForStaff(t *testing.T) {
	for _, c := range []struct {
		v    *Viewer
		want error
	}{
		{&Viewer{AccountID: "acc_1", Role: RoleOwner}, nil},
		{&Viewer{AccountID: "acc_1", Role: RoleAdmin}, nil},
		{&Viewer{AccountID: "acc_1", Role: RoleViewer}, nil},
		{&Viewer{AccountID: "acc_1", Role: RoleUser, UserID: "usr_1"}, apperr.ErrForbidden},
		{nil, apperr.ErrUnauthenticated},
	} {
		var err error
		if e := May(c.v, "Query.auditEvents"); e != nil {
			err = e
		}
		if !errors.Is(err, c.want) {
			t.Errorf("%+v: %v, want %v", c.v, err, c.want)
		}
	}
}
