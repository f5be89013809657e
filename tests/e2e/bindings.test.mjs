// The bindings in real apps (tests/apps/: OpenFeature + React, React alone,
// Vue), built once by `vite build` with pkg/ installed as an app installs it,
// in the system Chromium and in Firefox. Each app: on (MAESTRO's component
// mounted), off (`window.MAESTRO_ENABLED = false` before the app: never
// mounted), and a live kill (`window.MAESTRO_ENABLED = false` later: it is
// unmounted). The OpenFeature app also shows what the real SDK answers
// through the provider, its configuration-changed event and `track`'s beacon.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, ROOT } from './helpers.mjs';
import { BROWSERS, launch } from './browsers.mjs';

const APPS = join(ROOT, 'tests', 'apps');

let server;
let devServer;
const beacons = [];

// `vite build` of tests/apps into a fresh folder; NODE_ENV=development gives
// React's development build, where StrictMode mounts every component twice.
async function build(nodeEnv) {
  const dir = await mkdtemp(join(tmpdir(), 'maestro-apps-'));
  const env = { ...process.env, NODE_ENV: nodeEnv };
  delete env.VITE_MAESTRO_ENABLED;
  delete env.VITE_MAESTRO_ROLLOUT;
  const r = spawnSync('npx', ['vite', 'build', '--outDir', dir, '--emptyOutDir'], { cwd: APPS, env, encoding: 'utf8' });
  assert.equal(r.status, 0, `vite build failed:\n${r.stdout}\n${r.stderr}`);
  return dir;
}

before(async () => {
  devServer = await serve(await build('development'));
  server = await serve(await build('production'), {
    '/report': (req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d) => { body += d; });
      req.on('end', () => { beacons.push(JSON.parse(body)); res.writeHead(204).end(); });
    },
  });
});

after(async () => { await server?.close(); await devServer?.close(); });

// Opens `app` (with `query`) in a fresh context and waits until it rendered.
async function open(browser, app, query = '', at = server) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${at.url}/${app}.html${query}`);
  await page.waitForSelector('#status');
  return { context, page };
}

const mounts = (page) => page.evaluate(() => ({ ...window.maestroMounts }));
const errors = (page) => page.lines.filter((l) => l.startsWith('error') || l.startsWith('pageerror'));

for (const name of BROWSERS) {
  describe(`bindings in ${name}`, () => {
    let browser;
    before(async () => { browser = await launch(name); });
    after(() => browser?.close());

    for (const app of ['react', 'vue']) {
      test(`${app}: on mounts MAESTRO's component; a live kill unmounts it`, async () => {
        const { context, page } = await open(browser, app);
        try {
          assert.equal(await page.textContent('#status'), 'true default');
          await page.waitForSelector('#maestro');
          assert.deepEqual(await mounts(page), { mounted: 1, unmounted: 0 });
          await page.evaluate(() => { window.MAESTRO_ENABLED = false; });
          await page.waitForSelector('#fallback');
          assert.equal(await page.isVisible('#maestro'), false);
          assert.equal(await page.textContent('#status'), 'false window.MAESTRO_ENABLED');
          assert.deepEqual(await mounts(page), { mounted: 1, unmounted: 1 });
          // The gate latches: a later "on" mounts nothing.
          await page.evaluate(() => { window.MAESTRO_ENABLED = true; });
          assert.equal(await page.isVisible('#maestro'), false);
          assert.deepEqual(errors(page), []);
        } finally {
          await context.close();
        }
      });

      test(`${app}: off before the app never mounts MAESTRO's component`, async () => {
        const { context, page } = await open(browser, app, '?off');
        try {
          await page.waitForSelector('#fallback');
          assert.equal(await page.textContent('#status'), 'false window.MAESTRO_ENABLED');
          assert.equal(await page.isVisible('#maestro'), false);
          assert.deepEqual(await mounts(page), { mounted: 0, unmounted: 0 });
          assert.deepEqual(errors(page), []);
        } finally {
          await context.close();
        }
      });
    }

    for (const app of ['react', 'openfeature']) {
      test(`${app}, React's development build: StrictMode's second mount, then a live kill`, async () => {
        const { context, page } = await open(browser, app, '', devServer);
        try {
          await page.waitForSelector('#maestro');
          // StrictMode mounts, unmounts and mounts again: the store is subscribed twice, released once.
          assert.deepEqual(await mounts(page), { mounted: 2, unmounted: 1 });
          await page.evaluate(() => { window.MAESTRO_ENABLED = false; });
          await page.waitForSelector('#fallback');
          assert.equal(await page.isVisible('#maestro'), false);
          assert.deepEqual(await mounts(page), { mounted: 2, unmounted: 2 });
          assert.deepEqual(errors(page), []);
        } finally {
          await context.close();
        }
      });
    }

    test('openfeature: the SDK answers the gate; a live kill is seen by useBooleanFlagValue', async () => {
      const { context, page } = await open(browser, 'openfeature');
      try {
        await page.waitForSelector('#maestro');
        assert.equal(await page.textContent('#status'), 'true');
        const on = await page.evaluate(() => window.evaluate());
        assert.equal(on.providerName, 'maestro-gate');
        assert.deepEqual(on.maestro, {
          value: true, reason: 'STATIC', variant: 'on', errorCode: undefined, flagMetadata: { source: 'default' },
        });
        assert.deepEqual(on.other, { value: true, reason: 'ERROR', variant: undefined, errorCode: 'FLAG_NOT_FOUND', flagMetadata: {} });
        assert.deepEqual(on.string, { value: 'x', reason: 'ERROR', variant: undefined, errorCode: 'TYPE_MISMATCH', flagMetadata: {} });

        await page.evaluate(() => { window.MAESTRO_ENABLED = false; });
        await page.waitForSelector('#fallback');
        assert.equal(await page.textContent('#status'), 'false');
        assert.equal(await page.isVisible('#maestro'), false);
        assert.deepEqual(await mounts(page), { mounted: 1, unmounted: 1 });
        assert.deepEqual(await page.evaluate(() => window.configurationChanges), [['maestro']]);
        const off = await page.evaluate(() => window.evaluate());
        assert.deepEqual(off.maestro, {
          value: false, reason: 'DISABLED', variant: 'off', errorCode: undefined, flagMetadata: { source: 'window.MAESTRO_ENABLED' },
        });
        assert.deepEqual(errors(page), []);
      } finally {
        await context.close();
      }
    });

    test('openfeature: off before the app, whatever the default', async () => {
      const { context, page } = await open(browser, 'openfeature', '?off');
      try {
        await page.waitForSelector('#fallback');
        assert.equal(await page.textContent('#status'), 'false');
        assert.deepEqual(await mounts(page), { mounted: 0, unmounted: 0 });
        const off = await page.evaluate(() => window.evaluate());
        assert.deepEqual(off.maestro, {
          value: false, reason: 'DISABLED', variant: 'off', errorCode: undefined, flagMetadata: { source: 'window.MAESTRO_ENABLED' },
        });
        assert.deepEqual(errors(page), []);
      } finally {
        await context.close();
      }
    });

    test('openfeature: track sends a beacon with names and numbers only', async () => {
      const { context, page } = await open(browser, 'openfeature', '?report=/report');
      try {
        await page.waitForSelector('#maestro');
        const tag = `checkout-${name}`;
        await page.evaluate((n) => {
          window.track(n, { value: 3, items: 2, note: 'secret', bad: NaN });
          window.track('not a plain name', { value: 1 });
        }, tag);
        await waitFor(() => beacons.some((b) => b.event === 'track' && b.name === tag));
        const sent = beacons.filter((b) => b.event === 'track' && b.name === tag);
        assert.equal(sent.length, 1);
        const { at, version, ...doc } = sent[0];
        assert.equal(typeof at, 'number');
        assert.match(version, /^\d+\.\d+\.\d+/);
        assert.deepEqual(doc, { event: 'track', name: tag, enabled: true, source: 'default', details: { value: 3, items: 2 } });
        assert.equal(JSON.stringify(beacons).includes('user-42'), false); // the context's targeting key
        assert.equal(JSON.stringify(beacons).includes('example.com'), false);
        assert.equal(JSON.stringify(beacons).includes('not a plain name'), false);
        // The gate's own start beacon goes to the same URL (init()'s `report`):
        // it leaves once the remote module has loaded, which may be after the
        // track beacon, sent by the binding itself.
        await waitFor(() => beacons.some((b) => b.event === 'start'));
        assert.deepEqual(errors(page), []);
      } finally {
        await context.close();
      }
    });
  });
}

// Waits for a condition the server sees (a beacon arrives when the browser sends it).
async function waitFor(condition, timeout = 15000) {
  const end = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`waitFor: ${timeout} ms exceeded waiting for ${condition}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
