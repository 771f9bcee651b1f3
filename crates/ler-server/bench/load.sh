#!/usr/bin/env bash
# Load benchmark of `ler serve`: POST /credentials/verify on loopback with the server pinned to
# one core and wrk (apt: wrk) on the other. Two credentials, both eddsa-rdfc-2022 Open Badges 3.0:
#   hosted: issued by the server itself, with revocation and suspension entries, so each request
#           also verifies two signed status lists (three proofs per request, all resolved from
#           the store);
#   did:key: fixtures/ob3-achievement.json signed by a did:key, no status (one proof per request).
# Usage: crates/ler-server/bench/load.sh [seconds] [connections]   (needs a release build of ler)
set -euo pipefail
cd "$(dirname "$0")/../../.."
secs=${1:-10}
conns=${2:-16}
ler=${LER_BIN:-${CARGO_TARGET_DIR:-target}/release/ler}
port=${PORT:-18080}
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

export LER_KEK=$("$ler" admin gen-kek)
public="http://localhost:$port"
"$ler" admin create-org --data "$work/data" --slug bench --name "Bench College" --public-url "$public" >/dev/null
key=$("$ler" admin create-api-key --data "$work/data" --org bench --scopes issue | tail -n1)
printf '[limits]\nverify_per_second = 0.0\n' > "$work/ler.toml"

RUST_LOG=warn taskset -c 0 "$ler" serve --data "$work/data" --listen "127.0.0.1:$port" \
  --public-url "$public" --config "$work/ler.toml" &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

achievement=$(python3 -c 'import json,sys; d=json.load(open("fixtures/ob3-achievement.json")); print(json.dumps(d["credentialSubject"]["achievement"]))' | \
  python3 -c 'import json,sys; a=json.load(sys.stdin); a.pop("id",None); print(json.dumps(a))')
curl -sf -X PUT "http://127.0.0.1:$port/orgs/bench/achievements/a1" -H "Authorization: Bearer $key" \
  -H 'Content-Type: application/json' -d "$achievement" >/dev/null
curl -sf "http://127.0.0.1:$port/orgs/bench/issue" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"achievementId":"a1","recipient":{"email":"sam@example.org"}}' | \
  python3 -c 'import json,sys; print(json.dumps({"verifiableCredential": json.load(sys.stdin)["verifiableCredential"]}))' > "$work/hosted.json"

did=$("$ler" key generate --out "$work/issuer.key" | tail -n1)
python3 -c 'import json,sys; d=json.load(open("fixtures/ob3-achievement.json")); d["issuer"]["id"]=sys.argv[1]; print(json.dumps(d))' "$did" \
  > "$work/didkey-unsigned.json"
"$ler" issue --key "$work/issuer.key" "$work/didkey-unsigned.json" | \
  python3 -c 'import json,sys; print(json.dumps({"verifiableCredential": json.load(sys.stdin)}))' > "$work/didkey.json"

for name in hosted didkey; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/credentials/verify" \
    -H 'Content-Type: application/json' --data-binary "@$work/$name.json")
  [ "$code" = 200 ] || { echo "bench: the $name credential does not verify ($code)" >&2; exit 1; }
  cat > "$work/$name.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$work/$name.json", "r"); wrk.body = f:read("*a"); f:close()
LUA
  echo "== $name: $(wc -c < "$work/$name.json") bytes, ${secs}s, $conns connections"
  taskset -c 1 wrk -t1 -c"$conns" -d"${secs}s" --latency -s "$work/$name.lua" \
    "http://127.0.0.1:$port/credentials/verify" | grep -E 'Requests/sec|Latency|50%|90%|99%|Non-2xx|requests in'
done
