// The package's own gate, once app code has called init() on it, cannot be
// stopped (its channel and watch were opened outside startGate): startGate
// says so instead of leaving it running beside the fresh gate.
import { expect, test } from 'vitest';
import { init } from 'maestro-gate';
import { startGate } from 'maestro-gate/testing';

test('startGate after the app already called init(): a clear error', async () => {
  await init({ log: 'silent' });
  await expect(startGate({ enabled: false })).rejects.toThrow(/init\(\) already ran on the package's own gate/);
});
