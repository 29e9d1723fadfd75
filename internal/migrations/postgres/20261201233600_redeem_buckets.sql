-- +goose Up
-- create "redeem_buckets" table
CREATE TABLE "redeem_buckets" (
  "id" character varying NOT NULL,
  "seen_at" timestamptz NOT NULL,
  PRIMARY KEY ("id")
);

-- +goose Down
-- reverse: create "redeem_buckets" table
DROP TABLE "redeem_buckets";
