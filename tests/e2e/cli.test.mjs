// `npx maestro-gate health`: the health document for the environment it runs
// in, computed by the same wasm core, under Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers.mjs';

const cli = (args, env = {}) => {
  const clean = { ...process.env };
  delete clean.VITE_MAESTRO_ENABLED;
  return spawnSync('node', [join(ROOT, 'pkg', 'cli.js'), ...args], { env: { ...clean, ...env }, encoding: 'utf8' });
};

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
