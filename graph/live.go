package graph

import (
	"context"

	"github.com/latchkey/latchkey/graph/model"
	"github.com/latchkey/latchkey/internal/apperr"
	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/feed"
	"github.com/latchkey/latchkey/internal/live"
	"github.com/latchkey/latchkey/internal/pulid"
)

// changeTypes are the ID prefixes of each ChangeType.
var changeTypes = map[model.ChangeType]string{
	model.ChangeTypeUser:        live.PrefixUser,
	model.ChangeTypeDevice:      live.PrefixDevice,
	model.ChangeTypePermission:  live.PrefixPermission,
	model.ChangeTypeInvitation:  live.PrefixInvitation,
	model.ChangeTypeAccessEvent: live.PrefixAccessEvent,
	model.ChangeTypeAdmin:       live.PrefixAdmin,
	model.ChangeTypeAPIToken:    live.PrefixToken,
}

// errNotLive answers a subscription sent over plain HTTP.
var errNotLive = apperr.Invalid("", "subscriptions are served over WebSocket (graphql-transport-ws) and Server-Sent Events (graphql-sse) on /query")

// subscribe is Subscription.changes: the resume point judged first, then
// a place on the connection, then the feed.
func (r *Resolver) subscribe(ctx context.Context, after *string, types []model.ChangeType, userID, deviceID *pulid.ID) (<-chan *live.Change, error) {
	var from *feed.Cursor
	if after != nil {
		c, ok := feed.ParseCursor(*after)
		if !ok {
			return nil, apperr.Invalid("after", "is not an eventID of this API")
		}
		from = &c
	}
	if id, ok := live.ResumeFrom(ctx); ok {
		c, ok := feed.ParseCursor(id)
		if !ok {
			return nil, apperr.Invalid("Last-Event-ID", "is not an eventID of this API")
		}
		from = &c
	}
	conn := live.ConnFrom(ctx)
	if conn == nil || r.live == nil {
		return nil, errNotLive
	}
	if !conn.Acquire() {
		return nil, apperr.New(apperr.SubscriptionLimitExceeded, "a connection holds at most %d subscriptions", r.live.PerConnection())
	}
	f := live.Filter{}
	for _, t := range types {
		f.Prefixes = append(f.Prefixes, changeTypes[t])
	}
	if userID != nil {
		f.UserID = *userID
	}
	if deviceID != nil {
		f.DeviceID = *deviceID
	}
	ch, err := r.live.Subscribe(ctx, auth.FromContext(ctx), from, f)
	if err != nil {
		conn.Release()
		return nil, err
	}
	context.AfterFunc(ctx, conn.Release)
	return ch, nil
}

// validEventID reports whether s is an eventID this server issues
// (graph.InputLimits judges every EventID argument with it).
func validEventID(s string) bool {
	_, ok := feed.ParseCursor(s)
	return ok
}
