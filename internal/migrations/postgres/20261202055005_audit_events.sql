-- +goose Up
-- create "audit_events" table
CREATE TABLE "audit_events" (
  "id" character varying NOT NULL,
  "actor_kind" character varying NOT NULL,
  "actor_id" character varying NULL,
  "actor_token_id" character varying NULL,
  "actor_name" character varying NOT NULL,
  "action" character varying NOT NULL,
  "targets" jsonb NOT NULL,
  "changes" jsonb NOT NULL,
  "request_id" character varying NOT NULL,
  "client_address" character varying NOT NULL,
  "occurred_at" timestamptz NOT NULL,
  "account_id" character varying NOT NULL,
  PRIMARY KEY ("id"),
  CONSTRAINT "audit_events_accounts_account" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION
);
-- create index "auditevent_account_id" to table: "audit_events"
CREATE INDEX "auditevent_account_id" ON "audit_events" ("account_id");
-- create index "auditevent_account_id_occurred_at" to table: "audit_events"
CREATE INDEX "auditevent_account_id_occurred_at" ON "audit_events" ("account_id", "occurred_at");
-- create index "auditevent_occurred_at" to table: "audit_events"
CREATE INDEX "auditevent_occurred_at" ON "audit_events" ("occurred_at");

-- +goose Down
-- reverse: create index "auditevent_occurred_at" to table: "audit_events"
DROP INDEX "auditevent_occurred_at";
-- reverse: create index "auditevent_account_id_occurred_at" to table: "audit_events"
DROP INDEX "auditevent_account_id_occurred_at";
-- reverse: create index "auditevent_account_id" to table: "audit_events"
DROP INDEX "auditevent_account_id";
-- reverse: create "audit_events" table
DROP TABLE "audit_events";
