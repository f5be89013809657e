// `npx maestro-gate health`: the health document for the environment it runs
// in, computed by the same wasm core, under Node; and `report-summary`, the
// counts of a file of decision beacons.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers.mjs';

const cli = (args, env = {}, cwd = undefined) => {
  const clean = { ...process.env };
  delete clean.VITE_MAESTRO_ENABLED;
  delete clean.VITE_MAESTRO_ROLLOUT;
  return spawnSync('node', [join(ROOT, 'pkg', 'cli.js'), ...args], { env: { ...clean, ...env }, encoding: 'utf8', cwd, input });
};
let input; // what the next cli() reads on stdin
const FLASE_WARNING = '[MAESTRO] Disabled (fail safe): invalid VITE_MAESTRO_ENABLED="flase"; '
  + 'accepted: true/false, 1/0, yes/no, on/off (blank means unset)';

test('health prints the runbook document for VITE_MAESTRO_ENABLED=false', () => {
  const r = cli(['health'], { VITE_MAESTRO_ENABLED: 'false' });
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.deepEqual(doc, {
    status: 'disabled', maestro_enabled: false, source: 'VITE_MAESTRO_ENABLED',
    reason: 'Disabled by VITE_MAESTRO_ENABLED=false', version: doc.version,
  });
  assert.equal(r.stderr, '', 'nothing logged');
});

test('health --out writes the file; unset is enabled; --default-enabled applies', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'maestro-cli-'));
  const out = join(dir, 'maestro-health');
  assert.equal(cli(['health', '--out', out]).status, 0);
  assert.equal(JSON.parse(await readFile(out, 'utf8')).maestro_enabled, true);
  const r = cli(['health', '--default-enabled', 'false']);
  assert.equal(JSON.parse(r.stdout).status, 'disabled');
  const bad = cli(['health'], { VITE_MAESTRO_ENABLED: 'flase' });
  assert.equal(JSON.parse(bad.stdout).maestro_enabled, false, 'invalid fails safe');
});

test('bad usage exits 2 with the usage line', () => {
  const r = cli(['nope']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /usage: maestro-gate health/);
});

test('health --out dist/maestro-health creates dist/ in a fresh folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'maestro-cli-'));
  const r = cli(['health', '--out', 'dist/maestro-health'], { VITE_MAESTRO_ENABLED: 'false' }, dir);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const doc = JSON.parse(await readFile(join(dir, 'dist', 'maestro-health'), 'utf8'));
  assert.equal(doc.status, 'disabled');
});

test('an invalid value: the warning on stderr, exit 0, a disabled document', async () => {
  const printed = cli(['health'], { VITE_MAESTRO_ENABLED: 'flase' });
  assert.equal(printed.status, 0, printed.stderr);
  assert.equal(printed.stderr, FLASE_WARNING + '\n');
  assert.equal(JSON.parse(printed.stdout).maestro_enabled, false, 'stdout is the document only');
  const dir = await mkdtemp(join(tmpdir(), 'maestro-cli-'));
  const r = cli(['health', '--out', 'dist/maestro-health'], { VITE_MAESTRO_ENABLED: 'flase' }, dir);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, FLASE_WARNING + '\n', 'also when writing a file');
  assert.equal(JSON.parse(await readFile(join(dir, 'dist', 'maestro-health'), 'utf8')).maestro_enabled, false);
  const two = cli(['health', '--default-enabled', 'maybe'], { VITE_MAESTRO_ENABLED: 'flase' });
  assert.equal(two.stderr.split('\n').filter((l) => l.startsWith('[MAESTRO] ')).length, 2, 'one line per invalid source');
});

test('--strict: an invalid value exits 1 with the warning and writes nothing; a valid one writes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'maestro-cli-'));
  const r = cli(['health', '--strict', '--out', 'dist/maestro-health'], { VITE_MAESTRO_ENABLED: 'flase' }, dir);
  assert.equal(r.status, 1);
  assert.ok(r.stderr.startsWith(FLASE_WARNING + '\n'), r.stderr);
  assert.equal(existsSync(join(dir, 'dist', 'maestro-health')), false);
  assert.deepEqual(await readdir(dir), [], 'nothing written, not even dist/');
  const printed = cli(['health', '--strict'], { VITE_MAESTRO_ENABLED: 'flase' });
  assert.equal(printed.status, 1);
  assert.equal(printed.stdout, '', 'no document printed');
  const invalidDefault = cli(['health', '--strict', '--default-enabled', 'maybe']);
  assert.equal(invalidDefault.status, 1, 'an invalid --default-enabled counts too');
  assert.match(invalidDefault.stderr, /^\[MAESTRO\] .*invalid defaultEnabled="maybe"/);
  const ok = cli(['health', '--strict', '--out', 'dist/maestro-health'], { VITE_MAESTRO_ENABLED: 'false' }, dir);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stderr, '');
  assert.equal(JSON.parse(await readFile(join(dir, 'dist', 'maestro-health'), 'utf8')).status, 'disabled');
});

test('--version prints the package version', async () => {
  const { version } = JSON.parse(await readFile(join(ROOT, 'pkg', 'package.json'), 'utf8'));
  for (const args of [['--version'], ['health', '--version']]) {
    const r = cli(args);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, version + '\n');
  }
});

test('--help lists every flag, one line each', () => {
  for (const args of [['--help'], ['-h'], ['health', '--help']]) {
    const r = cli(args);
    assert.equal(r.status, 0, r.stderr);
    for (const flag of ['--out FILE', '--default-enabled VALUE', '--strict', '--expect STATE', '--timeout MS', '--json', '--version', '--help']) {
      assert.equal(r.stdout.split('\n').filter((l) => l.trimStart().startsWith(flag)).length, 1, `${flag} in:\n${r.stdout}`);
    }
  }
  const bad = cli(['health', '--nope']);
  assert.equal(bad.status, 2, 'an unknown flag is still bad usage');
  assert.match(bad.stderr, /usage: maestro-gate health/);
});

const ROLLOUT_ACCEPTED = 'accepted: an integer from 0 to 100, with or without % (blank means unset)';

test('health writes "rollout" for a valid VITE_MAESTRO_ROLLOUT, and fails safe on an invalid one', async () => {
  for (const value of ['25', '25%', ' 25 ']) {
    const r = cli(['health'], { VITE_MAESTRO_ROLLOUT: value });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const doc = JSON.parse(r.stdout);
    assert.deepEqual({ ...doc, version: null }, {
      status: 'partial', maestro_enabled: true, source: 'default', reason: 'Enabled (default)', version: null, rollout: 25,
    }, value);
  }
  assert.equal(JSON.parse(cli(['health'], { VITE_MAESTRO_ROLLOUT: '100' }).stdout).status, 'enabled', '100% is every page');
  assert.equal('rollout' in JSON.parse(cli(['health'], { VITE_MAESTRO_ROLLOUT: '' }).stdout), false, 'blank is unset');
  assert.equal('rollout' in JSON.parse(cli(['health']).stdout), false, 'unset: no field');

  const bad = cli(['health'], { VITE_MAESTRO_ROLLOUT: '2.5' });
  assert.equal(bad.status, 0);
  const line = `Disabled (fail safe): invalid VITE_MAESTRO_ROLLOUT="2.5"; ${ROLLOUT_ACCEPTED}`;
  assert.equal(bad.stderr, `[MAESTRO] ${line}\n`);
  const doc = JSON.parse(bad.stdout);
  assert.deepEqual([doc.status, doc.maestro_enabled, doc.source, doc.reason, 'rollout' in doc],
    ['disabled', false, 'rollout', line, false]);

  // Off already: the flag names the decision, the invalid rollout only warns.
  const both = cli(['health'], { VITE_MAESTRO_ENABLED: 'false', VITE_MAESTRO_ROLLOUT: '150' });
  assert.equal(both.stderr, `[MAESTRO] invalid VITE_MAESTRO_ROLLOUT="150"; ${ROLLOUT_ACCEPTED}\n`);
  assert.equal(JSON.parse(both.stdout).source, 'VITE_MAESTRO_ENABLED');

  const dir = await mkdtemp(join(tmpdir(), 'maestro-cli-'));
  const strict = cli(['health', '--strict', '--out', 'dist/maestro-health'], { VITE_MAESTRO_ROLLOUT: 'half' }, dir);
  assert.equal(strict.status, 1, 'an invalid rollout fails --strict as an invalid flag does');
  assert.deepEqual(await readdir(dir), []);
  const ok = cli(['health', '--strict', '--out', 'dist/maestro-health'], { VITE_MAESTRO_ROLLOUT: '10%' }, dir);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(await readFile(join(dir, 'dist', 'maestro-health'), 'utf8')).rollout, 10);
});

// Beacon documents as a server would log them (one JSON text a line).
const beacon = (event, enabled, source, extra = {}) => JSON.stringify({
  event, version: '0.1.0', enabled, source, reason: 'r', rollout: null, guard: null, cleanup: null, at: 1, ...extra,
});
const LOG = [
  beacon('start', true, 'default'),
  beacon('start', true, 'default'),
  beacon('start', true, 'rollout', { rollout: { percent: 25, bucket: 3 } }),
  beacon('change', false, 'window.MAESTRO_ENABLED'),
  beacon('start', false, 'remote'),
  beacon('change', false, 'remote'),
  beacon('cleanup', false, 'remote', { cleanup: { ok: true } }),
  '',
  '   ',
  'not json',
  '{"event":"start","enabled":"yes","source":"default"}',
  '{"event":"launch","enabled":true,"source":"default"}',
  '{"event":"start","enabled":true,"source":"a source with spaces"}',
  '[1,2]',
  '{"event":"start","enabled":true,"source":"default"', // cut short
].join('\n') + '\n';

test('report-summary counts by decision and source and by event; bad lines are skipped, not fatal', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'maestro-cli-'));
  await writeFile(join(dir, 'beacons.jsonl'), LOG);
  const r = cli(['report-summary', 'beacons.jsonl'], {}, dir);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, [
    'reports: 7',
    'skipped lines: 8',
    '',
    'by decision and source:',
    '  disabled  remote                         3',
    '  disabled  window.MAESTRO_ENABLED         1',
    '  enabled   default                        2',
    '  enabled   rollout                        1',
    '',
    'by event:',
    '  start          4',
    '  change         2',
    '  cleanup        1',
    '',
    'sessions: 0 (0 enabled, 0 disabled, by their latest decision)',
    'beacons without a session id (an older gate; counted above, not as sessions): 7',
    '',
  ].join('\n'));

  const json = cli(['report-summary', '--json', 'beacons.jsonl'], {}, dir);
  assert.equal(json.status, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), {
    reports: 7,
    skipped: 8,
    decisions: [
      { enabled: false, source: 'remote', count: 3 },
      { enabled: false, source: 'window.MAESTRO_ENABLED', count: 1 },
      { enabled: true, source: 'default', count: 2 },
      { enabled: true, source: 'rollout', count: 1 },
    ],
    events: { start: 4, change: 2, cleanup: 1 },
    since: null,
    sessions: { total: 0, enabled: 0, disabled: 0, by_source: [], ran_after_since: null, without_id: 7 },
  });

  // `-` reads stdin; an empty file is no reports and no skipped line.
  input = LOG;
  try {
    assert.equal(JSON.parse(cli(['report-summary', '-', '--json']).stdout).reports, 7);
  } finally {
    input = undefined;
  }
  await writeFile(join(dir, 'empty'), '');
  const empty = JSON.parse(cli(['report-summary', 'empty', '--json'], {}, dir).stdout);
  assert.deepEqual([empty.reports, empty.skipped, empty.decisions], [0, 0, []]);
  // CRLF lines read the same.
  await writeFile(join(dir, 'crlf'), LOG.replaceAll('\n', '\r\n'));
  assert.equal(cli(['report-summary', 'crlf'], {}, dir).stdout, r.stdout);
});

test('report-summary: bad usage or an unreadable file exits 2', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'maestro-cli-'));
  for (const args of [['report-summary'], ['report-summary', '-', '-'], ['report-summary', '--nope', 'a'],
    ['report-summary', 'a', '--since', 'yesterday'], ['report-summary', 'a', '--html']]) {
    const r = cli(args, {}, dir);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /usage: maestro-gate health/);
    assert.match(r.stderr, /maestro-gate report-summary FILE\.\.\. \[--since DURATION\|TIME\] \[--json\] \[--html OUT\]/);
  }
  assert.match(cli(['report-summary', 'a', '--since', 'yesterday'], {}, dir).stderr, /^maestro-gate: --since "yesterday": expected a duration/);
  const missing = cli(['report-summary', 'missing.jsonl'], {}, dir);
  assert.equal(missing.status, 2);
  assert.equal(missing.stdout, '');
  assert.match(missing.stderr, /^maestro-gate: cannot read missing\.jsonl: ENOENT/);
  const folder = cli(['report-summary', dir]);
  assert.equal(folder.status, 2, 'a folder is not a file');
  assert.match(folder.stderr, /EISDIR/);
});

// Issue 22, item 7: a CLI that cannot be turned against its user.

test('usage errors name the problem on stderr and exit 2', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'maestro-cli-'));
  const cases = [
    [['health', '--bogus'], /^maestro-gate: health: unknown flag --bogus\n/],
    [['health', '--out'], /^maestro-gate: --out needs a value \(FILE\)\n/],
    [['health', '--default-enabled'], /^maestro-gate: --default-enabled needs a value \(VALUE\)\n/],
    [['health', '--out', '--strict'], /^maestro-gate: --out needs a value \(FILE\)\n/],
    [['health', 'extra'], /^maestro-gate: health: unexpected argument "extra"\n/],
    [['nope'], /^maestro-gate: unknown command "nope"\n/],
    [[], /^maestro-gate: no command given\n/],
    [['report-summary', '--bogus', 'a'], /^maestro-gate: report-summary: unknown flag --bogus\n/],
    [['report-summary'], /^maestro-gate: report-summary: no FILE given\n/],
    [['check'], /^maestro-gate: check: no URL given\n/],
    [['check', 'http://127.0.0.1:1/', '--expect', 'maybe'], /^maestro-gate: --expect "maybe": expected enabled, partial or disabled\n/],
    [['check', 'http://127.0.0.1:1/', '--timeout', 'soon'], /^maestro-gate: --timeout "soon": expected a number/],
    [['check', 'file:///etc/passwd'], /^maestro-gate: check: not an http\(s\) URL: "file:\/\/\/etc\/passwd"\n/],
  ];
  for (const [args, message] of cases) {
    const r = cli(args, {}, dir);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, message, args.join(' '));
    assert.match(r.stderr, /usage: maestro-gate health/);
    assert.equal(r.stdout, '');
  }
  const missing = cli(['report-summary', 'missing.jsonl'], {}, dir);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^maestro-gate: cannot read missing\.jsonl: ENOENT/, 'a missing file is named');
  assert.deepEqual(await readdir(dir), [], 'nothing written');
});

test('--out replaces a symlink at the target, never writes through it, and leaves no temporary file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'maestro-cli-'));
  const victim = join(dir, 'victim');
  await writeFile(victim, 'precious\n');
  await symlink(victim, join(dir, 'maestro-health'));
  const r = cli(['health', '--out', 'maestro-health'], { VITE_MAESTRO_ENABLED: 'false' }, dir);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(await readFile(victim, 'utf8'), 'precious\n', 'the symlink\'s target is untouched');
  const st = await lstat(join(dir, 'maestro-health'));
  assert.equal(st.isSymbolicLink(), false, 'the symlink was replaced by a file');
  assert.equal(JSON.parse(await readFile(join(dir, 'maestro-health'), 'utf8')).status, 'disabled');
  assert.deepEqual((await readdir(dir)).sort(), ['maestro-health', 'victim'], 'no temporary file left');
  // A second run replaces the file (a new one renamed into place).
  const before = st.ino;
  assert.equal(cli(['health', '--out', 'maestro-health'], {}, dir).status, 0);
  assert.notEqual((await lstat(join(dir, 'maestro-health'))).ino, before, 'a new file, renamed into place');
  assert.equal(JSON.parse(await readFile(join(dir, 'maestro-health'), 'utf8')).status, 'enabled');
});

test('--out fails cleanly on a folder and on an impossible path: one line, no stack trace, quickly', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'maestro-cli-'));
  await mkdir(join(dir, 'folder'));
  await writeFile(join(dir, 'file'), 'x');
  const cases = [
    ['folder', /^maestro-gate: cannot write folder: it is a folder\n$/],
    ['/proc/nope/x', /^maestro-gate: cannot write \/proc\/nope\/x: [^\n]+\n$/],
    ['file/x', /^maestro-gate: cannot write file\/x: [^\n]+\n$/],
  ];
  for (const [out, message] of cases) {
    const started = Date.now();
    const r = spawnSync('node', [join(ROOT, 'pkg', 'cli.js'), 'health', '--out', out], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
    assert.ok(Date.now() - started < 15_000, `${out}: it returns (it used to spin for minutes)`);
    assert.equal(r.status, 1, `${out}: ${r.stderr}`);
    assert.match(r.stderr, message, out);
    assert.doesNotMatch(r.stderr, /\n {4}at /, 'no stack trace');
  }
  assert.deepEqual((await readdir(dir)).sort(), ['file', 'folder'], 'no temporary file left');
  assert.deepEqual(await readdir(join(dir, 'folder')), []);
});

test('control characters in values are escaped in every line printed; a long value is shown as the page shows it', async () => {
  const forged = '\x1b[2K\rfalse\n[MAESTRO] Enabled (default)\u202e\x9b';
  const r = cli(['health'], { VITE_MAESTRO_ENABLED: forged });
  assert.equal(r.status, 0);
  assert.doesNotMatch(r.stderr + r.stdout, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/, 'no raw control character');
  assert.equal(r.stderr.split('\n').length, 2, `one warning, one line:\n${r.stderr}`);
  assert.ok(r.stderr.startsWith('[MAESTRO] Disabled (fail safe): invalid VITE_MAESTRO_ENABLED="\\u001b[2K\\u000dfalse\\u000a[MAESTRO]'), r.stderr);
  assert.equal(JSON.parse(r.stdout).status, 'disabled', 'the document is still JSON');
  assert.ok(JSON.parse(r.stdout).reason.includes('\x1b[2K'), 'and says the same value');
  assert.ok(JSON.parse(r.stdout).reason.includes('\u202e\x9b'), 'and says the same value');

  const dir = await mkdtemp(join(tmpdir(), 'maestro-cli-'));
  assert.equal(cli(['health', '--out', 'maestro-health'], { VITE_MAESTRO_ENABLED: forged }, dir).status, 0);
  const file = await readFile(join(dir, 'maestro-health'), 'utf8');
  assert.doesNotMatch(file, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/, 'the file too: curl shows it');
  assert.deepEqual(JSON.parse(file), JSON.parse(r.stdout));

  const escapedName = cli(['report-summary', 'nope\x1b[31m']);
  assert.equal(escapedName.status, 2);
  assert.ok(escapedName.stderr.startsWith('maestro-gate: cannot read nope\\u001b[31m: ENOENT'), escapedName.stderr);
  const flag = cli(['health', '--x\x1b]0;title\x07']);
  assert.match(flag.stderr, /^maestro-gate: health: unknown flag --x\\u001b\]0;title\\u0007\n/);

  const huge = 'x'.repeat(100_000);
  for (const env of [{ VITE_MAESTRO_ENABLED: huge }, { VITE_MAESTRO_ROLLOUT: huge }]) {
    const big = cli(['health'], env);
    assert.ok(big.stdout.length < 1_000, `the document is small: ${big.stdout.length} characters`);
    const { reason } = JSON.parse(big.stdout);
    assert.ok(reason.includes(`="${'x'.repeat(64)}… (100000 characters)"`), reason);
    assert.ok(big.stderr.length < 1_000 && big.stderr.includes('… (100000 characters)'), 'the warning too');
  }
});

// Issue 22, item 1: a health document that tells the truth.
test('health: rollout 0 is disabled, 1 to 99 is partial with the percentage, 100 is enabled', () => {
  const doc = (env) => {
    const r = cli(['health'], env);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '', 'a valid rollout warns of nothing');
    return { ...JSON.parse(r.stdout), version: null };
  };
  assert.deepEqual(doc({ VITE_MAESTRO_ROLLOUT: '0' }), {
    status: 'disabled', maestro_enabled: false, source: 'rollout',
    reason: 'Disabled by VITE_MAESTRO_ROLLOUT=0: no bucket is within 0%', version: null, rollout: 0,
  });
  assert.deepEqual(doc({ VITE_MAESTRO_ROLLOUT: '0%', VITE_MAESTRO_ENABLED: 'true' }).status, 'disabled');
  for (const [value, status] of [['1', 'partial'], ['99%', 'partial'], ['100', 'enabled']]) {
    const d = doc({ VITE_MAESTRO_ROLLOUT: value });
    assert.deepEqual([d.status, d.maestro_enabled, d.rollout], [status, true, Number.parseInt(value, 10)], value);
  }
  // Off already: the flag names the decision, whatever the rollout.
  const off = doc({ VITE_MAESTRO_ENABLED: 'false', VITE_MAESTRO_ROLLOUT: '50' });
  assert.deepEqual([off.status, off.maestro_enabled, off.source, off.rollout], ['disabled', false, 'VITE_MAESTRO_ENABLED', 50]);
  // The runbook's check (`"status": "disabled"` or `"maestro_enabled": false`) cannot read a partial rollout as either.
  const partial = JSON.stringify(doc({ VITE_MAESTRO_ROLLOUT: '25' }));
  assert.doesNotMatch(partial, /"status":"(enabled|disabled)"|"maestro_enabled":false/);
});

// Issue 22, item 5: `maestro-gate check URL`, the runbook's automated health check.
test('check reads a document as the poll does: exit 0 as expected, 1 not, 2 unreachable or invalid', async () => {
  const { createServer } = await import('node:http');
  const { spawn } = await import('node:child_process');
  const written = (env) => cli(['health'], env).stdout;
  const docs = {
    '/on': written({}),
    '/off': written({ VITE_MAESTRO_ENABLED: 'false' }),
    '/zero': written({ VITE_MAESTRO_ROLLOUT: '0' }),
    '/partial': written({ VITE_MAESTRO_ROLLOUT: '25' }),
    '/hand': '{"maestro_enabled": "off"}',
    '/typo': '{"status": "enabled", "maestro_enabled": "flase"}',
    '/bad-rollout': '{"maestro_enabled": true, "rollout": "half"}',
    '/duplicate': '{"maestro_enabled": false, "maestro\\u005fenabled": true}',
    '/html': '<!doctype html><html>',
    '/missing-key': '{"status": "enabled"}',
    // A status that says off where maestro_enabled does not: fails safe.
    '/status-only': '{"status": "disabled"}',
    '/disagree': '{"status": "disabled", "maestro_enabled": true}',
    '/status-twice': '{"status": "disabled", "status": "ok", "maestro_enabled": true}',
    '/huge': JSON.stringify({ maestro_enabled: false, pad: 'x'.repeat(9000) }),
    '/escape': '{"maestro_enabled": "\\u001b[2J\\nforged"}',
    // Saved by an editor that writes a byte order mark: read as every reader
    // reads it (one mark dropped, as fetch's json() does); two are not JSON.
    '/bom': '\ufeff{"maestro_enabled": false}',
    '/bom2': '\ufeff\ufeff{"maestro_enabled": false}',
  };
  const server = createServer((req, res) => {
    if (req.url === '/hang') return; // never answers
    if (!(req.url in docs)) return res.writeHead(404).end('no');
    res.writeHead(200, { 'content-type': 'application/json' }).end(docs[req.url]);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  // Asynchronously: the server answers in this process.
  const run = (args) => new Promise((done) => {
    const child = spawn('node', [join(ROOT, 'pkg', 'cli.js'), 'check', ...args], { encoding: 'utf8' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
  try {
    const cases = [
      [['/on'], 0, /^enabled: http:\S+\/on\n$/],
      [['/on', '--expect', 'enabled'], 0, /^enabled: /],
      [['/on', '--expect', 'disabled'], 1, /^enabled: http:\S+\/on; expected disabled\n$/],
      [['/off', '--expect', 'disabled'], 0, /^disabled: /],
      [['/zero', '--expect', 'disabled'], 0, /^disabled: /],
      [['/zero', '--expect', 'enabled'], 1, /^disabled: .*; expected enabled\n$/],
      [['/partial', '--expect', 'disabled'], 1, /^partial \(rollout 25%\): .*; expected disabled\n$/],
      [['/partial', '--expect', 'enabled'], 1, /^partial \(rollout 25%\): /],
      [['/partial', '--expect', 'partial'], 0, /^partial \(rollout 25%\): /],
      [['/hand', '--expect', 'disabled'], 0, /^disabled: /],
      [['/typo', '--expect', 'enabled'], 1, /^disabled \(fail safe: invalid maestro_enabled="flase"; accepted: .*\): .*; expected enabled\n$/],
      [['/bad-rollout', '--expect', 'disabled'], 0, /^disabled \(fail safe: invalid rollout="half"; /],
      [['/bom', '--expect', 'disabled'], 0, /^disabled: http:\S+\/bom\n$/],
      [['/status-only', '--expect', 'disabled'], 0, /^disabled \(fail safe: status="disabled" but maestro_enabled is not false\): /],
      [['/disagree', '--expect', 'enabled'], 1, /^disabled \(fail safe: status="disabled" but maestro_enabled is not false\): .*; expected enabled\n$/],
    ];
    for (const [[path, ...rest], status, out] of cases) {
      const r = await run([base + path, ...rest]);
      assert.equal(r.status, status, `${path} ${rest.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, out, path);
      assert.equal(r.stderr, '', path);
    }
    const invalid = [
      ['/duplicate', /maestro_enabled appears more than once/],
      ['/html', /not JSON \(the body starts with "<!doctype html><html>"\)/],
      ['/missing-key', /not a health document with maestro_enabled/],
      ['/huge', /the body is longer than 8 KB/],
      ['/nothere', /unreachable: HTTP 404/],
      ['/bom2', /not JSON \(the body starts with "\ufeff\{/],
      ['/status-twice', /status appears more than once/],
    ];
    for (const [path, message] of invalid) {
      const r = await run([base + path, '--expect', 'disabled']);
      assert.equal(r.status, 2, `${path}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`^maestro-gate: check ${base}${path}: .*${message.source}`), path);
    }
    const started = Date.now();
    const slow = await run([base + '/hang', '--timeout', '300']);
    assert.equal(slow.status, 2);
    assert.match(slow.stderr, /unreachable: timed out after 300 ms\n$/);
    assert.ok(Date.now() - started < 5_000, 'the timeout holds');
    const down = await run(['http://127.0.0.1:9/maestro-health']);
    assert.equal(down.status, 2);
    assert.match(down.stderr, /: unreachable: /);

    const escaped = await run([base + '/escape']);
    assert.equal(escaped.status, 0);
    assert.doesNotMatch(escaped.stdout, /[\x00-\x09\x0b-\x1f]/, 'the value\'s escapes are escaped');
    assert.equal(escaped.stdout.split('\n').length, 2, escaped.stdout);

    const json = await run([base + '/partial', '--json', '--expect', 'partial']);
    assert.equal(json.status, 0);
    assert.deepEqual(JSON.parse(json.stdout), {
      url: `${base}/partial`, ok: true, status: 'partial', enabled: true, rollout: 25, why: '', as_expected: true, expected: 'partial',
    });
    const failed = await run([base + '/html', '--json']);
    assert.equal(failed.status, 2);
    assert.equal(JSON.parse(failed.stdout).ok, false);
    assert.match(JSON.parse(failed.stdout).error, /^not JSON/);
  } finally {
    server.close();
  }
});
