import { init, health, onChange, clearClientState, verifyClientState } from 'maestro-gate';

const $ = (id) => document.getElementById(id);

function show(decision) {
  const status = $('status');
  status.classList.remove('pending', 'on', 'off');
  status.classList.add(decision.enabled ? 'on' : 'off');
  $('badge').textContent = decision.enabled ? 'ENABLED' : 'DISABLED';
  $('reason').textContent = decision.reason;
  $('source').textContent = decision.source;
  $('value').textContent = decision.value === null ? 'null' : JSON.stringify(decision.value);
  $('health').textContent = JSON.stringify(health(), null, 2);
}

const decision = await init({ env: import.meta.env, remote: '/maestro-health', pollMs: 5000 });
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
