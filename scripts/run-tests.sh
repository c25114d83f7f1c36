#!/usr/bin/env bash
# `npm test`: the unit tests, then the two halves of the rest side by side — `system` (kernel
# builds and QEMU boots, CPU-bound, one file at a time) and `integration` (servers, databases,
# Chromium: mostly waiting) — so their times overlap instead of adding up. With arguments it is
# plain `vitest run ARGS` (one file, one project).
set -uo pipefail
cd "$(dirname "$0")/.."
vitest=node_modules/.bin/vitest
if [ $# -gt 0 ]; then exec "$vitest" run "$@"; fi
"$vitest" run --project unit || exit 1
"$vitest" run --project system &
system=$!
"$vitest" run --project integration
integration=$?
wait "$system"
system=$?
[ "$integration" -eq 0 ] && [ "$system" -eq 0 ]
