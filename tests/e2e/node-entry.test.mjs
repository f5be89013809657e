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
  // index.node.js answers with gate.node.js (js/index.js built for Node), or
  // with a gate maestro-gate/testing started.
  const node = await readFile(join(ROOT, 'pkg', 'gate.node.js'), 'utf8');
  assert.ok(node.includes("['node:fs', 'promises']") || node.includes('["node:fs", "promises"]'));
  const manifest = JSON.parse(await readFile(join(ROOT, 'pkg', 'package.json'), 'utf8'));
  assert.deepEqual(manifest.exports['.'].node, {
    require: { types: './cjs/index.d.ts', default: './cjs/index.node.js' }, types: './index.d.ts', default: './index.node.js',
  });
  assert.deepEqual(manifest.exports['./testing'].node, {
    require: { types: './cjs/testing.d.ts', default: './cjs/testing.js' }, types: './testing.d.ts', default: './testing.js',
  });
  for (const f of ['index.node.js', 'gate.node.js', 'current.node.js', 'fresh.node.js', 'testing.js', 'testing.d.ts', 'cjs/']) assert.ok(manifest.files.includes(f), f);
});

test('the Node entry has the browser entry\'s exports, and answers from the gate it reads from disk', async () => {
  const [browser, node, gate] = await Promise.all(['index.js', 'index.node.js', 'gate.node.js'].map((f) => import(join(ROOT, 'pkg', f))));
  const names = (m) => Object.keys(m).sort();
  assert.deepEqual(names(node), names(browser));
  assert.deepEqual(names(gate), names(browser));
  const d = await node.init({ defaultEnabled: false, log: 'silent', exposeGlobal: false });
  assert.equal(d.reason, 'Disabled (default)');
  assert.deepEqual(gate.decision(), d);
});

test('maestro-gate/testing in plain Node: a fresh gate per startGate, decided by the core; the cleanup on a fake storage', async () => {
  const dir = await app();
  const code = `import { init, isEnabled, decision, clearClientState } from 'maestro-gate';
    import { startGate, fakeStorage, installStorage } from 'maestro-gate/testing';
    const out = [];
    out.push(await startGate({ enabled: false, log: 'silent' }), isEnabled());
    out.push(await startGate({ enabled: true, log: 'silent' }), isEnabled(), await init({ defaultEnabled: false }));
    globalThis.MAESTRO_ENABLED = false;
    out.push(isEnabled(), decision().source);
    out.push(await startGate({ env: process.env, log: 'silent' }), globalThis.MAESTRO_ENABLED ?? null);
    const local = fakeStorage({ 'maestro:a': '1', 'app:b': '2' });
    const restore = installStorage({ localStorage: local, sessionStorage: fakeStorage() });
    const report = await clearClientState({ allTabs: false, log: 'silent' });
    restore();
    out.push(report.localStorage.removed, report.database.outcome, report.ok, local.getItem('app:b'), typeof localStorage);
    console.log(JSON.stringify(out));`;
  const r = run(dir, code, { VITE_MAESTRO_ENABLED: 'false' });
  assert.equal(r.status, 0, r.stderr);
  const [off, offNow, on, onNow, appInit, killed, killSource, fromEnv, runtime, removed, database, ok, kept, restored] = JSON.parse(r.stdout);
  assert.deepEqual([off.enabled, off.source, offNow], [false, 'default', false]);
  assert.deepEqual([on.enabled, on.source, onNow], [true, 'default', true]);
  assert.deepEqual(appInit, on, "the app's own init() resolves to the started decision");
  assert.deepEqual([killed, killSource], [false, 'window.MAESTRO_ENABLED']);
  assert.deepEqual([fromEnv.enabled, fromEnv.source, runtime], [false, 'VITE_MAESTRO_ENABLED', null]);
  assert.deepEqual([removed, database, ok, kept, restored], [['maestro:a'], 'unavailable', false, '2', 'undefined']);
});

test('require() in plain Node: the CommonJS entries (cjs/), the same exports, a fresh gate per startGate, the wasm read from pkg/', async () => {
  const dir = await app();
  const code = `const gate = require('maestro-gate');
    const { startGate, fakeStorage, installStorage } = require('maestro-gate/testing');
    (async () => {
      const out = [Object.keys(gate).sort(), require.resolve('maestro-gate').endsWith('cjs/index.node.js')];
      out.push(await startGate({ env: { VITE_MAESTRO_ENABLED: 'false' }, log: 'silent' }), gate.isEnabled());
      out.push(await startGate({ enabled: true, log: 'silent' }), gate.isEnabled(), await gate.init({ defaultEnabled: false }));
      globalThis.MAESTRO_ENABLED = false;
      out.push(gate.isEnabled());
      const restore = installStorage({ localStorage: fakeStorage({ 'maestro:a': '1', 'app:b': '2' }), sessionStorage: fakeStorage() });
      out.push((await gate.clearClientState({ allTabs: false, log: 'silent' })).localStorage.removed);
      restore();
      console.log(JSON.stringify(out));
    })();`;
  const clean = { ...process.env };
  delete clean.VITE_MAESTRO_ENABLED;
  const r = spawnSync('node', ['-e', code], { cwd: dir, env: clean, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [names, resolved, off, offNow, on, onNow, appInit, killed, removed] = JSON.parse(r.stdout);
  const browser = await import(join(ROOT, 'pkg', 'index.js'));
  assert.deepEqual(names, Object.keys(browser).sort());
  assert.equal(resolved, true);
  assert.deepEqual([off.enabled, off.source, offNow], [false, 'VITE_MAESTRO_ENABLED', false]);
  assert.deepEqual([on.enabled, on.source, onNow, killed], [true, 'default', true, false]);
  assert.deepEqual(appInit, on);
  assert.deepEqual(removed, ['maestro:a']);
});

test('maestro-gate/testing cannot be bundled for a browser, and the browser entry has none of it', async () => {
  const dir = await app();
  const bundle = (contents, conditions) => spawnSync(join(ROOT, 'node_modules', '.bin', 'esbuild'),
    ['--bundle', '--format=esm', '--platform=browser', ...conditions, '--log-level=error'], { cwd: dir, input: contents, encoding: 'utf8' });
  const r = bundle("import { startGate } from 'maestro-gate/testing'; startGate();", []);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /Could not resolve "maestro-gate\/testing"/);
  const browser = await readFile(join(ROOT, 'pkg', 'index.js'), 'utf8');
  for (const word of ['current.node', 'gate.node', 'testing']) assert.equal(browser.includes(word), false, word);
});

test('in Node, a plain init() runs the real rollback module (its .wasm read from disk, not fetched)', async () => {
  const dir = await app();
  const r = run(dir, `import { init, clearClientState, verifyClientState } from 'maestro-gate';
    await init({ log: 'silent' });
    console.log(JSON.stringify({ cleared: await clearClientState(), verified: await verifyClientState() }));`);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /could not be loaded/, r.stdout);
  const { cleared, verified } = JSON.parse(r.stdout);
  // Node has no IndexedDB and no storage: the module says so itself.
  assert.equal(cleared.ok, false);
  assert.equal(typeof cleared.database.outcome, 'string');
  assert.ok('database' in verified, r.stdout);
  console.log(r.stdout);
});

test('the published package holds every module the entries load (package.json "files")', async () => {
  const { readdir } = await import('node:fs/promises');
  const manifest = JSON.parse(await readFile(join(ROOT, 'pkg', 'package.json'), 'utf8'));
  const shipped = (await readdir(join(ROOT, 'pkg'))).filter((f) => /^maestro_gate(_[a-z]+)?(_bg\.wasm|\.js)$/.test(f));
  assert.ok(shipped.length >= 8, shipped.join());
  for (const f of shipped) assert.ok(manifest.files.includes(f), `${f} is not in package.json's "files"`);
});

test('each binding is exported with its types and a Node copy that imports the Node gate, all in "files"', async () => {
  const manifest = JSON.parse(await readFile(join(ROOT, 'pkg', 'package.json'), 'utf8'));
  for (const name of ['openfeature', 'react', 'vue']) {
    assert.deepEqual(manifest.exports[`./${name}`], { types: `./${name}.d.ts`, node: `./${name}.node.js`, default: `./${name}.js` });
    for (const f of [`${name}.js`, `${name}.node.js`, `${name}.d.ts`]) assert.ok(manifest.files.includes(f), f);
    const browser = await readFile(join(ROOT, 'pkg', `${name}.js`), 'utf8');
    const node = await readFile(join(ROOT, 'pkg', `${name}.node.js`), 'utf8');
    assert.match(browser, /from '\.\/index\.js'/);
    assert.match(node, /from '\.\/index\.node\.js'/);
    assert.equal(manifest.peerDependenciesMeta[name === 'openfeature' ? '@openfeature/web-sdk' : name].optional, true);
  }
});
