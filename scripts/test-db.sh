#!/usr/bin/env bash
# maestro-db's tests on a real PostgreSQL 15: starts a throwaway cluster on a
# Unix socket in a temporary folder, runs `cargo test -p maestro-db` against it
# (each test makes its own database), and stops and removes the cluster at the
# end, on failure too. As root, the cluster runs as the `postgres` user, since
# initdb refuses root. Installs Debian's postgresql first if it is missing.
# The cluster also listens on 127.0.0.1 with TLS only (a throwaway self-signed
# certificate), for the TLS tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

{ [ -x "$PGBIN/initdb" ] && command -v openssl >/dev/null; } || bash scripts/tools.sh db

# A free TCP port on 127.0.0.1 (the Unix socket uses the same number).
PORT=${MAESTRO_DB_TEST_PORT:-}
if [ -z "$PORT" ]; then
  for p in $(seq 54329 54499); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { PORT=$p; break; }
  done
fi

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
# A throwaway CA and a server certificate it signs, and another CA the server does not use.
ssl() { "${as_pg[@]}" openssl "$@" >/dev/null 2>&1; }
for ca in ca other; do
  ssl req -new -x509 -days 2 -nodes -subj "/CN=maestro-db test $ca" -keyout "$tmp/$ca.key" -out "$tmp/$ca.crt"
done
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' | "${as_pg[@]}" tee "$tmp/san.ext" >/dev/null
ssl req -new -nodes -subj "/CN=localhost" -keyout "$tmp/server.key" -out "$tmp/server.csr"
ssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAcreateserial -days 2 \
  -extfile "$tmp/san.ext" -out "$tmp/server.crt"
# Over TCP, TLS only; members of maestro_pw (the password tests) with a password.
printf 'local all all trust\nhostssl all +maestro_pw 127.0.0.1/32 scram-sha-256\nhostssl all all 127.0.0.1/32 trust\n' \
  | "${as_pg[@]}" tee "$tmp/data/pg_hba.conf" >/dev/null
"${as_pg[@]}" "$PGBIN/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 60 \
  -o "-k $tmp -p $PORT -c listen_addresses=127.0.0.1 -c ssl=on -c ssl_cert_file=$tmp/server.crt -c ssl_key_file=$tmp/server.key -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null || { cat "$tmp/server.log"; exit 1; }
echo "test-db: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on socket $tmp and 127.0.0.1 (TLS), port $PORT"

export MAESTRO_DB_TEST_HOST="$tmp" MAESTRO_DB_TEST_PORT="$PORT" MAESTRO_DB_TEST_USER=postgres
export MAESTRO_DB_TEST_TLS_CERT="$tmp/ca.crt" MAESTRO_DB_TEST_OTHER_CERT="$tmp/other.crt"
cargo fmt -p maestro-db --check
cargo clippy --quiet -p maestro-db --all-targets -- -D warnings
cargo test -p maestro-db "$@"
