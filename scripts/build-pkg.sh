#!/usr/bin/env bash
# Builds the npm package into pkg/ from the workspace's wasm crates and
# the JS sources in js/ (this script writes no JavaScript):
#   maestro_gate_bg.wasm + maestro_gate.js        the gate (crates/gate; glue js/core.js)
#   maestro_gate_rollback*                        the rollback (crates/rollback, wasm-bindgen)
#   maestro_gate_remote*                          the remote poll (crates/remote, wasm-bindgen)
#   maestro_gate_rollout*                         the guard's counting and a remote percentage, after the
#                                                 first decision (crates/rollout, wasm-bindgen)
#   index.js           the ES module entry (js/index.js, bundled by esbuild)
#   index.node.js      the entry for Node (js/index.node.js): it answers with gate.node.js
#                      (js/index.js bundled for Node), or the gate maestro-gate/testing
#                      (js/testing.js, Node only) started for an app's test
#   cjs/               the same entries for Node as CommonJS (the "require" condition: Jest)
#   maestro-gate.js    the classic script-tag file (js/script-tag.js), the gate inlined
#   maestro-gate.full.js  the same with the rollback inlined too (js/script-tag-full.js)
#   sw.js, maestro-gate-sw.js  the Service Worker guard (crates/sw, wasm-bindgen, inlined;
#                      js/sw.js as an ES module and js/sw-classic.js for importScripts)
#   openfeature.js, react.js, vue.js  the bindings (js/, copied as they are: they
#                      import ./index.js and their peer; *.node.js import ./index.node.js)
#   vite.js, cli.js, node.js  the Vite plugin and the CLI that write `maestro-health` (Node),
#                      over maestro_gate_node* (crates/node, wasm-bindgen; Node only)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
tmp=target/pkg-tmp
rm -rf pkg "$tmp" && mkdir -p pkg "$tmp"
esbuild=node_modules/.bin/esbuild
wasm_opt=node_modules/.bin/wasm-opt # binaryen 132 from npm: Debian's 108 turns the externref table into anyref

# A 64 KiB stack instead of the default 1 MiB keeps the linear memory small.
# The gate is built with opt-level "z" and LLVM's inline threshold at 110 ("z"
# alone inlines less, "s" uses 50): measured, its gzip is about 160 B smaller
# after wasm-opt than with "s" (which was itself about 140 B smaller than
# plain "z"). The size moves by tens of bytes with the threshold, and not
# smoothly. Before the rollout's hook: 50 -> 6,977, 60 -> 7,033, 70 -> 7,066,
# 75-110 -> 6,923-6,926, 115 -> 6,894, 120 -> 6,871, 125 -> 6,998 B, the whole
# decision path. With it (the code as it is now): 90 -> 7,569, 100 -> 7,556,
# 110 -> 7,551, 120 -> 7,518 but 125 -> 7,716. 110 sat on a flat stretch.
# With the off-first reads and the subscriber lists in the glue (issue 18):
# 100-110 -> 4,433-4,430 B gzip of wasm (gzip -9), 112-120 -> 4,401, 122-125
# -> 4,525: 115 sits in the middle of the flat stretch. With the remembered
# offs merged (issue 18; gate wasm, gzip -9 by zlib): 110 -> 5,219, 112-120 ->
# 5,145, 122 -> 5,354; a step before (115 -> 5,168): 60 -> 5,450, 90 -> 5,304,
# 100-105 -> 5,223, 125 -> 5,373, 140 -> 5,371, 175 -> 5,453, 250 -> 5,542.
# 115 is still in the middle. After issue 20's size work (handles that last
# one call; gate wasm, zlib): 60 -> 4,325, 90 -> 4,259, 100-115 -> 4,204,
# 120 -> 4,199, 130 -> 4,198, 150 -> 4,245: 115 stays. With the data first
# and -lmu (below): 90 -> 4,266, 100-115 -> 4,209, 120 -> 4,211, 130 -> 4,217.
# Re-measure after any change to the gate: the margin to 7,558 is small.
# The paths of registry crates that panic locations keep (js-sys, serde-wasm-bindgen)
# are remapped, so that the .wasm files do not depend on the builder's
# CARGO_HOME (the byte budgets compare them exactly: bench/budgets.mjs).
registry="${CARGO_HOME:-$HOME/.cargo}/registry/src"
build() { # crate, opt-level, extra RUSTFLAGS
  CARGO_PROFILE_RELEASE_OPT_LEVEL=$2 RUSTFLAGS="-C link-arg=-zstack-size=65536 --remap-path-prefix=$registry=/cargo ${3:-}" \
    cargo build -q --release --target wasm32-unknown-unknown -p "$1" --lib --target-dir target/pkg-build
}
# The four lean modules (the gate, the beacon and the two first answers) are
# linked with their data first (`--no-stack-first`: .rodata and .data at
# 1,024, then the 64 KiB stack, then the heap) instead of rustc's default of
# the stack first: every address of a string or a static is then below 8,192,
# an i32.const of 2 bytes of LEB instead of 3 (measured, gzip -9 by zlib after
# the wasm-opt below: gate 4,265 -> 4,209, beacon 6,180 -> 6,105, answer
# 14,514 -> 14,403, Unleash 20,367 -> 20,231). The stack-first layout makes a
# stack overflow trap instead of writing over the statics; these modules
# cannot overflow 64 KiB: the sum of every stack frame in each (measured from
# the `global.get $__stack_pointer; i32.const N; i32.sub` prologues) is 528 B
# (gate), 816 B (beacon), 3,360 B (answer) and 4,720 B (Unleash) (again
# after the beacon's 1,024 B document buffer and the first answer's diet,
# from `wasm-dis pkg/*.wasm`'s `i32.sub (global.get $global$0) (i32.const
# N)`: 320, 1,328, 2,992 and 4,368 B), and the
# only recursion, the Unleash parser's, stops at a depth of 64 (src/unleash.rs
# MAX_DEPTH), at most 25,600 B more even with the largest frame. Re-check
# that sum after adding recursion to one of them. The wasm-bindgen modules
# keep the stack first (serde's recursion is not bounded so).
lean_link="-C link-arg=--no-stack-first"
# A lean module: the gate's crate built with `--no-default-features
# --features $1`, opt-level "z", LLVM's inline threshold at $2 and the data
# first, into $tmp/$1.wasm (dashes as underscores), each feature in a target
# directory of its own (target/pkg-build-$1), so that a rebuild of one reuses
# the others'.
lean_build() {
  CARGO_PROFILE_RELEASE_OPT_LEVEL=z RUSTFLAGS="-C link-arg=-zstack-size=65536 --remap-path-prefix=$registry=/cargo -C llvm-args=-inline-threshold=$2 $lean_link" \
    cargo build -q --release --target wasm32-unknown-unknown -p maestro-gate-wasm --lib --no-default-features --features "$1" \
    --target-dir "target/pkg-build-$1"
  cp "target/pkg-build-$1/wasm32-unknown-unknown/release/maestro_gate_wasm.wasm" "$tmp/${1//-/_}.wasm"
}
build maestro-gate-wasm z "-C llvm-args=-inline-threshold=115 $lean_link"
cp target/pkg-build/wasm32-unknown-unknown/release/maestro_gate_wasm.wasm "$tmp/gate.wasm"
# The beacon module: the same crate and boundary, with the beacon's export
# instead of the decision's (crates/gate/src/beacon.rs). Opt-level "z" with
# LLVM's inline threshold at 105, measured (its .wasm, gzip -9 by zlib, after
# wasm-opt; with its bump allocator and report::write's fixed buffer):
# 46 -> 4,676 B, 65-70 -> 4,613, 75 -> 4,604, 80-90 -> 4,650, 95 -> 4,609,
# 100-110 -> 4,586, 120-130 -> 4,697; a step before (within 100 B of
# these): "z" alone 5,288, 0 -> 5,434, 25 -> 4,845, 150 -> 4,777,
# 200 -> 4,788, "s" 4,903. 105 sits in the low stretch. Re-measure after a
# change to beacon.rs or report.rs.
lean_build beacon 105
# The first-answer module: the same, with the first answer's exports
# (crates/gate/src/answer.rs): a health document's answer before the first
# decision, without the remote module; and the rollout's and the guard's
# start-up (first_rollout.rs), without the rollout module. LLVM's inline
# threshold at 46, as the beacon's, measured for both builds (gzip -9 after
# wasm-opt, health / Unleash): "z" alone 14,612 / 20,449; 25 -> 14,674 /
# 20,339; 35 -> 14,693 / 20,621; 41-44 -> 14,631 / 20,435; 46-50 -> 14,420 /
# 20,303; 55 -> 14,577 / 20,839; 75 -> 14,720 / 21,624; 115 -> 15,004 /
# 21,786; 200 -> 15,927 / 23,701. With its bump allocator (lean::Bump): 40 ->
# 14,840 / 20,862; 46 -> 14,382 / 20,280; 55 -> 14,562 / 20,816; and with
# answer::raw shared: 44 -> 14,499 / 20,444; 46-50 -> 14,327 / 20,301.
# Re-measure after a change to either.
lean_build answer 46
# Its Unleash build (crates/gate/src/answer_unleash.rs), which a page with
# `unleash` loads instead: a health document's page downloads no Unleash reader.
lean_build answer-unleash 46
# Its build without the rollout's and the guard's start-up (no
# first_rollout.rs, no `N` and no `B`: `--features answer-unleash-slim`),
# which a page with `unleash` and neither a rollout nor a guard loads instead
# (its glue asks the narrowing build, below, when something narrows after
# all; Unleash's answers set no percentage). LLVM's inline
# threshold at 25, measured (gzip -9 by zlib after wasm-opt): 10 -> 13,168,
# 18 -> 12,958, 22-25 -> 12,904, 30 -> 13,100, 35 -> 13,160, 40 -> 13,310,
# 46 -> 12,952, 55 -> 13,464, 80 -> 13,979, 115 -> 13,855; -O4 first, at 46:
# 12,958 (not used). (Measured with an `N` of its own, since removed: 12,760 B
# without it.)
lean_build answer-unleash-slim 25
# The same for the health document's build (`--features answer-slim`), which
# a page with `remote` and neither a rollout nor a guard loads; the narrowing
# build follows when the document's answer (or a remembered one) sets a
# percentage. LLVM's inline threshold at 46, as the first answer's, measured
# with -O4 (zlib) while it had an `N` of its own, since removed: 25 -> 7,214,
# 46 -> 7,047 (6,893 B without it).
lean_build answer-slim 46
# The rollout's and the guard's start-up alone (first_rollout.rs, `--features
# narrow`): what a page with a rollout or a guard and no document to read
# (neither `remote` nor `unleash`) loads instead of the first-answer module,
# whose exports `N` and `B` it has (measured, gzip -9 by GNU gzip: 7,331 B
# against the first-answer module's 11,312 B; zlib, as scripts/size.mjs:
# 7,437 and 11,439). LLVM's inline threshold at 46, as the first answer's,
# measured (GNU gzip): 25 -> 7,349, 35 -> 7,383, 40 -> 7,608, 46 -> 7,331,
# 55 -> 7,389, 70 -> 7,502, 90 -> 7,377, 105 -> 7,470, 130 -> 7,581.
lean_build narrow 46
# The keeping module (crates/gate/src/keep.rs): the first answer's memory,
# which both first answers load after the first decision to remember the
# answer they read (and before it only when no answer came in time, for the
# one remembered), so that neither carries it before the decision
# (measured, zlib: the first answer 13,800 -> 12,008 B, its Unleash build
# 19,961 -> 18,208 B; the keeping module itself 4,447 B). LLVM's inline
# threshold at 46, as the first answer's (not swept for this module: it
# loads after the decision).
lean_build keep 46
# The rollback and the rollout with LLVM's inline threshold at 115, as the
# gate's; the remote and the guard without one. Measured (gzip -9 by zlib,
# after wasm-opt as in scripts/minify-names.mjs): rollback "z" alone 40,677,
# 46 -> 40,236, 100 -> 40,515, 115 -> 40,092, 130 -> 40,128, 300 -> 40,793;
# rollout "z" alone 12,454, "s" 11,925, 46 -> 11,783, 80 -> 11,853, 100 ->
# 11,771, 115 -> 11,661, 130 -> 11,559, 150 -> 11,872, 200 -> 11,827, 300 ->
# 11,513 (it jumps by 100 B from one to the next: 115 is in neither
# extreme); remote "z" alone 38,378, 46 -> 39,005, 115 -> 39,683, 300 ->
# 41,264; sw "z" alone 15,766, 46 -> 15,909, 115 -> 16,538.
build maestro-gate-rollback z "-C llvm-args=-inline-threshold=115"
build maestro-gate-remote z
build maestro-gate-rollout z "-C llvm-args=-inline-threshold=115"
build maestro-gate-node z
build maestro-gate-sw z

# The gate: no wasm-bindgen; its glue is js/core.js. Flattening and
# re-looping between two -Oz passes saves about 60 B gzip more; --converge
# (repeat until no smaller) and --reorder-functions (the most-called first,
# so that their calls' indices are one byte) about 40 B more.
# --low-memory-unused (-lmu): the first 1,024 B of memory hold nothing (the
# data starts at 1,024, above), so wasm-opt may fold a pointer's added
# constant into the load's or store's offset (measured, gzip -9 by zlib, the
# stack still first: gate 4,294 -> 4,265, beacon 6,192 -> 6,180, answer
# 14,558 -> 14,514, Unleash 20,456 -> 20,367). It changes only what an i32
# add that wraps past 4 GiB would do, which Rust's pointers never do.
# Tried and not kept, each measured on the gate (then beacon / answer /
# Unleash): -O4 first +66 (-6 / +51 / +50); -Oz twice +12; --gufa-optimizing
# 0; --monomorphize +13; --merge-similar-functions, --dae-optimizing,
# --duplicate-function-elimination, --precompute-propagate, --local-cse,
# --code-folding, --reorder-locals, -fimfs, -ifwl, -pii: 0 (-Oz runs or
# skips them); -Os +7; --flatten --rereloop twice -1; -aimfs 3-8 -3 to -6
# (-aimfs 10+ grows it); --ignore-implicit-traps -1 (-18 / +10 / -10; it
# lets wasm-opt drop a load that would trap) and --traps-never-happen not at
# all (a panic's trap is how the gate fails safe).
# --zero-filled-memory is for an imported memory (ours is the module's own).
$wasm_opt -lmu -Oz --flatten --rereloop -Oz --converge --reorder-functions --strip-debug --strip-producers --strip-target-features "$tmp/gate.wasm" -o pkg/maestro_gate_bg.wasm
# The beacon and the first answers: the same, and -ocimfs 40 (inline a
# function with one caller only up to 40 instructions, where -Oz inlines any),
# a third -Oz, and the functions in their order (measured with the data
# first, gzip -9, beacon / answer / Unleash: the gate's flags 6,105 / 14,403
# / 20,231; with these 5,989 / 14,299 / 20,170; -ocimfs 30 5,994 / 14,322 /
# 20,173, 50 6,034 / 14,314 / 20,161, 120 6,015 / 14,359 / 20,122; with
# --reorder-functions 6,015 / 14,330 / 20,164). On the gate they cost 41 B.
lean_opt="-lmu -ocimfs 40 -Oz --flatten --rereloop -Oz -Oz --converge --strip-debug --strip-producers --strip-target-features"
$wasm_opt $lean_opt "$tmp/beacon.wasm" -o pkg/maestro_gate_beacon_bg.wasm
# The first answer, its narrowing build and the keeping module: -O4 before
# them (measured, zlib, after the narrowing build came: 11,439 -> 11,411,
# 7,437 -> 7,426 and 4,181 -> 4,164; on the Unleash build it cost 6 B, on
# the beacon and the gate it was measured to cost before, above).
$wasm_opt -O4 $lean_opt "$tmp/answer.wasm" -o pkg/maestro_gate_answer_bg.wasm
$wasm_opt -O4 $lean_opt "$tmp/answer_slim.wasm" -o pkg/maestro_gate_answer_slim_bg.wasm
$wasm_opt $lean_opt "$tmp/answer_unleash.wasm" -o pkg/maestro_gate_answer_unleash_bg.wasm
$wasm_opt $lean_opt "$tmp/answer_unleash_slim.wasm" -o pkg/maestro_gate_answer_unleash_slim_bg.wasm
$wasm_opt -O4 $lean_opt "$tmp/narrow.wasm" -o pkg/maestro_gate_narrow_bg.wasm
$wasm_opt -O4 $lean_opt "$tmp/keep.wasm" -o pkg/maestro_gate_keep_bg.wasm
cp js/core.js pkg/maestro_gate.js
cp js/maestro_gate.d.ts pkg/maestro_gate.d.ts
# The object types every .d.ts imports, generated from the Rust types (src/types.rs).
cp js/types.generated.d.ts pkg/types.generated.d.ts
# The glue must provide every import the wasm asks for: instantiate it once.
node -e "import('./pkg/maestro_gate.js').then((m) => m.initSync(require('fs').readFileSync('pkg/maestro_gate_bg.wasm')))" \
  || { echo "js/core.js does not match the gate's imports" >&2; exit 1; }

# The rollback, the remote poll and the rollout: wasm-bindgen's glue, then wasm-opt -Oz
# with the import and export names shortened in wasm and glue alike.
for part in rollback remote rollout; do
  name=maestro_gate_$part
  wasm-bindgen --target web --out-dir pkg --out-name "$name" \
    "target/pkg-build/wasm32-unknown-unknown/release/maestro_gate_$part.wasm"
  node scripts/minify-names.mjs "pkg/${name}_bg.wasm" "pkg/$name.js"
done
# The Service Worker guard: the same, then inlined into its two entries below.
wasm-bindgen --target web --out-dir "$tmp" --out-name maestro_gate_sw \
  target/pkg-build/wasm32-unknown-unknown/release/maestro_gate_sw.wasm
node scripts/minify-names.mjs "$tmp/maestro_gate_sw_bg.wasm" "$tmp/maestro_gate_sw.js"
# The build-time check, for the Vite plugin and the CLI (Node only).
wasm-bindgen --target web --out-dir pkg --out-name maestro_gate_node \
  target/pkg-build/wasm32-unknown-unknown/release/maestro_gate_node.wasm
rm -f pkg/*_bg.wasm.d.ts pkg/.gitignore

# The ES module entry: js/index.js with the gate's glue bundled in; js/extras.js,
# js/report.js and the rollback, remote and rollout modules (which extras
# imports) stay files of their own, imported on demand.
define="--define:__MAESTRO_GATE_VERSION__=\"$version\""
entry() { # out, node (true/false), banner
  $esbuild js/index.js --bundle --format=esm --target=es2020 --log-level=warning "$define" --define:__MAESTRO_TAG__=false \
    --define:__MAESTRO_NODE__="$2" --minify-syntax \
    --external:./maestro_gate_extras.js --external:./maestro_gate_report.js \
    --banner:js="// maestro-gate $version: $3. See README.md." --outfile="$1"
}
entry pkg/index.js false "the ES module entry"
# The glue of rollout, guard, remote, unleash and a cleanup (js/extras.js), a
# file of its own that index.js (and the script tag maestro-gate.js) imports
# only for a page that sets one of them or cleans up; it imports the rollback,
# remote and rollout modules beside it, and bundles the first-answer module's
# glue (js/answer.js), which such a page needs before its first decision: one
# file costs less than two (measured, gzip -9, the recipe page: 1,510 B of
# this chunk + 1,195 B of the glue as its own file -> see CONTRIBUTING.md).
# Minified whole, as the script-tag files are: the script tag (and a CDN page
# without a bundler) loads it as it is (--minify-syntax alone shipped the
# bundled glue 0.6 KB gzip larger than minified); a bundler minifies it again.
$esbuild js/extras.js --bundle --format=esm --target=es2020 --log-level=warning --minify --define:__MAESTRO_NODE__=false \
  --define:__MAESTRO_TAG__=false \
  --external:./maestro_gate_rollback.js --external:./maestro_gate_remote.js --external:./maestro_gate_rollout.js \
  --banner:js="// maestro-gate $version: the glue of rollout, guard, remote, report and a cleanup (index.js imports it on demand). See README.md." \
  --outfile=pkg/maestro_gate_extras.js
# The glue of init({ report }) (js/report.js), a file of its own that index.js
# imports at a page's first beacon, after the decision: it loads the beacon
# module (maestro_gate_beacon_bg.wasm) from beside itself. Apart from
# maestro_gate_extras.js, so that a page that is off (which needs none of
# that) downloads the gate and the beacon and nothing else.
$esbuild js/report.js --format=esm --target=es2020 --log-level=warning --minify-syntax --define:__MAESTRO_NODE__=false \
  --banner:js="// maestro-gate $version: the glue of init({ report })'s beacon (index.js imports it on demand). See README.md." \
  --outfile=pkg/maestro_gate_report.js
# The same for Node, which reads the gate's .wasm from disk. The "node"
# export condition (Vitest, Jest, SSR) is index.node.js, which answers with
# this gate or with a fresh one maestro-gate/testing started (each an import
# of this file). It bundles the rollback, remote and rollout glue (so it is
# built from a copy of js/ beside that glue), and its TextDecoder and
# TextEncoder are the global ones, else node:util's (js/text-coding.node.js:
# Jest's jsdom has neither).
mkdir -p "$tmp/node" && cp js/*.js pkg/maestro_gate_{rollback,remote,rollout}.js "$tmp/node/"
# (js/extras.js itself: pkg's copy has __MAESTRO_NODE__ folded to false.)
cp js/extras.js "$tmp/node/maestro_gate_extras.js"
cp js/report.js "$tmp/node/maestro_gate_report.js"
node_gate() { # out, format, banner, extra esbuild flags
  $esbuild "$tmp/node/index.js" --bundle --format="$2" --platform=node --target=node18 --log-level=warning "$define" \
    --define:__MAESTRO_TAG__=false --define:__MAESTRO_NODE__=true --minify-syntax \
    --inject:"$tmp/node/text-coding.node.js" --banner:js="// maestro-gate $version: $3. See README.md.${4:+
}${4:-}" "${@:5}" --outfile="$1"
}
node_gate pkg/gate.node.js esm "the gate for Node (index.node.js answers with it)"
# The same entries for Node as CommonJS, in pkg/cjs/ ("type": "commonjs"),
# for the "require" condition under "node" (Jest's default, which loads no ES
# module without --experimental-vm-modules): no import(), no import.meta.
# cjs/gate.node.js is a factory: `fresh()` evaluates the whole gate again,
# which is how maestro-gate/testing starts a fresh gate in CommonJS
# (cjs/fresh.node.js). Its import.meta.url is pkg/gate.node.js's, so the
# .wasm files are read from pkg/.
mkdir -p pkg/cjs
printf '{ "type": "commonjs" }\n' > pkg/cjs/package.json
node_gate pkg/cjs/gate.node.js cjs "the gate for Node, CommonJS (cjs/index.node.js answers with it)" \
"module.exports = Object.assign(fresh(), { fresh });
function fresh() { const module = { exports: {} }, exports = module.exports;
const __maestro_url = require('node:url').pathToFileURL(require('node:path').join(__dirname, '..', 'gate.node.js')).href;" \
  --supported:dynamic-import=false --define:import.meta.url=__maestro_url --footer:js="return module.exports; }"
for file in index.node current.node testing; do
  $esbuild js/$file.js --format=cjs --platform=node --target=node18 --log-level=warning --outfile=pkg/cjs/$file.js
done
cp js/fresh.node.cjs pkg/cjs/fresh.node.js
# Their types, for TypeScript's "require" resolution (a .d.ts in cjs/ is a
# CommonJS declaration): the same declarations, with the two they import.
cp js/index.d.ts js/testing.d.ts js/types.generated.d.ts pkg/maestro_gate.d.ts pkg/maestro_gate_rollback.d.ts pkg/cjs/

# The script-tag files: classic scripts, shipped minified (they are loaded as
# they are, with no bundler in between); the wasm goes in as hex after that.
tag() { # entry, out, banner
  $esbuild "$1" --bundle --format=iife --minify --target=es2020 --log-level=warning "$define" --define:__MAESTRO_TAG__=true \
    --define:__MAESTRO_NODE__=false \
    --log-override:empty-import-meta=silent --legal-comments=inline \
    --banner:js="/*! maestro-gate $version: $3. window.maestroGate. See README.md. */" --outfile="$2"
}
tag js/script-tag.js pkg/maestro-gate.js "the script-tag build"
node scripts/embed-wasm.mjs pkg/maestro-gate.js GATE_WASM=pkg/maestro_gate_bg.wasm
tag js/script-tag-full.js pkg/maestro-gate.full.js "the self-contained script-tag build"
node scripts/embed-wasm.mjs pkg/maestro-gate.full.js GATE_WASM=pkg/maestro_gate_bg.wasm \
  ROLLBACK_WASM=pkg/maestro_gate_rollback_bg.wasm

# The Service Worker guard (maestro-gate/sw): an ES module for a module
# worker, and a classic script for importScripts that sets self.maestroGuard;
# both with the guard's wasm inlined as hex (compiled synchronously while the
# worker's script runs). No page loads either.
cp js/sw.js js/sw-classic.js "$tmp/"
$esbuild "$tmp/sw.js" --bundle --format=esm --target=es2020 --log-level=warning --minify-syntax \
  --log-override:empty-import-meta=silent --banner:js="// maestro-gate $version: the Service Worker guard (ES module). See README.md." --outfile=pkg/sw.js
node scripts/embed-wasm.mjs pkg/sw.js SW_WASM="$tmp/maestro_gate_sw_bg.wasm"
$esbuild "$tmp/sw-classic.js" --bundle --format=iife --minify --target=es2020 --log-level=warning \
  --log-override:empty-import-meta=silent --legal-comments=inline \
  --banner:js="/*! maestro-gate $version: the Service Worker guard, for importScripts: self.maestroGuard. See README.md. */" \
  --outfile=pkg/maestro-gate-sw.js
node scripts/embed-wasm.mjs pkg/maestro-gate-sw.js SW_WASM="$tmp/maestro_gate_sw_bg.wasm"
cp js/sw.d.ts pkg/sw.d.ts

# The bindings: glue over the public API, copied as they are (a bundler
# minifies them with the app). Each imports ./index.js, the app's own gate;
# the "node" condition's copy imports ./index.node.js, the gate Node's
# `import 'maestro-gate'` gets (SSR, Vitest), so that both are one gate.
for binding in openfeature react vue; do
  cp js/$binding.js js/$binding.d.ts pkg/
  sed "s#from './index.js'#from './index.node.js'#" js/$binding.js > pkg/$binding.node.js
  grep -q "from './index.node.js'" pkg/$binding.node.js || { echo "js/$binding.js: no import from './index.js'" >&2; exit 1; }
done

cp js/index.d.ts js/global.d.ts js/node.js js/receiver.js js/vite.js js/vite.d.ts js/cli.js pkg/
cp js/index.node.js js/current.node.js js/fresh.node.js js/testing.js js/testing.d.ts pkg/
chmod +x pkg/cli.js
sed "s/@VERSION@/$version/g" js/package.json > pkg/package.json
cp js/README.md pkg/README.md

echo "every visitor (the ES module's decision path):"
node scripts/size.mjs pkg/index.js pkg/maestro_gate_bg.wasm
echo "loaded when a cleanup runs:"
node scripts/size.mjs pkg/maestro_gate_rollback.js pkg/maestro_gate_rollback_bg.wasm | tail -n +2
echo "loaded by init({ report }) at its first beacon, after the decision (its boundary is the gate's):"
node scripts/size.mjs pkg/maestro_gate_report.js pkg/maestro_gate_beacon_bg.wasm | tail -n +2
echo "loaded by init({ remote }) without a rollout or a guard before the first decision (the document's first answer; its glue in the extras chunk; the narrowing build too when it sets a percentage):"
node scripts/size.mjs pkg/maestro_gate_extras.js pkg/maestro_gate_answer_slim_bg.wasm | tail -n +2
echo "the same with a rollout or a guard (the document's first answer and the narrowing):"
node scripts/size.mjs pkg/maestro_gate_extras.js pkg/maestro_gate_answer_bg.wasm | tail -n +2
echo "loaded by a rollout or a guard without remote or unleash before the first decision (the narrowing alone; the same glue):"
node scripts/size.mjs pkg/maestro_gate_extras.js pkg/maestro_gate_narrow_bg.wasm | tail -n +2
echo "loaded by init({ unleash }) without a rollout or a guard before the first decision, for Unleash's first answer (the same glue):"
node scripts/size.mjs pkg/maestro_gate_extras.js pkg/maestro_gate_answer_unleash_slim_bg.wasm | tail -n +2
echo "the same with a rollout or a guard (Unleash's first answer and the narrowing):"
node scripts/size.mjs pkg/maestro_gate_extras.js pkg/maestro_gate_answer_unleash_bg.wasm | tail -n +2
echo "loaded by the first answer after the first decision, to remember it (before it only when no answer came in time):"
node scripts/size.mjs pkg/maestro_gate_keep_bg.wasm | tail -n +2
echo "loaded by init({ remote }) or init({ unleash }) after the first decision, for the poll (before it with both):"
node scripts/size.mjs pkg/maestro_gate_remote.js pkg/maestro_gate_remote_bg.wasm | tail -n +2
echo "loaded after the first decision, for a guard or a remote percentage:"
node scripts/size.mjs pkg/maestro_gate_rollout.js pkg/maestro_gate_rollout_bg.wasm | tail -n +2
echo "the script-tag file (the gate inlined; a cleanup loads the rollback as above):"
node scripts/size.mjs pkg/maestro-gate.js | tail -n +2
echo "the self-contained script-tag file (gate and rollback inlined):"
node scripts/size.mjs pkg/maestro-gate.full.js | tail -n +2
echo "the Service Worker guard (only an app's Service Worker loads it; wasm inlined):"
node scripts/size.mjs pkg/sw.js | tail -n +2
node scripts/size.mjs pkg/maestro-gate-sw.js | tail -n +2
