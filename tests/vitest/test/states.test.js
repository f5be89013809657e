// Start the gate in a given state, and again in another one for the next
// test: every decision is the Rust core's, through the package's real exports.
import { beforeEach, expect, test, vi } from 'vitest';
import { decision, health, init, isEnabled } from 'maestro-gate';
import { startGate } from 'maestro-gate/testing';
import { startApp } from '../src/app.js';
import { state } from '../src/maestro.js';

beforeEach(() => {
  Object.assign(state, { running: false, starts: 0, stops: 0 });
});

test('{ enabled: false }: the app runs without MAESTRO', async () => {
  const d = await startGate({ enabled: false, log: 'silent' });
  expect(d).toEqual({ enabled: false, source: 'default', value: 'false', reason: 'Disabled (default)', rollout: null });
  expect(await startApp()).toBeNull();
  expect(isEnabled()).toBe(false);
  expect(health()).toMatchObject({ status: 'disabled', maestro_enabled: false, source: 'default' });
  expect(state.starts).toBe(0);
});

test('{ enabled: true }, right after a test that was off: a fresh gate, not the latched one', async () => {
  const d = await startGate({ enabled: true, log: 'silent' });
  expect(d).toEqual({ enabled: true, source: 'default', value: 'true', reason: 'Enabled (default)', rollout: null });
  // The app's own init({ env: import.meta.env }) resolves to this decision (the
  // first options win), even under VITE_MAESTRO_ENABLED=false vitest run.
  const maestro = await startApp();
  expect(maestro.state.running).toBe(true);
  expect(isEnabled()).toBe(true);
  expect(globalThis.maestroGate.isEnabled()).toBe(true); // the stopped gate left the page's list of copies
});

test('an env object: VITE_MAESTRO_ENABLED=false', async () => {
  const d = await startGate({ env: { VITE_MAESTRO_ENABLED: 'false' }, log: 'silent' });
  expect(d).toEqual({ enabled: false, source: 'VITE_MAESTRO_ENABLED', value: 'false', reason: 'Disabled by VITE_MAESTRO_ENABLED=false', rollout: null });
  expect(await startApp()).toBeNull();
  expect(decision()).toEqual(d);
});

test('an env object: VITE_MAESTRO_ENABLED=true', async () => {
  const d = await startGate({ env: { VITE_MAESTRO_ENABLED: 'on' }, log: 'silent' });
  expect(d).toMatchObject({ enabled: true, source: 'VITE_MAESTRO_ENABLED', value: 'on' });
  expect((await startApp()).state.running).toBe(true);
});

test('the rule still holds: off wins over { enabled: true }, and a typo fails safe with its warning', async () => {
  expect(await startGate({ enabled: true, env: { VITE_MAESTRO_ENABLED: '0' }, log: 'silent' }))
    .toMatchObject({ enabled: false, source: 'VITE_MAESTRO_ENABLED' });
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  try {
    const d = await startGate({ env: { VITE_MAESTRO_ENABLED: 'flase' } });
    expect(d.enabled).toBe(false);
    expect(d.reason).toMatch(/^Disabled \(fail safe\): invalid VITE_MAESTRO_ENABLED="flase"; accepted: /);
    await Promise.resolve(); // the start-up line is written from a microtask
    expect(warn).toHaveBeenCalledWith(`[MAESTRO] ${d.reason}`);
  } finally {
    warn.mockRestore();
  }
});

test('init() after startGate resolves to the started decision', async () => {
  await startGate({ enabled: false, log: 'silent' });
  expect(await init({ defaultEnabled: true, env: { VITE_MAESTRO_ENABLED: 'true' } })).toMatchObject({ enabled: false, source: 'default' });
});

test('a mistake in a test throws at once', async () => {
  await expect(startGate({ enabled: 'false' })).rejects.toThrow(TypeError);
  await expect(startGate({ enabled: true, defaultEnabled: false })).rejects.toThrow(TypeError);
  await expect(startGate({ remote: '/maestro-health' })).rejects.toThrow(/remote is not supported/);
});

test('a config without a remote or unleash (undefined, null or false) starts, as init() reads it', async () => {
  for (const none of [undefined, null, false]) {
    await expect(startGate({ enabled: true, remote: none, unleash: none, log: 'silent' })).resolves.toMatchObject({ enabled: true });
  }
});
