#!/usr/bin/env bash
# Runs every test of the solution and ends with "tests: N passed, N failed".
# The tests need RabbitMQ and PostgreSQL: SEVENSTAMP_TEST_RABBITMQ (an amqp:// URI) and SEVENSTAMP_TEST_POSTGRES
# (a connection string whose role may create databases) when set; otherwise, where a Docker engine runs,
# Testcontainers starts them; otherwise this script installs and starts them locally from Debian packages.
# Extra arguments go to `dotnet test`, e.g. tests/run-tests.sh --filter-class '*PluginCatalogTests'.
set -uo pipefail
cd "$(dirname "$0")/.."

docker_runs() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }
if [ -z "${SEVENSTAMP_TEST_RABBITMQ:-}" ] && ! docker_runs; then
  uri=$(bash tests/scripts/start-rabbitmq.sh | tail -n 1) || { echo "could not start RabbitMQ" >&2; exit 1; }
  export SEVENSTAMP_TEST_RABBITMQ="$uri"
fi
if [ -z "${SEVENSTAMP_TEST_POSTGRES:-}" ] && ! docker_runs; then
  connection=$(bash tests/scripts/start-postgres.sh | tail -n 1) || { echo "could not start PostgreSQL" >&2; exit 1; }
  export SEVENSTAMP_TEST_POSTGRES="$connection"
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet test "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# The summary block of `dotnet test` (Microsoft.Testing.Platform) ends with total/failed/succeeded counts.
passed=$(grep -E '^\s+succeeded: [0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+' || true)
failed=$(grep -E '^\s+failed: [0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+' || true)
if [ -z "$passed" ] || [ -z "$failed" ]; then
  echo "tests: 0 passed, 0 failed (no test summary: the build or the test run failed before reporting)"
  [ "$status" -ne 0 ] || status=1
  exit "$status"
fi
echo "tests: $passed passed, $failed failed"
exit "$status"
