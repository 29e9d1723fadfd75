-- +goose Up
-- create "api_tokens" table
CREATE TABLE `api_tokens` (
  `id` text NOT NULL,
  `created_at` datetime NOT NULL,
  `updated_at` datetime NOT NULL,
  `name` text NOT NULL DEFAULT ('admin'),
  `token_hash` text NOT NULL,
  `account_id` text NOT NULL,
  `user_id` text NULL,
  PRIMARY KEY (`id`),
  CONSTRAINT `api_tokens_accounts_account` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION,
  CONSTRAINT `api_tokens_users_user` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE SET NULL
);
-- create index "api_tokens_token_hash_key" to table: "api_tokens"
CREATE UNIQUE INDEX `api_tokens_token_hash_key` ON `api_tokens` (`token_hash`);
-- create index "apitoken_account_id" to table: "api_tokens"
CREATE INDEX `apitoken_account_id` ON `api_tokens` (`account_id`);
-- create "access_events" table
CREATE TABLE `access_events` (
  `id` text NOT NULL,
  `action` text NOT NULL,
  `remote` bool NOT NULL,
  `allowed` bool NOT NULL,
  `reason` text NOT NULL,
  `occurred_at` datetime NOT NULL,
  `account_id` text NOT NULL,
  `device_id` text NOT NULL,
  `permission_id` text NULL,
  `user_id` text NOT NULL,
  PRIMARY KEY (`id`),
  CONSTRAINT `access_events_accounts_account` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION,
  CONSTRAINT `access_events_devices_events` FOREIGN KEY (`device_id`) REFERENCES `devices` (`id`) ON DELETE CASCADE,
  CONSTRAINT `access_events_permissions_events` FOREIGN KEY (`permission_id`) REFERENCES `permissions` (`id`) ON DELETE SET NULL,
  CONSTRAINT `access_events_users_events` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE
);
-- create index "accessevent_account_id" to table: "access_events"
CREATE INDEX `accessevent_account_id` ON `access_events` (`account_id`);
-- create index "accessevent_device_id_occurred_at" to table: "access_events"
CREATE INDEX `accessevent_device_id_occurred_at` ON `access_events` (`device_id`, `occurred_at`);
-- create index "accessevent_user_id_occurred_at" to table: "access_events"
CREATE INDEX `accessevent_user_id_occurred_at` ON `access_events` (`user_id`, `occurred_at`);
-- create "accounts" table
CREATE TABLE `accounts` (
  `id` text NOT NULL,
  `created_at` datetime NOT NULL,
  `updated_at` datetime NOT NULL,
  `name` text NOT NULL,
  PRIMARY KEY (`id`)
);
-- create "devices" table
CREATE TABLE `devices` (
  `id` text NOT NULL,
  `created_at` datetime NOT NULL,
  `updated_at` datetime NOT NULL,
  `version` integer NOT NULL DEFAULT (1),
  `name` text NOT NULL,
  `type` text NOT NULL DEFAULT ('SMART_LOCK'),
  `time_zone` text NOT NULL,
  `vendor_id` text NULL,
  `account_id` text NOT NULL,
  PRIMARY KEY (`id`),
  CONSTRAINT `devices_accounts_account` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION
);
-- create index "device_account_id" to table: "devices"
CREATE INDEX `device_account_id` ON `devices` (`account_id`);
-- create "idempotency_keys" table
CREATE TABLE `idempotency_keys` (
  `id` text NOT NULL,
  `created_at` datetime NOT NULL,
  `updated_at` datetime NOT NULL,
  `key` text NOT NULL,
  `operation` text NOT NULL,
  `request_hash` text NOT NULL,
  `result_ids` json NULL,
  `account_id` text NOT NULL,
  PRIMARY KEY (`id`),
  CONSTRAINT `idempotency_keys_accounts_account` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION
);
-- create index "idempotencykey_account_id" to table: "idempotency_keys"
CREATE INDEX `idempotencykey_account_id` ON `idempotency_keys` (`account_id`);
-- create index "idempotencykey_account_id_key" to table: "idempotency_keys"
CREATE UNIQUE INDEX `idempotencykey_account_id_key` ON `idempotency_keys` (`account_id`, `key`);
-- create "invitations" table
CREATE TABLE `invitations` (
  `id` text NOT NULL,
  `created_at` datetime NOT NULL,
  `updated_at` datetime NOT NULL,
  `code_hash` text NOT NULL,
  `language` text NOT NULL,
  `status` text NOT NULL DEFAULT ('PENDING'),
  `expires_at` datetime NOT NULL,
  `delivery` text NOT NULL DEFAULT ('QUEUED'),
  `redeemed_at` datetime NULL,
  `account_id` text NOT NULL,
  `user_id` text NOT NULL,
  PRIMARY KEY (`id`),
  CONSTRAINT `invitations_accounts_account` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION,
  CONSTRAINT `invitations_users_invitations` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE
);
-- create index "invitations_code_hash_key" to table: "invitations"
CREATE UNIQUE INDEX `invitations_code_hash_key` ON `invitations` (`code_hash`);
-- create index "invitation_account_id" to table: "invitations"
CREATE INDEX `invitation_account_id` ON `invitations` (`account_id`);
-- create "outboxes" table
CREATE TABLE `outboxes` (
  `id` text NOT NULL,
  `created_at` datetime NOT NULL,
  `updated_at` datetime NOT NULL,
  `to_address` text NOT NULL,
  `to_name` text NOT NULL DEFAULT (''),
  `subject` text NOT NULL,
  `text_body` text NOT NULL,
  `html_body` text NOT NULL,
  `status` text NOT NULL DEFAULT ('QUEUED'),
  `attempts` integer NOT NULL DEFAULT (0),
  `last_error` text NULL,
  `next_attempt_at` datetime NOT NULL,
  `lease_until` datetime NULL,
  `sent_at` datetime NULL,
  `invitation_id` text NULL,
  `account_id` text NOT NULL,
  PRIMARY KEY (`id`),
  CONSTRAINT `outboxes_invitations_mails` FOREIGN KEY (`invitation_id`) REFERENCES `invitations` (`id`) ON DELETE CASCADE,
  CONSTRAINT `outboxes_accounts_account` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION
);
-- create index "outbox_account_id" to table: "outboxes"
CREATE INDEX `outbox_account_id` ON `outboxes` (`account_id`);
-- create index "outbox_status_next_attempt_at" to table: "outboxes"
CREATE INDEX `outbox_status_next_attempt_at` ON `outboxes` (`status`, `next_attempt_at`);
-- create "permissions" table
CREATE TABLE `permissions` (
  `id` text NOT NULL,
  `created_at` datetime NOT NULL,
  `updated_at` datetime NOT NULL,
  `version` integer NOT NULL DEFAULT (1),
  `status` text NOT NULL DEFAULT ('PENDING'),
  `enabled` bool NOT NULL DEFAULT (true),
  `remote_allowed` bool NOT NULL DEFAULT (false),
  `valid_from` datetime NULL,
  `valid_until` datetime NULL,
  `weekdays` integer NULL,
  `daily_from` integer NULL,
  `daily_until` integer NULL,
  `device_id` text NOT NULL,
  `invitation_id` text NULL,
  `account_id` text NOT NULL,
  `user_id` text NOT NULL,
  PRIMARY KEY (`id`),
  CONSTRAINT `permissions_devices_permissions` FOREIGN KEY (`device_id`) REFERENCES `devices` (`id`) ON DELETE CASCADE,
  CONSTRAINT `permissions_invitations_permissions` FOREIGN KEY (`invitation_id`) REFERENCES `invitations` (`id`) ON DELETE SET NULL,
  CONSTRAINT `permissions_accounts_account` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION,
  CONSTRAINT `permissions_users_permissions` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE
);
-- create index "permission_account_id" to table: "permissions"
CREATE INDEX `permission_account_id` ON `permissions` (`account_id`);
-- create index "permission_user_id_device_id" to table: "permissions"
CREATE UNIQUE INDEX `permission_user_id_device_id` ON `permissions` (`user_id`, `device_id`) WHERE status <> 'REVOKED';
-- create index "permission_device_id" to table: "permissions"
CREATE INDEX `permission_device_id` ON `permissions` (`device_id`);
-- create index "permission_invitation_id" to table: "permissions"
CREATE INDEX `permission_invitation_id` ON `permissions` (`invitation_id`);
-- create "users" table
CREATE TABLE `users` (
  `id` text NOT NULL,
  `created_at` datetime NOT NULL,
  `updated_at` datetime NOT NULL,
  `version` integer NOT NULL DEFAULT (1),
  `name` text NOT NULL,
  `email` text NOT NULL,
  `language` text NOT NULL DEFAULT ('EN'),
  `origin` text NOT NULL DEFAULT ('WEB'),
  `account_id` text NOT NULL,
  PRIMARY KEY (`id`),
  CONSTRAINT `users_accounts_account` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION
);
-- create index "user_account_id" to table: "users"
CREATE INDEX `user_account_id` ON `users` (`account_id`);
-- create index "user_account_id_email" to table: "users"
CREATE UNIQUE INDEX `user_account_id_email` ON `users` (`account_id`, `email`);

-- +goose Down
-- reverse: create index "user_account_id_email" to table: "users"
DROP INDEX `user_account_id_email`;
-- reverse: create index "user_account_id" to table: "users"
DROP INDEX `user_account_id`;
-- reverse: create "users" table
DROP TABLE `users`;
-- reverse: create index "permission_invitation_id" to table: "permissions"
DROP INDEX `permission_invitation_id`;
-- reverse: create index "permission_device_id" to table: "permissions"
DROP INDEX `permission_device_id`;
-- reverse: create index "permission_user_id_device_id" to table: "permissions"
DROP INDEX `permission_user_id_device_id`;
-- reverse: create index "permission_account_id" to table: "permissions"
DROP INDEX `permission_account_id`;
-- reverse: create "permissions" table
DROP TABLE `permissions`;
-- reverse: create index "outbox_status_next_attempt_at" to table: "outboxes"
DROP INDEX `outbox_status_next_attempt_at`;
-- reverse: create index "outbox_account_id" to table: "outboxes"
DROP INDEX `outbox_account_id`;
-- reverse: create "outboxes" table
DROP TABLE `outboxes`;
-- reverse: create index "invitation_account_id" to table: "invitations"
DROP INDEX `invitation_account_id`;
-- reverse: create index "invitations_code_hash_key" to table: "invitations"
DROP INDEX `invitations_code_hash_key`;
-- reverse: create "invitations" table
DROP TABLE `invitations`;
-- reverse: create index "idempotencykey_account_id_key" to table: "idempotency_keys"
DROP INDEX `idempotencykey_account_id_key`;
-- reverse: create index "idempotencykey_account_id" to table: "idempotency_keys"
DROP INDEX `idempotencykey_account_id`;
-- reverse: create "idempotency_keys" table
DROP TABLE `idempotency_keys`;
-- reverse: create index "device_account_id" to table: "devices"
DROP INDEX `device_account_id`;
-- reverse: create "devices" table
DROP TABLE `devices`;
-- reverse: create "accounts" table
DROP TABLE `accounts`;
-- reverse: create index "accessevent_user_id_occurred_at" to table: "access_events"
DROP INDEX `accessevent_user_id_occurred_at`;
-- reverse: create index "accessevent_device_id_occurred_at" to table: "access_events"
DROP INDEX `accessevent_device_id_occurred_at`;
-- reverse: create index "accessevent_account_id" to table: "access_events"
DROP INDEX `accessevent_account_id`;
-- reverse: create "access_events" table
DROP TABLE `access_events`;
-- reverse: create index "apitoken_account_id" to table: "api_tokens"
DROP INDEX `apitoken_account_id`;
-- reverse: create index "api_tokens_token_hash_key" to table: "api_tokens"
DROP INDEX `api_tokens_token_hash_key`;
-- reverse: create "api_tokens" table
DROP TABLE `api_tokens`;
