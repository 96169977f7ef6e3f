#!/usr/bin/env bash
# Starts a RabbitMQ broker on 127.0.0.1:5672 for the tests, without Docker or systemd, and prints its
# amqp:// URI as the last line. Installs the Debian package first when it is missing (needs root or sudo).
# Safe to run again: a broker that already answers is reused.
#   tests/scripts/start-rabbitmq.sh          start (or reuse)
#   tests/scripts/start-rabbitmq.sh --stop   stop it (killed when it does not stop within 60 s)
#   tests/scripts/start-rabbitmq.sh --fresh  stop it, delete the node's data (every queue and message) and start
#                                            it empty: for CI, whose broker is a throw-away test broker. A node
#                                            holding many quorum queues from earlier runs recovers each Raft
#                                            group on start, which can outlast the start-up wait.
set -euo pipefail
log() { echo "[rabbitmq] $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
export ERL_EPMD_ADDRESS=127.0.0.1

data=/var/lib/rabbitmq/mnesia
stop_node() {
  command -v rabbitmqctl >/dev/null 2>&1 || return 0
  as_root timeout 60 rabbitmqctl -q stop >/dev/null 2>&1 || true
  # A wedged node can ignore the stop request: end it by its pid file, then any broker VM left.
  local pid
  pid=$(as_root cat "$data/rabbit@localhost.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && as_root kill -0 "$pid" 2>/dev/null; then
    log "the node did not stop; killing it"
    as_root kill -9 "$pid" 2>/dev/null || true
  fi
  for _ in $(seq 1 20); do
    [ -n "$(this_nodes_vms)" ] || break
    for vm in $(this_nodes_vms); do as_root kill -9 "$vm" 2>/dev/null || true; done
    sleep 0.5
  done
}

# This node's broker VMs: every RabbitMQ VM but the nodes of tests/scripts/rabbitmq-cluster.sh, which are started
# with their own environment file and must survive this node's restart.
this_nodes_vms() {
  local vm
  for vm in $(as_root pgrep -u rabbitmq -f 'beam.smp.*rabbit' 2>/dev/null || true); do
    as_root cat "/proc/$vm/environ" 2>/dev/null | tr '\0' '\n' | grep -q '^RABBITMQ_CONF_ENV_FILE=.*sevenstamp-rabbitmq-cluster' || echo "$vm"
  done
}

if [ "${1:-}" = "--stop" ]; then
  stop_node
  log "stopped"
  exit 0
fi
if [ "${1:-}" = "--fresh" ]; then
  stop_node
  as_root rm -rf "$data"/rabbit@localhost "$data"/rabbit@localhost-feature_flags "$data"/rabbit@localhost-plugins-expand "$data"/rabbit@localhost.pid
  log "node data deleted"
fi

if ! command -v rabbitmq-server >/dev/null 2>&1; then
  log "installing the rabbitmq-server package"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null
fi

# A fixed node name and loopback-only listeners, whatever the machine's hostname is.
env_file=/etc/rabbitmq/rabbitmq-env.conf
if ! grep -qs '^NODENAME=rabbit@localhost' "$env_file"; then
  as_root tee "$env_file" >/dev/null <<'CONF'
NODENAME=rabbit@localhost
NODE_IP_ADDRESS=127.0.0.1
NODE_PORT=5672
SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
CONF
  as_root tee /etc/rabbitmq/rabbitmq.conf >/dev/null <<'CONF'
listeners.tcp.default = 127.0.0.1:5672
loopback_users.guest = true
CONF
fi

if as_root rabbitmqctl -q ping >/dev/null 2>&1; then
  log "already running"
else
  log "starting"
  as_root rabbitmq-server -detached
  # `await_startup` fails straight away until the node has registered, so wait for `ping` first.
  for _ in $(seq 1 240); do
    as_root rabbitmqctl -q ping >/dev/null 2>&1 && break
    sleep 0.5
  done
  as_root rabbitmqctl -q await_startup --timeout 120 >/dev/null
fi
log "ready on 127.0.0.1:5672"
echo "amqp://guest:guest@127.0.0.1:5672/"
