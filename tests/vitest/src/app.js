// The app's code, as the README's quick start writes it: MAESTRO is loaded
// only when the gate says on, and stopped on a live kill.
import { clearClientState, init, isEnabled, onChange, onCleanupRequest } from 'maestro-gate';

export async function startApp() {
  await init({ env: import.meta.env });
  if (!isEnabled()) return null;
  const maestro = await import('./maestro.js');
  maestro.start();
  onChange((d) => { if (!d.enabled) maestro.stop(); });
  return maestro;
}

// The app's cleanup path: the runbook's Phase 2, done by the gate.
export async function rollBack() {
  const closed = [];
  const stop = onCleanupRequest((request) => closed.push(request.database));
  const report = await clearClientState({ allTabs: false, log: 'silent' });
  stop();
  return { report, closed };
}
