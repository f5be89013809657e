// The ES module's time to first decision, option by option: how the entry
// could load the gate's wasm, each measured for its decision-path size (as
// `make bench` counts it) and its time to first decision against the peers,
// in interleaved fresh page loads. Not part of `make bench`: it is how the
// shipped option was chosen (see README.md, Performance). Needs pkg/ built
// and bench/node_modules installed (`make bench` does both).
//
//   node bench/ttfd-options.mjs            # BENCH_LOADS (default 21) loads per page
//   BENCH_LOADS=41 OPTIONS=pkg,pkg+preload PEERS=openfeature,growthbook node bench/ttfd-options.mjs
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { API, PEERS, PRELOAD, bundle, median, open, serve } from './run.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const DIR = join(HERE, 'out', 'options');
const LOADS = Number(process.env.BENCH_LOADS || 21);
const JS = (f) => JSON.stringify(join(ROOT, 'js', f));

// The shared part of every variant entry: js/index.js with `load` replaced.
const entry = (prelude, load) => `
import loadCore, { initSync } from ${JS('core.js')};
import { createGate } from ${JS('gate.js')};
${prelude}
const gate = createGate({
  load: ${load},
  loadExtras: () => import(${JSON.stringify(join(ROOT, 'pkg', 'maestro_gate_extras.js'))}),
});
export const { init, isEnabled, decision, health, onChange, clearClientState, verifyClientState, onCleanupRequest } = gate;`;
const URL_ = "new URL('maestro_gate_bg.wasm', import.meta.url)";
const HEX = `const fromHex = (hex) => Uint8Array.fromHex(hex); const GATE_WASM = '@GATE_WASM@';`;
const B64 = `const GATE_WASM = '@GATE_WASM_B64@';`;

// Each option: the entry (pkg: pkg/index.js as built), whether its decision
// path fetches the .wasm, and what the page adds to its <head>. The variants
// other than `pkg` pass createGate a `load` of their own beside core.js's
// (so their sizes compare with each other, not with pkg's).
const FETCH = `(await fetch(${URL_})).arrayBuffer()`;
const fetching = (how) => `async (wasm) => wasm == null ? ${how} : loadCore(wasm)`;
const OPTIONS = {
  pkg: { note: 'pkg/index.js as built', fetches: true, pkg: true },
  'pkg+preload': { note: 'pkg/index.js as built, the page with the preload hint', fetches: true, pkg: true, head: PRELOAD },
  'async-compile': { note: 'fetch, arrayBuffer, WebAssembly.compile at init() (as js/core.js did before: arrayBuffer, WebAssembly.instantiate)', fetches: true,
    src: entry('', fetching(`initSync(await WebAssembly.compile(await ${FETCH}))`)) },
  'async-compile+preload': { note: 'the same with the preload hint', fetches: true, head: PRELOAD, src: 'async-compile' },
  'preload-no-crossorigin': { note: 'async-compile, the hint without crossorigin (does not match fetch())', fetches: true,
    head: '<link rel="preload" href="./maestro_gate_bg.wasm" as="fetch">', src: 'async-compile' },
  'sync-compile': { note: 'fetch, arrayBuffer, new WebAssembly.Module at init()', fetches: true,
    src: entry('', fetching(`initSync(await ${FETCH})`)) },
  'sync-compile+preload': { note: 'the same with the preload hint', fetches: true, head: PRELOAD, src: 'sync-compile' },
  streaming: { note: 'WebAssembly.compileStreaming(fetch()) at init()', fetches: true,
    src: entry('', fetching(`initSync(await WebAssembly.compileStreaming(fetch(${URL_})))`)) },
  'streaming+preload': { note: 'the same with the preload hint', fetches: true, head: PRELOAD, src: 'streaming' },
  'eager-streaming': { note: 'compileStreaming(fetch()) started when the module is evaluated', fetches: true,
    src: entry(`const early = WebAssembly.compileStreaming(fetch(${URL_})); early.catch(() => {});`, '(wasm) => wasm == null ? early.then(initSync) : loadCore(wasm)') },
  'eager-streaming+preload': { note: 'the same with the preload hint', fetches: true, head: PRELOAD, src: 'eager-streaming' },
  'eager-sync': { note: 'fetch + arrayBuffer started when the module is evaluated, new WebAssembly.Module at init()', fetches: true,
    src: entry(`const early = fetch(${URL_}).then((r) => r.arrayBuffer()); early.catch(() => {});`, '(wasm) => wasm == null ? early.then(initSync) : loadCore(wasm)') },
  'inline-hex-sync': { note: 'wasm inlined as hex, new WebAssembly.Module at init()',
    src: entry(HEX, '() => initSync(fromHex(GATE_WASM))') },
  'inline-hex-async': { note: 'wasm inlined as hex, WebAssembly.compile at init()',
    src: entry(HEX, 'async () => initSync(await WebAssembly.compile(fromHex(GATE_WASM)))') },
  'inline-b64-sync': { note: 'wasm inlined as base64, new WebAssembly.Module at init()',
    src: entry(B64, '() => initSync(Uint8Array.fromBase64(GATE_WASM))') },
};
for (const o of Object.values(OPTIONS)) if (typeof o.src === 'string' && OPTIONS[o.src]) o.src = OPTIONS[o.src].src;

const wanted = process.env.OPTIONS ? process.env.OPTIONS.split(',') : Object.keys(OPTIONS);
const gz = (b) => gzipSync(b, { level: 9 }).length;

async function main() {
  await rm(DIR, { recursive: true, force: true });
  await mkdir(DIR, { recursive: true });
  const wasm = await readFile(join(ROOT, 'pkg', 'maestro_gate_bg.wasm'));
  const embed = (text) => text.replace('"@GATE_WASM@"', `"${wasm.toString('hex')}"`).replace('"@GATE_WASM_B64@"', `"${wasm.toString('base64')}"`);
  for (const f of ['maestro_gate_bg.wasm', 'maestro_gate_rollback.js', 'maestro_gate_rollback_bg.wasm', 'maestro_gate_remote.js', 'maestro_gate_remote_bg.wasm']) {
    await writeFile(join(DIR, f), await readFile(join(ROOT, 'pkg', f)));
  }
  const rows = [];
  for (const id of wanted) {
    const o = OPTIONS[id];
    if (!o) throw new Error(`no option ${id}`);
    const file = id.replace('+', '-');
    let gate = join(ROOT, 'pkg', 'index.js');
    if (!o.pkg) {
      // Built as scripts/build-pkg.sh builds pkg/index.js.
      gate = join(DIR, `${file}.index.js`);
      await writeFile(join(DIR, `${file}.src.js`), o.src);
      await build({
        entryPoints: [join(DIR, `${file}.src.js`)], outfile: gate, bundle: true, format: 'esm', target: 'es2020', minifySyntax: true,
        define: { __MAESTRO_GATE_VERSION__: '"0.0.0"', __MAESTRO_TAG__: 'false', __MAESTRO_NODE__: 'false' }, logLevel: 'warning',
        external: ['./maestro_gate_rollback.js', './maestro_gate_remote.js'],
      });
    }
    // Size, as `make bench` counts it: the entry and its static chunks (+ the .wasm if it is fetched).
    const size = async (imp, name) => {
      const js = Buffer.from(embed((await bundle(imp, join(DIR, `size-${file}-${name}.js`), gate)).toString('latin1')), 'latin1');
      return gz(js) + (o.fetches ? gz(wasm) : 0);
    };
    const initOnly = await size("import { init } from 'maestro-gate'; globalThis.x = init;", 'init');
    const all = await size(`import { ${API} } from 'maestro-gate'; globalThis.x = [${API}];`, 'all');
    const page = join(DIR, `start-${file}.js`);
    await bundle(`import { init, isEnabled } from 'maestro-gate'; await init({ log: 'silent' }); export const ask = isEnabled;
      window.__t1 = performance.now(); window.__v = ask(); window.ask = ask;`, page, gate);
    await writeFile(page, embed(await readFile(page, 'latin1')), 'latin1');
    await writeFile(join(DIR, `start-${file}.html`),
      `<!doctype html><meta charset="utf-8"><script>window.__t0 = performance.now();</script>${o.head || ''}<script type="module" src="./start-${file}.js"></script>`);
    rows.push({ id, name: `gate: ${id}`, note: o.note, initOnly, all, page: `options/start-${file}.html` });
  }
  // PEERS=openfeature,growthbook: only those (the fastest in every run here), to iterate faster.
  const peers = process.env.PEERS ? PEERS.filter((p) => process.env.PEERS.split(',').includes(p.id)) : PEERS;
  for (const p of peers) {
    await bundle(p.start + '\nwindow.__t1 = performance.now(); window.__v = ask(); window.ask = ask;', join(DIR, `start-${p.id}.js`));
    await writeFile(join(DIR, `start-${p.id}.html`),
      `<!doctype html><meta charset="utf-8"><script>window.__t0 = performance.now();</script><script type="module" src="./start-${p.id}.js"></script>`);
    rows.push({ id: p.id, name: p.name, peer: true, page: `options/start-${p.id}.html` });
  }

  const { server, url } = await serve();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  try {
    for (const r of rows) { r.ms = []; r.wasmRequests = []; }
    for (let i = 0; i < LOADS; i++) {
      for (const r of rows) { // interleaved
        let wasmRequests = 0;
        const { context, page } = await open(browser, `${url}/${r.page}`, (p) => p.on('request', (q) => { if (q.url().endsWith('maestro_gate_bg.wasm')) wasmRequests++; }));
        const { t0, t1, v } = await page.evaluate(() => ({ t0: window.__t0, t1: window.__t1, v: window.__v }));
        if (v !== true) throw new Error(`${r.name} answered ${v}`);
        r.ms.push(t1 - t0);
        r.wasmRequests.push(wasmRequests);
        await context.close();
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
  const fastest = Math.min(...rows.filter((r) => r.peer).map((r) => median(r.ms)));
  const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  console.log(`Time to first decision, median of ${LOADS} interleaved fresh loads each; fastest peer median ${fmt(fastest, 2)} ms.\n`);
  console.log('| option | decision path gzip: init only / whole API | whole API ≤ 7,558 | median ms | vs fastest peer | .wasm requests per load |');
  console.log('|---|---:|---|---:|---:|---:|');
  for (const r of rows) {
    const sz = r.peer ? '' : `${fmt(r.initOnly)} / ${fmt(r.all)}`;
    const ok = r.peer ? '' : r.all <= 7558 ? 'yes' : `no (+${fmt(r.all - 7558)})`;
    console.log(`| ${r.name}${r.note ? ` (${r.note})` : ''} | ${sz} | ${ok} | ${fmt(median(r.ms), 2)} | ${fmt(median(r.ms) / fastest, 2)}× | ${r.peer ? '' : fmt(median(r.wasmRequests))} |`);
  }
}

await main();
