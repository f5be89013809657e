// The demo (www/, a real Vite production build) in the system Chromium: the
// README's `make demo` and `VITE_MAESTRO_ENABLED=false make demo`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, pageWithConsole, viteBuild } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function run(env) {
  const dir = await viteBuild(env);
  const server = await serve(dir);
  const context = await browser.newContext();
  try {
    const { page, lines } = await pageWithConsole(context);
    await page.goto(server.url + '/');
    await page.waitForSelector('#status:not(.pending)');
    return {
      badge: (await page.textContent('#badge')).trim(),
      reason: (await page.textContent('#reason')).trim(),
      source: (await page.textContent('#source')).trim(),
      health: JSON.parse(await page.textContent('#health')),
      lines: lines.filter((l) => l.includes('[MAESTRO]')),
      errors: lines.filter((l) => l.startsWith('error') || l.startsWith('pageerror')),
    };
  } finally {
    await context.close();
    await server.close();
  }
}

test('VITE_MAESTRO_ENABLED=false: disabled, the runbook console line, the runbook health JSON', async () => {
  const r = await run({ VITE_MAESTRO_ENABLED: 'false' });
  assert.equal(r.badge, 'DISABLED');
  assert.equal(r.source, 'VITE_MAESTRO_ENABLED');
  assert.deepEqual(r.lines, ['info: [MAESTRO] Disabled by VITE_MAESTRO_ENABLED=false']);
  assert.equal(r.health.status, 'disabled');
  assert.equal(r.health.maestro_enabled, false);
  assert.deepEqual(r.errors, []);
});

test('VITE_MAESTRO_ENABLED=true: enabled', async () => {
  const r = await run({ VITE_MAESTRO_ENABLED: 'true' });
  assert.equal(r.badge, 'ENABLED');
  assert.deepEqual(r.lines, ['info: [MAESTRO] Enabled by VITE_MAESTRO_ENABLED=true']);
  assert.equal(r.health.status, 'enabled');
  assert.equal(r.health.maestro_enabled, true);
  assert.deepEqual(r.errors, []);
});

test('unset: MAESTRO on by default', async () => {
  const r = await run({});
  assert.equal(r.badge, 'ENABLED');
  assert.equal(r.reason, 'Enabled (default)');
  assert.deepEqual(r.lines, ['info: [MAESTRO] Enabled (default)']);
});
