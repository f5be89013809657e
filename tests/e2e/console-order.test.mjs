// The order of MAESTRO's console lines, through pkg/, in the system Chromium
// and in Firefox: a line of a wasm-bindgen module (here the rollback's
// cleanup summary, written by maestro-gate-util as the remote's and the
// rollout's warnings are) goes through the gate's console queue (js/core.js's
// `log`, which js/extras.js hands each module it loads), so that a line
// ready before the start-up line's task writes the waiting start-up line
// first, and never comes before it; `log: 'silent'` still writes nothing.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, ROOT } from './helpers.mjs';
import { BROWSERS, launch } from './browsers.mjs';

// A cleanup that touches no database (its name is invalid) and asks no other
// tab: its summary is written from microtasks only, once the rollback module
// is loaded. (NOT ok: the database's part is an error, a warning.)
const CLEANUP = "{ database: '', allTabs: false }";
const SUMMARY = 'warning: [MAESTRO] clearClientState: NOT ok';
const STARTED = 'info: [MAESTRO] Enabled (default)';

// The pages. `module`: the ES module. A first cleanup loads the rollback
// module before init(); the second runs at once when init() resolves, while
// the start-up line waits for its task. `full`: the self-contained script
// tag, whose init() runs as it loads and whose rollback is inlined: a cleanup
// from the tag's load event (fired right after the tag ran, before any other
// task) runs while the start-up line waits. `tag`: the script tag, which
// imports the rollback module from beside itself (the start-up line's task
// runs while it loads): its lines as before.
const cleanups = `() => Promise.all([maestroGate.clearClientState(${CLEANUP}), maestroGate.clearClientState({ ...${CLEANUP}, log: 'silent' })])
  .then(() => { console.log('done'); window.ready = true; })`;
const PAGES = {
  module: `<script type="module">
    const gate = await import('/pkg/index.js');
    await gate.clearClientState(${CLEANUP});
    console.log('init');
    await gate.init();
    await Promise.all([gate.clearClientState(${CLEANUP}), gate.clearClientState({ ...${CLEANUP}, log: 'silent' })]);
    console.log('done');
    window.ready = true;
  </script>`,
  full: `<script>window.cleanups = ${cleanups};</script>
  <script src="/pkg/maestro-gate.full.js" onload="cleanups()"></script>`,
  tag: `<script>window.cleanups = ${cleanups};</script>
  <script src="/pkg/maestro-gate.js" onload="cleanups()"></script>`,
};

let server;
before(async () => {
  server = await serve(ROOT, {
    '/console-order.html': (req, res) => {
      const page = PAGES[new URL(req.url, 'http://x').searchParams.get('page')];
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">${page}`);
    },
  });
});
after(async () => { await server?.close(); });

for (const name of BROWSERS) describe(name, () => {
  let browser;
  before(async () => { browser = await launch(name); });
  after(async () => { await browser?.close(); });

  for (const [page, want] of [
    ['module', [SUMMARY, 'log: init', STARTED, SUMMARY, 'log: done']],
    ['full', [STARTED, SUMMARY, 'log: done']],
    ['tag', [STARTED, SUMMARY, 'log: done']],
  ]) {
    test(`[${name}] ${page}: a cleanup's summary ready before the start-up line's task comes after that line; log: 'silent' writes none`, async () => {
      const context = await browser.newContext();
      try {
        const p = await context.newPage();
        await p.goto(`${server.url}/console-order.html?page=${page}`);
        await p.waitForFunction(() => window.ready === true, { timeout: 15000 });
        // (The summary's first line: the parts follow on lines of their own.)
        const lines = p.lines.map((l) => l.split('\n')[0]);
        assert.deepEqual(lines, want, p.lines.join('\n'));
        // Its wording, as the rules write it (src/cleanup.rs's summary).
        const summary = p.lines.find((l) => l.startsWith(SUMMARY));
        assert.match(summary, /^warning: \[MAESTRO\] clearClientState: NOT ok\n {2}indexedDB : error \(invalid database name: it must be a non-empty string\)\n/, summary);
      } finally {
        await context.close();
      }
    });
  }
});
