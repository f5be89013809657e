import { init, health } from 'maestro-gate';

const decision = await init({ env: import.meta.env });

const $ = (id) => document.getElementById(id);
const status = $('status');
status.classList.remove('pending');
status.classList.add(decision.enabled ? 'on' : 'off');
$('badge').textContent = decision.enabled ? 'ENABLED' : 'DISABLED';
$('reason').textContent = decision.reason;
$('source').textContent = decision.source;
$('value').textContent = decision.value === null ? 'null' : JSON.stringify(decision.value);
$('health').textContent = JSON.stringify(health(), null, 2);
