-- +goose NO TRANSACTION
-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_admins" table
CREATE TABLE `new_admins` (
  `id` text NOT NULL,
  `created_at` datetime NOT NULL,
  `updated_at` datetime NOT NULL,
  `version` integer NOT NULL DEFAULT (1),
  `name` text NOT NULL,
  `email` text NOT NULL,
  `role` text NOT NULL,
  `password_hash` text NULL,
  `disabled` bool NOT NULL DEFAULT (false),
  `language` text NOT NULL DEFAULT ('EN'),
  `last_sign_in_at` datetime NULL,
  `account_id` text NOT NULL,
  PRIMARY KEY (`id`),
  CONSTRAINT `admins_accounts_account` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION
);
-- copy rows from old table "admins" to new temporary table "new_admins"
INSERT INTO `new_admins` (`id`, `created_at`, `updated_at`, `version`, `name`, `email`, `role`, `password_hash`, `disabled`, `last_sign_in_at`, `account_id`) SELECT `id`, `created_at`, `updated_at`, `version`, `name`, `email`, `role`, `password_hash`, `disabled`, `last_sign_in_at`, `account_id` FROM `admins`;
-- drop "admins" table after copying rows
DROP TABLE `admins`;
-- rename temporary table "new_admins" to "admins"
ALTER TABLE `new_admins` RENAME TO `admins`;
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
-- reverse: create "new_admins" table
DROP TABLE `new_admins`;
