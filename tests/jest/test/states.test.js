// maestro-gate/testing under Jest (CommonJS): a fresh gate per startGate,
// each decided by the Rust core, which the app's own init() then answers with.
const { decision, init, isEnabled } = require('maestro-gate');
const { startGate } = require('maestro-gate/testing');
const { startApp } = require('../src/app.js');
const { state } = require('../src/maestro.js');

beforeEach(() => {
  Object.assign(state, { running: false, starts: 0, stops: 0 });
});

test('{ enabled: false }: the app runs without MAESTRO', async () => {
  const d = await startGate({ enabled: false, log: 'silent' });
  expect(d).toEqual({ enabled: false, source: 'default', value: 'false', reason: 'Disabled (default)', rollout: null });
  expect(await startApp()).toBeNull();
  expect(isEnabled()).toBe(false);
  expect(state.starts).toBe(0);
});

test('{ enabled: true }, right after a test that was off: a fresh gate', async () => {
  const d = await startGate({ enabled: true, log: 'silent' });
  expect(d).toMatchObject({ enabled: true, source: 'default' });
  // The app's init({ env: process.env }) resolves to this decision (the first
  // options win), even under VITE_MAESTRO_ENABLED=false.
  expect((await startApp()).state.running).toBe(true);
  expect(globalThis.maestroGate.isEnabled()).toBe(true);
});

test("an env object: VITE_MAESTRO_ENABLED=false, and init() after it answers the same", async () => {
  const d = await startGate({ env: { VITE_MAESTRO_ENABLED: 'false' }, log: 'silent' });
  expect(d).toMatchObject({ enabled: false, source: 'VITE_MAESTRO_ENABLED', reason: 'Disabled by VITE_MAESTRO_ENABLED=false' });
  expect(await init({ defaultEnabled: true })).toEqual(d);
  expect(decision()).toEqual(d);
});

test('a mistake in a test throws at once', async () => {
  await expect(startGate({ enabled: 'yes' })).rejects.toThrow(TypeError);
  await expect(startGate({ remote: '/flag' })).rejects.toThrow(/remote is not supported/);
});
