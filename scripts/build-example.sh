#!/usr/bin/env bash
# Builds the Yew example (examples/yew) into target/example-dist/, as a page
# without a bundler: the app's wasm and wasm-bindgen's glue, its index.html
# (an import map points `maestro-gate` at ./maestro-gate/index.js), and the
# package's files from pkg/ (run `make pkg` first) in maestro-gate/.
# A debug build: the test needs the behaviour, not the size, and it compiles
# faster. tests/e2e/rust-example.test.mjs serves the folder.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
[ -f pkg/index.js ] || { echo "build-example.sh: pkg/ is missing: run make pkg" >&2; exit 1; }
out=target/example-dist
cargo build -q --manifest-path examples/yew/Cargo.toml --target wasm32-unknown-unknown --target-dir target/example
rm -rf "$out" && mkdir -p "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" \
  target/example/wasm32-unknown-unknown/debug/maestro_gate_example_yew.wasm
cp examples/yew/index.html "$out/"
cp -r pkg "$out/maestro-gate"
