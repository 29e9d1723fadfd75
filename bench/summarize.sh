#!/usr/bin/env bash
# bench/summarize.sh REP_DIR...: medians over repetitions of bench/run.sh.
#
#   bench/summarize.sh bench/out/20260101-120000/rep-*
#
# For every wrk run it prints the median and, in brackets, the smallest and
# largest value of requests/s and of the p50, p90 and p99 latencies, and the
# failed answers (non-2xx + GraphQL errors + socket errors) summed over the
# repetitions, the server's CPU time per request, and the median number of
# cores kept busy by the server, by postgres and by the whole machine
# (what is left is wrk and other work on the machine); then the 500-device
# grant (median of the repetitions' medians) and the server's peak RSS.
set -euo pipefail
(($#)) || { echo "usage: $0 REP_DIR..." >&2; exit 2; }

awk -F'\t' '
function stat(list,    a, n, i, j, t, med) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	med = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	return sprintf("%s [%s-%s]", med, a[1], a[n])
}
FNR == 1 { next }
FILENAME ~ /results.tsv$/ {
	k = $1
	if (!(k in rps)) order[++n] = k
	rps[k] = rps[k] " " $3; p50[k] = p50[k] " " $4; p90[k] = p90[k] " " $5; p99[k] = p99[k] " " $6
	bad[k] += $8 + $9 + $10; reps[k]++
	cpu[k] = cpu[k] " " $13; srv[k] = srv[k] " " $14; pg[k] = pg[k] " " $15; busy[k] = busy[k] " " $16
}
function mid(list) { split(stat(list), m, " "); return m[1] }
END {
	printf "%-16s %4s %-24s %-22s %-22s %-22s %6s  %-20s %s\n", "run", "reps", "req/s", "p50 ms", "p90 ms", "p99 ms", "failed", "server CPU ms/req", "cores: server/postgres/machine"
	for (i = 1; i <= n; i++) {
		k = order[i]
		printf "%-16s %4d %-24s %-22s %-22s %-22s %6d  %-20s %s/%s/%s\n", k, reps[k], stat(rps[k]), stat(p50[k]), stat(p90[k]), stat(p99[k]), bad[k], stat(cpu[k]), mid(srv[k]), mid(pg[k]), mid(busy[k])
	}
}' $(for d in "$@"; do echo "$d/results.tsv"; done)

g500=$(for d in "$@"; do [[ -f $d/grant500.txt ]] && awk -F'\t' '$1 == "RESULT" { print $3 }' "$d/grant500.txt"; done | tr '\n' ' ')
rss=$(for d in "$@"; do [[ -f $d/peak_rss.tsv ]] && cut -f2 "$d/peak_rss.tsv"; done | tr '\n' ' ')
med() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR) printf "%s [%s-%s]", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[1], v[NR] }'; }
[[ -n ${g500// /} ]] && echo "grant500 median ms: $(med <<<"$g500")  (per repetition: $g500)"
[[ -n ${rss// /} ]] && echo "server peak RSS MiB: $(med <<<"$rss")  (per repetition: $rss)"
exit 0
