#!/usr/bin/env bash
# `make run`: migrate, start the Watcher-compatible server with demo cameras, load the portal's
# demo data (pushed to that server), then serve the portal and run the sync worker.
# The settings it uses are written to .env, so `flask --app app ...` in another terminal sees them.
# ACCESS_LOG=1 logs every request (off by default, so the e-mails stand out). Ctrl-C stops it all.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-5000}
WATCHER_PORT=${WATCHER_PORT:-8081}
SYNC_INTERVAL=${SYNC_INTERVAL:-30}
ACCESS_LOG=${ACCESS_LOG:-0}
PY=.venv/bin/python
mkdir -p instance

secret() { [ -s "instance/$1" ] || $PY -c 'import secrets; print(secrets.token_urlsafe(32))' > "instance/$1"; cat "instance/$1"; }
export SECRET_KEY=${SECRET_KEY:-$(secret secret_key)}
export EXTERNAL_AUTH_SECRET=${EXTERNAL_AUTH_SECRET:-$(secret external_auth_secret)}
export WATCHER_URL=${WATCHER_URL:-http://$HOST:$WATCHER_PORT}
export WATCHER_LOGIN=${WATCHER_LOGIN:-admin}
export WATCHER_PASSWORD=${WATCHER_PASSWORD:-admin}
export PUBLIC_URL=${PUBLIC_URL:-http://$HOST:$PORT}
MAIL_SINK=0
if [ -z "${MAIL_SERVER:-}" ]; then  # no SMTP given: a local sink prints the e-mails here
  MAIL_SINK=1
  export MAIL_SERVER=$HOST MAIL_PORT=${MAIL_PORT:-8025}
fi
export FLASK_APP=app

dotenv_value() { local v=${1//\\/\\\\}; printf '"%s"' "${v//\"/\\\"}"; }
{
  echo "# Written by \`make run\` (scripts/run.sh) on each start; flask commands read it. Not committed."
  for name in FLASK_APP SECRET_KEY EXTERNAL_AUTH_SECRET WATCHER_URL WATCHER_LOGIN WATCHER_PASSWORD PUBLIC_URL \
              MAIL_SERVER MAIL_PORT; do
    if [ -n "${!name:-}" ]; then echo "$name=$(dotenv_value "${!name}")"; fi
  done
} > .env

pids=()
stop() {  # stop every child we started, once
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap 'stop; printf "\n  Stopped.\n"; exit 0' INT TERM  # Ctrl-C is how a person ends `make run`
trap stop EXIT

wait_for() {  # wait_for URL: until it answers (any HTTP status), for up to two minutes
  local give_up=$((SECONDS + 120))
  while [ "$SECONDS" -lt "$give_up" ]; do
    if $PY -c "import sys, urllib.request, urllib.error
try: urllib.request.urlopen(sys.argv[1], timeout=10)
except urllib.error.HTTPError: pass
except Exception: sys.exit(1)" "$1" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "Nothing answers at $1" >&2; return 1
}

if [ "$MAIL_SINK" = 1 ]; then
  $PY -m aiosmtpd -n -c aiosmtpd.handlers.Debugging -l "$MAIL_SERVER:$MAIL_PORT" &
  pids+=($!)
fi
quiet=(--quiet); access=()
if [ "$ACCESS_LOG" = 1 ]; then quiet=(); access=(--access-log); fi
$PY -m watcher_sim --host "$HOST" --port "$WATCHER_PORT" --data instance/watcher.sqlite --demo "${quiet[@]}" \
    --admin-login "$WATCHER_LOGIN" --admin-password "$WATCHER_PASSWORD" \
    --external-auth-url "$PUBLIC_URL/watcher/auth/$EXTERNAL_AUTH_SECRET" &
pids+=($!)
wait_for "$WATCHER_URL/watcher/admin-api/v3/monitoring/liveness"

$PY -m flask db upgrade
$PY -m flask demo load
$PY -m flask watcher sync || true

$PY -m portal.devserver --host "$HOST" --port "$PORT" "${access[@]}" &
pids+=($!)
wait_for "http://$HOST:$PORT/login"
$PY -m flask watcher worker --interval "$SYNC_INTERVAL" &
pids+=($!)

cat <<MSG

  Portal:   http://$HOST:$PORT/
  Watcher:  $WATCHER_URL  (Watcher-compatible server; admin login $WATCHER_LOGIN / $WATCHER_PASSWORD)
  The portal pushes changes to Watcher at once and pulls cameras every ${SYNC_INTERVAL}s.
  Settings are in .env: \`.venv/bin/flask --app app watcher sync\` works in another terminal.
  E-mails (activation, password reset) go to ${MAIL_SERVER}:${MAIL_PORT}$( [ "$MAIL_SINK" = 1 ] && echo " and are printed in this terminal").

  Demo logins (portal; subscribers use the same password in Watcher):
MSG
$PY -c 'from portal.demo import DEMO_LOGINS
for role, email, password in DEMO_LOGINS: print(f"    {role:<11} {email:<30} {password}")'
echo
echo "  Press Ctrl+C to stop.$( [ "$ACCESS_LOG" = 1 ] || echo " (ACCESS_LOG=1 make run logs every request.)")"
status=0
wait -n "${pids[@]}" || status=$?
if [ "$status" = 0 ] || [ "$status" -gt 128 ]; then  # Ctrl-C reaches the children too: a clean stop
  stop; printf "\n  Stopped.\n"; exit 0
fi
echo "A process of \`make run\` failed (status $status); stopping the others." >&2
exit 1
