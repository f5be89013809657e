// Off before MAESTRO starts (issue 18), in the system Chromium and in
// Firefox, through pkg/: with `remote`, init() waits for the health
// document's first answer, so a page that loads during a remote kill never
// starts MAESTRO; the last answer is remembered under maestro-gate:remote,
// so a reload while the document is unreachable starts from it; every copy
// of the gate on the origin (both script tags included) honours a
// remembered off and a guard's trip; copies that share the remote module
// each poll their own document.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serve, ROOT } from './helpers.mjs';
import { BROWSERS, launch } from './browsers.mjs';

let server;
const docs = { '/maestro-health': { maestro_enabled: true }, '/health-b': { maestro_enabled: true } };
let mode = 'json'; // json | 500 | html | slow | big | raw | delay | late500
let raw = '';
let delayMs = 1200; // (modes 'delay' and 'late500')
const served = [];
const stalled = [];
let narrowMissing = false; // (pkg/maestro_gate_narrow_bg.wasm answers 404 while set)

const slowKeep = (path, ms) => (req, res) => setTimeout(async () => {
  const wasm = await readFile(join(ROOT, 'pkg', 'maestro_gate_keep_bg.wasm'));
  served.push({ path, at: Date.now() });
  res.writeHead(200, { 'content-type': 'application/wasm' }).end(wasm);
}, ms);

before(async () => {
  const route = (path) => (req, res) => {
    served.push({ path, at: Date.now() });
    if (mode === '500') return res.writeHead(500).end('oops');
    if (mode === 'html') return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html>\n<html><body>app</body></html>');
    if (mode === 'slow') return setTimeout(() => res.writeHead(200).end(JSON.stringify({ maestro_enabled: false })), 3000);
    if (mode === 'big') return res.writeHead(200).end(JSON.stringify({ maestro_enabled: true, pad: 'x'.repeat(200000) }));
    if (mode === 'raw') return res.writeHead(200, { 'content-type': 'application/json' }).end(raw);
    if (mode === 'delay') return setTimeout(() => res.writeHead(200).end(JSON.stringify(docs[path])), delayMs);
    if (mode === 'late500') return setTimeout(() => res.writeHead(500).end('oops'), delayMs);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(docs[path]));
  };
  server = await serve(ROOT, {
    '/maestro-health': route('/maestro-health'), '/health-b': route('/health-b'),
    // The keeping module, served 1 s late (init({ keepWasm })): the poll
    // starts before it answers. (/slower-keep.wasm: 1.5 s.)
    '/slow-keep.wasm': slowKeep('/slow-keep.wasm', 1000),
    '/slower-keep.wasm': slowKeep('/slower-keep.wasm', 1500),
    // A keeping module whose download never ends (held open until the end).
    '/stalled-keep.wasm': (req, res) => { served.push({ path: '/stalled-keep.wasm', at: Date.now() }); stalled.push(res); },
    // A rollout module whose download never ends (init({ rolloutWasm })).
    '/stalled-rollout.wasm': (req, res) => { served.push({ path: '/stalled-rollout.wasm', at: Date.now() }); stalled.push(res); },
    '/blank.html': (req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><link rel="icon" href="data:,">'),
    // The narrowing build, or a 404 (`narrowMissing`: a host that does not serve it).
    '/pkg/maestro_gate_narrow_bg.wasm': async (req, res) => {
      served.push({ path: req.url, at: Date.now() });
      if (narrowMissing) return res.writeHead(404).end('not here');
      res.writeHead(200, { 'content-type': 'application/wasm' }).end(await readFile(join(ROOT, 'pkg', 'maestro_gate_narrow_bg.wasm')));
    },
  });
});
after(async () => { for (const res of stalled) res.destroy(); await server?.close(); });

const set = (path, doc) => { docs[path] = doc; mode = 'json'; };
const REMEMBERED = /^Disabled by remote \/maestro-health: maestro_enabled=false \(remembered, \d+ s old\)$/;

async function load(context, query = '') {
  const page = await context.newPage();
  await page.goto(`${server.url}/tests/e2e/pages/first.html?${query}`);
  await page.waitForFunction(() => window.ready === true, { timeout: 15000 });
  return page;
}

async function tag(context, full) {
  const page = await context.newPage();
  await page.goto(`${server.url}/tests/e2e/pages/tag.html${full ? '?full' : ''}`);
  await page.waitForFunction(() => window.ready === true);
  return page;
}

const chunkFetched = (page) => page.requests.some((u) => u.includes('maestro-chunk.js'));

// Fills localStorage before a page loads (another page of the origin fills
// it), and waits until a third page sees it full.
async function fillLocalStorage(context) {
  const filler = await context.newPage();
  await filler.goto(`${server.url}/blank.html`);
  assert.ok(await filler.evaluate(() => {
    let n = 0;
    for (let size = 1 << 20; size >= 1; size = size >> 1) {
      for (;;) {
        try { localStorage.setItem('fill' + n++, 'x'.repeat(size)); } catch { break; }
      }
    }
    try { localStorage.setItem('probe', 'x'); return false; } catch { return true; }
  }), 'localStorage is full');
  // Chromium commits a page's storage writes to the browser in batches: wait
  // until another page of the origin sees the storage full too (the filler
  // still open meanwhile: its writes are committed from it).
  const check = await context.newPage();
  await check.goto(`${server.url}/blank.html`);
  assert.ok(await check.evaluate(async () => {
    for (let i = 0; i < 100; i++) {
      try { localStorage.setItem('probe', 'x'); localStorage.removeItem('probe'); } catch { return true; }
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }), 'localStorage is full for another page');
  await check.close();
  await filler.close();
}

for (const name of BROWSERS) describe(name, () => {
  let browser;
  before(async () => { browser = await launch(name); });
  after(async () => { await browser?.close(); });

  test(`[${name}] resetGuard() before init({ remote }): the first answer is still the document's, and the poll runs`, async () => {
    // (resetGuard() before init() loads no first-answer module: init() chooses it, here the
    // build without the narrowing, for a page with neither a rollout nor a guard.)
    set('/maestro-health', { maestro_enabled: false });
    const context = await browser.newContext();
    try {
      let page = await load(context, 'resetFirst');
      let first = await page.evaluate(() => window.first);
      assert.equal(first.reason, 'Disabled by remote /maestro-health: maestro_enabled=false');
      assert.ok(page.requests.some((u) => u.includes('maestro_gate_answer_slim_bg.wasm')), page.requests.join('\n'));
      assert.ok(!page.requests.some((u) => /maestro_gate_(answer|narrow)_bg\.wasm/.test(u)), page.requests.join('\n'));
      await page.close();
      set('/maestro-health', { maestro_enabled: true });
      page = await load(context, 'resetFirst');
      first = await page.evaluate(() => window.first);
      assert.equal(first.enabled, true, JSON.stringify(first));
      // The poll (every 300 ms) hears the next off.
      set('/maestro-health', { maestro_enabled: false });
      await page.waitForFunction(() => !window.gate.isEnabled(), { timeout: 10000 });
      assert.equal(await page.evaluate(() => window.gate.decision().reason), 'Disabled by remote /maestro-health: maestro_enabled=false');
      assert.deepEqual(page.lines.filter((l) => /Remote poll not started/.test(l)), []);
    } finally { await context.close(); }
  });

  test(`[${name}] resetGuard() while init({ remote, guard }) awaits the document: the guard still counts, and trips`, async () => {
    set('/maestro-health', { maestro_enabled: true });
    mode = 'delay';
    delayMs = 1500;
    const context = await browser.newContext();
    try {
      const page = await load(context, 'resetDuring&guard=1&wait=5000');
      assert.equal(await page.evaluate(() => window.reset), false);
      assert.equal((await page.evaluate(() => window.first)).enabled, true);
      // (The copy joins the rollout module with its guard's settings, after the decision.)
      await page.waitForFunction(() => window.gate.health().guard !== null, { timeout: 10000 });
      await page.evaluate(() => window.gate.recordError(new Error('one')));
      assert.equal(await page.evaluate(() => window.gate.decision().reason), 'Disabled by guard: 1 error in 60 s');
    } finally {
      mode = 'json';
      delayMs = 1200;
      await context.close();
    }
  });

  test(`[${name}] a page that loads during a remote kill starts off: MAESTRO's chunk is never fetched, and every copy on the origin remembers it`, async () => {
    set('/maestro-health', { status: 'disabled', maestro_enabled: false });
    const context = await browser.newContext();
    try {
      const page = await load(context);
      const first = await page.evaluate(() => window.first);
      assert.equal(first.enabled, false);
      assert.equal(first.source, 'remote');
      assert.equal(first.reason, 'Disabled by remote /maestro-health: maestro_enabled=false');
      assert.equal(await page.evaluate(() => window.maestroStarted === true), false);
      assert.equal(chunkFetched(page), false, page.requests.join('\n'));
      assert.ok(page.lines.includes('info: [MAESTRO] Disabled by remote /maestro-health: maestro_enabled=false'), page.lines.join('\n'));
      // Remembered after the decision (the keeping module, maestro_gate_keep_bg.wasm),
      // though an off page never loads the remote module.
      await page.waitForFunction(() => localStorage.getItem('maestro-gate:remote') !== null, { timeout: 5000 });
      assert.ok(page.requests.some((u) => u.includes('maestro_gate_keep_bg.wasm')), page.requests.join('\n'));
      assert.ok(!page.requests.some((u) => u.includes('maestro_gate_remote_bg.wasm')), page.requests.join('\n'));
      const stored = JSON.parse(await page.evaluate(() => localStorage.getItem('maestro-gate:remote')));
      assert.equal(stored.off.url, '/maestro-health');
      assert.equal(stored.answers[0].enabled, false);
      // The script tags decide synchronously, without a remote of their own:
      // they start from the remembered off.
      for (const full of [false, true]) {
        const t = await tag(context, full);
        const d = await t.evaluate(() => window.maestroGate.decision());
        assert.equal(d.enabled, false, JSON.stringify(d));
        assert.equal(d.source, 'remote');
        assert.match(d.reason, REMEMBERED);
        assert.equal((await t.evaluate(() => window.maestroGate.health())).status, 'disabled');
      }
    } finally {
      await context.close();
    }
  });

  test(`[${name}] three tabs opened together during a kill all start off, sharing a request`, async () => {
    set('/maestro-health', { status: 'disabled', maestro_enabled: false });
    mode = 'delay'; // 1.2 s (within a 3 s wait): the three loads overlap the first read
    const context = await browser.newContext();
    try {
      served.length = 0;
      const pages = await Promise.all([1, 2, 3].map(() => load(context, 'poll=600000&wait=3000')));
      for (const page of pages) {
        const first = await page.evaluate(() => window.first);
        assert.equal(first.enabled, false, JSON.stringify(first));
        assert.equal(first.source, 'remote');
        assert.equal(first.reason, 'Disabled by remote /maestro-health: maestro_enabled=false');
        assert.equal(chunkFetched(page), false);
      }
      const reads = served.filter((s) => s.path === '/maestro-health').length;
      console.log(`# ${name}: three tabs opened together, first-answer requests: ${reads}`);
      // Measured: 1, sometimes 2, in both browsers (Firefox, which starts the
      // third page about 600 ms after the first, made 2 with a 400 ms
      // document). A tab that starts after the first read has answered reads
      // for itself.
      assert.ok(reads < 3, `each tab read for itself: ${JSON.stringify(served)}`);
    } finally {
      mode = 'json';
      await context.close();
    }
  });

  test(`[${name}] a reload while the document fails starts from the remembered off; an on again is honoured by the next load`, async () => {
    set('/maestro-health', { status: 'disabled', maestro_enabled: false });
    const context = await browser.newContext();
    try {
      const kill = await load(context); // remembers the off
      // (The keeping module writes it beside the decision: a test that reloads waits for it.)
      await (kill).waitForFunction(() => JSON.parse(localStorage.getItem('maestro-gate:remote'))?.off, { timeout: 5000 });
      for (const m of ['500', 'html', 'slow']) {
        mode = m;
        const page = await load(context);
        const first = await page.evaluate(() => window.first);
        assert.equal(first.enabled, false, `${m}: ${JSON.stringify(first)}`);
        assert.equal(first.source, 'remote');
        assert.match(first.reason, REMEMBERED);
        assert.equal(chunkFetched(page), false);
        const failed = page.lines.filter((l) => l.startsWith('warning: [MAESTRO] Remote /maestro-health failed'));
        assert.equal(failed.length, 1, page.lines.join('\n'));
        if (m === 'html') assert.match(failed[0], /not JSON \(the body starts with "<!doctype html> <html><body>app<\/body><\/"\): is the document at this URL\?/);
        if (m === 'slow') assert.match(failed[0], /no answer within 1000 ms/);
        if (m === '500') assert.match(failed[0], /failed \(HTTP 500\); starting from its remembered answer, if any$/);
        await page.close();
      }
      set('/maestro-health', { status: 'enabled', maestro_enabled: true });
      const page = await load(context);
      assert.equal((await page.evaluate(() => window.first)).enabled, true);
      assert.equal(chunkFetched(page), true);
      await page.waitForFunction(() => localStorage.getItem('maestro-gate:remote') !== null, { timeout: 5000 });
      assert.equal(JSON.parse(await page.evaluate(() => localStorage.getItem('maestro-gate:remote'))).off, null);
      const t = await tag(context, false);
      assert.equal(await t.evaluate(() => window.maestroGate.isEnabled()), true);
    } finally {
      await context.close();
    }
  });

  test(`[${name}] the document's rollout is in the first decision; remoteTimeoutMs: 0 does not wait`, async () => {
    const context = await browser.newContext();
    try {
      set('/maestro-health', { maestro_enabled: true, rollout: 0 });
      const page = await load(context);
      const first = await page.evaluate(() => window.first);
      assert.equal(first.enabled, false, JSON.stringify(first));
      assert.equal(first.source, 'rollout');
      assert.equal(first.reason, `Disabled by rollout: bucket ${first.rollout?.bucket} is above 0%`);
      assert.equal(chunkFetched(page), false);
      // (A page with neither a rollout nor a guard reads the document with the build
      // without the narrowing, and loads the narrowing build for the percentage.)
      const wasm = page.requests.filter((u) => /maestro_gate_(answer|narrow)[a-z_]*_bg\.wasm/.test(u)).map((u) => new URL(u).pathname);
      assert.deepEqual(wasm, ['/pkg/maestro_gate_answer_slim_bg.wasm', '/pkg/maestro_gate_narrow_bg.wasm']);
      // Remembered after the decision (the keeping module): a reload while the
      // document fails starts from the remembered rollout, which the keeping
      // module reads before that decision.
      await page.waitForFunction(() => localStorage.getItem('maestro-gate:remote') !== null, { timeout: 5000 });
      assert.equal(JSON.parse(await page.evaluate(() => localStorage.getItem('maestro-gate:remote'))).answers[0].rollout, 0);
      mode = '500';
      const failing = await load(context);
      const again = await failing.evaluate(() => window.first);
      assert.deepEqual([again.enabled, again.source], [false, 'rollout'], JSON.stringify(again));
      assert.ok(failing.requests.some((u) => u.includes('maestro_gate_keep_bg.wasm')), failing.requests.join('\n'));
      assert.ok(failing.lines.some((l) => l.includes('failed (HTTP 500); starting from its remembered answer, if any')), failing.lines.join('\n'));
      // A keeping module that cannot load cannot read the remembered rollout:
      // that first decision fails safe, with one warning.
      const missing = await load(context, 'keepWasm=/missing-keep.wasm');
      const safe = await missing.evaluate(() => window.first);
      assert.equal(safe.enabled, false, JSON.stringify(safe));
      assert.match(safe.reason, /^Disabled \(fail safe\): maestro-gate's keeping module could not be loaded: /);
      assert.equal(missing.lines.filter((l) => l.includes("keeping module could not be loaded: ") && l.includes('are not remembered')).length, 1, missing.lines.join('\n'));
      assert.equal(chunkFetched(missing), false);
      // One whose download never ends, the same once the document's fetch
      // timeout has passed (the poll's 300 ms: its floor, 1,000 ms).
      const hung = await load(context, 'keepWasm=/stalled-keep.wasm');
      const held = await hung.evaluate(() => window.first);
      assert.equal(held.enabled, false, JSON.stringify(held));
      assert.equal(held.reason, "Disabled (fail safe): maestro-gate's keeping module could not be loaded: it did not load within 1000 ms");
      assert.equal(hung.lines.filter((l) => l.includes("keeping module could not be loaded: it did not load within 1000 ms; the remote document's answers are not remembered")).length, 1, hung.lines.join('\n'));
      // A browser that remembers nothing does not fetch the keeping module for a failing document.
      const empty = await browser.newContext();
      try {
        const p = await load(empty);
        assert.equal((await p.evaluate(() => window.first)).enabled, true);
        assert.ok(!p.requests.some((u) => u.includes('maestro_gate_keep_bg.wasm')), p.requests.join('\n'));
      } finally {
        await empty.close();
      }
      set('/maestro-health', { maestro_enabled: false });
      const fresh = await browser.newContext();
      try {
        const p = await load(fresh, 'wait=0');
        assert.equal((await p.evaluate(() => window.first)).enabled, true, 'no wait: decided before the answer');
        await p.waitForFunction(() => !window.gate.isEnabled(), { timeout: 10000 });
      } finally {
        await fresh.close();
      }
    } finally {
      await context.close();
    }
  });

  test(`[${name}] a percentage the document sets after the first decision lowers a page that read it without the narrowing`, async () => {
    // The page starts on (no percentage): the build without the narrowing, and no narrowing
    // build before the decision. The poll then reads a rollout of 0: the narrowing build loads
    // for this browser's bucket, and the rollout module turns the page off.
    set('/maestro-health', { maestro_enabled: true });
    const context = await browser.newContext();
    try {
      const page = await load(context, 'userId=174&group=1');
      assert.equal((await page.evaluate(() => window.first)).enabled, true);
      const before = page.requests.map((u) => new URL(u).pathname);
      assert.ok(before.includes('/pkg/maestro_gate_answer_slim_bg.wasm'), before.join('\n'));
      assert.ok(!before.some((p) => /maestro_gate_(answer|narrow)_bg/.test(p)), before.join('\n'));
      set('/maestro-health', { maestro_enabled: true, rollout: 0 });
      await page.waitForFunction(() => !window.gate.isEnabled(), { timeout: 10000 });
      const d = await page.evaluate(() => window.gate.decision());
      assert.deepEqual([d.source, d.reason], ['rollout', 'Disabled by rollout: bucket 10 is above 0%'], JSON.stringify(d));
      assert.ok(page.requests.some((u) => u.includes('maestro_gate_narrow_bg.wasm')), page.requests.join('\n'));
      assert.ok(!page.requests.some((u) => u.includes('maestro_gate_answer_bg.wasm')), page.requests.join('\n'));
    } finally {
      set('/maestro-health', { maestro_enabled: true });
      await context.close();
    }
  });

  test(`[${name}] a guard that is undefined, null or false is none: the page reads its first answer with the build without the narrowing`, async () => {
    set('/maestro-health', { maestro_enabled: true });
    const context = await browser.newContext();
    try {
      for (const v of ['undefined', 'null', 'false']) {
        const page = await load(context, `noGuard=${v}`);
        assert.equal((await page.evaluate(() => window.first)).enabled, true, v);
        const wasm = page.requests.filter((u) => /maestro_gate_(answer|narrow)[a-z_]*_bg\.wasm/.test(u)).map((u) => new URL(u).pathname);
        assert.deepEqual(wasm, ['/pkg/maestro_gate_answer_slim_bg.wasm'], v);
        await page.close();
      }
    } finally {
      await context.close();
    }
  });

  test(`[${name}] a document's percentage: a page that leaves its first answer to the remote module narrows with the narrowing build alone; one that cannot fetch it fails safe`, async () => {
    set('/maestro-health', { maestro_enabled: true, rollout: 0 });
    const context = await browser.newContext();
    try {
      const page = await load(context, 'userId=174&group=1&remoteWasm=/pkg/maestro_gate_remote_bg.wasm');
      const first = await page.evaluate(() => window.first);
      assert.deepEqual([first.enabled, first.reason], [false, 'Disabled by rollout: bucket 10 is above 0%'], JSON.stringify(first));
      const wasm = page.requests.filter((u) => /maestro_gate_(answer|narrow)[a-z_]*_bg\.wasm/.test(u)).map((u) => new URL(u).pathname);
      assert.deepEqual(wasm, ['/pkg/maestro_gate_narrow_bg.wasm']);
      // Without the narrowing build (the first-answer module's reading): the first decision
      // fails safe, off, and says which file.
      narrowMissing = true;
      const missing = await load(context, 'userId=174&group=1');
      const safe = await missing.evaluate(() => window.first);
      assert.equal(safe.enabled, false, JSON.stringify(safe));
      assert.match(safe.reason, /^Disabled \(fail safe\): maestro-gate's rollout module could not be loaded: .*maestro_gate_narrow_bg\.wasm.*404/);
      assert.ok(missing.lines.some((l) => l.startsWith('warning: [MAESTRO] Disabled (fail safe): ')), missing.lines.join('\n'));
      assert.equal(chunkFetched(missing), false);
    } finally {
      narrowMissing = false;
      set('/maestro-health', { maestro_enabled: true });
      await context.close();
    }
  });

  test(`[${name}] the document fails safe on an invalid maestro_enabled, and a body over 8 KB is not read`, async () => {
    const context = await browser.newContext();
    try {
      mode = 'raw';
      raw = '{"maestro_enabled": "flase"}';
      const page = await load(context);
      const first = await page.evaluate(() => window.first);
      assert.equal(first.enabled, false);
      assert.equal(first.source, 'remote');
      assert.match(first.reason, /^Disabled \(fail safe\): remote \/maestro-health: invalid maestro_enabled="flase"; accepted: /);
      assert.ok(page.lines.some((l) => l.startsWith('warning: [MAESTRO] Disabled (fail safe): remote /maestro-health')), page.lines.join('\n'));
      const big = await browser.newContext();
      try {
        mode = 'big';
        const p = await load(big);
        assert.equal((await p.evaluate(() => window.first)).enabled, true);
        assert.ok(p.lines.some((l) => l.includes('the body is longer than 8 KB')), p.lines.join('\n'));
      } finally {
        await big.close();
      }
    } finally {
      mode = 'json';
      await context.close();
    }
  });

  test(`[${name}] a status "disabled" beside an on, or without maestro_enabled, fails safe for the first answer and for the poll`, async () => {
    const context = await browser.newContext();
    const reason = 'Disabled (fail safe): remote /maestro-health: status="disabled" but maestro_enabled is not false';
    try {
      mode = 'raw';
      for (const doc of ['{"status": "disabled", "maestro_enabled": true}', '{"status": "disabled"}']) {
        raw = doc;
        const page = await load(context);
        const first = await page.evaluate(() => window.first);
        assert.equal(first.enabled, false, `${doc}: ${JSON.stringify(first)}`);
        assert.equal(first.reason, reason, doc);
        assert.ok(page.lines.includes(`warning: [MAESTRO] ${reason}`), page.lines.join('\n'));
        await page.close();
      }
      // The poll reads it the same, live (a fresh context: no remembered off).
      const fresh = await browser.newContext();
      try {
        raw = '{"status": "enabled", "maestro_enabled": true}';
        const open = await load(fresh, 'poll=200');
        assert.equal((await open.evaluate(() => window.first)).enabled, true);
        raw = '{"status": "disabled", "maestro_enabled": true}';
        await open.waitForFunction(() => !window.gate.isEnabled(), { timeout: 10000 });
        assert.equal(await open.evaluate(() => window.gate.decision().reason), reason);
      } finally {
        await fresh.close();
      }
      // status twice (JSON.parse keeps the last): not read, as maestro_enabled twice is not.
      const twice = await browser.newContext();
      try {
        raw = '{"status": "disabled", "status": "ok", "maestro_enabled": true}';
        const p = await load(twice);
        assert.equal((await p.evaluate(() => window.first)).enabled, true);
        assert.ok(p.lines.some((l) => l.includes('status appears more than once')), p.lines.join('\n'));
      } finally {
        await twice.close();
      }
    } finally {
      mode = 'json';
      await context.close();
    }
  });

  test(`[${name}] a document saved with a byte order mark reads the same to the first answer and to the poll`, async () => {
    // (As fetch's json() reads it: one mark dropped; two are not JSON, for both readers.)
    const context = await browser.newContext();
    try {
      mode = 'raw';
      raw = '\ufeff{"status": "disabled", "maestro_enabled": false}';
      const page = await load(context);
      const first = await page.evaluate(() => window.first);
      assert.equal(first.enabled, false, JSON.stringify(first));
      assert.equal(first.reason, 'Disabled by remote /maestro-health: maestro_enabled=false');
      await page.close();
      // The poll reads the same: on at first, then the document with a mark says off.
      raw = '\ufeff{"maestro_enabled": true}';
      const open = await load(context, 'poll=200');
      assert.equal((await open.evaluate(() => window.first)).enabled, true);
      raw = '\ufeff{"status": "disabled", "maestro_enabled": false}';
      await open.waitForFunction(() => !window.gate.isEnabled(), { timeout: 10000 });
      assert.equal(await open.evaluate(() => window.gate.decision().reason), 'Disabled by remote /maestro-health: maestro_enabled=false');
      assert.ok(!open.lines.some((l) => l.includes('failed')), open.lines.join('\n'));
      await open.close();
      const two = await browser.newContext();
      try {
        raw = '\ufeff\ufeff{"maestro_enabled": false}';
        const p = await load(two);
        assert.equal((await p.evaluate(() => window.first)).enabled, true);
        assert.ok(p.lines.some((l) => l.startsWith('warning: [MAESTRO] Remote /maestro-health failed (not JSON')), p.lines.join('\n'));
      } finally {
        await two.close();
      }
    } finally {
      mode = 'json';
      await context.close();
    }
  });

  test(`[${name}] a remembered answer dated in the future (a clock set back) does not keep the next answer from being remembered`, async () => {
    const context = await browser.newContext();
    try {
      const blank = await context.newPage();
      await blank.goto(`${server.url}/blank.html`);
      await blank.evaluate(() => localStorage.setItem('maestro-gate:remote', JSON.stringify({
        off: null, answers: [{ url: '/maestro-health', enabled: true, rollout: null, at: Date.now() + 365 * 864e5 }],
      })));
      await blank.close();
      set('/maestro-health', { status: 'disabled', maestro_enabled: false });
      const kill = await load(context);
      assert.equal((await kill.evaluate(() => window.first)).enabled, false);
      await kill.waitForFunction(() => JSON.parse(localStorage.getItem('maestro-gate:remote'))?.off, { timeout: 5000 });
      await kill.close();
      mode = '500';
      const page = await load(context);
      const first = await page.evaluate(() => window.first);
      assert.equal(first.enabled, false, JSON.stringify(first));
      assert.match(first.reason, REMEMBERED);
    } finally {
      set('/maestro-health', { maestro_enabled: true });
      await context.close();
    }
  });

  test(`[${name}] two copies sharing the remote module each poll their own document, and a kill of either reaches both`, async () => {
    set('/maestro-health', { maestro_enabled: true });
    set('/health-b', { maestro_enabled: true });
    const context = await browser.newContext();
    try {
      served.length = 0;
      const page = await load(context, 'copies=2&poll=200');
      assert.equal(await page.evaluate(() => window.first2.enabled), true);
      await page.waitForFunction(() => true);
      await page.waitForTimeout(800);
      assert.ok(served.filter((s) => s.path === '/health-b').length >= 2, JSON.stringify(served));
      set('/health-b', { maestro_enabled: false });
      await page.waitForFunction(() => !window.gate2.isEnabled() && !window.gate.isEnabled(), { timeout: 10000 });
      assert.equal(await page.evaluate(() => window.gate2.decision().reason), 'Disabled by remote /health-b: maestro_enabled=false');
    } finally {
      set('/health-b', { maestro_enabled: true });
      await context.close();
    }
  });

  test(`[${name}] a guard's trip reaches a script-tag tab without a guard and the tag in a same-origin iframe, and a reload during the cooldown starts off`, async () => {
    const context = await browser.newContext();
    try {
      const app = await context.newPage();
      await app.goto(`${server.url}/tests/e2e/pages/rollout.html?options=${encodeURIComponent(JSON.stringify({ guard: { errors: 1 } }))}`);
      await app.waitForFunction(() => window.ready === true);
      const t = await tag(context, false);
      assert.equal(await t.evaluate(() => window.maestroGate.isEnabled()), true);
      // The tag in a same-origin iframe of another page, too.
      const framed = await context.newPage();
      await framed.goto(`${server.url}/tests/e2e/pages/iframe-tag.html`);
      await framed.waitForFunction(() => window.frameGate && window.frameGate() && window.frameGate().isEnabled() === true);
      await app.evaluate(() => window.gate.recordError());
      await t.waitForFunction(() => !window.maestroGate.isEnabled(), { timeout: 10000 });
      assert.equal(await t.evaluate(() => window.maestroGate.decision().source), 'guard');
      await framed.waitForFunction(() => !window.frameGate().isEnabled(), { timeout: 10000 });
      assert.equal(await framed.evaluate(() => window.frameGate().decision().reason), 'Disabled by guard: it tripped in another tab');
      for (const full of [false, true]) {
        const again = await tag(context, full);
        const d = await again.evaluate(() => window.maestroGate.decision());
        assert.equal(d.enabled, false);
        assert.equal(d.reason, 'Disabled by guard: it tripped in this browser');
      }
    } finally {
      await context.close();
    }
  });

  test(`[${name}] a tab whose remote module cannot load hears another tab's lowered rollout; the polling tab turned off hands the poll on`, async () => {
    set('/maestro-health', { maestro_enabled: true, rollout: 10 });
    const context = await browser.newContext();
    try {
      // userId 174 in Feature.flexibleRollout.10 is bucket 10 (Unleash's vector).
      const spec = 'userId=174&poll=200&group=1';
      const a = await load(context, spec);
      const b = await load(context, `${spec}&remoteWasm=/pkg/no-such-remote.wasm`);
      const c = await load(context, spec);
      for (const p of [a, b, c]) assert.equal(await p.evaluate(() => window.gate.isEnabled()), true);
      assert.ok(b.lines.some((l) => l.startsWith('warning: [MAESTRO] Remote poll not started: ')), b.lines.join('\n'));
      // The polling tab (the first) turns off by itself: the poll goes on in another tab.
      await a.evaluate(() => { window.MAESTRO_ENABLED = false; });
      set('/maestro-health', { maestro_enabled: true, rollout: 9 });
      for (const p of [b, c]) {
        await p.waitForFunction(() => !window.gate.isEnabled(), { timeout: 10000 });
        assert.equal(await p.evaluate(() => window.gate.decision().reason), 'Disabled by rollout: bucket 10 is above 9%');
      }
    } finally {
      set('/maestro-health', { maestro_enabled: true });
      await context.close();
    }
  });

  test(`[${name}] a full localStorage keeps the remembered off in sessionStorage, with a warning`, async () => {
    set('/maestro-health', { maestro_enabled: true });
    const context = await browser.newContext();
    try {
      const page = await load(context);
      // (The load's "on" is remembered after the decision, by the keeping module: in
      // localStorage before it fills.)
      await page.waitForFunction(() => localStorage.getItem('maestro-gate:remote') !== null, { timeout: 5000 });
      const filled = await page.evaluate(() => {
        let n = 0;
        for (let size = 1 << 20; size >= 1; size = size >> 1) {
          for (;;) {
            try { localStorage.setItem('fill' + n++, 'x'.repeat(size)); } catch { break; }
          }
        }
        return n;
      });
      assert.ok(filled > 0);
      set('/maestro-health', { maestro_enabled: false });
      await page.waitForFunction(() => !window.gate.isEnabled(), { timeout: 10000 });
      await page.waitForFunction(() => sessionStorage.getItem('maestro-gate:remote') !== null, { timeout: 5000 });
      assert.ok(page.lines.some((l) => l.startsWith('warning: [MAESTRO] The remote answer could not be kept in localStorage (')
        && l.includes('kept in sessionStorage instead')), page.lines.join('\n'));
      // localStorage still holds the load's "on": the off is in sessionStorage only.
      assert.equal(JSON.parse(await page.evaluate(() => localStorage.getItem('maestro-gate:remote'))).off, null);
      // A reload in this tab while the document is down starts off.
      mode = '500';
      await page.reload();
      await page.waitForFunction(() => window.ready === true, { timeout: 15000 });
      const first = await page.evaluate(() => window.first);
      assert.equal(first.enabled, false, JSON.stringify(first));
      assert.match(first.reason, REMEMBERED);
    } finally {
      mode = 'json';
      await context.close();
    }
  });

  test(`[${name}] a full localStorage: a kill kept in sessionStorage survives another document's later answer`, async () => {
    // Two documents, both on and remembered in localStorage; then localStorage fills,
    // the first says off (kept in sessionStorage only) and the second on again: its
    // keeping must build on the newer sessionStorage copy, not on localStorage's old one.
    set('/maestro-health', { maestro_enabled: true });
    set('/health-b', { maestro_enabled: true });
    const context = await browser.newContext();
    try {
      const page = await load(context, 'copies=2');
      await page.waitForFunction(() => (JSON.parse(localStorage.getItem('maestro-gate:remote'))?.answers ?? []).length === 2, { timeout: 5000 });
      await page.evaluate(() => {
        let n = 0;
        for (let size = 1 << 20; size >= 1; size = size >> 1) {
          for (;;) {
            try { localStorage.setItem('fill' + n++, 'x'.repeat(size)); } catch { break; }
          }
        }
      });
      set('/maestro-health', { maestro_enabled: false });
      await page.reload();
      await page.waitForFunction(() => window.ready === true, { timeout: 15000 });
      assert.equal((await page.evaluate(() => window.first)).enabled, false);
      // Both answers kept (in this tab's sessionStorage): the off stands.
      await page.waitForFunction(() => {
        const m = JSON.parse(sessionStorage.getItem('maestro-gate:remote'));
        const b = m?.answers?.find((a) => a.url === '/health-b');
        const h = m?.answers?.find((a) => a.url === '/maestro-health');
        return b && h && !h.enabled && b.at > h.at - 60000;
      }, { timeout: 5000 }).catch(() => {});
      await page.waitForTimeout(1000); // (the second document's keeping, if it comes after)
      const memory = JSON.parse(await page.evaluate(() => sessionStorage.getItem('maestro-gate:remote')));
      assert.equal(memory?.off?.url, '/maestro-health', JSON.stringify(memory));
      mode = '500';
      await page.reload();
      await page.waitForFunction(() => window.ready === true, { timeout: 15000 });
      const first = await page.evaluate(() => window.first);
      assert.equal(first.enabled, false, JSON.stringify(first));
      assert.match(first.reason, REMEMBERED);
    } finally {
      mode = 'json';
      set('/maestro-health', { maestro_enabled: true });
      await context.close();
    }
  });

  test(`[${name}] a full localStorage: one warning per page, with the keeping module served late`, async () => {
    set('/maestro-health', { maestro_enabled: true });
    const context = await browser.newContext();
    try {
      await fillLocalStorage(context);
      served.length = 0;
      // The first answer's "on" is kept after the decision by the keeping
      // module (late: /slow-keep.wasm), which cannot write localStorage and
      // says so; the poll (every 2 s: its first read comes after the keeping
      // module's write) remembers each read too, and says nothing more: one
      // warning for the page.
      const page = await load(context, 'keepWasm=/slow-keep.wasm&poll=2000');
      const warning = (l) => l.startsWith('warning: [MAESTRO] The remote answer could not be kept in localStorage (');
      // Two reads of the poll after the keeping module was served: each
      // wrote the memory (the second read starts after the first's write).
      const readsAfterKeep = () => served.slice(served.findIndex((s) => s.path === '/slow-keep.wasm') + 1 || served.length)
        .filter((s) => s.path === '/maestro-health').length;
      for (let i = 0; i < 150 && readsAfterKeep() < 2; i++) await page.waitForTimeout(100);
      assert.ok(readsAfterKeep() >= 2, JSON.stringify(served));
      const stored = await page.evaluate(() => [sessionStorage.getItem('maestro-gate:remote'), localStorage.getItem('maestro-gate:remote')]);
      assert.ok(stored[0] !== null, JSON.stringify({ stored, served, lines: page.lines }));
      const warnings = page.lines.filter(warning);
      assert.equal(warnings.length, 1, page.lines.join('\n'));
      assert.ok(warnings[0].includes('kept in sessionStorage instead'), warnings[0]);
    } finally {
      await context.close();
    }
  });

  // (The keeping module served at once, or 1.5 s late: it has kept the
  // late read's "on" only after the fetch's timeout, counted from the wait.)
  for (const keep of ['', '&keepWasm=/slower-keep.wasm']) test(`[${name}] a full localStorage: one warning per page, with a document that answers after remoteTimeoutMs${keep && ', the keeping module served late'}`, async () => {
    set('/maestro-health', { maestro_enabled: true });
    const context = await browser.newContext();
    try {
      await fillLocalStorage(context);
      served.length = 0;
      // The document answers in 1.2 s, after the 300 ms wait (the decision
      // is on: nothing is remembered) and within the fetch's timeout (2 s):
      // the keeping module keeps that read's "on" and says that
      // localStorage is full; the poll starts after that write, and its
      // reads say nothing more.
      mode = 'delay';
      const page = await load(context, 'wait=300&poll=2000' + keep);
      assert.equal((await page.evaluate(() => window.first)).enabled, true);
      const warning = (l) => l.startsWith('warning: [MAESTRO] The remote answer could not be kept in localStorage (');
      // The first read, then three of the poll's: the first two have been
      // answered (each remembered: the second starts after the first's
      // write; the third after the second's).
      const reads = () => served.filter((s) => s.path === '/maestro-health').length;
      for (let i = 0; i < 250 && reads() < 4; i++) await page.waitForTimeout(100);
      assert.ok(reads() >= 4, JSON.stringify(served));
      assert.ok(await page.evaluate(() => sessionStorage.getItem('maestro-gate:remote') !== null), page.lines.join('\n'));
      const warnings = page.lines.filter(warning);
      assert.equal(warnings.length, 1, page.lines.join('\n'));
      assert.ok(warnings[0].includes('kept in sessionStorage instead'), warnings[0]);
      assert.ok(page.lines.some((l) => l.includes('failed (no answer within 300 ms, remoteTimeoutMs)')), page.lines.join('\n'));
    } finally {
      mode = 'json';
      await context.close();
    }
  });

  // (An off; a percentage that leaves this browser out: 0. The first answer
  // is the first-answer module's, or the remote module's: see below.)
  for (const [what, doc, reason] of [
    ['says off', { status: 'disabled', maestro_enabled: false }, /^Disabled by remote \/maestro-health: maestro_enabled=false$/],
    ['sets a rollout of 0', { maestro_enabled: true, rollout: 0 }, /rollout/],
  ]) for (const [which, query] of [['', ''], [' (the remote module)', '&remoteWasm=/pkg/maestro_gate_remote_bg.wasm']]) test(`[${name}] a document that ${what} after remoteTimeoutMs turns the page off when it answers, not a poll later${which}`, async () => {
    // The document answers in 1.2 s, after the 300 ms wait: the page starts
    // on (nothing is remembered); its own late read turns it off then, with
    // the poll's interval at a minute (the poll, which starts after the
    // decision, waits for that read: no second one beside it).
    set('/maestro-health', doc);
    const context = await browser.newContext();
    try {
      mode = 'delay';
      served.length = 0;
      const page = await load(context, 'wait=300&poll=60000' + query);
      assert.equal((await page.evaluate(() => window.first)).enabled, true);
      await page.waitForFunction(() => !window.gate.isEnabled(), { timeout: 5000 });
      const decision = await page.evaluate(() => window.gate.decision());
      assert.match(decision.reason, reason, JSON.stringify(decision));
      // (One read: the page's own, not the poll's.)
      assert.equal(served.filter((s) => s.path === '/maestro-health').length, 1, JSON.stringify(served));
    } finally {
      mode = 'json';
      await context.close();
    }
  });

  // Another tab holds the document's first-read lock past this page's wait
  // (300 ms) with a slow read (each read here takes 2.5 s, within the
  // fetch's timeout, pollMs: 3 s): this page starts on, nothing remembered.
  // Its own read begins when the lock is let go, counted from the page's
  // request for it: at 1.5 s, still in flight when the fetch's timeout has
  // run from the wait (3.3 s), the poll starts after it ends; at 5 s, not
  // begun then, it is not made, and the poll reads. Either way two reads of
  // this page never overlap (one result, one count: Unleash's metrics get
  // the page's first decision from the read that made it). (The margins are
  // wide: the lock's grant may come 1.8 s late, the read's answer 0.5 s.)
  for (const hold of [1500, 5000]) test(`[${name}] a read behind a slow tab's lock (${hold} ms): the poll starts after it, or instead of it, never beside it`, async () => {
    set('/maestro-health', { maestro_enabled: true });
    const context = await browser.newContext();
    try {
      mode = 'delay';
      delayMs = 2500;
      const page = await load(context, `wait=300&poll=3000&holdLock=${hold}`);
      assert.equal((await page.evaluate(() => window.first)).enabled, true);
      // (Until the lock is let go and the poll has read, and a moment more:
      // the page's own read, if made, and the poll's.)
      await page.waitForFunction(() => window.released && window.reads.some((r) => r.by === 'poll'), { timeout: 20000 });
      await page.waitForTimeout(500);
      const reads = await page.evaluate(() => window.reads);
      const first = reads.filter((r) => r.by === 'first'), poll = reads.filter((r) => r.by === 'poll');
      assert.equal(first.length, hold < 3300 ? 1 : 0, JSON.stringify(reads));
      for (const f of first) assert.ok(f.end <= poll[0].at, `the poll read before the first read ended: ${JSON.stringify(reads)}`);
      assert.deepEqual(page.lines.filter((l) => l.startsWith('pageerror:')), []);
    } finally {
      mode = 'json';
      delayMs = 1200;
      await context.close();
    }
  });

  // A document that fails at once: said once, by the first answer, and the
  // page starts on (nothing remembered); the poll, which starts after it,
  // says nothing more of that read.
  for (const [which, query] of [['', ''], [' (the remote module)', '&remoteWasm=/pkg/maestro_gate_remote_bg.wasm']]) test(`[${name}] a document that fails at once is said once, and the page starts on${which}`, async () => {
    const context = await browser.newContext();
    try {
      mode = '500';
      const page = await load(context, 'wait=1000&poll=60000' + query);
      assert.equal((await page.evaluate(() => window.first)).enabled, true);
      await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => e.name.includes('maestro_gate_remote_bg')), { timeout: 15000 });
      await page.waitForTimeout(1000);
      const failed = page.lines.filter((l) => l.startsWith('warning: [MAESTRO] Remote /maestro-health failed'));
      assert.equal(failed.length, 1, page.lines.join('\n'));
      assert.match(failed[0], /failed \(HTTP 500\); starting from its remembered answer, if any$/);
    } finally {
      mode = 'json';
      await context.close();
    }
  });

  // Another tab's answer (on) comes first, 300 ms after this page asked for
  // the lock; the page's own read, begun before it, fails 1.5 s in. That
  // failure is said once, as the poll says one (the page keeps its
  // decision), not left unsaid for the failing stretch.
  for (const [which, query] of [['', ''], [' (the remote module)', '&remoteWasm=/pkg/maestro_gate_remote_bg.wasm']]) test(`[${name}] a read that fails after another tab's answer is said once, as the poll says it${which}`, async () => {
    const context = await browser.newContext();
    try {
      mode = 'late500';
      delayMs = 1500;
      const page = await load(context, 'wait=5000&poll=60000&hear=300' + query);
      // (On: the heard answer. Had the failure ended the wait, it would be
      // said as a first answer's, "starting from its remembered answer".)
      assert.equal((await page.evaluate(() => window.first)).enabled, true);
      const failedLines = () => page.lines.filter((l) => l.startsWith('warning: [MAESTRO] Remote /maestro-health failed'));
      for (let i = 0; i < 100 && !failedLines().length; i++) await page.waitForTimeout(100);
      await page.waitForTimeout(1000);
      assert.deepEqual(failedLines(), ['warning: [MAESTRO] Remote /maestro-health failed (HTTP 500); keeping the current decision, retrying with backoff'], page.lines.join('\n'));
      assert.equal(await page.evaluate(() => window.gate.isEnabled()), true);
      assert.deepEqual(page.lines.filter((l) => l.startsWith('pageerror:')), []);
    } finally {
      mode = 'json';
      delayMs = 1200;
      await context.close();
    }
  });

  // The same with two copies of the gate on the page, started together, in
  // a browser that refuses the Web Lock: both read, both hear the other
  // tab's answer first (300 ms after the second copy asked for the lock;
  // the reads fail 3 s in, a wide margin for a second copy that starts
  // late), both reads fail. The poll they share says it once.
  test(`[${name}] two copies whose reads fail after another tab's answer: said once`, async () => {
    const context = await browser.newContext();
    try {
      mode = 'late500';
      delayMs = 3000;
      const since = Date.now();
      const page = await load(context, 'wait=5000&poll=60000&hear=300&twin&locksRefused');
      assert.deepEqual(await page.evaluate(() => [window.first.enabled, window.first2.enabled]), [true, true]);
      const failedLines = () => page.lines.filter((l) => l.startsWith('warning: [MAESTRO] Remote /maestro-health failed'));
      for (let i = 0; i < 100 && !failedLines().length; i++) await page.waitForTimeout(100);
      await page.waitForTimeout(1500);
      // (Two reads: each copy made its own.)
      assert.equal(served.filter((s) => s.path === '/maestro-health' && s.at >= since).length, 2, JSON.stringify(served.slice(-4)));
      assert.deepEqual(failedLines(), ['warning: [MAESTRO] Remote /maestro-health failed (HTTP 500); keeping the current decision, retrying with backoff'], page.lines.join('\n'));
      assert.deepEqual(page.lines.filter((l) => l.startsWith('pageerror:')), []);
    } finally {
      mode = 'json';
      delayMs = 1200;
      await context.close();
    }
  });

  test(`[${name}] a late percentage whose rollout module never loads holds not the poll`, async () => {
    // The document answers a percentage in 700 ms, after the 300 ms wait: the
    // page starts on, and its late read lowers it through the rollout module,
    // whose download never ends here. The poll starts after that read all
    // the same (not after the lowering), and its read of an off reaches the page.
    set('/maestro-health', { maestro_enabled: true, rollout: 50 });
    const context = await browser.newContext();
    try {
      mode = 'delay';
      delayMs = 700;
      const page = await load(context, 'wait=300&poll=1000&rolloutWasm=/stalled-rollout.wasm');
      assert.equal((await page.evaluate(() => window.first)).enabled, true);
      await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => e.name.includes('maestro_gate_remote_bg')), { timeout: 15000 });
      set('/maestro-health', { maestro_enabled: false });
      await page.waitForFunction(() => !window.gate.isEnabled(), { timeout: 15000 });
      assert.ok(served.some((s) => s.path === '/stalled-rollout.wasm'), JSON.stringify(served));
    } finally {
      mode = 'json';
      delayMs = 1200;
      await context.close();
    }
  });

  // The same with the remote module's first answer (a page that says where
  // its .wasm is), whose poll starts at the decision: a read still behind the
  // slow tab's lock then (2.5 s) is not made; the poll reads at once, and
  // next a minute later.
  test(`[${name}] a read behind a slow tab's lock, not begun when the poll starts, is not made (the remote module)`, async () => {
    set('/maestro-health', { maestro_enabled: true });
    const context = await browser.newContext();
    try {
      mode = 'delay';
      delayMs = 700;
      const page = await load(context, 'wait=300&poll=60000&holdLock=2500&remoteWasm=/pkg/maestro_gate_remote_bg.wasm');
      assert.equal((await page.evaluate(() => window.first)).enabled, true);
      await page.waitForTimeout(4000);
      const reads = await page.evaluate(() => window.reads);
      assert.equal(reads.length, 1, JSON.stringify(reads));
      assert.deepEqual(page.lines.filter((l) => l.startsWith('pageerror:')), []);
    } finally {
      mode = 'json';
      delayMs = 1200;
      await context.close();
    }
  });

  // (The first answer is the first-answer module's, or, for a page that
  // says where the remote module's .wasm is and not where that one's is, the
  // remote module's.)
  for (const [which, query] of [['the first-answer module', ''], ['the remote module', '&remoteWasm=/pkg/maestro_gate_remote_bg.wasm']]) {
    test(`[${name}] a browser that refuses the Web Lock: the page reads the document itself, and polls (${which})`, async () => {
      set('/maestro-health', { status: 'disabled', maestro_enabled: false });
      const context = await browser.newContext();
      try {
        // The first answer is the page's own read (without it: no answer
        // within the wait, and nothing remembered, the page would start on).
        let page = await load(context, 'locksRefused&poll=1000' + query);
        const first = await page.evaluate(() => window.first);
        assert.equal(first.enabled, false, JSON.stringify(first));
        assert.equal(first.reason, 'Disabled by remote /maestro-health: maestro_enabled=false');
        await page.close();
        // A page that starts on polls after its first read: a kill reaches it.
        // It polls as the tab that holds the poll's lock would, every pollMs
        // (a tab that does not hold it reads only after 2 x pollMs without a
        // result): two of its reads less than 1.9 s apart.
        set('/maestro-health', { maestro_enabled: true });
        const since = Date.now();
        page = await load(context, 'locksRefused&poll=1000' + query);
        assert.equal((await page.evaluate(() => window.first)).enabled, true);
        await page.waitForTimeout(4500);
        const reads = served.filter((s) => s.path === '/maestro-health' && s.at >= since).map((s) => s.at);
        const gaps = reads.slice(1).map((at, i) => at - reads[i]);
        assert.ok(gaps.some((g) => g < 1900), JSON.stringify(gaps));
        set('/maestro-health', { maestro_enabled: false });
        await page.waitForFunction(() => !window.gate.isEnabled(), { timeout: 15000 });
        assert.deepEqual(page.lines.filter((l) => l.startsWith('pageerror:')), []);
      } finally {
        await context.close();
      }
    });
  }

  test(`[${name}] a keeping module whose download never ends holds neither the first decision nor the poll`, async () => {
    set('/maestro-health', { maestro_enabled: true });
    const context = await browser.newContext();
    try {
      const page = await load(context, 'keepWasm=/stalled-keep.wasm&poll=1000');
      assert.equal((await page.evaluate(() => window.first)).enabled, true);
      // The poll starts once the keeping module has not loaded within the
      // document's fetch timeout (1 s), and its read of an off reaches the page.
      set('/maestro-health', { maestro_enabled: false });
      await page.waitForFunction(() => !window.gate.isEnabled(), { timeout: 15000 });
      assert.equal(page.lines.filter((l) => l.includes("keeping module could not be loaded: it did not load within 1000 ms; the remote document's answers are not remembered")).length, 1, page.lines.join('\n'));
    } finally {
      await context.close();
    }
  });

  test(`[${name}] a polluted Object.prototype.pollMs is no option`, async () => {
    set('/maestro-health', { maestro_enabled: true });
    const context = await browser.newContext();
    try {
      served.length = 0;
      const page = await load(context, 'nopoll&pollute');
      await page.waitForFunction(() => window.cleaned === true);
      await page.waitForTimeout(1500);
      // The default pollMs (60 s): the first answer only (100 ms would be about 15).
      assert.equal(served.filter((s) => s.path === '/maestro-health').length, 1, JSON.stringify(served));
    } finally {
      await context.close();
    }
  });

  test(`[${name}] a second init() names what it ignored`, async () => {
    set('/maestro-health', { maestro_enabled: true });
    const context = await browser.newContext();
    try {
      const page = await load(context);
      await page.evaluate(() => window.gate.init({ rollout: 0, guard: { errors: 1 } }));
      assert.ok(page.lines.includes("warning: [MAESTRO] init() was called again: its rollout, guard ignored (the first call's options stand until reload)"), page.lines.join('\n'));
    } finally {
      await context.close();
    }
  });

  test(`[${name}] a second init() right after the first resolves warns after the start-up line`, async () => {
    set('/maestro-health', { maestro_enabled: true });
    const context = await browser.newContext();
    try {
      // The second call's warning is ready before the start-up line's task
      // runs (the extras module is loaded): written through the same queue,
      // it comes after it.
      const page = await load(context, 'again');
      const warning = "warning: [MAESTRO] init() was called again: its rollout, guard ignored (the first call's options stand until reload)";
      await page.waitForFunction(() => window.again);
      await page.evaluate(() => window.again);
      const maestro = page.lines.filter((l) => l.includes('[MAESTRO]'));
      assert.deepEqual(maestro, ['info: [MAESTRO] Enabled (default)', warning], page.lines.join('\n'));
    } finally {
      await context.close();
    }
  });
});
