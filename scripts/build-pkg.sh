#!/usr/bin/env bash
# Builds the npm package into pkg/: the Rust core to wasm (opt-level z, LTO,
# no std), wasm-bindgen's `web` glue, wasm-opt -Oz, the entry and its types.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
wasm=target/wasm32-unknown-unknown/release/maestro_gate.wasm

cargo build -q --release --target wasm32-unknown-unknown --lib --features slim
rm -rf pkg && mkdir -p pkg
wasm-bindgen --target web --out-dir pkg --out-name maestro_gate "$wasm"
# binaryen 132 from npm: Debian's 108 turns the externref table into anyref.
node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers --detect-features \
  pkg/maestro_gate_bg.wasm -o pkg/maestro_gate_bg.wasm
rm -f pkg/maestro_gate_bg.wasm.d.ts pkg/.gitignore

sed "s/@VERSION@/$version/g" js/index.js > pkg/index.js
cp js/index.d.ts pkg/index.d.ts
sed "s/@VERSION@/$version/g" js/package.json > pkg/package.json
cp js/README.md pkg/README.md

node scripts/size.mjs pkg/index.js pkg/maestro_gate.js pkg/maestro_gate_bg.wasm
