// The Vite plugin at build time and under `vite preview`, without a browser:
// preview serves the document the build wrote (never one recomputed from the
// preview's own environment), and an invalid VITE_MAESTRO_ENABLED is said on
// stderr at build time (`strict: true` fails the build).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { viteBuild, ROOT } from './helpers.mjs';

const WWW = join(ROOT, 'www');
const VITE = join(WWW, 'node_modules', 'vite', 'bin', 'vite.js');
const FLASE_WARNING = '[MAESTRO] Disabled (fail safe): invalid VITE_MAESTRO_ENABLED="flase"; '
  + 'accepted: true/false, 1/0, yes/no, on/off (blank means unset)';

/** The environment without VITE_MAESTRO_ENABLED, plus `env`. */
function environment(env = {}) {
  const clean = { ...process.env };
  delete clean.VITE_MAESTRO_ENABLED;
  return { ...clean, ...env };
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** `vite preview` of `outDir` (the www app's config), with nothing set in its environment. */
async function vitePreview(outDir) {
  const port = await freePort();
  const child = spawn(process.execPath, [VITE, 'preview', '--outDir', outDir, '--host', '127.0.0.1',
    '--port', String(port), '--strictPort'], { cwd: WWW, env: environment(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((r) => child.once('exit', r));
  const url = `http://127.0.0.1:${port}`;
  let up = false;
  for (let i = 0; i < 150 && child.exitCode === null; i++) {
    try { await fetch(url + '/'); up = true; break; } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = () => { if (child.exitCode === null) child.kill(); return exited; };
  if (!up) { await stop(); throw new Error(`vite preview did not start:\n${out}`); }
  return { url, stop, output: () => out };
}

/** `vite build` in `cwd` into a fresh folder, keeping its exit code and stderr. */
async function build(cwd, env) {
  const outDir = await mkdtemp(join(tmpdir(), 'maestro-www-'));
  const r = spawnSync(process.execPath, [VITE, 'build', '--logLevel', 'warn', '--outDir', outDir, '--emptyOutDir'], {
    cwd, env: environment(env), encoding: 'utf8',
  });
  return { ...r, outDir };
}

/** A copy of the demo app whose vite.config.js passes `options` to the plugin. */
async function appWithPluginOptions(options) {
  const dir = await mkdtemp(join(tmpdir(), 'maestro-app-'));
  for (const f of ['index.html', 'main.js', 'style.css', 'maestro-subsystem.js', 'package.json']) {
    await cp(join(WWW, f), join(dir, f));
  }
  await symlink(join(WWW, 'node_modules'), join(dir, 'node_modules'));
  await writeFile(join(dir, 'vite.config.js'), "import maestroGate from 'maestro-gate/vite';\n"
    + `export default { plugins: [maestroGate(${JSON.stringify(options)})] };\n`);
  return dir;
}

test('vite preview serves the built maestro-health, not one computed from its own environment', async () => {
  const outDir = await viteBuild({ VITE_MAESTRO_ENABLED: 'false' });
  const built = await readFile(join(outDir, 'maestro-health'));
  assert.equal(JSON.parse(built).status, 'disabled');
  const preview = await vitePreview(outDir);
  try {
    const res = await fetch(preview.url + '/maestro-health');
    assert.equal(res.status, 200, preview.output());
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(JSON.parse(body).status, 'disabled', 'the preview has no VITE_MAESTRO_ENABLED: the build said off');
    assert.ok(body.equals(built), `byte for byte the built file:\n${body}\n---\n${built}`);
  } finally {
    await preview.stop();
    await rm(outDir, { recursive: true, force: true });
  }
});

test('vite preview answers 404 when the build has no maestro-health', async () => {
  const outDir = await viteBuild({ VITE_MAESTRO_ENABLED: 'false' });
  await rm(join(outDir, 'maestro-health'));
  const preview = await vitePreview(outDir);
  try {
    const res = await fetch(preview.url + '/maestro-health');
    assert.equal(res.status, 404, 'never recomputed from the preview\'s environment');
    assert.match(await res.text(), /maestro-health.*vite build/s);
  } finally {
    await preview.stop();
    await rm(outDir, { recursive: true, force: true });
  }
});

test('vite build with VITE_MAESTRO_ENABLED=flase: the warning on stderr, exit 0, a disabled document', async () => {
  const r = await build(WWW, { VITE_MAESTRO_ENABLED: 'flase' });
  try {
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stderr.includes(FLASE_WARNING), `stderr:\n${r.stderr}`);
    assert.equal(JSON.parse(await readFile(join(r.outDir, 'maestro-health'), 'utf8')).maestro_enabled, false);
  } finally {
    await rm(r.outDir, { recursive: true, force: true });
  }
});

test('vite build with a valid value prints no MAESTRO warning', async () => {
  const r = await build(WWW, { VITE_MAESTRO_ENABLED: 'false' });
  try {
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!r.stderr.includes('[MAESTRO]'), `stderr:\n${r.stderr}`);
  } finally {
    await rm(r.outDir, { recursive: true, force: true });
  }
});

test('the plugin with strict: true fails the build on an invalid value, with the warning', async () => {
  const app = await appWithPluginOptions({ strict: true });
  const bad = await build(app, { VITE_MAESTRO_ENABLED: 'flase' });
  const good = await build(app, { VITE_MAESTRO_ENABLED: 'false' });
  try {
    assert.notEqual(bad.status, 0, 'the build fails');
    assert.ok(bad.stderr.includes(FLASE_WARNING), `stderr:\n${bad.stderr}`);
    assert.equal(existsSync(join(bad.outDir, 'maestro-health')), false, 'no document written');
    assert.equal(good.status, 0, good.stderr);
    assert.equal(JSON.parse(await readFile(join(good.outDir, 'maestro-health'), 'utf8')).status, 'disabled');
  } finally {
    for (const d of [app, bad.outDir, good.outDir]) await rm(d, { recursive: true, force: true });
  }
});
