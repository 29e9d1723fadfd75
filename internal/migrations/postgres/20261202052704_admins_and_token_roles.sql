-- +goose Up
-- create "admins" table
CREATE TABLE "admins" (
  "id" character varying NOT NULL,
  "created_at" timestamptz NOT NULL,
  "updated_at" timestamptz NOT NULL,
  "version" bigint NOT NULL DEFAULT 1,
  "name" character varying NOT NULL,
  "email" character varying NOT NULL,
  "role" character varying NOT NULL,
  "password_hash" character varying NULL,
  "disabled" boolean NOT NULL DEFAULT false,
  "last_sign_in_at" timestamptz NULL,
  "account_id" character varying NOT NULL,
  PRIMARY KEY ("id"),
  CONSTRAINT "admins_accounts_account" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION
);
-- create index "admin_account_id" to table: "admins"
CREATE INDEX "admin_account_id" ON "admins" ("account_id");
-- create index "admin_account_id_email" to table: "admins"
CREATE UNIQUE INDEX "admin_account_id_email" ON "admins" ("account_id", "email");
-- modify "api_tokens" table, stating the role of the tokens there (written
-- by hand): every ADMIN token administered everything, so it becomes an API
-- token with the role OWNER
ALTER TABLE "api_tokens" DROP CONSTRAINT "api_tokens_kind_user", ADD COLUMN "role" character varying NULL, ADD COLUMN "expires_at" timestamptz NULL, ADD COLUMN "last_used_at" timestamptz NULL, ADD COLUMN "admin_id" character varying NULL, ADD
CONSTRAINT "api_tokens_admins_admin" FOREIGN KEY ("admin_id") REFERENCES "admins" ("id") ON UPDATE NO ACTION ON DELETE CASCADE;
UPDATE "api_tokens" SET "kind" = 'API', "role" = 'OWNER' WHERE "kind" = 'ADMIN';
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_kind_owner" CHECK ((((kind)::text = 'APP'::text) = (user_id IS NOT NULL)) AND (((kind)::text = 'SESSION'::text) = (admin_id IS NOT NULL)) AND (((kind)::text = 'API'::text) = (role IS NOT NULL)));

-- +goose Down
-- reverse: modify "api_tokens" table (sessions cannot be kept; API tokens
-- become ADMIN tokens again)
DELETE FROM "api_tokens" WHERE "kind" = 'SESSION';
ALTER TABLE "api_tokens" DROP CONSTRAINT "api_tokens_kind_owner";
UPDATE "api_tokens" SET "kind" = 'ADMIN' WHERE "kind" = 'API';
ALTER TABLE "api_tokens" DROP CONSTRAINT "api_tokens_admins_admin", DROP COLUMN "admin_id", DROP COLUMN "last_used_at", DROP COLUMN "expires_at", DROP COLUMN "role", ADD CONSTRAINT "api_tokens_kind_user" CHECK (((kind)::text = 'APP'::text) = (user_id IS NOT NULL));
-- reverse: create index "admin_account_id_email" to table: "admins"
DROP INDEX "admin_account_id_email";
-- reverse: create index "admin_account_id" to table: "admins"
DROP INDEX "admin_account_id";
-- reverse: create "admins" table
DROP TABLE "admins";
