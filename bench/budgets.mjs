// The byte budgets (issue 20), measured on what ships in pkg/, and the one
// generated file every stated size comes from (bench/budgets.json).
//
//   node bench/budgets.mjs           measure and print each budget, MET or NOT MET
//   node bench/budgets.mjs --check   the same, and fail (exit 1) when a size is over its
//                                    ceiling or a generated block in a document is stale
//                                    (`make test` runs this)
//   node bench/budgets.mjs --write   measure, lower the ceilings to what was measured, write
//                                    bench/budgets.json and the generated blocks
//
// Each budget has the issue's `target` and a `ceiling`: the target itself once it is
// met, else the size last written with --write, which --write only ever lowers. So a
// budget that is met cannot slip, and one not yet met cannot grow. Bytes are
// deterministic (gzip -9 of each file as served, one file at a time); no time is
// measured here.
//
// - esm: `init()` with the whole public API imported by name, esbuild --bundle
//   --minify --splitting (what loads with the entry: the entry chunk) + the gate's .wasm.
//   (Here and in vite, the content hashes in the chunk names the entry refers to
//   are counted as a fixed eight characters: `unhashed` in bench/vite-size.mjs.)
// - vite: a default `vite build` of a one-line app (bench/vite-size.mjs), minus
//   what Vite adds to any app with a dynamic import (its control app).
// - tag: pkg/maestro-gate.js.
// - recipe: a page with `init({ rollout, guard, remote, report })`, MAESTRO on, in
//   headless Chromium: every response the server sent before the page's first decision.
// - off: the same page in a VITE_MAESTRO_ENABLED=false build: every response to a request
//   the page made in its first 2 s (by its own clock: Resource Timing); its start beacon
//   must arrive too, then or later (item 2: "downloads the gate's decision path and nothing
//   else in its first 2 s ..., and still sends its start beacon").
// - rollout: a page with `init({ rollout, guard, report })` (no document to read), MAESTRO
//   on, as the recipe is measured. No issue target: its ceiling holds what the first-answer
//   module's narrowing build (maestro_gate_narrow_bg.wasm) saved it.
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { unhashed, viteSize } from './vite-size.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const OUT = join(HERE, 'out', 'budgets');
const FILE = join(HERE, 'budgets.json');
const gz = (b) => gzipSync(b, { level: 9 }).length;
const API = 'init, isEnabled, decision, health, onChange, clearClientState, verifyClientState, onCleanupRequest, recordError, resetGuard';

/** What each budget is, its issue target (bytes gzip). */
export const BUDGETS = {
  esm: { target: 7558, what: 'ES module decision path: `init()` with the whole API imported, esbuild with splitting (entry chunk + gate `.wasm`)' },
  vite: { target: 7558, what: 'the same in a default Vite build of a one-line app, over what Vite adds to any app with a dynamic import' },
  tag: { target: 10000, what: 'script tag `maestro-gate.js`' },
  recipe: { target: 10000, what: 'the recipe page, `init({ rollout, guard, remote, report })`, MAESTRO on: everything before its first decision' },
  off: { target: 8000, what: 'the same page in a `VITE_MAESTRO_ENABLED=false` build: everything it asks for in its first 2 s (its start beacon sent then or later)' },
  rollout: { target: null, what: 'a page with `init({ rollout, guard, report })` (no `remote`), MAESTRO on: everything before its first decision' },
};

// esbuild with code splitting: the entry chunk and every chunk it imports statically.
async function bundle(dir, source) {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'entry.mjs'), source);
  const { metafile } = await build({
    entryPoints: { app: join(dir, 'entry.mjs') }, outdir: dir, splitting: true, metafile: true, bundle: true, minify: true,
    format: 'esm', platform: 'browser', logLevel: 'silent', absWorkingDir: HERE,
    alias: { 'maestro-gate': join(ROOT, 'pkg', 'index.js') },
  });
  const seen = new Set();
  const visit = (p) => {
    if (seen.has(p)) return;
    seen.add(p);
    for (const i of metafile.outputs[p].imports) if (i.kind === 'import-statement') visit(i.path);
  };
  visit(Object.keys(metafile.outputs).find((p) => p.endsWith('app.js')));
  // The .wasm files (and the first-answer module's glue, located the same
  // way: `new URL(…, import.meta.url)`) load from beside the chunks, as a
  // bundler emits them.
  for (const f of await readdir(join(ROOT, 'pkg'))) if (f.endsWith('_bg.wasm')) await copyFile(join(ROOT, 'pkg', f), join(dir, f));
  // (The hashes in the names of the chunks it imports, replaced: see `unhashed`.)
  return Promise.all([...seen].map(async (p) => unhashed(await readFile(join(HERE, p)), p)));
}

// Serves `dir` gzip-compressed, as a CDN does, logging every response's bytes;
// `/maestro-health` says on, `/beacon` keeps what the page sends.
function serve(dir) {
  const log = [];
  const beacons = [];
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const entry = { path, bytes: 0 }; // (logged as it arrives: the order the page asked in)
    log.push(entry);
    if (path === '/beacon') {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => { beacons.push(body); res.writeHead(204).end(); });
      return;
    }
    let body;
    let type = 'application/json';
    if (path === '/decided') body = Buffer.alloc(0);
    else if (path === '/maestro-health') body = gzipSync('{"status": "enabled", "maestro_enabled": true}', { level: 9 });
    else {
      const file = path === '/' ? 'index.html' : path;
      let raw;
      try { raw = await readFile(join(dir, file)); } catch { res.writeHead(404).end(); return; }
      body = gzipSync(raw, { level: 9 });
      // Counted with the chunk names' hashes fixed (`unhashed`), sent as it is.
      entry.counted = gzipSync(unhashed(raw, file), { level: 9 }).length;
      type = types[extname(file)] || 'application/octet-stream';
    }
    entry.bytes = entry.counted ?? body.length;
    res.writeHead(200, { 'content-type': type, 'content-encoding': 'gzip', 'cache-control': 'no-store' }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, log, beacons, url: `http://127.0.0.1:${server.address().port}` })));
}

// The recipe page, on or off at build time: the bytes the server sent before
// its first decision (on), or for the requests of its first 2 s (off; and
// what came later), and the beacons.
async function recipePage(browser, on, remote = true) {
  const dir = join(OUT, on ? (remote ? 'recipe' : 'rollout') : 'off');
  const options = `{ env: { VITE_MAESTRO_ENABLED: '${on}' }, rollout: 100, guard: { errors: 3 }, ${remote ? "remote: '/maestro-health', " : ''}report: '/beacon', userId: 'u1', pollMs: 60000 }`;
  await bundle(dir, `import { ${API} } from 'maestro-gate';
    globalThis.api = [${API}];
    init(${options}).then((d) => fetch('/decided').catch(() => {}).then(() => { window.__decision = d; }));`);
  await writeFile(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="./app.js"></script>\n');
  const { server, log, beacons, url } = await serve(dir);
  try {
    const page = await (await browser.newContext()).newPage();
    await page.goto(url + '/');
    const decision = await (await page.waitForFunction(() => window.__decision, null, { timeout: 30000 })).jsonValue();
    if (decision.enabled !== on) throw new Error(`the ${dir} page decided ${JSON.stringify(decision)}`);
    const mark = log.findIndex((e) => e.path === '/decided');
    let sent = log.slice(0, mark);
    let later = [];
    if (!on) {
      // Off: what the page asked for in its first 2 s, by the page's own
      // clock (each request's startTime in the Resource Timing entries,
      // from the navigation: the document's is 0), once the start beacon
      // has come (it must: item 2), or 20 s have passed. (Waits, not timed
      // assertions: the bytes are what is counted.)
      for (const end = Date.now() + 20000; Date.now() < end && !beacons.some((b) => /"event":"start"/.test(b));) await page.waitForTimeout(100);
      // (A path's first request; one the page's entries do not show counts as early.)
      const started = new Map();
      for (const [p, t] of await page.evaluate(() => performance.getEntriesByType('resource')
        .map((r) => [new URL(r.name).pathname, r.startTime]))) started.set(p, Math.min(t, started.get(p) ?? t));
      started.set('/', 0);
      // (Its first 2 s, or until its decision when that came later, on a
      // loaded machine: what the decision needs is counted whenever it came.
      // Past 2 s, not the beacon's files: the page asks for them once it is
      // 2 s old, at its decision when that came later, never for it.)
      const cut = Math.max(2000, started.get('/decided') ?? 0);
      const beacon = (p) => /^\/maestro_gate_(report|beacon_bg)/.test(p);
      sent = [];
      for (const e of log) {
        const t = started.get(e.path) ?? 0;
        (t < 2000 || (t < cut && !beacon(e.path)) ? sent : later).push(e);
      }
    }
    const other = (e) => e.path !== '/decided' && e.path !== '/beacon';
    sent = sent.filter(other);
    await page.context().close();
    return { bytes: sent.reduce((t, e) => t + e.bytes, 0), files: sent, later: later.filter(other), beacons: beacons.slice() };
  } finally {
    server.close();
  }
}

/** Measures every budget. */
export async function measure() {
  const sizes = {};
  const files = await bundle(join(OUT, 'esm'), `import { ${API} } from 'maestro-gate'; globalThis.x = [${API}];`);
  sizes.esm = files.reduce((t, b) => t + gz(b), 0) + gz(await readFile(join(ROOT, 'pkg', 'maestro_gate_bg.wasm')));
  const v = await viteSize();
  sizes.vite = v.total.gzip - v.viteOwn.gzip;
  sizes.tag = gz(await readFile(join(ROOT, 'pkg', 'maestro-gate.js')));
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  const detail = {};
  try {
    const recipe = await recipePage(browser, true);
    const off = await recipePage(browser, false);
    const rollout = await recipePage(browser, true, false);
    sizes.recipe = recipe.bytes;
    sizes.rollout = rollout.bytes;
    sizes.off = off.bytes;
    detail.recipe = recipe.files;
    detail.rollout = rollout.files;
    detail.off = off.files;
    detail.offLater = off.later;
    detail.offBeacon = off.beacons.some((b) => /"event":"start"/.test(b) && /"enabled":false/.test(b));
  } finally {
    await browser.close();
  }
  return { sizes, detail };
}

const n = (x) => x.toLocaleString('en-US');

/** The table the documents carry, from budgets.json. */
export function table(saved) {
  const rows = ['| budget | measured (B gzip) | target | |', '|---|---:|---:|---|'];
  for (const [k, b] of Object.entries(BUDGETS)) {
    const m = saved.measured[k];
    if (b.target == null) rows.push(`| ${b.what} | ${n(m)} | none (held at ${saved.ceiling?.[k] == null ? 'no ceiling yet' : n(saved.ceiling[k])}) | |`);
    else rows.push(`| ${b.what} | ${n(m)} | ≤ ${n(b.target)} | ${m <= b.target ? 'MET' : `NOT MET (by ${n(m - b.target)} B)`} |`);
  }
  return rows.join('\n');
}

// The documents whose sizes are generated: everything between the two markers.
const DOCS = ['README.md', 'CONTRIBUTING.md'];
const BEGIN = '<!-- budgets: generated by `node bench/budgets.mjs --write`; do not edit -->';
const END = '<!-- /budgets -->';
const block = (saved) => `${BEGIN}\n${table(saved)}\n${END}`;
async function docs(saved, write) {
  const stale = [];
  for (const d of DOCS) {
    const text = await readFile(join(ROOT, d), 'utf8');
    const i = text.indexOf(BEGIN);
    const j = text.indexOf(END, i);
    if (i < 0 || j < 0) { stale.push(`${d} has no generated block`); continue; }
    const next = text.slice(0, i) + block(saved) + text.slice(j + END.length);
    if (next === text) continue;
    if (write) await writeFile(join(ROOT, d), next);
    else stale.push(`${d}'s generated block differs from bench/budgets.json (run node bench/budgets.mjs --write)`);
  }
  return stale;
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  const mode = process.argv[2] ?? '';
  const saved = JSON.parse(await readFile(FILE, 'utf8').catch(() => '{"measured":{},"ceiling":{}}'));
  // The wasm's bytes depend on the Rust compiler: the generated numbers are
  // compared exactly only under the one that wrote them (the ceilings always).
  const rustc = execFileSync('rustc', ['--version'], { encoding: 'utf8' }).trim();
  const { sizes, detail } = await measure();
  const problems = [];
  for (const [k, b] of Object.entries(BUDGETS)) {
    // --write lowers a ceiling to what was measured, never below the target, never up.
    // (A budget without a target: its ceiling alone.)
    if (mode === '--write') saved.ceiling[k] = Math.min(saved.ceiling[k] ?? Infinity, Math.max(sizes[k], b.target ?? 0));
    const limit = saved.ceiling[k] ?? b.target;
    const status = b.target == null ? 'target    none          ' : `target ≤ ${n(b.target).padStart(6)}  ${sizes[k] <= b.target ? 'MET    ' : 'NOT MET'}`;
    console.log(`${k.padEnd(7)} ${n(sizes[k]).padStart(7)} B gzip  ${status}  ceiling ${(limit == null ? 'none' : n(limit)).padStart(6)}  ${b.what}`);
    if (limit == null) problems.push(`${k}: no ceiling yet (run node bench/budgets.mjs --write)`);
    else if (sizes[k] > limit) problems.push(`${k}: ${n(sizes[k])} B is over its ceiling of ${n(limit)} B`);
  }
  for (const k of ['recipe', 'rollout', 'off']) console.log(`  ${k}: ${detail[k].map((e) => `${e.path} ${e.bytes}`).join(', ')}`);
  console.log(`  off, after its first 2 s: ${detail.offLater.map((e) => `${e.path} ${e.bytes}`).join(', ') || 'nothing'}`);
  if (!detail.offBeacon) problems.push('off: the off page sent no start beacon (waited 20 s)');
  if (mode === '--write') {
    Object.assign(saved, { rustc, measured: sizes });
    await writeFile(FILE, JSON.stringify(saved, null, 2) + '\n');
    await docs(saved, true);
    console.log('wrote bench/budgets.json and the generated blocks of ' + DOCS.join(', '));
  } else if (mode === '--check') {
    const stale = Object.keys(BUDGETS).filter((k) => saved.measured[k] !== sizes[k])
      .map((k) => `${k}: measured ${n(sizes[k])} B, bench/budgets.json says ${n(saved.measured[k] ?? 0)} B (run node bench/budgets.mjs --write)`);
    if (saved.rustc === rustc) problems.push(...stale);
    else for (const s of stale) console.log(`budget (not compared: bench/budgets.json was written under ${saved.rustc}, this is ${rustc}): ${s}`);
    problems.push(...await docs(saved, false));
  }
  for (const p of problems) console.error('budget: ' + p);
  process.exitCode = problems.length ? 1 : 0;
}
