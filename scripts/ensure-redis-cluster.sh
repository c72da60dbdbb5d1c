#!/usr/bin/env bash
# Makes sure the test Redis Cluster (three masters on 127.0.0.1:7000-7002, no replicas, nothing on
# disk) is up for the e2e-cluster tests. A healthy cluster is left alone; otherwise stale nodes on
# those ports are stopped, their config files removed, and a fresh cluster is created. Installs
# redis-server with apt-get when missing (as root).
set -euo pipefail

HOST=127.0.0.1
# Ports can be moved (e.g. to try this script beside a running cluster): "7100 7101 7102".
read -r -a PORTS <<<"${ASES_TEST_CLUSTER_PORTS:-7000 7001 7002}"
CONF_DIR=/tmp

cluster_ok() {
  local port=$1
  redis-cli -h "$HOST" -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok'
}

all_ok() {
  local port
  for port in "${PORTS[@]}"; do
    cluster_ok "$port" || return 1
  done
}

if command -v redis-cli >/dev/null 2>&1 && all_ok; then
  exit 0
fi

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-redis-cluster: installing redis-server with apt-get..." >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    echo "ensure-redis-cluster: redis-server is missing; install it as root: apt-get install -y redis-server" >&2
    exit 1
  fi
fi

echo "ensure-redis-cluster: starting a Redis Cluster on $HOST:${PORTS[0]}-${PORTS[-1]}..." >&2
for port in "${PORTS[@]}"; do
  # A node left from an earlier run (or a half-made cluster) would refuse to join a new one.
  if redis-cli -h "$HOST" -p "$port" ping >/dev/null 2>&1; then
    redis-cli -h "$HOST" -p "$port" shutdown nosave >/dev/null 2>&1 || true
    for _ in $(seq 1 50); do
      redis-cli -h "$HOST" -p "$port" ping >/dev/null 2>&1 || break
      sleep 0.1
    done
  fi
  rm -f "$CONF_DIR/ases-cluster-$port.conf"
  redis-server --daemonize yes --bind "$HOST" --port "$port" --save "" --appendonly no \
    --cluster-enabled yes --cluster-config-file "ases-cluster-$port.conf" \
    --cluster-node-timeout 5000 --dir "$CONF_DIR"
done

for port in "${PORTS[@]}"; do
  for _ in $(seq 1 50); do
    redis-cli -h "$HOST" -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
done

nodes=()
for port in "${PORTS[@]}"; do
  nodes+=("$HOST:$port")
done
redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >/dev/null

for _ in $(seq 1 100); do
  if all_ok; then
    echo "ensure-redis-cluster: cluster_state:ok on ${nodes[*]}" >&2
    exit 0
  fi
  sleep 0.1
done
echo "ensure-redis-cluster: the cluster on ${nodes[*]} did not reach cluster_state:ok in 10 s" >&2
redis-cli -h "$HOST" -p "${PORTS[0]}" cluster info >&2 || true
exit 1
