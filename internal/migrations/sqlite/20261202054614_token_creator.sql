-- +goose Up
-- add column "created_by_id" to table: "api_tokens"
ALTER TABLE `api_tokens` ADD COLUMN `created_by_id` text NULL;
-- add column "created_by_name" to table: "api_tokens"
ALTER TABLE `api_tokens` ADD COLUMN `created_by_name` text NULL;

-- +goose Down
-- reverse: add column "created_by_name" to table: "api_tokens"
ALTER TABLE `api_tokens` DROP COLUMN `created_by_name`;
-- reverse: add column "created_by_id" to table: "api_tokens"
ALTER TABLE `api_tokens` DROP COLUMN `created_by_id`;
