// Issue 22, items 2, 4 and 6, under Node: `maestro-gate report-summary`
// counts sessions (each page load, by its latest decision) over many files
// and stdin, with --since, streaming a million beacons; `maestro-gate
// incident` fills the runbook's "Lessons Learned" template; `maestro-gate
// collect` receives beacons (loopback, a size cap, CORS as sendBeacon needs).
// The same numbers from real pages in both browsers: sessions-browser.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { ROOT, collect } from './helpers.mjs';

const CLI = join(ROOT, 'pkg', 'cli.js');
const cli = (args, { cwd, input } = {}) => spawnSync('node', [CLI, ...args], { encoding: 'utf8', cwd, input, maxBuffer: 1 << 26 });

const T = Date.parse('2025-06-01T09:00:00Z');
const beacon = (event, session, enabled, source, at, extra = {}) => JSON.stringify({
  event, session, version: '0.1.0', enabled, source, reason: 'r', rollout: null, guard: null, cleanup: null, at, ...extra,
});
// Three pages: a killed by the flag at +60 s, b by the remote document at
// +120 s, c left on; d loaded after the kill, off from its start.
const DAY = [
  beacon('start', 'session-aaaa', true, 'default', T),
  beacon('start', 'session-bbbb', true, 'default', T + 1000, { guard: { errors: 2 } }),
  beacon('start', 'session-cccc', true, 'default', T + 2000),
  beacon('change', 'session-aaaa', false, 'window.MAESTRO_ENABLED', T + 60_000),
];
const LATER = [
  beacon('change', 'session-bbbb', false, 'remote', T + 120_000, { guard: { errors: 4 } }),
  beacon('cleanup', 'session-bbbb', false, 'remote', T + 121_000),
  beacon('start', 'session-dddd', false, 'remote', T + 150_000),
  JSON.stringify({ event: 'start', enabled: true, source: 'default', at: T + 5000 }), // an older gate: no session
  'not a beacon',
];

async function files() {
  const dir = await mkdtemp(join(tmpdir(), 'maestro-sessions-'));
  await writeFile(join(dir, 'day.jsonl'), DAY.join('\n') + '\n');
  await writeFile(join(dir, 'later.jsonl'), LATER.join('\n')); // no final newline
  return dir;
}

test('report-summary counts sessions by their latest decision, over many files and stdin', async () => {
  const dir = await files();
  const r = cli(['report-summary', 'day.jsonl', '-', '--json'], { cwd: dir, input: LATER.join('\n') });
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.deepEqual(s.sessions, {
    total: 4, enabled: 1, disabled: 3,
    by_source: [
      { enabled: false, source: 'remote', count: 2 },
      { enabled: false, source: 'window.MAESTRO_ENABLED', count: 1 },
      { enabled: true, source: 'default', count: 1 },
    ],
    ran_after_since: null, without_id: 1,
  });
  assert.deepEqual([s.reports, s.skipped], [8, 1]);
  const text = cli(['report-summary', 'day.jsonl', 'later.jsonl'], { cwd: dir });
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /\nsessions: 4 \(1 enabled, 3 disabled, by their latest decision\)\n  disabled  remote +2\n/);
  assert.match(text.stdout, /\nbeacons without a session id \(an older gate; counted above, not as sessions\): 1\n$/);
  // The order of the files does not matter: the latest decision is the latest `at`.
  assert.deepEqual(JSON.parse(cli(['report-summary', 'later.jsonl', 'day.jsonl', '--json'], { cwd: dir }).stdout).sessions, s.sessions);
});

test('report-summary --since: how many sessions still ran MAESTRO after T', async () => {
  const dir = await files();
  const at = (since) => JSON.parse(cli(['report-summary', 'day.jsonl', 'later.jsonl', '--json', '--since', since], { cwd: dir }).stdout);
  // After 09:00:30: a (off at 09:01), b (off at 09:02) and c (still on) ran MAESTRO; d never did.
  let s = at('2025-06-01T09:00:30Z');
  assert.equal(s.since, T + 30_000);
  assert.deepEqual([s.sessions.total, s.sessions.enabled, s.sessions.disabled, s.sessions.ran_after_since], [4, 1, 3, 3]);
  // After 09:01:30 (in another zone's words): a had ended off; b and c ran.
  s = at('2025-06-01T10:01:30+01:00');
  assert.deepEqual([s.sessions.total, s.sessions.ran_after_since, s.reports], [3, 2, 3], 'the beacons since then: b\'s two, d\'s');
  // After 09:02:10: only c, still on.
  assert.equal(at(String(T + 130_000)).sessions.ran_after_since, 1);
  // A duration is before now: every beacon here is older than a minute.
  const recent = at('1m');
  assert.deepEqual([recent.reports, recent.sessions.ran_after_since], [0, 1]);
  const text = cli(['report-summary', 'day.jsonl', 'later.jsonl', '--since', '2025-06-01T09:00:30Z'], { cwd: dir }).stdout;
  assert.match(text, /^since: 2025-06-01T09:00:30Z\n/);
  assert.match(text, /\nsessions that still ran MAESTRO after 2025-06-01T09:00:30Z: 3\n/);
});

test('report-summary streams a million beacons (one record per session, not the lines)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'maestro-million-'));
  const file = join(dir, 'million.jsonl');
  const out = createWriteStream(file);
  // 250,000 sessions of 4 beacons: every fifth is never killed.
  const SESSIONS = 250_000;
  for (let i = 0; i < SESSIONS; i++) {
    const id = `s${String(i).padStart(9, '0')}`;
    const killed = i % 5 !== 0;
    let chunk = `{"event":"start","session":"${id}","enabled":true,"source":"default","at":${T + i}}\n`;
    chunk += killed
      ? `{"event":"change","session":"${id}","enabled":false,"source":"remote","at":${T + 600_000 + i}}\n`
      : `{"event":"start","session":"${id}","enabled":true,"source":"default","at":${T + i}}\n`;
    chunk += `{"event":"cleanup","session":"${id}","enabled":${!killed},"source":"${killed ? 'remote' : 'default'}","at":${T + 700_000 + i}}\n`;
    chunk += i % 2 ? 'garbage\n' : `{"event":"cleanup","session":"${id}","enabled":${!killed},"source":"${killed ? 'remote' : 'default'}","at":${T + 800_000 + i}}\n`;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const r = spawnSync('node', [CLI, 'report-summary', file, '--json', '--since', new Date(T + 300_000).toISOString()], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  // Counted by decision and event: the beacons since then (the starts are before it); every garbage line.
  assert.deepEqual([s.reports, s.skipped], [1_000_000 - SESSIONS / 2 - SESSIONS * 6 / 5, SESSIONS / 2]);
  assert.deepEqual([s.sessions.total, s.sessions.enabled, s.sessions.disabled, s.sessions.ran_after_since],
    [SESSIONS, SESSIONS / 5, SESSIONS * 4 / 5, SESSIONS]);
});

test('incident fills the "Lessons Learned" template from the beacons; what they cannot tell stays', async () => {
  const dir = await files();
  const r = cli(['incident', '--beacons', 'day.jsonl', 'later.jsonl', '--since', '2025-06-01T09:00:30Z'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, [
    'Incident Date: 2025-06-01',
    'Rollback Trigger: [Brief description]',
    'Rollback Method: remote health document (maestro_enabled: false) (source remote: 2 sessions); '
      + 'runtime flag window.MAESTRO_ENABLED (source window.MAESTRO_ENABLED: 1 session)',
    'Time to Recovery: not recovered: 1 session still reports MAESTRO on (first off decision 2025-06-01T09:01:00Z)',
    'User Impact: 2 sessions ran MAESTRO after the first off decision (1 turned off since, 1 still reports on)',
    'Root Cause: [What went wrong]',
    'Prevention: [How to avoid in future]',
    '',
  ].join('\n'));
  // c reports off later: recovered, 3 min 10 s after the kill.
  await writeFile(join(dir, 'end.jsonl'), beacon('change', 'session-cccc', false, 'remote', T + 250_000) + '\n');
  const written = cli(['incident', '--beacons', 'day.jsonl', 'later.jsonl', 'end.jsonl', '--json', '--out', 'record.json'], { cwd: dir });
  assert.deepEqual([written.status, written.stdout, written.stderr], [0, '', '']);
  const json = JSON.parse(await readFile(join(dir, 'record.json'), 'utf8'));
  assert.deepEqual([json.first_off, json.recovered, json.impacted, json.still_on], [T + 60_000, T + 250_000, 2, 0]);
  assert.equal(json.fields.find((f) => f.label === 'Time to Recovery').value,
    '3 minutes 10 seconds (from the first off decision, 2025-06-01T09:01:00Z, to the last off of a session that ran MAESTRO after it, 2025-06-01T09:04:10Z)');
  assert.deepEqual(json.fields.filter((f) => !f.filled).map((f) => f.label), ['Rollback Trigger', 'Root Cause', 'Prevention']);
  // No off since then: the template as the runbook has it, and a line that says why.
  const none = cli(['incident', '--beacons', 'day.jsonl', 'later.jsonl', '--since', '2025-06-01T10:00Z'], { cwd: dir });
  assert.equal(none.status, 0);
  assert.match(none.stdout, /^Incident Date: YYYY-MM-DD\nRollback Trigger: \[Brief description\]\nRollback Method: \[Environment variable \/ Code revert \/ etc\.\]\nTime to Recovery: \[X minutes\/hours\]\nUser Impact: \[Affected users \/ operations\]\n/);
  assert.equal(none.stderr, 'maestro-gate: incident: no off decision in the beacons since then: nothing to fill\n');
  for (const [args, error] of [
    [['incident'], /^maestro-gate: incident: no --beacons FILE or --unleash URL given\n/],
    [['incident', '--beacons'], /^maestro-gate: --beacons needs a value \(FILE\.\.\.\)\n/],
    [['incident', '--beacons', 'day.jsonl', 'stray', '--bogus'], /^maestro-gate: incident: unknown flag --bogus\n/],
    [['incident', '--beacons', 'day.jsonl', '--since', 'soon'], /^maestro-gate: --since "soon": expected a duration/],
  ]) {
    const bad = cli(args, { cwd: dir });
    assert.equal(bad.status, 2, args.join(' '));
    assert.match(bad.stderr, error);
  }
  assert.equal(cli(['incident', '--beacons', 'missing.jsonl'], { cwd: dir }).status, 2);
});

test('report-summary --html writes one self-contained page (the browser test opens it)', async () => {
  const dir = await files();
  const r = cli(['report-summary', 'day.jsonl', 'later.jsonl', '--html', 'out/report.html'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const html = await readFile(join(dir, 'out', 'report.html'), 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<b id="sessions-total" class="">4<\/b>/);
  for (const banned of ['<script', 'src=', 'href=', 'url(', '@import']) assert.ok(!html.includes(banned), banned);
});

test('collect: loopback, one line a beacon, a size cap, CORS as a cross-origin sendBeacon needs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'maestro-collect-'));
  const c = await collect(['--out', join(dir, 'logs', 'beacons.jsonl')]);
  try {
    assert.match(c.url, /^http:\/\/127\.0\.0\.1:\d+\/maestro-report$/, 'loopback by default');
    const post = (body, headers = {}) => fetch(c.url, { method: 'POST', body, duplex: 'half', headers: { 'content-type': 'text/plain;charset=UTF-8', ...headers } });
    const origin = 'https://app.example';
    let res = await post(DAY[0], { origin });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), origin);
    assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
    // A pretty-printed beacon is one line.
    assert.equal((await post(JSON.stringify(JSON.parse(DAY[1]), null, 2))).status, 204);
    // Too long (by its declared length, or by what arrives), or not a beacon: refused, nothing appended.
    res = await post('x'.repeat(2000));
    assert.equal(res.status, 413);
    assert.match(await res.text(), /longer than a beacon \(1024 bytes\)/);
    res = await post(new ReadableStream({ start(ctl) { ctl.enqueue(new TextEncoder().encode(DAY[2] + ' '.repeat(1100))); ctl.close(); } }), {});
    assert.equal(res.status, 413);
    res = await post('{"hello":"world"}');
    assert.equal(res.status, 400);
    assert.equal((await fetch(c.url)).status, 405);
    assert.equal((await fetch(c.url.replace('/maestro-report', '/other'), { method: 'POST', body: DAY[0] })).status, 404);
    // The preflight a body of another type (or a public page reaching this loopback) needs.
    res = await fetch(c.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type', 'access-control-request-private-network': 'true' } });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), origin);
    assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
    assert.match(res.headers.get('access-control-allow-methods'), /POST/);
    assert.equal(res.headers.get('access-control-allow-headers'), 'content-type');
    assert.equal(res.headers.get('access-control-allow-private-network'), 'true');
    const lines = (await readFile(c.file, 'utf8')).split('\n');
    assert.equal(lines.length, 3);
    assert.equal(lines[0], DAY[0]);
    assert.deepEqual(JSON.parse(lines[1]), JSON.parse(DAY[1]));
    assert.equal(lines[2], '');
    const s = JSON.parse(cli(['report-summary', c.file, '--json']).stdout);
    assert.equal(s.sessions.total, 2);
  } finally {
    await c.stop();
  }
  // A symlink at --out is refused, never appended through; bad usage exits 2.
  await symlink('/etc/passwd', join(dir, 'link.jsonl'));
  const link = cli(['collect', '--port', '0', '--out', join(dir, 'link.jsonl')]);
  assert.equal(link.status, 1);
  assert.match(link.stderr, /^maestro-gate: cannot write .*link\.jsonl: it is a symlink\n/);
  for (const [args, error] of [
    [['collect'], /^maestro-gate: collect: no --out FILE given\n/],
    [['collect', '--out', 'x', '--port', '99999'], /^maestro-gate: --port "99999": expected 0 to 65535\n/],
    [['collect', '--out', 'x', '--path', 'nope'], /^maestro-gate: --path "nope": expected a path starting with \/\n/],
  ]) {
    const r = cli(args, { cwd: dir });
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, error);
  }
});
