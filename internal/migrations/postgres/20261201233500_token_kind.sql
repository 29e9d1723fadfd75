-- +goose Up
-- add "kind" to "api_tokens" and state it for the tokens there (written by
-- hand): a token with a user is an APP token, the others are ADMIN tokens,
-- except the app tokens whose user was deleted (ON DELETE SET NULL left them
-- named "app" without a user), which are deleted
ALTER TABLE "api_tokens" ADD COLUMN "kind" character varying NULL;
DELETE FROM "api_tokens" WHERE "user_id" IS NULL AND "name" = 'app';
UPDATE "api_tokens" SET "kind" = CASE WHEN "user_id" IS NULL THEN 'ADMIN' ELSE 'APP' END;
-- modify "api_tokens" table
ALTER TABLE "api_tokens" DROP CONSTRAINT "api_tokens_users_user", ADD CONSTRAINT "api_tokens_kind_user" CHECK (((kind)::text = 'APP'::text) = (user_id IS NOT NULL)), ALTER COLUMN "kind" SET NOT NULL, ADD
CONSTRAINT "api_tokens_users_user" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE CASCADE;

-- +goose Down
-- reverse: modify "api_tokens" table
ALTER TABLE "api_tokens" DROP CONSTRAINT "api_tokens_users_user", DROP COLUMN "kind", DROP CONSTRAINT "api_tokens_kind_user", ADD
CONSTRAINT "api_tokens_users_user" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
