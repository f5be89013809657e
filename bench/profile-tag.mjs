// Where the script tag's first decision spends its time (issue 20, item 4:
// "find where the time goes before changing anything"). Not part of
// `make bench`; its findings are in CONTRIBUTING.md (Performance, "Where the
// script tag's time goes"). Needs pkg/ built and bench/node_modules
// installed (`make bench` does both).
//
//   node bench/profile-tag.mjs [--loads N] [--browsers chromium,firefox] [--against DIR]
//
// `--against DIR` adds one more page to the rounds: DIR/maestro-gate.js (a
// copy of another build's pkg/, say the one before a change), so that the
// two tags are compared load by load.
//
// It builds a copy of pkg/maestro-gate.js from the same sources, the same
// way (scripts/build-pkg.sh's `tag`, then the wasm inlined as hex), with a
// performance.mark() between the phases of the tag's start:
//   fetch        the page's first script until the tag's bytes have arrived (Resource Timing)
//   parse        until the tag's first statement runs (the browser parses and compiles the script)
//   setup        the tag's top level before the wasm (createGate, here(), tagOptions())
//   hex          Uint8Array.fromHex of the inlined wasm
//   compile      new WebAssembly.Module (synchronous)
//   instantiate  new WebAssembly.Instance
//   hooks        hook(): the gate's first export calls (onChange, then onMessage, which opens
//                the channel and hands over the remote hook too: also timed alone)
//   decide       the Rust decide() (core.decide): the sources, what is remembered, the console
//                line (queued), the accessor, the channel, the watch, and telling the decision
//   expose       startNow's return: the frozen API, window.maestroGate
//   next script  the page's next script, up to its first isEnabled() answer
// In a second variant of the page, a script before the tag wraps the browser
// APIs that decide() calls (the storage reads, BroadcastChannel and its
// postMessage, navigator.serviceWorker, Object.getOwnPropertyDescriptor and
// defineProperty, setInterval, console.info), and sums the time spent in
// each, to split `decide`. The wrappers cost time of their own, so the
// phases are read from the first variant, the split from the second.
// Both pages, and the shipped tag's and an empty script's for reference,
// load in turn (interleaved fresh loads, each round starting one page
// later), served cross-origin isolated (COOP/COEP), which gives
// performance.now() its finest resolution.
// Chromium also records a CPU profile (the DevTools protocol's Profiler,
// sampling every 50 µs) of the instrumented page's loads, summed by function.
import { build } from 'esbuild';
import { createServer } from 'node:http';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { launchBrowser } from './run.mjs';
import { bootstrapRatios, median } from './stats.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const DIR = join(HERE, 'out', 'profile');
const flag = (name) => { const i = process.argv.indexOf(`--${name}`); return i > 1 ? process.argv[i + 1] : undefined; };
const LOADS = Number(flag('loads') || process.env.BENCH_LOADS || 41);
const BROWSERS = (flag('browsers') || process.env.BENCH_BROWSERS || 'chromium,firefox').split(',');
const AGAINST = flag('against');
const JS = (f) => JSON.stringify(join(ROOT, 'js', f));

const PHASES = ['setup', 'hex', 'compile', 'instantiate', 'hooks', 'decide', 'expose'];

// js/script-tag.js with the marks (the same calls, in the same order).
const ENTRY = `
import { initSync } from ${JS('core.js')};
import { createGate } from ${JS('gate.js')};
import { expose, fromHex, here, tagOptions } from ${JS('tag.js')};
const mark = (name) => performance.mark('maestro:' + name);
mark('setup');
const GATE_WASM = '@GATE_WASM@';
const from = here();
const gate = createGate({
  load: () => {
    mark('hex'); const bytes = fromHex(GATE_WASM);
    mark('compile'); const module = new WebAssembly.Module(bytes);
    mark('instantiate'); const exports = initSync(module);
    mark('hooks'); return exports;
  },
  loadExtras: async () => import(new URL('maestro_gate_extras.js', from).href),
});
const api = gate.startNow(tagOptions());
mark('expose');
expose(api);
mark('end');
`;

// js/gate.js's core.decide and onMessage, each between two marks: gate.js imports core.js
// through this module (an esbuild plugin, below); everything else is core.js's own.
const TIMED_CORE = `
import * as core from ${JS('core.js')};
export * from ${JS('core.js')};
const timed = (name, f) => (...args) => {
  performance.mark('maestro:' + name);
  try { return f(...args); } finally { performance.mark('maestro:after-' + name); }
};
export const decide = timed('decide', core.decide);
// (Called by hook(), before decide: a phase of its own inside the hooks.)
export const onMessage = timed('on-message', core.onMessage);
`;

// The wrappers of the browser APIs decide() calls (the second variant).
const WRAP = `<script>
(() => {
  const sums = window.__sums = {};
  const timed = (name, f) => function (...args) {
    const t = performance.now();
    try { return new.target ? Reflect.construct(f, args, new.target) : f.apply(this, args); }
    finally { const s = (sums[name] ||= { n: 0, ms: 0 }); s.n++; s.ms += performance.now() - t; }
  };
  const getter = (obj, key, name) => {
    for (let o = obj; o; o = Object.getPrototypeOf(o)) {
      const d = Object.getOwnPropertyDescriptor(o, key);
      if (d && d.get) { Object.defineProperty(obj, key, { ...d, get: timed(name, d.get) }); return; }
    }
  };
  getter(window, 'localStorage', 'storage: the localStorage getter');
  getter(window, 'sessionStorage', 'storage: the sessionStorage getter');
  Storage.prototype.getItem = timed('storage: getItem', Storage.prototype.getItem);
  const BC = BroadcastChannel;
  window.BroadcastChannel = timed('channel: new BroadcastChannel', BC);
  window.BroadcastChannel.prototype = BC.prototype;
  BC.prototype.postMessage = timed('channel: postMessage (the decision told)', BC.prototype.postMessage);
  getter(navigator, 'serviceWorker', 'navigator.serviceWorker (the decision told to a worker)');
  Object.getOwnPropertyDescriptor = timed('accessor: Object.getOwnPropertyDescriptor', Object.getOwnPropertyDescriptor);
  Object.defineProperty = timed('accessor: Object.defineProperty', Object.defineProperty);
  window.setInterval = timed('watch: setInterval', window.setInterval);
  console.info = timed('console.info (queued, runs after the decision)', console.info);
})();
</script>`;

const page = (head, script) => `<!doctype html><meta charset="utf-8"><script>window.__t0 = performance.now();</script>${head}
<script src="./${script}"></script>
<script>window.__v = window.maestroGate ? maestroGate.isEnabled() : true; window.__t1 = performance.now();</script>`;

// Sent with the phases' marks and the tag's Resource Timing.
function readProfile() {
  const at = {};
  for (const m of performance.getEntriesByType('mark')) if (m.name.startsWith('maestro:')) at[m.name.slice(8)] ??= m.startTime;
  const tag = performance.getEntriesByType('resource').find((e) => /\/(tag-timed|maestro-gate|against)\.js$/.test(e.name));
  return { t0: window.__t0, t1: window.__t1, v: window.__v, at, tagEnd: tag ? tag.responseEnd : null, sums: window.__sums || null };
}

function serveIsolated() {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const gzipped = new Map();
  const server = createServer(async (req, res) => {
    const file = join(DIR, new URL(req.url, 'http://x').pathname);
    if (!gzipped.has(file)) {
      try { gzipped.set(file, gzipSync(await readFile(file), { level: 9 })); } catch { res.writeHead(404).end(); return; }
    }
    res.writeHead(200, {
      'content-type': types[extname(file)] || 'application/octet-stream', 'content-encoding': 'gzip',
      'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp',
    }).end(gzipped.get(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` })));
}

async function main() {
  await rm(DIR, { recursive: true, force: true });
  await mkdir(DIR, { recursive: true });
  await writeFile(join(DIR, 'timed-core.mjs'), TIMED_CORE);
  await writeFile(join(DIR, 'entry.mjs'), ENTRY);
  const version = JSON.parse(await readFile(join(ROOT, 'pkg', 'package.json'), 'utf8')).version;
  await build({
    entryPoints: [join(DIR, 'entry.mjs')], outfile: join(DIR, 'tag-timed.js'), bundle: true, format: 'iife', minify: true, target: 'es2020',
    define: { __MAESTRO_GATE_VERSION__: JSON.stringify(version), __MAESTRO_TAG__: 'true', __MAESTRO_NODE__: 'false' }, logLevel: 'warning', logOverride: { 'empty-import-meta': 'silent' },
    plugins: [{
      name: 'timed-core',
      setup(b) {
        b.onResolve({ filter: /^\.\/core\.js$/ }, (args) => (args.importer.endsWith(join('js', 'gate.js')) ? { path: join(DIR, 'timed-core.mjs') } : undefined));
      },
    }],
  });
  const wasm = await readFile(join(ROOT, 'pkg', 'maestro_gate_bg.wasm'));
  const timed = await readFile(join(DIR, 'tag-timed.js'), 'utf8');
  if (timed.split('"@GATE_WASM@"').length !== 2) throw new Error('expected one "@GATE_WASM@" in the instrumented tag');
  await writeFile(join(DIR, 'tag-timed.js'), timed.replace('"@GATE_WASM@"', `"${wasm.toString('hex')}"`));
  await writeFile(join(DIR, 'maestro-gate.js'), await readFile(join(ROOT, 'pkg', 'maestro-gate.js')));
  await writeFile(join(DIR, 'empty.js'), '');
  if (AGAINST) await writeFile(join(DIR, 'against.js'), await readFile(join(AGAINST, 'maestro-gate.js')));
  const pages = [
    { id: 'floor', name: 'an empty classic script (the floor)', file: 'floor.html', html: page('', 'empty.js') },
    { id: 'shipped', name: 'pkg/maestro-gate.js as shipped', file: 'shipped.html', html: page('', 'maestro-gate.js') },
    ...(AGAINST ? [{ id: 'against', name: `${AGAINST}/maestro-gate.js (--against)`, file: 'against.html', html: page('', 'against.js') }] : []),
    { id: 'timed', name: 'the same, with the marks', file: 'timed.html', html: page('', 'tag-timed.js') },
    { id: 'wrapped', name: 'the same, with the marks and the API wrappers', file: 'wrapped.html', html: page(WRAP, 'tag-timed.js') },
  ];
  for (const p of pages) await writeFile(join(DIR, p.file), p.html);

  const { server, url } = await serveIsolated();
  const fmt = (n, d = 2) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  try {
    for (const name of BROWSERS) {
      const b = await launchBrowser(name);
      const out = new Map(pages.map((p) => [p.id, []]));
      const cpu = new Map(); // Chromium: self time by function, summed over the timed page's loads
      let sampled = 0;
      try {
        for (let i = -1; i < LOADS; i++) {
          // Each round starts one page later than the one before (A B C, B C A, ...):
          // no page always loads right after the same other one.
          const k = (i + 1) % pages.length;
          for (const p of [...pages.slice(k), ...pages.slice(0, k)]) {
            let r;
            if (b.browser && p.id === 'timed') {
              // Chromium's CPU profile of the instrumented page: started before it loads.
              const context = await b.browser.newContext();
              const tab = await context.newPage();
              const cdp = await context.newCDPSession(tab);
              await cdp.send('Profiler.enable');
              await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
              await cdp.send('Profiler.start');
              await tab.goto(`${url}/${p.file}`);
              await tab.waitForFunction(() => window.__t1 !== undefined);
              const { profile } = await cdp.send('Profiler.stop');
              r = await tab.evaluate(readProfile);
              await context.close();
              if (i >= 0) {
                sampled++;
                const byId = new Map(profile.nodes.map((n) => [n.id, n]));
                const dts = profile.timeDeltas;
                profile.samples.forEach((id, k) => {
                  const n = byId.get(id), f = n.callFrame;
                  const where = f.url ? f.url.replace(/^.*\//, '') : '';
                  const key = `${f.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
                  cpu.set(key, (cpu.get(key) || 0) + (dts[k + 1] ?? 0) / 1000);
                });
              }
            } else {
              r = await b.load(`${url}/${p.file}`, readProfile);
            }
            if (r.v !== true) throw new Error(`${b.name} ${p.name}: answered ${r.v}`);
            if (i >= 0) out.get(p.id).push(r);
          }
        }
      } finally {
        await b.close();
      }
      console.log(`\n## ${b.name} ${b.version}: ${LOADS} interleaved fresh loads of each page (cross-origin isolated)\n`);
      console.log('| page | first script to first answer, median | above the floor |');
      console.log('|---|---:|---:|');
      const floor = median(out.get('floor').map((r) => r.t1 - r.t0));
      for (const p of pages) {
        const m = median(out.get(p.id).map((r) => r.t1 - r.t0));
        console.log(`| ${p.name} | ${fmt(m)} ms | ${p.id === 'floor' ? '' : `${fmt(m - floor)} ms`} |`);
      }
      if (AGAINST) {
        // The two tags load back to back in each round: their difference per
        // round, and a bootstrap of the rounds for the ratio of their medians above the floor.
        const total = (id) => out.get(id).map((r) => r.t1 - r.t0);
        const d = total('shipped').map((t, i) => t - total('against')[i]).sort((a, b) => a - b);
        const q = (f) => d[Math.min(d.length - 1, Math.floor(f * d.length))];
        const [[lo, hi]] = bootstrapRatios(new Map(['floor', 'shipped', 'against'].map((k) => [k, total(k)])), [['shipped', 'against']],
          (m, k) => m.get(k) - m.get('floor'));
        console.log(`\nshipped minus --against, per round: median ${fmt(median(d))} ms (quartiles ${fmt(q(0.25))} to ${fmt(q(0.75))} ms); ` +
          `their medians above the floor, shipped / --against: 95% interval ${fmt(lo)} to ${fmt(hi)}`);
      }
      const timedLoads = out.get('timed');
      const span = (r, a, z) => r.at[z] - r.at[a];
      const phases = [
        ['fetch (the first script until the tag\'s bytes are in)', (r) => r.tagEnd - r.t0],
        ['parse (until the tag\'s first statement runs)', (r) => r.at.setup - r.tagEnd],
        ['setup (the top level before the wasm)', (r) => span(r, 'setup', 'hex')],
        ['hex (Uint8Array.fromHex)', (r) => span(r, 'hex', 'compile')],
        ['compile (new WebAssembly.Module)', (r) => span(r, 'compile', 'instantiate')],
        ['instantiate (new WebAssembly.Instance)', (r) => span(r, 'instantiate', 'hooks')],
        ['hooks (the first export calls)', (r) => span(r, 'hooks', 'decide')],
        ['  of which onMessage (the first call into the wasm; it opens the channel)', (r) => span(r, 'on-message', 'after-on-message')],
        ['decide (the Rust decide())', (r) => span(r, 'decide', 'after-decide')],
        ['startNow after decide (the decision mirrored, the API frozen)', (r) => span(r, 'after-decide', 'expose')],
        ['expose (window.maestroGate)', (r) => span(r, 'expose', 'end')],
        ['next script (its first isEnabled())', (r) => r.t1 - r.at.end],
        ['total: first script to first answer', (r) => r.t1 - r.t0],
      ];
      console.log('\n| phase of the instrumented tag | median | mean | share of the mean total |');
      console.log('|---|---:|---:|---:|');
      const total = timedLoads.reduce((s, r) => s + r.t1 - r.t0, 0) / timedLoads.length;
      for (const [what, f] of phases) {
        const xs = timedLoads.map(f).filter(Number.isFinite);
        if (!xs.length) { console.log(`| ${what} | not before the answer | | |`); continue; }
        const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
        console.log(`| ${what} | ${fmt(median(xs), 3)} ms | ${fmt(mean, 3)} ms | ${fmt((100 * mean) / total, 1)}% |`);
      }
      const wrapped = out.get('wrapped');
      const names = [...new Set(wrapped.flatMap((r) => Object.keys(r.sums || {})))].sort();
      const decideW = wrapped.map((r) => span(r, 'decide', 'after-decide'));
      console.log(`\n| inside decide (the wrapped page: decide ${fmt(median(decideW), 3)} ms median there) | calls per load | median | mean |`);
      console.log('|---|---:|---:|---:|');
      for (const n of names) {
        const xs = wrapped.map((r) => (r.sums[n] ? r.sums[n].ms : 0));
        const calls = median(wrapped.map((r) => (r.sums[n] ? r.sums[n].n : 0)));
        console.log(`| ${n} | ${fmt(calls, 0)} | ${fmt(median(xs), 3)} ms | ${fmt(xs.reduce((a, b) => a + b, 0) / xs.length, 3)} ms |`);
      }
      if (sampled) {
        const top = [...cpu].sort((a, b) => b[1] - a[1]).slice(0, 15);
        const all = [...cpu.values()].reduce((a, b) => a + b, 0);
        console.log(`\nChromium CPU profile of the instrumented page (sampled every 50 µs from before navigation to the answer), self time per load, top 15 of ${fmt(all / sampled)} ms:\n`);
        console.log('| function (file) | ms per load | share |');
        console.log('|---|---:|---:|');
        for (const [k, v] of top) console.log(`| ${k.replace(/\|/g, '\\|')} | ${fmt(v / sampled, 3)} | ${fmt((100 * v) / all, 1)}% |`);
      }
    }
  } finally {
    server.close();
  }
}

await main();
