// The gradual rollout and the error guard (issue 11), in the system Chromium
// and in Firefox, through pkg/: the bucket is Unleash's (a known vector: group
// Feature.flexibleRollout.10, userId 174 is bucket 10, in at 10% and out at
// 9%), sticky across loads through the id kept in localStorage (which a
// client-state cleanup leaves alone), the smallest percentage wins, an
// invalid one fails safe; a page without a rollout never loads the rollout
// module. The guard turns the gate off at its limit in every tab, stays off
// across reloads for the cooldown until resetGuard(), counts only the errors
// that guard.match names, and a rollout module that cannot load fails safe.
// Also the cut of a huge invalid value in the gate's lines (issue 13).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, ROOT } from './helpers.mjs';
import { BROWSERS, launch } from './browsers.mjs';

let server;
let doc = '{"maestro_enabled":true}';
before(async () => {
  server = await serve(ROOT, {
    // MAESTRO's own chunk, which throws when loaded; and the app's.
    '/maestro-chunk.js': (req, res) => res.writeHead(200, { 'content-type': 'text/javascript' })
      .end('throw new Error("MAESTRO failed")'),
    '/app-chunk.js': (req, res) => res.writeHead(200, { 'content-type': 'text/javascript' })
      .end('throw new Error("the app failed")'),
    '/tag-rollout.html': (req, res) => {
      const file = new URL(req.url, 'http://x').searchParams.get('file');
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><link rel="icon" href="data:,">'
        + '<script>window.MAESTRO_ROLLOUT = "0";</script>'
        + `<script src="/pkg/${file}"></script>`
        + '<script>window.sync = maestroGate.isEnabled(); maestroGate.init().then((d) => { window.decided = d; });</script>');
    },
    '/tag-plain.html': (req, res) => {
      const file = new URL(req.url, 'http://x').searchParams.get('file');
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><link rel="icon" href="data:,">'
        + `<script src="/pkg/${file}"></script><script>maestroGate.init().then(() => { window.ready = true; });</script>`);
    },
    '/tag-huge.html': (req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><link rel="icon" href="data:,">'
      + '<script>window.MAESTRO_ENABLED = new Array(100000).fill(1);</script><script src="/pkg/maestro-gate.js"></script>'
      + '<script>window.reason = maestroGate.decision().reason;</script>'),
    // Two copies of the gate that share the rollout module (one URL): the
    // app's ES module with a guard, and an ops team's script tag.
    '/two-copies.html': (req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><link rel="icon" href="data:,">'
      + '<script>window.MAESTRO_ROLLOUT = "100";</script>'
      + '<script type="module">import * as gate from "/pkg/index.js"; window.gate = gate;'
      + ' window.app = await gate.init({ userId: "174", rolloutGroup: "Feature.flexibleRollout.10", rollout: 10, guard: { errors: 2 } });'
      + ' const tag = document.createElement("script"); tag.src = "/pkg/maestro-gate.js";'
      + ' tag.onload = () => maestroGate.init().then((d) => { window.tag = d; }); document.head.append(tag);</script>'),
    // Two copies of the gate's ES module (two URLs, one rollout module), each with a guard.match.
    '/two-guards.html': (req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><link rel="icon" href="data:,">'
      + '<script type="module">const options = { guard: { errors: 2, match: /maestro-chunk/ } };'
      + ' window.a = await import("/pkg/index.js?copy=a"); window.b = await import("/pkg/index.js?copy=b");'
      + ' await window.a.init(options); await window.b.init(options); window.ready = true;</script>'),
    '/rollout-doc': (req, res) => res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(doc),
  });
});
after(async () => { await server?.close(); });

const url = (options, extra = '') => `${server.url}/tests/e2e/pages/rollout.html?options=${encodeURIComponent(JSON.stringify(options))}${extra}`;

async function open(context, options, extra) {
  const page = await context.newPage();
  await page.goto(url(options, extra));
  await page.waitForFunction(() => window.ready === true);
  return page;
}

// As JSON: over WebDriver BiDi, puppeteer drops an object nested in a frozen one.
const state = async (page) => JSON.parse(await page.evaluate(() => JSON.stringify({
  decided: window.decided, decision: window.gate.decision(), health: window.gate.health(),
  enabled: window.gate.isEnabled(), changes: window.changes, problems: window.problems,
})));
const rolloutFiles = (page) => page.requests.filter((u) => u.includes('maestro_gate_rollout'));
const SPEC = { rolloutGroup: 'Feature.flexibleRollout.10', userId: '174', log: 'info' };
// Waits until the copies `names` (of `window`) have joined the rollout module,
// which a page with a guard loads after its first decision: health().guard shows it.
const guarded = (page, ...names) => page.waitForFunction((names) => names.every((n) => window[n].health().guard), { arg: names.length ? names : ['gate'] });

for (const name of BROWSERS) {
  describe(name, () => {
    let browser;
    before(async () => { browser = await launch(name); });
    after(async () => { await browser?.close(); });

    test(`[${name}] the bucket is Unleash's: userId 174 in Feature.flexibleRollout.10 is in at 10%, out at 9%`, async () => {
      const context = await browser.newContext();
      try {
        let page = await open(context, { ...SPEC, rollout: 10 });
        let s = await state(page);
        assert.equal(s.enabled, true);
        assert.equal(s.decision.source, 'rollout');
        assert.equal(s.decision.reason, 'Enabled by rollout: bucket 10 is within 10%');
        assert.deepEqual(s.decision.rollout, { percent: 10, bucket: 10, stickiness: 'userId' });
        assert.deepEqual(s.health.rollout, { percent: 10, bucket: 10, stickiness: 'userId' });
        assert.ok(page.lines.includes('info: [MAESTRO] Enabled by rollout: bucket 10 is within 10%'), page.lines.join('\n'));
        page = await open(context, { ...SPEC, rollout: '9%' });
        s = await state(page);
        assert.equal(s.enabled, false);
        assert.equal(s.decision.reason, 'Disabled by rollout: bucket 10 is above 9%');
        assert.equal(s.health.status, 'disabled');
        assert.deepEqual(s.problems, []);
      } finally { await context.close(); }
    });

    test(`[${name}] an anonymous id is kept in localStorage (not maestro:), so the bucket survives a reload and a cleanup`, async () => {
      const context = await browser.newContext();
      try {
        const page = await open(context, { rollout: 100 });
        const first = await state(page);
        assert.equal(first.decision.rollout.stickiness, 'localStorage');
        const id = await page.evaluate(() => localStorage.getItem('maestro-gate:id'));
        assert.match(id, /^[0-9a-f]{32}$/);
        await page.evaluate(() => window.gate.clearClientState());
        assert.equal(await page.evaluate(() => localStorage.getItem('maestro-gate:id')), id);
        const again = await open(context, { rollout: 100 });
        assert.equal((await state(again)).decision.rollout.bucket, first.decision.rollout.bucket);
      } finally { await context.close(); }
    });

    test(`[${name}] the smallest percentage wins, and an invalid one fails safe with a warning`, async () => {
      const context = await browser.newContext();
      try {
        let page = await open(context, { ...SPEC, rollout: 50, env: { VITE_MAESTRO_ROLLOUT: '100' } }, '&runtime=9');
        let s = await state(page);
        assert.equal(s.decision.reason, 'Disabled by rollout: bucket 10 is above 9%');
        page = await open(context, { ...SPEC, env: { VITE_MAESTRO_ROLLOUT: '25.5' } });
        s = await state(page);
        assert.equal(s.enabled, false);
        assert.equal(s.decision.source, 'rollout');
        assert.match(s.decision.reason, /^Disabled \(fail safe\): invalid VITE_MAESTRO_ROLLOUT="25.5"/);
        assert.ok(page.lines.some((l) => /^warn(ing)?: \[MAESTRO\] Disabled \(fail safe\): invalid VITE_MAESTRO_ROLLOUT/.test(l)), page.lines.join('\n'));
        // Off still wins: no rollout turns MAESTRO on.
        page = await open(context, { ...SPEC, rollout: 100, defaultEnabled: false });
        s = await state(page);
        assert.equal(s.enabled, false);
        assert.equal(s.decision.source, 'default');
      } finally { await context.close(); }
    });

    test(`[${name}] a lower percentage in the remote document turns off, live, every tab whose bucket is now out`, async () => {
      const context = await browser.newContext();
      try {
        doc = '{"maestro_enabled":true,"rollout":10}';
        const options = { ...SPEC, remote: '/rollout-doc', pollMs: 200 };
        const a = await open(context, options);
        const b = await open(context, options);
        await a.waitForTimeout(600);
        assert.equal((await state(a)).enabled, true, 'bucket 10 is within 10%');
        doc = '{"maestro_enabled":true,"rollout":"9%"}';
        for (const page of [a, b]) {
          await page.waitForFunction(() => !window.gate.isEnabled(), { timeout: 10000 });
          const s = await state(page);
          assert.equal(s.decision.source, 'rollout');
          assert.equal(s.decision.reason, 'Disabled by rollout: bucket 10 is above 9%');
          assert.equal(s.changes.length, 1);
        }
        // Raising it again changes nothing until the next load (latching).
        doc = '{"maestro_enabled":true,"rollout":100}';
        await a.waitForTimeout(600);
        assert.equal((await state(a)).enabled, false);
        // An invalid one fails safe.
        doc = '{"maestro_enabled":true,"rollout":"half"}';
        const c = await open(context, { ...options, rollout: 100 });
        await c.waitForFunction(() => !window.gate.isEnabled(), { timeout: 10000 });
        assert.match((await state(c)).decision.reason, /^Disabled \(fail safe\): invalid remote rollout="half"/);
        assert.deepEqual((await state(c)).problems, []);
      } finally {
        doc = '{"maestro_enabled":true}';
        await context.close();
      }
    });

    test(`[${name}] the script tags read window.MAESTRO_ROLLOUT, and decide once the rollout module is there`, async () => {
      const context = await browser.newContext();
      try {
        for (const file of ['maestro-gate.js', 'maestro-gate.full.js']) {
          const page = await context.newPage();
          await page.goto(`${server.url}/tag-rollout.html?file=${file}`);
          await page.waitForFunction(() => window.decided !== undefined);
          const s = JSON.parse(await page.evaluate(() => JSON.stringify({ sync: window.sync, decided: window.decided, now: maestroGate.decision() })));
          assert.equal(s.sync, false, `${file}: not on before the rollout is known`);
          assert.equal(s.decided.source, 'rollout', file);
          assert.match(s.decided.reason, /^Disabled by rollout: bucket \d+ is above 0%$/, file);
          assert.equal(s.now.enabled, false);
        }
      } finally { await context.close(); }
    });

    test(`[${name}] a huge invalid value: the line shows its first 64 characters and its length (issue 13)`, async () => {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(`${server.url}/tests/e2e/pages/rollout.html?options=%7B%7D&ready=no`);
        const reasons = JSON.parse(await page.evaluate(async () => {
          const out = [];
          // ES module: a 10 MB flag value; the script tag: an object whose String() is long.
          const { init } = await import('/pkg/index.js?huge');
          window.MAESTRO_ENABLED = 'y'.repeat(10_000_000);
          out.push((await init({ log: 'warn' })).reason);
          return JSON.stringify(out);
        }));
        const cut = 'y'.repeat(64) + '… (10000000 characters)';
        assert.equal(reasons[0], `Disabled (fail safe): invalid window.MAESTRO_ENABLED="${cut}"; accepted: true/false, 1/0, yes/no, on/off (blank means unset)`);
        assert.ok(page.lines.some((l) => l.includes(cut) && l.length < 400), page.lines.join('\n').slice(0, 2000));
        const tag = await context.newPage();
        await tag.goto(`${server.url}/tag-huge.html`);
        await tag.waitForFunction(() => window.reason !== undefined);
        const reason = await tag.evaluate(() => window.reason);
        assert.equal(reason, `Disabled (fail safe): invalid window.MAESTRO_ENABLED=${'1,'.repeat(32)}… (199999 characters); accepted: true/false, 1/0, yes/no, on/off (blank means unset)`);
      } finally { await context.close(); }
    });

    test(`[${name}] the longest string a page can make, set live, turns every shipped file off and throws nothing (issue 13 #9)`, async () => {
      // 2**29 - 24 characters: V8's limit (Firefox's is about twice that).
      // maestro-gate.full.js used to copy it into wasm memory and trap.
      const N = 2 ** 29 - 24;
      const context = await browser.newContext();
      try {
        for (const file of ['maestro-gate.js', 'maestro-gate.full.js', 'index.js']) {
          const page = await context.newPage();
          if (file === 'index.js') await page.goto(`${server.url}/tests/e2e/pages/rollout.html?options=%7B%7D`);
          else await page.goto(`${server.url}/tag-plain.html?file=${file}`);
          await page.waitForFunction(() => window.ready === true);
          const got = JSON.parse(await page.evaluate((n) => {
            const gate = window.gate || window.maestroGate;
            const on = gate.isEnabled();
            let threw = null;
            try { window.MAESTRO_ENABLED = 'x'.repeat(n); } catch (e) { threw = String(e); }
            const d = gate.decision();
            const out = JSON.stringify({ on, threw, now: gate.isEnabled(), enabled: d.enabled, reason: d.reason });
            window.MAESTRO_ENABLED = false; // let the string go
            return out;
          }, N));
          const cut = 'x'.repeat(64) + `… (${N} characters)`;
          assert.deepEqual(got, {
            on: true, threw: null, now: false, enabled: false,
            reason: `Disabled (fail safe): invalid window.MAESTRO_ENABLED="${cut}"; accepted: true/false, 1/0, yes/no, on/off (blank means unset)`,
          }, file);
          assert.deepEqual(page.lines.filter((l) => l.startsWith('pageerror')), [], file);
        }
      } finally { await context.close(); }
    });

    test(`[${name}] a page without a rollout or a guard never loads the rollout module`, async () => {
      const context = await browser.newContext();
      try {
        const page = await open(context, { log: 'silent' });
        assert.equal((await state(page)).enabled, true);
        assert.deepEqual(rolloutFiles(page), []);
      } finally { await context.close(); }
    });

    test(`[${name}] a guard that is undefined, null or false, and a remote or unleash that is undefined, null or false (a config without one), is none: nothing loads for it, before or after the decision`, async () => {
      const context = await browser.newContext();
      try {
        for (const [options, extra] of [
          [{ log: 'silent' }, '&undefined=guard'], [{ log: 'silent', guard: null }], [{ log: 'silent', guard: false }],
          [{ log: 'silent' }, '&undefined=remote,unleash'], [{ log: 'silent', remote: null, unleash: null }],
          [{ log: 'silent', remote: false, unleash: false }],
        ]) {
          const page = await open(context, options, extra);
          const s = await state(page);
          const what = JSON.stringify(options) + (extra || '');
          assert.deepEqual([s.enabled, s.decision.reason, s.health.guard], [true, 'Enabled (default)', null], what);
          // Two errors counted: no guard trips (nor loads).
          await page.evaluate(() => { window.gate.recordError(new Error('one')); window.gate.recordError(new Error('two')); });
          await new Promise((r) => setTimeout(r, 300));
          assert.equal(await page.evaluate(() => window.gate.isEnabled()), true, what);
          // The gate's entry and .wasm only: no extras chunk, no first-answer or narrowing build, no rollout or remote module.
          const files = page.requests.map((u) => new URL(u).pathname).filter((p) => p.startsWith('/pkg/'));
          assert.ok(!files.some((p) => /maestro_gate_(extras|answer|narrow|rollout|remote)/.test(p)), what + '\n' + files.join('\n'));
          assert.ok(files.includes('/pkg/maestro_gate_bg.wasm'), what + '\n' + files.join('\n'));
          assert.deepEqual(s.problems, [], what);
          await page.close();
        }
      } finally { await context.close(); }
    });

    test(`[${name}] a page with a rollout (no guard, no remote) narrows with the first-answer module's narrowing build and never loads the rollout module`, async () => {
      const context = await browser.newContext();
      try {
        const page = await open(context, { ...SPEC, rollout: 10 });
        const s = await state(page);
        assert.equal(s.decision.reason, 'Enabled by rollout: bucket 10 is within 10%');
        // (No document to read: the build without its reading, not the whole first-answer module.)
        assert.ok(page.requests.some((u) => u.includes('maestro_gate_narrow_bg.wasm')), page.requests.join('\n'));
        assert.ok(!page.requests.some((u) => /maestro_gate_answer(_unleash)?(_slim)?_bg\.wasm/.test(u)), page.requests.join('\n'));
        assert.deepEqual(rolloutFiles(page), []);
      } finally { await context.close(); }
    });

    test(`[${name}] a rollout module that cannot load fails safe (the first-answer module before the decision, the guard's after it)`, async () => {
      const context = await browser.newContext();
      try {
        let page = await open(context, { rollout: 100, answerWasm: '/missing.wasm' });
        let s = await state(page);
        assert.equal(s.enabled, false);
        assert.match(s.decision.reason, /^Disabled \(fail safe\): maestro-gate's rollout module could not be loaded/);
        assert.deepEqual(s.problems, []);
        // A guard that cannot count (its module loads after the decision) turns the page off.
        page = await open(context, { guard: { errors: 2 }, rolloutWasm: '/missing.wasm' });
        await page.waitForFunction(() => !window.gate.isEnabled());
        s = await state(page);
        assert.match(s.decision.reason, /^Disabled \(fail safe\): maestro-gate's rollout module could not be loaded/);
        assert.equal(s.decided.enabled, true, 'the first decision did not wait for it');
        assert.deepEqual(s.problems, []);
      } finally { await context.close(); }
    });

    test(`[${name}] resetGuard() before init({ guard }): it forgets a remembered trip, and the guard still counts, and trips`, async () => {
      const context = await browser.newContext();
      try {
        const options = { guard: { errors: 1, windowMs: 60000 } };
        let page = await open(context, options, '&resetFirst');
        assert.equal(await page.evaluate(() => window.reset), false, 'no trip was remembered');
        await guarded(page);
        assert.equal((await state(page)).health.guard.limit, 1);
        await page.evaluate(() => window.gate.recordError(new Error('one')));
        let s = await state(page);
        assert.equal(s.enabled, false);
        assert.equal(s.decision.reason, 'Disabled by guard: 1 error in 60 s');
        // (resetGuard() asks the rollout module alone: no first-answer module before init().)
        assert.ok(page.requests.some((u) => u.includes('maestro_gate_narrow_bg.wasm')), page.requests.join('\n'));
        assert.ok(!page.requests.some((u) => /maestro_gate_answer(_unleash)?(_slim)?_bg\.wasm/.test(u)), page.requests.join('\n'));
        await page.close();
        // The trip is remembered: a resetGuard() before the next load's init() forgets it.
        page = await open(context, options, '&resetFirst');
        assert.equal(await page.evaluate(() => window.reset), true, 'the trip was remembered');
        s = await state(page);
        assert.equal(s.enabled, true, s.decision.reason);
        await guarded(page);
        await page.evaluate(() => window.gate.recordError(new Error('again')));
        assert.equal((await state(page)).enabled, false);
      } finally { await context.close(); }
    });

    test(`[${name}] a page whose first-answer module cannot load (it fails safe) can still forget a remembered trip`, async () => {
      const context = await browser.newContext();
      try {
        let page = await open(context, {});
        await page.evaluate(() => localStorage.setItem('maestro-gate:guard', String(Date.now() + 600000)));
        await page.close();
        page = await open(context, { guard: { errors: 1 }, answerWasm: '/missing.wasm' });
        const s = await state(page);
        assert.equal(s.enabled, false);
        assert.match(s.decision.reason, /^Disabled \(fail safe\): maestro-gate's rollout module could not be loaded/);
        assert.equal(await page.evaluate(() => window.gate.resetGuard()), true);
        assert.equal(await page.evaluate(() => localStorage.getItem('maestro-gate:guard')), null);
      } finally { await context.close(); }
    });

    test(`[${name}] a resetGuard() right after errors counted before the copy joined clears them`, async () => {
      const context = await browser.newContext();
      try {
        const page = await open(context, { guard: { errors: 3, windowMs: 60000 } }, '&errorsThenReset');
        assert.equal(await page.evaluate(() => window.reset), false);
        await guarded(page);
        const s = await state(page);
        assert.equal(s.health.guard.errors, 0, JSON.stringify(s.health.guard));
        assert.equal(s.enabled, true);
      } finally { await context.close(); }
    });

    test(`[${name}] the guard trips at its limit, in every tab, and is remembered until resetGuard()`, async () => {
      const context = await browser.newContext();
      try {
        const options = { guard: { errors: 2, windowMs: 60000 } };
        const a = await open(context, options);
        const b = await open(context, options);
        await guarded(a);
        assert.equal((await state(a)).enabled, true);
        await a.evaluate(() => window.gate.recordError(new Error('one')));
        assert.equal((await state(a)).enabled, true);
        assert.equal((await state(a)).health.guard.errors, 1);
        await a.evaluate(() => window.gate.recordError(new Error('two')));
        const s = await state(a);
        assert.equal(s.enabled, false);
        assert.equal(s.decision.source, 'guard');
        assert.equal(s.decision.reason, 'Disabled by guard: 2 errors in 60 s');
        assert.equal(s.changes.length, 1, 'onChange heard the trip');
        assert.ok(a.lines.includes('info: [MAESTRO] Disabled by guard: 2 errors in 60 s'), a.lines.join('\n'));
        await b.waitForFunction(() => !window.gate.isEnabled());
        assert.equal((await state(b)).decision.reason, 'Disabled by guard: it tripped in another tab');
        // A reload starts disabled for the cooldown.
        const c = await open(context, options);
        const cs = await state(c);
        assert.equal(cs.enabled, false);
        assert.match(cs.decision.reason, /^Disabled by guard: it tripped in this browser; cooling down for 30 more minutes/);
        assert.equal(await c.evaluate(() => window.gate.resetGuard()), true);
        const d = await open(context, options);
        assert.equal((await state(d)).enabled, true);
      } finally { await context.close(); }
    });

    test(`[${name}] two copies sharing the rollout module: each has its own bucket, and a trip turns both off`, async () => {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(`${server.url}/two-copies.html`);
        await page.waitForFunction(() => window.tag !== undefined);
        const read = async () => JSON.parse(await page.evaluate(() => JSON.stringify({
          app: window.gate.decision(), tag: window.tag, appOn: window.gate.isEnabled(), tagOn: maestroGate.isEnabled(),
        })));
        let s = await read();
        assert.equal(s.app.reason, 'Enabled by rollout: bucket 10 is within 10%');
        assert.equal(s.app.rollout.stickiness, 'userId');
        // The tag has no userId: its bucket is this browser's anonymous one, not the app's.
        assert.equal(s.tag.source, 'rollout');
        assert.equal(s.tag.rollout.stickiness, 'localStorage');
        assert.equal(s.tag.rollout.percent, 100);
        assert.deepEqual([s.appOn, s.tagOn], [true, true]);
        await page.evaluate(() => { window.gate.recordError(new Error('one')); window.gate.recordError(new Error('two')); });
        await page.waitForFunction(() => !window.gate.isEnabled() && !maestroGate.isEnabled());
        s = await read();
        assert.equal(s.app.source, 'guard');
        assert.equal(JSON.parse(await page.evaluate(() => JSON.stringify(maestroGate.decision()))).source, 'guard');
        assert.ok(!page.lines.some((l) => l.startsWith('pageerror')), page.lines.join('\n'));
      } finally { await context.close(); }
    });

    test(`[${name}] two copies with a guard.match count one error event once`, async () => {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(`${server.url}/two-guards.html`);
        await page.waitForFunction(() => window.ready === true);
        await guarded(page, 'a', 'b');
        const load = () => page.evaluate(() => new Promise((resolve) => {
          const s = document.createElement('script');
          s.src = '/maestro-chunk.js?' + Math.random();
          s.onload = s.onerror = resolve;
          document.head.append(s);
        }));
        const read = async () => JSON.parse(await page.evaluate(() => JSON.stringify({
          a: window.a.isEnabled(), b: window.b.isEnabled(), errors: window.a.health().guard.errors,
        })));
        await load();
        assert.deepEqual(await read(), { a: true, b: true, errors: 1 }, 'one event, one error');
        await load();
        await page.waitForFunction(() => !window.a.isEnabled() && !window.b.isEnabled());
        assert.equal(JSON.parse(await page.evaluate(() => JSON.stringify(window.b.decision()))).reason, 'Disabled by guard: 2 errors in 60 s');
      } finally { await context.close(); }
    });

    test(`[${name}] guard.match counts MAESTRO's own errors and never the app's`, async () => {
      const context = await browser.newContext();
      try {
        const page = await open(context, { guard: { errors: 1, match: 're:maestro-chunk' } });
        await guarded(page);
        const load = (src) => page.evaluate((src) => new Promise((resolve) => {
          const s = document.createElement('script');
          s.src = src;
          s.onload = s.onerror = resolve;
          document.head.append(s);
        }), src);
        await load('/app-chunk.js');
        assert.equal((await state(page)).enabled, true, 'the app\'s own error does not count');
        await load('/maestro-chunk.js');
        await page.waitForFunction(() => !window.gate.isEnabled());
        assert.equal((await state(page)).decision.source, 'guard');
      } finally { await context.close(); }
    });

    test(`[${name}] bad guard options fail safe with a clear reason`, async () => {
      const context = await browser.newContext();
      try {
        const page = await open(context, { guard: { errors: 'five' } });
        const s = await state(page);
        assert.equal(s.enabled, false);
        assert.equal(s.decision.source, 'guard');
        assert.equal(s.decision.reason, 'Disabled (fail safe): invalid guard.errors="five"; accepted: an integer from 1 to 1000');
        assert.deepEqual(s.problems, []);
      } finally { await context.close(); }
    });
  });
}
