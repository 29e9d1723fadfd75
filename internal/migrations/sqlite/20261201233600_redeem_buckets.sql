-- +goose Up
-- create "redeem_buckets" table
CREATE TABLE `redeem_buckets` (
  `id` text NOT NULL,
  `seen_at` datetime NOT NULL,
  PRIMARY KEY (`id`)
);

-- +goose Down
-- reverse: create "redeem_buckets" table
DROP TABLE `redeem_buckets`;
