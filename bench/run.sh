#!/usr/bin/env bash
# The whole benchmark, on 127.0.0.1 only; every step is bounded and stops by itself.
#
#   bash bench/run.sh [all|seed|compare|load|ws|profile|reliability|report]
#
# Starts a private redis-server on 127.0.0.1:6393 (never the shared 6379), creates
# and seeds the PostgreSQL database sardoba_benchrun (BENCH_DATABASE_URL), runs the
# steps and writes docs/PERFORMANCE.md from bench/results/*.md.
# Set BENCH_OTHER_LOAD to describe anything else running on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

step="${1:-all}"
PY=.venv/bin/python
export BENCH_REDIS_PORT="${BENCH_REDIS_PORT:-6393}"
OTHER="${BENCH_OTHER_LOAD:-none known}"

if ! $PY -c "import aiohttp, psutil, pyinstrument, uvicorn, granian" 2>/dev/null; then
  .venv/bin/pip install --quiet -e ".[dev,bench]"
fi
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }

ulimit -n "$(ulimit -Hn)" || true

if ! redis-cli -h 127.0.0.1 -p "$BENCH_REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
  mkdir -p /tmp/bench-redis
  redis-server --port "$BENCH_REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save "" \
    --appendonly no --dir /tmp/bench-redis --logfile /tmp/bench-redis/redis.log \
    --pidfile /tmp/bench-redis/redis.pid
  for _ in $(seq 1 20); do
    redis-cli -h 127.0.0.1 -p "$BENCH_REDIS_PORT" ping 2>/dev/null | grep -q PONG && break
    sleep 0.5
  done
fi

run() { echo "==== $*"; timeout 1800 "$@"; }

case "$step" in
  seed|all) run $PY -m bench.seed ;;&
  compare|all)
    run $PY -m bench.compare --duration 10 --other-load "$OTHER" \
      --servers daphne,uvicorn,gunicorn,granian-asgi,granian-wsgi,bare-asgi \
      --endpoints hello,hello-drf
    run $PY -m bench.compare --duration 8 --other-load "$OTHER" --out compare-endpoints \
      --servers gunicorn,granian-wsgi,daphne,uvicorn \
      --endpoints "hello,M12 news,M12 news (client token),M12 news (app),M13 catalog/live,M13 catalog/live (app),M3 auth/me,M8 cashback/user,M9 notifications?limit=1,M11 register-token,staff cashback/add"
    # Round 4: the mobile endpoints per worker, medians of 3 interleaved runs.
    run $PY -m bench.compare --duration 8 --rounds 3 --other-load "$OTHER" --out compare-round4 \
      --servers gunicorn,daphne \
      --endpoints "hello,M12 news (app),M13 catalog/live (app),M3 auth/me,M8 cashback/user,M9 notifications?limit=1,M11 register-token,M11 register-token (5000 devices)"
    run $PY -m bench.compare --duration 8 --other-load "$OTHER" --out compare-connections \
      --servers gunicorn:fresh,gunicorn --endpoints "M3 auth/me,M8 cashback/user,M9 notifications?limit=1"
    ;;&
  load|all)
    run $PY -m bench.run --users 8,16,32,64 --duration 15 --other-load "$OTHER" \
      --topologies daphne,uvicorn-2,gunicorn-4+daphne,gunicorn-4+daphne+nginx
    ;;&
  ws|all)
    run $PY -m bench.ws --max-sockets 5000 --broadcast 1000,5000 --time-limit 240 --other-load "$OTHER"
    for variant in persistent pool; do
      run $PY -m bench.ws --server "daphne:$variant" --max-sockets 1000 --broadcast 1000 \
        --other-load "$OTHER" --out "ws-$variant"
    done
    ;;&
  profile|all) run $PY -m bench.profile --requests 300 ;;&
  reliability|all) run $PY -m bench.reliability ;;&
  report|all) run $PY -m bench.report ;;
  *) : ;;
esac
