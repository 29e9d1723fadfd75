-- +goose Up
-- create "admin_codes" table
CREATE TABLE "admin_codes" (
  "id" character varying NOT NULL,
  "created_at" timestamptz NOT NULL,
  "updated_at" timestamptz NOT NULL,
  "code_hash" character varying NOT NULL,
  "expires_at" timestamptz NOT NULL,
  "used_at" timestamptz NULL,
  "account_id" character varying NOT NULL,
  "admin_id" character varying NOT NULL,
  PRIMARY KEY ("id"),
  CONSTRAINT "admin_codes_accounts_account" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION,
  CONSTRAINT "admin_codes_admins_admin" FOREIGN KEY ("admin_id") REFERENCES "admins" ("id") ON UPDATE NO ACTION ON DELETE CASCADE
);
-- create index "admin_codes_code_hash_key" to table: "admin_codes"
CREATE UNIQUE INDEX "admin_codes_code_hash_key" ON "admin_codes" ("code_hash");
-- create index "admincode_account_id" to table: "admin_codes"
CREATE INDEX "admincode_account_id" ON "admin_codes" ("account_id");
-- create index "admincode_admin_id" to table: "admin_codes"
CREATE INDEX "admincode_admin_id" ON "admin_codes" ("admin_id");

-- +goose Down
-- reverse: create index "admincode_admin_id" to table: "admin_codes"
DROP INDEX "admincode_admin_id";
-- reverse: create index "admincode_account_id" to table: "admin_codes"
DROP INDEX "admincode_account_id";
-- reverse: create index "admin_codes_code_hash_key" to table: "admin_codes"
DROP INDEX "admin_codes_code_hash_key";
-- reverse: create "admin_codes" table
DROP TABLE "admin_codes";
