#!/usr/bin/env bash
# A three-node RabbitMQ cluster on this machine, for the scale-out tests: nodes rabbit-1@localhost,
# rabbit-2@localhost and rabbit-3@localhost of the Debian package, each with its own AMQP port (5681, 5682, 5683),
# distribution port (25681…), data and log folders under /var/lib/sevenstamp-rabbitmq-cluster/, and the package's
# Erlang cookie shared by all three; nodes 2 and 3 join node 1. Quorum queues declared on it get a member on each
# node. The broker of start-rabbitmq.sh (rabbit@localhost on 5672) is left alone.
#   tests/scripts/rabbitmq-cluster.sh start          start the three nodes (or reuse them) and join them; prints
#                                                    the AMQP endpoints, one per line, last line the comma list
#   tests/scripts/rabbitmq-cluster.sh stop           stop all three
#   tests/scripts/rabbitmq-cluster.sh fresh          stop all three, delete their data, start them empty
#   tests/scripts/rabbitmq-cluster.sh stop-node N    stop node N (1–3) and nothing else
#   tests/scripts/rabbitmq-cluster.sh start-node N   start node N again; it rejoins the cluster by itself
#   tests/scripts/rabbitmq-cluster.sh status         the cluster's running nodes
set -euo pipefail
log() { echo "[rabbitmq-cluster] $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
export ERL_EPMD_ADDRESS=127.0.0.1

base=/var/lib/sevenstamp-rabbitmq-cluster
nodes=(1 2 3)
port() { echo $((5680 + $1)); }
name() { echo "rabbit-$1@localhost"; }
ctl() { local n=$1; shift; as_root env RABBITMQ_CONF_ENV_FILE="$base/node-$n/rabbitmq-env.conf" rabbitmqctl -q -n "$(name "$n")" "$@"; }

if ! command -v rabbitmq-server >/dev/null 2>&1; then
  log "installing the rabbitmq-server package"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null
fi

# Each node's own environment file, configuration and empty plugin list, so that nothing of the package's
# single-node setup (/etc/rabbitmq) applies to it.
configure() {
  local n=$1 dir="$base/node-$n"
  as_root mkdir -p "$dir/mnesia" "$dir/log"
  as_root tee "$dir/rabbitmq-env.conf" >/dev/null <<CONF
NODENAME=$(name "$n")
NODE_IP_ADDRESS=127.0.0.1
NODE_PORT=$(port "$n")
DIST_PORT=$((20000 + $(port "$n")))
MNESIA_BASE=$dir/mnesia
LOG_BASE=$dir/log
CONFIG_FILE=$dir/rabbitmq.conf
ENABLED_PLUGINS_FILE=$dir/enabled_plugins
PID_FILE=$dir/node.pid
SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
CONF
  as_root tee "$dir/rabbitmq.conf" >/dev/null <<CONF
listeners.tcp.default = 127.0.0.1:$(port "$n")
loopback_users.guest = true
cluster_partition_handling = pause_minority
CONF
  echo "[]." | as_root tee "$dir/enabled_plugins" >/dev/null
  as_root chown -R rabbitmq:rabbitmq "$dir"
}

running() { ctl "$1" ping >/dev/null 2>&1; }

start_node() {
  local n=$1
  configure "$n"
  if running "$n"; then
    return 0
  fi
  log "starting $(name "$n") on 127.0.0.1:$(port "$n")"
  as_root env RABBITMQ_CONF_ENV_FILE="$base/node-$n/rabbitmq-env.conf" rabbitmq-server -detached
  for _ in $(seq 1 240); do
    running "$n" && break
    sleep 0.5
  done
  ctl "$n" await_startup --timeout 120 >/dev/null
}

stop_node() {
  local n=$1 pid
  as_root env RABBITMQ_CONF_ENV_FILE="$base/node-$n/rabbitmq-env.conf" timeout 60 rabbitmqctl -q -n "$(name "$n")" stop >/dev/null 2>&1 || true
  pid=$(as_root cat "$base/node-$n/node.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && as_root kill -0 "$pid" 2>/dev/null; then
    log "$(name "$n") did not stop; killing it"
    as_root kill -9 "$pid" 2>/dev/null || true
  fi
  # A VM left of this node (found by its own environment file; the command line does not name the node).
  for vm in $(as_root pgrep -u rabbitmq -f 'beam.smp.*rabbit' 2>/dev/null || true); do
    if as_root cat "/proc/$vm/environ" 2>/dev/null | tr '\0' '\n' | grep -qx "RABBITMQ_CONF_ENV_FILE=$base/node-$n/rabbitmq-env.conf"; then
      as_root kill -9 "$vm" 2>/dev/null || true
    fi
  done
  log "$(name "$n") stopped"
}

# Nodes 2 and 3 join node 1 once; a node that was stopped later rejoins by itself when it starts again.
join() {
  local n=$1
  if ctl 1 cluster_status --formatter json 2>/dev/null | grep -q "\"$(name "$n")\""; then
    return 0
  fi
  log "$(name "$n") joins $(name 1)"
  ctl "$n" stop_app >/dev/null 2>&1
  ctl "$n" reset >/dev/null 2>&1
  ctl "$n" join_cluster "$(name 1)" >/dev/null 2>&1
  ctl "$n" start_app >/dev/null 2>&1
  ctl "$n" await_startup --timeout 120 >/dev/null
}

endpoints() {
  local list=()
  for n in "${nodes[@]}"; do
    echo "127.0.0.1:$(port "$n")"
    list+=("127.0.0.1:$(port "$n")")
  done
  (IFS=,; echo "${list[*]}")
}

case "${1:-start}" in
  start)
    for n in "${nodes[@]}"; do start_node "$n"; done
    join 2
    join 3
    log "cluster of $(ctl 1 cluster_status --formatter json | grep -o '"running_nodes":\[[^]]*\]')"
    endpoints
    ;;
  stop)
    for n in 3 2 1; do stop_node "$n"; done
    ;;
  fresh)
    for n in 3 2 1; do stop_node "$n"; done
    as_root rm -rf "$base"
    log "cluster data deleted"
    "$0" start
    ;;
  stop-node)
    stop_node "${2:?node number 1-3}"
    ;;
  start-node)
    start_node "${2:?node number 1-3}"
    log "$(name "$2") is back"
    ;;
  status)
    ctl 1 cluster_status --formatter json 2>/dev/null || ctl 2 cluster_status --formatter json
    ;;
  *)
    echo "usage: $0 start|stop|fresh|stop-node N|start-node N|status" >&2
    exit 2
    ;;
esac
