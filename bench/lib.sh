# Helpers for bench/run.sh and bench/grant500.sh (sourced, not run).
# They talk to the API at $BENCH_URL (the /query endpoint) with the admin
# token $BENCH_TOKEN, through curl and jq.

# gql BODY: sends one JSON request body, prints the response; fails on a
# transport error, a non-2xx answer or a GraphQL "errors" member.
gql() {
	local resp
	if ! resp=$(printf '%s' "$1" | curl -sS --fail-with-body -m 120 "$BENCH_URL" \
		-H "Authorization: Bearer $BENCH_TOKEN" -H 'Content-Type: application/json' --data-binary @-); then
		echo "bench: request failed: ${resp:0:500}" >&2
		return 1
	fi
	if jq -e 'has("errors")' >/dev/null <<<"$resp"; then
		echo "bench: GraphQL errors: ${resp:0:500}" >&2
		return 1
	fi
	printf '%s\n' "$resp"
}

# create_devices N PREFIX: creates N devices (named PREFIX-i, time zone UTC)
# and prints their IDs, one a line, in order. 25 aliased createDevice per
# request keeps under the server's alias limit (30).
create_devices() {
	local n=$1 prefix=$2 i j q
	for ((i = 0; i < n; i += 25)); do
		q='mutation {'
		for ((j = i; j < n && j < i + 25; j++)); do
			q+=" d$j: createDevice(input: {name: \\\"$prefix-$j\\\", timeZone: \\\"UTC\\\"}) { device { id } }"
		done
		q+=' }'
		gql "{\"query\":\"$q\"}" | jq -r '.data | to_entries | sort_by(.key[1:] | tonumber) | .[].value.device.id'
	done
}

# create_users N PREFIX: creates N users (emails PREFIX-i@example.com) and
# prints their IDs, one a line, in order.
create_users() {
	local n=$1 prefix=$2 i j q
	for ((i = 0; i < n; i += 25)); do
		q='mutation {'
		for ((j = i; j < n && j < i + 25; j++)); do
			q+=" u$j: createUser(input: {name: \\\"Bench $j\\\", email: \\\"$prefix-$j@example.com\\\"}) { user { id } }"
		done
		q+=' }'
		gql "{\"query\":\"$q\"}" | jq -r '.data | to_entries | sort_by(.key[1:] | tonumber) | .[].value.user.id'
	done
}

# list_users: prints the ID of every user of the account, one a line.
list_users() {
	local after=null page
	while :; do
		page=$(gql "$(jq -cn --argjson after "$after" '{query: "query($after: Cursor) { users(first: 200, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id } } } }", variables: {after: $after}}')")
		jq -r '.data.users.edges[].node.id' <<<"$page"
		[[ $(jq -r '.data.users.pageInfo.hasNextPage' <<<"$page") == true ]] || break
		after=$(jq -c '.data.users.pageInfo.endCursor' <<<"$page")
	done
}

# median: the median of the numbers on stdin (one a line).
median() {
	sort -g | awk '{v[NR] = $1} END { if (NR == 0) exit 1; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
