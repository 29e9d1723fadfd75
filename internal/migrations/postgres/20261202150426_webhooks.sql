-- +goose Up
-- create "webhook_dispatch" table
CREATE TABLE "webhook_dispatch" (
  "id" character varying NOT NULL,
  "cursor_n" bigint NOT NULL,
  "cursor_id" character varying NOT NULL,
  "updated_at" timestamptz NOT NULL,
  PRIMARY KEY ("id")
);
-- create "webhook_endpoints" table
CREATE TABLE "webhook_endpoints" (
  "id" character varying NOT NULL,
  "created_at" timestamptz NOT NULL,
  "updated_at" timestamptz NOT NULL,
  "url" character varying NOT NULL,
  "description" character varying NULL,
  "event_types" jsonb NOT NULL,
  "enabled" boolean NOT NULL DEFAULT true,
  "disabled_at" timestamptz NULL,
  "disabled_reason" character varying NULL,
  "secret_key_id" character varying NOT NULL,
  "sealed_secret" bytea NOT NULL,
  "previous_sealed_secret" bytea NULL,
  "previous_secret_key_id" character varying NULL,
  "previous_secret_until" timestamptz NULL,
  "account_id" character varying NOT NULL,
  PRIMARY KEY ("id"),
  CONSTRAINT "webhook_endpoints_accounts_account" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION
);
-- create index "webhookendpoint_account_id" to table: "webhook_endpoints"
CREATE INDEX "webhookendpoint_account_id" ON "webhook_endpoints" ("account_id");
-- create "webhook_deliveries" table
CREATE TABLE "webhook_deliveries" (
  "id" character varying NOT NULL,
  "created_at" timestamptz NOT NULL,
  "updated_at" timestamptz NOT NULL,
  "event_id" character varying NOT NULL,
  "event_type" character varying NOT NULL,
  "payload" text NOT NULL,
  "status" character varying NOT NULL DEFAULT 'PENDING',
  "attempts" bigint NOT NULL DEFAULT 0,
  "next_attempt_at" timestamptz NOT NULL,
  "lease_until" timestamptz NULL,
  "last_attempt_at" timestamptz NULL,
  "last_status_code" bigint NULL,
  "last_duration_ms" bigint NULL,
  "last_error" character varying NULL,
  "delivered_at" timestamptz NULL,
  "account_id" character varying NOT NULL,
  "endpoint_id" character varying NOT NULL,
  PRIMARY KEY ("id"),
  CONSTRAINT "webhook_deliveries_accounts_account" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION,
  CONSTRAINT "webhook_deliveries_webhook_endpoints_deliveries" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints" ("id") ON UPDATE NO ACTION ON DELETE CASCADE
);
-- create index "webhookdelivery_account_id_created_at" to table: "webhook_deliveries"
CREATE INDEX "webhookdelivery_account_id_created_at" ON "webhook_deliveries" ("account_id", "created_at");
-- create index "webhookdelivery_endpoint_id_event_id" to table: "webhook_deliveries"
CREATE UNIQUE INDEX "webhookdelivery_endpoint_id_event_id" ON "webhook_deliveries" ("endpoint_id", "event_id");
-- create index "webhookdelivery_status_next_attempt_at" to table: "webhook_deliveries"
CREATE INDEX "webhookdelivery_status_next_attempt_at" ON "webhook_deliveries" ("status", "next_attempt_at");

-- +goose Down
-- reverse: create index "webhookdelivery_status_next_attempt_at" to table: "webhook_deliveries"
DROP INDEX "webhookdelivery_status_next_attempt_at";
-- reverse: create index "webhookdelivery_endpoint_id_event_id" to table: "webhook_deliveries"
DROP INDEX "webhookdelivery_endpoint_id_event_id";
-- reverse: create index "webhookdelivery_account_id_created_at" to table: "webhook_deliveries"
DROP INDEX "webhookdelivery_account_id_created_at";
-- reverse: create "webhook_deliveries" table
DROP TABLE "webhook_deliveries";
-- reverse: create index "webhookendpoint_account_id" to table: "webhook_endpoints"
DROP INDEX "webhookendpoint_account_id";
-- reverse: create "webhook_endpoints" table
DROP TABLE "webhook_endpoints";
-- reverse: create "webhook_dispatch" table
DROP TABLE "webhook_dispatch";
