// MAESTRO's own tests: the live kill stops it, and the cleanup removes its
// client state and nothing else. The runbook's "Run test suite without
// MAESTRO" (`npm test -- --testPathIgnorePatterns=maestro`) leaves this file out.
const { isEnabled, verifyClientState } = require('maestro-gate');
const { fakeStorage, installStorage, startGate } = require('maestro-gate/testing');
const { rollBack, startApp } = require('../src/app.js');

let restore = () => {};
afterEach(() => restore());

test('the live kill turns MAESTRO off, and the app stops it', async () => {
  await startGate({ enabled: true, log: 'silent' });
  const maestro = await startApp();
  expect(maestro.state.running).toBe(true);
  globalThis.MAESTRO_ENABLED = false; // window.MAESTRO_ENABLED in jsdom
  expect(isEnabled()).toBe(false);
  expect(maestro.state).toMatchObject({ running: false, stops: 1 });
});

test('the rollback removes MAESTRO keys and nothing else; no IndexedDB here', async () => {
  await startGate({ enabled: false, log: 'silent' });
  const local = fakeStorage({ 'maestro:token': 'secret', 'app:theme': 'dark' });
  const session = fakeStorage({ 'maestro:session': '1', 'app:draft': 'x' });
  restore = installStorage({ localStorage: local, sessionStorage: session });
  expect(await verifyClientState()).toMatchObject({ localStorageKeys: ['maestro:token'], sessionStorageKeys: ['maestro:session'] });
  const { report, closed } = await rollBack();
  expect(closed).toEqual(['maestro_secrets']);
  expect(report.localStorage).toEqual({ outcome: 'cleared', removed: ['maestro:token'], failed: [] });
  expect(report.sessionStorage.removed).toEqual(['maestro:session']);
  expect(report.database.outcome).toBe('unavailable');
  expect([local.getItem('app:theme'), session.getItem('app:draft')]).toEqual(['dark', 'x']);
});
