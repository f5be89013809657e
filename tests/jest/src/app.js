// The app's code, in CommonJS as a Jest app has it: MAESTRO is loaded only
// when the gate says on, and stopped on a live kill. In Node there is no
// import.meta.env: the app hands init() process.env.
const { clearClientState, init, isEnabled, onChange, onCleanupRequest } = require('maestro-gate');

async function startApp() {
  await init({ env: process.env });
  if (!isEnabled()) return null;
  const maestro = require('./maestro.js');
  maestro.start();
  onChange((d) => { if (!d.enabled) maestro.stop(); });
  return maestro;
}

// The app's cleanup path: the runbook's Phase 2, done by the gate.
async function rollBack() {
  const closed = [];
  const stop = onCleanupRequest((request) => closed.push(request.database));
  const report = await clearClientState({ allTabs: false, log: 'silent' });
  stop();
  return { report, closed };
}

module.exports = { startApp, rollBack };
