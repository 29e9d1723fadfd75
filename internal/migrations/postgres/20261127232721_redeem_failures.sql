-- +goose Up
-- create "redeem_failures" table
CREATE TABLE "redeem_failures" (
  "id" character varying NOT NULL,
  "addr" character varying NOT NULL,
  "at" timestamptz NOT NULL,
  PRIMARY KEY ("id")
);
-- create index "redeemfailure_addr_at" to table: "redeem_failures"
CREATE INDEX "redeemfailure_addr_at" ON "redeem_failures" ("addr", "at");

-- +goose Down
-- reverse: create index "redeemfailure_addr_at" to table: "redeem_failures"
DROP INDEX "redeemfailure_addr_at";
-- reverse: create "redeem_failures" table
DROP TABLE "redeem_failures";
