// The package's own gate, as a fresh Jest project loads it: `require('maestro-gate')`
// in Jest's default CommonJS mode (the "require" condition under "node": pkg/cjs/),
// in the node and jsdom environments, with no configuration. Each test loads the
// package afresh (jest.isolateModules), so each init() is the first one.
const fresh = () => {
  let gate;
  jest.isolateModules(() => { gate = require('maestro-gate'); });
  return gate;
};

test('the CommonJS entry, with the browser entry\'s exports', () => {
  expect(require.resolve('maestro-gate')).toMatch(/[/\\]cjs[/\\]index\.node\.js$/);
  expect(require.resolve('maestro-gate/testing')).toMatch(/[/\\]cjs[/\\]testing\.js$/);
  expect(Object.keys(require('maestro-gate')).sort()).toEqual([
    'clearClientState', 'decision', 'health', 'init', 'isEnabled', 'onChange', 'onCleanupRequest',
    'recordError', 'resetGuard', 'verifyClientState',
  ]);
});

test('init() decides: on by default (the .wasm read from disk, not "unavailable")', async () => {
  const { init, isEnabled, health } = fresh();
  expect(await init({ log: 'silent', exposeGlobal: false })).toEqual({
    enabled: true, source: 'default', value: null, reason: 'Enabled (default)', rollout: null,
  });
  expect(isEnabled()).toBe(true);
  expect(health()).toMatchObject({ status: 'enabled', maestro_enabled: true });
});

test("init() decides: off with env: { VITE_MAESTRO_ENABLED: 'false' }", async () => {
  const { init, isEnabled } = fresh();
  expect(await init({ env: { VITE_MAESTRO_ENABLED: 'false' }, log: 'silent', exposeGlobal: false })).toEqual({
    enabled: false, source: 'VITE_MAESTRO_ENABLED', value: 'false', reason: 'Disabled by VITE_MAESTRO_ENABLED=false', rollout: null,
  });
  expect(isEnabled()).toBe(false);
});
