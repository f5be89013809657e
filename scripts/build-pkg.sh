#!/usr/bin/env bash
# Builds the npm package into pkg/: the Rust core to wasm (opt-level z, LTO,
# no std), wasm-opt -Oz, wasm-bindgen's glue, and the JS entries:
#   index.js          the ES module (bundlers, <script type="module">)
#   maestro-gate.js   the classic script-tag file, wasm inlined
#   vite.js, cli.js   the Vite plugin and the CLI that write `maestro-health` (Node)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
wasm=target/slim/wasm32-unknown-unknown/release/maestro_gate.wasm
tmp=target/pkg-tmp

# A 64 KiB stack instead of the default 1 MiB: the gate's linear memory stays small.
RUSTFLAGS="-C link-arg=-zstack-size=65536" \
  cargo build -q --release --target wasm32-unknown-unknown --lib --features slim --target-dir target/slim
rm -rf pkg "$tmp" && mkdir -p pkg "$tmp"
wasm-bindgen --target web --out-dir pkg --out-name maestro_gate "$wasm"
wasm-bindgen --target no-modules --no-typescript --out-dir "$tmp" --out-name maestro_gate "$wasm"
# binaryen 132 from npm: Debian's 108 turns the externref table into anyref.
opt() { node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers --detect-features "$1" -o "$1"; }
opt pkg/maestro_gate_bg.wasm
opt "$tmp/maestro_gate_bg.wasm"
rm -f pkg/maestro_gate_bg.wasm.d.ts pkg/.gitignore

gate=$(sed "s/@VERSION@/$version/g" js/gate.js)

# The ES module entry.
{
  echo "// maestro-gate $version: the ES module entry. See README.md."
  echo "import __wbg_init, * as core from './maestro_gate.js';"
  echo "const load = (wasm) => __wbg_init(wasm == null ? undefined : { module_or_path: wasm });"
  echo "$gate"
  echo "export { init, isEnabled, decision, health, onChange, clearClientState, verifyClientState, onCleanupRequest };"
} > pkg/index.js

# The script-tag file: one classic script, nothing else to fetch.
{
  echo "/*! maestro-gate $version: the script-tag build. window.maestroGate. See README.md. */"
  echo "(function () {"
  echo "'use strict';"
  cat "$tmp/maestro_gate.js"
  echo "const core = wasm_bindgen;"
  printf 'const WASM_BASE64 = "%s";\n' "$(base64 -w0 "$tmp/maestro_gate_bg.wasm")"
  echo "const load = (b64) => { let bytes; if (Uint8Array.fromBase64) bytes = Uint8Array.fromBase64(b64); else { const s = atob(b64); bytes = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i); } wasm_bindgen.initSync({ module: bytes }); };"
  echo "$gate"
  cat js/script-tag.js
  echo "})();"
} > "$tmp/maestro-gate.js"
# Shipped minified: it is loaded as is, with no bundler in between.
node_modules/.bin/esbuild "$tmp/maestro-gate.js" --minify --target=es2020 --legal-comments=inline --log-level=warning --outfile=pkg/maestro-gate.js

cp js/index.d.ts js/global.d.ts js/node.js js/vite.js js/vite.d.ts js/cli.js pkg/
chmod +x pkg/cli.js
sed "s/@VERSION@/$version/g" js/package.json > pkg/package.json
cp js/README.md pkg/README.md

node scripts/size.mjs pkg/index.js pkg/maestro_gate.js pkg/maestro_gate_bg.wasm
node scripts/size.mjs pkg/maestro-gate.js | tail -n +2
