#!/usr/bin/env bash
# Re-derives data/geometry/counties-10m.json from the npm package us-atlas 3.0.1.
# Usage: bash data/geometry/fetch-us-atlas.sh   (needs npm and sha256sum)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent us-atlas@3.0.1 >/dev/null && tar xzf us-atlas-3.0.1.tgz)
echo "e6daba1800885868303ad3549da62f85a557b8142bb72629ec15651de62f9c5d  $tmp/us-atlas-3.0.1.tgz" | sha256sum -c -
cp "$tmp/package/counties-10m.json" "$here/counties-10m.json"
cp "$tmp/package/LICENSE" "$here/LICENSE-us-atlas"
echo "145aaf5d1433352a6a1d8e86b5f149c7c653f9171baf14aaf75ee66575def1b0  $here/counties-10m.json" | sha256sum -c -
