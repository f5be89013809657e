#!/usr/bin/env bash
# Builds the npm package into pkg/: the Rust core to wasm (opt-level z, LTO,
# no std) as three modules (the gate; the rollback and the remote poll,
# each loaded on demand),
# wasm-opt -Oz, wasm-bindgen's glue, and the JS entries:
#   index.js          the ES module (bundlers, <script type="module">)
#   maestro-gate.js   the classic script-tag file, wasm inlined
#   vite.js, cli.js   the Vite plugin and the CLI that write `maestro-health` (Node)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
tmp=target/pkg-tmp
rm -rf pkg "$tmp" && mkdir -p pkg "$tmp"

# wasm-opt -Oz (binaryen 132 from npm: Debian's 108 turns the externref table
# into anyref), with the import and export names shortened in wasm and glue.
opt() { node scripts/minify-names.mjs "$1" "$2"; }

# The ES module ships three wasm modules built from this crate: the gate (every
# visitor), the rollback (loaded only when a cleanup runs) and the remote poll
# (loaded only by init({ remote })). The script-tag file, which must be one
# file, inlines one module with the gate and the rollback (its init() takes no
# options, so it never polls a remote). A 64 KiB stack instead of the default
# 1 MiB keeps the linear memory small.
# The gate module is built with opt-level "s" rather than "z": measured, its
# gzip is about 140 B smaller after wasm-opt.
for part in gate rollback remote both; do
  features="slim,$part"; level=z
  [ "$part" = gate ] && features=lean level=s
  [ "$part" = both ] && features="slim,gate,rollback"
  CARGO_PROFILE_RELEASE_OPT_LEVEL=$level RUSTFLAGS="-C link-arg=-zstack-size=65536" \
    cargo build -q --release --target wasm32-unknown-unknown --lib --no-default-features \
      --features "$features" --target-dir target/slim
  cp target/slim/wasm32-unknown-unknown/release/maestro_gate.wasm "$tmp/$part.wasm"
done
# The gate module is built `lean`: no wasm-bindgen, its glue is js/core.js.
# Flattening and re-looping between two -Oz passes saves about 60 B gzip more.
node_modules/.bin/wasm-opt -Oz --flatten --rereloop -Oz --strip-debug --strip-producers --strip-target-features "$tmp/gate.wasm" -o pkg/maestro_gate_bg.wasm
cp js/core.js pkg/maestro_gate.js
cp js/maestro_gate.d.ts pkg/maestro_gate.d.ts
# The glue must provide every import the wasm asks for: instantiate it once.
node -e "import('./pkg/maestro_gate.js').then((m) => m.initSync(require('fs').readFileSync('pkg/maestro_gate_bg.wasm')))" \
  || { echo "js/core.js does not match the lean gate's imports" >&2; exit 1; }
for part in rollback remote; do
  name=maestro_gate_$part
  wasm-bindgen --target web --out-dir pkg --out-name "$name" "$tmp/$part.wasm"
  opt "pkg/${name}_bg.wasm" "pkg/$name.js"
done
wasm-bindgen --target no-modules --no-typescript --out-dir "$tmp/both" --out-name maestro_gate "$tmp/both.wasm"
opt "$tmp/both/maestro_gate_bg.wasm" "$tmp/both/maestro_gate.js"
rm -f pkg/*_bg.wasm.d.ts pkg/.gitignore

gate=$(sed "s/@VERSION@/$version/g" js/gate.js)

# The ES module entry.
{
  echo "// maestro-gate $version: the ES module entry. See README.md."
  echo "import loadCore, * as core from './maestro_gate.js';"
  echo "const load = (wasm) => loadCore(wasm == null ? undefined : wasm);"
  echo "const loadRollbackModule = async (wasm) => {"
  echo "  const m = await import('./maestro_gate_rollback.js');"
  echo "  await m.default(wasm == null ? undefined : { module_or_path: wasm });"
  echo "  return m;"
  echo "};"
  echo "const loadRemoteModule = async (wasm) => {"
  echo "  const m = await import('./maestro_gate_remote.js');"
  echo "  await m.default(wasm == null ? undefined : { module_or_path: wasm });"
  echo "  return m;"
  echo "};"
  echo "$gate"
  echo "export { init, isEnabled, decision, health, onChange, clearClientState, verifyClientState, onCleanupRequest };"
} > pkg/index.js

# The hex decoder the script-tag files share: Uint8Array.fromHex, or a loop.
fromhex='const fromHex = (hex) => { if (Uint8Array.fromHex) return Uint8Array.fromHex(hex); const bytes = new Uint8Array(hex.length / 2); for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(2 * i, 2), 16); return bytes; };'

# The core's exports but its async init(), which fetches the .wasm (and needs
# import.meta, which esbuild warns about in an IIFE although it is left out).
echo "export { initSync, onTrap, decide, decision, health, isEnabled, onChange, onCleanupRequest, onCleanupMessage, onRemote, remoteOff, notifyCleanup, ownCleanup } from '../../js/core.js';" > "$tmp/core-for-tag.js"
# The script-tag file: one classic script with the lean gate inlined, so the
# decision needs nothing else. A cleanup loads the rollback module from next
# to the file (on a CDN, the package's directory), as the ES module does.
{
  echo "import * as core from './core-for-tag.js';"
  # The bytes are put in after minifying (scripts/embed-wasm.mjs).
  echo 'const WASM_BYTES = "@WASM@";'
  echo "$fromhex"
  echo "const load = (hex) => core.initSync(fromHex(hex));"
  echo "// Where this file was loaded from: the rollback module is beside it."
  echo "const here = (() => { try { return document.currentScript.src; } catch {} })();"
  echo "const loadRollbackModule = async (wasm) => {"
  echo "  const m = await import(new URL('maestro_gate_rollback.js', here).href);"
  echo "  await m.default(wasm == null ? undefined : { module_or_path: wasm });"
  echo "  return m;"
  echo "};"
  echo "// The tag's init() takes no options, so it never polls a remote."
  echo "const loadRemoteModule = async () => { throw new Error('the script tag has no remote poll'); };"
  echo "$gate"
  cat js/script-tag.js
} > "$tmp/maestro-gate.js"
# Shipped minified: it is loaded as is, with no bundler in between.
node_modules/.bin/esbuild "$tmp/maestro-gate.js" --bundle --format=iife --minify \
  --log-override:empty-import-meta=silent \
  --banner:js="/*! maestro-gate $version: the script-tag build. window.maestroGate. See README.md. */" \
  --target=es2020 --legal-comments=inline --log-level=warning --outfile=pkg/maestro-gate.js
node scripts/embed-wasm.mjs pkg/maestro-gate.js pkg/maestro_gate_bg.wasm

# The self-contained script-tag file: one module with the gate and the
# rollback, inlined, for pages that must load one file and nothing else.
{
  echo "/*! maestro-gate $version: the self-contained script-tag build. window.maestroGate. See README.md. */"
  echo "(function () {"
  echo "'use strict';"
  cat "$tmp/both/maestro_gate.js"
  echo "const core = wasm_bindgen;"
  echo 'const WASM_BYTES = "@WASM@";'
  echo "$fromhex"
  echo "const load = (hex) => wasm_bindgen.initSync({ module: fromHex(hex) });"
  echo "// One module holds the gate and the rollback here."
  echo "const loadRollbackModule = async () => core;"
  echo "const loadRemoteModule = async () => { throw new Error('the script tag has no remote poll'); };"
  echo "$gate"
  cat js/script-tag.js
  echo "})();"
} > "$tmp/maestro-gate.full.js"
node_modules/.bin/esbuild "$tmp/maestro-gate.full.js" --minify --target=es2020 --legal-comments=inline --log-level=warning --outfile=pkg/maestro-gate.full.js
node scripts/embed-wasm.mjs pkg/maestro-gate.full.js "$tmp/both/maestro_gate_bg.wasm"

cp js/index.d.ts js/global.d.ts js/node.js js/vite.js js/vite.d.ts js/cli.js pkg/
chmod +x pkg/cli.js
sed "s/@VERSION@/$version/g" js/package.json > pkg/package.json
cp js/README.md pkg/README.md

echo "every visitor (the ES module's decision path):"
node scripts/size.mjs pkg/index.js pkg/maestro_gate.js pkg/maestro_gate_bg.wasm
echo "loaded when a cleanup runs:"
node scripts/size.mjs pkg/maestro_gate_rollback.js pkg/maestro_gate_rollback_bg.wasm | tail -n +2
echo "loaded by init({ remote }):"
node scripts/size.mjs pkg/maestro_gate_remote.js pkg/maestro_gate_remote_bg.wasm | tail -n +2
echo "the script-tag file (the gate inlined; a cleanup loads the rollback as above):"
node scripts/size.mjs pkg/maestro-gate.js | tail -n +2
echo "the self-contained script-tag file (gate and rollback inlined):"
node scripts/size.mjs pkg/maestro-gate.full.js | tail -n +2
