#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60): fuzz/run.sh [SECONDS]
# Needs cargo-fuzz (cargo install cargo-fuzz). On a stable toolchain, RUSTC_BOOTSTRAP=1 lets
# cargo-fuzz use the sanitizer flags it needs.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-60}"
export RUSTC_BOOTSTRAP="${RUSTC_BOOTSTRAP:-1}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ler-fuzz-target}"
for t in verify_bytes jwt multibase status_list did; do
  mkdir -p "corpus/$t"
  echo "== $t: ${secs}s"
  seeds=()
  [ "$t" = verify_bytes ] && seeds=(../crates/ler-verify/tests/hostile ../fixtures)
  cargo fuzz run "$t" "corpus/$t" "${seeds[@]}" -- -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 2>&1 | tail -n 3
done
