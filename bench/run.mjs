// maestro-gate against the client-side flag SDKs a web team would use instead.
// Run with `make bench` (it builds pkg/ and installs these peers first).
// Prints one table and writes BENCHMARKS.md. Not part of `make test`: it
// reports figures and ratios, and asserts nothing about time.
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { VITE_APP, viteSize } from './vite-size.mjs';
import { measure as measureBudgets, table as budgetTable } from './budgets.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const OUT = join(HERE, 'out');
const LOADS = Number(process.env.BENCH_LOADS || 41);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 7);
const ROUND_MS = 250; // each throughput round calls for about this long
// BENCH_ONLY=ttfd: sizes and time to first decision only (with BENCH_LOADS to
// iterate quickly); BENCHMARKS.md is left as it is.
const ONLY_TTFD = process.env.BENCH_ONLY === 'ttfd';
// The targets (the issue's): the ES module's decision path at most OpenFeature +
// InMemoryProvider's gzip; its time to first decision within 1.2× the fastest peer.
const ESM_MAX_GZIP = 7558;
const ESM_MAX_RATIO = 1.2;
// The whole public API of the ES module, imported by name as an app does.
export const API = 'init, isEnabled, decision, health, onChange, clearClientState, verifyClientState, onCleanupRequest';
// What the Vite plugin (js/vite.js) adds to a built page that loads the gate.
export const PRELOAD = '<link rel="preload" href="./maestro_gate_bg.wasm" as="fetch" crossorigin>';

const sizes = (buf) => ({
  raw: buf.length,
  gzip: gzipSync(buf, { level: 9 }).length,
  brotli: brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});
const add = (a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli });
export const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const range = (xs) => [Math.min(...xs), Math.max(...xs)];
const version = async (name) => JSON.parse(await readFile(join(HERE, 'node_modules', name, 'package.json'), 'utf8')).version;

// ---------- the contenders: how each is imported, started, and asked one flag ----------

export const PEERS = [
  {
    name: 'OpenFeature web-sdk + InMemoryProvider', pkg: '@openfeature/web-sdk', id: 'openfeature',
    size: "import { OpenFeature, InMemoryProvider } from '@openfeature/web-sdk'; globalThis.x = [OpenFeature, InMemoryProvider];",
    start: `import { OpenFeature, InMemoryProvider } from '@openfeature/web-sdk';
      await OpenFeature.setProviderAndWait(new InMemoryProvider({ maestro: { variants: { on: true, off: false }, defaultVariant: 'on', disabled: false } }));
      const client = OpenFeature.getClient();
      export const ask = () => client.getBooleanValue('maestro', false);`,
  },
  {
    name: 'unleash-proxy-client (bootstrap)', pkg: 'unleash-proxy-client', id: 'unleash',
    size: "import { UnleashClient } from 'unleash-proxy-client'; globalThis.x = UnleashClient;",
    start: `import { UnleashClient } from 'unleash-proxy-client';
      const client = new UnleashClient({ url: 'http://127.0.0.1:9/proxy', clientKey: 'bench', appName: 'bench',
        bootstrap: [{ name: 'maestro', enabled: true, variant: { name: 'disabled', enabled: false } }],
        disableRefresh: true, disableMetrics: true, fetch: async () => new Response(null, { status: 304 }) });
      await client.start();
      export const ask = () => client.isEnabled('maestro');`,
  },
  {
    name: 'flagsmith (defaultFlags)', pkg: 'flagsmith', id: 'flagsmith',
    size: "import flagsmith from 'flagsmith'; globalThis.x = flagsmith;",
    start: `import flagsmith from 'flagsmith';
      await flagsmith.init({ environmentID: 'bench', preventFetch: true, defaultFlags: { maestro: { enabled: true, value: null } } });
      export const ask = () => flagsmith.hasFeature('maestro');`,
  },
  {
    name: 'GrowthBook (initSync)', pkg: '@growthbook/growthbook', id: 'growthbook',
    size: "import { GrowthBook } from '@growthbook/growthbook'; globalThis.x = GrowthBook;",
    start: `import { GrowthBook } from '@growthbook/growthbook';
      const gb = new GrowthBook({});
      gb.initSync({ payload: { features: { maestro: { defaultValue: true } } } });
      export const ask = () => gb.isOn('maestro');`,
  },
  {
    name: 'launchdarkly-js-client-sdk (bootstrap)', pkg: 'launchdarkly-js-client-sdk', id: 'launchdarkly',
    size: "import { initialize } from 'launchdarkly-js-client-sdk'; globalThis.x = initialize;",
    start: `import { initialize } from 'launchdarkly-js-client-sdk';
      const client = initialize('bench', { kind: 'user', key: 'bench' }, { bootstrap: { maestro: true }, streaming: false,
        sendEvents: false, fetchGoals: false, diagnosticOptOut: true, sendEventsOnlyForVariation: true });
      await client.waitForInitialization();
      export const ask = () => client.variation('maestro', false);`,
  },
];

const GATE_ESM = {
  name: 'maestro-gate (ES module: glue + .wasm)', id: 'gate',
  start: `import { init, isEnabled } from 'maestro-gate';
    await init({ log: 'silent' });
    export const ask = isEnabled;`,
};

// ---------- 1. shipped size ----------

// Bundles `contents` into `outfile` (with code splitting, as an app's bundler
// does, so that a dynamic import becomes its own chunk). Returns the bytes of
// the entry and of every chunk it imports statically: what loads with it.
export async function bundle(contents, outfile, gate = join(ROOT, 'pkg', 'index.js')) {
  const entry = outfile.replace(/\.js$/, '.entry.mjs');
  await writeFile(entry, contents);
  const { metafile } = await build({
    entryPoints: { [basename(outfile, '.js')]: entry }, outdir: dirname(outfile), splitting: true, metafile: true,
    bundle: true, minify: true, format: 'esm', platform: 'browser', logLevel: 'silent', absWorkingDir: HERE, nodePaths: [join(HERE, 'node_modules')],
    alias: { 'maestro-gate': gate }, chunkNames: '[name]-[hash]',
  });
  const seen = new Set();
  const visit = (path) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const i of metafile.outputs[path].imports) if (i.kind === 'import-statement') visit(i.path);
  };
  visit(Object.keys(metafile.outputs).find((p) => p.endsWith(basename(outfile))));
  const parts = await Promise.all([...seen].map((p) => readFile(join(HERE, p))));
  const lazy = Object.keys(metafile.outputs).filter((p) => p.endsWith('.js') && !seen.has(p));
  const lazyChunks = await Promise.all(lazy.map(async (p) => ({ path: p, bytes: await readFile(join(HERE, p)) })));
  return Object.assign(Buffer.concat(parts), { lazy: lazyChunks });
}

async function measureSizes() {
  const rows = [];
  const gateJs = await bundle(`import { ${API} } from 'maestro-gate'; globalThis.x = [${API}];`, join(OUT, 'size-gate.js'));
  const wasm = await readFile(join(ROOT, 'pkg', 'maestro_gate_bg.wasm'));
  rows.push({ name: 'maestro-gate, ES module (JS glue + gate .wasm)', ...add(sizes(gateJs), sizes(wasm)) });
  // The same path as Vite builds it (bench/vite-size.mjs): what a page built by
  // a default `vite build` of a one-line app downloads before init() resolves.
  const vite = await viteSize();
  rows.push({ name: `maestro-gate, ES module in a default Vite ${vite.version} build of \`${VITE_APP}\` (entry chunk + gate .wasm)`, ...vite.total, vite });
  // The lazy chunks: the rollback (a cleanup loads it), the remote poll
  // (init({ remote }) loads it) and the rollout (a page that sets a rollout or
  // a guard loads it before its first decision).
  const chunk = (part) => Buffer.concat(gateJs.lazy.filter((c) => basename(c.path).startsWith(`maestro_gate_${part}`)).map((c) => c.bytes));
  const parts = [['rollback', 'when a cleanup runs'], ['remote', 'by init({ remote })'], ['rollout', 'by a rollout or a guard, before the first decision'],
    ['extras', 'by a page that sets a rollout, a guard, `remote` or `report` (their glue; no .wasm)']];
  if (gateJs.lazy.length !== parts.length || parts.some(([part]) => !chunk(part).length)) {
    throw new Error(`expected the ${parts.map(([p]) => p).join(', ')} chunks, got ${gateJs.lazy.map((c) => basename(c.path)).join(', ')}`);
  }
  const partSizes = {};
  for (const [part, when] of parts) {
    const wasm = part === 'extras' ? Buffer.alloc(0) : await readFile(join(ROOT, 'pkg', `maestro_gate_${part}_bg.wasm`));
    partSizes[part] = add(sizes(chunk(part)), sizes(wasm));
    rows.push({ name: `maestro-gate, added ${when} (${part} chunk + .wasm)`, ...partSizes[part], extra: true });
  }
  // init({ remote }) waits for the document's first answer, read by the
  // remote module: a page with `remote` downloads it before its first decision.
  rows.push({
    name: 'maestro-gate, a page with init({ remote }): everything before its first decision (the ES path + the extras chunk + the remote chunk + .wasm)',
    ...add(add(rows[0], partSizes.extras), partSizes.remote), extra: true,
  });
  const pkgFile = (f) => readFile(join(ROOT, 'pkg', f));
  rows.push({ name: 'maestro-gate, script tag (the gate inlined)', ...sizes(await pkgFile('maestro-gate.js')), tag: true });
  rows.push({
    name: 'maestro-gate, added to the script tag when a cleanup runs (rollback glue + .wasm, as shipped)',
    ...add(sizes(await pkgFile('maestro_gate_rollback.js')), sizes(await pkgFile('maestro_gate_rollback_bg.wasm'))), extra: true,
  });
  rows.push({ name: 'maestro-gate, self-contained script tag (gate and rollback inlined)', ...sizes(await pkgFile('maestro-gate.full.js')), extra: true });
  // The Service Worker guard: only an app's Service Worker loads it (its wasm inlined), never a page.
  rows.push({ name: 'maestro-gate/sw, the Service Worker guard (ES module as shipped, wasm inlined; no page loads it)', ...sizes(await pkgFile('sw.js')), extra: true });
  rows.push({ name: 'maestro-gate-sw.js, the Service Worker guard for importScripts (minified, wasm inlined)', ...sizes(await pkgFile('maestro-gate-sw.js')), extra: true });
  for (const p of PEERS) {
    rows.push({ name: `${p.pkg}@${await version(p.pkg)}`, ...sizes(await bundle(p.size, join(OUT, `size-${p.id}.js`))) });
  }
  return rows;
}

// ---------- the pages ----------

async function writePages() {
  for (const c of [GATE_ESM, ...PEERS]) {
    await bundle(c.start + '\nwindow.__t1 = performance.now(); window.__v = ask(); window.ask = ask;', join(OUT, `start-${c.id}.js`));
    // The gate's page as a Vite build with maestro-gate/vite writes it: with the plugin's preload hint.
    const head = c === GATE_ESM ? PRELOAD : '';
    await writeFile(join(OUT, `start-${c.id}.html`),
      `<!doctype html><meta charset="utf-8"><script>window.__t0 = performance.now();</script>${head}<script type="module" src="./start-${c.id}.js"></script>`);
  }
  // The same page without the hint (a bundler without the plugin).
  await writeFile(join(OUT, 'start-gate-nohint.html'),
    '<!doctype html><meta charset="utf-8"><script>window.__t0 = performance.now();</script><script type="module" src="./start-gate.js"></script>');
  await writeFile(join(OUT, 'maestro-gate.js'), await readFile(join(ROOT, 'pkg', 'maestro-gate.js')));
  // The bundled ES module loads its .wasm files next to itself, as a bundler emits them.
  for (const f of ['maestro_gate_bg.wasm', 'maestro_gate_rollback_bg.wasm']) await writeFile(join(OUT, f), await readFile(join(ROOT, 'pkg', f)));
  await writeFile(join(OUT, 'start-tag.html'), `<!doctype html><meta charset="utf-8"><script>window.__t0 = performance.now();</script>
    <script src="./maestro-gate.js"></script>
    <script>window.__v = maestroGate.isEnabled(); window.__t1 = performance.now(); window.ask = maestroGate.isEnabled;</script>`);
  // The floor: an app's own boolean in an ES module (as in a Vite app), which
  // (like a kill switch) can change.
  await writeFile(join(OUT, 'plain.html'), `<!doctype html><meta charset="utf-8"><script type="module">
    let maestroEnabled = true; window.flip = () => { maestroEnabled = !maestroEnabled; };
    window.flip(); window.flip(); // it has changed, as a switch does
    window.ask = () => maestroEnabled; window.__t1 = 1;</script>`);
  // For reference: a constant object property, which the JIT folds away.
  await writeFile(join(OUT, 'plain-const.html'), `<!doctype html><meta charset="utf-8"><script>
    const flags = Object.freeze({ maestro: true }); window.ask = () => flags.maestro; window.__t1 = 1;</script>`);
  await writeFile(join(OUT, 'cleanup.html'), `<!doctype html><meta charset="utf-8"><script type="module">
    import * as gate from '/pkg/index.js';
    import glue from '/pkg/maestro_gate.js';
    await gate.init({ log: 'silent' });
    window.gate = gate;
    // The export names are shortened in the build: find the memory by type.
    window.memoryOf = (exports) => Object.values(exports).find((v) => v instanceof WebAssembly.Memory);
    window.memory = window.memoryOf(await glue());
    window.__t1 = 1;
  </script>`);
}

// Serves the pages and bundles gzip-compressed, as a CDN or any web server
// does (compressed once, so that the server's own work is not timed).
export function serve() {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const gzipped = new Map();
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const file = path.startsWith('/pkg/') ? join(ROOT, path) : join(OUT, path);
    if (!gzipped.has(file)) {
      try { gzipped.set(file, gzipSync(await readFile(file), { level: 9 })); } catch { res.writeHead(404).end(); return; }
    }
    res.writeHead(200, { 'content-type': types[extname(file)] || 'application/octet-stream', 'content-encoding': 'gzip' })
      .end(gzipped.get(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` })));
}

export async function open(browser, url, before = () => {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  before(page);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => window.__t1 !== undefined, null, { timeout: 20000 });
  if (errors.length) throw new Error(`${url}: ${errors.join('; ')}`);
  return { context, page };
}

// ---------- 2. time to first decision ----------

async function timeToFirstDecision(browser, url) {
  const contenders = [
    { name: 'maestro-gate, script tag', page: 'start-tag.html' },
    { name: 'maestro-gate, ES module init(), page with the Vite plugin\'s preload hint', page: 'start-gate.html' },
    { name: 'maestro-gate, ES module init(), no hint', page: 'start-gate-nohint.html' },
    ...PEERS.map((p) => ({ name: p.name, page: `start-${p.id}.html` })),
  ];
  const samples = new Map(contenders.map((c) => [c.name, []]));
  for (let i = 0; i < LOADS; i++) {
    for (const c of contenders) { // interleaved, so drift hits every contender alike
      const { context, page } = await open(browser, `${url}/${c.page}`);
      const { t0, t1, v } = await page.evaluate(() => ({ t0: window.__t0, t1: window.__t1, v: window.__v }));
      if (v !== true) throw new Error(`${c.name} answered ${v}`);
      samples.get(c.name).push(t1 - t0);
      await context.close();
    }
  }
  return contenders.map((c) => ({ name: c.name, ms: samples.get(c.name) }));
}

// ---------- 3. evaluation throughput ----------

async function throughput(browser, url) {
  const contenders = [
    { name: 'plain JS read of a module-level `let` boolean (the floor)', page: 'plain.html' },
    { name: 'plain JS read of a frozen constant (JIT-folded; reference only)', page: 'plain-const.html' },
    { name: 'maestro-gate isEnabled()', page: 'start-gate.html' },
    { name: 'maestro-gate script tag isEnabled()', page: 'start-tag.html' },
    { name: 'OpenFeature getBooleanValue', page: 'start-openfeature.html' },
    { name: 'GrowthBook isOn', page: 'start-growthbook.html' },
    { name: 'Unleash isEnabled', page: 'start-unleash.html' },
  ];
  const out = [];
  for (const c of contenders) {
    const { context, page } = await open(browser, `${url}/${c.page}`);
    const rates = await page.evaluate(({ roundMs, rounds }) => {
      const ask = window.ask;
      const rates = [];
      for (let r = 0; r < rounds + 1; r++) {
        // Batches of 10,000 calls until the round's time is up.
        let n = 0, calls = 0, dt = 0;
        const t0 = performance.now();
        do {
          for (let i = 0; i < 10000; i++) if (ask()) n++;
          calls += 10000;
          dt = performance.now() - t0;
        } while (dt < roundMs);
        if (n !== calls) throw new Error('wrong answer');
        if (r > 0) rates.push(calls / (dt / 1000)); // round 0 warms the JIT
      }
      return rates;
    }, { roundMs: ROUND_MS, rounds: ROUNDS });
    out.push({ name: c.name, rates });
    await context.close();
  }
  return out;
}

// ---------- 4. cleanup, and 5. memory ----------

async function cleanup(browser, url) {
  const { context, page } = await open(browser, `${url}/cleanup.html`);
  const result = await page.evaluate(async (rounds) => {
    const seed = async () => {
      localStorage.clear();
      for (let i = 0; i < 11000; i++) localStorage.setItem(i % 11 === 5 ? `maestro:${i}` : `app:${i}`, `value ${i}`);
      // Let the browser's own write-back of the seed settle before timing.
      await new Promise((resolve) => setTimeout(resolve, 500));
    };
    const deleteDb = (name) => new Promise((resolve, reject) => {
      const r = indexedDB.deleteDatabase(name); r.onsuccess = resolve; r.onerror = () => reject(r.error);
    });
    // The floor: a correct hand-written rollback of the same state (key list first,
    // exact prefix, then the database).
    const handWritten = async () => {
      const keys = [];
      const n = localStorage.length;
      for (let i = 0; i < n; i++) keys.push(localStorage.key(i));
      for (const k of keys) if (k.startsWith('maestro:')) localStorage.removeItem(k);
      await deleteDb('bench-absent');
    };
    const options = { database: 'bench-absent', allTabs: false, sessionStorage: 'none', log: 'silent' };
    const memoryAfterInit = window.memory.buffer.byteLength;
    const gate = [], floor = [];
    const runGate = async () => {
      await seed(); const t = performance.now(); const report = await window.gate.clearClientState(options); gate.push(performance.now() - t);
      if (report.localStorage.removed.length !== 1000 || localStorage.length !== 10000) throw new Error('gate cleanup wrong');
    };
    const runFloor = async () => {
      await seed(); const t = performance.now(); await handWritten(); floor.push(performance.now() - t);
      if (localStorage.length !== 10000) throw new Error('floor cleanup wrong');
    };
    await runGate(); await runFloor(); gate.length = floor.length = 0; // warm-up
    for (let r = 0; r < rounds * 3; r++) {
      // Alternate who goes first, so that neither always follows the other.
      if (r % 2) { await runGate(); await runFloor(); } else { await runFloor(); await runGate(); }
    }
    localStorage.clear();
    const memoryAfterCleanup = window.memory.buffer.byteLength;
    // The cleanups ran in the rollback module, which has a memory of its own.
    const rollbackMemory = window.memoryOf(await (await import('/pkg/maestro_gate_rollback.js')).default()).buffer.byteLength;

    // Deleting a database that holds 1 MB.
    const seedDb = async () => {
      const open = indexedDB.open('bench-1mb', 1);
      open.onupgradeneeded = () => open.result.createObjectStore('s');
      const db = await new Promise((resolve, reject) => { open.onsuccess = () => resolve(open.result); open.onerror = () => reject(open.error); });
      const tx = db.transaction('s', 'readwrite');
      const chunk = 'x'.repeat(10 * 1024);
      for (let i = 0; i < 100; i++) tx.objectStore('s').put(chunk + i, i);
      await new Promise((resolve) => { tx.oncomplete = resolve; });
      db.close();
    };
    const dbGate = [], dbFloor = [];
    for (let r = 0; r < rounds; r++) {
      await seedDb(); let t = performance.now();
      const report = await window.gate.clearClientState({ ...options, database: 'bench-1mb' }); dbGate.push(performance.now() - t);
      if (report.database.outcome !== 'deleted') throw new Error('1 MB delete: ' + report.database.outcome);
      await seedDb(); t = performance.now(); await deleteDb('bench-1mb'); dbFloor.push(performance.now() - t);
    }
    return { gate, floor, dbGate, dbFloor, memoryAfterInit, memoryAfterCleanup, rollbackMemory };
  }, ROUNDS);
  await context.close();
  return result;
}

// ---------- report ----------

const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const ms = (xs) => `${fmt(median(xs), 2)} ms (${fmt(range(xs)[0], 2)}–${fmt(range(xs)[1], 2)})`;
const best = (xs) => Math.min(...xs);
const rate = (xs) => `${fmt(median(xs) / 1e6, 1)} M/s (${fmt(range(xs)[0] / 1e6, 1)}–${fmt(range(xs)[1] / 1e6, 1)})`;
const verdict = (ok) => (ok ? 'MET' : 'NOT MET');

async function main() {
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  const sizeRows = await measureSizes();
  await writePages();
  const { server, url } = await serve();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const lines = [];
  const say = (s = '') => { lines.push(s); console.log(s); };
  try {
    const peers = sizeRows.filter((r) => !r.name.startsWith('maestro-gate'));
    const smallest = Math.min(...peers.map((r) => r.gzip));
    say('## 1. Shipped size (bytes; esbuild --bundle --minify --format=esm, one row by Vite, gzip -9, brotli q11)');
    say('');
    say('| what | raw | gzip | brotli | gzip vs smallest peer |');
    say('|---|---:|---:|---:|---:|');
    // The peers are bundled by esbuild: the Vite row is not compared with them.
    for (const r of sizeRows) say(`| ${r.name} | ${fmt(r.raw)} | ${fmt(r.gzip)} | ${fmt(r.brotli)} | ${r.vite ? '—' : `${fmt(r.gzip / smallest, 2)}×`} |`);
    const esm = sizeRows[0].gzip, tag = sizeRows.find((r) => r.tag).gzip;
    say('');
    const openFeature = sizeRows.find((r) => r.name.startsWith('@openfeature/web-sdk@')).gzip;
    say('');
    say(`The ES module row counts the entry with the whole public API imported (\`import { ${API} }\`), every chunk it imports statically, and the gate's \`.wasm\` that \`init()\` loads.`);
    const viteRow = sizeRows.find((r) => r.vite);
    say(`The Vite row is the same path as a default \`vite build\` (Vite ${viteRow.vite.version}, no configuration) ships it: the files Vite's manifest lists for the page's entry (${viteRow.vite.files.map((f) => `${f.file} ${fmt(f.gzip)}`).join(', ')}), ` +
      `measured by bench/vite-size.mjs. Its entry chunk carries Vite's module-preload polyfill and the preload helper Vite wraps around the gate's two dynamic imports: on their own, in a control app with one dynamic import, ${fmt(viteRow.vite.viteOwn.gzip)} gzip.`);
    say(`Target ES module ≤ ${fmt(ESM_MAX_GZIP)} gzip (OpenFeature + InMemoryProvider: ${fmt(openFeature)}): ${fmt(esm)} — ${verdict(esm <= ESM_MAX_GZIP && esm <= openFeature)}. Target script tag ≤ 10,000 gzip: ${fmt(tag)} — ${verdict(tag <= 10000)}.`);

    const ttfd = await timeToFirstDecision(browser, url);
    const fastestPeer = Math.min(...ttfd.slice(3).map((r) => median(r.ms)));
    say('');
    say(`## 2. Time to first decision (median and min–max of ${LOADS} fresh page loads, from the first script to a usable answer)`);
    say('');
    say('| what | time | vs fastest peer |');
    say('|---|---:|---:|');
    for (const r of ttfd) say(`| ${r.name} | ${ms(r.ms)} | ${fmt(median(r.ms) / fastestPeer, 2)}× |`);
    const tagMs = median(ttfd[0].ms);
    say('');
    say(`Target script tag no slower than the fastest peer: ${fmt(tagMs, 2)} ms vs ${fmt(fastestPeer, 2)} ms — ${verdict(tagMs <= fastestPeer)}.`);
    const esmRatio = median(ttfd[1].ms) / fastestPeer, noHintRatio = median(ttfd[2].ms) / fastestPeer;
    say(`Target ES module init() ≤ ${fmt(ESM_MAX_RATIO, 1)}× the fastest peer, within the size budget (page with the Vite plugin's hint): ${fmt(esmRatio, 2)}× — ${verdict(esmRatio <= ESM_MAX_RATIO)}${esm <= ESM_MAX_GZIP ? '' : ' (and the size target is NOT MET)'}. Without the hint: ${fmt(noHintRatio, 2)}×.`);
    if (!(esmRatio <= ESM_MAX_RATIO)) {
      say(`Within the size budget the ES module does not reach ${fmt(ESM_MAX_RATIO, 1)}× here: the two ES module targets do not both hold. ` +
        'Inlining the .wasm in the entry (compiled at once, as the script tag does) reaches it, at about 730 B gzip over the size target; ' +
        '`node bench/ttfd-options.mjs` measures each option side by side (see CONTRIBUTING.md, Performance).');
    }
    if (ONLY_TTFD) return;

    const thr = await throughput(browser, url);
    const floor = median(thr[0].rates), gate = median(thr[2].rates), of = median(thr[4].rates);
    say('');
    say(`## 3. Evaluation throughput (calls per second over ${ROUND_MS} ms rounds, median and min–max of ${ROUNDS} rounds)`);
    say('');
    say('| what | calls per second | gate ÷ this |');
    say('|---|---:|---:|');
    for (const r of thr) say(`| ${r.name} | ${rate(r.rates)} | ${fmt(gate / median(r.rates), 2)}× |`);
    say('');
    say('The floor is an app\'s own module-level `let` boolean, as in a Vite app: a switch has to be able to change, and a frozen constant is folded away by the JIT (its row is for reference).');
    say('');
    say(`Target ≥ 10× OpenFeature: ${fmt(gate / of, 1)}× — ${verdict(gate / of >= 10)}. Target within 3× of a plain read: plain ÷ gate = ${fmt(floor / gate, 2)}× (${floor > gate ? 'the plain read is faster' : 'the gate is at least as fast'}) — ${verdict(floor / gate <= 3)}.`);

    const c = await cleanup(browser, url);
    const ratio = median(c.gate) / median(c.floor);
    say('');
    say(`## 4. Cleanup (median and min–max of ${ROUNDS * 3} rounds for the keys, ${ROUNDS} for the database)`);
    say('');
    say('| what | gate clearClientState | hand-written JS (the floor) | ratio of medians | ratio of best runs |');
    say('|---|---:|---:|---:|---:|');
    say(`| 1,000 \`maestro:\` keys out of 11,000, and an absent database | ${ms(c.gate)} | ${ms(c.floor)} | ${fmt(ratio, 2)}× | ${fmt(best(c.gate) / best(c.floor), 2)}× |`);
    say(`| a database holding 1 MB | ${ms(c.dbGate)} | ${ms(c.dbFloor)} | ${fmt(median(c.dbGate) / median(c.dbFloor), 2)}× | ${fmt(best(c.dbGate) / best(c.dbFloor), 2)}× |`);
    say('');
    say('Chromium writes localStorage back to disk in the background, so single runs vary widely; the best runs show the cost of the work itself.');
    say(`Target within 1.2× of the hand-written loop (medians): ${fmt(ratio, 2)}× — ${verdict(ratio <= 1.2)}.`);
    say('');
    say('## Byte budgets (issue 20; `make test` checks them: bench/budgets.mjs)');
    say('');
    say(budgetTable({ measured: (await measureBudgets()).sizes }));
    say('');
    say('## 5. Memory (wasm linear memory)');
    say('');
    say(`The gate module: ${fmt(c.memoryAfterInit)} bytes after init, ${fmt(c.memoryAfterCleanup)} bytes after ${ROUNDS * 3 + 1} cleanups of 1,000 keys. The rollback module (loaded by the first cleanup): ${fmt(c.rollbackMemory)} bytes after them.`);

    const browserVersion = browser.version();
    const header = [
      '# Benchmarks',
      '',
      `Written by \`make bench\` (bench/run.mjs) on ${new Date().toISOString().slice(0, 10)}.`,
      `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${fmt(totalmem() / 2 ** 30, 1)} GiB. Browser: Chromium ${browserVersion} (headless). Node ${process.version}.`,
      `Peers: ${(await Promise.all(PEERS.map(async (p) => `${p.pkg}@${await version(p.pkg)}`))).join(', ')}; esbuild@${await version('esbuild')}; vite@${await version('vite')}.`,
      'Pages and bundles are served gzip-compressed from a local server, as a CDN serves them. These machines are noisy: read the ratios, not the absolute times.',
      '',
    ];
    await writeFile(join(ROOT, 'BENCHMARKS.md'), header.concat(lines).join('\n') + '\n');
    console.log('\nwrote BENCHMARKS.md');
  } finally {
    await browser.close();
    server.close();
  }
}

// Run as a script (`node bench/run.mjs`); bench/ttfd-options.mjs imports the helpers.
if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
