#!/usr/bin/env bash
# Run the whole suite on SQLite and then on PostgreSQL.  With CI=true a skipped
# test fails the run (see tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
workers=${PYTEST_WORKERS:-2}
status=0
for database in sqlite postgres; do
  echo "=== test suite on ${database} ==="
  if ! TEST_DATABASE=$database $PY -m pytest -n "$workers" -p no:cacheprovider "$@"; then
    status=1
  fi
done
exit $status
