// The app's own test, which the runbook's "Run test suite without MAESTRO"
// keeps: `VITE_MAESTRO_ENABLED=false npm test -- --testPathIgnorePatterns=maestro`.
// No startGate here: the app's init({ env: process.env }) decides from the
// shell's environment, which Jest's workers inherit.
const { decision } = require('maestro-gate');
const { startApp } = require('../src/app.js');

const flag = process.env.VITE_MAESTRO_ENABLED;

test(`VITE_MAESTRO_ENABLED=${flag ?? '(unset)'}: the app sees what the shell says`, async () => {
  const maestro = await startApp();
  if (flag === 'false') {
    expect(maestro).toBeNull();
    expect(decision()).toMatchObject({ enabled: false, source: 'VITE_MAESTRO_ENABLED', reason: 'Disabled by VITE_MAESTRO_ENABLED=false' });
  } else if (flag === undefined) {
    expect(maestro.state.running).toBe(true);
    expect(decision()).toMatchObject({ enabled: true, source: 'default' });
  } else {
    throw new Error('run with VITE_MAESTRO_ENABLED unset or "false"');
  }
});
