#!/usr/bin/env bash
# Fails when the committed generated code (sdk/src/gen) differs from what `buf generate` makes now.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
npx buf generate -o "$out"
npx buf build -o "$out/sdk/src/gen/descriptors.binpb"
if ! diff -r "$out/sdk/src/gen" sdk/src/gen; then
  echo "sdk/src/gen is stale: run 'npm run generate' and commit the result" >&2
  exit 1
fi
echo "generated code is fresh"
