// Issue 18: clearClientState and verifyClientState given a revoked or
// throwing Proxy as an option's value, or as the options object itself,
// settle with an error outcome and throw nothing into the page, through
// pkg/ (the ES module and both script tags), in the system Chromium and in
// Firefox.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, ROOT } from './helpers.mjs';
import { BROWSERS, launch } from './browsers.mjs';

let server;
before(async () => {
  server = await serve(ROOT, {
    '/tag-cleanup.html': (req, res) => {
      const file = new URL(req.url, 'http://x').searchParams.get('file');
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><link rel="icon" href="data:,">'
        + '<script>window.problems = []; addEventListener("error", (e) => problems.push("error: " + e.message));'
        + ' addEventListener("unhandledrejection", (e) => problems.push("unhandledrejection: " + e.reason));</script>'
        + `<script src="/pkg/${file}"></script>`
        + '<script>window.gate = maestroGate; maestroGate.init().then(() => { window.ready = true; });</script>');
    },
  });
});
after(async () => { await server?.close(); });

// Runs in the page: every case, each export, each raced against a timer.
function run() {
  const revoked = () => { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy; };
  const boom = () => { throw new Error('trap'); };
  const throwing = () => new Proxy({}, { get: boom, has: boom, ownKeys: boom, getOwnPropertyDescriptor: boom, getPrototypeOf: boom });
  const cases = [];
  for (const [kind, make] of [['revoked', revoked], ['throwing', throwing]]) {
    for (const key of ['database', 'prefix', 'sessionStorage', 'blockedTimeoutMs', 'allTabs', 'log']) {
      cases.push([`${key}: ${kind} Proxy`, key, () => ({ [key]: make(), allTabs: key === 'allTabs' ? make() : false })]);
    }
    cases.push([`options: ${kind} Proxy`, 'options', make]);
  }
  const settle = (f) => {
    let p;
    try { p = f(); } catch (e) { return Promise.resolve({ threw: String(e) }); }
    return Promise.race([
      Promise.resolve(p).then((r) => ({ value: JSON.parse(JSON.stringify(r)) }), (e) => ({ rejected: String(e) })),
      new Promise((r) => setTimeout(() => r({ unsettled: true }), 5000)),
    ]);
  };
  return Promise.all(cases.map(async ([label, key, options]) => ({
    label, key,
    clear: await settle(() => window.gate.clearClientState(options())),
    verify: await settle(() => window.gate.verifyClientState(options())),
  }))).then((r) => JSON.stringify(r));
}

for (const name of BROWSERS) {
  describe(name, () => {
    let browser;
    before(async () => { browser = await launch(name); });
    after(async () => { await browser?.close(); });

    for (const file of ['index.js', 'maestro-gate.js', 'maestro-gate.full.js']) {
      test(`[${name}] ${file}: a revoked or throwing Proxy in the options settles both exports with an error outcome, throwing nothing`, async () => {
        const context = await browser.newContext();
        try {
          const page = await context.newPage();
          await page.goto(file === 'index.js'
            ? `${server.url}/tests/e2e/pages/rollout.html?options=%7B%22log%22%3A%22silent%22%7D`
            : `${server.url}/tag-cleanup.html?file=${file}`);
          await page.waitForFunction(() => window.ready === true);
          await page.evaluate(() => { localStorage.setItem('maestro:kept', 'v'); });
          const results = JSON.parse(await page.evaluate(run));
          assert.equal(results.length, 14);
          for (const { label, key, clear, verify } of results) {
            assert.ok(clear.value && verify.value, `${label}: settles with a report: ${JSON.stringify({ clear, verify })}`);
            const c = clear.value;
            const v = verify.value;
            assert.equal(typeof c.ok, 'boolean', label);
            // An option that cannot be read is refused: that part is an error, and nothing of it is touched.
            const part = { database: 'database', prefix: 'localStorage', sessionStorage: 'sessionStorage', options: 'database' }[key];
            if (part) {
              assert.equal(c.ok, false, `${label}: ${JSON.stringify(c)}`);
              assert.equal(c[part].outcome, 'error', `${label}: ${JSON.stringify(c)}`);
              // (verifyClientState reads only database and prefix.)
              if (key !== 'sessionStorage') assert.equal(v.clean, null, `${label}: ${JSON.stringify(v)}`);
            }
          }
          // What an unreadable database or prefix names was not removed.
          assert.equal(await page.evaluate(() => localStorage.getItem('maestro:kept')), null,
            'the cases with readable options cleaned up as asked');
          assert.deepEqual(await page.evaluate(() => window.problems), []);
          assert.deepEqual(page.lines.filter((l) => l.startsWith('pageerror')), []);
        } finally { await context.close(); }
      });
    }
  });
}
