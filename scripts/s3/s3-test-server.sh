#!/usr/bin/env bash
# Install / start / stop a loopback S3 test server (tested on the rust machine kind, Python 3.11).
# trawl's own copy of the shared s3-test-server.sh (with its constraint files and faultproxy.py);
# scripts/test runs moto and LocalStack with it.
#   S3_SERVER=localstack|moto  (default localstack)   S3_PORT (default 4566 / 5000)
#   S3_DIR (default .s3server)  CONSTRAINTS_DIR (default: this script's folder)
# usage: s3-test-server.sh install|start|stop|env
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
server="${S3_SERVER:-localstack}"
dir="${S3_DIR:-.s3server}/$server"
cdir="${CONSTRAINTS_DIR:-$here}"
case "$server" in
  localstack) port="${S3_PORT:-4566}" ;;
  moto)       port="${S3_PORT:-5000}" ;;
  *) echo "unknown S3_SERVER=$server" >&2; exit 2 ;;
esac

install() {
  [ -x "$dir/venv/bin/python" ] && "$dir/venv/bin/python" -c "import ${server/-/_}" 2>/dev/null && return 0
  python3 -m venv "$dir/venv"
  if [ "$server" = localstack ]; then
    "$dir/venv/bin/pip" install -q -c "$cdir/localstack-4.9.2-constraints.txt" 'localstack-core[runtime]==4.9.2'
  else
    "$dir/venv/bin/pip" install -q -c "$cdir/moto-5.2.5-constraints.txt" 'moto[s3]==5.2.5' flask flask-cors
  fi
}

start() {
  if curl -s -o /dev/null "http://127.0.0.1:$port/"; then echo "port $port is already in use" >&2; return 1; fi
  mkdir -p "$dir/data-$port"
  if [ "$server" = localstack ]; then
    GATEWAY_SERVER=hypercorn GATEWAY_LISTEN="127.0.0.1:$port" SERVICES=s3 EAGER_SERVICE_LOADING=1 \
    DISABLE_EVENTS=1 SKIP_SSL_CERT_DOWNLOAD=1 DNS_ADDRESS=0 PERSISTENCE=0 \
    LOCALSTACK_VOLUME_DIR="$(cd "$dir/data-$port" && pwd)" \
      nohup "$dir/venv/bin/python" -m localstack.runtime.main > "$dir/server-$port.log" 2>&1 &
  else
    nohup "$dir/venv/bin/moto_server" -H 127.0.0.1 -p "$port" > "$dir/server-$port.log" 2>&1 &
  fi
  echo $! > "$dir/pid-$port"
  # ready = the S3 API answers ListBuckets-shaped GET / (LocalStack: also /_localstack/health says s3 running)
  for _ in $(seq 1 600); do
    if curl -sf -o /dev/null "http://127.0.0.1:$port/" && kill -0 "$(cat "$dir/pid-$port")" 2>/dev/null; then
      echo "ready on 127.0.0.1:$port"; return 0
    fi
    kill -0 "$(cat "$dir/pid-$port")" 2>/dev/null || { cat "$dir/server-$port.log" >&2; return 1; }
    sleep 0.1
  done
  echo "not ready after 60 s" >&2; cat "$dir/server-$port.log" >&2; return 1
}

stop() {
  local pid; pid="$(cat "$dir/pid-$port" 2>/dev/null || true)"
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$dir/pid-$port"
}

env_() {
  echo "export AWS_ENDPOINT_URL=http://127.0.0.1:$port AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1"
}

case "${1:-}" in
  install) install ;; start) start ;; stop) stop ;; env) env_ ;;
  *) echo "usage: $0 install|start|stop|env" >&2; exit 2 ;;
esac
