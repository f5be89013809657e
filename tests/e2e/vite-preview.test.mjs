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
function vitePreview(outDir, cwd = WWW) {
  return viteServer(cwd, ['preview', '--outDir', outDir]);
}

/** `vite <args>` in `cwd` on a free loopback port, once it answers. */
async function viteServer(cwd, args) {
  const port = await freePort();
  const child = spawn(process.execPath, [VITE, ...args, '--host', '127.0.0.1',
    '--port', String(port), '--strictPort'], { cwd, env: environment(), stdio: ['ignore', 'pipe', 'pipe'] });
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
  if (!up) { await stop(); throw new Error(`vite ${args[0]} did not start:\n${out}`); }
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

// Issue 22, item 4: a receiver where apps are developed. `vite dev` and `vite
// preview` answer init({ report: '/maestro-report' }) (no 404 in the console),
// appending each beacon as one line to the file they name on start, which
// report-summary reads.
test('vite dev and vite preview receive the decision beacon into the file they name on start', async () => {
  const dir = await appWithPluginOptions({ beacons: 'logs/beacons.jsonl' });
  const file = join(dir, 'logs', 'beacons.jsonl');
  const beacon = (event, enabled, source) => JSON.stringify({ event, session: 'session-dev-1', version: '0.1.0', enabled, source,
    reason: 'r', rollout: null, guard: null, cleanup: null, at: Date.parse('2025-06-01T09:00:00Z') + (enabled ? 0 : 60000) });
  const built = await build(dir, {});
  assert.equal(built.status, 0, built.stderr);
  try {
    for (const [mode, start] of [['dev', () => viteServer(dir, [])], ['preview', () => vitePreview(built.outDir, dir)]]) {
      const server = await start();
      try {
        assert.match(server.output(), new RegExp(`maestro-gate: beacons sent to /maestro-report are appended to ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), mode);
        if (mode === 'dev') assert.equal(existsSync(file), false, 'named, opened at the first beacon');
        const post = (body) => fetch(server.url + '/maestro-report', { method: 'POST', body, headers: { 'content-type': 'text/plain;charset=UTF-8' } });
        const res = await post(mode === 'dev' ? beacon('start', true, 'default') : beacon('change', false, 'window.MAESTRO_ENABLED'));
        assert.equal(res.status, 204, `${mode}: ${server.output()}`);
        assert.equal((await post('x'.repeat(1500))).status, 413, mode);
        assert.equal((await post('{"not":"a beacon"}')).status, 400, mode);
        // A beacon from another origin (text/plain: no preflight) is answered with that origin and
        // credentials; a preflight is the dev server's own CORS (server.cors, preview.cors).
        const cross = await fetch(server.url + '/maestro-report', { method: 'POST', body: '{}', headers: { origin: 'http://other.example' } });
        assert.equal(cross.status, 400, mode);
        assert.equal(cross.headers.get('access-control-allow-origin'), 'http://other.example', mode);
        assert.equal(cross.headers.get('access-control-allow-credentials'), 'true', mode);
        // The rest of the app is still Vite's.
        assert.equal((await fetch(server.url + '/maestro-health')).headers.get('content-type'), 'application/json', mode);
      } finally {
        await server.stop();
      }
    }
    const lines = (await readFile(file, 'utf8')).split('\n');
    assert.equal(lines.length, 3, lines.join('\n'));
    const summary = spawnSync(process.execPath, [join(ROOT, 'pkg', 'cli.js'), 'report-summary', file, '--json'], { encoding: 'utf8' });
    const s = JSON.parse(summary.stdout).sessions;
    assert.deepEqual([s.total, s.enabled, s.disabled], [1, 0, 1]);
  } finally {
    await rm(built.outDir, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  }
});
