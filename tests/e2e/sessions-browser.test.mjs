// Issue 22, items 2, 3, 4 and 6, against beacons from real pages: three pages
// of an app with init({ report }) send their beacons, cross-origin, to
// `maestro-gate collect`; two are killed live. `report-summary` counts 3
// sessions, 2 off, 1 on (Chromium and Firefox); `incident` fills the record
// from them; `report-summary --html` of them, and of a larger day, is opened
// in headless Chromium and shows what the data says (its screenshot is
// docs/report.png: UPDATE_SCREENSHOT=1 writes it).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serve, collect, ROOT } from './helpers.mjs';
import { BROWSERS, launch } from './browsers.mjs';

const CLI = join(ROOT, 'pkg', 'cli.js');
const cli = (args) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

let server;
before(async () => { server = await serve(ROOT); });
after(async () => { await server?.close(); });

const lines = async (file) => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
async function until(what, fn, timeout = 15000) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Opens `page` (a Playwright page) on `file` and reads what the report shows. */
async function shown(page, file) {
  await page.goto('file://' + file);
  return page.evaluate(() => {
    const text = (id) => document.getElementById(id)?.textContent ?? null;
    const points = [...document.querySelectorAll('#sessions-chart g.point')].map((g) => ({
      at: Number(g.dataset.at), on: Number(g.dataset.on), off: Number(g.dataset.off),
      x: Number(g.querySelector('rect').getAttribute('x')), width: Number(g.querySelector('rect').getAttribute('width')),
    }));
    const kill = document.getElementById('kill-line');
    const box = (id) => { const e = document.getElementById(id); if (!e) return null; const b = e.getBoundingClientRect(); return [b.width, b.height]; };
    return {
      total: text('sessions-total'), enabled: text('sessions-enabled'), disabled: text('sessions-disabled'),
      killAt: text('kill-at'), notRecovered: text('not-recovered'), points,
      killX: kill ? Number(kill.getAttribute('x1')) : null,
      onLine: box('on-line'), offLine: box('off-line'), chart: box('sessions-chart'),
      cohortOn: [text('cohort-on-sessions'), text('cohort-on-errors')], cohortOff: [text('cohort-off-sessions'), text('cohort-off-errors')],
      external: [...document.querySelectorAll('[src], [href], link, script')].length,
    };
  });
}

/** The interval the kill line is drawn in holds the kill's moment. */
function killInItsInterval(view, killAt) {
  const p = view.points.find((q) => view.killX >= q.x - 0.05 && view.killX <= q.x + q.width + 0.05);
  assert.ok(p, `an interval under the kill line at x=${view.killX}`);
  const width = view.points[1].at - view.points[0].at;
  assert.ok(p.at - width <= killAt + 1000 && killAt - 1000 <= p.at, `kill ${killAt} in (${p.at - width}, ${p.at}]`);
}

for (const name of BROWSERS) describe(name, () => {
  let browser;
  before(async () => { browser = await launch(name); });
  after(async () => { await browser?.close(); });

  test(`[${name}] three pages, two killed live: 3 sessions, 2 off, 1 on; the incident record and the HTML report agree`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'maestro-live-'));
    const c = await collect(['--out', join(dir, 'beacons.jsonl')]);
    const context = await browser.newContext();
    try {
      const pages = [];
      for (let i = 0; i < 3; i++) {
        const page = await context.newPage();
        await page.goto(`${server.url}/tests/e2e/pages/report.html?log=silent&report=${encodeURIComponent(c.url)}`);
        await page.waitForFunction(() => window.ready === true);
        pages.push(page);
      }
      await until('three start beacons', async () => (await lines(c.file)).length >= 3);
      await pages[0].evaluate(() => { window.MAESTRO_ENABLED = false; });
      await until('the first kill\'s beacon', async () => (await lines(c.file)).length >= 4);
      const between = Date.now();
      await new Promise((r) => setTimeout(r, 20));
      await pages[1].evaluate(() => { window.MAESTRO_ENABLED = false; });
      await until('the second kill\'s beacon', async () => (await lines(c.file)).length >= 5);
      const got = await lines(c.file);
      assert.equal(new Set(got.map((b) => b.session)).size, 3, 'three page loads, three session ids');

      const s = JSON.parse(cli(['report-summary', c.file, '--json']).stdout);
      assert.deepEqual([s.sessions.total, s.sessions.disabled, s.sessions.enabled], [3, 2, 1]);
      assert.deepEqual(s.sessions.by_source, [
        { enabled: false, source: 'window.MAESTRO_ENABLED', count: 2 },
        { enabled: true, source: 'default', count: 1 },
      ]);
      const since = JSON.parse(cli(['report-summary', c.file, '--json', '--since', String(between)]).stdout);
      assert.equal(since.sessions.ran_after_since, 2, 'after the first kill: the second page (until its kill) and the third');

      const firstOff = Math.min(...got.filter((b) => !b.enabled).map((b) => b.at));
      const record = JSON.parse(cli(['incident', '--beacons', c.file, '--json']).stdout);
      assert.deepEqual([record.first_off, record.impacted, record.still_on, record.recovered], [firstOff, 2, 1, null]);
      const field = (label) => record.fields.find((f) => f.label === label).value;
      assert.equal(field('Rollback Method'), 'runtime flag window.MAESTRO_ENABLED (source window.MAESTRO_ENABLED: 2 sessions)');
      assert.equal(field('User Impact'), '2 sessions ran MAESTRO after the first off decision (1 turned off since, 1 still reports on)');
      assert.equal(field('Incident Date'), new Date(firstOff).toISOString().slice(0, 10));

      // The third page is killed too: recovered at its beacon.
      await pages[2].evaluate(() => { window.MAESTRO_ENABLED = false; });
      await until('the third kill\'s beacon', async () => (await lines(c.file)).length >= 6);
      const last = Math.max(...(await lines(c.file)).map((b) => b.at));
      const done = JSON.parse(cli(['incident', '--beacons', c.file, '--json']).stdout);
      assert.deepEqual([done.impacted, done.still_on, done.recovered], [2, 0, last]);

      if (name === 'chromium') {
        // The page the operator opens, in a browser: what the data says.
        const html = join(dir, 'report.html');
        assert.equal(cli(['report-summary', c.file, '--html', html]).status, 0);
        const viewer = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
        try {
          const page = await viewer.newPage();
          const view = await shown(page, html);
          assert.deepEqual([view.total, view.enabled, view.disabled], ['3', '0', '3']);
          assert.equal(view.killAt, new Date(firstOff).toISOString().replace(/\.\d+Z$/, 'Z'));
          assert.deepEqual(view.points.at(-1).on + view.points.at(-1).off, 3);
          assert.equal(view.points.at(-1).off, 3);
          assert.equal(view.external, 0);
        } finally {
          await viewer.close();
        }
      }
    } finally {
      await context.close();
      await c.stop();
    }
  });
});

// A day with a kill: 120 page loads over 30 minutes; MAESTRO's errors climb
// until the remote kill at minute 18; the open pages turn off within 90 s,
// three never hear of it; the pages loaded later start off.
function day() {
  const T = Date.parse('2025-06-01T09:00:00Z');
  const kill = T + 18 * 60_000;
  const out = [];
  const b = (event, session, enabled, source, at, errors) => out.push(JSON.stringify({
    event, session, version: '0.1.0', enabled, source, reason: 'r', rollout: null,
    guard: errors === undefined ? null : { errors }, cleanup: null, at,
  }));
  let seed = 7;
  const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  for (let i = 0; i < 120; i++) {
    const id = `page-${String(i).padStart(4, '0')}-${Math.floor(random() * 1e8)}`;
    const start = T + Math.floor(i * 15_000 + random() * 10_000);
    if (start < kill) {
      const climbing = Math.floor(((start - T) / (kill - T)) * 4 * random());
      b('start', id, true, 'default', start, climbing);
      if (i % 25 === 3) continue; // never heard of the kill
      b('change', id, false, 'remote', kill + Math.floor(random() * 90_000), climbing + 1);
    } else {
      b('start', id, false, 'remote', start, 0);
    }
  }
  return { text: out.join('\n') + '\n', kill, T };
}

test('the HTML report of a day with a kill, in Chromium: the numbers, the chart and the kill line agree with the data', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'maestro-report-'));
  const { text, kill } = day();
  await writeFile(join(dir, 'day.jsonl'), text);
  const html = join(dir, 'report.html');
  const r = cli(['report-summary', join(dir, 'day.jsonl'), '--html', html, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout).sessions;
  const viewer = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await viewer.newPage({ viewport: { width: 940, height: 1000 } });
    const requests = [];
    page.on('request', (q) => requests.push(q.url()));
    const view = await shown(page, html);
    assert.deepEqual(requests.filter((u) => !u.startsWith('file:')), [], 'no external resource');
    assert.equal(view.external, 0);
    assert.deepEqual([view.total, view.enabled, view.disabled], [String(s.total), String(s.enabled), String(s.disabled)]);
    assert.deepEqual([s.total, s.enabled], [120, 3]);
    assert.equal(view.killAt, new Date(kill).toISOString().replace(/\.\d+Z$/, 'Z'));
    assert.match(view.notRecovered, /Not recovered: 3 of the sessions/);
    killInItsInterval(view, kill);
    // The chart: 60 intervals; at the end, as many on and off as the counts.
    assert.equal(view.points.length, 60);
    assert.deepEqual([view.points.at(-1).on, view.points.at(-1).off], [s.enabled, s.disabled]);
    const before = view.points.filter((p) => p.at <= kill);
    assert.ok(before.every((p) => p.off === 0), 'nobody off before the kill');
    assert.ok(Math.max(...view.points.map((p) => p.on)) > 60, 'most pages were on at the kill');
    for (const line of [view.onLine, view.offLine, view.chart]) assert.ok(line[0] > 100 && line[1] > 20, `drawn: ${line}`);
    assert.equal(view.cohortOn[0], '3');
    assert.equal(Number(view.cohortOff[0]), s.disabled);
    const png = await page.screenshot({ fullPage: true });
    assert.ok(png.length > 10_000);
    if (process.env.UPDATE_SCREENSHOT) await writeFile(join(ROOT, 'docs', 'report.png'), png);
  } finally {
    await viewer.close();
  }
});
