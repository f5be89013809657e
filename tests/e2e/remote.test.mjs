// The remote kill, in the system Chromium and in Firefox: a health document
// that turns off reaches every open tab (one tab's fetch is shared over
// BroadcastChannel), latching holds until reload, and a broken remote changes
// nothing. Then the script-tag files, served as from a CDN.
import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { serve, ROOT } from './helpers.mjs';
import { BROWSERS, launch } from './browsers.mjs';

let server;
let health = { status: 'enabled', maestro_enabled: true };
let mode = 'json'; // json | 500 | slow | garbage
const hits = [];
// Every request for the health document: the requesting tab's query string
// (from the Referer, which the browser sets, not the page), when it was
// served, and what it said.
const served = [];

before(async () => {
  server = await serve(ROOT, {
    '/maestro-health': (req, res) => {
      hits.push(new URL(req.headers.referer || 'http://x/').search);
      served.push({ tab: new URL(req.headers.referer || 'http://x/').searchParams.get('tab'), at: Date.now(), enabled: health.maestro_enabled });
      if (mode === '500') return res.writeHead(500).end('oops');
      if (mode === 'garbage') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"status": "disab');
      if (mode === 'slow') return setTimeout(() => res.writeHead(200).end(JSON.stringify({ maestro_enabled: false })), 3000);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(health));
    },
  });
});
after(async () => { await server?.close(); });
beforeEach(() => { hits.length = 0; served.length = 0; });

async function open(context, query) {
  const page = await context.newPage();
  await page.goto(`${server.url}/tests/e2e/pages/remote.html?${query}`);
  await page.waitForFunction(() => window.ready === true);
  return { page, lines: page.lines };
}

const paths = (page) => page.requests.map((u) => new URL(u).pathname);
const enabled = (page) => page.evaluate(() => window.gate.isEnabled());
const REMOTE_OFF_LINE = 'info: [MAESTRO] Disabled by remote /maestro-health: maestro_enabled=false';

// Turns the health document off and waits until both tabs are off.
async function killBoth(a, b) {
  health = { status: 'disabled', maestro_enabled: false };
  for (const { page } of [a, b]) await page.waitForFunction(() => !window.gate.isEnabled(), { timeout: 10000 });
}

// The package's directory on a CDN, serving `files` from pkg/.
const CDN = '/cdn/npm/maestro-gate@0.1.0/dist/';
const cdnRoutes = (files) => Object.fromEntries(files.map((f) => [CDN + f, async (req, res) => {
  const { readFile } = await import('node:fs/promises');
  const type = f.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
  res.writeHead(200, { 'content-type': type, 'access-control-allow-origin': '*' }).end(await readFile(`${ROOT}/pkg/${f}`));
}]));

for (const name of BROWSERS) describe(name, () => {
  let browser;
  before(async () => { browser = await launch(name); });
  after(async () => { await browser?.close(); });

  test(`[${name}] a kill in the health document reaches a second tab through the first tab\'s poll`, async () => {
    health = { status: 'enabled', maestro_enabled: true };
    mode = 'json';
    const context = await browser.newContext();
    try {
      const a = await open(context, 'poll=200&tab=a');
      // Tab B polls once at load, then only every 10 minutes: it can only learn from tab A.
      const b = await open(context, 'poll=600000&tab=b');
      assert.equal(await enabled(a.page), true);
      assert.equal(await enabled(b.page), true);
      const visibility = await Promise.all([a, b].map(({ page }) => page.evaluate(() => document.visibilityState)));
      if (browser.name === 'firefox') {
        // Firefox shows only the tab in front (B, opened last): tab A is hidden, and
        // Firefox runs a hidden tab's timers about once a second, so A's 200 ms poll
        // runs about once a second here (the kill still reaches both tabs well within
        // killBoth's 10 s).
        assert.deepEqual(visibility, ['hidden', 'visible']);
      } else {
        // Playwright shows every Chromium tab as visible: A polls every 200 ms.
        assert.deepEqual(visibility, ['visible', 'visible']);
      }
      await b.page.waitForTimeout(300); // let B's load-time poll finish
      const bHitsBefore = hits.filter((q) => q.includes('tab=b')).length;

      await killBoth(a, b);
      assert.equal((await b.page.evaluate(() => window.gate.decision())).source, 'remote');
      assert.equal(await b.page.evaluate(() => window.changes.length), 1);
      assert.equal(hits.filter((q) => q.includes('tab=b')).length, bHitsBefore, 'tab B made no request of its own');
      assert.ok(b.lines.includes(REMOTE_OFF_LINE), b.lines.join('\n'));
    } finally {
      await context.close();
    }
  });

  test(`[${name}] a tab whose own poll module cannot load still hears the kill from another tab`, async () => {
    health = { status: 'enabled', maestro_enabled: true };
    mode = 'json';
    const context = await browser.newContext();
    try {
      const a = await open(context, 'poll=200&tab=a2');
      const b = await open(context, 'poll=200&tab=b2&remoteWasm=missing');
      await b.page.waitForTimeout(300);
      assert.equal(await enabled(b.page), true);
      assert.ok(b.lines.some((l) => l.startsWith('warning: [MAESTRO] Remote poll not started: ')), b.lines.join('\n'));

      await killBoth(a, b);
      assert.equal((await b.page.evaluate(() => window.gate.decision())).source, 'remote');
      assert.equal(hits.filter((q) => q.includes('tab=b2')).length, 0, 'tab B never polled');
      assert.ok(b.lines.includes(REMOTE_OFF_LINE), b.lines.join('\n'));
    } finally {
      await context.close();
    }
  });

  test(`[${name}] unleash: false beside remote is none: the document is polled, and nothing warns`, async () => {
    health = { status: 'enabled', maestro_enabled: true };
    mode = 'json';
    const context = await browser.newContext();
    try {
      const { page, lines } = await open(context, 'poll=200&tab=uf&unleashFalse');
      await page.waitForTimeout(700);
      assert.equal(await enabled(page), true);
      assert.ok(served.filter((s) => s.tab === 'uf').length >= 2, JSON.stringify(served));
      assert.deepEqual(lines.filter((l) => !l.startsWith('info: ')), [], lines.join('\n'));
    } finally {
      await context.close();
    }
  });

  test(`[${name}] latching: off, then on again, stays off until reload`, async () => {
    health = { status: 'enabled', maestro_enabled: true };
    mode = 'json';
    const context = await browser.newContext();
    try {
      const { page } = await open(context, 'poll=100&tab=latch');
      health = { status: 'disabled', maestro_enabled: false };
      await page.waitForFunction(() => !window.gate.isEnabled(), { timeout: 10000 });
      health = { status: 'enabled', maestro_enabled: true };
      await page.evaluate(() => { window.MAESTRO_ENABLED = true; });
      await page.waitForTimeout(500); // several polls' worth
      assert.equal(await enabled(page), false, 'still off: the gate latches');
      assert.equal(await page.evaluate(() => window.changes.length), 1);

      await page.reload();
      await page.waitForFunction(() => window.ready === true);
      assert.equal(await enabled(page), true, 'a reload applies the new "on"');
    } finally {
      await context.close();
    }
  });

  // Issue 22, item 1: the CLI's document at rollout 0 says disabled, and a
  // page polling it turns off; at 100 it says enabled, and the page stays on.
  test(`[${name}] a document written by maestro-gate health at VITE_MAESTRO_ROLLOUT=0 turns an open page off`, async () => {
    const written = (rollout) => {
      const r = spawnSync('node', [join(ROOT, 'pkg', 'cli.js'), 'health'],
        { env: { PATH: process.env.PATH, VITE_MAESTRO_ROLLOUT: rollout }, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout);
    };
    health = written('100');
    assert.equal(health.status, 'enabled');
    mode = 'json';
    const context = await browser.newContext();
    try {
      const { page } = await open(context, 'poll=100&tab=zero');
      await page.waitForTimeout(400); // several polls of the 100% document
      assert.equal(await enabled(page), true, 'rollout 100: still on');
      health = written('0');
      assert.deepEqual([health.status, health.maestro_enabled, health.rollout], ['disabled', false, 0]);
      await page.waitForFunction(() => !window.gate.isEnabled(), { timeout: 10000 });
      assert.equal((await page.evaluate(() => window.gate.decision())).source, 'remote');
    } finally {
      await context.close();
    }
  });

  // A page that keeps posting "on" for our document must not stop this tab
  // from asking the server itself: another tab's result saves a poll, but
  // never postpones it past 2 x pollMs after this tab's own last poll.
  test(`[${name}] a tab posting "on" every 300 ms cannot stop another tab's own poll`, async () => {
    health = { status: 'enabled', maestro_enabled: true };
    mode = 'json';
    const context = await browser.newContext();
    try {
      const victim = await open(context, 'poll=1000&tab=victim');
      // Opened last, the hostile tab is the one in front in Firefox, so its
      // 300 ms timer runs at full rate (the victim's 1 s poll is not slowed by
      // Firefox's ~1 s clamp on hidden tabs' timers).
      const hostile = await context.newPage();
      await hostile.goto(`${server.url}/tests/e2e/pages/hostile.html?tab=hostile`);
      await hostile.waitForFunction(() => window.posted >= 5, { timeout: 20000 });
      assert.equal(await enabled(victim.page), true);

      health = { status: 'disabled', maestro_enabled: false };
      const postedAtChange = await hostile.evaluate(() => window.posted);
      await victim.page.waitForFunction(() => !window.gate.isEnabled(), { timeout: 20000 });
      // The hostile tab went on posting "on" after the document changed (the
      // victim, the polling tab, may read the off before its next post).
      await hostile.waitForFunction((n) => window.posted > n, { arg: postedAtChange, timeout: 5000 });

      assert.equal((await victim.page.evaluate(() => window.gate.decision())).source, 'remote');
      assert.ok(victim.lines.includes(REMOTE_OFF_LINE), victim.lines.join('\n'));
      // Only the victim asks the server, and it read the "off" itself.
      assert.deepEqual([...new Set(served.map((s) => s.tab))], ['victim'], JSON.stringify(served));
      assert.ok(served.some((s) => s.tab === 'victim' && s.enabled === false), JSON.stringify(served));
    } finally {
      await context.close();
    }
  });

  // N tabs of one document: one of them holds the document's Web Lock and
  // polls every interval; the others hear its results, and ask the server
  // themselves only when none has reached them for 2 x pollMs (the bound).
  // Closing the polling tab hands the lock, and the polling, to another.
  test(`[${name}] three tabs at pollMs 500 make one request per interval, and another tab takes over`, async () => {
    health = { status: 'enabled', maestro_enabled: true };
    mode = 'json';
    const context = await browser.newContext();
    try {
      // Opened together, as a browser restoring a session does.
      const tabs = await Promise.all(['t1', 't2', 't3'].map((tab) => open(context, `poll=500&tab=${tab}`)));
      const start = Date.now();
      const WINDOW = 10000;
      await new Promise((r) => setTimeout(r, WINDOW));
      const seen = served.filter((s) => s.at >= start && s.at < start + WINDOW);
      const count = (tab) => seen.filter((s) => s.tab === tab).length;
      const counts = { t1: count('t1'), t2: count('t2'), t3: count('t3'), total: seen.length };
      console.log(`# ${name}: three tabs at 500 ms, requests in ${WINDOW / 1000} s: ${JSON.stringify(counts)}`);
      // Twenty intervals: one tab's worth is 20 (35 in Chromium, 30 in
      // Firefox before the lock, with each tab bound to poll every 2 x pollMs).
      assert.ok(counts.total <= 24, JSON.stringify(counts));
      // The polling tab closes: another one polls within 2 x pollMs (plus
      // a fetch and the timer's grain), and a kill still reaches the others.
      const polling = ['t1', 't2', 't3'].reduce((a, b) => (count(a) >= count(b) ? a : b));
      const closed = Date.now();
      await tabs[['t1', 't2', 't3'].indexOf(polling)].page.close();
      await new Promise((r) => setTimeout(r, 3000));
      const after = served.filter((s) => s.at >= closed && s.tab !== polling);
      assert.ok(after.length >= 2, `no other tab polled after ${polling} closed: ${JSON.stringify(after)}`);
      const gap = after[0].at - closed;
      assert.ok(gap <= 1500, `the first request after the polling tab closed came ${gap} ms later`);
      health = { status: 'disabled', maestro_enabled: false };
      for (const [i, t] of tabs.entries()) {
        if (['t1', 't2', 't3'][i] !== polling) await t.page.waitForFunction(() => !window.gate.isEnabled(), { timeout: 10000 });
      }
    } finally {
      await context.close();
    }
  });

  // A tab that turned off while it waited for the document's Web Lock stops
  // its poll; when the lock comes to it later (the polling tab closed), it
  // hands it on at once, to the next tab that is on and waiting, instead of
  // holding it for the page's life (that tab would then never poll every
  // interval, only at the followers' bound).
  test(`[${name}] a tab that turned off while it waited for the poll's Web Lock hands it on when it comes`, async () => {
    health = { status: 'enabled', maestro_enabled: true };
    mode = 'json';
    const context = await browser.newContext();
    // The poll's locks (a first answer's lock is held only while a tab reads).
    const locks = (page) => page.evaluate(async () => {
      const q = await navigator.locks.query();
      const mine = (l) => l.name.startsWith('maestro-gate poll ');
      return { held: q.held.filter(mine).length, pending: q.pending.filter(mine).length };
    });
    const until = async (page, held, pending) => {
      for (const end = Date.now() + 10000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
        const l = await locks(page);
        if (l.held === held && l.pending === pending) return;
      }
      assert.deepEqual(await locks(page), { held, pending });
    };
    try {
      // One after the other, so that the lock's queue is t1 (holding), t2, t3.
      const t1 = await open(context, 'poll=500&tab=w1');
      await until(t1.page, 1, 0);
      const t2 = await open(context, 'poll=500&tab=w2');
      await until(t2.page, 1, 1);
      const t3 = await open(context, 'poll=500&tab=w3');
      await until(t3.page, 1, 2);

      // t2 turns off (its own kill: the other tabs stay on), and its poll
      // stops at its next wake (within pollMs; Firefox wakes a background
      // tab's timer at most once a second).
      await t2.page.evaluate(() => { window.MAESTRO_ENABLED = false; });
      assert.equal(await enabled(t2.page), false);
      assert.equal(await enabled(t3.page), true);
      await t2.page.waitForTimeout(2500);

      // The polling tab closes: the lock goes to t2, which hands it on to t3.
      await t1.page.close();
      await until(t3.page, 1, 0);
      // And t3 is the polling tab: it asks the server every interval.
      const since = Date.now();
      await new Promise((r) => setTimeout(r, 3000));
      const asked = served.filter((s) => s.at >= since && s.tab === 'w3').length;
      assert.ok(asked >= 4, `t3 asked ${asked} times in 3 s at pollMs 500`);
      assert.equal(served.filter((s) => s.at >= since && s.tab === 'w2').length, 0, 't2, off, asks nothing');
      assert.equal(await enabled(t3.page), true);
      assert.deepEqual([...t2.lines, ...t3.lines].filter((l) => l.startsWith('pageerror')), []);
    } finally {
      await context.close();
    }
  });

  for (const [what, m] of [['a 500', '500'], ['a timeout', 'slow'], ['garbage JSON', 'garbage']]) {
    test(`[${name}] ${what} from the remote changes nothing and throws nothing`, async () => {
      mode = m;
      const context = await browser.newContext();
      try {
        const { page, lines } = await open(context, `poll=300&tab=${m}`);
        await page.waitForTimeout(1500);
        assert.equal(await enabled(page), true);
        assert.deepEqual(lines.filter((l) => l.startsWith('pageerror')), []);
        const warnings = lines.filter((l) => l.startsWith('warning: [MAESTRO] Remote /maestro-health failed'));
        assert.equal(warnings.length, 1, lines.join('\n'));
      } finally {
        await context.close();
        mode = 'json';
      }
    });
  }

  // The inlined wasm must read back the same whatever charset the server and
  // the page declare.
  test(`[${name}] the script-tag file works when served and embedded as windows-1252`, async () => {
    const cdn = await serve(ROOT, {
      '/latin1/maestro-gate.js': async (req, res) => {
        const { readFile } = await import('node:fs/promises');
        res.writeHead(200, { 'content-type': 'text/javascript; charset=iso-8859-1' }).end(await readFile(`${ROOT}/pkg/maestro-gate.js`));
      },
      '/latin1/page.html': (req, res) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=windows-1252' }).end(
          '<!doctype html><meta charset="windows-1252"><link rel="icon" href="data:,">'
          + '<script charset="windows-1252" src="/latin1/maestro-gate.js"></script>'
          + '<script>window.first = { on: maestroGate.isEnabled(), d: maestroGate.decision() };</script>');
      },
    });
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const { lines } = page;
      await page.goto(`${cdn.url}/latin1/page.html`);
      assert.equal(await page.evaluate(() => document.characterSet), 'windows-1252');
      const first = await page.evaluate(() => window.first);
      assert.equal(first.on, true);
      assert.equal(first.d.source, 'default');
      assert.deepEqual(lines, ['info: [MAESTRO] Enabled (default)']);
    } finally {
      await context.close();
      await cdn.close();
    }
  });

  // A CDN serves the package's directory: the decision needs only the tag's
  // file, and a cleanup loads the rollback module from beside it.
  test(`[${name}] the script-tag file decides from any CDN path with no second request; a cleanup loads the rollback from beside it`, async () => {
    const cdn = await serve(ROOT, cdnRoutes(['maestro-gate.js', 'maestro_gate_extras.js', 'maestro_gate_rollback.js', 'maestro_gate_rollback_bg.wasm']));
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const { lines } = page;
      await page.goto(`${cdn.url}/tests/e2e/pages/cdn.html`);
      const first = await page.evaluate(() => window.first);
      assert.equal(first.on, true);
      assert.equal(first.d.source, 'default');
      assert.deepEqual(paths(page).filter((p) => !p.endsWith('.html')), [CDN + 'maestro-gate.js']);
      assert.deepEqual(lines, ['info: [MAESTRO] Enabled (default)']);

      const report = await page.evaluate(async () => {
        localStorage.setItem('maestro:cdn', '1');
        localStorage.setItem('keep:cdn', '1');
        return maestroGate.clearClientState({ database: 'cdn-db', allTabs: false, log: 'silent' });
      });
      assert.equal(report.ok, true, JSON.stringify(report));
      assert.deepEqual(report.localStorage.removed, ['maestro:cdn']);
      assert.equal(await page.evaluate(() => localStorage.getItem('keep:cdn')), '1');
      assert.deepEqual(paths(page).filter((p) => !p.endsWith('.html')),
        [CDN + 'maestro-gate.js', CDN + 'maestro_gate_extras.js', CDN + 'maestro_gate_rollback.js', CDN + 'maestro_gate_rollback_bg.wasm']);
    } finally {
      await context.close();
      await cdn.close();
    }
  });

  test(`[${name}] a script tag whose rollback files are missing still decides, and its cleanup reports unavailable without throwing`, async () => {
    const cdn = await serve(ROOT, cdnRoutes(['maestro-gate.js', 'maestro_gate_extras.js']));
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const { lines } = page;
      await page.goto(`${cdn.url}/tests/e2e/pages/cdn.html`);
      assert.equal((await page.evaluate(() => window.first)).on, true);
      const out = await page.evaluate(async () => {
        let rejected = false;
        addEventListener('unhandledrejection', () => { rejected = true; });
        localStorage.setItem('maestro:left', '1');
        const report = await maestroGate.clearClientState({ allTabs: false, log: 'silent' });
        const verify = await maestroGate.verifyClientState();
        await new Promise((r) => setTimeout(r, 50));
        return { report, verify, rejected, left: localStorage.getItem('maestro:left') };
      });
      assert.equal(out.report.ok, false);
      assert.equal(out.report.database.outcome, 'unavailable');
      assert.match(out.report.database.error, /rollback module could not be loaded/);
      assert.equal(out.report.localStorage.outcome, 'unavailable');
      assert.equal(out.verify.clean, null);
      assert.equal(out.rejected, false);
      assert.equal(out.left, '1', 'nothing was removed');
      // The gate adds nothing under log: 'silent'; what else is logged is the browser's own report of the 404.
      const rollbackJs = paths(page).filter((p) => p === CDN + 'maestro_gate_rollback.js');
      if (browser.name === 'firefox') {
        // Firefox keeps the failed module in its module map: the second call's import
        // fails at once, with no request. It reports the 404 (served with no
        // content-type) once, as a script error of the page: the browser's report, not
        // a throw by the gate (`rejected` is false above).
        assert.equal(rollbackJs.length, 1, 'Firefox fetches the missing module once');
        assert.deepEqual(lines.slice(0, 1), ['info: [MAESTRO] Enabled (default)']);
        assert.equal(lines.length, 2, lines.join('\n'));
        assert.match(lines[1], /^pageerror: Loading module from “http:\/\/127\.0\.0\.1:\d+\/cdn\/npm\/maestro-gate@0\.1\.0\/dist\/maestro_gate_rollback\.js” was blocked because of a disallowed MIME type/);
      } else {
        // Chromium fetches the module again on each call and logs each 404.
        assert.equal(rollbackJs.length, 2, 'Chromium fetches the missing module on each call');
        assert.deepEqual(lines.filter((l) => !l.startsWith('error: Failed to load resource')), ['info: [MAESTRO] Enabled (default)']);
      }
    } finally {
      await context.close();
      await cdn.close();
    }
  });

  // Issue 22, item 10: a CDN that serves the rollback module without CORS.
  test(`[${name}] a cleanup whose rollback module a CDN serves without CORS warns once, naming why, and reports unavailable`, async () => {
    const { readFile } = await import('node:fs/promises');
    const cdn = await serve(ROOT, {
      ...cdnRoutes(['maestro-gate.js', 'maestro_gate_extras.js']),
      // No access-control-allow-origin: a cross-origin module import fails.
      [CDN + 'maestro_gate_rollback.js']: async (req, res) => {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(await readFile(`${ROOT}/pkg/maestro_gate_rollback.js`));
      },
    });
    const site = await serve(ROOT, {
      '/page.html': (req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(
        `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script src="${cdn.url}${CDN}maestro-gate.js"></script>`),
    });
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const { lines } = page;
      await page.goto(`${site.url}/page.html`);
      const out = await page.evaluate(async () => {
        let rejected = false;
        addEventListener('unhandledrejection', () => { rejected = true; });
        localStorage.setItem('maestro:left', '1');
        const report = await maestroGate.clearClientState({ allTabs: false });
        await new Promise((r) => setTimeout(r, 50));
        return { report, rejected, left: localStorage.getItem('maestro:left') };
      });
      assert.equal(out.report.ok, false);
      assert.deepEqual([out.report.database.outcome, out.report.localStorage.outcome, out.report.sessionStorage.outcome],
        ['unavailable', 'unavailable', 'unavailable']);
      assert.match(out.report.database.error, /rollback module could not be loaded: /);
      assert.equal(out.rejected, false);
      assert.equal(out.left, '1', 'nothing was removed');
      const warnings = lines.filter((l) => l.startsWith('warning: [MAESTRO]'));
      assert.equal(warnings.length, 1, lines.join('\n'));
      assert.ok(warnings[0].startsWith(
        `warning: [MAESTRO] Cleanup unavailable: ${out.report.database.error}`), warnings[0]);
      assert.match(warnings[0], /maestro_gate_rollback\.js|import|module/i, 'the reason names the failed import');
    } finally {
      await context.close();
      await site.close();
      await cdn.close();
    }
  });

  // The glue of a cleanup (pkg/maestro_gate_extras.js) is loaded from beside
  // the tag: where it is missing, the tag's own fallback answers.
  test(`[${name}] a script tag whose extras file is missing still decides, and its cleanup reports unavailable, warns once and throws nothing`, async () => {
    const cdn = await serve(ROOT, cdnRoutes(['maestro-gate.js']));
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const { lines } = page;
      await page.goto(`${cdn.url}/tests/e2e/pages/cdn.html`);
      assert.equal((await page.evaluate(() => window.first)).on, true);
      const out = await page.evaluate(async () => {
        let rejected = false;
        addEventListener('unhandledrejection', () => { rejected = true; });
        localStorage.setItem('maestro:left', '1');
        const out = { threw: null };
        try {
          out.report = await maestroGate.clearClientState({ database: 'cdn-db', allTabs: false });
          out.silent = await maestroGate.clearClientState({ log: 'silent' });
          out.verify = await maestroGate.verifyClientState();
        } catch (e) {
          out.threw = String(e);
        }
        await new Promise((r) => setTimeout(r, 50));
        return { ...out, rejected, on: maestroGate.isEnabled(), left: localStorage.getItem('maestro:left') };
      });
      assert.equal(out.threw, null);
      assert.equal(out.rejected, false);
      const why = out.report.database.error;
      assert.match(why, /^maestro-gate's extras module could not be loaded: /);
      const area = { outcome: 'unavailable', removed: [], failed: [], error: why };
      assert.deepEqual(out.report, {
        ok: false, database: { name: 'cdn-db', outcome: 'unavailable', blocked: false, error: why },
        localStorage: area, sessionStorage: area, otherTabs: 0,
      });
      assert.deepEqual([out.silent.ok, out.silent.database.name, out.silent.database.outcome], [false, 'maestro_secrets', 'unavailable']);
      assert.deepEqual(out.verify, { database: { name: 'maestro_secrets', exists: null }, localStorageKeys: null, sessionStorageKeys: null, clean: null });
      assert.equal(out.left, '1', 'nothing was removed');
      assert.equal(out.on, true, 'the decision stands');
      // One warning from the gate (the second call is silent, verifyClientState
      // never warns); the rest is the browser's own report of the 404.
      assert.deepEqual(lines.filter((l) => l.includes('[MAESTRO]')),
        ['info: [MAESTRO] Enabled (default)', `warning: [MAESTRO] Cleanup unavailable: ${why}`]);
      assert.equal(paths(page).some((p) => p.includes('maestro_gate_rollback')), false, 'without its glue, no rollback module was fetched');
    } finally {
      await context.close();
      await cdn.close();
    }
  });

  test(`[${name}] the self-contained script-tag file decides and cleans up with no second request`, async () => {
    const cdn = await serve(ROOT, {
      '/one/page.html': (req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' }).end(
          '<!doctype html><link rel="icon" href="data:,"><script src="/one/maestro-gate.full.js"></script>'
          + '<script>window.first = { on: maestroGate.isEnabled(), d: maestroGate.decision() };</script>');
      },
      '/one/maestro-gate.full.js': async (req, res) => {
        const { readFile } = await import('node:fs/promises');
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(await readFile(`${ROOT}/pkg/maestro-gate.full.js`));
      },
    });
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const { lines } = page;
      await page.goto(`${cdn.url}/one/page.html`);
      assert.equal((await page.evaluate(() => window.first)).d.source, 'default');
      const report = await page.evaluate(async () => {
        localStorage.setItem('maestro:one', '1');
        return maestroGate.clearClientState({ database: 'one-db', allTabs: false, log: 'silent' });
      });
      assert.equal(report.ok, true, JSON.stringify(report));
      assert.deepEqual(report.localStorage.removed, ['maestro:one']);
      assert.deepEqual(paths(page), ['/one/page.html', '/one/maestro-gate.full.js']);
      assert.deepEqual(lines, ['info: [MAESTRO] Enabled (default)']);
    } finally {
      await context.close();
      await cdn.close();
    }
  });
});
