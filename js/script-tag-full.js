// maestro-gate's self-contained script-tag file (pkg/maestro-gate.full.js):
// as pkg/maestro-gate.js, with the rollback module inlined too, for pages
// that must load one file and nothing else. The rollback is compiled only
// when a cleanup runs.
import { initSync } from './core.js';
import { createGate } from './gate.js';
import { beside, expose, fromHex, here, tagOptions } from './tag.js';
// By name, not `import * as`: esbuild copies a namespace used as a value with
// `for...in`, which a polluted Object.prototype breaks (the tag would throw).
import {
  initSync as initRollback, clearClientState, verifyClientState, answerCleanup, setNotifier, setAnnouncer,
} from '../pkg/maestro_gate_rollback.js';

// The bytes are put in after minifying (scripts/embed-wasm.mjs).
const GATE_WASM = '@GATE_WASM@';
const ROLLBACK_WASM = '@ROLLBACK_WASM@';

const from = here();

const gate = createGate({
  load: () => initSync(fromHex(GATE_WASM)),
  loadRollbackModule: async () => {
    initRollback({ module: fromHex(ROLLBACK_WASM) });
    return { clearClientState, verifyClientState, answerCleanup, setNotifier, setAnnouncer };
  },
  loadRemoteModule: async () => { throw new Error('the script tag has no remote poll'); },
  // The rollout module and its glue are not inlined: only a page that sets window.MAESTRO_ROLLOUT loads them.
  loadRolloutModule: beside(from, 'maestro_gate_rollout.js'),
  loadExtras: () => import(new URL('maestro_gate_extras.js', from).href),
  loadBeacon: false, // (the tag never reports: its options are the tag's attributes)
});

expose(gate.startNow(tagOptions()));
