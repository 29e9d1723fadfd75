#!/usr/bin/env bash
# bench/grant500.sh: times grants of 500 devices against a running server.
#
#   BENCH_URL=http://127.0.0.1:8080/query BENCH_TOKEN=lk_... bench/grant500.sh
#
# It creates 500 devices and GRANT500_RUNS + 1 fresh users in the token's
# account, sends one untimed grant (warm-up), then GRANT500_RUNS timed
# grants of all 500 devices, one per fresh user, one at a time, and prints
# each time (curl's time_total: sending the ~16 KB body, the server's work
# and reading the answer over loopback) and the median. Every answer must be
# HTTP 200 without errors and carry 500 permissions.
#
# The last line is machine-readable:
#   RESULT  grant500  <median ms>  <min ms>  <max ms>  <runs>
# run.sh calls this after its wrk runs; it writes into the account, so run
# it on a scratch database.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

: "${BENCH_URL:?set BENCH_URL to the /query endpoint}"
: "${BENCH_TOKEN:?set BENCH_TOKEN to an admin token}"
runs=${GRANT500_RUNS:-11}
ndev=${GRANT500_DEVICES:-500}
tag="g500-$(date +%s)-$$"

mapfile -t devices < <(create_devices "$ndev" "$tag")
mapfile -t users < <(create_users $((runs + 1)) "$tag")
[[ ${#devices[@]} -eq $ndev && ${#users[@]} -eq $((runs + 1)) ]] || {
	echo "grant500: setup made ${#devices[@]} devices and ${#users[@]} users" >&2
	exit 1
}
devs_json=$(printf '%s\n' "${devices[@]}" | jq -R . | jq -cs .)
query='mutation($in: GrantPermissionInput!) { grantPermission(input: $in) { invitation { id } permissions { id } } }'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

times=()
for i in "${!users[@]}"; do
	jq -cn --arg q "$query" --arg u "${users[$i]}" --argjson d "$devs_json" \
		'{query: $q, variables: {in: {userID: $u, deviceIDs: $d}}}' >"$tmp/body.json"
	out=$(curl -sS -m 60 -o "$tmp/resp.json" -w '%{http_code} %{time_total}' "$BENCH_URL" \
		-H "Authorization: Bearer $BENCH_TOKEN" -H 'Content-Type: application/json' \
		--data-binary @"$tmp/body.json")
	read -r status secs <<<"$out"
	n=$(jq '.data.grantPermission.permissions | length' "$tmp/resp.json" 2>/dev/null || echo 0)
	if [[ $status != 200 ]] || jq -e 'has("errors")' "$tmp/resp.json" >/dev/null || [[ $n != "$ndev" ]]; then
		echo "grant500: run $i: HTTP $status, $n permissions: $(head -c 500 "$tmp/resp.json")" >&2
		exit 1
	fi
	ms=$(awk -v s="$secs" 'BEGIN { printf "%.1f", s * 1000 }')
	if ((i == 0)); then
		echo "grant500: warm-up ${ms} ms"
		continue
	fi
	times+=("$ms")
done
med=$(printf '%s\n' "${times[@]}" | median)
min=$(printf '%s\n' "${times[@]}" | sort -g | head -1)
max=$(printf '%s\n' "${times[@]}" | sort -g | tail -1)
echo "grant500: ${runs} grants of ${ndev} devices (ms): ${times[*]}"
echo "grant500: median ${med} ms (min ${min}, max ${max})"
printf 'RESULT\tgrant500\t%s\t%s\t%s\t%s\n' "$med" "$min" "$max" "$runs"
