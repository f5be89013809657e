// maestro-gate's script-tag file (pkg/maestro-gate.js): a classic script,
// the gate's wasm inlined, compiled synchronously and decided before the tag
// finishes, so that window.maestroGate.isEnabled() is correct in the very
// next script. A cleanup loads its glue (maestro_gate_extras.js) and the
// rollback module from beside this file (on a CDN, the package's directory),
// as the ES module does, and a page that sets window.MAESTRO_ROLLOUT loads
// that glue and the rollout module. Its init() takes no options, so it never
// polls a remote.
import { initSync } from './core.js';
import { createGate } from './gate.js';
import { expose, fromHex, here, tagOptions } from './tag.js';

// The bytes are put in after minifying (scripts/embed-wasm.mjs).
const GATE_WASM = '@GATE_WASM@';
const from = here();

// js/extras.js (pkg/maestro_gate_extras.js), loaded from beside this file
// for a cleanup or a rollout, imports the rollback and the rollout module
// from beside itself.
const gate = createGate({
  load: () => initSync(fromHex(GATE_WASM)),
  loadExtras: async () => import(new URL('maestro_gate_extras.js', from).href),
});

expose(gate.startNow(tagOptions()));
