// The Service Worker guard (maestro-gate/sw, maestro-gate-sw.js) in a real
// registered Service Worker, in the system Chromium and in Firefox: while off,
// a request that matches `block` (fetch(), a dynamic import(), a <script>, a
// dedicated worker's fetch) is answered 503 and the server sees nothing; any
// other request reaches the server; a live kill in a page, the worker's own
// poll and startBlocked turn it off; off latches until every page open at the
// off has gone and a page says on; an exception inside the guard passes a
// request only while the last answer is on; an update keeps the off. The worker's answer is read where it
// keeps it (Cache Storage), so every wait is for a condition.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, ROOT } from './helpers.mjs';
import { BROWSERS, launch } from './browsers.mjs';

const DIR = '/tests/e2e/pages/sw/';
const PAGE_OFF = 'Disabled by a page of this origin: its gate decided off';

// What the server saw, by path; the blocked paths and an app's own.
const hits = new Map();
const hit = (path) => hits.get(path) || 0;
let health = { status: 'enabled', maestro_enabled: true };
const counted = (type, body) => (req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  hits.set(path, hit(path) + 1);
  res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
};
const routes = {
  '/maestro/api': counted('application/json', '{"maestro":"ran"}'),
  '/maestro/chunk.js': counted('text/javascript', 'export const ran = true;'),
  '/maestro/script.js': counted('text/javascript', 'window.maestroScript = true;'),
  '/patterned/x.js': counted('text/javascript', 'export const ran = true;'),
  '/app/data': counted('text/plain', 'app'),
  '/health': (req, res) => {
    hits.set('/health', hit('/health') + 1);
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(health));
  },
};

let server;
before(async () => { server = await serve(ROOT, routes); });
after(async () => { await server?.close(); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function openPage(context, query = '') {
  const page = await context.newPage();
  await page.goto(server.url + DIR + 'page.html' + query);
  await page.waitForFunction(() => window.ready === true);
  return page;
}

// Registers the worker and waits until it controls the page (clients.claim).
async function register(page, script) {
  await page.evaluate((script) => navigator.serviceWorker.register(script, {
    scope: './', type: script.includes('.mjs') ? 'module' : 'classic',
  }).then(() => undefined), script);
  await page.waitForFunction(() => !!navigator.serviceWorker.controller, { timeout: 30000 });
}

// The answer the worker keeps (its snapshot: "on", "off <reason>", with
// "document-off\n" first while its poll says off), or null.
const kept = (page) => page.evaluate(async () => {
  const r = await (await caches.open('maestro-gate-sw')).match('/maestro-gate-sw/answer');
  return r ? (await r.json()).answer : null;
});
async function keptUntil(page, ok, what) {
  const end = Date.now() + 30000;
  let last;
  while (!ok(last = await kept(page))) {
    if (Date.now() > end) throw new Error(`the worker's answer is ${JSON.stringify(last)}, waiting for ${what}`);
    await sleep(100);
  }
  return last;
}
const isOff = (a) => typeof a === 'string' && /(^|\n)off /.test(a);
const isOn = (a) => typeof a === 'string' && /(^|\n)on$/.test(a);

// What a page gets for a URL, each way it can ask.
const fetchFrom = (page, url) => page.evaluate(async (url) => {
  const r = await fetch(url, { cache: 'no-store' });
  return { status: r.status, type: r.headers.get('content-type'), body: await r.text() };
}, url);
const importFrom = (page, url) => page.evaluate((url) => import(url).then(() => 'loaded', () => 'failed'), url);
const scriptFrom = (page, url) => page.evaluate((url) => new Promise((resolve) => {
  const s = document.createElement('script');
  s.src = url;
  s.onload = () => resolve('loaded');
  s.onerror = () => resolve('error');
  document.head.append(s);
}), url);
const workerFetch = (page, url) => page.evaluate((url) => new Promise((resolve) => {
  const w = new Worker('dworker.js');
  w.onmessage = (e) => { resolve(e.data); w.terminate(); };
  w.postMessage(url);
}), url);

for (const name of BROWSERS) describe(name, () => {
  let browser;
  before(async () => { browser = await launch(name); });
  after(async () => { await browser?.close(); });

  for (const script of ['worker.mjs', 'worker-classic.js']) {
    test(`[${name}] ${script}: a page that is off reaches no blocked URL, by fetch, import(), <script> or its worker; others go through`, async () => {
      const context = await browser.newContext();
      try {
        hits.clear();
        const a = await openPage(context);
        await register(a, script);
        // A page that loads off: its gate tells the worker (a bare false on the channel).
        const b = await openPage(context, '?off');
        assert.equal(await b.evaluate(() => window.gate.isEnabled()), false);
        const answer = await keptUntil(b, isOff, 'off');
        assert.equal(answer, 'off ' + PAGE_OFF);

        const r = await fetchFrom(b, '/maestro/api');
        assert.equal(r.status, 503);
        assert.equal(r.type, 'application/json');
        assert.deepEqual(JSON.parse(r.body), { maestro_enabled: false, reason: PAGE_OFF });
        assert.equal((await fetchFrom(b, '/maestro/api')).status, 503, 'again');
        assert.equal(await importFrom(b, '/maestro/chunk.js'), 'failed');
        assert.equal(await scriptFrom(b, '/maestro/script.js'), 'error');
        assert.equal((await fetchFrom(b, '/patterned/x.js')).status, 503, 'a URLPattern entry');
        const w = await workerFetch(b, '/maestro/api?from=worker');
        assert.equal(w.status, 503, JSON.stringify(w));
        assert.equal((await fetchFrom(a, '/maestro/api?from=a')).status, 503, 'the page that is on is blocked too: the most restrictive answer');
        for (const path of ['/maestro/api', '/maestro/chunk.js', '/maestro/script.js', '/patterned/x.js']) {
          assert.equal(hit(path), 0, `the server saw no request for ${path}`);
        }

        // Not blocked: the browser's own request, served as usual.
        const app = await fetchFrom(b, '/app/data');
        assert.deepEqual([app.status, app.body], [200, 'app']);
        assert.equal(hit('/app/data'), 1);
        assert.equal((await fetchFrom(b, '/patterned/y.css')).status, 404, 'outside the pattern: the server answers');

        // One [MAESTRO] line per URL, told to the pages.
        const line = (url) => `[MAESTRO] Blocked by the Service Worker guard: ${server.url}${url} (${PAGE_OFF})`;
        await b.waitForFunction((l) => l.every((x) => window.lines.includes(x)),
          { arg: ['/maestro/api', '/maestro/chunk.js', '/maestro/script.js', '/patterned/x.js', '/maestro/api?from=worker'].map(line) });
        assert.equal((await b.evaluate(() => window.lines)).filter((l) => l === line('/maestro/api')).length, 1);
      } finally {
        await context.close();
      }
    });
  }

  test(`[${name}] a live window.MAESTRO_ENABLED = false stops the blocked URLs; off latches until the pages open then have gone and a page says on`, async () => {
    const context = await browser.newContext();
    try {
      hits.clear();
      const a = await openPage(context);
      await register(a, 'worker.mjs');
      // A page that loads after the worker is there: the worker hears it say on.
      const b = await openPage(context);
      assert.equal(await keptUntil(b, isOn, 'on'), 'on');
      assert.equal((await fetchFrom(b, '/maestro/api')).status, 200);
      assert.equal(hit('/maestro/api'), 1);

      await b.evaluate(() => { window.MAESTRO_ENABLED = false; });
      await keptUntil(b, isOff, 'off');
      assert.equal((await fetchFrom(b, '/maestro/api')).status, 503);
      assert.equal((await fetchFrom(a, '/maestro/api')).status, 503);
      assert.equal(hit('/maestro/api'), 1, 'no request after the kill');

      // A new page says on, but a and b, open at the off, have not gone.
      const c = await openPage(context);
      assert.equal(await c.evaluate(() => window.gate.isEnabled()), true);
      await c.reload();
      await c.waitForFunction(() => window.ready === true);
      assert.ok(isOff(await kept(c)));
      assert.equal((await fetchFrom(c, '/maestro/api')).status, 503);

      // Once a and b have gone, the on c said lifts the off: the worker asks
      // again at the next request that matches (a browser may list a closed
      // page for a moment after it closed).
      await a.close();
      await b.close();
      const end = Date.now() + 30000;
      let status;
      while ((status = (await fetchFrom(c, '/maestro/api')).status) !== 200) {
        assert.equal(status, 503);
        assert.ok(Date.now() < end, 'the off was never lifted');
        await sleep(100);
      }
      assert.equal(await kept(c), 'on');
      assert.equal(hit('/maestro/api'), 2, 'one request: the one let through');
    } finally {
      await context.close();
    }
  });

  // A browser stops an idle worker (Chromium after about 30 s); a channel
  // message does not start it again, a message to the controlling worker
  // does. Chromium's DevTools protocol stops it here; Firefox has no such
  // switch for a test, so this runs in Chromium only.
  if (name === 'chromium') test(`[${name}] a live kill told while the browser has stopped the worker still reaches it`, async () => {
    const context = await browser.newContext();
    try {
      hits.clear();
      const a = await openPage(context);
      await register(a, 'worker.mjs');
      const b = await openPage(context);
      assert.equal(await keptUntil(b, isOn, 'on'), 'on');
      await b.stopServiceWorkers();
      await b.evaluate(() => { window.MAESTRO_ENABLED = false; });
      await keptUntil(b, isOff, 'off');
      assert.equal((await fetchFrom(b, '/maestro/api')).status, 503);
      assert.equal(hit('/maestro/api'), 0, 'no request after the kill');
    } finally {
      await context.close();
    }
  });

  test(`[${name}] a request that does not match is left to the worker's own handlers, even while off`, async () => {
    const context = await browser.newContext();
    try {
      hits.clear();
      const a = await openPage(context);
      await register(a, 'worker-own.mjs');
      const b = await openPage(context, '?off');
      await keptUntil(b, isOff, 'off');
      assert.equal((await fetchFrom(b, '/maestro/api')).status, 503);
      const own = await fetchFrom(b, '/app/data');
      assert.deepEqual([own.status, own.body], [200, 'from the app\'s own handler']);
      assert.equal(hit('/app/data') + hit('/maestro/api'), 0);
    } finally {
      await context.close();
    }
  });

  test(`[${name}] an update: the new worker takes over at once, with the off the one before kept`, async () => {
    const context = await browser.newContext();
    try {
      hits.clear();
      const a = await openPage(context);
      await register(a, 'worker.mjs');
      const b = await openPage(context, '?off');
      await keptUntil(b, isOff, 'off');
      await b.evaluate(() => navigator.serviceWorker.register('worker.mjs?v=2', { scope: './', type: 'module' }).then(() => undefined));
      // No reload: skipWaiting and clients.claim hand both pages to the new worker.
      for (const page of [a, b]) {
        await page.waitForFunction(() => (navigator.serviceWorker.controller?.scriptURL || '').endsWith('?v=2'));
        const r = await fetchFrom(page, '/maestro/api');
        assert.equal(r.status, 503);
        assert.equal(JSON.parse(r.body).reason, PAGE_OFF);
      }
      assert.equal(hit('/maestro/api'), 0);
    } finally {
      await context.close();
    }
  });

  test(`[${name}] an exception inside the guard lets a request through only while the last answer is on, else 503`, async () => {
    const context = await browser.newContext();
    try {
      hits.clear();
      const a = await openPage(context);
      await register(a, 'worker-throws.mjs');
      const b = await openPage(context);
      await keptUntil(b, isOn, 'on');
      const through = await fetchFrom(b, '/app/data');
      assert.deepEqual([through.status, through.body], [200, 'app'], 'the last answer is on: to the network');
      assert.equal(hit('/app/data'), 1);
      await b.evaluate(() => { window.MAESTRO_ENABLED = false; });
      await keptUntil(b, isOff, 'off');
      const r = await fetchFrom(b, '/app/data');
      assert.equal(r.status, 503);
      assert.deepEqual(JSON.parse(r.body), { maestro_enabled: false, reason: 'Disabled (fail safe): the Service Worker guard failed: boom' });
      assert.equal(hit('/app/data'), 1, 'the server saw nothing more');
    } finally {
      await context.close();
    }
  });

  // As init() reads its `remote`: undefined, null or false is none, and says
  // nothing; a value that is not a string (a URL object) polls nothing and
  // says so once.
  test(`[${name}] the worker's remote: null or false is none; a URL object or an empty one says why it does not poll`, async () => {
    const NOT_A_STRING = '[MAESTRO] Service Worker guard: remote is not a URL string (for a URL object, pass its href): no poll';
    const EMPTY = '[MAESTRO] Service Worker guard: remote is an empty URL: no poll';
    for (const [query, expected] of [['remoteFalse', []], ['remoteNull', []], ['', []], ['remoteObject=/health', [NOT_A_STRING]],
      ['remoteEmpty', [EMPTY]]].flatMap((c) => ['worker.mjs', 'worker-classic.js'].map((w) => [`${w}?${c[0]}`, c[1]]))) {
      const context = await browser.newContext();
      try {
        const before = hit('/health');
        const a = await openPage(context);
        // (The ES module build and the classic one, maestro-gate-sw.js through importScripts.)
        await register(a, `${query}&pollMs=300`);
        await sleep(1000);
        assert.deepEqual(await a.evaluate(async () => (await fetch('./sw-warnings')).json()), expected, query);
        assert.equal(hit('/health'), before, `${query}: no poll`);
        assert.equal((await fetchFrom(a, '/maestro/api')).status, 200, `${query}: the guard runs, on`);
      } finally {
        await context.close();
      }
    }
  });

  test(`[${name}] the worker reads a status "disabled" beside an on as the pages do: it fails safe`, async () => {
    const context = await browser.newContext();
    try {
      health = { status: 'enabled', maestro_enabled: true };
      const a = await openPage(context);
      await register(a, 'worker.mjs?remote=/health&pollMs=300');
      await keptUntil(a, isOn, 'on from the document');
      health = { status: 'disabled', maestro_enabled: true };
      await keptUntil(a, isOff, 'off: the status says so');
      const r = await fetchFrom(a, '/maestro/api');
      assert.equal(r.status, 503);
      assert.match(JSON.parse(r.body).reason, /status="disabled" but maestro_enabled is not false/);
    } finally {
      await context.close();
      health = { status: 'enabled', maestro_enabled: true };
    }
  });

  test(`[${name}] the worker's own poll of the health document turns it off; startBlocked blocks until an answer`, async () => {
    let context = await browser.newContext();
    try {
      hits.clear();
      health = { status: 'enabled', maestro_enabled: true };
      const a = await openPage(context);
      await register(a, 'worker.mjs?remote=/health&pollMs=300');
      await keptUntil(a, isOn, 'on from the document');
      assert.equal((await fetchFrom(a, '/maestro/api')).status, 200);
      health = { status: 'disabled', maestro_enabled: false };
      await keptUntil(a, isOff, 'off from the document');
      const r = await fetchFrom(a, '/maestro/api');
      assert.equal(r.status, 503);
      assert.equal(JSON.parse(r.body).reason, 'Disabled by remote /health: maestro_enabled=false');
      assert.equal(hit('/maestro/api'), 1);
    } finally {
      await context.close();
      health = { status: 'enabled', maestro_enabled: true };
    }

    context = await browser.newContext();
    try {
      hits.clear();
      const a = await openPage(context);
      // The page decided before the worker existed: the worker has no answer.
      await register(a, 'worker.mjs?startBlocked');
      const r = await fetchFrom(a, '/maestro/api');
      assert.equal(r.status, 503);
      assert.match(JSON.parse(r.body).reason, /startBlocked/);
      assert.equal((await fetchFrom(a, '/app/data')).status, 200);
      await a.reload();
      await a.waitForFunction(() => window.ready === true);
      await keptUntil(a, isOn, 'on');
      assert.equal((await fetchFrom(a, '/maestro/api')).status, 200);
      assert.equal(hit('/maestro/api'), 1);
    } finally {
      await context.close();
    }
  });
});
