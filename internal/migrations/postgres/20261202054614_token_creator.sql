-- +goose Up
-- modify "api_tokens" table
ALTER TABLE "api_tokens" ADD COLUMN "created_by_id" character varying NULL, ADD COLUMN "created_by_name" character varying NULL;

-- +goose Down
-- reverse: modify "api_tokens" table
ALTER TABLE "api_tokens" DROP COLUMN "created_by_name", DROP COLUMN "created_by_id";
