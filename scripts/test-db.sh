#!/usr/bin/env bash
# maestro-db's tests on a real PostgreSQL 15: starts a throwaway cluster on a
# Unix socket in a temporary folder, runs `cargo test -p maestro-db` against it
# (each test makes its own database), and stops and removes the cluster at the
# end, on failure too. As root, the cluster runs as the `postgres` user, since
# initdb refuses root. Installs Debian's postgresql first if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PORT=${MAESTRO_DB_TEST_PORT:-54329}

[ -x "$PGBIN/initdb" ] || bash scripts/tools.sh db

as_pg=()
tmp=$(mktemp -d "${TMPDIR:-/tmp}/maestro-db-test.XXXXXX")
if [ "$(id -u)" = 0 ]; then
  id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  chown postgres: "$tmp"
  as_pg=(runuser -u postgres --)
fi
stop() {
  "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap stop EXIT
trap 'exit 130' INT TERM

"${as_pg[@]}" "$PGBIN/initdb" -D "$tmp/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$tmp/initdb.log" 2>&1 \
  || { cat "$tmp/initdb.log"; exit 1; }
"${as_pg[@]}" "$PGBIN/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 60 \
  -o "-k $tmp -p $PORT -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null || { cat "$tmp/server.log"; exit 1; }
echo "test-db: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on socket $tmp port $PORT"

export MAESTRO_DB_TEST_HOST="$tmp" MAESTRO_DB_TEST_PORT="$PORT" MAESTRO_DB_TEST_USER=postgres
cargo fmt -p maestro-db --check
cargo clippy --quiet -p maestro-db --all-targets -- -D warnings
cargo test -p maestro-db "$@"
