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

test('init({ rollout }) narrows its first decision: the narrowing module read from disk, as the package installs it', async () => {
  const { init, isEnabled } = fresh();
  // (At 0% every bucket is out: a module that could not load would fail safe instead.)
  const d = await init({ rollout: 0, userId: 'u1', log: 'silent', exposeGlobal: false });
  expect(d).toMatchObject({ enabled: false, source: 'rollout', rollout: { percent: 0, stickiness: 'userId' } });
  expect(d.reason).toMatch(/^Disabled by rollout: bucket \d+ is above 0%$/);
  expect(isEnabled()).toBe(false);
});
