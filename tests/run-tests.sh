#!/usr/bin/env bash
# Runs every test of the solution and ends with "tests: N passed, N failed".
# The tests need RabbitMQ, PostgreSQL and Chromium (tests/scripts/install-chromium.sh installs Debian's when missing): SEVENSTAMP_TEST_RABBITMQ (an amqp:// URI) and SEVENSTAMP_TEST_POSTGRES
# (a connection string whose role may create databases) when set; otherwise, where a Docker engine runs,
# Testcontainers starts them; otherwise this script installs and starts them locally from Debian packages.
# Extra arguments go to `dotnet test`, e.g. tests/run-tests.sh --filter-class '*PluginCatalogTests'.
set -uo pipefail
cd "$(dirname "$0")/.."

docker_runs() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }
here=$(pwd)
if [ -z "${SEVENSTAMP_TEST_RABBITMQ:-}" ] && ! docker_runs; then
  uri=$(bash tests/scripts/start-rabbitmq.sh | tail -n 1) || { echo "could not start RabbitMQ" >&2; exit 1; }
  export SEVENSTAMP_TEST_RABBITMQ="$uri"
  export SEVENSTAMP_TEST_RABBITMQ_RESTART="${SEVENSTAMP_TEST_RABBITMQ_RESTART:-bash '$here/tests/scripts/start-rabbitmq.sh' --stop && bash '$here/tests/scripts/start-rabbitmq.sh'}"
fi
if [ -z "${SEVENSTAMP_TEST_POSTGRES:-}" ] && ! docker_runs; then
  connection=$(bash tests/scripts/start-postgres.sh | tail -n 1) || { echo "could not start PostgreSQL" >&2; exit 1; }
  export SEVENSTAMP_TEST_POSTGRES="$connection"
  export SEVENSTAMP_TEST_POSTGRES_STOP="${SEVENSTAMP_TEST_POSTGRES_STOP:-bash '$here/tests/scripts/start-postgres.sh' --stop}"
  export SEVENSTAMP_TEST_POSTGRES_START="${SEVENSTAMP_TEST_POSTGRES_START:-bash '$here/tests/scripts/start-postgres.sh'}"
fi

# Chromium for the page tests (tests/SevenStamp.Pages.Tests), from Debian's package when it is missing.
bash tests/scripts/install-chromium.sh || { echo "could not install Chromium for the page tests" >&2; exit 1; }

log=$(mktemp)
chaos_log=$(mktemp)
trap 'rm -f "$log" "$chaos_log"' EXIT

# The summary block of `dotnet test` (Microsoft.Testing.Platform) ends with failed/succeeded counts.
count() { grep -E "^\s+$1: [0-9]+" "$2" | tail -n 1 | grep -oE '[0-9]+' || true; }

# Phase 1: every test project of the solution, in parallel (the crash tests are not in the solution).
dotnet test "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
passed=$(count succeeded "$log")
failed=$(count failed "$log")

# Phase 2: the crash and outage tests, alone, as they take the broker and the database down.
# A three-node RabbitMQ cluster for the broker-node failover test, started here and stopped after.
if [ $# -eq 0 ]; then
  started_cluster=""
  if [ -z "${SEVENSTAMP_TEST_RABBITMQ_CLUSTER:-}" ] && ! docker_runs; then
    if nodes=$(bash tests/scripts/rabbitmq-cluster.sh fresh | tail -n 1); then
      export SEVENSTAMP_TEST_RABBITMQ_CLUSTER="$nodes" SEVENSTAMP_TEST_RABBITMQ_CLUSTER_SCRIPT="$here/tests/scripts/rabbitmq-cluster.sh"
      started_cluster=yes
    else
      echo "could not start the three-node RabbitMQ cluster; its failover test will be skipped" >&2
    fi
  fi
  dotnet test --project tests/SevenStamp.ChaosTests 2>&1 | tee "$chaos_log"
  chaos_status=${PIPESTATUS[0]}
  [ -z "$started_cluster" ] || bash tests/scripts/rabbitmq-cluster.sh stop || true
  [ "$chaos_status" -eq 0 ] || status=$chaos_status
  chaos_passed=$(count succeeded "$chaos_log")
  chaos_failed=$(count failed "$chaos_log")
  if [ -z "$chaos_passed" ] || [ -z "$chaos_failed" ]; then
    passed=""
  else
    passed=$(( ${passed:-0} + chaos_passed ))
    failed=$(( ${failed:-0} + chaos_failed ))
  fi
fi

if [ -z "$passed" ] || [ -z "$failed" ]; then
  echo "tests: 0 passed, 0 failed (no test summary: the build or a test run failed before reporting)"
  [ "$status" -ne 0 ] || status=1
  exit "$status"
fi
echo "tests: $passed passed, $failed failed"
exit "$status"


