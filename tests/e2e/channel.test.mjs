// One BroadcastChannel per copy of the gate (issue 21, item 1), in real tabs of
// the system Chromium and of Firefox. A page that rolls out, guards, polls,
// reports and cleans up (`init({ rollout, guard, remote, report })` and
// `clearClientState()`) loads every module, and each talks to the other tabs
// on its gate's one channel: the page constructs exactly one (each page counts
// the BroadcastChannels it constructs, from a script that runs before the
// package's). Over that one channel:
// - a cleanup in one tab is answered by the other, both ways;
// - one tab's poll reaches the other, which makes no request of its own;
// - a guard's trip in one tab turns the other off;
// and two copies of the gate on one page are two channels, which hear each
// other: copies with modules of their own (the app's bundle and a CDN copy)
// turn each other off through them, and copies that share the modules (one
// URL) share each module's one connection (a cleanup is answered, and
// another tab's poll reaches both, with no request of their own).
import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serve, ROOT } from './helpers.mjs';
import { BROWSERS, launch } from './browsers.mjs';

let server;
let health = { maestro_enabled: true };
// Every request for the health document: the requesting tab (from the
// Referer's query, which the browser sets), and what it was told.
const served = [];

// Runs before the package: every BroadcastChannel the page constructs is
// counted in window.channels (by name).
const COUNT = '<script>window.channels = []; { const Native = BroadcastChannel;'
  + ' window.BroadcastChannel = class extends Native { constructor(name) { super(name); window.channels.push(String(name)); } }; }</script>';
// What every copy of the gate here starts with (`poll`: its pollMs).
const options = (poll) => `{ rollout: 100, guard: { errors: 2 }, remote: '/chan-health', pollMs: ${Number(poll) || 300},`
  + ` report: '/chan-beacon', log: 'silent' }`;
const html = (body) => (req, res) => res.writeHead(200, { 'content-type': 'text/html' })
  .end('<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">' + COUNT + body(new URL(req.url, 'http://x').searchParams));
// A copy of the gate (module `from`) as `window[name]`, its onCleanupRequest
// subscribers' requests in `window.requests[name]`.
const copy = (name, from, poll) => `window.${name} = await import(${JSON.stringify(from)});`
  + ` requests.${name} = []; ${name}.onCleanupRequest((r) => requests.${name}.push(r));`
  + ` await ${name}.init(${options(poll)});`;

// pkg/ again under /cdn/: a second copy of every file, as a CDN serves it.
const cdn = Object.fromEntries(readdirSync(join(ROOT, 'pkg')).filter((f) => /\.(js|wasm)$/.test(f)).map((f) => ['/cdn/' + f,
  async (req, res) => res.writeHead(200, { 'content-type': f.endsWith('.wasm') ? 'application/wasm' : 'text/javascript' })
    .end(await readFile(join(ROOT, 'pkg', f)))]));

before(async () => {
  server = await serve(ROOT, {
    ...cdn,
    '/chan-health': (req, res) => {
      served.push({ tab: new URL(req.headers.referer || 'http://x/').searchParams.get('tab'), enabled: health.maestro_enabled });
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(health));
    },
    '/chan-beacon': (req, res) => { req.resume(); res.writeHead(204).end(); },
    // One copy of the gate. ?poll=MS sets its pollMs.
    '/one.html': html((q) => '<script type="module">window.requests = {};'
      + copy('gate', '/pkg/index.js', q.get('poll')) + ' window.ready = true;</script>'),
    // Two copies: ?from=cdn, the package and its CDN copy (every module twice);
    // ?from=shared, the package under two URLs (one of each module, shared).
    '/copies.html': html((q) => {
      const [a, b] = q.get('from') === 'cdn' ? ['/pkg/index.js', '/cdn/index.js'] : ['/pkg/index.js?copy=a', '/pkg/index.js?copy=b'];
      return '<script type="module">window.requests = {};' + copy('a', a, q.get('poll')) + copy('b', b, q.get('poll'))
        + ' window.ready = true;</script>';
    }),
  });
});
after(async () => { await server?.close(); });
beforeEach(() => { health = { maestro_enabled: true }; served.length = 0; });

async function open(context, path) {
  const page = await context.newPage();
  await page.goto(server.url + path);
  await page.waitForFunction(() => window.ready === true, { timeout: 15000 });
  return page;
}

// Every module of the page loaded: the rollout, the remote (poll and beacon), the rollback.
const MODULES = ['maestro_gate_rollout_bg.wasm', 'maestro_gate_remote_bg.wasm', 'maestro_gate_rollback_bg.wasm'];
const loaded = (page) => MODULES.filter((m) => page.requests.some((u) => new URL(u).pathname.endsWith('/' + m)));
const channels = (page) => page.evaluate(() => window.channels);
const cleanup = (page, copy, database) => page.evaluate(([c, d]) => window[c].clearClientState({ database: d, log: 'silent' }), [copy, database]);
const decision = (page, copy) => page.evaluate((c) => window[c].decision(), copy);
const off = (page, copy) => page.waitForFunction((c) => !window[c].isEnabled(), { arg: copy, timeout: 15000 });
const GUARD_HEARD = 'Disabled by guard: it tripped in another tab';

for (const name of BROWSERS) describe(name, () => {
  let browser;
  before(async () => { browser = await launch(name); });
  after(async () => { await browser?.close(); });

  test(`[${name}] a tab that polls, rolls out, guards, reports and cleans up opens one channel, on which the other tab answers its cleanup`, async () => {
    const context = await browser.newContext();
    try {
      const a = await open(context, '/one.html?tab=a');
      const b = await open(context, '/one.html?tab=b');
      for (const page of [a, b]) {
        assert.equal((await decision(page, 'gate')).enabled, true);
        await page.evaluate(() => sessionStorage.setItem('maestro:s', 'secret'));
      }
      // Each asks, the other answers (loading its rollback module to do it, the first time).
      const fromB = await cleanup(b, 'gate', 'chan-db-1');
      assert.equal(fromB.otherTabs, 1, JSON.stringify(fromB));
      const fromA = await cleanup(a, 'gate', 'chan-db-2');
      assert.equal(fromA.otherTabs, 1, JSON.stringify(fromA));
      for (const page of [a, b]) {
        assert.deepEqual(await page.evaluate(() => Object.keys(sessionStorage)), []);
        // Its own request (told at once, not as another tab's), then the other's.
        assert.deepEqual(await page.evaluate(() => window.requests.gate.map((r) => r.fromOtherTab)),
          page === a ? [true, false] : [false, true]);
        assert.deepEqual(loaded(page), MODULES, 'every module loaded');
        assert.deepEqual(await channels(page), ['maestro-gate'], 'one channel, the gate\'s');
      }
    } finally {
      await context.close();
    }
  });

  test(`[${name}] one tab's poll reaches the other on the one channel, which then makes no request`, async () => {
    const context = await browser.newContext();
    try {
      const a = await open(context, '/one.html?tab=a&poll=300');
      // B polls at load, then only every 10 minutes: it can only learn from A.
      const b = await open(context, '/one.html?tab=b&poll=600000');
      await b.waitForTimeout(300); // B's load-time read is done
      const before = served.filter((s) => s.tab === 'b').length;
      health = { maestro_enabled: false };
      await off(a, 'gate');
      await off(b, 'gate');
      assert.equal((await decision(b, 'gate')).source, 'remote');
      assert.equal(served.filter((s) => s.tab === 'b').length, before, 'B made no request of its own');
      assert.ok(served.some((s) => s.tab === 'a' && !s.enabled), 'A read the off');
      for (const page of [a, b]) assert.deepEqual(await channels(page), ['maestro-gate']);
    } finally {
      await context.close();
    }
  });

  test(`[${name}] a guard's trip in one tab turns the other off, on the one channel`, async () => {
    const context = await browser.newContext();
    try {
      const a = await open(context, '/one.html?tab=a&poll=600000');
      const b = await open(context, '/one.html?tab=b&poll=600000');
      await a.evaluate(() => { window.gate.recordError(); window.gate.recordError(); });
      assert.equal((await decision(a, 'gate')).source, 'guard');
      await off(b, 'gate');
      const heard = await decision(b, 'gate');
      assert.deepEqual([heard.source, heard.reason], ['guard', GUARD_HEARD]);
      for (const page of [a, b]) assert.deepEqual(await channels(page), ['maestro-gate']);
    } finally {
      await context.close();
    }
  });

  test(`[${name}] two copies with modules of their own: two channels, and a trip in one turns the other off through them`, async () => {
    const context = await browser.newContext();
    try {
      const page = await open(context, '/copies.html?from=cdn&tab=c&poll=600000');
      for (const c of ['a', 'b']) assert.equal((await decision(page, c)).enabled, true, c);
      const report = await cleanup(page, 'a', 'chan-db-3');
      // B (every module its own) hears A's request as another tab's, and answers it.
      assert.equal(report.otherTabs, 1, JSON.stringify(report));
      assert.deepEqual(await page.evaluate(() => window.requests.b.map((r) => r.fromOtherTab)), [true]);
      assert.deepEqual(await channels(page), ['maestro-gate', 'maestro-gate'], 'one channel per copy');
      assert.equal(page.requests.filter((u) => new URL(u).pathname.endsWith('_rollout_bg.wasm')).length, 2, 'each copy its own rollout module');
      // A's guard trips: B's own rollout module knows nothing of it; B hears it on its channel.
      await page.evaluate(() => { window.a.recordError(); window.a.recordError(); });
      assert.equal((await decision(page, 'a')).source, 'guard');
      await off(page, 'b');
      assert.equal((await decision(page, 'b')).reason, GUARD_HEARD);
    } finally {
      await context.close();
    }
  });

  test(`[${name}] two copies sharing the rollback module: each one's own cleanup tells its own subscribers and reaches the other copy and the other tab`, async () => {
    const context = await browser.newContext();
    try {
      const page = await open(context, '/copies.html?from=shared&tab=s&poll=600000');
      const other = await open(context, '/one.html?tab=o&poll=600000');
      await page.waitForTimeout(300);
      const seen = async (p, c) => p.evaluate((k) => window.requests[k].map((r) => r.fromOtherTab), c);
      // a, then b, then a again: the module is shared, loaded first by a.
      for (const [i, c] of ['a', 'b', 'a'].entries()) {
        const report = await cleanup(page, c, `chan-db-copies-${i}`);
        assert.equal(report.otherTabs, 1, `${c}: ${JSON.stringify(report)}`);
      }
      // Each copy: its own cleanups (fromOtherTab false), and the other copy's, heard on its channel.
      await page.waitForFunction(() => window.requests.a.length === 3 && window.requests.b.length === 3, { timeout: 5000 }).catch(() => {});
      assert.deepEqual(await seen(page, 'a'), [false, true, false]);
      assert.deepEqual(await seen(page, 'b'), [true, false, true]);
      assert.deepEqual(await seen(other, 'gate'), [true, true, true], 'the other tab hears all three');
    } finally {
      await context.close();
    }
  });

  test(`[${name}] two copies sharing the modules: two channels, each module connected once; another tab's cleanup and poll reach both`, async () => {
    const context = await browser.newContext();
    try {
      const page = await open(context, '/copies.html?from=shared&tab=s&poll=600000');
      const other = await open(context, '/one.html?tab=o&poll=300');
      await page.waitForTimeout(300); // the copies' load-time reads are done
      assert.deepEqual(await channels(page), ['maestro-gate', 'maestro-gate'], 'one channel per copy');
      assert.equal(page.requests.filter((u) => new URL(u).pathname.endsWith('_remote_bg.wasm')).length, 1, 'one remote module');
      // The other tab's cleanup: both copies tell their subscribers, and the
      // shared rollback module answers (once per tab).
      const report = await cleanup(other, 'gate', 'chan-db-4');
      assert.equal(report.otherTabs, 1, JSON.stringify(report));
      for (const c of ['a', 'b']) assert.deepEqual(await page.evaluate((k) => window.requests[k].map((r) => r.fromOtherTab), c), [true], c);
      // The other tab's poll reads the off; both copies hear it, and the page asks nothing.
      const before = served.filter((s) => s.tab === 's').length;
      health = { maestro_enabled: false };
      await off(other, 'gate');
      for (const c of ['a', 'b']) {
        await off(page, c);
        assert.equal((await decision(page, c)).source, 'remote', c);
      }
      assert.equal(served.filter((s) => s.tab === 's').length, before, 'the page made no request of its own');
    } finally {
      await context.close();
    }
  });
});
