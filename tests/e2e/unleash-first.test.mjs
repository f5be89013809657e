// init({ unleash })'s first answer on the lean path (issue 20), in the system
// Chromium and in Firefox, through pkg/: the first-answer module's Unleash
// build (crates/gate/src/answer_unleash.rs; maestro_gate_answer_unleash_slim_bg.wasm,
// without the narrowing, for a page without a rollout or a guard, else
// maestro_gate_answer_unleash_bg.wasm)
// reads the Frontend API before the first decision, and the remote module
// loads after it, for the poll, which goes on from that answer. A stand-in
// for the Frontend API on the app's origin gives the answers (the real
// Unleash is tests/unleash/'s, `make test-unleash`).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, ROOT } from './helpers.mjs';
import { BROWSERS, launch } from './browsers.mjs';

const KEY = 'default:development.unleash-first-key';
let server;
let mode = 'on'; // on | off | invalid | 401 | big | many | delay | late | lateoff | lateon
let lateReads = 0; // (mode 'late': the first read answers on, the others off, each after 2.5 s)
let lateSent = 0; // (modes 'lateoff' and 'lateon': when the last answer was sent)
const reads = []; // { auth, query }
const posts = []; // the metrics bodies
const ANSWERS = {
  on: '{"toggles":[{"name":"maestro","enabled":true,"variant":{"name":"disabled","enabled":false}}]}',
  off: '{"toggles":[{"name":"other","enabled":true}]}',
  invalid: '{"toggles":[{"name":"maestro","enabled":"yes"}]}',
  // 3,000 other toggles, then maestro off: about 200 KB, under the cap, in large chunks.
  many: JSON.stringify({ toggles: [...Array.from({ length: 3000 }, (_, i) => ({ name: `toggle-${i}`, enabled: true, variant: { name: 'disabled', enabled: false } })), { name: 'maestro', enabled: false }] }),
};

before(async () => {
  server = await serve(ROOT, {
    '/fapi/api/frontend': (req, res) => {
      reads.push({ auth: req.headers.authorization, query: new URL(req.url, 'http://x').searchParams });
      if (mode === '401') return res.writeHead(401).end('{"message":"unauthorized"}');
      if (mode === 'big') return res.writeHead(200, { 'content-type': 'application/json' }).end(`{"toggles":[],"pad":"${'x'.repeat(300000)}"}`);
      if (mode === 'late') return setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(lateReads++ ? ANSWERS.off : ANSWERS.on), 2500);
      if (mode === 'lateoff' || mode === 'lateon') return setTimeout(() => { res.writeHead(200, { 'content-type': 'application/json' }).end(ANSWERS[mode.slice(4)]); lateSent = Date.now(); }, 1500);
      if (mode === 'delay') return setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(ANSWERS.off), 1200);
      res.writeHead(200, { 'content-type': 'application/json' }).end(ANSWERS[mode]);
    },
    '/fapi/api/frontend/client/metrics': (req, res) => {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        posts.push({ auth: req.headers.authorization, body: JSON.parse(body) });
        res.writeHead(202).end();
      });
    },
  });
});
after(async () => { await server?.close(); });

// A rollout in, and one out: the percentage, whether it lets this browser in, and the
// reason (`%b`: this browser's bucket).
const ROLLOUTS = [[100, true, 'Enabled by rollout: bucket %b is within 100%'], [0, false, 'Disabled by rollout: bucket %b is above 0%']];

const api = () => `${server.url}/fapi/api/frontend`;
const OFF = () => `Disabled by Unleash toggle maestro at ${api()}: not enabled`;

async function load(context, params = {}) {
  const q = new URLSearchParams({ url: api(), key: KEY, wait: 5000, poll: 600000, ...params });
  const page = await context.newPage();
  await page.goto(`${server.url}/tests/e2e/pages/unleash.html?${q}`);
  await page.waitForFunction(() => window.ready === true, { timeout: 15000 });
  return page;
}

const fetched = (page, file) => page.requests.some((u) => new URL(u).pathname === `/pkg/${file}`);
const chunkFetched = (page) => page.requests.some((u) => u.includes('maestro-chunk.js'));

// The yes and no counts posted since the `n`th post.
const counted = (n) => posts.slice(n).map((p) => p.body.bucket.toggles.maestro)
  .reduce(([yes, no], c) => [yes + c.yes, no + c.no], [0, 0]);

// Leaves the page (pagehide), and waits until a post since the `n`th counts a "no".
async function leave(page, n) {
  await page.goto(`${server.url}/tests/e2e/pages/tag.html`);
  await page.waitForFunction(() => window.ready === true);
  for (let i = 0; i < 100 && counted(n)[1] < 1; i++) await page.waitForTimeout(100);
}

// Nothing the page shows or keeps holds the client key.
async function keyNowhere(page) {
  const seen = JSON.stringify(await page.evaluate(() => [
    window.gate.decision(), window.gate.health(), { ...localStorage }, { ...sessionStorage },
  ]));
  assert.ok(!seen.includes(KEY), seen);
  assert.ok(!page.lines.some((l) => l.includes(KEY)), page.lines.join('\n'));
}

for (const name of BROWSERS) describe(name, () => {
  let browser;
  before(async () => { browser = await launch(name); });
  after(async () => { await browser?.close(); });

  test(`[${name}] the first answer is the first-answer module's, the remote module loads after the decision, and its poll goes on from it`, async () => {
    mode = 'on';
    const context = await browser.newContext();
    try {
      reads.length = 0;
      const n = posts.length;
      const page = await load(context, { poll: 300 });
      const first = await page.evaluate(() => window.first);
      assert.equal(first.enabled, true, JSON.stringify(first));
      const loaded = await page.evaluate(() => window.loaded);
      // (Its build without the narrowing: the page sets neither a rollout nor a guard.)
      assert.ok(loaded.includes('/pkg/maestro_gate_answer_unleash_slim_bg.wasm'), loaded.join('\n'));
      assert.ok(!loaded.includes('/pkg/maestro_gate_answer_unleash_bg.wasm'), loaded.join('\n'));
      // (Its glue is in the extras chunk: no file of its own.)
      assert.ok(!loaded.some((p) => p.includes('maestro_gate_answer.js')), loaded.join('\n'));
      assert.ok(!loaded.some((p) => p.includes('maestro_gate_remote')), `the remote module before the decision: ${loaded.join('\n')}`);
      assert.ok(!loaded.includes('/pkg/maestro_gate_answer_bg.wasm'), 'the health document\'s build');
      assert.equal(chunkFetched(page), true);
      // The request: the client key in Authorization, the context in the query
      // (the sessionId is the browser's sticky id).
      const [r] = reads;
      assert.equal(r.auth, KEY);
      assert.equal(r.query.get('appName'), 'maestro-gate');
      assert.equal(r.query.get('sessionId'), await page.evaluate(() => localStorage.getItem('maestro-gate:id')));
      assert.match(r.query.get('sessionId'), /^[0-9a-f]{32}$/);
      // Remembered under the source's key, as the remote module keeps it.
      // (After the decision: the keeping module writes it.)
      await page.waitForFunction(() => localStorage.getItem('maestro-gate:remote') !== null, { timeout: 5000 });
      const stored = JSON.parse(await page.evaluate(() => localStorage.getItem('maestro-gate:remote')));
      assert.deepEqual([stored.answers[0].url, stored.answers[0].enabled], [`Unleash toggle maestro at ${api()}`, true]);
      // The poll (the remote module, after the decision) turns it off.
      await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => e.name.includes('maestro_gate_remote_bg')), { timeout: 15000 });
      mode = 'off';
      await page.waitForFunction(() => window.gate.isEnabled() === false, { timeout: 15000 });
      assert.equal(await page.evaluate(() => window.gate.decision().reason), OFF());
      await keyNowhere(page);
      // Both decisions counted, once each: the first answer's (handed to the
      // poll) and the poll's, posted when the page is left.
      await leave(page, n);
      assert.deepEqual(counted(n), [1, 1], JSON.stringify(posts.slice(n)));
    } finally {
      mode = 'on';
      await context.close();
    }
  });

  test(`[${name}] a read behind a slow tab's lock that ends after the poll's bound still counts: the poll starts after it`, async () => {
    // Another tab holds the toggle's first-read lock until 1.5 s after this
    // page asks for it, past its wait (300 ms): the page starts on. Its own
    // read then begins, and ends (on, 2.5 s later) after the fetch's timeout
    // (pollMs: 3 s) has run from the wait. It counts the page's first
    // decision, a "yes", which the poll takes over as it starts after that
    // read; the poll's read says off: a "no".
    mode = 'late';
    lateReads = 0;
    const context = await browser.newContext();
    try {
      const n = posts.length;
      const page = await load(context, { poll: 3000, wait: 300, holdLock: 1500 });
      assert.equal((await page.evaluate(() => window.first)).enabled, true);
      await page.waitForFunction(() => window.gate.isEnabled() === false, { timeout: 20000 });
      await leave(page, n);
      assert.deepEqual(counted(n), [1, 1], JSON.stringify(posts.slice(n)));
    } finally {
      mode = 'on';
      await context.close();
    }
  });

  test(`[${name}] another tab's "on" first, then the page's own read's "off": both decisions are counted`, async () => {
    // Another tab's answer (on) comes 300 ms after this page asked for the
    // lock: the page starts on, a "yes". Its own read, begun before it,
    // answers off 1.5 s in: the page turns off, a "no". Both are posted (the
    // first-answer module kept one counted value, the last: only the "no").
    mode = 'lateoff';
    const context = await browser.newContext();
    try {
      const n = posts.length;
      const page = await load(context, { hear: 300 });
      assert.equal((await page.evaluate(() => window.first)).enabled, true);
      await page.waitForFunction(() => window.gate.isEnabled() === false, { timeout: 20000 });
      await leave(page, n);
      assert.deepEqual(counted(n), [1, 1], JSON.stringify(posts.slice(n)));
    } finally {
      mode = 'on';
      await context.close();
    }
  });

  test(`[${name}] another tab's "off" first, then the page's own read's "on": the page stays off, and only its "no" is counted`, async () => {
    // The page starts off on another tab's answer (a "no"). Its own read,
    // begun before it, answers on 1.5 s in: not applied to a page that is
    // off (as the poll, which only a page that is on runs, would not), so
    // not counted either.
    mode = 'lateon';
    lateSent = 0;
    const context = await browser.newContext();
    try {
      const n = posts.length;
      const page = await load(context, { hear: 300, heard: 'off' });
      assert.equal((await page.evaluate(() => window.first)).enabled, false);
      // (Until the late answer was sent, and a moment for the page to read it.)
      for (let i = 0; i < 100 && !lateSent; i++) await page.waitForTimeout(100);
      assert.ok(lateSent, 'the late read was not answered');
      await page.waitForTimeout(1000);
      assert.equal(await page.evaluate(() => window.gate.isEnabled()), false);
      await leave(page, n);
      await page.waitForTimeout(500);
      assert.deepEqual(counted(n), [0, 1], JSON.stringify(posts.slice(n)));
    } finally {
      mode = 'on';
      await context.close();
    }
  });

  test(`[${name}] a page that loads while the toggle is off starts off, never loads the remote module, and posts its "no" when left`, async () => {
    mode = 'off';
    const context = await browser.newContext();
    try {
      const page = await load(context);
      const first = await page.evaluate(() => window.first);
      assert.deepEqual([first.enabled, first.source, first.reason], [false, 'remote', OFF()]);
      assert.equal(chunkFetched(page), false, page.requests.join('\n'));
      assert.ok(page.lines.includes(`info: [MAESTRO] ${OFF()}`), page.lines.join('\n'));
      await keyNowhere(page);
      const n = posts.length;
      await leave(page, n);
      assert.ok(posts.length > n, 'no metrics post after the page was left');
      const post = posts[n];
      assert.equal(post.auth, KEY);
      assert.equal(post.body.instanceId, 'browser');
      assert.deepEqual(post.body.bucket.toggles, { maestro: { yes: 0, no: 1, variants: {} } });
      assert.match(post.body.bucket.start, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(fetched(page, 'maestro_gate_remote_bg.wasm'), false, page.requests.join('\n'));
    } finally {
      mode = 'on';
      await context.close();
    }
  });

  test(`[${name}] resetGuard() before init({ unleash }): the first answer is still Unleash's`, async () => {
    mode = 'off';
    const context = await browser.newContext();
    try {
      const page = await load(context, { resetFirst: '' });
      assert.equal(await page.evaluate(() => window.reset), false);
      const first = await page.evaluate(() => window.first);
      assert.deepEqual([first.enabled, first.source, first.reason], [false, 'remote', OFF()]);
      assert.equal(chunkFetched(page), false, page.requests.join('\n'));
      assert.ok(fetched(page, 'maestro_gate_answer_unleash_slim_bg.wasm'), page.requests.join('\n'));
      assert.equal(fetched(page, 'maestro_gate_answer_bg.wasm'), false, page.requests.join('\n'));
    } finally {
      mode = 'on';
      await context.close();
    }
  });

  test(`[${name}] with a guard or a rollout, the Unleash build that narrows: the guard counts and trips, the percentage narrows`, async () => {
    mode = 'on';
    const context = await browser.newContext();
    try {
      const page = await load(context, { guard: 2 });
      const first = await page.evaluate(() => window.first);
      assert.equal(first.enabled, true, JSON.stringify(first));
      assert.ok(fetched(page, 'maestro_gate_answer_unleash_bg.wasm'), page.requests.join('\n'));
      assert.equal(fetched(page, 'maestro_gate_answer_unleash_slim_bg.wasm'), false, page.requests.join('\n'));
      // (The guard joins the rollout module from a task after the decision.)
      await page.waitForFunction(() => window.gate.health().guard !== null, { timeout: 10000 });
      await page.evaluate(() => { window.gate.recordError(); window.gate.recordError(); });
      await page.waitForFunction(() => window.gate.isEnabled() === false, { timeout: 10000 });
      assert.equal(await page.evaluate(() => window.gate.decision().reason), 'Disabled by guard: 2 errors in 60 s');
    } finally {
      await context.close();
    }
    // A rollout (in a browser that remembers no trip): applied, with Unleash's toggle on.
    const fresh = await browser.newContext();
    try {
      for (const [percent, enabled, words] of ROLLOUTS) {
        const page = await load(fresh, { rollout: percent, userId: 'u-1' });
        const d = await page.evaluate(() => window.first);
        assert.deepEqual([d.enabled, d.source, d.reason], [enabled, 'rollout', words.replace('%b', d.rollout?.bucket)], JSON.stringify(d));
        assert.ok(fetched(page, 'maestro_gate_answer_unleash_bg.wasm'), page.requests.join('\n'));
      }
    } finally {
      await fresh.close();
    }
  });

  test(`[${name}] a page on the build without the narrowing that is on: no guard, recordError() changes nothing, resetGuard() answers false`, async () => {
    mode = 'on';
    const context = await browser.newContext();
    try {
      const page = await load(context);
      assert.ok(fetched(page, 'maestro_gate_answer_unleash_slim_bg.wasm'), page.requests.join('\n'));
      assert.equal((await page.evaluate(() => window.first)).enabled, true);
      await page.evaluate(() => { for (let i = 0; i < 6; i++) window.gate.recordError(new Error('boom')); });
      assert.equal(await page.evaluate(() => window.gate.resetGuard()), false);
      await page.waitForTimeout(500);
      assert.deepEqual(await page.evaluate(() => [window.gate.isEnabled(), window.gate.health().guard]), [true, null]);
      assert.ok(!page.lines.some((l) => l.startsWith('pageerror')), page.lines.join('\n'));
    } finally {
      await context.close();
    }
  });

  test(`[${name}] a window.MAESTRO_ROLLOUT set while the first answer is awaited, on a page that loaded the build without the narrowing, is applied by the narrowing build`, async () => {
    mode = 'on';
    const context = await browser.newContext();
    try {
      const buckets = [];
      for (const [percent, enabled, words] of ROLLOUTS) {
        const page = await load(context, { lateRollout: percent });
        const first = await page.evaluate(() => window.first);
        assert.deepEqual([first.enabled, first.source, first.reason], [enabled, 'rollout', words.replace('%b', first.rollout?.bucket)], JSON.stringify(first));
        assert.ok(fetched(page, 'maestro_gate_answer_unleash_slim_bg.wasm'), page.requests.join('\n'));
        assert.ok(fetched(page, 'maestro_gate_narrow_bg.wasm'), page.requests.join('\n'));
        assert.equal(fetched(page, 'maestro_gate_answer_unleash_bg.wasm'), false, page.requests.join('\n'));
        assert.equal(first.rollout?.stickiness, 'localStorage', JSON.stringify(first));
        buckets.push(first.rollout?.bucket);
      }
      // Set before init(), the page loads the Unleash build that narrows, and no other.
      const before = await load(context, { earlyRollout: 100 });
      const b = await before.evaluate(() => window.first);
      assert.deepEqual([b.enabled, b.source, b.reason], [true, 'rollout', `Enabled by rollout: bucket ${b.rollout?.bucket} is within 100%`], JSON.stringify(b));
      assert.ok(fetched(before, 'maestro_gate_answer_unleash_bg.wasm'), before.requests.join('\n'));
      assert.equal(fetched(before, 'maestro_gate_answer_unleash_slim_bg.wasm'), false, before.requests.join('\n'));
      assert.equal(fetched(before, 'maestro_gate_narrow_bg.wasm'), false, before.requests.join('\n'));
      // (The same bucket, this browser's, whichever build hashed it.)
      assert.deepEqual(buckets, [b.rollout?.bucket, b.rollout?.bucket]);
    } finally {
      await context.close();
    }
  });

  test(`[${name}] two copies of the gate on a page that starts off count it once: one "no", posted when it is left`, async () => {
    mode = 'off';
    const context = await browser.newContext();
    try {
      const page = await load(context, { second: '' });
      const [first, second] = await page.evaluate(() => [window.first, window.second]);
      assert.deepEqual([first.enabled, first.reason, second.enabled, second.reason], [false, OFF(), false, OFF()]);
      const n = posts.length;
      await leave(page, n);
      // (Both copies post, if they do, when the page is left: a second post
      // would come with the first.)
      await page.waitForTimeout(1000);
      assert.deepEqual(counted(n), [0, 1], JSON.stringify(posts.slice(n)));
    } finally {
      mode = 'on';
      await context.close();
    }
  });

  test(`[${name}] without storage, two copies of the gate on a page send Unleash one sessionId: the page's id, which they share`, async () => {
    mode = 'on';
    const context = await browser.newContext();
    try {
      const ids = async (nth) => {
        reads.length = 0;
        const page = await load(context, { second: '', nostorage: '', poll: 300 });
        const [first, second] = await page.evaluate(() => [window.first, window.second]);
        assert.deepEqual([first.enabled, second.enabled], [true, true], JSON.stringify([first, second]));
        // Each copy's first answer, then the remote module's poll.
        for (let i = 0; i < 100 && reads.length < 3; i++) await page.waitForTimeout(100);
        const sent = reads.map((r) => r.query.get('sessionId'));
        assert.ok(sent.length >= 3, `load ${nth}: ${sent.join(', ')}`);
        assert.match(sent[0], /^[0-9a-f]{32}$/);
        assert.deepEqual(sent, sent.map(() => sent[0]), `load ${nth}: ${sent.join(', ')}`);
        // The page's id (the rollout's too, when it has no userId), on the
        // page: storage keeps none.
        assert.equal(await page.evaluate(() => window['maestro-gate:id']), sent[0]);
        assert.equal(await page.evaluate(() => { try { return localStorage.getItem('maestro-gate:id'); } catch { return 'threw'; } }), 'threw');
        await page.close();
        return sent[0];
      };
      // One for each page load: a reload draws another.
      assert.notEqual(await ids(1), await ids(2));
    } finally {
      await context.close();
    }
  });

  test(`[${name}] an enabled that is not a boolean fails safe; a refused key warns and the remembered off holds; a body over 256 KB is a failure`, async () => {
    const context = await browser.newContext();
    try {
      mode = 'invalid';
      const invalid = await load(context);
      const i = await invalid.evaluate(() => window.first);
      assert.deepEqual([i.enabled, i.source], [false, 'remote']);
      assert.equal(i.reason, `Disabled (fail safe): Unleash toggle maestro at ${api()}: invalid enabled="yes"; accepted: true or false`);
      mode = 'off';
      const kill = await load(context); // remembers the off
      // (The keeping module writes it beside the decision: a test that reloads waits for it.)
      await (kill).waitForFunction(() => JSON.parse(localStorage.getItem('maestro-gate:remote'))?.off, { timeout: 5000 });
      mode = '401';
      const refused = await load(context, { wait: 2000 });
      const r = await refused.evaluate(() => window.first);
      assert.equal(r.enabled, false, JSON.stringify(r));
      assert.match(r.reason, /^Disabled by remote Unleash toggle maestro at .*: maestro_enabled=false \(remembered, \d+ s old\)$/);
      assert.ok(refused.lines.includes(`warning: [MAESTRO] Unleash toggle maestro at ${api()} failed (HTTP 401); starting from its remembered answer, if any`), refused.lines.join('\n'));
      await keyNowhere(refused);
      // A remembered on: a body over the cap fails, and the page starts on.
      mode = 'on';
      await load(context);
      mode = 'big';
      const big = await load(context, { wait: 2000 });
      assert.equal((await big.evaluate(() => window.first)).enabled, true);
      assert.ok(big.lines.some((l) => l.includes('failed (not a Frontend API answer: the body is longer than 256 KB)')), big.lines.join('\n'));
      // A long answer under the cap is read whole.
      mode = 'many';
      assert.ok(ANSWERS.many.length > 150000 && ANSWERS.many.length < 256 * 1024, ANSWERS.many.length);
      const many = await load(context);
      assert.deepEqual(await many.evaluate(() => [window.first.enabled, window.first.reason]), [false, OFF()]);
    } finally {
      mode = 'on';
      await context.close();
    }
  });

  test(`[${name}] three tabs opened together share one read under the Web Lock`, async () => {
    mode = 'delay'; // 1.2 s (within a 3 s wait): the three loads overlap the first read
    const context = await browser.newContext();
    try {
      reads.length = 0;
      const pages = await Promise.all([1, 2, 3].map(() => load(context, { wait: 3000 })));
      for (const page of pages) {
        const first = await page.evaluate(() => window.first);
        assert.deepEqual([first.enabled, first.reason], [false, OFF()]);
      }
      console.log(`# ${name}: three tabs opened together, first-answer requests: ${reads.length}`);
      // (As the health document's test: a tab that starts after the first
      // read has answered reads for itself.)
      assert.ok(reads.length < 3, `each tab read for itself: ${reads.length}`);
    } finally {
      mode = 'on';
      await context.close();
    }
  });
});
