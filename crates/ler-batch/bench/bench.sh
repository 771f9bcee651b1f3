#!/usr/bin/env bash
# Bulk issuance benchmark: N Open Badges 3.0 credentials (default 100,000) signed
# (eddsa-rdfc-2022, both status entries) and stored in a fresh SQLite store by
# `ler batch issue`, release build. Reports wall time and peak RSS from /usr/bin/time -v.
#
#   crates/ler-batch/bench/bench.sh [N]
#   BENCH_DATABASE=postgres://postgres@127.0.0.1:5432/lerbench crates/ler-batch/bench/bench.sh [N]
#
# With BENCH_DATABASE, the store is that (empty) PostgreSQL database instead of SQLite.
#
# Target (issue 8): 100,000 in at most 30 s with peak RSS at most 200 MB on 2 cores.
set -euo pipefail
n=${1:-100000}
root=$(cd "$(dirname "$0")/../../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
cargo build --release -p ler --manifest-path "$root/Cargo.toml" >&2
ler=$CARGO_TARGET_DIR/release/ler
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LER_KEK=$("$ler" admin gen-kek)
export LER_PUBLIC_URL=https://creds.example.org
if [ -n "${BENCH_DATABASE:-}" ]; then
  store=(--database "$BENCH_DATABASE"); backend=PostgreSQL
else
  store=(--data "$work/data"); backend=SQLite
fi
"$ler" admin create-org "${store[@]}" --slug bench --name "Bench College" >/dev/null
cat > "$work/achievement.json" <<'JSON'
{"type": ["Achievement"], "name": "Forklift Safety", "description": "Operates a forklift safely.",
 "criteria": {"narrative": "Completed the 8-hour course and passed the final exam."},
 "achievementType": "Certificate"}
JSON
"$ler" batch add-achievement "${store[@]}" --org bench --id forklift "$work/achievement.json" >/dev/null
cat > "$work/mapping.toml" <<'TOML'
source_key = "bench:{Enrollment}"
[recipient]
email = "{Email}"
name = "{Learner}"
[achievement]
id = "forklift"
[result]
score = "{Score}"
max_score = "100"
[dates]
awarded = "{Completed on}"
TOML
awk -v n="$n" 'BEGIN {
  print "Learner,Email,Score,Completed on,Enrollment";
  for (i = 1; i <= n; i++)
    printf "Learner %d,learner%d@students.example.edu,%d,2024-%02d-%02d,E-%d\n", i, i, 70 + i % 31, 1 + i % 12, 1 + i % 28, i;
}' > "$work/data.csv"
echo "ler batch issue: $n rows ($(du -h "$work/data.csv" | cut -f1) CSV) into $backend" >&2
/usr/bin/time -v "$ler" batch issue "${store[@]}" --org bench --mapping "$work/mapping.toml" \
  "$work/data.csv" 2> "$work/time.txt" || { cat "$work/time.txt" >&2; exit 1; }
grep -E "rows in|preview" "$work/time.txt" >&2
wall=$(grep "Elapsed (wall clock)" "$work/time.txt" | awk '{print $NF}')
rss=$(grep "Maximum resident set size" "$work/time.txt" | awk '{print $NF}')
if [ -n "${BENCH_DATABASE:-}" ]; then
  stored=$(psql "$BENCH_DATABASE" -tAc "SELECT count(*) FROM credentials" 2>/dev/null || echo "?")
else
  stored=$(sqlite3 "$work/data/ler.sqlite3" "SELECT count(*) FROM credentials" 2>/dev/null || echo "?")
fi
echo "credentials stored: $stored"
echo "wall time: $wall"
echo "peak RSS: $((rss / 1024)) MB"
