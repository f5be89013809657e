// maestro-gate's self-contained script-tag file (pkg/maestro-gate.full.js):
// as pkg/maestro-gate.js, with the rollback module inlined too, for pages
// that must load one file and nothing else. The rollback is compiled only
// when a cleanup runs.
import { initSync } from './core.js';
import { createGate } from './gate.js';
import { beside, expose, fromHex, here, tagOptions } from './tag.js';
// The glue of a cleanup (and of a rollout, which then still loads its module
// from beside this file) is bundled too: js/extras.js.
import extras from './extras.js';
// By name, not `import * as`: esbuild copies a namespace used as a value with
// `for...in`, which a polluted Object.prototype breaks (the tag would throw).
import {
  initSync as initRollback, clearClientState, verifyClientState, answerCleanup, setNotifier, setLog, connect, heard,
} from '../pkg/maestro_gate_rollback.js';

// The bytes are put in after minifying (scripts/embed-wasm.mjs).
const GATE_WASM = '@GATE_WASM@';
const ROLLBACK_WASM = '@ROLLBACK_WASM@';

const from = here();

// The modules js/extras.js loads (see `load` there; the tag has no remote poll).
const modules = {
  rollback: async () => {
    initRollback({ module: fromHex(ROLLBACK_WASM) });
    return { clearClientState, verifyClientState, answerCleanup, setNotifier, setLog, connect, heard };
  },
  // The rollout module is not inlined: only a page that sets window.MAESTRO_ROLLOUT loads it
  // (after its first decision, and only for a guard's counting: the tag has none of its own);
  // the first-answer module's .wasm (its glue is bundled here, with js/extras.js), which
  // narrows the first decision, is beside this file too (where this file cannot tell where it
  // is, a URL that does not answer: the narrowing fails safe).
  rollout: beside(from, 'maestro_gate_rollout.js'),
  from: from || location.href,
};

const gate = createGate({
  load: () => initSync(fromHex(GATE_WASM)),
  loadExtras: async () => ({ default: (g) => extras(g, modules) }),
});

expose(gate.startNow(tagOptions()));
