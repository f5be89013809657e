// maestro-gate: the ES module entry (pkg/index.js). See README.md.
// The gate's wasm is loaded from beside this file (or `init({ wasm })`); the
// rollback, the remote poll and the rollout are modules of their own,
// imported only when a cleanup runs, `init({ remote })` asks for the poll, or
// the page sets a rollout or a guard, by their glue (js/extras.js, built as
// maestro_gate_extras.js), itself imported only for a page that sets any of
// those (and whose sources say on), or cleans up. The beacon of init({ report })
// is sent by its own glue (js/report.js, maestro_gate_report.js), imported at
// the first beacon.
import loadCore from './core.js';
import { createGate } from './gate.js';

// The package's Node entry (index.node.js, the "node" export condition, which
// Vitest, Jest and SSR resolve) is this file built with __MAESTRO_NODE__:
// there `fetch` refuses a file: URL, so the .wasm is read from disk. The
// browser entry (index.js) is built without it, and carries none of this.
const fromDisk = async (name) =>
  (await import(['node:fs', 'promises'].join('/'))).readFile(new URL(name, import.meta.url));

// `wasm` undefined or null: the gate's .wasm from beside this file (in Node,
// read from disk; in a browser bundle the condition is false, and `wasm` is
// passed on as it is). js/extras.js does the same for the other modules.
const gate = createGate({
  load: __MAESTRO_NODE__ ? async (wasm) => loadCore(wasm ?? await fromDisk('maestro_gate_bg.wasm')) : loadCore,
  loadExtras: (report) => report ? import('./maestro_gate_report.js') : import('./maestro_gate_extras.js'),
});

export const {
  init, isEnabled, decision, health, onChange, clearClientState, verifyClientState, onCleanupRequest, recordError, resetGuard,
} = gate;
