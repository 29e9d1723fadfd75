#!/usr/bin/env bash
# bench/race.sh: two checkouts' load tests at the same time, round by round.
#
#   bench/race.sh [--sqlite] [--rounds N] A B
#
# A and B are checkouts (git worktrees) of two revisions. After building
# both once, so that the go build cache is warm for each, every round starts
# A's and B's own bench/run.sh --no-grant500 together, half a second apart,
# the one started first alternating, and waits for both: each builds and
# serves its revision on a database of its own, and both share the CPUs
# and the PostgreSQL server, so a change of the machine's speed (this
# machine is shared) moves both alike. The run started second has the
# machine to itself for the last half second, and its seeding may take
# longer: that favours it by a few per cent, so the rounds go in pairs,
# one started each way, and a pair's ratio is the geometric mean of its
# two. It prints, per round and wrk run, both request rates, both
# servers' CPU per request and the ratio B/A, then for each run the median
# of the pairs' ratios and their range.
#
# Environment (defaults in brackets), passed on to run.sh:
#   BENCH_ROUNDS       rounds, an even number, also --rounds [6]
#   BENCH_DURATION     seconds of each measured wrk run [20]
#   BENCH_WARMUP       seconds of the unrecorded run before each [3]
#   BENCH_CONNECTIONS  connection counts [8]
#   BENCH_WRK_THREADS  wrk threads per run [1]
#   BENCH_WORKLOADS    which wrk workloads [grant]
#   BENCH_OUT          where both runs' logs and results go [bench/out/race-<date-time>]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sqlite=() rounds=${BENCH_ROUNDS:-6} dirs=()
while (($#)); do
	case $1 in
	--sqlite) sqlite=(--sqlite) ;;
	--rounds) rounds=${2:?--rounds needs a number}; shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "race.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	*) dirs+=("$1") ;;
	esac
	shift
done
((${#dirs[@]} == 2)) || { echo "race.sh: give two checkouts, A and B (see --help)" >&2; exit 2; }
[[ $rounds =~ ^[1-9][0-9]?$ ]] && ((rounds % 2 == 0)) || { echo "race.sh: --rounds must be an even number from 2 to 98" >&2; exit 2; }
for d in "${dirs[@]}"; do
	[[ -x $d/bench/run.sh ]] || { echo "race.sh: $d has no bench/run.sh" >&2; exit 1; }
done
out=${BENCH_OUT:-$here/out/race-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
export BENCH_DURATION=${BENCH_DURATION:-20} BENCH_WARMUP=${BENCH_WARMUP:-3}
export BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-8} BENCH_WRK_THREADS=${BENCH_WRK_THREADS:-1}
export BENCH_WORKLOADS=${BENCH_WORKLOADS:-grant}

# run SIDE ROUND: one side's run.sh, its output in a log.
run() {
	local dir=${dirs[0]}
	[[ $1 == B ]] && dir=${dirs[1]}
	BENCH_OUT=$out/$1-$2 "$dir/bench/run.sh" --no-grant500 "${sqlite[@]}" >"$out/$1-$2.log" 2>&1
}

# Both builds warm first, so that the two runs of a round start in step.
for d in "${dirs[@]}"; do
	(cd "$d" && go build -o /dev/null .)
done
echo "A: ${dirs[0]} ($(git -C "${dirs[0]}" rev-parse --short HEAD))"
echo "B: ${dirs[1]} ($(git -C "${dirs[1]}" rev-parse --short HEAD))"
for ((r = 1; r <= rounds; r++)); do
	first=A second=B
	((r % 2)) || { first=B second=A; }
	run $first $r & p1=$!
	sleep 0.5
	run $second $r & p2=$!
	status=0
	wait $p1 || status=$?
	wait $p2 || status=$?
	((status == 0)) || { echo "race.sh: round $r failed; see $out/*-$r.log" >&2; exit 1; }
	# name, A req/s, A CPU ms, B req/s, B CPU ms, ratio
	awk -F'\t' -v r="$r" 'FNR == 1 { next }
		NR == FNR { a[$1] = $3; ca[$1] = $13; next }
		($1 in a) { printf "%d\t%s\t%s\t%s\t%s\t%s\t%.3f\n", r, $1, a[$1], ca[$1], $3, $13, $3 / a[$1] }' \
		"$out/A-$r/rep-1/results.tsv" "$out/B-$r/rep-1/results.tsv"
done | tee "$out/rounds.tsv" | awk -F'\t' '{ printf "round %s %-14s A %8s/s (%s ms)  B %8s/s (%s ms)  B/A %s\n", $1, $2, $3, $4, $5, $6, $7 }'

# The pairs' ratios, (round 2k-1 × round 2k)^½, per run; then each
# run's median and range.
awk -F'\t' '{ k = $2 "\t" int(($1 + 1) / 2); p[k] = (k in p) ? sqrt(p[k] * $7) : $7 }
	END { for (k in p) { split(k, f, "\t"); printf "%s\t%.4f\n", f[1], p[k] } }' "$out/rounds.tsv" |
	sort -t$'\t' -k1,1 -k2,2n | awk -F'\t' '
	$1 != name { if (n) report(); name = $1; n = 0 }
	{ v[++n] = $2 }
	END { if (n) report() }
	function report(  m) {
		m = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
		printf "%-14s median B/A %.3f (%+.1f %%) [%.3f-%.3f] over %d pairs\n", name, m, (m - 1) * 100, v[1], v[n], n
	}'
echo "results in $out"
