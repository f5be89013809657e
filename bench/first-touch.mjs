// What the first touch of each browser API that the gate's decide() calls
// costs on a page without the gate (issue 20, item 4; CONTRIBUTING.md,
// Performance, "On a quiet machine"): each API timed alone, in its own fresh
// page load, from a classic script in the page's head, with
// performance.now() (served cross-origin isolated: its finest resolution).
// Not part of `make bench`; needs bench/node_modules (`make bench` installs it).
//
//   node bench/first-touch.mjs [--loads N] [--browsers chromium,firefox]
import { createServer } from 'node:http';
import { launchBrowser } from './run.mjs';
import { median } from './stats.mjs';

const flag = (name) => { const i = process.argv.indexOf(`--${name}`); return i > 1 ? process.argv[i + 1] : undefined; };
const LOADS = Number(flag('loads') || 21);
const BROWSERS = (flag('browsers') || 'chromium,firefox').split(',');

// Each probe: what decide() does with the API, the first time on the page.
const PROBES = {
  'navigator.serviceWorker.controller (the decision told to a worker)': 'navigator.serviceWorker.controller',
  'new BroadcastChannel (the gate\'s channel)': 'new BroadcastChannel("maestro-gate")',
  'new BroadcastChannel, then postMessage of a boolean': 'new BroadcastChannel("maestro-gate").postMessage(true)',
  'the localStorage getter': 'localStorage',
  'localStorage.getItem of an absent key': 'localStorage.getItem("maestro-gate:remote")',
  'the sessionStorage getter, then getItem': 'sessionStorage.getItem("maestro-gate:remote")',
  'Date.now()': 'Date.now()',
  'nothing (the timer alone)': '0',
};
const page = (code) => `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script>
const t0 = performance.now(); try { ${code}; } catch {} window.__r = performance.now() - t0; window.__t1 = 1;
</script>`;
const ids = Object.keys(PROBES);
const server = createServer((req, res) => {
  const i = Number(new URL(req.url, 'http://x').searchParams.get('p'));
  res.writeHead(200, {
    'content-type': 'text/html', 'cache-control': 'no-store',
    'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp',
  }).end(page(PROBES[ids[i]] ?? '0'));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/`;
try {
  for (const name of BROWSERS) {
    const b = await launchBrowser(name);
    const times = ids.map(() => []);
    try {
      // Interleaved: each round loads every probe once, starting one later than the round before.
      for (let round = -1; round < LOADS; round++) {
        for (let k = 0; k < ids.length; k++) {
          const i = (k + Math.max(round, 0)) % ids.length;
          const r = await b.load(`${url}?p=${i}`, () => window.__r);
          if (round >= 0) times[i].push(r);
        }
      }
    } finally {
      await b.close();
    }
    console.log(`\n## ${b.name} ${b.version}: ${LOADS} fresh loads of each probe, interleaved\n`);
    console.log('| the first touch of | median | max |\n|---|---:|---:|');
    ids.forEach((id, i) => console.log(`| ${id} | ${median(times[i]).toFixed(3)} ms | ${Math.max(...times[i]).toFixed(3)} ms |`));
  }
} finally {
  server.close();
}
