#!/usr/bin/env bash
# Benchmarks slope against plain candle and prints the table of figures (see docs/performance.md).
# Runs the criterion benches with the default thread count and with RAYON_NUM_THREADS=1, then
# prints medians, baselines and ratios read off those runs. Extra arguments go to criterion.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p slope-explore
cargo bench -p slope-explore --bench figures -- --noplot "$@"
RAYON_NUM_THREADS=1 cargo bench -p slope-explore --bench figures -- --noplot "$@"
cargo run --release -q -p slope-explore --example bench_table
