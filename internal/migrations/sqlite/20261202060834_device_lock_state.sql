-- +goose Up
-- add column "lock_state" to table: "devices"
ALTER TABLE `devices` ADD COLUMN `lock_state` text NULL;
-- add column "lock_state_reported_at" to table: "devices"
ALTER TABLE `devices` ADD COLUMN `lock_state_reported_at` datetime NULL;

-- +goose Down
-- reverse: add column "lock_state_reported_at" to table: "devices"
ALTER TABLE `devices` DROP COLUMN `lock_state_reported_at`;
-- reverse: add column "lock_state" to table: "devices"
ALTER TABLE `devices` DROP COLUMN `lock_state`;
