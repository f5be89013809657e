// Two real tabs of one origin, in the system Chromium and in Firefox: a cleanup
// in one tab clears the other's sessionStorage (which only that tab can reach),
// and the other tab's app closes its database connection when asked, so the
// delete is not left pending.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, ROOT } from './helpers.mjs';
import { BROWSERS, launch } from './browsers.mjs';

let server;
before(async () => { server = await serve(ROOT); });
after(async () => { await server?.close(); });

async function openTab(context, query = '') {
  const page = await context.newPage();
  await page.goto(server.url + '/tests/e2e/pages/tab.html' + query);
  await page.waitForFunction(() => window.ready === true);
  return page;
}

const paths = (page) => page.requests.map((u) => new URL(u).pathname);
const rollbackFetched = (page) => paths(page).some((p) => p.endsWith('/pkg/maestro_gate_rollback_bg.wasm'));

for (const name of BROWSERS) describe(name, () => {
  let browser;
  before(async () => { browser = await launch(name); });
  after(async () => { await browser?.close(); });

  test(`[${name}] clearing in one tab clears the sessionStorage of another, and counts it`, async () => {
    const context = await browser.newContext();
    try {
      const a = await openTab(context);
      const b = await openTab(context);
      await b.evaluate(async () => {
        sessionStorage.setItem('maestro:b1', 'secret');
        sessionStorage.setItem('maestro:b2', 'secret');
        sessionStorage.setItem('app:b', 'keep');
        // Tab B holds MAESTRO's database open and never closes it on versionchange.
        const open = indexedDB.open('tabs-db', 1);
        open.onupgradeneeded = () => open.result.createObjectStore('s');
        window.db = await new Promise((resolve, reject) => { open.onsuccess = () => resolve(open.result); open.onerror = () => reject(open.error); });
      });
      await a.evaluate(() => {
        sessionStorage.setItem('maestro:a1', 'secret');
        localStorage.setItem('maestro:l1', 'secret');
        localStorage.setItem('app:l', 'keep');
      });

      assert.equal(rollbackFetched(a) || rollbackFetched(b), false, 'subscribing to onCleanupRequest loads no rollback');
      assert.equal([...paths(a), ...paths(b)].some((p) => p.includes('maestro_gate_remote')), false,
        'no remote is set: the remote poll\'s module is not loaded');
      const report = await a.evaluate(() => window.gate.clearClientState({ database: 'tabs-db', log: 'silent' }));
      assert.ok(rollbackFetched(a), 'the cleanup loaded the rollback in tab A');
      assert.ok(rollbackFetched(b), 'and the request made tab B load it to answer');
      assert.equal(report.otherTabs, 1, JSON.stringify(report));
      assert.equal(report.database.outcome, 'deleted', 'tab B closed its connection when asked');
      assert.equal(report.ok, true);
      assert.deepEqual(report.sessionStorage.removed, ['maestro:a1']);
      assert.deepEqual(report.localStorage.removed, ['maestro:l1']);

      const bState = await b.evaluate(() => ({
        keys: Object.keys(sessionStorage).sort(),
        requests: window.requests,
      }));
      assert.deepEqual(bState.keys, ['app:b'], 'tab B kept its own keys and lost only the prefixed ones');
      assert.equal(bState.requests.length, 1);
      assert.equal(bState.requests[0].fromOtherTab, true);
      assert.equal(bState.requests[0].database, 'tabs-db');

      const verify = await a.evaluate(() => window.gate.verifyClientState({ database: 'tabs-db' }));
      assert.equal(verify.clean, true, JSON.stringify(verify));
      assert.deepEqual(await a.evaluate(() => localStorage.getItem('app:l')), 'keep');
    } finally {
      await context.close();
    }
  });

  test(`[${name}] a tab that loaded either script-tag file answers another tab\'s cleanup`, async () => {
    for (const query of ['', '?full']) {
      const context = await browser.newContext();
      try {
        const a = await openTab(context);
        const b = await context.newPage();
        await b.goto(server.url + '/tests/e2e/pages/tag.html' + query);
        await b.waitForFunction(() => window.ready === true);
        // B's rollback module loaded before A asks (verifyClientState loads it):
        // a tab answers within the cleanup's 1 s window, and fetching and
        // compiling the module cold can take longer on a busy machine (this
        // counted 0 tabs once in a fresh-clone CI run).
        await b.evaluate(() => window.maestroGate.verifyClientState());
        await b.evaluate(() => {
          sessionStorage.setItem('maestro:tag', 'secret');
          sessionStorage.setItem('app:tag', 'keep');
        });
        const report = await a.evaluate(() => window.gate.clearClientState({ database: 'tabs-db-tag', log: 'silent' }));
        assert.equal(report.otherTabs, 1, `${query}: ${JSON.stringify(report)}`);
        const bState = await b.evaluate(() => ({ keys: Object.keys(sessionStorage).sort(), requests: window.requests }));
        assert.deepEqual(bState.keys, ['app:tag'], query);
        assert.equal(bState.requests.length, 1, query);
        assert.equal(bState.requests[0].fromOtherTab, true, query);
      } finally {
        await context.close();
      }
    }
  });

  test(`[${name}] two cleanups at once in one tab each count the other tab's answer`, async () => {
    const context = await browser.newContext();
    try {
      const a = await openTab(context);
      await openTab(context);
      const reports = await a.evaluate(() => Promise.all([
        window.gate.clearClientState({ database: 'tabs-db-twice-1', log: 'silent' }),
        window.gate.clearClientState({ database: 'tabs-db-twice-2', log: 'silent' }),
      ]));
      assert.deepEqual(reports.map((r) => r.otherTabs), [1, 1], JSON.stringify(reports));
    } finally {
      await context.close();
    }
  });

  test(`[${name}] allTabs: false leaves other tabs alone`, async () => {
    const context = await browser.newContext();
    try {
      const a = await openTab(context);
      const b = await openTab(context);
      await b.evaluate(() => sessionStorage.setItem('maestro:b1', 'secret'));
      const report = await a.evaluate(() => window.gate.clearClientState({ database: 'tabs-db-2', allTabs: false, log: 'silent' }));
      assert.equal(report.otherTabs, 0);
      assert.deepEqual(await b.evaluate(() => Object.keys(sessionStorage)), ['maestro:b1']);
    } finally {
      await context.close();
    }
  });

  // A cleanup's glue is js/extras.js (pkg/maestro_gate_extras.js), loaded on
  // demand: when it cannot load, the entry's own fallback answers.
  test(`[${name}] a cleanup whose extras chunk cannot load resolves "unavailable", warns once and throws nothing`, async () => {
    const broken = await serve(ROOT, { '/pkg/maestro_gate_extras.js': (req, res) => res.writeHead(404).end('not found') });
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(broken.url + '/tests/e2e/pages/tab.html');
      await page.waitForFunction(() => window.ready === true);
      const out = await page.evaluate(async () => {
        let rejected = false;
        addEventListener('unhandledrejection', () => { rejected = true; });
        localStorage.setItem('maestro:left', '1');
        sessionStorage.setItem('maestro:left', '1');
        const out = { threw: null };
        try {
          out.report = await window.gate.clearClientState({ database: 'extras-db', allTabs: false });
          out.silent = await window.gate.clearClientState({ log: 'silent' });
          out.verify = await window.gate.verifyClientState({ database: 'extras-db' });
          out.verifyDefault = await window.gate.verifyClientState();
        } catch (e) {
          out.threw = String(e);
        }
        await new Promise((r) => setTimeout(r, 50));
        return { ...out, rejected, on: window.gate.isEnabled(), source: window.gate.decision().source, told: window.requests.length,
          left: [localStorage.getItem('maestro:left'), sessionStorage.getItem('maestro:left')] };
      });
      assert.equal(out.threw, null);
      assert.equal(out.rejected, false);
      const why = out.report.database.error;
      assert.match(why, /^maestro-gate's extras module could not be loaded: /);
      const area = { outcome: 'unavailable', removed: [], failed: [], error: why };
      assert.deepEqual(out.report, {
        ok: false, database: { name: 'extras-db', outcome: 'unavailable', blocked: false, error: why },
        localStorage: area, sessionStorage: area, otherTabs: 0,
      });
      assert.equal(out.silent.ok, false);
      assert.equal(out.silent.database.name, 'maestro_secrets');
      assert.equal(out.silent.database.outcome, 'unavailable');
      assert.deepEqual(out.verify, { database: { name: 'extras-db', exists: null }, localStorageKeys: null, sessionStorageKeys: null, clean: null });
      assert.deepEqual(out.verifyDefault.database, { name: 'maestro_secrets', exists: null });
      assert.deepEqual(out.left, ['1', '1'], 'nothing was removed');
      assert.equal(out.told, 0, 'no cleanup ran, so no onCleanupRequest subscriber was told');
      assert.equal(out.on, true, 'the decision stands');
      assert.equal(out.source, 'default');
      // One warning (the second call is silent, verifyClientState never warns);
      // the rest of the console is the browser's own report of the 404.
      assert.deepEqual(page.lines.filter((l) => l.includes('[MAESTRO]')), [`warning: [MAESTRO] Cleanup unavailable: ${why}`]);
      assert.equal(paths(page).some((p) => p.includes('maestro_gate_rollback')), false, 'without its glue, no rollback module was fetched');
    } finally {
      await context.close();
      await broken.close();
    }
  });

  test(`[${name}] another tab whose rollback module cannot load still closes its connection, from the gate`, async () => {
    const context = await browser.newContext();
    try {
      const a = await openTab(context);
      const b = await openTab(context, '?rollback=/no-such-rollback.wasm');
      await b.evaluate(async () => {
        sessionStorage.setItem('maestro:b1', 'secret');
        const open = indexedDB.open('tabs-db-3', 1);
        open.onupgradeneeded = () => open.result.createObjectStore('s');
        window.db = await new Promise((resolve, reject) => { open.onsuccess = () => resolve(open.result); open.onerror = () => reject(open.error); });
      });
      const report = await a.evaluate(() => window.gate.clearClientState({ database: 'tabs-db-3', log: 'silent' }));
      assert.equal(report.database.outcome, 'deleted', 'B closed its connection although its rollback failed: ' + JSON.stringify(report));
      assert.equal(report.otherTabs, 0, 'B could not sweep, so it is not counted');
      const bState = await b.evaluate(() => ({ requests: window.requests, keys: Object.keys(sessionStorage) }));
      assert.equal(bState.requests.length, 1);
      assert.equal(bState.requests[0].fromOtherTab, true);
      assert.deepEqual(bState.keys, ['maestro:b1'], 'without its rollback module, B could not sweep');
      assert.equal(await b.evaluate(() => window.gate.isEnabled()), true, 'and its gate is unharmed');
    } finally {
      await context.close();
    }
  });
});
