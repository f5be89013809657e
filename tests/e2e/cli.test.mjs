// `npx maestro-gate health`: the health document for the environment it runs
// in, computed by the same wasm core, under Node; and `report-summary`, the
// counts of a file of decision beacons.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
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
    for (const flag of ['--out FILE', '--default-enabled VALUE', '--strict', '--json', '--version', '--help']) {
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
      status: 'enabled', maestro_enabled: true, source: 'default', reason: 'Enabled (default)', version: null, rollout: 25,
    }, value);
  }
  assert.equal(JSON.parse(cli(['health'], { VITE_MAESTRO_ROLLOUT: '0' }).stdout).rollout, 0);
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
  for (const args of [['report-summary'], ['report-summary', 'a', 'b'], ['report-summary', '--nope', 'a']]) {
    const r = cli(args, {}, dir);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /usage: maestro-gate health/);
    assert.match(r.stderr, /maestro-gate report-summary FILE \[--json\]/);
  }
  const missing = cli(['report-summary', 'missing.jsonl'], {}, dir);
  assert.equal(missing.status, 2);
  assert.equal(missing.stdout, '');
  assert.match(missing.stderr, /^maestro-gate: cannot read missing\.jsonl: ENOENT/);
  const folder = cli(['report-summary', dir]);
  assert.equal(folder.status, 2, 'a folder is not a file');
  assert.match(folder.stderr, /EISDIR/);
});
