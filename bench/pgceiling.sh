#!/usr/bin/env bash
# bench/pgceiling.sh: what PostgreSQL alone allows for the overview and the
# grant, to put bench/run.sh's figures beside (see BENCHMARKS.md).
#
#   bench/pgceiling.sh
#
# It seeds a fresh database with the default shape (the server binary's
# `seed`, built from the working tree), then runs pgbench (prepared
# statements, no server in between) with the statements the server sends:
#   overview  the 4 statements of the overview query for the first page
#             of 50 users, their permissions and their devices;
#   grant     BEGIN, the 5 statements of a 3-device grant, COMMIT, each
#             transaction for a (user, device triple) pair of its own, with
#             mail bodies of the size the server renders. pgbench looks the
#             pair's IDs up first (one more statement per transaction).
# The outbox's later "sent" writes are not part of it. Prints one line per
# run: workload, clients, transactions per second, mean latency in ms.
#
# Environment (defaults in brackets):
#   BENCH_DURATION     seconds of each measured pgbench run [15]
#   BENCH_WARMUP       seconds of the unrecorded run before each [3]
#   BENCH_CONNECTIONS  client counts [1 16]
#   BENCH_PG           PostgreSQL server URL [postgres://postgres@127.0.0.1:5432]
#
# Needs go, psql and pgbench.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
duration=${BENCH_DURATION:-15}
warmup=${BENCH_WARMUP:-3}
read -r -a conns <<<"${BENCH_CONNECTIONS:-1 16}"
pg=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
for t in go psql pgbench; do
	command -v "$t" >/dev/null || { echo "pgceiling.sh: $t is not installed" >&2; exit 1; }
done

tmp=$(mktemp -d)
db=latchkey_ceiling_$(date +%s)_$$
url="$pg/$db"
cleanup() {
	psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
sql() { psql -Atq "$url" -c "$1"; }

log "building the server and seeding $db"
(cd "$root" && go build -o "$tmp/latchkey" .)
psql -q "$pg/postgres" -c "CREATE DATABASE $db" >/dev/null
DATABASE_URL="$url?sslmode=disable" INVITE_SECRET_FILE=$tmp/secret "$tmp/latchkey" seed >/dev/null 2>"$tmp/seed.log"

acc=$(sql "SELECT id FROM accounts LIMIT 1")
users=$(sql "SELECT count(*) FROM users")
# quoted LIST: the rows of a one-column query as a SQL list of literals.
quoted() { sql "SELECT string_agg(quote_literal(v), ', ') FROM ($1) AS q(v)"; }
page=$(quoted "SELECT id FROM users WHERE account_id = '$acc' ORDER BY id LIMIT 51")
page_devices=$(quoted "SELECT DISTINCT p.device_id FROM permissions p WHERE p.user_id IN ($page)")

cat >"$tmp/overview.sql" <<EOF
SELECT COUNT("users"."id") FROM "users" WHERE "users"."account_id" = :acc;
SELECT "users"."id", "users"."name", "users"."email", "users"."language" FROM "users" WHERE "users"."account_id" = :acc ORDER BY "users"."id" LIMIT 51;
WITH "src_query" AS (SELECT "permissions"."id", "permissions"."status", "permissions"."remote_allowed", "permissions"."valid_from", "permissions"."valid_until", "permissions"."weekdays", "permissions"."daily_from", "permissions"."daily_until", "permissions"."device_id", "permissions"."user_id" FROM "permissions" WHERE "permissions"."user_id" IN ($page) AND "permissions"."account_id" = :acc), "limited_query" AS (SELECT *, (ROW_NUMBER() OVER (PARTITION BY "user_id" ORDER BY "id" ASC)) AS "row_number" FROM "src_query") SELECT "id", "status", "remote_allowed", "valid_from", "valid_until", "weekdays", "daily_from", "daily_until", "device_id", "user_id" FROM "limited_query" AS "permissions" WHERE "permissions"."row_number" <= 20;
SELECT "devices"."id", "devices"."name", "devices"."type", "devices"."time_zone" FROM "devices" WHERE "devices"."id" IN ($page_devices) AND "devices"."account_id" = :acc;
EOF

# Grant pool: users by number, and devices nobody holds by number. Each
# run has a block of per_run device triples of its own; its slot n (client
# c's s-th transaction is slot s * clients + c) grants user 1 + n mod #users
# the triple k = run * per_run + n div #users (devices 3k+1..3k+3).
runs=$((2 * ${#conns[@]})) per_run=500
triples=$((runs * per_run))
sql "CREATE TABLE ceiling_users (n int PRIMARY KEY, id varchar NOT NULL);
INSERT INTO ceiling_users SELECT row_number() OVER (ORDER BY id), id FROM users;
CREATE TABLE ceiling_devices (n int PRIMARY KEY, id varchar NOT NULL);
INSERT INTO ceiling_devices SELECT n, 'dev_ceiling_' || n FROM generate_series(1, $((triples * 3))) n;
INSERT INTO devices (id, created_at, updated_at, name, time_zone, account_id)
  SELECT id, now(), now(), 'pool-' || n, 'UTC', '$acc' FROM ceiling_devices;
ANALYZE;"
# Bodies of the size a 3-device invitation renders to (text 668, HTML 2,020 bytes).
text_body=$(head -c 600 /dev/urandom | base64 -w0 | head -c 668)
html_body=$(head -c 1600 /dev/urandom | base64 -w0 | head -c 2020)

cat >"$tmp/grant.sql" <<'EOF'
\set n :s * :clients + :client_id
\set s :s + 1
\set u 1 + :n % :users
\set k 3 * (:run * :per_run + :n / :users)
SELECT u.id AS uid, d1.id AS d1, d2.id AS d2, d3.id AS d3 FROM ceiling_users u, ceiling_devices d1, ceiling_devices d2, ceiling_devices d3 WHERE u.n = :u AND d1.n = :k + 1 AND d2.n = :k + 2 AND d3.n = :k + 3 \gset
BEGIN;
SELECT "users"."id", "users"."created_at", "users"."updated_at", "users"."account_id", "users"."version", "users"."name", "users"."email", "users"."language", "users"."origin", "t1"."name" AS "account_name" FROM "users" JOIN "accounts" AS "t1" ON "users"."account_id" = "t1"."id" WHERE "users"."id" = :uid AND "users"."account_id" = :acc LIMIT 2;
SELECT "devices"."id", "devices"."created_at", "devices"."updated_at", "devices"."account_id", "devices"."version", "devices"."name", "devices"."type", "devices"."time_zone", "devices"."vendor_id", (EXISTS (SELECT "permissions"."id" FROM "permissions" WHERE "permissions"."device_id" = "devices"."id" AND "permissions"."user_id" = :uid AND "permissions"."status" <> 'REVOKED')) AS "granted" FROM "devices" WHERE "devices"."id" IN (:d1, :d2, :d3) AND "devices"."account_id" = :acc;
INSERT INTO "invitations" ("created_at", "updated_at", "code_hash", "language", "status", "expires_at", "delivery", "account_id", "user_id", "id") VALUES (now(), now(), 'hash-' || (:run::text || '_' || :n::text), 'EN', 'PENDING', now() + interval '48 hours', 'QUEUED', :acc, :uid, 'inv_' || (:run::text || '_' || :n::text));
INSERT INTO "permissions" ("account_id", "created_at", "device_id", "enabled", "id", "invitation_id", "remote_allowed", "status", "updated_at", "user_id", "version") VALUES (:acc, now(), :d1, true, 'prm_' || (:run::text || '_' || :n::text) || '_1', 'inv_' || (:run::text || '_' || :n::text), false, 'PENDING', now(), :uid, 1), (:acc, now(), :d2, true, 'prm_' || (:run::text || '_' || :n::text) || '_2', 'inv_' || (:run::text || '_' || :n::text), false, 'PENDING', now(), :uid, 1), (:acc, now(), :d3, true, 'prm_' || (:run::text || '_' || :n::text) || '_3', 'inv_' || (:run::text || '_' || :n::text), false, 'PENDING', now(), :uid, 1) RETURNING "id";
INSERT INTO "outboxes" ("created_at", "updated_at", "to_address", "to_name", "subject", "text_body", "html_body", "status", "attempts", "next_attempt_at", "account_id", "invitation_id", "id") VALUES (now(), now(), 'someone@example.com', 'Someone', 'Your access to 3 doors', :text_body, :html_body, 'QUEUED', 0, now(), :acc, 'inv_' || (:run::text || '_' || :n::text), 'out_' || (:run::text || '_' || :n::text));
COMMIT;
EOF

# bench NAME SCRIPT CLIENTS SECONDS: one pgbench run; prints the line
# "name clients tps latency_ms".
run=0
bench() {
	local name=$1 script=$2 c=$3 secs=$4 out
	out=$(pgbench -n -M prepared -c "$c" -j "$((c < 2 ? c : 2))" -T "$secs" -f "$script" \
		-D acc="$acc" -D users="$users" -D clients="$c" -D s=0 -D run="$run" -D per_run="$per_run" \
		-D text_body="$text_body" -D html_body="$html_body" "$url" 2>&1) || { echo "$out" >&2; return 1; }
	local tps lat
	tps=$(awk '/^tps = / { printf "%.1f", $3 }' <<<"$out")
	lat=$(awk '/^latency average/ { print $4 }' <<<"$out")
	[[ $name == grant ]] && run=$((run + 1))
	printf '%s\t%s\t%s\t%s\n' "$name" "$c" "$tps" "$lat"
}

printf 'workload\tclients\ttps\tlatency_ms\n'
for w in overview grant; do
	for c in "${conns[@]}"; do
		bench "$w" "$tmp/$w.sql" "$c" "$warmup" >/dev/null
		bench "$w" "$tmp/$w.sql" "$c" "$duration"
	done
done
