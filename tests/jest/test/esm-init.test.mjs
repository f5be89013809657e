// The package as ES modules (Jest's ESM mode: NODE_OPTIONS=--experimental-vm-modules,
// *.test.mjs), through the "node" condition's ES module entry (pkg/index.node.js).
// In jsdom, jest.config.js's one line gives Jest the "node" condition.
import { expect, test } from '@jest/globals';
import { health, init, isEnabled } from 'maestro-gate';

test("init() on the package's own gate decides: on by default (the .wasm read from disk)", async () => {
  expect(await init({ log: 'silent', exposeGlobal: false })).toEqual({
    enabled: true, source: 'default', value: null, reason: 'Enabled (default)', rollout: null,
  });
  expect(isEnabled()).toBe(true);
  expect(health()).toMatchObject({ status: 'enabled', maestro_enabled: true });
});
