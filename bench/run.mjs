// maestro-gate against the client-side flag SDKs a web team would use instead.
// Run with `make bench` (it builds pkg/ and installs these peers first).
// Prints one table and writes BENCHMARKS.md. Not part of `make test`: it
// reports figures and ratios, and asserts nothing about time.
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';
import { createServer } from 'node:http';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { VITE_APP, viteSize } from './vite-size.mjs';
import { measure as measureBudgets, table as budgetTable } from './budgets.mjs';
import { bootstrapRatios, median } from './stats.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const OUT = join(HERE, 'out');
// `--loads N` (or BENCH_LOADS): fresh page loads of each contender in each
// browser for the time to first decision (101 by default; fewer for a quick run).
// `--browsers chromium` (or BENCH_BROWSERS): one browser only (both by default).
const flag = (name) => { const i = process.argv.indexOf(`--${name}`); return i > 1 ? process.argv[i + 1] : undefined; };
const LOADS = Number(flag('loads') || process.env.BENCH_LOADS || 101);
const BROWSERS = (flag('browsers') || process.env.BENCH_BROWSERS || 'chromium,firefox').split(',').map((b) => b.trim()).filter(Boolean);
if (!(Number.isInteger(LOADS) && LOADS >= 1)) throw new Error(`--loads (BENCH_LOADS) must be a whole number of loads, at least 1: ${LOADS}`);
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
export { median };
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

// init({ unleash }) against unleash-proxy-client (issue 27), both reading the
// same toggle from the same Frontend API (`api`: bench/run.mjs's local
// stand-in for it, see `frontendApi`), on another origin as in production.
const unleashContenders = (api) => [
  {
    name: 'maestro-gate, ES module init({ unleash }), page with the Vite plugin\'s preload hint', id: 'unleash-gate', head: PRELOAD,
    start: `import { init, isEnabled } from 'maestro-gate';
      await init({ log: 'silent', unleash: { url: '${api}/api/frontend', clientKey: 'default:development.bench', appName: 'bench' } });
      export const ask = isEnabled;`,
  },
  {
    name: 'unleash-proxy-client, start() reading the Frontend API', id: 'unleash-peer',
    start: `import { UnleashClient } from 'unleash-proxy-client';
      const client = new UnleashClient({ url: '${api}/api/frontend', clientKey: 'default:development.bench', appName: 'bench' });
      await client.start();
      export const ask = () => client.isEnabled('maestro');`,
  },
];

// A stand-in for Unleash's Frontend API (`/api/frontend`, as Unleash and
// Unleash Edge serve it), answering one enabled toggle `maestro` the way
// Unleash does: JSON with an ETag (304 to a matching If-None-Match), CORS
// open to every origin with the preflight answered, and the metrics posts
// accepted. It is a benchmark, not a test: tests/unleash/ runs against a
// real Unleash, which would add seconds to every load here for nothing
// that the two SDKs do differently.
export function frontendApi() {
  const body = JSON.stringify({ toggles: [{ name: 'maestro', enabled: true, variant: { name: 'disabled', enabled: false, feature_enabled: true }, impressionData: false }] });
  const etag = 'W/"bench-maestro-1"';
  const server = createServer((req, res) => {
    const cors = {
      'access-control-allow-origin': req.headers.origin || '*',
      'access-control-allow-headers': req.headers['access-control-request-headers'] || '*',
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-expose-headers': 'ETag',
      vary: 'Origin',
    };
    const path = new URL(req.url, 'http://x').pathname;
    req.resume();
    if (req.method === 'OPTIONS') return res.writeHead(204, cors).end();
    if (req.method === 'GET' && path === '/api/frontend') {
      if (req.headers['if-none-match'] === etag) return res.writeHead(304, { ...cors, etag }).end();
      return res.writeHead(200, { ...cors, etag, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=0' }).end(body);
    }
    if (req.method === 'POST' && path === '/api/frontend/client/metrics') return res.writeHead(200, cors).end();
    res.writeHead(404, cors).end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` })));
}

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

export async function measureSizes() {
  const rows = [];
  const gateJs = await bundle(`import { ${API} } from 'maestro-gate'; globalThis.x = [${API}];`, join(OUT, 'size-gate.js'));
  const wasm = await readFile(join(ROOT, 'pkg', 'maestro_gate_bg.wasm'));
  rows.push({ name: 'maestro-gate, ES module (JS glue + gate .wasm)', ...add(sizes(gateJs), sizes(wasm)) });
  // The same path as Vite builds it (bench/vite-size.mjs): what a page built by
  // a default `vite build` of a one-line app downloads before init() resolves.
  const vite = await viteSize();
  rows.push({ name: `maestro-gate, ES module in a default Vite ${vite.version} build of \`${VITE_APP}\` (entry chunk + gate .wasm)`, ...vite.total, vite });
  // The lazy chunks: the rollback (a cleanup loads it), the remote poll
  // (init({ remote }) or init({ unleash }) loads it after its first decision;
  // before it, with both), the rollout (after the first decision, for a guard
  // or a remote percentage), the extras (the glue of the options that narrow
  // or poll, before the first decision of a page that is on) and the report
  // (init({ report })'s glue, with the beacon module, after the decision).
  const chunk = (part) => Buffer.concat(gateJs.lazy.filter((c) => basename(c.path).startsWith(`maestro_gate_${part}`)).map((c) => c.bytes));
  const parts = [['rollback', 'when a cleanup runs'], ['remote', 'by init({ remote }) or init({ unleash }), after its first decision (the poll)'],
    ['rollout', 'by a guard or a remote percentage, after the first decision'],
    ['extras', 'by a page that sets a rollout, a guard or `remote` and is on, before its first decision (their glue; no .wasm)'],
    ['report', 'by init({ report }), after its first decision (its glue + the beacon module)']];
  if (gateJs.lazy.length !== parts.length || parts.some(([part]) => !chunk(part).length)) {
    throw new Error(`expected the ${parts.map(([p]) => p).join(', ')} chunks, got ${gateJs.lazy.map((c) => basename(c.path)).join(', ')}`);
  }
  const wasmOf = { extras: null, report: 'maestro_gate_beacon_bg.wasm' };
  const partSizes = {};
  for (const [part, when] of parts) {
    const file = part in wasmOf ? wasmOf[part] : `maestro_gate_${part}_bg.wasm`;
    const wasm = file ? await readFile(join(ROOT, 'pkg', file)) : Buffer.alloc(0);
    partSizes[part] = add(sizes(chunk(part)), sizes(wasm));
    rows.push({ name: `maestro-gate, added ${when} (${part} chunk + .wasm)`, ...partSizes[part], extra: true });
  }
  // init({ remote }) waits for the document's first answer, read by the
  // first-answer module (its glue, bundled into the extras chunk, and its
  // .wasm), which also narrows a rollout or a guard: such a page downloads
  // it before its first decision (its build without the narrowing when the
  // page sets neither a rollout nor a guard); init({ unleash }) the module's
  // Unleash build (the same); a rollout or a guard without either, its
  // narrowing build.
  for (const [wasm, what] of [['maestro_gate_answer_slim_bg.wasm', 'init({ remote })'], ['maestro_gate_answer_bg.wasm', 'init({ remote }) and a rollout or a guard'], ['maestro_gate_answer_unleash_slim_bg.wasm', 'init({ unleash })'], ['maestro_gate_answer_unleash_bg.wasm', 'init({ unleash }) and a rollout or a guard'], ['maestro_gate_narrow_bg.wasm', 'a rollout or a guard and neither remote nor unleash']]) {
    rows.push({
      name: `maestro-gate, a page with ${what}: everything before its first decision (the ES path + the extras chunk, with the first-answer glue, + ${wasm})`,
      ...add(add(rows[0], partSizes.extras), sizes(await readFile(join(ROOT, 'pkg', wasm)))), extra: true,
    });
  }
  // The keeping module (the first answer's memory, its glue the first
  // answer's): after the first decision, to remember the answer read; before
  // it only when no answer came in time and this browser remembers one.
  rows.push({
    name: 'maestro-gate, added by init({ remote }) or init({ unleash }) after its first decision, to remember the first answer (maestro_gate_keep_bg.wasm; its glue is the first answer\'s)',
    ...sizes(await readFile(join(ROOT, 'pkg', 'maestro_gate_keep_bg.wasm'))), extra: true,
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

export async function writePages(api) {
  for (const c of [GATE_ESM, ...PEERS, ...unleashContenders(api)]) {
    await bundle(c.start + '\nwindow.__t1 = performance.now(); window.__v = ask(); window.ask = ask;', join(OUT, `start-${c.id}.js`));
    // The gate's page as a Vite build with maestro-gate/vite writes it: with the plugin's preload hint.
    const head = c === GATE_ESM ? PRELOAD : c.head || '';
    await writeFile(join(OUT, `start-${c.id}.html`),
      `<!doctype html><meta charset="utf-8"><script>window.__t0 = performance.now();</script>${head}<script type="module" src="./start-${c.id}.js"></script>`);
  }
  // The same page without the hint (a bundler without the plugin).
  await writeFile(join(OUT, 'start-gate-nohint.html'),
    '<!doctype html><meta charset="utf-8"><script>window.__t0 = performance.now();</script><script type="module" src="./start-gate.js"></script>');
  await writeFile(join(OUT, 'maestro-gate.js'), await readFile(join(ROOT, 'pkg', 'maestro-gate.js')));
  // The bundled ES module loads its .wasm files next to itself, as a bundler emits them.
  for (const part of ['', '_rollback', '_remote', '_rollout', '_answer', '_answer_slim', '_answer_unleash', '_answer_unleash_slim', '_narrow', '_keep']) {
    await writeFile(join(OUT, `maestro_gate${part}_bg.wasm`), await readFile(join(ROOT, 'pkg', `maestro_gate${part}_bg.wasm`)));
  }
  await writeFile(join(OUT, 'start-tag.html'), `<!doctype html><meta charset="utf-8"><script>window.__t0 = performance.now();</script>
    <script src="./maestro-gate.js"></script>
    <script>window.__v = maestroGate.isEnabled(); window.__t1 = performance.now(); window.ask = maestroGate.isEnabled;</script>`);
  // The floors: the same pages with nothing in place of the SDK. The script
  // tag's page with an empty classic script; the ES module pages' with a
  // module that only answers.
  await writeFile(join(OUT, 'empty.js'), '');
  await writeFile(join(OUT, 'floor-script.html'), `<!doctype html><meta charset="utf-8"><script>window.__t0 = performance.now();</script>
    <script src="./empty.js"></script>
    <script>window.__v = true; window.__t1 = performance.now();</script>`);
  await bundle('window.__t1 = performance.now(); window.__v = true;', join(OUT, 'start-empty.js'));
  await writeFile(join(OUT, 'floor-module.html'),
    '<!doctype html><meta charset="utf-8"><script>window.__t0 = performance.now();</script><script type="module" src="./start-empty.js"></script>');
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

export const CHROMIUM_OPTIONS = {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  // BENCH_CHROMIUM_FLAGS: more of Chromium's flags, space-separated (for a
  // diagnosis, such as bench/profile-tag.mjs's with --js-flags=--no-wasm-lazy-compilation).
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
    ...(process.env.BENCH_CHROMIUM_FLAGS || '').split(' ').filter(Boolean)],
};

// What a page tells once it has decided: the time from its first script to a
// usable answer, the answer, and the bytes it loaded from its own origin
// before the decision, as they crossed the wire (gzip: encodedBodySize; each
// URL once, a preload and the fetch that takes it being one download).
function readPage() {
  const t1 = window.__t1, seen = new Map();
  for (const e of performance.getEntriesByType('resource')) {
    if (e.name.startsWith(location.origin + '/') && e.responseEnd <= t1) seen.set(e.name, Math.max(seen.get(e.name) || 0, e.encodedBodySize));
  }
  let bytes = 0;
  for (const b of seen.values()) bytes += b;
  return { t: t1 - window.__t0, v: window.__v, bytes };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The two browsers, headless, each loading one page in a fresh context
// (its own storage and HTTP cache: a first visit) and closing it: `load(url,
// read)` answers what `read` (readPage by default) returns in the page.
// Chromium: the system's, through playwright-core. Firefox: the system's
// firefox-esr, through puppeteer-core over WebDriver BiDi (no browser is ever
// downloaded), with its timers at full precision (Firefox rounds
// performance.now() to 1 ms by default, privacy.reduceTimerPrecision).
export async function launchBrowser(name) {
  if (name === 'chromium') {
    const browser = await chromium.launch(CHROMIUM_OPTIONS);
    return {
      name: 'Chromium', version: browser.version(), browser, close: () => browser.close(),
      async load(url, read = readPage) {
        const { context, page } = await open(browser, url);
        try { return await page.evaluate(read); } finally { await context.close(); }
      },
    };
  }
  if (name === 'firefox') {
    const browser = await puppeteer.launch({
      browser: 'firefox', protocol: 'webDriverBiDi', executablePath: process.env.FIREFOX || '/usr/bin/firefox-esr', headless: true,
      extraPrefsFirefox: { 'privacy.reduceTimerPrecision': false },
    });
    const version = (await browser.version()).replace(/^firefox\//i, '');
    return {
      name: 'Firefox', version, close: () => browser.close(),
      async load(url, read = readPage) {
        const context = await browser.createBrowserContext();
        try {
          const page = await context.newPage();
          const errors = [];
          page.on('pageerror', (e) => errors.push(e.message));
          await page.goto(url);
          // Polled from here: Firefox runs a background tab's timers and
          // animation frames about once a second (see tests/e2e/browsers.mjs).
          const end = Date.now() + 20000;
          while (!(await page.evaluate(() => window.__t1 !== undefined))) {
            if (Date.now() > end) throw new Error(`${url}: no decision within 20 s`);
            await sleep(5);
          }
          if (errors.length) throw new Error(`${url}: ${errors.join('; ')}`);
          return await page.evaluate(read);
        } finally {
          await context.close();
        }
      },
    };
  }
  throw new Error(`unknown browser ${name} (chromium or firefox)`);
}

// Every contender of the time to first decision, and the floor it is
// measured above: the script tag above an empty classic script, everything
// else (ES modules) above an empty module. `peer`: one of the field the
// targets compare with (the fastest of them, in each browser). The two
// `unleash` rows read the local Frontend API and are compared with each other.
const TTFD = [
  { id: 'floor-script', name: 'floor: the same page with an empty classic script', page: 'floor-script.html', floor: true },
  { id: 'floor-module', name: 'floor: the same page with an empty ES module', page: 'floor-module.html', floor: true },
  { id: 'tag', name: 'maestro-gate, script tag', page: 'start-tag.html', over: 'floor-script' },
  { id: 'gate', name: 'maestro-gate, ES module init(), page with the Vite plugin\'s preload hint', page: 'start-gate.html', over: 'floor-module' },
  { id: 'gate-nohint', name: 'maestro-gate, ES module init(), no hint', page: 'start-gate-nohint.html', over: 'floor-module' },
  ...PEERS.map((p) => ({ id: p.id, name: p.name, page: `start-${p.id}.html`, over: 'floor-module', peer: true })),
  { id: 'unleash-gate', name: 'maestro-gate, init({ unleash }) (hint), reading the Frontend API', page: 'start-unleash-gate.html', over: 'floor-module', unleash: true },
  { id: 'unleash-peer', name: 'unleash-proxy-client, start() reading the Frontend API', page: 'start-unleash-peer.html', over: 'floor-module', unleash: true },
];

// LOADS rounds; each round loads every contender once, in order (A, B, C, A,
// B, C ...), so that the machine's drift reaches every contender alike. One
// round first, not counted, warms the browser.
async function timeToFirstDecision(b, url) {
  const samples = new Map(TTFD.map((c) => [c.id, []]));
  const bytes = new Map(TTFD.map((c) => [c.id, []]));
  const started = Date.now();
  for (let i = -1; i < LOADS; i++) {
    for (const c of TTFD) {
      const r = await b.load(`${url}/${c.page}`);
      if (r.v !== true) throw new Error(`${b.name}, ${c.name} answered ${r.v}`);
      if (i < 0) continue;
      samples.get(c.id).push(r.t);
      bytes.get(c.id).push(r.bytes);
    }
    if (i >= 0 && ((i + 1) % 10 === 0 || i + 1 === LOADS)) {
      process.stderr.write(`  ${b.name}: ${i + 1}/${LOADS} rounds (${Math.round((Date.now() - started) / 1000)} s)\n`);
    }
  }
  const m = new Map([...samples].map(([id, xs]) => [id, median(xs)]));
  const floorOf = new Map(TTFD.map((c) => [c.id, c.over]));
  const above = (meds, id) => meds.get(id) - (floorOf.get(id) ? meds.get(floorOf.get(id)) : 0);
  const peers = TTFD.filter((c) => c.peer);
  const fastest = peers.reduce((f, c) => (above(m, c.id) < above(m, f.id) ? c : f));
  const measured = TTFD.filter((c) => !c.floor);
  const pairs = [...measured.map((c) => [c.id, fastest.id]), ['unleash-gate', 'unleash-peer']];
  const intervals = bootstrapRatios(samples, pairs, above);
  const rows = TTFD.map((c) => ({
    ...c, ms: samples.get(c.id), median: m.get(c.id), above: c.floor ? null : above(m, c.id),
    ratio: c.floor ? null : above(m, c.id) / above(m, fastest.id),
    interval: c.floor ? null : intervals[measured.indexOf(c)],
    bytes: Math.max(...bytes.get(c.id)), bytesVary: Math.min(...bytes.get(c.id)) !== Math.max(...bytes.get(c.id)),
  }));
  const unleash = { ratio: above(m, 'unleash-gate') / above(m, 'unleash-peer'), interval: intervals[pairs.length - 1] };
  return { browser: b, rows, fastest: rows.find((r) => r.id === fastest.id), unleash };
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
  const loadBefore = loadavg()[0];
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  const sizeRows = await measureSizes();
  const api = await frontendApi();
  await writePages(api.url);
  const { server, url } = await serve();
  const chromiumB = await launchBrowser('chromium');
  const { browser } = chromiumB;
  const versions = [];
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

    say('');
    say(`## 2. Time to first decision, above an empty page's floor (${BROWSERS.length === 2 ? 'Chromium and Firefox' : BROWSERS.join(', ')}; ${LOADS} fresh page loads of each, interleaved)`);
    say('');
    say('Each load is a first visit (a fresh browser context: no storage, no HTTP cache), timed from the page\'s first script to a usable answer. ' +
      'The contenders are loaded in turn, A, B, C, A, B, C …, so that the machine\'s drift reaches each alike. ' +
      'The floor is the same page with nothing in place of the SDK: an empty classic script for the script tag, an empty ES module for every other row. ' +
      '"Above the floor" is a contender\'s median minus its floor\'s median: the time the SDK itself adds. ' +
      'The ratio is that, divided by the same for the fastest peer (the one with the smallest median above the floor, in that browser); ' +
      'its 95% interval is a percentile bootstrap of the rounds (4,000 replicates; each draws rounds with replacement and takes every contender\'s load, its floor\'s and the peer\'s from the same rounds). ' +
      'An interval whose upper end is ∞: in more than 2.5% of the replicates the peer\'s median was not above its floor, and the run bounds the ratio from below only (which is what a NOT MET rests on). ' +
      'Bytes: what the page downloaded from its own origin before the decision, as served (gzip -9), from the browser\'s Resource Timing.');
    const ttfds = [];
    for (const name of BROWSERS) {
      const b = name === 'chromium' ? chromiumB : await launchBrowser(name);
      versions.push(`${b.name} ${b.version}`);
      try {
        ttfds.push(await timeToFirstDecision(b, url));
      } finally {
        if (b !== chromiumB) await b.close();
      }
    }
    // (A ratio to a peer that is not above its floor has no meaning: n/a.)
    const times = (x) => (Number.isFinite(x) ? `${fmt(x, 2)}×` : 'n/a');
    // Every load's time, for a second look (bench/out/ttfd.json; not committed).
    await writeFile(join(OUT, 'ttfd.json'), JSON.stringify(ttfds.map(({ browser: b, rows }) => ({
      browser: `${b.name} ${b.version}`, loads: LOADS, rows: rows.map((r) => ({ id: r.id, name: r.name, over: r.over ?? null, ms: r.ms })),
    }))));
    const interval = ([lo, hi]) => `${Number.isFinite(lo) ? fmt(lo, 2) : 'n/a'}–${hi === Infinity ? '∞' : Number.isFinite(hi) ? fmt(hi, 2) : 'n/a'}`;
    for (const { browser: b, rows, fastest } of ttfds) {
      say('');
      say(`### ${b.name} ${b.version}`);
      say('');
      say('| what | median (min–max) | above the floor | vs fastest peer (95% interval) | bytes before the decision (gzip) |');
      say('|---|---:|---:|---:|---:|');
      for (const r of rows) {
        const vs = r.floor ? '' : r.id === fastest.id ? '1.00× (fastest peer)' : `${times(r.ratio)} (${interval(r.interval)})`;
        say(`| ${r.name} | ${ms(r.ms)} | ${r.floor ? '' : `${fmt(r.above, 2)} ms`} | ${vs} | ${fmt(r.bytes)}${r.bytesVary ? ' (varied)' : ''} |`);
      }
    }
    say('');
    say('Targets (issue 20, item 4; issue 27, item 6), in each browser, on the ratio of medians above the floor (MET when it is at or under the target; the interval says how sure that is):');
    say('');
    const sure = (r, target, peer) => (!(peer.above > 0) ? 'the peer is not above its floor in this run: no ratio' : r.interval[1] <= target ? 'the whole interval is at or under it'
      : r.interval[0] > target ? 'the whole interval is over it' : 'the interval spans it: this run cannot tell');
    for (const { browser: b, rows, fastest, unleash } of ttfds) {
      const tag = rows.find((r) => r.id === 'tag'), gate = rows.find((r) => r.id === 'gate'), noHint = rows.find((r) => r.id === 'gate-nohint');
      const ug = rows.find((r) => r.id === 'unleash-gate'), up = rows.find((r) => r.id === 'unleash-peer');
      say(`- ${b.name}: the script tag at or below the fastest peer (${fastest.name}, ${fmt(fastest.above, 2)} ms above the floor): ` +
        `${fmt(tag.above, 2)} ms, ${times(tag.ratio)} (${interval(tag.interval)}; ${sure(tag, 1, fastest)}) — ${verdict(fastest.above > 0 && tag.ratio <= 1)}.`);
      say(`- ${b.name}: the ES module with the Vite plugin's hint within ${fmt(ESM_MAX_RATIO, 1)}× the fastest peer: ` +
        `${fmt(gate.above, 2)} ms, ${times(gate.ratio)} (${interval(gate.interval)}; ${sure(gate, ESM_MAX_RATIO, fastest)}) — ${verdict(fastest.above > 0 && gate.ratio <= ESM_MAX_RATIO)}. ` +
        `Without the hint: ${times(noHint.ratio)} (${interval(noHint.interval)}).`);
      say(`- ${b.name}: init({ unleash }) at most unleash-proxy-client reading the same Frontend API, in time: ` +
        `${fmt(ug.above, 2)} ms against ${fmt(up.above, 2)} ms above the floor, ${times(unleash.ratio)} (${interval(unleash.interval)}; ${sure(unleash, 1, up)}) — ${verdict(up.above > 0 && unleash.ratio <= 1)}; ` +
        `in bytes before the decision: ${fmt(ug.bytes)} B against ${fmt(up.bytes)} B gzip — ${verdict(ug.bytes <= up.bytes)}.`);
    }
    say('');
    say('The two `unleash` rows read one enabled toggle `maestro` from a local stand-in for Unleash\'s Frontend API on another origin (bench/run.mjs, `frontendApi`: ' +
      'the JSON Unleash answers, its ETag, open CORS with the preflight answered): each pays the preflight its `Authorization` header brings and one request, as against a real Unleash on a first visit. ' +
      'Before its first decision the gate\'s row downloads, one after the other, its entry and `.wasm`, the extras chunk (with the first-answer glue) and the first-answer module\'s Unleash build without the narrowing (`maestro_gate_answer_unleash_slim_bg.wasm`, which reads the answer: the page sets neither a rollout nor a guard), then asks the API (the remote module loads after the decision, for the poll); unleash-proxy-client downloads its bundle and asks the API.');
    say('`node bench/ttfd-options.mjs` measures the ways the ES module could load its `.wasm`, side by side, and `node bench/profile-tag.mjs` where the script tag\'s time goes (CONTRIBUTING.md, Performance).');
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
    // (The ceilings, which hold a budget without a target, are bench/budgets.json's.)
    say(budgetTable({ measured: (await measureBudgets()).sizes, ceiling: JSON.parse(await readFile(join(HERE, 'budgets.json'), 'utf8')).ceiling }));
    say('');
    say('## 5. Memory (wasm linear memory)');
    say('');
    say(`The gate module: ${fmt(c.memoryAfterInit)} bytes after init, ${fmt(c.memoryAfterCleanup)} bytes after ${ROUNDS * 3 + 1} cleanups of 1,000 keys. The rollback module (loaded by the first cleanup): ${fmt(c.rollbackMemory)} bytes after them.`);

    const header = [
      '# Benchmarks',
      '',
      `Written by \`make bench\` (bench/run.mjs) on ${new Date().toISOString().slice(0, 10)}.`,
      `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${fmt(totalmem() / 2 ** 30, 1)} GiB. Browsers (headless): ${versions.join(', ')}; ` +
        `sections 3 to 5 in Chromium only. Node ${process.version}.`,
      `Peers: ${(await Promise.all(PEERS.map(async (p) => `${p.pkg}@${await version(p.pkg)}`))).join(', ')}; esbuild@${await version('esbuild')}; vite@${await version('vite')}.`,
      'Pages and bundles are served gzip-compressed from a local server, as a CDN serves them. These machines are noisy: read the ratios, not the absolute times.',
      `Load average over 1 minute: ${fmt(loadBefore, 2)} at the start, ${fmt(loadavg()[0], 2)} at the end (on ${cpus().length} cores; it counts the bench's own builds and browsers as well as anything else running). ` +
        'Loaded or not, the interleaved loads put every contender under the same load; the intervals of section 2 say how far the ratios can be trusted.',
      '',
    ];
    await writeFile(join(ROOT, 'BENCHMARKS.md'), header.concat(lines).join('\n') + '\n');
    console.log('\nwrote BENCHMARKS.md');
  } finally {
    await browser.close();
    server.close();
    api.server.close();
  }
}

// Run as a script (`node bench/run.mjs`); bench/ttfd-options.mjs imports the helpers.
if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
