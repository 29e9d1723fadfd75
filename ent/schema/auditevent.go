package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/latchkey/latchkey/internal/auth"
	"github.com/latchkey/latchkey/internal/changes"
	"github.com/latchkey/latchkey/internal/enum"
	"github.com/latchkey/latchkey/internal/pulid"
)

// AuditEvent records one write: who did it, what it did to which records,
// the fields it changed, and from where. Records are appended in the
// write's transaction (internal/audit) and never changed; the retention
// sweep removes old ones. Targets are IDs, not edges: a record outlives
// what it names.
type AuditEvent struct{ ent.Schema }

func (AuditEvent) Mixin() []ent.Mixin {
	return []ent.Mixin{idMixin{prefix: "aud"}, tenantMixin{covered: true}}
}

func (AuditEvent) Fields() []ent.Field {
	// The actor travels as one object (schema/audit.graphql).
	actor := entgql.Skip(entgql.SkipAll)
	return []ent.Field{
		field.Enum("actor_kind").GoType(enum.ActorKind("")).Immutable().Annotations(actor),
		field.String("actor_id").GoType(pulid.ID("")).Optional().Nillable().Immutable().Annotations(actor).
			Comment("The admin of a session, the API or app token; null for the server."),
		field.String("actor_token_id").GoType(pulid.ID("")).Optional().Nillable().Immutable().Annotations(actor).
			Comment("The credential the request came with (the session of an admin)."),
		field.String("actor_name").Immutable().Annotations(actor).
			Comment("The actor's name at the time."),
		field.Enum("action").GoType(enum.AuditAction("")).Immutable().
			Annotations(entgql.Type("AuditAction")).
			Comment("What was done."),
		field.JSON("targets", []pulid.ID{}).Immutable().
			Annotations(entgql.Type("[ID!]")).
			Comment("The IDs of the records the write created, changed or removed, the main one first (a grant: the user, the invitation, then each permission and its device). They may no longer exist."),
		field.JSON("changes", []changes.Field{}).Immutable().
			Annotations(entgql.Type("[AuditChange!]")).
			Comment("The fields the write changed, with their values before and after; never a secret, a hash or a code. Empty for a write that changes no field of its own."),
		field.String("request_id").Immutable().
			Comment("The id of the request (the X-Request-ID header of its response), to find it in the server's log."),
		field.String("client_address").Immutable().
			Comment("The address of the client, as the server decided it (see TRUSTED_PROXIES); empty when unknown."),
		field.Time("occurred_at").Default(time.Now).Immutable().
			Annotations(entgql.OrderField("OCCURRED_AT")).
			Comment("When the write was made, by the server's clock."),
		// The change feed's order (internal/feed): on PostgreSQL the
		// writing transaction's id, so that a reader can wait for every
		// transaction older than the oldest running one; SQLite, with one
		// writer, orders by rowid and leaves it 0.
		field.Int64("feed_tx").Optional().Immutable().
			Annotations(entgql.Skip(entgql.SkipAll), entsql.DefaultExprs(map[string]string{
				dialect.Postgres: "(pg_current_xact_id())::text::bigint",
				dialect.SQLite:   "0",
			})),
	}
}

func (AuditEvent) Indexes() []ent.Index {
	return []ent.Index{
		// Newest first within an account, the trail's one order.
		index.Fields("account_id", "occurred_at"),
		index.Fields("occurred_at"),
		index.Fields("feed_tx"),
	}
}

func (AuditEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.Skip(entgql.SkipWhereInput),
		entsql.Annotation{Table: "audit_events"},
	}
}

// Policy keeps the rows of one account to that account, and the trail
// append-only: the API may read and add records, never change or remove one.
func (AuditEvent) Policy() ent.Policy { return auth.AppendOnlyPolicy() }
