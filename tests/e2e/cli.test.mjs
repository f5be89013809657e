// `npx maestro-gate health`: the health document for the environment it runs
// in, computed by the same wasm core, under Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers.mjs';

const cli = (args, env = {}, cwd = undefined) => {
  const clean = { ...process.env };
  delete clean.VITE_MAESTRO_ENABLED;
  return spawnSync('node', [join(ROOT, 'pkg', 'cli.js'), ...args], { env: { ...clean, ...env }, encoding: 'utf8', cwd });
};
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
    for (const flag of ['--out FILE', '--default-enabled VALUE', '--strict', '--version', '--help']) {
      assert.equal(r.stdout.split('\n').filter((l) => l.trimStart().startsWith(flag)).length, 1, `${flag} in:\n${r.stdout}`);
    }
  }
  const bad = cli(['health', '--nope']);
  assert.equal(bad.status, 2, 'an unknown flag is still bad usage');
  assert.match(bad.stderr, /usage: maestro-gate health/);
});
