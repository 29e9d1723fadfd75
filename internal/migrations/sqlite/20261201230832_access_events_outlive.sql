-- +goose NO TRANSACTION
-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_access_events" table
CREATE TABLE `new_access_events` (
  `id` text NOT NULL,
  `user_name` text NOT NULL,
  `device_name` text NOT NULL,
  `action` text NOT NULL,
  `remote` bool NOT NULL,
  `allowed` bool NOT NULL,
  `reason` text NOT NULL,
  `outcome` text NOT NULL,
  `occurred_at` datetime NOT NULL,
  `account_id` text NOT NULL,
  `device_id` text NULL,
  `permission_id` text NULL,
  `user_id` text NULL,
  PRIMARY KEY (`id`),
  CONSTRAINT `access_events_accounts_account` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION,
  CONSTRAINT `access_events_devices_events` FOREIGN KEY (`device_id`) REFERENCES `devices` (`id`) ON DELETE SET NULL,
  CONSTRAINT `access_events_permissions_events` FOREIGN KEY (`permission_id`) REFERENCES `permissions` (`id`) ON DELETE SET NULL,
  CONSTRAINT `access_events_users_events` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE SET NULL
);
-- copy rows from old table "access_events" to new temporary table "new_access_events"
-- (by hand) with the names of the user and device as they are now, and the
-- device's outcome: before this migration an allowed event was kept only
-- when the device acted
INSERT INTO `new_access_events` (`id`, `user_name`, `device_name`, `action`, `remote`, `allowed`, `reason`, `outcome`, `occurred_at`, `account_id`, `device_id`, `permission_id`, `user_id`) SELECT `e`.`id`, COALESCE((SELECT `u`.`name` FROM `users` AS `u` WHERE `u`.`id` = `e`.`user_id`), ''), COALESCE((SELECT `d`.`name` FROM `devices` AS `d` WHERE `d`.`id` = `e`.`device_id`), ''), `e`.`action`, `e`.`remote`, `e`.`allowed`, `e`.`reason`, CASE WHEN `e`.`allowed` THEN 'DONE' ELSE 'REFUSED' END, `e`.`occurred_at`, `e`.`account_id`, `e`.`device_id`, `e`.`permission_id`, `e`.`user_id` FROM `access_events` AS `e`;
-- drop "access_events" table after copying rows
DROP TABLE `access_events`;
-- rename temporary table "new_access_events" to "access_events"
ALTER TABLE `new_access_events` RENAME TO `access_events`;
-- create index "accessevent_account_id" to table: "access_events"
CREATE INDEX `accessevent_account_id` ON `access_events` (`account_id`);
-- create index "accessevent_device_id_occurred_at" to table: "access_events"
CREATE INDEX `accessevent_device_id_occurred_at` ON `access_events` (`device_id`, `occurred_at`);
-- create index "accessevent_user_id_occurred_at" to table: "access_events"
CREATE INDEX `accessevent_user_id_occurred_at` ON `access_events` (`user_id`, `occurred_at`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "accessevent_user_id_occurred_at" to table: "access_events"
DROP INDEX `accessevent_user_id_occurred_at`;
-- reverse: create index "accessevent_device_id_occurred_at" to table: "access_events"
DROP INDEX `accessevent_device_id_occurred_at`;
-- reverse: create index "accessevent_account_id" to table: "access_events"
DROP INDEX `accessevent_account_id`;
-- reverse: create "new_access_events" table
DROP TABLE `new_access_events`;
