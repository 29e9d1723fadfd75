-- +goose NO TRANSACTION
-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_api_tokens" table
CREATE TABLE `new_api_tokens` (
  `id` text NOT NULL,
  `created_at` datetime NOT NULL,
  `updated_at` datetime NOT NULL,
  `name` text NOT NULL DEFAULT ('admin'),
  `token_hash` text NOT NULL,
  `kind` text NOT NULL,
  `role` text NULL,
  `expires_at` datetime NULL,
  `last_used_at` datetime NULL,
  `account_id` text NOT NULL,
  `user_id` text NULL,
  `admin_id` text NULL,
  PRIMARY KEY (`id`),
  CONSTRAINT `api_tokens_accounts_account` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION,
  CONSTRAINT `api_tokens_users_user` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE,
  CONSTRAINT `api_tokens_admins_admin` FOREIGN KEY (`admin_id`) REFERENCES `admins` (`id`) ON DELETE CASCADE,
  CONSTRAINT `api_tokens_kind_owner` CHECK (((kind = 'APP') = (user_id IS NOT NULL)) AND ((kind = 'SESSION') = (admin_id IS NOT NULL)) AND ((kind = 'API') = (role IS NOT NULL)))
);
-- copy rows from old table "api_tokens" to new temporary table "new_api_tokens"
-- stating the role of the tokens there (written by hand): every ADMIN token
-- administered everything, so it becomes an API token with the role OWNER
INSERT INTO `new_api_tokens` (`id`, `created_at`, `updated_at`, `name`, `token_hash`, `kind`, `role`, `account_id`, `user_id`) SELECT `id`, `created_at`, `updated_at`, `name`, `token_hash`, CASE WHEN `kind` = 'ADMIN' THEN 'API' ELSE `kind` END, CASE WHEN `kind` = 'ADMIN' THEN 'OWNER' END, `account_id`, `user_id` FROM `api_tokens`;
-- drop "api_tokens" table after copying rows
DROP TABLE `api_tokens`;
-- rename temporary table "new_api_tokens" to "api_tokens"
ALTER TABLE `new_api_tokens` RENAME TO `api_tokens`;
-- create index "api_tokens_token_hash_key" to table: "api_tokens"
CREATE UNIQUE INDEX `api_tokens_token_hash_key` ON `api_tokens` (`token_hash`);
-- create index "apitoken_account_id" to table: "api_tokens"
CREATE INDEX `apitoken_account_id` ON `api_tokens` (`account_id`);
-- create "admins" table
CREATE TABLE `admins` (
  `id` text NOT NULL,
  `created_at` datetime NOT NULL,
  `updated_at` datetime NOT NULL,
  `version` integer NOT NULL DEFAULT (1),
  `name` text NOT NULL,
  `email` text NOT NULL,
  `role` text NOT NULL,
  `password_hash` text NULL,
  `disabled` bool NOT NULL DEFAULT (false),
  `last_sign_in_at` datetime NULL,
  `account_id` text NOT NULL,
  PRIMARY KEY (`id`),
  CONSTRAINT `admins_accounts_account` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION
);
-- create index "admin_account_id" to table: "admins"
CREATE INDEX `admin_account_id` ON `admins` (`account_id`);
-- create index "admin_account_id_email" to table: "admins"
CREATE UNIQUE INDEX `admin_account_id_email` ON `admins` (`account_id`, `email`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "admin_account_id_email" to table: "admins"
DROP INDEX `admin_account_id_email`;
-- reverse: create index "admin_account_id" to table: "admins"
DROP INDEX `admin_account_id`;
-- reverse: create "admins" table
DROP TABLE `admins`;
-- reverse: create index "apitoken_account_id" to table: "api_tokens"
DROP INDEX `apitoken_account_id`;
-- reverse: create index "api_tokens_token_hash_key" to table: "api_tokens"
DROP INDEX `api_tokens_token_hash_key`;
-- reverse: create "new_api_tokens" table
DROP TABLE `new_api_tokens`;
