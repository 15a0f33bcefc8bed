#!/usr/bin/env bash
# The API against its own OpenAPI document, with schemathesis, as the office and as a team:
# no server error, every status and every answer as the document says.
#
#   benches/schemathesis.sh [MAX_EXAMPLES]     (default 30 per operation)
#
# Builds sweep, makes a 3,000-resident demo district in a temporary folder (today's round
# planned and published), serves it on loopback, and runs schemathesis (installed with pip
# into target/schemathesis-venv) once with an office token and once with a team token.
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-30}"

venv=target/schemathesis-venv
if [ ! -x "$venv/bin/schemathesis" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q schemathesis
fi
cargo build -q
sweep="$PWD/target/debug/sweep"
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
export SWEEP_DATABASE_URL="$work/sweep.db" RUST_LOG=warn SWEEP_VISITS_SOLVER_SECONDS=2
"$sweep" demo --residents 3000 --no-serve >/dev/null 2>&1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$sweep" serve --bind "127.0.0.1:$port" 2>server.log &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 50); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done

token() {
    curl -sf -X POST "$base/api/v1/$1" -H 'Content-Type: application/json' -d "$2" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}
office=$(token sessions '{"login": "office", "password": "demo-office"}')
# The demo's team PIN (src/demo.rs).
team=$(token team-sessions '{"team": "T001", "pin": "246813"}')

status=0
for who in office team; do
    echo "== as $who"
    bearer=$office
    [ "$who" = team ] && bearer=$team
    "$OLDPWD/$venv/bin/schemathesis" run "$base/api/v1/openapi.json" \
        --header "Authorization: Bearer $bearer" \
        --checks not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance \
        --max-examples "$examples" --workers 1 --seed 1 || status=1
done
exit $status
