#!/usr/bin/env bash
# `make run`: migrate, load demo data, start the Watcher-compatible server and the portal.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-5000}
WATCHER_PORT=${WATCHER_PORT:-8081}
PY=.venv/bin/python
mkdir -p instance

export WATCHER_URL=${WATCHER_URL:-http://$HOST:$WATCHER_PORT}
export WATCHER_LOGIN=${WATCHER_LOGIN:-admin}
export WATCHER_PASSWORD=${WATCHER_PASSWORD:-admin}
if [ ! -s instance/secret_key ]; then
  $PY -c 'import secrets; print(secrets.token_urlsafe(48))' > instance/secret_key
fi
export SECRET_KEY=${SECRET_KEY:-$(cat instance/secret_key)}

$PY -m flask --app app db upgrade
$PY -m flask --app app demo load

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

$PY -m watcher_sim --host "$HOST" --port "$WATCHER_PORT" --data instance/watcher.sqlite --demo \
    --admin-login "$WATCHER_LOGIN" --admin-password "$WATCHER_PASSWORD" &
pids+=($!)

echo
echo "Portal:            http://$HOST:$PORT/"
echo "Watcher (emulator): $WATCHER_URL  (admin: $WATCHER_LOGIN / $WATCHER_PASSWORD)"
echo "Demo logins:"
$PY -c 'from portal.demo import DEMO_LOGINS
for role, email, password in DEMO_LOGINS: print(f"  {role:<10} {email:<32} {password}")'
echo
$PY -m flask --app app run --host "$HOST" --port "$PORT" &
pids+=($!)
wait -n "${pids[@]}"
