// The package in Node, as an app's tests (Vitest, Jest) or SSR import it:
// `import 'maestro-gate'` resolves the "node" export condition
// (pkg/index.node.js), which reads the gate's .wasm from disk, so init()
// decides with no `wasm:` option. The browser entry never carries node:fs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers.mjs';

async function app() {
  const dir = await mkdtemp(join(tmpdir(), 'maestro-node-'));
  await mkdir(join(dir, 'node_modules'));
  await symlink(join(ROOT, 'pkg'), join(dir, 'node_modules', 'maestro-gate'));
  return dir;
}

const run = (dir, code, env = {}) => {
  const clean = { ...process.env };
  delete clean.VITE_MAESTRO_ENABLED;
  return spawnSync('node', ['--input-type=module', '-e', code], { cwd: dir, env: { ...clean, ...env }, encoding: 'utf8' });
};

test('in Node, the package decides by itself: on and off, from the env', async () => {
  const dir = await app();
  const code = `import { init, isEnabled, health } from 'maestro-gate';
    const d = await init({ env: process.env, log: 'silent' });
    console.log(JSON.stringify({ d, on: isEnabled(), h: health() }));`;
  for (const [value, enabled] of [['false', false], ['true', true]]) {
    const r = run(dir, code, { VITE_MAESTRO_ENABLED: value });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.d.source, 'VITE_MAESTRO_ENABLED', r.stdout);
    assert.equal(out.on, enabled);
    assert.equal(out.h.maestro_enabled, enabled);
  }
  const r = run(dir, `import { init } from 'maestro-gate'; console.log((await init({ log: 'silent' })).reason);`);
  assert.equal(r.stdout.trim(), 'Enabled (default)', 'not "unavailable": the .wasm was read from disk');
});

test('the browser entry carries no node:fs, and the node entry is the node condition', async () => {
  const browser = await readFile(join(ROOT, 'pkg', 'index.js'), 'utf8');
  assert.equal(browser.includes('node:fs'), false);
  const node = await readFile(join(ROOT, 'pkg', 'index.node.js'), 'utf8');
  assert.ok(node.includes("['node:fs', 'promises']") || node.includes('["node:fs", "promises"]'));
  const manifest = JSON.parse(await readFile(join(ROOT, 'pkg', 'package.json'), 'utf8'));
  assert.equal(manifest.exports['.'].node, './index.node.js');
  assert.ok(manifest.files.includes('index.node.js'));
});
