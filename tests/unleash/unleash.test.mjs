// init({ unleash }) against a real Unleash (issue 27), in the system Chromium
// and in Firefox, through pkg/: the Unleash and PostgreSQL that
// scripts/unleash.sh starts (`make test-unleash` starts them once and hands
// their address over in MAESTRO_UNLEASH; run alone, this file starts its own).
//
// The pages reach Unleash through a small proxy on another origin (so the
// requests are cross-origin, as in production), which records each request
// and its status, and which can drop every connection: Unleash unreachable.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { serve, ROOT } from '../e2e/helpers.mjs';
import { BROWSERS, launch } from '../e2e/browsers.mjs';

let unleash; // { url, frontendUrl, frontendToken, adminToken, toggle }
let server; // the app's origin (pkg/ and the test pages)
let proxy; // { url, log: [{ method, path, status }], down }
let ownUnleash; // the script's process, when this file started it

async function startUnleash() {
  if (process.env.MAESTRO_UNLEASH) return JSON.parse(process.env.MAESTRO_UNLEASH);
  ownUnleash = spawn('bash', [join(ROOT, 'scripts', 'unleash.sh'), '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  return new Promise((resolve, reject) => {
    ownUnleash.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line && out.includes('\n')) resolve(JSON.parse(line));
    });
    ownUnleash.on('exit', (code) => reject(new Error(`scripts/unleash.sh exited (${code}) before it was ready`)));
  });
}

function startProxy(target) {
  const log = [];
  const state = { down: false };
  const s = createServer((req, res) => {
    if (state.down) return req.socket.destroy();
    const entry = { method: req.method, path: req.url, status: 0, at: Date.now() };
    log.push(entry);
    const t = new URL(target);
    const up = httpRequest({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: { ...req.headers, host: t.host } }, (r) => {
      entry.status = r.statusCode;
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    up.on('error', () => { entry.status = 502; res.writeHead(502).end(); });
    req.pipe(up);
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${s.address().port}`, log, state,
    close: () => new Promise((r) => { s.closeAllConnections(); s.close(r); }),
  })));
}

async function admin(method, path, body) {
  const r = await fetch(`${unleash.url}${path}`, {
    method, headers: { Authorization: unleash.adminToken, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${method} ${path}: HTTP ${r.status} ${await r.text()}`);
  return r.status === 200 && r.headers.get('content-type')?.includes('json') ? r.json() : null;
}
const ENV = '/api/admin/projects/default/features/maestro/environments/development';
const setToggle = (on) => admin('POST', `${ENV}/${on ? 'on' : 'off'}`);
async function setRollout(percent) {
  const [strategy] = await admin('GET', `${ENV}/strategies`);
  await admin('PUT', `${ENV}/strategies/${strategy.id}`, {
    name: 'flexibleRollout', constraints: [], parameters: { rollout: String(percent), stickiness: 'default', groupId: 'maestro' },
  });
}
// Until the Frontend API answers as the admin API was told (Unleash's own propagation).
async function propagated(on, userId) {
  for (let i = 0; i < 200; i++) {
    const q = new URLSearchParams({ appName: 'probe', sessionId: 'probe', ...(userId ? { userId } : {}) });
    const r = await fetch(`${unleash.frontendUrl}?${q}`, { headers: { Authorization: unleash.frontendToken } });
    const { toggles } = await r.json();
    if (toggles.some((t) => t.name === 'maestro' && t.enabled) === on) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the Frontend API did not turn ${on ? 'on' : 'off'}`);
}

// A fake Frontend API on the app's origin, for answers Unleash never gives.
let fake = '{"toggles":[]}';

before(async () => {
  unleash = await startUnleash();
  proxy = await startProxy(unleash.url);
  server = await serve(ROOT, {
    '/fake/api/frontend': (req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(fake),
  });
  await setRollout(100);
  await setToggle(true);
  await propagated(true);
});
after(async () => {
  await server?.close();
  await proxy?.close();
  if (ownUnleash) {
    const exited = new Promise((r) => ownUnleash.once('exit', r));
    ownUnleash.kill('SIGTERM');
    await exited;
  }
});

const frontend = () => `${proxy.url}/api/frontend`;
// A first answer may take more than the default 1 s on a busy machine: the
// pages wait up to 5 s for it (a slower one would apply live).
function pageUrl(params) {
  const q = new URLSearchParams({ url: frontend(), key: unleash.frontendToken, wait: 5000, ...params });
  return `${server.url}/tests/e2e/pages/unleash.html?${q}`;
}
async function load(context, params = {}) {
  const page = await context.newPage();
  await page.goto(pageUrl(params));
  await page.waitForFunction(() => window.ready === true, { timeout: 15000 });
  return page;
}
const chunkFetched = (page) => page.requests.some((u) => u.includes('maestro-chunk.js'));
const reads = () => proxy.log.filter((e) => e.method === 'GET' && e.path.startsWith('/api/frontend?'));
const OFF = (url) => `Disabled by Unleash toggle maestro at ${url}: not enabled`;

// Nothing the page shows or keeps holds the client key.
async function keyNowhere(page) {
  const seen = JSON.stringify(await page.evaluate(() => [
    window.gate.decision(), window.gate.health(), { ...localStorage }, { ...sessionStorage },
  ]));
  assert.ok(!seen.includes(unleash.frontendToken) && !seen.includes('maestro-local-frontend-token'), seen);
  assert.ok(!page.lines.some((l) => l.includes('maestro-local-frontend-token')), page.lines.join('\n'));
}

for (const name of BROWSERS) describe(name, () => {
  let browser;
  before(async () => { browser = await launch(name); });
  after(async () => { await browser?.close(); });

  test(`[${name}] a toggle switched off in Unleash turns three open tabs off, and one tab polls for all`, async () => {
    const context = await browser.newContext();
    try {
      const pages = [];
      for (let i = 0; i < 3; i++) pages.push(await load(context, { poll: 500 }));
      for (const page of pages) {
        const first = await page.evaluate(() => window.first);
        assert.equal(first.enabled, true, JSON.stringify(first));
        assert.equal(chunkFetched(page), true);
      }
      // Three tabs at pollMs 500 for 10 s: one request per interval for all
      // (at most 24), and most of them answered 304 by Unleash.
      const before = reads().length;
      await pages[0].waitForTimeout(10000);
      const window10 = reads().slice(before);
      const notModified = window10.filter((e) => e.status === 304).length;
      console.log(`# ${name}: three tabs, pollMs 500, 10 s: ${window10.length} requests, ${notModified} answered 304`);
      assert.ok(window10.length <= 24, `${window10.length} requests`);
      assert.ok(notModified > window10.length / 2, JSON.stringify(window10.map((e) => e.status)));
      for (const page of pages) assert.equal(await page.evaluate(() => window.gate.isEnabled()), true);

      await setToggle(false);
      for (const page of pages) {
        await page.waitForFunction(() => window.gate.isEnabled() === false, { timeout: 15000 });
        const d = await page.evaluate(() => window.gate.decision());
        assert.equal(d.source, 'remote');
        assert.match(d.reason, /Unleash toggle maestro at /, d.reason);
      }
      // The tab that read it says so in its own words; the others heard it.
      const reasons = await Promise.all(pages.map((p) => p.evaluate(() => window.gate.decision().reason)));
      assert.ok(reasons.includes(OFF(frontend())), reasons.join('\n'));
      for (const page of pages) await keyNowhere(page);
    } finally {
      await context.close();
      await setToggle(true);
      await propagated(true);
    }
  });

  test(`[${name}] a page that loads while the toggle is off never fetches MAESTRO's chunk; with remote too, off wins`, async () => {
    await setToggle(false);
    await propagated(false);
    const context = await browser.newContext();
    try {
      const page = await load(context);
      const first = await page.evaluate(() => window.first);
      assert.deepEqual([first.enabled, first.source, first.reason], [false, 'remote', OFF(frontend())]);
      assert.equal(chunkFetched(page), false, page.requests.join('\n'));
      assert.ok(page.lines.includes(`info: [MAESTRO] ${OFF(frontend())}`), page.lines.join('\n'));
      await keyNowhere(page);
      // Its "no" is posted when it is left.
      const posts = () => proxy.log.filter((e) => e.method === 'POST' && e.path === '/api/frontend/client/metrics').length;
      const posted = posts();
      await page.goto(`${server.url}/tests/e2e/pages/tag.html`);
      for (let i = 0; i < 100 && posts() === posted; i++) await page.waitForTimeout(100);
      assert.ok(posts() > posted, 'no metrics post after the page was left');
      // A health document that says on does not outvote it.
      const both = await browser.newContext();
      try {
        const p2 = await load(both, { remote: '/tests/fixtures/health-on.json' });
        const f2 = await p2.evaluate(() => window.first);
        assert.deepEqual([f2.enabled, f2.reason], [false, OFF(frontend())]);
        assert.equal(chunkFetched(p2), false);
      } finally {
        await both.close();
      }
    } finally {
      await context.close();
      await setToggle(true);
      await propagated(true);
    }
  });

  test(`[${name}] a 50% flexibleRollout puts each user id where the gate's own 50% rollout does`, async () => {
    await setRollout(50);
    try {
      const ids = Array.from({ length: 24 }, (_, i) => `user-${i * 7 + 3}`);
      // Until the Frontend API leaves some of them out (Unleash's propagation).
      const inUnleash = async (userId) => {
        const q = new URLSearchParams({ appName: 'probe', sessionId: 'probe', userId });
        const r = await fetch(`${unleash.frontendUrl}?${q}`, { headers: { Authorization: unleash.frontendToken } });
        return (await r.json()).toggles.some((t) => t.name === 'maestro' && t.enabled);
      };
      for (let i = 0; i < 200; i++) {
        const answers = await Promise.all(ids.map(inUnleash));
        if (answers.includes(false)) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // The gate's own rollout at 50% for each id: one copy of the gate per
      // id, in one page (copies without a remote poll nothing).
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(`${server.url}/blank`);
        const own = await page.evaluate(async (ids) => {
          const out = [];
          for (const userId of ids) {
            const gate = await import(`/pkg/index.js?user=${encodeURIComponent(userId)}`);
            out.push((await gate.init({ rollout: 50, userId, exposeGlobal: false })).enabled);
          }
          return out;
        }, ids);
        // Unleash's answer for each id, as the gate asks for it.
        const unleashSays = await Promise.all(ids.map(inUnleash));
        assert.deepEqual(unleashSays, own, ids.map((id, i) => `${id}: Unleash ${unleashSays[i]}, the gate ${own[i]}`).join('\n'));
        var ins = own.filter(Boolean).length;
        // And through init({ unleash, userId }), for two ids in and two out.
        const sample = [...ids.filter((_, i) => own[i]).slice(0, 2), ...ids.filter((_, i) => !own[i]).slice(0, 2)];
        for (const userId of sample) {
          await page.evaluate(() => localStorage.removeItem('maestro-gate:remote')); // the user before's answer
          const p = await load(context, { userId });
          const first = await p.evaluate(() => window.first);
          assert.equal(first.enabled, own[ids.indexOf(userId)], `${userId} through init({ unleash }): ${JSON.stringify(first)}`);
          await p.close();
        }
      } finally {
        await context.close();
      }
      console.log(`# ${name}: 50% rollout, ${ids.length} user ids, ${ins} in`);
      assert.ok(ins > 0 && ins < ids.length, `${ins} of ${ids.length} in: not a split`);
    } finally {
      await setRollout(100);
      await propagated(true);
    }
  });

  test(`[${name}] a wrong key warns with the status and the remembered answer holds; so does an unreachable Unleash`, async () => {
    await setToggle(false);
    await propagated(false);
    const context = await browser.newContext();
    try {
      const off = await load(context); // remembers the off
      assert.equal((await off.evaluate(() => window.first)).enabled, false);
      // (The keeping module writes it beside the decision, once it has
      // loaded: a page closed before that remembers nothing. Wait for it.)
      await off.waitForFunction(() => JSON.parse(localStorage.getItem('maestro-gate:remote'))?.off, { timeout: 5000 });
      await off.close();
      await setToggle(true);
      await propagated(true);
      const wrong = await load(context, { key: 'default:development.wrong-key', wait: 2000 });
      const first = await wrong.evaluate(() => window.first);
      assert.equal(first.enabled, false, JSON.stringify([first, wrong.lines, proxy.log.slice(-6)]));
      assert.match(first.reason, /^Disabled by remote Unleash toggle maestro at .*: maestro_enabled=false \(remembered, \d+ s old\)$/);
      assert.ok(wrong.lines.some((l) => l.startsWith('warning: [MAESTRO] Unleash toggle maestro at') && l.includes('(HTTP 401)')), wrong.lines.join('\n'));
      assert.ok(!wrong.lines.some((l) => l.includes('wrong-key')), wrong.lines.join('\n'));
      assert.equal(chunkFetched(wrong), false);
      // Unleash unreachable: the remembered off still holds.
      proxy.state.down = true;
      const down = await load(context, { wait: 2000 });
      const d = await down.evaluate(() => window.first);
      assert.equal(d.enabled, false, JSON.stringify(d));
      assert.match(d.reason, /\(remembered, \d+ s old\)$/);
      assert.ok(down.lines.some((l) => l.startsWith('warning: [MAESTRO] Unleash toggle maestro at') && l.includes('failed')), down.lines.join('\n'));
      // Back, and on: the next load reads it and starts on.
      proxy.state.down = false;
      const back = await load(context);
      assert.equal((await back.evaluate(() => window.first)).enabled, true);
      await keyNowhere(back);
    } finally {
      proxy.state.down = false;
      await context.close();
      await setToggle(true);
    }
  });

  test(`[${name}] an enabled that is not a boolean fails safe, with a warning`, async () => {
    const context = await browser.newContext();
    try {
      fake = '{"toggles":[{"name":"maestro","enabled":"yes"}]}';
      const page = await context.newPage();
      await page.goto(pageUrl({ url: `${server.url}/fake/api/frontend` }));
      await page.waitForFunction(() => window.ready === true, { timeout: 15000 });
      const first = await page.evaluate(() => window.first);
      assert.equal(first.enabled, false);
      assert.equal(first.source, 'remote');
      assert.equal(first.reason, `Disabled (fail safe): Unleash toggle maestro at ${server.url}/fake/api/frontend: invalid enabled="yes"; accepted: true or false`);
      assert.ok(page.lines.some((l) => l.startsWith('warning: [MAESTRO] Disabled (fail safe): Unleash toggle maestro')), page.lines.join('\n'));
      assert.equal(chunkFetched(page), false);
    } finally {
      fake = '{"toggles":[]}';
      await context.close();
    }
  });

  test(`[${name}] the decisions are counted in Unleash's metrics once a page is left`, async () => {
    const metrics = () => admin('GET', '/api/admin/client-metrics/features/maestro');
    const yes = (m) => (m.lastHourUsage || []).filter((b) => b.environment === 'development').reduce((n, b) => n + (b.yes || 0), 0);
    const before = yes(await metrics());
    const context = await browser.newContext();
    try {
      const page = await load(context);
      assert.equal((await page.evaluate(() => window.first)).enabled, true);
      await page.goto(`${server.url}/tests/e2e/pages/tag.html`); // leaves it: pagehide
      await page.waitForFunction(() => window.ready === true);
      const posts = () => proxy.log.filter((e) => e.method === 'POST' && e.path === '/api/frontend/client/metrics');
      for (let i = 0; i < 200 && !posts().some((e) => e.status >= 200 && e.status < 300); i++) await page.waitForTimeout(100);
      assert.ok(posts().some((e) => e.status >= 200 && e.status < 300), JSON.stringify(proxy.log.slice(-5)));
      let after = before;
      for (let i = 0; i < 300 && after <= before; i++) {
        await page.waitForTimeout(200);
        after = yes(await metrics());
      }
      console.log(`# ${name}: maestro's yes count in Unleash ${before} -> ${after}`);
      assert.ok(after > before, `no new yes count (${before} -> ${after})`);
    } finally {
      await context.close();
    }
  });
});

// The incident record's part from Unleash (`maestro-gate incident --unleash`,
// issue 22's command, calls this): the toggle's event log as a timeline, with
// the disabling event and who made it.
test('the event log gives the incident timeline: the disabling event, its environment and who made it', async () => {
  const { unleashTimeline } = await import(join(ROOT, 'pkg', 'node.js'));
  await setToggle(false);
  try {
    const r = await fetch(`${unleash.url}/api/admin/events/maestro`, { headers: { Authorization: unleash.adminToken } });
    assert.equal(r.status, 200);
    const t = unleashTimeline(new Uint8Array(await r.arrayBuffer()));
    assert.equal(t.ok, true, JSON.stringify(t));
    const last = t.entries.at(-1);
    assert.deepEqual([last.type, last.environment, last.by, last.what, last.rollback],
      ['feature-environment-disabled', 'development', 'maestro-admin', 'switched off in development', true]);
    assert.match(last.at, /^\d{4}-\d\d-\d\dT/);
    assert.ok(t.entries.some((e) => e.type === 'feature-created'), JSON.stringify(t.entries.map((e) => e.type)));
    // A wrong token: Unleash refuses, and the reader says it is not an event log.
    const wrong = await fetch(`${unleash.url}/api/admin/events/maestro`, { headers: { Authorization: 'wrong' } });
    assert.equal(wrong.status, 401);
    assert.equal(unleashTimeline(await wrong.text()).ok, false);
  } finally {
    await setToggle(true);
  }
});

// `maestro-gate incident --unleash URL --unleash-token TOKEN`: the record
// shows the disabling event and who made it beside what the beacons fill; a
// wrong token is an error (exit 1) that never prints the token, with the
// beacons' part still written.
test('maestro-gate incident --unleash: the disabling event and who made it in the record; a wrong token is exit 1, never printed', async () => {
  const { execFile } = await import('node:child_process');
  const { mkdtemp, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const cli = (args, env = {}) => new Promise((resolve) => execFile(process.execPath, [join(ROOT, 'pkg', 'cli.js'), 'incident', ...args],
    { env: { ...process.env, MAESTRO_UNLEASH_TOKEN: '', ...env } }, (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr })));
  const dir = await mkdtemp(join(tmpdir(), 'maestro-incident-'));
  const beacons = join(dir, 'beacons.jsonl');
  const t0 = Date.now() - 60000;
  await writeFile(beacons, [
    { event: 'start', session: 'session-aaaa', enabled: true, source: 'default', at: t0 },
    { event: 'change', session: 'session-aaaa', enabled: false, source: 'remote', at: t0 + 1000 },
  ].map((b) => JSON.stringify({ version: '0.1.0', reason: 'x', ...b })).join('\n') + '\n');
  await setToggle(false);
  try {
    const ok = await cli(['--beacons', beacons, '--unleash', unleash.url, '--toggle', 'maestro'], { MAESTRO_UNLEASH_TOKEN: unleash.adminToken });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /### Timeline \(Unleash, toggle maestro\)/);
    assert.match(ok.stdout, /switched off in development by maestro-admin \(rollback\)/);
    assert.match(ok.stdout, /Rollback in Unleash: switched off in development by maestro-admin at \d{4}-/);
    assert.ok(!ok.stdout.includes(unleash.adminToken) && !ok.stderr.includes(unleash.adminToken));
    const asJson = JSON.parse((await cli(['--unleash', unleash.url, '--unleash-token', unleash.adminToken, '--json'])).stdout);
    assert.equal(asJson.unleash.timeline.at(-1).what, 'switched off in development');

    const wrong = await cli(['--beacons', beacons, '--unleash', unleash.url, '--unleash-token', 'secret-wrong-token']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /answered HTTP 401 \(the token was refused\)/);
    assert.ok(!wrong.stderr.includes('secret-wrong-token') && !wrong.stdout.includes('secret-wrong-token'));
    assert.match(wrong.stdout, /Lessons Learned|Rollback Method/, 'the beacons part is still written');
    const missing = await cli(['--unleash', unleash.url]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--unleash needs --unleash-token/);
  } finally {
    await setToggle(true);
  }
});
