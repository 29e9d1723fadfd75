-- +goose Up
-- modify "admins" table
ALTER TABLE "admins" ADD COLUMN "language" character varying NOT NULL DEFAULT 'EN';

-- +goose Down
-- reverse: modify "admins" table
ALTER TABLE "admins" DROP COLUMN "language";
