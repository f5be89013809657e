// Issue 18, the guard and the rollout through pkg/, in the system Chromium
// and in Firefox:
// - the guard trips synchronously: the `errors`-th recordError() returns with
//   isEnabled() false and onChange told (the ES module, and both script tags
//   sharing the rollout module with it), once the copy has joined the rollout
//   module (right after its first decision: with a guard, from a task, which
//   health().guard shows; without one, at its first recordError(), which
//   counts once it has);
// - copies of the gate that share the rollout module keep their own guard
//   settings, each trips at its own, and a trip anywhere turns every copy
//   (and every tab) off;
// - a trip is remembered in sessionStorage, with one warning, when
//   localStorage is full (QuotaExceededError), so a reload starts off;
// - a forged or skewed cooldown is written back capped, once: it ends at most
//   cooldownMs after the first load that saw it;
// - decision().rollout stays the one the decision was made with when the
//   remote document raises the percentage;
// - with no storage that works and no userId, two copies on one page share
//   one per-page id: the same bucket, and the same rollout decision.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, ROOT } from './helpers.mjs';
import { BROWSERS, launch } from './browsers.mjs';

let server;
let doc = '{"maestro_enabled":true}';
const html = (body) => (req, res) => res.writeHead(200, { 'content-type': 'text/html' })
  .end('<!doctype html><link rel="icon" href="data:,">' + body(new URL(req.url, 'http://x').searchParams));

before(async () => {
  server = await serve(ROOT, {
    // Two copies of the ES module (two URLs, one rollout module), each with its own guard.
    '/two-limits.html': html(() => '<script type="module">'
      + 'window.changes = { a: [], b: [] };'
      + 'window.a = await import("/pkg/index.js?copy=a"); window.b = await import("/pkg/index.js?copy=b");'
      + 'a.onChange((d) => changes.a.push(d.source)); b.onChange((d) => changes.b.push(d.source));'
      + 'await a.init({ guard: { errors: 2 } }); await b.init({ guard: { errors: 1000 } }); window.ready = true;</script>'),
    // The app's ES module with a guard, then a script tag (no guard of its own: its
    // recordError() counts for every guard on the page) sharing its rollout module.
    // (window.MAESTRO_ROLLOUT makes the tag load the rollout module too.)
    '/tag-guard.html': html((q) => '<script>window.MAESTRO_ROLLOUT = "100";</script><script type="module">import * as gate from "/pkg/index.js"; window.gate = gate;'
      + ' window.changes = []; gate.onChange((d) => changes.push(d.source));'
      + ' await gate.init({ guard: { errors: 2 } });'
      + ` const tag = document.createElement("script"); tag.src = "/pkg/${q.get('file')}";`
      + ' tag.onload = () => maestroGate.init().then(() => { window.ready = true; }); document.head.append(tag);</script>'),
    // Two copies of the ES module with a rollout, on a page whose storage throws.
    '/no-storage.html': html(() => '<script type="module">'
      + 'for (const m of ["getItem", "setItem", "removeItem", "key", "clear"]) Storage.prototype[m] = () => { throw new DOMException("denied by the test", "SecurityError"); };'
      + 'if (location.search == "?empty") window["maestro-gate:id"] = "";'
      + 'const a = await import("/pkg/index.js?copy=a"), b = await import("/pkg/index.js?copy=b");'
      + 'await a.init({ rollout: 50 }); await b.init({ rollout: 50 });'
      + 'window.got = JSON.stringify([a.decision(), b.decision()]); window.id = window["maestro-gate:id"]; window.ready = true;</script>'),
    '/raise-doc': (req, res) => res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(doc),
  });
});
after(async () => { await server?.close(); });

const page = (options) => `${server.url}/tests/e2e/pages/rollout.html?options=${encodeURIComponent(JSON.stringify(options))}`;
async function open(context, url) {
  const p = await context.newPage();
  await p.goto(url);
  await p.waitForFunction(() => window.ready === true);
  return p;
}
// As JSON: over WebDriver BiDi, puppeteer drops an object nested in a frozen one.
const json = async (p, fn, arg) => JSON.parse(await p.evaluate(fn, arg));
// Waits until the copies `names` (of `window`) have joined the rollout module,
// which loads after their first decision: health().guard shows their guard.
const guarded = (p, ...names) => p.waitForFunction((names) => names.every((n) => window[n].health().guard), { arg: names.length ? names : ['gate'] });

for (const name of BROWSERS) {
  describe(name, () => {
    let browser;
    before(async () => { browser = await launch(name); });
    after(async () => { await browser?.close(); });

    test(`[${name}] the ES module: the errors-th recordError() returns with isEnabled() false and onChange told`, async () => {
      const context = await browser.newContext();
      try {
        const p = await open(context, page({ guard: { errors: 2 } }));
        await guarded(p);
        const got = await json(p, () => {
          const { gate } = window;
          gate.recordError(new Error('one'));
          const after1 = gate.isEnabled();
          gate.recordError(new Error('two'));
          // Read in the same task, before any microtask runs.
          return JSON.stringify({ after1, after2: gate.isEnabled(), changes: window.changes.length, source: gate.decision().source });
        });
        assert.deepEqual(got, { after1: true, after2: false, changes: 1, source: 'guard' });
      } finally { await context.close(); }
    });

    for (const file of ['maestro-gate.js', 'maestro-gate.full.js']) {
      test(`[${name}] ${file} sharing the rollout module: its recordError() trips the page's guard synchronously`, async () => {
        const context = await browser.newContext();
        try {
          const p = await open(context, `${server.url}/tag-guard.html?file=${file}`);
          await guarded(p);
          // The tag has no guard of its own: its first recordError() joins the
          // rollout module, and counts for the app's guard once it has.
          await p.evaluate(() => maestroGate.recordError());
          await p.waitForFunction(() => window.gate.health().guard.errors === 1);
          const got = await json(p, () => {
            const before = [window.gate.isEnabled(), maestroGate.isEnabled()];
            maestroGate.recordError();
            return JSON.stringify({ before, app: window.gate.isEnabled(), tag: maestroGate.isEnabled(),
              tagSource: maestroGate.decision().source, changes: window.changes });
          });
          assert.deepEqual(got, { before: [true, true], app: false, tag: false, tagSource: 'guard', changes: ['guard'] });
        } finally { await context.close(); }
      });
    }

    test(`[${name}] two copies sharing the rollout module: each keeps and trips at its own guard, a trip turns both off`, async () => {
      const context = await browser.newContext();
      try {
        const other = await open(context, page({ guard: { errors: 5 } })); // another tab
        const p = await open(context, `${server.url}/two-limits.html`);
        await guarded(p, 'a', 'b');
        const read = () => json(p, () => JSON.stringify({
          a: [a.isEnabled(), a.health().guard], b: [b.isEnabled(), b.health().guard], changes: window.changes,
        }));
        let s = await read();
        assert.deepEqual(s.a, [true, { errors: 0, limit: 2, windowMs: 60000 }], 'a shows its own limit');
        assert.deepEqual(s.b, [true, { errors: 0, limit: 1000, windowMs: 60000 }]);
        // b's errors count for b only.
        await p.evaluate(() => { b.recordError(); b.recordError(); });
        s = await read();
        assert.deepEqual([s.a[1].errors, s.b[1].errors], [0, 2]);
        assert.deepEqual([s.a[0], s.b[0]], [true, true]);
        // a trips at its 2nd error (not b's 1,000th), synchronously, and turns b off too.
        const sync = await json(p, () => {
          a.recordError();
          const one = a.isEnabled();
          a.recordError();
          return JSON.stringify({ one, a: a.isEnabled(), b: b.isEnabled() });
        });
        assert.deepEqual(sync, { one: true, a: false, b: false });
        s = await read();
        assert.deepEqual(s.changes, { a: ['guard'], b: ['guard'] });
        assert.equal(JSON.parse(await p.evaluate(() => JSON.stringify(a.decision()))).reason, 'Disabled by guard: 2 errors in 60 s');
        // Announced to the other tab.
        await other.waitForFunction(() => !window.gate.isEnabled(), { timeout: 10000 });
        assert.equal(JSON.parse(await other.evaluate(() => JSON.stringify(window.gate.decision()))).reason,
          'Disabled by guard: it tripped in another tab');
        assert.ok(!p.lines.some((l) => l.startsWith('pageerror')), p.lines.join('\n'));
      } finally { await context.close(); }
    });

    test(`[${name}] a trip is remembered in sessionStorage when localStorage is full, with one warning`, async () => {
      const context = await browser.newContext();
      try {
        const p = await open(context, page({ guard: { errors: 1 } }));
        await guarded(p);
        const filled = await p.evaluate(() => {
          // Fill localStorage to its quota.
          let i = 0;
          for (let n = 1 << 22; n >= 1; n >>= 1) {
            const chunk = 'x'.repeat(n);
            try { for (;;) localStorage.setItem('fill:' + i++, chunk); } catch {}
          }
          try { localStorage.setItem('probe', 'x'); return false; } catch (e) { return e.name; }
        });
        assert.ok(filled, 'localStorage is full');
        await p.evaluate(() => window.gate.recordError(new Error('boom')));
        assert.equal(await p.evaluate(() => window.gate.isEnabled()), false);
        const warnings = p.lines.filter((l) => l.startsWith('warning: [MAESTRO]'));
        assert.deepEqual(warnings, ["warning: [MAESTRO] The guard's trip could not be remembered in localStorage (full or blocked): "
          + 'kept in sessionStorage instead, so reloads of this tab start disabled for the cooldown, new tabs do not']);
        assert.ok(await p.evaluate(() => sessionStorage.getItem('maestro-gate:guard')));
        // The reload starts disabled.
        await p.reload();
        await p.waitForFunction(() => window.ready === true);
        const d = await json(p, () => JSON.stringify({ on: window.gate.isEnabled(), d: window.gate.decision() }));
        assert.equal(d.on, false);
        assert.match(d.d.reason, /^Disabled by guard: it tripped in this browser; cooling down for 30 more minutes/);
        // resetGuard() forgets it in both areas.
        assert.equal(await p.evaluate(() => window.gate.resetGuard()), true);
        assert.equal(await p.evaluate(() => sessionStorage.getItem('maestro-gate:guard')), null);
      } finally { await context.close(); }
    });

    test(`[${name}] a forged or skewed cooldown is written back capped: it ends cooldownMs after the first load that saw it`, async () => {
      const context = await browser.newContext();
      try {
        const options = { guard: { errors: 3, cooldownMs: 1500 } };
        const a = await context.newPage();
        await a.goto(`${server.url}/tests/e2e/pages/rollout.html?options=%7B%7D`);
        await a.evaluate(() => {
          localStorage.setItem('maestro-gate:guard', '99999999999999'); // a clock far ahead, or forged
          sessionStorage.setItem('maestro-gate:guard', 'forged'); // not a time at all
        });
        await a.goto(page(options)); // the same tab: its sessionStorage too
        await a.waitForFunction(() => window.ready === true);
        const s = await json(a, () => JSON.stringify({ on: window.gate.isEnabled(), reason: window.gate.decision().reason,
          local: Number(localStorage.getItem('maestro-gate:guard')), session: Number(sessionStorage.getItem('maestro-gate:guard')),
          now: Date.now() }));
        assert.equal(s.on, false);
        assert.match(s.reason, /^Disabled by guard: it tripped in this browser; cooling down for 1 more minute/);
        for (const area of ['local', 'session']) {
          assert.ok(s[area] <= s.now + 1500 && s[area] > s.now - 5000, `${area}: written back capped: ${s[area]} vs ${s.now}`);
        }
        await a.waitForTimeout(1700);
        const b = await open(context, page(options));
        assert.equal(await b.evaluate(() => window.gate.isEnabled()), true, 'the cooldown is over');
      } finally { await context.close(); }
    });

    test(`[${name}] with storage that throws and no userId, two copies on one page share the per-page id: one bucket, one decision`, async () => {
      const context = await browser.newContext();
      try {
        const buckets = new Set();
        for (let i = 0; i < 8; i++) {
          const p = await open(context, `${server.url}/no-storage.html`);
          const [a, b] = JSON.parse(await p.evaluate(() => window.got));
          assert.equal(a.rollout.stickiness, 'page');
          assert.deepEqual(b.rollout, a.rollout, `load ${i}`);
          assert.equal(b.enabled, a.enabled, `load ${i}`);
          assert.equal(b.reason, a.reason, `load ${i}`);
          buckets.add(a.rollout.bucket);
          await p.close();
        }
        // A new id for each load (eight equal buckets of 100: one chance in 10^14).
        assert.ok(buckets.size > 1, [...buckets].join());
        // An empty per-page id is none: the first copy draws one, as Unleash's page id does.
        const p = await open(context, `${server.url}/no-storage.html?empty`);
        const id = await p.evaluate(() => window.id);
        assert.equal(typeof id, 'string');
        assert.notEqual(id, '');
        const [a, b] = JSON.parse(await p.evaluate(() => window.got));
        assert.deepEqual(b.rollout, a.rollout);
      } finally { await context.close(); }
    });

    test(`[${name}] decision().rollout stays the one the decision was made with when the remote raises the percentage`, async () => {
      const context = await browser.newContext();
      try {
        doc = '{"maestro_enabled":true,"rollout":50}';
        // userId 174 in Feature.flexibleRollout.10 is bucket 10: in at 10%.
        const p = await open(context, page({ rolloutGroup: 'Feature.flexibleRollout.10', userId: '174', rollout: 10,
          remote: '/raise-doc', pollMs: 200 }));
        await p.waitForTimeout(800); // a few polls have answered 50%
        let d = await json(p, () => JSON.stringify(window.gate.decision()));
        assert.equal(d.enabled, true);
        assert.equal(d.reason, 'Enabled by rollout: bucket 10 is within 10%');
        assert.deepEqual(d.rollout, { percent: 10, bucket: 10, stickiness: 'userId' });
        assert.deepEqual(JSON.parse(await p.evaluate(() => JSON.stringify(window.gate.health().rollout))).percent, 10);
        // A lower one that turns it off is the one shown.
        doc = '{"maestro_enabled":true,"rollout":9}';
        await p.waitForFunction(() => !window.gate.isEnabled(), { timeout: 10000 });
        d = await json(p, () => JSON.stringify(window.gate.decision()));
        assert.equal(d.reason, 'Disabled by rollout: bucket 10 is above 9%');
        assert.deepEqual(d.rollout, { percent: 9, bucket: 10, stickiness: 'userId' });
        // Raised again while off: nothing changes.
        doc = '{"maestro_enabled":true,"rollout":100}';
        await p.waitForTimeout(600);
        assert.deepEqual((await json(p, () => JSON.stringify(window.gate.decision()))).rollout.percent, 9);
      } finally {
        doc = '{"maestro_enabled":true}';
        await context.close();
      }
    });
  });
}
