package graph

import (
	"context"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/accessevent"
	"github.com/latchkey/latchkey/ent/account"
	"github.com/latchkey/latchkey/ent/admin"
	"github.com/latchkey/latchkey/ent/apitoken"
	"github.com/latchkey/latchkey/ent/auditevent"
	"github.com/latchkey/latchkey/ent/device"
	"github.com/latchkey/latchkey/ent/invitation"
	"github.com/latchkey/latchkey/ent/permission"
	"github.com/latchkey/latchkey/ent/user"
	"github.com/latchkey/latchkey/ent/webhookdelivery"
	"github.com/latchkey/latchkey/ent/webhookendpoint"
	"github.com/latchkey/latchkey/internal/pulid"
)

// nodeTables maps ID prefixes (see ent/schema) to the tables node(id:) reads.
var nodeTables = map[string]string{
	"acc": account.Table,
	"usr": user.Table,
	"dev": device.Table,
	"prm": permission.Table,
	"inv": invitation.Table,
	"evt": accessevent.Table,
	"tok": apitoken.Table,
	"adm": admin.Table,
	"aud": auditevent.Table,
	"whe": webhookendpoint.Table,
	"whd": webhookdelivery.Table,
}

// nodeType finds the table of an ID; an ID with an unknown prefix is simply
// not found, like any other ID that names nothing.
func nodeType(_ context.Context, id pulid.ID) (string, error) {
	if t, ok := nodeTables[id.Prefix()]; ok {
		return t, nil
	}
	return "", &ent.NotFoundError{}
}
