// A download that never ends (a stalled CDN, a held connection), in the
// system Chromium and in Firefox, through pkg/: each file the gate loads is
// given 10 s, after which it counts as one that could not load, with that
// file's fail-safe or warning. init() and a cleanup resolve; nothing throws;
// a page that polls, whose extras chunk came late, starts its poll when it comes.
// The pages load side by side, so that the test waits about 10 s once.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serve, ROOT } from './helpers.mjs';
import { BROWSERS, launch } from './browsers.mjs';

let server;
const held = [];
let offAsked = 0; // the requests of the document of the page that turned off (extras-off.html)
// Holds the response open, until the test ends it (`release`) or the file's
// tests end. (Each held request takes one of the browser's six connections
// to this host: the test holds six at once, across three contexts.)
// (Once released, a request is answered at once: a browser may send a second request for
// a URL only once the first has ended, as Chromium's HTTP cache does.)
let released = false;
const end = (req, res) => req.url.endsWith('maestro_gate_extras.js')
  ? file('maestro_gate_extras.js', 'text/javascript')(req, res) : res.writeHead(404).end('not here');
const hold = (req, res) => { if (released) end(req, res); else held.push({ req, res }); };
// Ends the held responses: the extras chunk as it is, the others 404.
async function release() {
  released = true;
  for (const { req, res } of held.splice(0)) await end(req, res);
}
const file = (name, type) => async (req, res) => res.writeHead(200, { 'content-type': type }).end(await readFile(join(ROOT, 'pkg', name)));
const page = (script) => (req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><link rel="icon" href="data:,">'
  + '<script type="module">window.problems = [];'
  + ' addEventListener("unhandledrejection", (e) => window.problems.push("unhandledrejection: " + e.reason));'
  + script + '</script>');
// init()'s decision, as JSON, when it resolves.
const decided = 'window.decided = JSON.stringify(d);';

before(async () => {
  server = await serve(ROOT, {
    '/stalled.wasm': hold,
    // A copy of the ES module whose extras chunk never arrives (its gate .wasm does).
    '/stall/index.js': file('index.js', 'text/javascript'),
    '/stall/maestro_gate_bg.wasm': file('maestro_gate_bg.wasm', 'application/wasm'),
    '/stall/maestro_gate_extras.js': hold,
    '/stall/maestro_gate_remote.js': file('maestro_gate_remote.js', 'text/javascript'),
    '/stall/maestro_gate_remote_bg.wasm': file('maestro_gate_remote_bg.wasm', 'application/wasm'),
    '/stall-health': (req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"maestro_enabled": false}'),
    '/stall-health-off': (req, res) => { offAsked++; res.writeHead(200, { 'content-type': 'application/json' }).end('{"maestro_enabled": true}'); },
    // The gate's own .wasm.
    '/gate.html': page('import * as gate from "/pkg/index.js"; window.gate = gate;'
      + ' gate.init({ wasm: "/stalled.wasm" }).then((d) => { ' + decided + ' });'),
    // The extras chunk, for a page with a rollout (it narrows: it fails safe).
    '/extras.html': page('import * as gate from "/stall/index.js"; window.gate = gate;'
      + ' gate.init({ rollout: 50 }).then((d) => { ' + decided + ' });'),
    // The extras chunk, for a page that polls a document (it keeps its decision, and polls
    // once the chunk comes).
    '/extras-remote.html': page('import * as gate from "/stall/index.js"; window.gate = gate;'
      + ' gate.init({ remote: "/stall-health", pollMs: 300 }).then((d) => { ' + decided + ' });'),
    // The same page, which turns off (its own kill) while its chunk is held: it must not
    // poll when the chunk comes (an off page does not poll).
    '/extras-off.html': page('import * as gate from "/stall/index.js"; window.gate = gate;'
      + ' gate.init({ remote: "/stall-health-off", pollMs: 300 }).then((d) => { ' + decided + ' window.MAESTRO_ENABLED = false; });'),
    // The first-answer module's narrowing, for a page with a rollout.
    '/answer.html': page('import * as gate from "/pkg/index.js"; window.gate = gate;'
      + ' gate.init({ rollout: 50, answerWasm: "/stalled.wasm" }).then((d) => { ' + decided + ' });'),
    // The rollback module, for a cleanup (the gate decides at once).
    '/rollback.html': page('import * as gate from "/pkg/index.js"; window.gate = gate;'
      + ' gate.init({ rollbackWasm: "/stalled.wasm", log: "silent" }).then((d) => { ' + decided
      + ' return gate.clearClientState(); }).then((r) => { window.cleaned = JSON.stringify(r); });'),
  });
});
after(async () => { for (const { res } of held) res.destroy(); await server?.close(); });

const WITHIN = 'it did not load within 10000 ms';

for (const name of BROWSERS) {
  describe(name, () => {
    let browser;
    before(async () => { browser = await launch(name); });
    after(async () => { await browser?.close(); });

    test(`[${name}] a file whose download never ends counts, after 10 s, as one that could not load: init() and a cleanup resolve, off where the gate needed it, a page that polls polls once the chunk comes (one that turned off meanwhile does not), and nothing throws`, async () => {
      released = false;
      const context = await browser.newContext();
      // (The page that polls in a context of its own: the remote off it reads reaches every
      // copy of the gate in its origin's storage and channel.)
      const polling = await browser.newContext();
      const offPolling = await browser.newContext();
      offAsked = 0;
      try {
        const pages = {};
        await Promise.all(['gate', 'extras', 'extras-remote', 'extras-off', 'answer', 'rollback'].map(async (p) => {
          pages[p] = await ({ 'extras-remote': polling, 'extras-off': offPolling }[p] || context).newPage();
          await pages[p].goto(`${server.url}/${p}.html`);
        }));
        const settled = { timeout: 30000 };
        await Promise.all([
          ...Object.values(pages).map((p) => p.waitForFunction(() => typeof window.decided === 'string', settled)),
          pages.rollback.waitForFunction(() => typeof window.cleaned === 'string', settled),
        ]);
        const d = {};
        for (const [p, tab] of Object.entries(pages)) {
          d[p] = JSON.parse(await tab.evaluate(() => window.decided));
          assert.deepEqual(await tab.evaluate(() => window.problems), [], p);
          assert.deepEqual(tab.lines.filter((l) => l.startsWith('pageerror')), [], p);
        }
        // The gate's .wasm: disabled, "unavailable", with one warning.
        assert.deepEqual([d.gate.enabled, d.gate.source, d.gate.reason],
          [false, 'unavailable', `Disabled (fail safe): maestro-gate's wasm could not be loaded: ${WITHIN}`]);
        assert.equal(pages.gate.lines.filter((l) => l.includes(WITHIN)).length, 1, pages.gate.lines.join('\n'));
        // The extras chunk and the first-answer module, on a page that narrows: fail safe, off.
        assert.deepEqual([d.extras.enabled, d.extras.reason],
          [false, `Disabled (fail safe): maestro-gate's extras module could not be loaded: ${WITHIN}`]);
        // A page that polls keeps its decision (on), with one warning.
        assert.deepEqual([d['extras-remote'].enabled, d['extras-remote'].reason], [true, 'Enabled (default)']);
        assert.equal(pages['extras-remote'].lines.filter((l) => l.includes(`maestro-gate's extras module could not be loaded: ${WITHIN}; keeping the current decision`)).length, 1,
          pages['extras-remote'].lines.join('\n'));
        // The same page that then turned off by its own kill.
        assert.deepEqual([d['extras-off'].enabled, await pages['extras-off'].evaluate(() => window.gate.decision().source)],
          [true, 'window.MAESTRO_ENABLED']);
        assert.deepEqual([d.answer.enabled, d.answer.reason],
          [false, `Disabled (fail safe): maestro-gate's rollout module could not be loaded: ${WITHIN}`]);
        // The rollback module: the gate is on; the cleanup reports "unavailable" and says why.
        assert.equal(d.rollback.enabled, true);
        const r = JSON.parse(await pages.rollback.evaluate(() => window.cleaned));
        assert.deepEqual([r.ok, r.database.outcome, r.database.error],
          [false, 'unavailable', `maestro-gate's rollback module could not be loaded: ${WITHIN}`], JSON.stringify(r));
        // The files that were held end now (the extras chunk arrives; the others fail): the page
        // that polls starts its poll (it waited for the chunk without a limit), and the
        // document's off reaches it; the other decisions stand, and nothing throws.
        await release();
        await pages['extras-remote'].waitForFunction(() => !window.gate.isEnabled(), { timeout: 15000 });
        assert.equal(await pages['extras-remote'].evaluate(() => window.gate.decision().source), 'remote');
        // The page that turned off got its chunk too (the import waits for the same
        // response), and asked nothing: no remote module, no poll, no Web Lock.
        const off = pages['extras-off'];
        await off.evaluate(() => import('/stall/maestro_gate_extras.js').then(() => new Promise((r) => setTimeout(r, 2500))));
        assert.equal(offAsked, 0, 'the page that turned off asked for its document');
        assert.equal(await off.evaluate(() => window.gate.isEnabled()), false);
        assert.deepEqual(await off.evaluate(async () => { const q = await navigator.locks.query(); return [q.held, q.pending]; }), [[], []]);
        assert.deepEqual(await off.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((n) => /maestro_gate_remote/.test(n))), []);
        for (const [p, tab] of Object.entries(pages)) {
          await tab.evaluate(() => new Promise((r) => setTimeout(r, 500)));
          if (p !== 'extras-remote' && p !== 'extras-off') assert.deepEqual(JSON.parse(await tab.evaluate(() => JSON.stringify(window.gate.decision()))), d[p], p);
          assert.deepEqual(await tab.evaluate(() => window.problems), [], p);
          assert.deepEqual(tab.lines.filter((l) => l.startsWith('pageerror')), [], p);
        }
      } finally { await context.close(); await polling.close(); await offPolling.close(); }
    });
  });
}
