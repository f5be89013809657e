// The demo app (www/) as a real Vite app in the system Chromium and in Firefox: production
// builds with VITE_MAESTRO_ENABLED false / true / unset (`make demo`), the
// emitted `maestro-health`, MAESTRO's lazy chunk, the rollback console, and
// `vite dev` with the package installed the way users get it (npm pack).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, cp, mkdir, readdir, readFile, writeFile, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { serve, viteBuild, ROOT } from './helpers.mjs';
import { BROWSERS, launch } from './browsers.mjs';

async function visit(browser, url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const { lines } = page;
  await page.goto(url);
  await page.waitForSelector('#status:not(.pending)');
  await page.waitForNetworkIdle();
  // The paths requested so far (a cleanup requests more later).
  const paths = () => page.requests.map((u) => new URL(u).pathname);
  const requests = paths();
  const view = {
    badge: (await page.textContent('#badge')).trim(),
    reason: (await page.textContent('#reason')).trim(),
    health: JSON.parse(await page.textContent('#health')),
    maestroShown: await page.isVisible('#maestro-blocked'),
    lines: lines.filter((l) => l.includes('[MAESTRO]')),
    errors: lines.filter((l) => l.startsWith('error') || l.startsWith('pageerror')),
    chunkRequests: requests.filter((p) => /\/maestro-subsystem[^/]*\.js$/.test(p)),
    rollbackRequests: requests.filter((p) => p.includes('maestro_gate_rollback')),
    remoteRequests: requests.filter((p) => p.includes('maestro_gate_remote')),
    answerRequests: requests.filter((p) => p.includes('maestro_gate_answer')),
  };
  return { context, page, view, paths };
}

// Each build is made once and visited in each browser.
const builds = new Map();
async function built(browser, env) {
  const key = JSON.stringify(env);
  if (!builds.has(key)) builds.set(key, viteBuild(env));
  const dir = await builds.get(key);
  const server = await serve(dir);
  const { context, page, view, paths } = await visit(browser, server.url + '/');
  const file = await readFile(join(dir, 'maestro-health'), 'utf8');
  return { dir, server, context, page, view, file, paths };
}

// ---------- vite dev, with the package as npm installs it (the test is at the end) ----------

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function appWithInstalledPackage() {
  const dir = await mkdtemp(join(tmpdir(), 'maestro-app-'));
  for (const f of ['index.html', 'main.js', 'style.css', 'maestro-subsystem.js', 'vite.config.js']) {
    await cp(join(ROOT, 'www', f), join(dir, f));
  }
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  await mkdir(join(dir, 'node_modules'));
  await symlink(join(ROOT, 'www', 'node_modules', 'vite'), join(dir, 'node_modules', 'vite'));
  const pack = spawnSync('npm', ['pack', join(ROOT, 'pkg'), '--pack-destination', dir, '--silent'], { encoding: 'utf8' });
  assert.equal(pack.status, 0, pack.stderr);
  const tarball = join(dir, pack.stdout.trim().split('\n').pop());
  await mkdir(join(dir, 'node_modules', 'maestro-gate'));
  const untar = spawnSync('tar', ['-xzf', tarball, '-C', join(dir, 'node_modules', 'maestro-gate'), '--strip-components=1']);
  assert.equal(untar.status, 0);
  return dir;
}

async function viteDev(dir, env) {
  const port = await freePort();
  const clean = { ...process.env };
  delete clean.VITE_MAESTRO_ENABLED;
  const child = spawn(join(dir, 'node_modules', '.bin', 'vite') , ['--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: dir, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(url + '/maestro-health')).ok) break; } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop: () => { child.kill(); return new Promise((r) => child.once('exit', r)); }, output: () => out };
}

for (const name of BROWSERS) describe(name, () => {
  let browser;
  before(async () => { browser = await launch(name); });
  after(async () => { await browser?.close(); });

  test(`[${name}] vite build with VITE_MAESTRO_ENABLED=false: the console line, health(), maestro-health, and no MAESTRO chunk`, async () => {
    const b = await built(browser, { VITE_MAESTRO_ENABLED: 'false' });
    try {
      assert.equal(b.view.badge, 'DISABLED');
      assert.deepEqual(b.view.lines, ['info: [MAESTRO] Disabled by VITE_MAESTRO_ENABLED=false']);
      assert.equal(b.view.health.status, 'disabled');
      assert.equal(b.view.health.maestro_enabled, false);
      const doc = JSON.parse(b.file);
      assert.deepEqual([doc.status, doc.maestro_enabled, doc.source], ['disabled', false, 'VITE_MAESTRO_ENABLED']);
      assert.ok(b.file.includes('"status": "disabled",\n  "maestro_enabled": false'), b.file);
      assert.deepEqual(b.view.chunkRequests, [], 'the MAESTRO chunk was never fetched');
      assert.deepEqual(b.view.rollbackRequests, [], 'nor the rollback module: only a cleanup loads it');
      assert.deepEqual(b.view.remoteRequests, [], 'nor the remote poll: a gate that is off stays off');
      assert.equal(b.view.maestroShown, false);
      assert.deepEqual(b.view.errors, []);
    } finally {
      await b.context.close();
      await b.server.close();
    }
  });

  test(`[${name}] vite build with VITE_MAESTRO_ENABLED=true: MAESTRO\'s chunk loads and blocks execution`, async () => {
    const b = await built(browser, { VITE_MAESTRO_ENABLED: 'true' });
    try {
      assert.equal(b.view.badge, 'ENABLED');
      assert.deepEqual(b.view.lines, ['info: [MAESTRO] Enabled by VITE_MAESTRO_ENABLED=true']);
      assert.equal(b.view.chunkRequests.length, 1);
      assert.equal(b.view.maestroShown, true);
      // The demo polls /maestro-health: its module is built by Vite and loaded.
      assert.ok(b.view.remoteRequests.some((p) => /maestro_gate_remote[^/]*\.wasm$/.test(p)), b.view.remoteRequests.join());
      assert.ok(b.paths().includes('/maestro-health'), 'the remote poll ran');
      // The first answer's module, which Vite emits as a file of its own (its glue is in the
      // extras chunk: no file of its own).
      assert.ok(!b.view.answerRequests.some((p) => /maestro_gate_answer[^/]*\.js$/.test(p)), b.view.answerRequests.join());
      assert.ok(b.view.answerRequests.some((p) => /maestro_gate_answer_bg[^/]*\.wasm$/.test(p)), b.view.answerRequests.join());
      // (The demo sets a guard: its page loads the whole first-answer module, not its narrowing build,
      // which Vite emits too, for a page with a rollout or a guard alone.)
      assert.ok(!b.paths().some((p) => p.includes('maestro_gate_narrow')), b.paths().join());
      // (And the builds without the narrowing, which a page without a rollout or a guard
      // loads, and both Unleash builds, which a page with `unleash` loads.)
      const assets = await readdir(join(b.dir, 'assets'));
      for (const f of ['narrow', 'answer_slim', 'answer_unleash', 'answer_unleash_slim']) {
        assert.ok(assets.some((a) => new RegExp(`^maestro_gate_${f}_bg[^/]*\\.wasm$`).test(a)), `${f}: ${assets.join()}`);
      }
      // The keeping module (the first answer's memory, after the decision): emitted by Vite too.
      await b.page.waitForFunction(() => localStorage.getItem('maestro-gate:remote') !== null, { timeout: 5000 });
      assert.ok(b.paths().some((p) => /maestro_gate_keep_bg[^/]*\.wasm$/.test(p)), b.paths().join());
      assert.equal(JSON.parse(b.file).maestro_enabled, true);

      // A live kill from the console unmounts MAESTRO without a reload.
      await b.page.evaluate(() => { window.MAESTRO_ENABLED = false; });
      await b.page.waitForSelector('#status.off');
      assert.equal(await b.page.isVisible('#maestro-blocked'), false);
      assert.equal((await b.page.textContent('#reason')).trim(), 'Disabled by window.MAESTRO_ENABLED=false');
    } finally {
      await b.context.close();
      await b.server.close();
    }
  });

  test(`[${name}] the demo's rollout and guard panels: VITE_MAESTRO_ROLLOUT=100, 1,000 simulated browsers, and a live trip`, async () => {
    const b = await built(browser, { VITE_MAESTRO_ROLLOUT: '100' });
    try {
      assert.equal(b.view.badge, 'ENABLED');
      assert.match(b.view.reason, /^Enabled by rollout: bucket \d+ is within 100%$/);
      assert.equal(JSON.parse(b.file).rollout, 100, 'maestro-health carries the rollout');
      assert.equal((await b.page.textContent('#percent')).trim(), '100%');
      assert.match((await b.page.textContent('#bucket')).trim(), /^\d+ \(sticky by localStorage\)$/);
      await b.page.click('#simulate');
      await b.page.waitForFunction(() => document.querySelectorAll('#histogram .bar').length === 10);
      assert.equal((await b.page.textContent('#simulated')).trim(), '1000 of 1,000 simulated browsers are within 100%.');
      // The app's own error never counts; MAESTRO's, thrown from its chunk, do.
      await b.page.click('#app-fail');
      await b.page.waitForTimeout(200);
      assert.equal((await b.page.textContent('#badge')).trim(), 'ENABLED');
      for (let i = 0; i < 3; i++) {
        await b.page.click('#fail');
        await b.page.waitForTimeout(100);
      }
      await b.page.waitForSelector('#status.off');
      assert.equal((await b.page.textContent('#reason')).trim(), 'Disabled by guard: 3 errors in 60 s');
      assert.equal(await b.page.isVisible('#maestro-blocked'), false, 'MAESTRO unmounted');
      await b.page.click('#reset-guard');
      await b.page.waitForFunction(() => document.getElementById('guard').textContent.includes('forgotten'));
    } finally {
      await b.context.close();
      await b.server.close();
    }
  });

  test(`[${name}] vite build with nothing set: on by default; the rollback console seeds, clears and verifies`, async () => {
    const b = await built(browser, {});
    try {
      assert.equal(b.view.badge, 'ENABLED');
      assert.equal(b.view.reason, 'Enabled (default)');
      assert.deepEqual(b.view.rollbackRequests, []);
      await b.page.click('#seed');
      await b.page.waitForFunction(() => document.getElementById('report').textContent.includes('"exists": true'));
      await b.page.click('#clear');
      await b.page.waitForFunction(() => document.getElementById('report').textContent.includes('"ok"'));
      const report = JSON.parse(await b.page.textContent('#report'));
      assert.equal(report.ok, true, JSON.stringify(report));
      assert.ok(b.paths().some((p) => /maestro_gate_rollback[^/]*\.wasm$/.test(p)), 'the cleanup loaded the rollback module');
      assert.equal(report.database.outcome, 'deleted');
      assert.deepEqual(report.localStorage.removed.sort(), ['maestro:receipts', 'maestro:session', 'maestro:sync-cursor']);
      assert.deepEqual(report.sessionStorage.removed, ['maestro:man-mode']);
      await b.page.click('#verify');
      await b.page.waitForFunction(() => document.getElementById('report').textContent.includes('"clean"'));
      assert.equal(JSON.parse(await b.page.textContent('#report')).clean, true);
      assert.equal(await b.page.evaluate(() => localStorage.getItem('app:theme')), 'dark');
      assert.equal(await b.page.evaluate(() => sessionStorage.getItem('app:draft')), 'keep me');
    } finally {
      await b.context.close();
      await b.server.close();
    }
  });

  test(`[${name}] vite build: the page preloads the gate's .wasm, and init() takes the preloaded response`, async () => {
    const b = await built(browser, {});
    try {
      const html = await readFile(join(b.dir, 'index.html'), 'utf8');
      const hint = html.match(/<link rel="preload" href="(\/assets\/maestro_gate_bg-[^"]+\.wasm)" as="fetch" crossorigin>/);
      assert.ok(hint, html);
      assert.equal(b.view.badge, 'ENABLED');
      assert.deepEqual(b.view.errors, []);
      // One request for it: the hint's, which init()'s fetch() matched (same URL, mode and credentials).
      const wasmRequests = b.paths().filter((p) => /\/maestro_gate_bg[^/]*\.wasm$/.test(p));
      assert.deepEqual(wasmRequests, [hint[1]]);
    } finally {
      await b.context.close();
      await b.server.close();
    }
  });

  // A fresh app for each browser: each starts with Vite's dependency cache empty.
  test(`[${name}] vite dev: VITE_MAESTRO_ENABLED from .env, and the shell over .env; maestro-health served`, async () => {
    const dir = await appWithInstalledPackage();
    await mkdir(join(dir, 'node_modules', '.bin'));
    await symlink(join(ROOT, 'www', 'node_modules', 'vite', 'bin', 'vite.js'), join(dir, 'node_modules', '.bin', 'vite'));
    await writeFile(join(dir, '.env'), 'VITE_MAESTRO_ENABLED=false\n');

    let dev = await viteDev(dir, {});
    try {
      const res = await fetch(dev.url + '/maestro-health');
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.equal((await res.json()).maestro_enabled, false);
      const { context, view } = await visit(browser, dev.url + '/');
      await context.close();
      assert.equal(view.badge, 'DISABLED', dev.output());
      assert.deepEqual(view.lines, ['info: [MAESTRO] Disabled by VITE_MAESTRO_ENABLED=false']);
      assert.deepEqual(view.chunkRequests, []);
    } finally {
      await dev.stop();
    }

    dev = await viteDev(dir, { VITE_MAESTRO_ENABLED: 'true' });
    try {
      const { context, view } = await visit(browser, dev.url + '/');
      await context.close();
      assert.equal(view.badge, 'ENABLED', dev.output());
      assert.deepEqual(view.lines, ['info: [MAESTRO] Enabled by VITE_MAESTRO_ENABLED=true']);
      assert.equal(view.chunkRequests.length, 1);
      assert.equal((await (await fetch(dev.url + '/maestro-health')).json()).maestro_enabled, true);
    } finally {
      await dev.stop();
    }
  });
});

// The plugin's hint, without a browser: only on pages whose entry (or a chunk it
// imports statically) loads the gate's .wasm, relative for a relative base, and
// not with `preload: false`.
test('the Vite plugin adds the preload hint only where the page loads the gate', async () => {
  const { default: maestroGate } = await import(pathToFileURL(join(ROOT, 'pkg', 'vite.js')).href);
  const bundle = {
    'assets/maestro_gate_bg-abc.wasm': { type: 'asset', fileName: 'assets/maestro_gate_bg-abc.wasm', names: ['maestro_gate_bg.wasm'] },
    'assets/maestro_gate_rollback_bg-def.wasm': { type: 'asset', fileName: 'assets/maestro_gate_rollback_bg-def.wasm', names: ['maestro_gate_rollback_bg.wasm'] },
    'assets/gate-1.js': { type: 'chunk', fileName: 'assets/gate-1.js', imports: [], code: 'new URL("maestro_gate_bg-abc.wasm",import.meta.url)' },
    'assets/app-2.js': { type: 'chunk', fileName: 'assets/app-2.js', imports: ['assets/gate-1.js'], code: 'import "./gate-1.js"' },
    'assets/other-3.js': { type: 'chunk', fileName: 'assets/other-3.js', imports: [], code: 'import("./gate-1.js")' },
  };
  const hint = (options, base, path, entry) => {
    const plugin = maestroGate(options);
    plugin.configResolved({ env: {}, base, command: 'build', logger: console });
    return plugin.transformIndexHtml.handler('', { path, bundle, chunk: bundle[entry] });
  };
  const link = (href) => [{ tag: 'link', attrs: { rel: 'preload', href, as: 'fetch', crossorigin: true }, injectTo: 'head' }];
  assert.deepEqual(hint({}, '/', '/index.html', 'assets/app-2.js'), link('/assets/maestro_gate_bg-abc.wasm'));
  assert.deepEqual(hint({}, '/app/', '/index.html', 'assets/app-2.js'), link('/app/assets/maestro_gate_bg-abc.wasm'));
  assert.deepEqual(hint({}, './', '/nested/page.html', 'assets/app-2.js'), link('../assets/maestro_gate_bg-abc.wasm'));
  assert.equal(hint({}, '/', '/other.html', 'assets/other-3.js'), undefined, 'a page that imports the gate lazily gets no hint');
  assert.equal(hint({}, '/', '/static.html', undefined), undefined, 'nor a page without a script');
  assert.equal(hint({ preload: false }, '/', '/index.html', 'assets/app-2.js'), undefined);
});

// The plugin's options are its call's own properties: a polluted
// Object.prototype (a dependency of the build) names no file to emit, no
// beacon file or path, no `strict` and no `preload: false`: what the plugin
// emits, warns, hints and serves is the same. Its `defaultEnabled` is read as
// the gate reads it: an inherited off counts (the document says off), an
// inherited on is ignored with the gate's warning.
test('a polluted Object.prototype changes nothing the Vite plugin emits, warns, hints or serves', async () => {
  const { default: maestroGate } = await import(pathToFileURL(join(ROOT, 'pkg', 'vite.js')).href);
  const bundle = {
    'assets/maestro_gate_bg-abc.wasm': { type: 'asset', fileName: 'assets/maestro_gate_bg-abc.wasm', names: ['maestro_gate_bg.wasm'] },
    'assets/app-2.js': { type: 'chunk', fileName: 'assets/app-2.js', imports: [], code: 'new URL("maestro_gate_bg-abc.wasm",import.meta.url)' },
  };
  // Every hook, synchronously (nothing else runs while the prototype is polluted).
  const run = (env) => {
    const out = { emitted: [], warned: [], info: [], errors: [], middlewares: 0 };
    const plugin = maestroGate();
    plugin.configResolved({ env, base: '/', command: 'build', logger: { warn: (l) => out.warned.push(l), info: (l) => out.info.push(l) } });
    const ctx = { emitFile: (f) => out.emitted.push(f), error: (e) => { out.errors.push(String(e)); } };
    plugin.buildStart.call(ctx);
    plugin.generateBundle.call(ctx);
    out.hint = plugin.transformIndexHtml.handler('', { path: '/index.html', bundle, chunk: bundle['assets/app-2.js'] });
    plugin.configureServer({ middlewares: { use: () => { out.middlewares++; } } });
    return out;
  };
  const envs = [{}, { VITE_MAESTRO_ENABLED: 'flase' }];
  const clean = envs.map(run);
  const polluted = { fileName: 'index.html', report: false, beacons: '/tmp/maestro-polluted.jsonl', strict: true, preload: false };
  const dirty = (extra) => {
    try {
      Object.assign(Object.prototype, polluted, extra);
      return envs.map(run);
    } finally {
      for (const k of Object.keys({ ...polluted, ...extra })) delete Object.prototype[k];
    }
  };
  assert.deepEqual(dirty({}), clean);
  // An inherited off counts: the same, with the document off.
  const off = dirty({ defaultEnabled: false });
  assert.deepEqual(off[0].emitted.map((f) => [f.fileName, JSON.parse(f.source).reason, JSON.parse(f.source).maestro_enabled]),
    [['maestro-health', 'Disabled (default)', false]]);
  assert.deepEqual({ ...off[0], emitted: null }, { ...clean[0], emitted: null });
  // An inherited on is ignored, with the gate's warning (not an error: no `strict`).
  const on = dirty({ defaultEnabled: true });
  assert.deepEqual(on[0].emitted, clean[0].emitted);
  assert.deepEqual(on[0].warned, ['[MAESTRO] Ignoring defaultEnabled=true: not an own property, and only an own property can turn MAESTRO on']);
  assert.deepEqual(on[0].errors, []);
  // (What the clean runs are: the document under its name, the hint, the
  // receiver, the invalid value's warning, and no error.)
  assert.deepEqual(clean[0].emitted.map((f) => [f.fileName, JSON.parse(f.source).reason]), [['maestro-health', 'Enabled (default)']]);
  assert.equal(clean[0].hint[0].attrs.href, '/assets/maestro_gate_bg-abc.wasm');
  assert.equal(clean[0].middlewares, 2);
  assert.match(clean[0].info[0], /beacons sent to \/maestro-report are appended to .*node_modules\/\.maestro-gate\/beacons\.jsonl/);
  assert.equal(clean[1].warned.length, 1);
  assert.deepEqual([...clean[0].errors, ...clean[1].errors], []);
});
