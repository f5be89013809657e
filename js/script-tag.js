// maestro-gate's script-tag file (pkg/maestro-gate.js): a classic script,
// the gate's wasm inlined, compiled synchronously and decided before the tag
// finishes, so that window.maestroGate.isEnabled() is correct in the very
// next script. A cleanup loads the rollback module from beside this file (on
// a CDN, the package's directory), as the ES module does, and a page that
// sets window.MAESTRO_ROLLOUT loads the rollout module. Its init() takes
// no options, so it never polls a remote.
import { initSync } from './core.js';
import { createGate } from './gate.js';
import { beside, expose, fromHex, here, tagOptions } from './tag.js';

// The bytes are put in after minifying (scripts/embed-wasm.mjs).
const GATE_WASM = '@GATE_WASM@';
const from = here();

const gate = createGate({
  load: () => initSync(fromHex(GATE_WASM)),
  loadRollbackModule: beside(from, 'maestro_gate_rollback.js'),
  loadRemoteModule: async () => { throw new Error('the script tag has no remote poll'); },
  loadRolloutModule: beside(from, 'maestro_gate_rollout.js'),
  loadExtras: () => import(new URL('maestro_gate_extras.js', from).href),
  loadBeacon: false, // (the tag never reports: its options are the tag's attributes)
});

expose(gate.startNow(tagOptions()));
