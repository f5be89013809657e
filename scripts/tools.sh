#!/usr/bin/env bash
# Installs what the build (`tools.sh build`) or the tests (`tools.sh test`) need
# on a fresh Debian machine with Rust, Node and npm, skipping what is already there.
# `tools.sh db` installs only PostgreSQL 15, for scripts/test-db.sh; `tools.sh fuzz`
# only the fuzz step's nightly toolchain and cargo-fuzz (`make fuzz`, `make test-fuzz`).
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' Cargo.toml)
mode=${1:-build}
export PATH="$HOME/.cargo/bin:$PATH"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo

apt_pkgs=()
if [ "$mode" = test ]; then
  command -v chromium >/dev/null || apt_pkgs+=(chromium)
  command -v chromedriver >/dev/null || apt_pkgs+=(chromium-driver)
  command -v firefox >/dev/null || apt_pkgs+=(firefox-esr)
fi
if [ "$mode" = fuzz ]; then
  # libFuzzer (in cargo-fuzz's libfuzzer-sys) is C++, built with the system's compiler.
  command -v c++ >/dev/null || apt_pkgs+=(g++)
fi
if [ "$mode" = test ] || [ "$mode" = db ]; then
  # maestro-db's tests run a throwaway PostgreSQL 15 cluster (scripts/test-db.sh).
  [ -x /usr/lib/postgresql/15/bin/initdb ] || apt_pkgs+=(postgresql)
  command -v openssl >/dev/null || apt_pkgs+=(openssl)
fi
if [ ${#apt_pkgs[@]} -gt 0 ]; then
  echo "tools: apt-get install ${apt_pkgs[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${apt_pkgs[@]}" >/dev/null
fi
[ "$mode" = db ] && exit 0

if [ "$mode" = fuzz ]; then
  # The fuzz targets (fuzz/) need a nightly toolchain, any nightly: one already
  # installed is kept (about 1 minute to download from nothing).
  # clippy lints the fuzz crate (make test-fuzz).
  rustup run nightly rustc --version >/dev/null 2>&1 || rustup toolchain install nightly --profile minimal
  rustup component list --toolchain nightly --installed | grep -q '^clippy' || rustup component add --toolchain nightly clippy
  if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "tools: cargo install cargo-fuzz (about 3 minutes)"
    cargo install -q --locked cargo-fuzz
  fi
  exit 0
fi

rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
if [ "$mode" = test ]; then
  for c in clippy rustfmt; do
    rustup component list --installed | grep -q "^$c" || rustup component add "$c"
  done
fi

if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $WASM_BINDGEN_VERSION"; then
  echo "tools: cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes)"
  # Not --locked: its lockfile names a crate version this registry lacks.
  cargo install -q wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if [ "$mode" = test ] && ! command -v geckodriver >/dev/null; then
  echo "tools: cargo install geckodriver"
  cargo install -q geckodriver
fi

# The npm tools: wasm-opt (binaryen) and esbuild for the build, playwright-core (Chromium),
# puppeteer-core (Firefox), TypeScript and Unleash's client specification (read by
# tests/unleash_spec.rs) for the tests. The two browser drivers drive the system's browsers:
# PUPPETEER_SKIP_DOWNLOAD keeps npm from ever fetching a browser build of its own.
[ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] \
  || PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
