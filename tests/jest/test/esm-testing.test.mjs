// maestro-gate/testing as ES modules under Jest: off from an env object, on,
// the live kill, and the cleanup on a fake storage.
import { expect, test } from '@jest/globals';
import { clearClientState, init, isEnabled } from 'maestro-gate';
import { fakeStorage, installStorage, startGate } from 'maestro-gate/testing';

test("startGate({ env: { VITE_MAESTRO_ENABLED: 'false' } }) is off, and init() answers with it", async () => {
  const d = await startGate({ env: { VITE_MAESTRO_ENABLED: 'false' }, log: 'silent' });
  expect(d).toEqual({ enabled: false, source: 'VITE_MAESTRO_ENABLED', value: 'false', reason: 'Disabled by VITE_MAESTRO_ENABLED=false', rollout: null });
  expect(await init({ defaultEnabled: true })).toEqual(d);
  expect(isEnabled()).toBe(false);
});

test('a fresh gate, on; then the live kill', async () => {
  expect(await startGate({ enabled: true, log: 'silent' })).toMatchObject({ enabled: true, source: 'default' });
  expect(isEnabled()).toBe(true);
  globalThis.MAESTRO_ENABLED = false;
  expect(isEnabled()).toBe(false);
});

test('the rollback removes MAESTRO keys and nothing else', async () => {
  await startGate({ enabled: true, log: 'silent' });
  const local = fakeStorage({ 'maestro:token': 'x', 'app:theme': 'dark' });
  const restore = installStorage({ localStorage: local, sessionStorage: fakeStorage() });
  try {
    const report = await clearClientState({ allTabs: false, log: 'silent' });
    expect(report.localStorage.removed).toEqual(['maestro:token']);
    expect(local.getItem('app:theme')).toBe('dark');
    expect(report.database.outcome).toBe('unavailable');
  } finally {
    restore();
  }
});
