package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"

	"github.com/latchkey/latchkey/internal/auth"
)

// WebhookDispatch is the position up to which the change feed has been
// turned into webhook deliveries: one row for the whole database, locked
// by the one dispatcher that advances it, so that every feed record
// becomes its deliveries exactly once whichever instance reads it.
type WebhookDispatch struct{ ent.Schema }

func (WebhookDispatch) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").MaxLen(16).Immutable().Comment(`The row's name ("feed"); there is one.`),
		field.Int64("cursor_n").Comment("The feed position's first part (internal/feed.Cursor.N)."),
		field.String("cursor_id").Comment("The feed position's audit record ID (internal/feed.Cursor.ID)."),
		field.Time("updated_at").Comment("When the dispatcher last moved it."),
	}
}

func (WebhookDispatch) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll), entsql.Annotation{Table: "webhook_dispatch"}}
}

// Policy leaves the row to the server itself (SystemContext).
func (WebhookDispatch) Policy() ent.Policy { return auth.SystemOnlyPolicy() }
