// Package demo fills a database with a demo account of realistic shape
// (`latchkey seed`), for trying the product and for the load benchmarks.
package demo

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/internal/account"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/grant"
	"github.com/latchkey/latchkey/internal/outbox"
	"github.com/latchkey/latchkey/internal/pulid"
)

// Shape is the size of a demo data set.
type Shape struct {
	Users, Devices, PermissionsPerUser int
}

// DefaultShape is the shape `latchkey seed` uses without flags.
var DefaultShape = Shape{Users: 1000, Devices: 20, PermissionsPerUser: 5}

var seedZones = []string{"Europe/Berlin", "Europe/Prague", "America/New_York", "Australia/Sydney", "UTC"}

// Seed creates an account filled with a realistic data set of the given
// shape and returns its admin token. Permissions get varied restrictions:
// office hours on weekdays, overnight windows, validity periods, remote
// opening, and none at all; a fifth of them are still pending.
func Seed(ctx context.Context, client *ent.Client, name string, shape Shape, now time.Time) (string, error) {
	if shape.PermissionsPerUser > shape.Devices {
		return "", fmt.Errorf("seed: %d permissions per user need at least as many devices, not %d", shape.PermissionsPerUser, shape.Devices)
	}
	acc, token, err := account.Create(ctx, client, name)
	if err != nil {
		return "", err
	}
	ctx = auth.NewContext(ctx, &auth.Viewer{AccountID: acc.ID, Role: auth.RoleOwner, Name: "demo"})
	devs := make([]*ent.DeviceCreate, shape.Devices)
	for i := range devs {
		devs[i] = client.Device.Create().SetName(fmt.Sprintf("Door %d", i+1)).SetTimeZone(seedZones[i%len(seedZones)])
	}
	devices, err := bulk[*ent.Device](ctx, devs, client.Device.CreateBulk)
	if err != nil {
		return "", err
	}
	users := make([]*ent.UserCreate, shape.Users)
	for i := range users {
		users[i] = client.User.Create().SetName(fmt.Sprintf("User %d", i+1)).SetEmail(fmt.Sprintf("user%d@example.com", i+1))
	}
	us, err := bulk[*ent.User](ctx, users, client.User.CreateBulk)
	if err != nil {
		return "", err
	}
	// Each user's permissions came from earlier grants: the active ones
	// from an invitation redeemed a week ago, the pending ones from one
	// still open, and the mail of each was sent.
	var perms []*ent.PermissionCreate
	var grants []pastGrant
	for i, u := range us {
		byPending := map[bool][]*ent.PermissionCreate{}
		for j := range shape.PermissionsPerUser {
			p, pending := seedPermission(client, u.ID, devices[(i+j)%len(devices)].ID, i*shape.PermissionsPerUser+j, now)
			byPending[pending] = append(byPending[pending], p)
		}
		for _, pending := range []bool{false, true} {
			if len(byPending[pending]) == 0 {
				continue
			}
			g := pastGrant{user: u, invitation: pulid.New("inv"), pending: pending, issued: now.AddDate(0, 0, -7)}
			if pending {
				g.issued = now.Add(-time.Hour)
			}
			for _, p := range byPending[pending] {
				p.SetInvitationID(g.invitation)
			}
			perms = append(perms, byPending[pending]...)
			grants = append(grants, g)
		}
	}
	invs := make([]*ent.InvitationCreate, len(grants))
	mails := make([]*ent.OutboxCreate, len(grants))
	for i, g := range grants {
		invs[i], mails[i] = g.create(client, name)
	}
	if _, err := bulk[*ent.Invitation](ctx, invs, client.Invitation.CreateBulk); err != nil {
		return "", err
	}
	if _, err := bulk[*ent.Permission](ctx, perms, client.Permission.CreateBulk); err != nil {
		return "", err
	}
	_, err = bulk[*ent.Outbox](ctx, mails, client.Outbox.CreateBulk)
	return token, err
}

// pastGrant is a grant of the demo data set's history.
type pastGrant struct {
	user       *ent.User
	invitation pulid.ID
	pending    bool
	issued     time.Time
}

// create returns the grant's invitation, redeemed an hour after it was
// issued unless pending, and the record of its mail as the outbox keeps a
// sent one (bodies emptied). The code hash is random: no code redeems it.
func (g pastGrant) create(c *ent.Client, account string) (*ent.InvitationCreate, *ent.OutboxCreate) {
	inv := c.Invitation.Create().SetID(g.invitation).SetUserID(g.user.ID).SetLanguage(g.user.Language).
		SetCodeHash(rand.Text()).SetDelivery(enum.DeliverySent).
		SetCreatedAt(g.issued).SetExpiresAt(g.issued.Add(grant.InvitationTTL))
	if !g.pending {
		inv.SetStatus(enum.InvitationRedeemed).SetRedeemedAt(g.issued.Add(time.Hour))
	}
	sent := g.issued.Add(time.Second)
	mail := c.Outbox.Create().SetInvitationID(g.invitation).
		SetToAddress(g.user.Email).SetToName(g.user.Name).SetSubject("Your invitation from " + account).
		SetKeyID(outbox.PlainKey).SetStatus(enum.DeliverySent).SetAttempts(1).
		SetCreatedAt(g.issued).SetNextAttemptAt(g.issued).SetSentAt(sent)
	return inv, mail
}

// seedPermission varies restrictions by n; it reports whether the
// permission is pending.
func seedPermission(c *ent.Client, user, device pulid.ID, n int, now time.Time) (*ent.PermissionCreate, bool) {
	p := c.Permission.Create().SetUserID(user).SetDeviceID(device).SetStatus("ACTIVE")
	var weekdays uint8 = 0b1111100 // Mon–Fri
	from, until := int16(8*60), int16(18*60)
	switch n % 5 {
	case 0: // office hours
		p.SetWeekdays(weekdays).SetDailyFrom(from).SetDailyUntil(until)
	case 1: // night shift
		p.SetDailyFrom(22 * 60).SetDailyUntil(6 * 60).SetRemoteAllowed(true)
	case 2: // a stay
		p.SetValidFrom(now.AddDate(0, 0, -7)).SetValidUntil(now.AddDate(0, 1, 0))
	case 3: // pending invitation
		p.SetStatus("PENDING")
		return p, true
	}
	return p, false
}

type bulkSaver[T any] interface {
	Save(context.Context) ([]T, error)
}

// bulk creates rows in batches of 1,000, which both databases accept as
// one statement.
func bulk[T any, C any, B bulkSaver[T]](ctx context.Context, builders []C, create func(...C) B) ([]T, error) {
	out := make([]T, 0, len(builders))
	for len(builders) > 0 {
		k := min(len(builders), 1000)
		rows, err := create(builders[:k]...).Save(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
		builders = builders[k:]
	}
	return out, nil
}
