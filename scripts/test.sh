#!/usr/bin/env bash
# Run the whole suite on SQLite and then on PostgreSQL.  With CI=true a skipped
# test fails the run (see tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
workers=${PYTEST_WORKERS:-2}
status=0
summary=()
for database in sqlite postgres; do
  echo "=== test suite on ${database} ==="
  started=$SECONDS
  result=passed
  if ! TEST_DATABASE=$database $PY -m pytest -n "$workers" -p no:cacheprovider "$@"; then
    status=1
    result=FAILED
  fi
  summary+=("${database}: ${result} in $((SECONDS - started)) s")
done
echo "=== suite times (each run prints its 15 slowest tests above) ==="
printf '  %s\n' "${summary[@]}"
exit $status
