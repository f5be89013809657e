#!/usr/bin/env bash
# A local Unleash for maestro-gate: `make unleash`, and the Unleash tests.
#
#   bash scripts/unleash.sh              start, print the API's URL, the tokens and the
#                                        admin UI's login; Ctrl-C stops everything
#   bash scripts/unleash.sh --json       start, print one JSON line (url, frontendUrl,
#                                        frontendToken, adminToken, admin, toggle), and
#                                        stop on SIGINT or SIGTERM
#   bash scripts/unleash.sh --run CMD…   start, run CMD with MAESTRO_UNLEASH set to that
#                                        JSON, stop, and exit with CMD's status
#
# What it starts: a throwaway PostgreSQL 15 cluster (Debian's, in
# /usr/lib/postgresql/15/bin, as scripts/test-db.sh does) on a Unix socket in a
# private temporary folder, no TCP; then unleash-server, pinned in
# unleash/package-lock.json and installed there with `npm ci` when needed (it
# declares Node 22 and runs on Node 20), on 127.0.0.1:$UNLEASH_PORT (default
# 4242, else the next free port). unleash/start.mjs makes the tokens and the
# `maestro` toggle. Everything stops and the folder is removed on exit,
# on failure and on Ctrl-C too.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
mode=human
case "${1:-}" in
  --json) mode=json; shift ;;
  --run) mode=run; shift; [ $# -gt 0 ] || { echo "unleash.sh --run needs a command" >&2; exit 2; } ;;
  "") ;;
  *) echo "usage: scripts/unleash.sh [--json | --run CMD...]" >&2; exit 2 ;;
esac
say() { echo "unleash.sh: $*" >&2; }

[ -x "$PGBIN/initdb" ] || bash scripts/tools.sh db
if [ ! unleash/node_modules/.package-lock.json -nt unleash/package-lock.json ]; then
  say "installing unleash-server (npm ci in unleash/)"
  (cd unleash && npm ci --no-audit --no-fund --loglevel=error)
fi

free() {
  for p in $(seq "$1" "$2"); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  return 1
}
PORT=${UNLEASH_PORT:-$(free 4242 4342)}

as_pg=()
tmp=$(mktemp -d "${TMPDIR:-/tmp}/maestro-unleash.XXXXXX")
if [ "$(id -u)" = 0 ]; then
  id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  chown postgres: "$tmp"
  as_pg=(runuser -u postgres --)
fi
server=
stop() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server" 2>/dev/null || true
  fi
  "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap stop EXIT
trap 'exit 130' INT TERM

"${as_pg[@]}" "$PGBIN/initdb" -D "$tmp/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$tmp/initdb.log" 2>&1 \
  || { cat "$tmp/initdb.log" >&2; exit 1; }
"${as_pg[@]}" "$PGBIN/pg_ctl" -D "$tmp/data" -l "$tmp/postgres.log" -w -t 60 \
  -o "-k $tmp -p 5432 -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null || { cat "$tmp/postgres.log" >&2; exit 1; }
"${as_pg[@]}" "$PGBIN/createdb" -h "$tmp" -p 5432 -U postgres unleash
say "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on socket $tmp; starting Unleash on 127.0.0.1:$PORT (seconds, up to a minute)"

export UNLEASH_PG_SOCKET=$tmp UNLEASH_PG_PORT=5432 UNLEASH_PORT=$PORT UNLEASH_INFO_FILE=$tmp/info.json
export SEND_TELEMETRY=false CHECK_VERSION=false
if [ "$mode" = human ]; then
  node --no-deprecation unleash/start.mjs &
else
  UNLEASH_JSON=1 node --no-deprecation unleash/start.mjs >"$tmp/unleash.log" 2>&1 &
fi
server=$!
until [ -s "$tmp/info.json" ]; do
  kill -0 "$server" 2>/dev/null || { [ "$mode" = human ] || cat "$tmp/unleash.log" >&2; say "Unleash exited before it was ready"; exit 1; }
  sleep 0.2
done

case "$mode" in
  human) wait "$server" ;;
  json) cat "$tmp/info.json"; echo; wait "$server" ;;
  run)
    set +e
    MAESTRO_UNLEASH=$(cat "$tmp/info.json") "$@"
    status=$?
    set -e
    exit "$status" ;;
esac
