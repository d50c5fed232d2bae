#!/usr/bin/env bash
# `npm run bench`: every benchmark once, one after another (each starts and stops what it needs and writes
# bench/results/<name>.json). BENCH_ONLY="decision p1" runs a subset. The README's table is read from these files.
set -euo pipefail
cd "$(dirname "$0")/.."
benches=(${BENCH_ONLY:-decision cli p1 fleet containers board})
for b in "${benches[@]}"; do
  printf '\n[%s] bench:%s (load %s)\n' "$(date +%H:%M:%S)" "$b" "$(cut -d' ' -f1-3 /proc/loadavg)" >&2
  npm run -s "bench:$b"
done
ls -l bench/results/ >&2
