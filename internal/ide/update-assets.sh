#!/usr/bin/env bash
# Re-fetches the third-party browser builds that the IDE embeds, from the npm
# registry, into assets/vendor/. Each package keeps its LICENSE next to its
# files, and assets/vendor/PACKAGES records what was fetched.
#
#   internal/ide/update-assets.sh          replace assets/vendor/ with a fresh copy
#   internal/ide/update-assets.sh --check  fetch into a temp folder and fail if
#                                          assets/vendor/ differs from it
#
# Needs bash, npm, node and tar. To move to another version, change the
# versions below, run the script, and run `go test ./internal/ide/`.
set -euo pipefail

GRAPHIQL_VERSION=3.9.0 # the last GraphiQL line that ships a UMD bundle
REACT_VERSION=18.3.1   # React 19 no longer ships UMD builds

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="$here/assets/vendor"
check=false
case "${1:-}" in
  "") ;;
  --check) check=true ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
out="$tmp/vendor"
mkdir -p "$out"

{
  echo "# Written by update-assets.sh; do not edit."
  echo "# package version license integrity (as published in the npm registry)"
} >"$out/PACKAGES"

# vendor NAME VERSION FILE... copies FILEs (paths inside the package) and the
# package's LICENSE into $out/NAME/.
vendor() {
  local name=$1 version=$2
  shift 2
  local work="$tmp/pack/$name"
  mkdir -p "$work" "$out/$name"
  # npm pack checks the tarball against the registry's integrity hash.
  (cd "$work" && npm pack --silent --json --cache "$tmp/npm-cache" "$name@$version" >pack.json)
  local meta
  meta="$(node -e '
    const [m] = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(m.filename + " " + m.integrity);
  ' "$work/pack.json")"
  local tarball=${meta%% *} integrity=${meta#* }
  tar -xzf "$work/$tarball" -C "$work"
  local license
  license="$(node -e 'console.log(require(process.argv[1]).license)' "$work/package/package.json")"
  cp "$work/package/LICENSE" "$out/$name/LICENSE"
  local f
  for f in "$@"; do
    cp "$work/package/$f" "$out/$name/$(basename "$f")"
  done
  echo "$name $version $license $integrity" >>"$out/PACKAGES"
}

vendor react "$REACT_VERSION" umd/react.production.min.js
vendor react-dom "$REACT_VERSION" umd/react-dom.production.min.js
vendor graphiql "$GRAPHIQL_VERSION" graphiql.min.js graphiql.min.css

if $check; then
  if diff -r "$dest" "$out" >/dev/null; then
    echo "assets/vendor is up to date"
  else
    diff -rq "$dest" "$out" >&2 || true
    echo "assets/vendor differs from the npm packages; run $0" >&2
    exit 1
  fi
  exit 0
fi

rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
cp -R "$out" "$dest"
echo "updated $dest:"
cat "$dest/PACKAGES"
du -sh "$dest"
