-- +goose NO TRANSACTION
-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_outboxes" table
CREATE TABLE `new_outboxes` (
  `id` text NOT NULL,
  `created_at` datetime NOT NULL,
  `updated_at` datetime NOT NULL,
  `to_address` text NOT NULL,
  `to_name` text NOT NULL DEFAULT (''),
  `subject` text NOT NULL,
  `key_id` text NOT NULL DEFAULT ('plain'),
  `sealed_body` blob NULL,
  `text_body` text NOT NULL DEFAULT (''),
  `html_body` text NOT NULL DEFAULT (''),
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
-- copy rows from old table "outboxes" to new temporary table "new_outboxes"
INSERT INTO `new_outboxes` (`id`, `created_at`, `updated_at`, `to_address`, `to_name`, `subject`, `text_body`, `html_body`, `status`, `attempts`, `last_error`, `next_attempt_at`, `lease_until`, `sent_at`, `invitation_id`, `account_id`) SELECT `id`, `created_at`, `updated_at`, `to_address`, `to_name`, `subject`, IFNULL(`text_body`, ('')) AS `text_body`, IFNULL(`html_body`, ('')) AS `html_body`, `status`, `attempts`, `last_error`, `next_attempt_at`, `lease_until`, `sent_at`, `invitation_id`, `account_id` FROM `outboxes`;
-- drop "outboxes" table after copying rows
DROP TABLE `outboxes`;
-- rename temporary table "new_outboxes" to "outboxes"
ALTER TABLE `new_outboxes` RENAME TO `outboxes`;
-- create index "outbox_account_id" to table: "outboxes"
CREATE INDEX `outbox_account_id` ON `outboxes` (`account_id`);
-- create index "outbox_status_next_attempt_at" to table: "outboxes"
CREATE INDEX `outbox_status_next_attempt_at` ON `outboxes` (`status`, `next_attempt_at`);
-- hand-written: a mail that is no longer queued is never sent again, so a
-- plain-text body left on it (a given-up mail kept its code) goes now
UPDATE `outboxes` SET `text_body` = '', `html_body` = '' WHERE `status` <> 'QUEUED';
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "outbox_status_next_attempt_at" to table: "outboxes"
DROP INDEX `outbox_status_next_attempt_at`;
-- reverse: create index "outbox_account_id" to table: "outboxes"
DROP INDEX `outbox_account_id`;
-- reverse: create "new_outboxes" table
DROP TABLE `new_outboxes`;
