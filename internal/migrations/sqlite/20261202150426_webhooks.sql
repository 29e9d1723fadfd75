-- +goose Up
-- create "webhook_deliveries" table
CREATE TABLE `webhook_deliveries` (
  `id` text NOT NULL,
  `created_at` datetime NOT NULL,
  `updated_at` datetime NOT NULL,
  `event_id` text NOT NULL,
  `event_type` text NOT NULL,
  `payload` text NOT NULL,
  `status` text NOT NULL DEFAULT ('PENDING'),
  `attempts` integer NOT NULL DEFAULT (0),
  `next_attempt_at` datetime NOT NULL,
  `lease_until` datetime NULL,
  `last_attempt_at` datetime NULL,
  `last_status_code` integer NULL,
  `last_duration_ms` integer NULL,
  `last_error` text NULL,
  `delivered_at` datetime NULL,
  `account_id` text NOT NULL,
  `endpoint_id` text NOT NULL,
  PRIMARY KEY (`id`),
  CONSTRAINT `webhook_deliveries_accounts_account` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION,
  CONSTRAINT `webhook_deliveries_webhook_endpoints_deliveries` FOREIGN KEY (`endpoint_id`) REFERENCES `webhook_endpoints` (`id`) ON DELETE CASCADE
);
-- create index "webhookdelivery_endpoint_id_event_id" to table: "webhook_deliveries"
CREATE UNIQUE INDEX `webhookdelivery_endpoint_id_event_id` ON `webhook_deliveries` (`endpoint_id`, `event_id`);
-- create index "webhookdelivery_status_next_attempt_at" to table: "webhook_deliveries"
CREATE INDEX `webhookdelivery_status_next_attempt_at` ON `webhook_deliveries` (`status`, `next_attempt_at`);
-- create index "webhookdelivery_account_id_created_at" to table: "webhook_deliveries"
CREATE INDEX `webhookdelivery_account_id_created_at` ON `webhook_deliveries` (`account_id`, `created_at`);
-- create "webhook_dispatch" table
CREATE TABLE `webhook_dispatch` (
  `id` text NOT NULL,
  `cursor_n` integer NOT NULL,
  `cursor_id` text NOT NULL,
  `updated_at` datetime NOT NULL,
  PRIMARY KEY (`id`)
);
-- create "webhook_endpoints" table
CREATE TABLE `webhook_endpoints` (
  `id` text NOT NULL,
  `created_at` datetime NOT NULL,
  `updated_at` datetime NOT NULL,
  `url` text NOT NULL,
  `description` text NULL,
  `event_types` json NOT NULL,
  `enabled` bool NOT NULL DEFAULT (true),
  `disabled_at` datetime NULL,
  `disabled_reason` text NULL,
  `secret_key_id` text NOT NULL,
  `sealed_secret` blob NOT NULL,
  `previous_sealed_secret` blob NULL,
  `previous_secret_key_id` text NULL,
  `previous_secret_until` datetime NULL,
  `account_id` text NOT NULL,
  PRIMARY KEY (`id`),
  CONSTRAINT `webhook_endpoints_accounts_account` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION
);
-- create index "webhookendpoint_account_id" to table: "webhook_endpoints"
CREATE INDEX `webhookendpoint_account_id` ON `webhook_endpoints` (`account_id`);

-- +goose Down
-- reverse: create index "webhookendpoint_account_id" to table: "webhook_endpoints"
DROP INDEX `webhookendpoint_account_id`;
-- reverse: create "webhook_endpoints" table
DROP TABLE `webhook_endpoints`;
-- reverse: create "webhook_dispatch" table
DROP TABLE `webhook_dispatch`;
-- reverse: create index "webhookdelivery_account_id_created_at" to table: "webhook_deliveries"
DROP INDEX `webhookdelivery_account_id_created_at`;
-- reverse: create index "webhookdelivery_status_next_attempt_at" to table: "webhook_deliveries"
DROP INDEX `webhookdelivery_status_next_attempt_at`;
-- reverse: create index "webhookdelivery_endpoint_id_event_id" to table: "webhook_deliveries"
DROP INDEX `webhookdelivery_endpoint_id_event_id`;
-- reverse: create "webhook_deliveries" table
DROP TABLE `webhook_deliveries`;
