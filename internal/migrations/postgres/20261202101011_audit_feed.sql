-- +goose Up
-- drop index "auditevent_account_id" from table: "audit_events"
DROP INDEX "auditevent_account_id";
-- modify "audit_events" table
ALTER TABLE "audit_events" ADD COLUMN "feed_tx" bigint NULL DEFAULT ((pg_current_xact_id())::text)::bigint;
-- create index "auditevent_feed_tx" to table: "audit_events"
CREATE INDEX "auditevent_feed_tx" ON "audit_events" ("feed_tx");

-- +goose Down
-- reverse: create index "auditevent_feed_tx" to table: "audit_events"
DROP INDEX "auditevent_feed_tx";
-- reverse: modify "audit_events" table
ALTER TABLE "audit_events" DROP COLUMN "feed_tx";
-- reverse: drop index "auditevent_account_id" from table: "audit_events"
CREATE INDEX "auditevent_account_id" ON "audit_events" ("account_id");
