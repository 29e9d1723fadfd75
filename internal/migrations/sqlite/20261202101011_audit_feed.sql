-- +goose NO TRANSACTION
-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_audit_events" table
CREATE TABLE `new_audit_events` (
  `id` text NOT NULL,
  `actor_kind` text NOT NULL,
  `actor_id` text NULL,
  `actor_token_id` text NULL,
  `actor_name` text NOT NULL,
  `action` text NOT NULL,
  `targets` json NOT NULL,
  `changes` json NOT NULL,
  `request_id` text NOT NULL,
  `client_address` text NOT NULL,
  `occurred_at` datetime NOT NULL,
  `feed_tx` integer NULL DEFAULT (0),
  `account_id` text NOT NULL,
  PRIMARY KEY (`id`),
  CONSTRAINT `audit_events_accounts_account` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION
);
-- copy rows from old table "audit_events" to new temporary table "new_audit_events"
INSERT INTO `new_audit_events` (`id`, `actor_kind`, `actor_id`, `actor_token_id`, `actor_name`, `action`, `targets`, `changes`, `request_id`, `client_address`, `occurred_at`, `account_id`) SELECT `id`, `actor_kind`, `actor_id`, `actor_token_id`, `actor_name`, `action`, `targets`, `changes`, `request_id`, `client_address`, `occurred_at`, `account_id` FROM `audit_events`;
-- drop "audit_events" table after copying rows
DROP TABLE `audit_events`;
-- rename temporary table "new_audit_events" to "audit_events"
ALTER TABLE `new_audit_events` RENAME TO `audit_events`;
-- create index "auditevent_account_id_occurred_at" to table: "audit_events"
CREATE INDEX `auditevent_account_id_occurred_at` ON `audit_events` (`account_id`, `occurred_at`);
-- create index "auditevent_occurred_at" to table: "audit_events"
CREATE INDEX `auditevent_occurred_at` ON `audit_events` (`occurred_at`);
-- create index "auditevent_feed_tx" to table: "audit_events"
CREATE INDEX `auditevent_feed_tx` ON `audit_events` (`feed_tx`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "auditevent_feed_tx" to table: "audit_events"
DROP INDEX `auditevent_feed_tx`;
-- reverse: create index "auditevent_occurred_at" to table: "audit_events"
DROP INDEX `auditevent_occurred_at`;
-- reverse: create index "auditevent_account_id_occurred_at" to table: "audit_events"
DROP INDEX `auditevent_account_id_occurred_at`;
-- reverse: create "new_audit_events" table
DROP TABLE `new_audit_events`;
