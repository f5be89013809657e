// The app's own test, which the runbook's "Run test suite without MAESTRO"
// keeps: `VITE_MAESTRO_ENABLED=false vitest run --exclude '**/*maestro*'` (so
// its name holds no "maestro"). No startGate here: the app's own
// init({ env: import.meta.env }) decides from the shell's environment, as
// Vitest hands it over.
import { expect, test } from 'vitest';
import { decision } from 'maestro-gate';
import { startApp } from '../src/app.js';

const flag = process.env.VITE_MAESTRO_ENABLED;

test(`VITE_MAESTRO_ENABLED=${flag ?? '(unset)'}: the app sees what the shell says`, async () => {
  const maestro = await startApp();
  if (flag === 'false') {
    expect(maestro).toBeNull();
    expect(decision()).toEqual({ enabled: false, source: 'VITE_MAESTRO_ENABLED', value: 'false', reason: 'Disabled by VITE_MAESTRO_ENABLED=false', rollout: null });
  } else if (flag === undefined) {
    expect(maestro.state.running).toBe(true);
    expect(decision()).toMatchObject({ enabled: true, source: 'default' });
  } else {
    throw new Error('run with VITE_MAESTRO_ENABLED unset or "false"');
  }
});
