#!/usr/bin/env bash
# bench/run.sh: a bounded, reproducible load test of Latchkey (see BENCHMARKS.md).
#
#   bench/run.sh [--sqlite] [--repeat N] [--load] [--load-only] [--no-grant500]
#
# It builds the server once, then for each repetition: creates a fresh
# PostgreSQL database (or a SQLite file with --sqlite), seeds it with the
# default shape (1 account, 1,000 users, 20 devices, 5 permissions per
# user), starts the server on a free port with PRODUCTION=true (and MAIL_LOG=true: its mail goes to the log;
# the cost budget lifted, as one token's load is the point), waits for
# /readyz, and runs wrk at each connection count against the overview
# query, checkAccess and a 3-device grant, then times 500-device grants
# (bench/grant500.sh). It samples the server's resident memory all along,
# stops the server by its pid and drops the database. With --load it ends
# with the mixed robustness load of bench/load on a fresh database of its
# own; --load-only runs only that.
#
# Environment (defaults in brackets):
#   BENCH_DURATION     seconds of each measured wrk run [15]
#   BENCH_WARMUP       seconds of the unrecorded wrk run before each [3]
#   BENCH_CONNECTIONS  connection counts [1 16]
#   BENCH_WRK_THREADS  wrk threads (fewer when there are fewer connections) [2]
#   BENCH_WORKLOADS    which wrk workloads [overview checkaccess grant]
#   BENCH_GRANT_RATE   grants/s the grant device pool is sized for [4000]
#   BENCH_AT           the instant checkAccess asks about [2026-03-06T09:30:00Z]
#   BENCH_PG           PostgreSQL server URL [postgres://postgres@127.0.0.1:5432]
#   BENCH_OUT          where logs and results go [bench/out/<date-time>]
#   BENCH_REV          build the server from this commit, not the working tree
#   BENCH_LOAD_DURATION, BENCH_LOAD_CLIENTS  the --load step [60s, 32]
#
# Needs go, wrk, curl, jq, procps (ps, pgrep), and psql for PostgreSQL.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

sqlite=0 repeat=1 load=0 load_only=0 grant500=1
while (($#)); do
	case $1 in
	--sqlite) sqlite=1 ;;
	--repeat) repeat=${2:?--repeat needs a number}; shift ;;
	--load) load=1 ;;
	--load-only) load=1 load_only=1 ;;
	--no-grant500) grant500=0 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done

duration=${BENCH_DURATION:-15}
warmup=${BENCH_WARMUP:-3}
read -r -a conns <<<"${BENCH_CONNECTIONS:-1 16}"
wrk_threads=${BENCH_WRK_THREADS:-2}
read -r -a workloads <<<"${BENCH_WORKLOADS:-overview checkaccess grant}"
grant_rate=${BENCH_GRANT_RATE:-4000}
pg=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
out=${BENCH_OUT:-$here/out/$(date +%Y%m%d-%H%M%S)}
load_duration=${BENCH_LOAD_DURATION:-60s}
load_clients=${BENCH_LOAD_CLIENTS:-32}
export BENCH_DIR=$here BENCH_AT=${BENCH_AT:-2026-03-06T09:30:00Z}

need=(go wrk curl jq ps pgrep getconf)
((sqlite)) || need+=(psql)
for t in "${need[@]}"; do
	command -v "$t" >/dev/null || { echo "run.sh: $t is not installed" >&2; exit 1; }
done

mkdir -p "$out"
tmp=$(mktemp -d)
server_pid='' sampler_pid='' db_name=''

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

stop_server() {
	if [[ -n $sampler_pid ]]; then
		kill "$sampler_pid" 2>/dev/null || true
		wait "$sampler_pid" 2>/dev/null || true
		sampler_pid=''
	fi
	if [[ -n $server_pid ]]; then
		kill -TERM "$server_pid" 2>/dev/null || true
		for _ in $(seq 250); do
			kill -0 "$server_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
		server_pid=''
	fi
}

drop_db() {
	if [[ -n $db_name ]]; then
		psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" >/dev/null || log "could not drop $db_name"
		db_name=''
	fi
}

cleanup() {
	stop_server
	drop_db
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port prints a TCP port nobody listens on.
free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 40000))
		if command -v ss >/dev/null; then
			ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return; }
		elif ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	echo "run.sh: no free port found" >&2
	return 1
}

# start_env DIR: fresh database, seed, server, memory sampler. Sets
# BENCH_URL, BENCH_TOKEN, server_pid, sampler_pid.
start_env() {
	local dir=$1
	mkdir -p "$dir"
	if ((sqlite)); then
		rm -f "$tmp/latchkey.db"*
		export DATABASE_URL=$tmp/latchkey.db
	else
		db_name=latchkey_bench_$(date +%s)_$$
		psql -q "$pg/postgres" -c "CREATE DATABASE $db_name" >/dev/null
		export DATABASE_URL="$pg/$db_name?sslmode=disable"
	fi
	export INVITE_SECRET_FILE=$tmp/latchkey.secret
	log "seeding (default shape) into ${db_name:-$DATABASE_URL}"
	BENCH_TOKEN=$("$tmp/latchkey" seed 2>"$dir/seed.log")
	export BENCH_TOKEN

	local port
	port=$(free_port)
	export BENCH_URL=http://127.0.0.1:$port/query
	PORT=$port PRODUCTION=true MAIL_LOG=true COST_BUDGET=1000000000 COST_RESTORE_RATE=1000000000 "$tmp/latchkey" >"$dir/server.log" 2>&1 &
	server_pid=$!
	local ok=0
	for _ in $(seq 300); do
		kill -0 "$server_pid" 2>/dev/null || break
		if grep -q 'address already in use' "$dir/server.log"; then break; fi
		if curl -sf -m 1 "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then ok=1; break; fi
		sleep 0.1
	done
	# /readyz could come from another process on the port: our token proves it is ours.
	if ((ok)) && [[ $(gql '{"query":"{ viewer { role } }"}' | jq -r .data.viewer.role) == OWNER ]]; then
		log "server pid $server_pid ready on port $port"
	else
		echo "run.sh: the server did not become ready; its log:" >&2
		tail -20 "$dir/server.log" >&2
		exit 1
	fi

	# Resident memory every 200 ms: "<epoch ms> <rss KiB>".
	(
		while kill -0 "$server_pid" 2>/dev/null; do
			r=$(ps -o rss= -p "$server_pid" 2>/dev/null | tr -d ' ') || true
			[[ -n $r ]] && echo "$(date +%s%3N) $r"
			sleep 0.2
		done
	) >"$dir/rss.txt" &
	sampler_pid=$!
}

# peak_rss FILE [FROM_MS TO_MS]: the largest sample in MiB.
peak_rss() {
	awk -v from="${2:-0}" -v to="${3:-99999999999999}" \
		'$1 >= from && $1 <= to && $2 > m { m = $2 } END { printf "%.1f", m / 1024 }' "$1"
}

# next_grant_slot FILE: after a grant.lua run, moves grant_offset past the
# slots it used, so that the next run's grants are all new.
grant_offset=0
next_grant_slot() {
	local line
	line=$(grep '^RESULT' "$1")
	if [[ $line == *next=* ]]; then
		grant_offset=$(grep -o 'next=[0-9]*' <<<"$line" | cut -d= -f2)
		if [[ $line != *exhausted=0* ]]; then
			log "WARNING: the grant pool ran out (raise BENCH_GRANT_RATE): later grants repeat earlier ones and conflict"
		fi
	fi
}

# run_wrk DIR NAME SCRIPT CONNS [ENV=VALUE...]: an unrecorded warm-up,
# then the measured run; appends one line to DIR/results.tsv.
run_wrk() {
	local dir=$1 name=$2 script=$3 c=$4
	shift 4
	local t=$((c < wrk_threads ? c : wrk_threads))
	local args=(-t"$t" -c"$c" --timeout 10s --latency -s "$here/$script" "$BENCH_URL")
	if ((warmup > 0)); then
		env "$@" BENCH_THREADS="$t" BENCH_OFFSET="$grant_offset" BENCH_NAME="$name-warmup" \
			wrk -d"${warmup}s" "${args[@]}" >"$dir/$name-warmup.txt"
		next_grant_slot "$dir/$name-warmup.txt"
	fi
	log "wrk $name: $c connections, $t threads, ${duration}s (load average $(cut -d' ' -f1 /proc/loadavg))"
	local from to line cpu0 cpu1
	cpu0=$(cpu_ticks)
	from=$(date +%s%3N)
	env "$@" BENCH_THREADS="$t" BENCH_OFFSET="$grant_offset" BENCH_NAME="$name" \
		wrk -d"${duration}s" "${args[@]}" | tee "$dir/$name.txt" >&2
	to=$(date +%s%3N)
	cpu1=$(cpu_ticks)
	next_grant_slot "$dir/$name.txt"
	line=$(grep '^RESULT' "$dir/$name.txt")
	# name conns rps p50 p90 p99 requests non2xx gql_errors socket_errors codes
	# peak_rss_mb, then the CPU the run cost: server CPU ms per request, and
	# the cores kept busy by the server, by all postgres processes and by
	# the whole machine (wrk and other tenants are the rest).
	awk -F'\t' -v c="$c" -v rss="$(peak_rss "$dir/rss.txt" "$from" "$to")" -v cpu0="$cpu0" -v cpu1="$cpu1" \
		-v hz="$(getconf CLK_TCK)" -v ncpu="$(nproc)" -v ms="$((to - from))" '{
		secs = ms / 1000
		split(cpu0, a, " "); split(cpu1, b, " ")
		srv = b[1] - a[1]; pgc = b[2] - a[2]; busy = b[3] - a[3]; total = b[4] - a[4]
		printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t%.2f\t%.2f\t%.2f\n",
			$2, c, $3, $4, $5, $6, $7, $8, $9, $10, $11, rss,
			($7 > 0 ? srv * 1000 / hz / $7 : 0), srv / hz / secs, pgc / hz / secs, (total > 0 ? busy / total * ncpu : 0)
	}' <<<"$line" >>"$dir/results.tsv"
}

# cpu_ticks prints the CPU time used so far, in clock ticks, by the server,
# by all postgres processes of the machine (with the children they reaped:
# backends that ended), and by the whole machine (busy and total).
cpu_ticks() {
	local srv=0 pg=0 p f u n s i w q sq st
	if read -r -a f <"/proc/$server_pid/stat" 2>/dev/null; then srv=$((f[13] + f[14])); fi
	for p in $(pgrep -x postgres); do
		if read -r -a f <"/proc/$p/stat" 2>/dev/null; then pg=$((pg + f[13] + f[14] + f[15] + f[16])); fi
	done
	read -r _ u n s i w q sq st _ </proc/stat
	echo "$srv $pg $((u + n + s + q + sq + st)) $((u + n + s + i + w + q + sq + st))"
}

# bench_once DIR: one repetition on a fresh database.
bench_once() {
	local dir=$1 c
	start_env "$dir"
	printf 'name\tconns\treq_s\tp50_ms\tp90_ms\tp99_ms\trequests\tnon2xx\tgql_errors\tsocket_errors\tcodes\tpeak_rss_mb\tsrv_cpu_ms_req\tsrv_cores\tpg_cores\tbusy_cores\n' >"$dir/results.tsv"

	list_users >"$dir/users.txt"
	gql '{"query":"{ users(first: 50) { edges { node { id permissions(first: 5) { edges { node { device { id } } } } } } } }"}' |
		jq -r '.data.users.edges[].node as $u | $u.permissions.edges[].node.device.id | "\($u.id) \(.)"' >"$dir/pairs.txt"
	# The overview query is the constant in graph/statements_test.go.
	local q
	q=$(awk '/^const overview = `/ { f = 1; sub(/^const overview = `/, "") } f { if (sub(/`$/, "")) { print; exit } print }' "$src/graph/statements_test.go")
	[[ $q == *users* ]] || { echo "run.sh: no overview constant in graph/statements_test.go" >&2; exit 1; }
	jq -cn --arg q "$q" '{query: $q}' >"$dir/overview.json"

	for w in "${workloads[@]}"; do
		case $w in
		overview)
			for c in "${conns[@]}"; do run_wrk "$dir" "overview-c$c" overview.lua "$c" BENCH_BODY="$dir/overview.json"; done
			;;
		checkaccess)
			for c in "${conns[@]}"; do run_wrk "$dir" "checkaccess-c$c" checkaccess.lua "$c" BENCH_PAIRS="$dir/pairs.txt"; done
			;;
		grant)
			# Devices nobody holds, enough that every grant of every run
			# (warm-ups included) gets a (user, triple) of its own.
			local users runs triples
			users=$(wc -l <"$dir/users.txt")
			runs=$((${#conns[@]} * (duration + warmup)))
			triples=$(((grant_rate * runs + users - 1) / users))
			log "creating $((triples * 3)) devices for $((users * triples)) distinct grants"
			create_devices $((triples * 3)) "pool" >"$dir/grant-devices.txt"
			grant_offset=0
			for c in "${conns[@]}"; do
				run_wrk "$dir" "grant3-c$c" grant.lua "$c" BENCH_USERS="$dir/users.txt" BENCH_DEVICES="$dir/grant-devices.txt"
			done
			;;
		*) echo "run.sh: unknown workload $w" >&2; exit 2 ;;
		esac
	done

	if ((grant500)); then
		log "grant500: 11 grants of 500 devices"
		"$here/grant500.sh" | tee "$dir/grant500.txt" >&2
	fi

	curl -s "${BENCH_URL%/query}/metrics" >"$dir/metrics.txt" || true
	stop_server
	drop_db
	printf 'peak_rss_mb\t%s\n' "$(peak_rss "$dir/rss.txt")" >"$dir/peak_rss.tsv"
	summary "$dir"
}

# summary DIR: the table of one repetition.
summary() {
	local dir=$1
	echo
	echo "== $(basename "$dir") =="
	column -t -s $'\t' "$dir/results.tsv" 2>/dev/null || cat "$dir/results.tsv"
	[[ -f $dir/grant500.txt ]] && grep '^grant500: median' "$dir/grant500.txt"
	echo "server peak RSS: $(cut -f2 "$dir/peak_rss.tsv") MiB"
	grep -E '^latchkey_(outbox_depth|db_wait_count_total|graphql_errors_total\{code="INTERNAL"\}) ' "$dir/metrics.txt" || true
}

# The server is built from the working tree, or with BENCH_REV from that
# commit (exported with git archive, the working tree is not touched).
src=$root
if [[ -n ${BENCH_REV:-} ]]; then
	src=$tmp/src
	mkdir -p "$src"
	git -C "$root" archive "$BENCH_REV" | tar -x -C "$src"
	version="$(git -C "$root" rev-parse --short "$BENCH_REV") (BENCH_REV=$BENCH_REV)"
else
	version="working tree at $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD 2>/dev/null || echo ', with local changes')"
fi
log "building the server: $version"
(cd "$src" && go build -o "$tmp/latchkey" .)
if ((load)); then
	(cd "$root" && go build -o "$tmp/load" ./bench/load)
fi
{
	echo "date: $(date -Is)"
	echo "server: $version"
	echo "cpus: $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
	echo "memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	((sqlite)) && echo "database: SQLite" || echo "database: $(psql -Atq "$pg/postgres" -c 'SHOW server_version')"
	echo "wrk: $(wrk -v 2>&1 | head -1)"
	echo "duration ${duration}s, warm-up ${warmup}s, connections ${conns[*]}, wrk threads $wrk_threads"
} | tee "$out/machine.txt" >&2

if ((!load_only)); then
	for r in $(seq "$repeat"); do
		log "repetition $r of $repeat"
		bench_once "$out/rep-$r"
	done
	if ((repeat > 1)); then
		"$here/summarize.sh" "$out"/rep-* | tee "$out/summary.txt"
	fi
fi

if ((load)); then
	log "mixed load: $load_clients clients for $load_duration"
	start_env "$out/load"
	status=0
	"$tmp/load" -url "$BENCH_URL" -token "$BENCH_TOKEN" -duration "$load_duration" -clients "$load_clients" |
		tee "$out/load/load.txt" || status=$?
	curl -s "${BENCH_URL%/query}/metrics" >"$out/load/metrics.txt" || true
	stop_server
	drop_db
	echo "server peak RSS during the load: $(peak_rss "$out/load/rss.txt") MiB" | tee -a "$out/load/load.txt"
	if ((status != 0)); then
		echo "run.sh: the mixed load failed (exit $status)" >&2
		exit "$status"
	fi
fi
log "results in $out"
