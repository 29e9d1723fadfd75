-- +goose Up
-- modify "devices" table
ALTER TABLE "devices" ADD COLUMN "lock_state" character varying NULL, ADD COLUMN "lock_state_reported_at" timestamptz NULL;

-- +goose Down
-- reverse: modify "devices" table
ALTER TABLE "devices" DROP COLUMN "lock_state_reported_at", DROP COLUMN "lock_state";
