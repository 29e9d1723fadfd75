package audit

import (
	"time"

	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/sqljson"

	"github.com/latchkey/latchkey/ent"
	"github.com/latchkey/latchkey/ent/auditevent"
	"github.com/latchkey/latchkey/ent/predicate"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/pulid"
)

// Filter narrows the trail (the GraphQL input AuditEventFilter). It has no
// edge predicates: targets are IDs, not links, so nothing it matches can
// reach rows the viewer may not read.
type Filter struct {
	ActorID        *pulid.ID
	TargetID       *pulid.ID
	Action         *enum.AuditAction
	ActionIn       []enum.AuditAction
	OccurredAfter  *time.Time
	OccurredBefore *time.Time
}

// Apply narrows q to the records f matches; a nil f matches all.
func (f *Filter) Apply(q *ent.AuditEventQuery) (*ent.AuditEventQuery, error) {
	if f == nil {
		return q, nil
	}
	var ps []predicate.AuditEvent
	if f.ActorID != nil {
		ps = append(ps, auditevent.Or(auditevent.ActorID(*f.ActorID), auditevent.ActorTokenID(*f.ActorID)))
	}
	if f.TargetID != nil {
		id := string(*f.TargetID)
		ps = append(ps, func(s *sql.Selector) { s.Where(sqljson.ValueContains(s.C(auditevent.FieldTargets), id)) })
	}
	if f.Action != nil {
		ps = append(ps, auditevent.ActionEQ(*f.Action))
	}
	if f.ActionIn != nil {
		ps = append(ps, auditevent.ActionIn(f.ActionIn...))
	}
	if f.OccurredAfter != nil {
		ps = append(ps, auditevent.OccurredAtGT(*f.OccurredAfter))
	}
	if f.OccurredBefore != nil {
		ps = append(ps, auditevent.OccurredAtLT(*f.OccurredBefore))
	}
	return q.Where(ps...), nil
}
