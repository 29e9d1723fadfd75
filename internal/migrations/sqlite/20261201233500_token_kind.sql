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
  `account_id` text NOT NULL,
  `user_id` text NULL,
  PRIMARY KEY (`id`),
  CONSTRAINT `api_tokens_accounts_account` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION,
  CONSTRAINT `api_tokens_users_user` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE,
  CONSTRAINT `api_tokens_kind_user` CHECK ((kind = 'APP') = (user_id IS NOT NULL))
);
-- copy rows from old table "api_tokens" to new temporary table "new_api_tokens",
-- stating each token's kind (written by hand): a token with a user is an
-- APP token, the others are ADMIN tokens, except the app tokens whose user
-- was deleted (ON DELETE SET NULL left them named "app" without a user),
-- which are not copied
INSERT INTO `new_api_tokens` (`id`, `created_at`, `updated_at`, `name`, `token_hash`, `kind`, `account_id`, `user_id`) SELECT `id`, `created_at`, `updated_at`, `name`, `token_hash`, CASE WHEN `user_id` IS NULL THEN 'ADMIN' ELSE 'APP' END, `account_id`, `user_id` FROM `api_tokens` WHERE NOT (`user_id` IS NULL AND `name` = 'app');
-- drop "api_tokens" table after copying rows
DROP TABLE `api_tokens`;
-- rename temporary table "new_api_tokens" to "api_tokens"
ALTER TABLE `new_api_tokens` RENAME TO `api_tokens`;
-- create index "api_tokens_token_hash_key" to table: "api_tokens"
CREATE UNIQUE INDEX `api_tokens_token_hash_key` ON `api_tokens` (`token_hash`);
-- create index "apitoken_account_id" to table: "api_tokens"
CREATE INDEX `apitoken_account_id` ON `api_tokens` (`account_id`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "apitoken_account_id" to table: "api_tokens"
DROP INDEX `apitoken_account_id`;
-- reverse: create index "api_tokens_token_hash_key" to table: "api_tokens"
DROP INDEX `api_tokens_token_hash_key`;
-- reverse: create "new_api_tokens" table
DROP TABLE `new_api_tokens`;
