// The Rust example (examples/yew, through the binding crate crates/js), as
// scripts/build-example.sh builds it into target/example-dist/, in the system
// Chromium and in Firefox: on (MAESTRO's component mounted), off
// (`window.MAESTRO_ENABLED = false` before the app: never mounted), a live
// kill (it is unmounted), and a cleanup whose report the binding reads.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { serve, ROOT } from './helpers.mjs';
import { BROWSERS, launch } from './browsers.mjs';

const DIST = join(ROOT, 'target', 'example-dist');

let server;
before(async () => {
  await access(join(DIST, 'index.html')).catch(() => {
    throw new Error('target/example-dist is missing: run scripts/build-example.sh (make test-e2e does)');
  });
  server = await serve(DIST);
});
after(() => server?.close());

async function open(browser, query = '') {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/index.html${query}`);
  await page.waitForSelector('#status');
  return { context, page };
}

const mounts = (page) => page.evaluate(() => ({ mounted: 0, unmounted: 0, ...window.maestroMounts }));
const errors = (page) => page.lines.filter((l) => l.startsWith('error') || l.startsWith('pageerror'));

for (const name of BROWSERS) {
  describe(`the Rust example (Yew) in ${name}`, () => {
    let browser;
    before(async () => { browser = await launch(name); });
    after(() => browser?.close());

    test('on mounts MAESTRO\'s component; a live kill unmounts it; the gate latches', async () => {
      const { context, page } = await open(browser);
      try {
        assert.equal(await page.textContent('#status'), 'true default');
        await page.waitForSelector('#maestro');
        assert.deepEqual(await mounts(page), { mounted: 1, unmounted: 0 });
        await page.evaluate(() => { window.MAESTRO_ENABLED = false; });
        await page.waitForSelector('#fallback');
        assert.equal(await page.isVisible('#maestro'), false);
        assert.equal(await page.textContent('#status'), 'false window.MAESTRO_ENABLED');
        assert.deepEqual(await mounts(page), { mounted: 1, unmounted: 1 });
        await page.evaluate(() => { window.MAESTRO_ENABLED = true; });
        assert.equal(await page.isVisible('#maestro'), false);
        assert.ok(page.lines.includes('info: [MAESTRO] Disabled by window.MAESTRO_ENABLED=false'), page.lines.join('\n'));
        assert.deepEqual(errors(page), []);
      } finally {
        await context.close();
      }
    });

    test('off before the app never mounts MAESTRO\'s component', async () => {
      const { context, page } = await open(browser, '?off');
      try {
        await page.waitForSelector('#fallback');
        assert.equal(await page.textContent('#status'), 'false window.MAESTRO_ENABLED');
        assert.deepEqual(await mounts(page), { mounted: 0, unmounted: 0 });
        assert.deepEqual(errors(page), []);
      } finally {
        await context.close();
      }
    });

    test('clear_client_state: the package\'s report, read as Rust types', async () => {
      const { context, page } = await open(browser);
      try {
        await page.evaluate(() => { localStorage.setItem('maestro:token', '1'); localStorage.setItem('app:theme', 'dark'); });
        await page.click('#clear');
        await page.waitForSelector('#cleared');
        assert.equal(await page.textContent('#cleared'), 'ok true database deleted localStorage cleared removed 1');
        assert.equal(await page.evaluate(() => localStorage.getItem('app:theme')), 'dark');
        assert.deepEqual(errors(page), []);
      } finally {
        await context.close();
      }
    });
  });
}
