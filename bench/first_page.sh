#!/usr/bin/env bash
# Fresh clone to first page: clone this repository into a temporary folder, empty uv and pip
# caches (every wheel comes from the index), `make run`, and poll / until it answers 200.
# The embedded default (SQLite, filesystem broker) whatever DATABASE_URL and REDIS_URL say.
# Prints the seconds. Usage: bash bench/first_page.sh [port]   (issue 11: target <= 30 s)
set -euo pipefail
PORT=${1:-8765}
WORK=$(mktemp -d)
GROUP=""
# make run starts web, worker and beat in a session of their own: stop that whole group.
trap '[ -n "$GROUP" ] && kill -TERM -- "-$GROUP" 2>/dev/null; sleep 1; rm -rf "$WORK"' EXIT
git clone -q "$(cd "$(dirname "$0")/.." && pwd)" "$WORK/clone"
cd "$WORK/clone"
start=$(date +%s.%N)
env -u DATABASE_URL -u REDIS_URL UV_CACHE_DIR="$WORK/uv-cache" PIP_CACHE_DIR="$WORK/pip-cache" PORT=$PORT setsid make run >"$WORK/run.log" 2>&1 &
GROUP=$!
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/"; do
  sleep 0.5
  if (($(echo "$(date +%s.%N) - $start > 600" | bc))); then echo "no page after 600 s"; tail -20 "$WORK/run.log"; exit 1; fi
done
seconds=$(echo "$(date +%s.%N) - $start" | bc)
printf 'FIGURE fresh clone to first page: %.1f s (target <= 30 s) %s\n' "$seconds" "$( (($(echo "$seconds <= 30" | bc))) && echo OK || echo MISS)"
