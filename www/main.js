import { init, decision as decisionNow, health, onChange, clearClientState, verifyClientState, resetGuard } from 'maestro-gate';

const $ = (id) => document.getElementById(id);

function show(decision) {
  const status = $('status');
  status.classList.remove('pending', 'on', 'off');
  status.classList.add(decision.enabled ? 'on' : 'off');
  $('badge').textContent = decision.enabled ? 'ENABLED' : 'DISABLED';
  $('reason').textContent = decision.reason;
  $('source').textContent = decision.source;
  $('value').textContent = decision.value === null ? 'null' : JSON.stringify(decision.value);
  const h = health();
  $('health').textContent = JSON.stringify(h, null, 2);
  $('percent').textContent = h.rollout ? h.rollout.percent + '%' : 'none set';
  $('bucket').textContent = h.rollout ? `${h.rollout.bucket} (sticky by ${h.rollout.stickiness})` : 'none (no rollout)';
  $('guard').textContent = h.guard ? `${h.guard.errors} of ${h.guard.limit} errors in the last ${h.guard.windowMs / 1000} s` : 'no guard';
}

// The guard counts the errors of MAESTRO's chunk (its file name has "maestro-subsystem" in it).
// VITE_UNLEASH_URL and VITE_UNLEASH_CLIENT_KEY (`make unleash` prints both)
// point the demo at an Unleash too: its toggle turns MAESTRO off as well.
const env = import.meta.env;
const unleash = env.VITE_UNLEASH_URL ? { unleash: { url: env.VITE_UNLEASH_URL, clientKey: env.VITE_UNLEASH_CLIENT_KEY } } : {};
const decision = await init({
  env, remote: '/maestro-health', pollMs: 5000, guard: { errors: 3, windowMs: 60000, match: 'maestro-subsystem' }, ...unleash,
});
show(decision);

// MAESTRO's own code loads only when the gate is on.
let maestro = null;
if (decision.enabled) {
  maestro = await import('./maestro-subsystem.js');
  maestro.mount($('maestro'));
}
onChange((next) => {
  show(next);
  if (!next.enabled && maestro) maestro.unmount($('maestro'));
});

// The rollback console.
const report = (value) => { $('report').textContent = JSON.stringify(value, null, 2); };

$('seed').addEventListener('click', async () => {
  for (const k of ['maestro:session', 'maestro:receipts', 'maestro:sync-cursor']) localStorage.setItem(k, 'secret-' + k);
  sessionStorage.setItem('maestro:man-mode', 'pending');
  localStorage.setItem('app:theme', 'dark');
  sessionStorage.setItem('app:draft', 'keep me');
  const open = indexedDB.open('maestro_secrets', 1);
  open.onupgradeneeded = () => open.result.createObjectStore('secrets');
  await new Promise((resolve, reject) => {
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction('secrets', 'readwrite');
      tx.objectStore('secrets').put({ key: 'sealed' }, 'vault');
      tx.oncomplete = () => { db.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
    open.onerror = () => reject(open.error);
  });
  report(await verifyClientState());
});
$('clear').addEventListener('click', async () => report(await clearClientState()));
$('verify').addEventListener('click', async () => report(await verifyClientState()));

// The rollout panel: 1,000 random ids through the rollout's real hash.
$('simulate').addEventListener('click', async () => {
  const rollout = await import('maestro-gate/maestro_gate_rollout.js');
  await rollout.default();
  const counts = new Array(10).fill(0);
  const percent = health().rollout ? health().rollout.percent : 25;
  let inside = 0;
  for (let i = 0; i < 1000; i++) {
    const b = rollout.bucketOf('maestro', crypto.randomUUID ? crypto.randomUUID() : String(Math.random()));
    counts[Math.floor((b - 1) / 10)]++;
    if (percent > 0 && b <= percent) inside++;
  }
  const max = Math.max(...counts);
  $('histogram').replaceChildren(...counts.map((n, i) => {
    const bar = document.createElement('div');
    bar.className = 'bar' + ((i + 1) * 10 <= percent ? ' in' : '');
    bar.style.height = `${Math.round((n / max) * 100)}%`;
    bar.title = `buckets ${i * 10 + 1}-${i * 10 + 10}: ${n}`;
    return bar;
  }));
  $('simulated').textContent = `${inside} of 1,000 simulated browsers are within ${percent}%.`;
});

// The guard panel.
$('fail').addEventListener('click', () => {
  if (maestro) maestro.fail();
  setTimeout(() => show(decisionNow()), 50);
});
$('app-fail').addEventListener('click', () => {
  setTimeout(() => { throw new Error('the app failed (the guard does not count this)'); });
  setTimeout(() => show(decisionNow()), 50);
});
$('reset-guard').addEventListener('click', async () => {
  $('guard').textContent = (await resetGuard()) ? 'The trip is forgotten: reload to decide afresh.' : 'No trip to forget.';
});
