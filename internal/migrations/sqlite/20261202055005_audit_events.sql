-- +goose Up
-- create "audit_events" table
CREATE TABLE `audit_events` (
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
  `account_id` text NOT NULL,
  PRIMARY KEY (`id`),
  CONSTRAINT `audit_events_accounts_account` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION
);
-- create index "auditevent_account_id" to table: "audit_events"
CREATE INDEX `auditevent_account_id` ON `audit_events` (`account_id`);
-- create index "auditevent_account_id_occurred_at" to table: "audit_events"
CREATE INDEX `auditevent_account_id_occurred_at` ON `audit_events` (`account_id`, `occurred_at`);
-- create index "auditevent_occurred_at" to table: "audit_events"
CREATE INDEX `auditevent_occurred_at` ON `audit_events` (`occurred_at`);

-- +goose Down
-- reverse: create index "auditevent_occurred_at" to table: "audit_events"
DROP INDEX `auditevent_occurred_at`;
-- reverse: create index "auditevent_account_id_occurred_at" to table: "audit_events"
DROP INDEX `auditevent_account_id_occurred_at`;
-- reverse: create index "auditevent_account_id" to table: "audit_events"
DROP INDEX `auditevent_account_id`;
-- reverse: create "audit_events" table
DROP TABLE `audit_events`;
