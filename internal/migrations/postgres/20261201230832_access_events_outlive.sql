-- +goose Up
-- modify "access_events" table
ALTER TABLE "access_events" DROP CONSTRAINT "access_events_devices_events", DROP CONSTRAINT "access_events_users_events", ALTER COLUMN "device_id" DROP NOT NULL, ALTER COLUMN "user_id" DROP NOT NULL, ADD COLUMN "user_name" character varying NULL, ADD COLUMN "device_name" character varying NULL, ADD COLUMN "outcome" character varying NULL, ADD
CONSTRAINT "access_events_devices_events" FOREIGN KEY ("device_id") REFERENCES "devices" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD
CONSTRAINT "access_events_users_events" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
-- (by hand) fill the new columns with the names of the user and device as
-- they are now, and the device's outcome: before this migration an allowed
-- event was kept only when the device acted
UPDATE "access_events" AS "e" SET "user_name" = COALESCE((SELECT "u"."name" FROM "users" AS "u" WHERE "u"."id" = "e"."user_id"), ''), "device_name" = COALESCE((SELECT "d"."name" FROM "devices" AS "d" WHERE "d"."id" = "e"."device_id"), ''), "outcome" = CASE WHEN "e"."allowed" THEN 'DONE' ELSE 'REFUSED' END;
ALTER TABLE "access_events" ALTER COLUMN "user_name" SET NOT NULL, ALTER COLUMN "device_name" SET NOT NULL, ALTER COLUMN "outcome" SET NOT NULL;

-- +goose Down
-- reverse: modify "access_events" table
ALTER TABLE "access_events" DROP CONSTRAINT "access_events_users_events", DROP CONSTRAINT "access_events_devices_events", DROP COLUMN "outcome", DROP COLUMN "device_name", DROP COLUMN "user_name", ALTER COLUMN "user_id" SET NOT NULL, ALTER COLUMN "device_id" SET NOT NULL, ADD
CONSTRAINT "access_events_users_events" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, ADD
CONSTRAINT "access_events_devices_events" FOREIGN KEY ("device_id") REFERENCES "devices" ("id") ON UPDATE NO ACTION ON DELETE CASCADE;
