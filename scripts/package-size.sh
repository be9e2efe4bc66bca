#!/usr/bin/env bash
# Build the shared layer and the QuickBooks transform function with SAM (pip reaches the
# package registry) and print their unzipped sizes against Lambda's 250 MB limit for a
# function plus its layers (250 MiB = 262144000 bytes).
#
#   scripts/package-size.sh [build-dir]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$(mktemp -d)}"
SAM_NETWORK=registry "$ROOT/scripts/sam.sh" build SharedLayer --build-dir "$OUT/layer" >/dev/null
SAM_NETWORK=registry "$ROOT/scripts/sam.sh" build QuickBooksTransformFunction \
    --build-dir "$OUT/function" >/dev/null
layer=$(du -sb "$OUT/layer/SharedLayer" | cut -f1)
function=$(du -sb "$OUT/function/QuickBooksTransformFunction" | cut -f1)
limit=262144000
echo "SharedLayer                  $layer bytes"
echo "QuickBooksTransformFunction  $function bytes"
echo "together                     $((layer + function)) bytes of $limit ($(( (layer + function) * 100 / limit )) %)"
[[ $((layer + function)) -le $limit ]]
