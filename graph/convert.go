package graph

import (
	"context"
	"fmt"
	"time"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/graph/model"
	"github.com/latchkey/latchkey/internal/access"
	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/door"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/zone"
)

// invitationStatus derives EXPIRED from the clock, so no job has to flip it.
func invitationStatus(inv *ent.Invitation, now time.Time) enum.InvitationStatus {
	if inv.Status == enum.InvitationPending && !now.Before(inv.ExpiresAt) {
		return enum.InvitationExpired
	}
	return inv.Status
}

func viewer(ctx context.Context) (*auth.Viewer, error) {
	v := auth.FromContext(ctx)
	if v == nil {
		return nil, apperr.ErrUnauthenticated
	}
	return v, nil
}

// viewerRole names each role; a role without a name here is an error,
// never shown as another.
func viewerRole(v *auth.Viewer) (model.ViewerRole, error) {
	switch v.Role {
	case auth.RoleOwner:
		return model.ViewerRoleOwner, nil
	case auth.RoleAdmin:
		return model.ViewerRoleAdmin, nil
	case auth.RoleViewer:
		return model.ViewerRoleViewer, nil
	case auth.RoleUser:
		return model.ViewerRoleUser, nil
	}
	return "", fmt.Errorf("graph: role %d has no name", v.Role)
}

// schedule summarises a permission's restrictions in its device's zone.
func schedule(ctx context.Context, p *ent.Permission) (string, error) {
	d, err := p.Device(ctx)
	if err != nil {
		return "", err
	}
	loc, err := zone.Load(d.TimeZone)
	if err != nil {
		return "", err
	}
	rule := door.RuleOf(p)
	return access.Schedule(&rule, loc), nil
}
