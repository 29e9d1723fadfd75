-- +goose Up
-- create index "permission_user_id" to table: "permissions"
CREATE INDEX `permission_user_id` ON `permissions` (`user_id`);

-- +goose Down
-- reverse: create index "permission_user_id" to table: "permissions"
DROP INDEX `permission_user_id`;
