-- +goose Up
-- modify "outboxes" table
ALTER TABLE "outboxes" ALTER COLUMN "text_body" SET DEFAULT '', ALTER COLUMN "html_body" SET DEFAULT '', ADD COLUMN "key_id" character varying NOT NULL DEFAULT 'plain', ADD COLUMN "sealed_body" bytea NULL;

-- hand-written: a mail that is no longer queued is never sent again, so a
-- plain-text body left on it (a given-up mail kept its code) goes now
UPDATE "outboxes" SET "text_body" = '', "html_body" = '' WHERE "status" <> 'QUEUED';

-- +goose Down
-- reverse: modify "outboxes" table
ALTER TABLE "outboxes" DROP COLUMN "sealed_body", DROP COLUMN "key_id", ALTER COLUMN "html_body" DROP DEFAULT, ALTER COLUMN "text_body" DROP DEFAULT;
