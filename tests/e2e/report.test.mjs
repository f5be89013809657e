// The decision beacon (init({ report })) in the system Chromium and in
// Firefox, against a real server that receives it: one document at start-up,
// one at a live kill, one after clearClientState, sent by the beacon module
// (never the remote module); a page without `report` loads neither; a failing report URL, or a sendBeacon that
// is missing, throws or refuses, changes nothing and throws nothing; no body
// holds a storage value, a key name or the user id. Then the remote health
// document's "rollout": shared with every tab, an invalid one fails safe, a
// duplicate one is not read. And the rollout module's bucketOf() export.
import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { serve, ROOT } from './helpers.mjs';
import { BROWSERS, launch } from './browsers.mjs';

let server;
const beacons = []; // { path, type, body, doc }
let health = '{"maestro_enabled":true}';

before(async () => {
  const receive = (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      let doc = null;
      try { doc = JSON.parse(body); } catch {}
      beacons.push({ path: new URL(req.url, 'http://x').pathname, method: req.method, type: req.headers['content-type'], body, doc });
      if (req.url.startsWith('/missing-report')) res.writeHead(404).end('not found');
      else res.writeHead(204).end();
    });
  };
  server = await serve(ROOT, {
    '/maestro-report': receive,
    '/missing-report': receive,
    '/health-off': (req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"maestro_enabled":false}'),
    '/users/987654321/health-off': (req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"maestro_enabled":false}'),
    '/rollout-health': (req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(health),
    '/listener.html': (req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(
      '<!doctype html><link rel="icon" href="data:,"><script>window.heard = [];'
      + 'new BroadcastChannel("maestro-gate").onmessage = (e) => window.heard.push(e.data);</script>'),
  });
});
after(async () => { await server?.close(); });
beforeEach(() => { beacons.length = 0; });

async function open(context, query) {
  const page = await context.newPage();
  await page.goto(`${server.url}/tests/e2e/pages/report.html?${query}`);
  await page.waitForFunction(() => window.ready === true);
  return page;
}

async function until(what, fn, timeout = 10000) {
  const end = Date.now() + timeout;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(beacons)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// A page's beacons wait out its first 2 s (js/gate.js's `report`): a test that looks
// for what a beacon did, or that none was sent, waits until the page is older.
const pastStartUp = (page) => page.waitForFunction(() => performance.now() > 2100);
const remoteFiles = (page) => page.requests.map((u) => new URL(u).pathname).filter((p) => p.includes('maestro_gate_remote'));
const beaconFiles = (page) => page.requests.map((u) => new URL(u).pathname).filter((p) => p.includes('maestro_gate_beacon'));
// What the page holds that a beacon must never carry.
const SECRETS = ['secret-value-123', 'maestro:secret-key', 'secret-key', 'session-value-456', 'session-key', 'app-value-789',
  'app:keep', 'user-4711', 'report-db'];
const NOT_SENT = 'warning: [MAESTRO] Report not sent (the decision stands): ';

// murmur3_x86_32 over the UTF-8 bytes, written here from the reference, to
// check the shipped bucket() against something that is not the crate.
function bucket(group, id) {
  const bytes = new TextEncoder().encode(`${group}:${id}`);
  const mul = (a, b) => Math.imul(a, b) >>> 0;
  const rotl = (x, r) => ((x << r) | (x >>> (32 - r))) >>> 0;
  let h = 0;
  const tail = bytes.length & ~3;
  const mix = (k) => mul(rotl(mul(k, 0xcc9e2d51), 15), 0x1b873593);
  for (let i = 0; i < tail; i += 4) {
    const k = (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)) >>> 0;
    h = (mul(rotl((h ^ mix(k)) >>> 0, 13), 5) + 0xe6546b64) >>> 0;
  }
  let k = 0;
  for (let i = bytes.length - 1; i >= tail; i--) k = ((k << 8) | bytes[i]) >>> 0;
  if (bytes.length & 3) h = (h ^ mix(k)) >>> 0;
  h = (h ^ bytes.length) >>> 0;
  h = mul(h ^ (h >>> 16), 0x85ebca6b);
  h = mul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) % 100 + 1;
}

for (const name of BROWSERS) describe(name, () => {
  let browser;
  before(async () => { browser = await launch(name); });
  after(async () => { await browser?.close(); });

  test(`[${name}] start, a live kill and a cleanup each send one document, with no value, key name or user id`, async () => {
    const context = await browser.newContext();
    try {
      const page = await open(context, 'report=/maestro-report');
      await until('the start beacon', () => beacons.length >= 1);
      await page.evaluate(() => { window.MAESTRO_ENABLED = false; });
      await until('the change beacon', () => beacons.length >= 2);
      const report = await page.evaluate(() => window.gate.clearClientState({ database: 'report-db', allTabs: false, log: 'silent' }));
      assert.equal(report.ok, true, JSON.stringify(report));
      await until('the cleanup beacon', () => beacons.length >= 3);
      await page.waitForTimeout(300); // nothing more comes
      assert.equal(beacons.length, 3, JSON.stringify(beacons));

      const by = Object.fromEntries(beacons.map((b) => [b.doc?.event, b]));
      for (const b of beacons) {
        assert.equal(b.method, 'POST');
        assert.equal(b.path, '/maestro-report');
        assert.match(b.type, /^text\/plain/, 'a text/plain body: no CORS preflight');
        assert.deepEqual(Object.keys(b.doc), ['event', 'session', 'version', 'enabled', 'source', 'reason', 'rollout', 'guard', 'cleanup', 'at']);
        assert.match(b.doc.session, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a random UUID');
        assert.equal(b.doc.session, beacons[0].doc.session, 'one session id for every beacon of the page load');
        assert.equal(b.doc.version, JSON.parse(await (await fetch(`${server.url}/pkg/package.json`)).text()).version);
        assert.ok(Math.abs(b.doc.at - Date.now()) < 60000, 'at: a ms timestamp');
        for (const secret of SECRETS) assert.ok(!b.body.includes(secret), `${secret} in ${b.body}`);
      }
      assert.deepEqual(Object.keys(by).sort(), ['change', 'cleanup', 'start']);
      const pick = ({ enabled, source, reason, cleanup }) => ({ enabled, source, reason, cleanup });
      assert.deepEqual(pick(by.start.doc), { enabled: true, source: 'default', reason: 'Enabled (default)', cleanup: null });
      assert.deepEqual(pick(by.change.doc),
        { enabled: false, source: 'window.MAESTRO_ENABLED', reason: 'Disabled by window.MAESTRO_ENABLED', cleanup: null });
      assert.deepEqual(by.cleanup.doc.cleanup, {
        ok: true, otherTabs: 0, database: { outcome: 'deleted', blocked: false },
        localStorage: { outcome: 'cleared', removed: 1, failed: 0 }, sessionStorage: { outcome: 'cleared', removed: 1, failed: 0 },
      });
      assert.equal(by.cleanup.doc.enabled, false, 'the decision as it is at the cleanup');
      assert.deepEqual(await page.evaluate(() => window.problems), []);
      // Never stored: no storage key or value of the page holds the session id.
      const stored = await page.evaluate(() => JSON.stringify([localStorage, sessionStorage].map((s) => Object.entries(s))));
      assert.ok(!stored.includes(beacons[0].doc.session), stored);
      // A reload is a new session.
      beacons.length = 0;
      await page.reload();
      await page.waitForFunction(() => window.ready === true);
      await until('the start beacon after a reload', () => beacons.length >= 1);
      assert.notEqual(beacons[0].doc.session, by.start.doc.session, 'a new page load, a new session');
      assert.equal(await page.evaluate(() => localStorage.getItem('app:keep')), 'app-value-789');
      const loaded = beaconFiles(page);
      assert.ok(loaded.length >= 1 && loaded.every((p) => p === '/pkg/maestro_gate_beacon_bg.wasm'), 'report loaded the beacon module: ' + loaded);
      assert.deepEqual(remoteFiles(page), [], 'report alone loads no remote module');
    } finally {
      await context.close();
    }
  });

  test(`[${name}] without crypto.randomUUID the session id is 124 random bits of getRandomValues, one per page load`, async () => {
    const context = await browser.newContext();
    try {
      const page = await open(context, 'report=/maestro-report&log=silent&uuid=missing');
      await until('the start beacon', () => beacons.length >= 1);
      await page.evaluate(() => { window.MAESTRO_ENABLED = false; });
      await until('the change beacon', () => beacons.length >= 2);
      const [a, b] = beacons.map((x) => x.doc.session);
      assert.match(a, /^[0-9]{40}$/);
      assert.equal(b, a);
      await open(context, 'report=/maestro-report&log=silent&uuid=missing');
      await until('another page\'s start beacon', () => beacons.length >= 3);
      assert.notEqual(beacons[2].doc.session, a);
      assert.match(beacons[2].doc.session, /^[0-9]{40}$/);
    } finally {
      await context.close();
    }
  });

  test(`[${name}] an off page with the whole recipe sends its start beacon from the beacon module once it is 2 s old, and loads neither the remote nor the rollout module, nor the extras glue`, async () => {
    const context = await browser.newContext();
    try {
      health = '{"maestro_enabled":true}';
      const page = await open(context, 'flag=false&report=/maestro-report&remote=/maestro-health&rollout=50&log=silent');
      await until('the start beacon', () => beacons.length >= 1);
      const [b] = beacons;
      assert.deepEqual([b.path, b.doc.event, b.doc.enabled, b.doc.source], ['/maestro-report', 'start', false, 'window.MAESTRO_ENABLED']);
      await page.waitForTimeout(500);
      const files = page.requests.map((u) => new URL(u).pathname);
      assert.deepEqual(files.filter((p) => /maestro_gate_(remote|rollout)/.test(p) || p === '/maestro-health'), [], files.join(' '));
      assert.deepEqual(beaconFiles(page), ['/pkg/maestro_gate_beacon_bg.wasm']);
      // Off costs least (issue 20): the gate, the beacon's glue and its module, nothing else;
      // and the beacon's two files only once the page is 2 s old (its own clock, Resource
      // Timing: the requests' start, from the navigation): its first 2 s load the gate alone.
      assert.deepEqual(files.filter((p) => p.startsWith('/pkg/')),
        ['/pkg/index.js', '/pkg/maestro_gate_bg.wasm', '/pkg/maestro_gate_report.js', '/pkg/maestro_gate_beacon_bg.wasm'], files.join(' '));
      const started = Object.fromEntries(await page.evaluate(() => performance.getEntriesByType('resource')
        .map((r) => [new URL(r.name).pathname, r.startTime])));
      for (const f of ['/pkg/maestro_gate_report.js', '/pkg/maestro_gate_beacon_bg.wasm']) {
        assert.ok(started[f] >= 1900, `${f} requested at ${started[f]} ms: ${JSON.stringify(started)}`);
      }
      assert.ok(started['/pkg/maestro_gate_bg.wasm'] < started['/pkg/maestro_gate_report.js'], JSON.stringify(started));
      assert.equal(beacons.length, 1, 'one beacon: the start');
      assert.deepEqual(await page.evaluate(() => window.problems), []);
    } finally {
      await context.close();
    }
  });

  test(`[${name}] a page without report never loads the remote or the beacon module and sends nothing`, async () => {
    const context = await browser.newContext();
    try {
      const page = await open(context, 'log=silent');
      await page.evaluate(() => { window.MAESTRO_ENABLED = false; });
      await page.evaluate(() => window.gate.clearClientState({ database: 'report-db', allTabs: false, log: 'silent' }));
      await page.waitForTimeout(500);
      assert.deepEqual(remoteFiles(page), []);
      assert.deepEqual(beaconFiles(page), []);
      assert.ok(!page.requests.some((u) => u.includes('maestro_gate_report')), page.requests.join(' '));
      assert.deepEqual(beacons, []);
    } finally {
      await context.close();
    }
  });

  test(`[${name}] a reason is sent as its fixed wording: no value, even one that is the user id`, async () => {
    const context = await browser.newContext();
    try {
      await open(context, 'report=/maestro-report&flag=user-4711&log=silent');
      await until('the start beacon', () => beacons.length >= 1);
      const [b] = beacons;
      assert.deepEqual([b.doc.enabled, b.doc.source, b.doc.reason],
        [false, 'window.MAESTRO_ENABLED', 'Disabled (fail safe): invalid window.MAESTRO_ENABLED']);
      assert.ok(!b.body.includes('user-4711'), b.body);
    } finally {
      await context.close();
    }
  });

  test(`[${name}] a reason that quotes a thrown error is sent without the error's message (issue 18)`, async () => {
    const context = await browser.newContext();
    try {
      const page = await open(context, `report=/maestro-report&log=silent&throwing=${encodeURIComponent('session token abc.SECRET-TOKEN.xyz')}`);
      await until('the start beacon', () => beacons.length >= 1);
      const d = JSON.parse(await page.evaluate(() => JSON.stringify(window.gate.decision())));
      assert.match(d.reason, /SECRET-TOKEN/, 'the page itself still says what threw');
      const [b] = beacons;
      assert.deepEqual([b.doc.enabled, b.doc.source, b.doc.reason],
        [false, 'window.MAESTRO_ENABLED', 'Disabled (fail safe): reading window.MAESTRO_ENABLED threw']);
      assert.ok(!b.body.includes('SECRET') && !b.body.includes('session token'), b.body);
    } finally {
      await context.close();
    }
  });

  for (const [what, remote, reason] of [
    ['a numeric userId in the path is withheld', '/users/987654321/health-off?userId=987654321&token=SECRET-Q', '(withheld: it contained the user id)'],
    ['the query is not sent', '/health-off?userId=987654321&token=SECRET-Q#SECRET-F', 'Disabled by remote /health-off'],
  ]) {
    test(`[${name}] a remote URL in a reason: ${what} (issue 18)`, async () => {
      const context = await browser.newContext();
      try {
        await open(context, `report=/maestro-report&log=silent&uid=987654321&remote=${encodeURIComponent(remote)}`);
        await until('a beacon of the remote kill', () => beacons.some((b) => b.doc?.source === 'remote'));
        const b = beacons.find((b) => b.doc?.source === 'remote');
        assert.deepEqual([b.doc.enabled, b.doc.reason], [false, reason]);
        for (const b of beacons) {
          for (const secret of ['987654321', 'SECRET', 'userId']) assert.ok(!b.body.includes(secret), `${secret} in ${b.body}`);
        }
      } finally {
        await context.close();
      }
    });
  }

  test(`[${name}] a report glue that cannot load changes nothing: one warning, no throw`, async () => {
    const broken = await serve(ROOT, { '/pkg/maestro_gate_report.js': (req, res) => res.writeHead(404).end('not found') });
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${broken.url}/tests/e2e/pages/report.html?report=${encodeURIComponent(server.url + '/maestro-report')}`);
      await page.waitForFunction(() => window.ready === true);
      assert.equal(await page.evaluate(() => window.gate.isEnabled()), true);
      await page.evaluate(() => { window.MAESTRO_ENABLED = false; });
      await page.evaluate(() => window.gate.clearClientState({ database: 'report-db', allTabs: false, log: 'silent' }));
      await pastStartUp(page);
      await page.waitForTimeout(500);
      assert.equal((await page.evaluate(() => window.gate.decision())).source, 'window.MAESTRO_ENABLED', 'the kill took');
      const warned = page.lines.filter((l) => l.startsWith('warning:') && l.includes('maestro_gate_report'));
      assert.equal(warned.length, 1, page.lines.join('\n'));
      assert.match(warned[0], /^warning: \[MAESTRO\] .*maestro_gate_report\.js.*; keeping the current decision$/);
      assert.deepEqual(beaconFiles(page), []);
      assert.deepEqual(beacons, []);
      assert.deepEqual(await page.evaluate(() => window.problems), []);
      // (Firefox names the refused load itself on the console, as a page error.)
      assert.deepEqual(page.lines.filter((l) => l.startsWith('pageerror') && !l.includes('/pkg/maestro_gate_report.js')), []);
    } finally {
      await context.close();
      await broken.close();
    }
  });

  test(`[${name}] a report URL that answers 404 changes nothing and throws nothing`, async () => {
    const context = await browser.newContext();
    try {
      const page = await open(context, 'report=/missing-report');
      await until('the start beacon', () => beacons.length >= 1);
      const report = await page.evaluate(() => window.gate.clearClientState({ database: 'report-db', allTabs: false, log: 'silent' }));
      assert.equal(report.ok, true);
      await until('the cleanup beacon', () => beacons.length >= 2);
      assert.equal(await page.evaluate(() => window.gate.isEnabled()), true);
      assert.deepEqual(await page.evaluate(() => window.changes.length), 0);
      assert.deepEqual(await page.evaluate(() => window.problems), []);
      assert.deepEqual(page.lines.filter((l) => l.startsWith('pageerror') || l.includes('Report not sent')), []);
    } finally {
      await context.close();
    }
  });

  for (const [beacon, what, why] of [
    ['missing', 'a missing sendBeacon', 'navigator.sendBeacon is not available here'],
    ['throws', 'a sendBeacon that throws', 'navigator.sendBeacon threw: refused by the test'],
    ['false', 'a sendBeacon that returns false', 'the browser refused to queue the beacon'],
  ]) {
    test(`[${name}] ${what} changes nothing: one warning, no throw`, async () => {
      const context = await browser.newContext();
      try {
        const page = await open(context, `report=/maestro-report&beacon=${beacon}`);
        await page.evaluate(() => { window.MAESTRO_ENABLED = false; });
        const report = await page.evaluate(() => window.gate.clearClientState({ database: 'report-db', allTabs: false, log: 'silent' }));
        assert.equal(report.ok, true);
        await pastStartUp(page);
        await page.waitForTimeout(500);
        assert.deepEqual(beacons, []);
        assert.equal((await page.evaluate(() => window.gate.decision())).source, 'window.MAESTRO_ENABLED', 'the kill took');
        assert.deepEqual(await page.evaluate(() => window.problems), []);
        assert.deepEqual(page.lines.filter((l) => l.includes('Report not sent')), [NOT_SENT + why], page.lines.join('\n'));
        assert.deepEqual(page.lines.filter((l) => l.startsWith('pageerror')), []);
      } finally {
        await context.close();
      }
    });
  }

  test(`[${name}] report: "" sends nothing and says why once; log: "silent" says nothing`, async () => {
    const context = await browser.newContext();
    try {
      const page = await open(context, 'report=');
      await page.evaluate(() => { window.MAESTRO_ENABLED = false; });
      await pastStartUp(page);
      await page.waitForTimeout(500);
      assert.deepEqual(page.lines.filter((l) => l.includes('Report not sent')), [NOT_SENT + 'report is an empty URL']);
      const quiet = await open(context, 'report=&log=silent&beacon=missing');
      await pastStartUp(quiet);
      await quiet.waitForTimeout(500);
      assert.deepEqual(quiet.lines, []);
      assert.equal(await quiet.evaluate(() => window.gate.isEnabled()), true);
      assert.deepEqual(beacons, []);
    } finally {
      await context.close();
    }
  });

  // A URL object is read by no module: the page says so once rather than
  // send nothing in silence; `report: false` is none and loads nothing.
  test(`[${name}] report: a URL object sends nothing and says why once; report: false loads nothing`, async () => {
    const context = await browser.newContext();
    try {
      const page = await open(context, 'reportObject=/maestro-report');
      assert.equal(await page.evaluate(() => window.gate.isEnabled()), true);
      await pastStartUp(page);
      // A change is a second beacon: still one warning.
      await page.evaluate(() => { window.MAESTRO_ENABLED = false; });
      await page.waitForTimeout(500);
      assert.deepEqual(page.lines.filter((l) => l.includes('Report not sent')),
        [NOT_SENT + 'report is not a string (for a URL object, pass its href)'], page.lines.join('\n'));
      assert.equal(beaconFiles(page).length, 1, 'the beacon module said it');
      assert.deepEqual(await page.evaluate(() => window.problems), []);
      // A page that is off at its start loads nothing for it in its first 2 s,
      // then says it too; log: "silent" says nothing.
      const off = await open(context, 'reportObject=/maestro-report&flag=false');
      assert.equal(await off.evaluate(() => window.gate.isEnabled()), false);
      await pastStartUp(off);
      await off.waitForTimeout(500);
      const loaded = await off.evaluate(() => performance.getEntriesByType('resource')
        .filter((e) => /maestro_gate_(beacon|report)/.test(e.name)).map((e) => e.startTime));
      assert.equal(loaded.length, 2, 'its glue and the beacon module');
      assert.ok(loaded.every((t) => t >= 2000), `nothing for the beacon in its first 2 s: ${loaded}`);
      assert.deepEqual(off.lines.filter((l) => l.includes('Report not sent')),
        [NOT_SENT + 'report is not a string (for a URL object, pass its href)'], off.lines.join('\n'));
      const quiet = await open(context, 'reportObject=/maestro-report&log=silent');
      await pastStartUp(quiet);
      await quiet.waitForTimeout(500);
      assert.deepEqual(quiet.lines, []);
      const none = await open(context, 'reportFalse');
      await pastStartUp(none);
      await none.waitForTimeout(500);
      assert.deepEqual(beaconFiles(none), [], 'report: false loads no beacon module');
      assert.deepEqual(none.requests.map((u) => new URL(u).pathname).filter((p) => p.includes('maestro_gate_report')), []);
      assert.deepEqual(none.lines.filter((l) => l.includes('Report not sent')), []);
      assert.equal(await none.evaluate(() => window.gate.isEnabled()), true);
      assert.deepEqual(beacons, []);
    } finally {
      await context.close();
    }
  });

  test(`[${name}] the health document's rollout reaches every tab; an invalid one fails safe; a duplicate is not read`, async () => {
    const context = await browser.newContext();
    try {
      const listener = await context.newPage();
      await listener.goto(`${server.url}/listener.html`);
      health = '{"maestro_enabled":true,"rollout":"100%"}';
      const page = await open(context, 'remote=/rollout-health');
      const heard = () => listener.evaluate(() => window.heard.filter((m) => m.url === '/rollout-health'));
      await listener.waitForFunction(() => window.heard.some((m) => m.rollout === 100), { timeout: 10000 });
      assert.deepEqual((await heard())[0], { maestroGate: 'remote', url: '/rollout-health', enabled: true, rollout: 100 });
      assert.equal(await page.evaluate(() => window.gate.isEnabled()), true, '100% lets every browser in');

      health = '{"maestro_enabled":true,"rollout":"half"}';
      await page.waitForFunction(() => !window.gate.isEnabled(), { timeout: 10000 });
      await listener.waitForFunction(() => window.heard.some((m) => m.enabled === false), { timeout: 10000 });
      assert.deepEqual((await heard()).find((m) => !m.enabled), { maestroGate: 'remote', url: '/rollout-health', enabled: false },
        'an invalid rollout is shared as off: every tab fails safe');
      assert.deepEqual(await page.evaluate(() => window.problems), []);

      // The invalid rollout is remembered as off (maestro-gate:remote): a
      // new load in this browser starts off. A fresh browser profile reads
      // the duplicate afresh.
      health = '{"maestro_enabled":true,"rollout":100,"rollout":0}';
      const again = await open(context, 'remote=/rollout-health&log=warn');
      assert.equal(await again.evaluate(() => window.gate.decision().source), 'remote');
      const fresh = await browser.newContext();
      try {
        const dup = await open(fresh, 'remote=/rollout-health&log=warn');
        await dup.waitForTimeout(700);
        assert.equal(await dup.evaluate(() => window.gate.isEnabled()), true);
        assert.ok(dup.lines.some((l) => l.includes('failed (not a health document: rollout appears more than once)')), dup.lines.join('\n'));
      } finally {
        await fresh.close();
      }
    } finally {
      health = '{"maestro_enabled":true}';
      await context.close();
    }
  });

  test(`[${name}] the rollout module's bucketOf() is Unleash's, over UTF-8`, async () => {
    const context = await browser.newContext();
    try {
      const page = await open(context, 'log=silent');
      const ids = ['174', 'user-4711', 'héllo', '日本語', 'emoji 😀', 'a\ud800b'];
      const got = await page.evaluate(async ([ids]) => {
        const m = await import('/pkg/maestro_gate_rollout.js');
        await m.default();
        return [m.bucketOf('Feature.flexibleRollout.10', '174'), ...ids.map((id) => m.bucketOf('maestro', id))];
      }, [ids]);
      assert.deepEqual(got, [10, ...ids.map((id) => bucket('maestro', id))]);
    } finally {
      await context.close();
    }
  });
});
