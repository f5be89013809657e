// maestro-gate: the ES module entry (pkg/index.js). See README.md.
// The gate's wasm is loaded from beside this file (or `init({ wasm })`); the
// rollback, the remote poll and the rollout are modules of their own,
// imported only when a cleanup runs, `init({ remote })` asks for the poll, or
// the page sets a rollout or a guard; so is their glue (js/extras.js, built
// as maestro_gate_extras.js), for a page that sets any of those or `report`.
import loadCore from './core.js';
import { createGate } from './gate.js';

// A module's wasm, from `wasm` when given, else (undefined) from beside its glue.
const withWasm = async (m, wasm) => {
  await m.default({ module_or_path: wasm });
  return m;
};

// The package's Node entry (index.node.js, the "node" export condition, which
// Vitest, Jest and SSR resolve) is this file built with __MAESTRO_NODE__:
// there `fetch` refuses a file: URL, so the .wasm is read from disk. The
// browser entry (index.js) is built without it, and carries none of this.
const fromDisk = async (name) =>
  (await import(['node:fs', 'promises'].join('/'))).readFile(new URL(name, import.meta.url));

// `wasm` undefined or null: each module's .wasm from beside this file (in
// Node, read from disk; in a browser bundle the condition is false, and
// `wasm` is passed on as it is).
const gate = createGate({
  load: async (wasm) => loadCore(__MAESTRO_NODE__ ? wasm ?? await fromDisk('maestro_gate_bg.wasm') : wasm),
  loadRollbackModule: async (wasm) => withWasm(await import('./maestro_gate_rollback.js'),
    __MAESTRO_NODE__ ? wasm ?? await fromDisk('maestro_gate_rollback_bg.wasm') : wasm),
  loadRemoteModule: async (wasm) => withWasm(await import('./maestro_gate_remote.js'),
    __MAESTRO_NODE__ ? wasm ?? await fromDisk('maestro_gate_remote_bg.wasm') : wasm),
  loadRolloutModule: async (wasm) => withWasm(await import('./maestro_gate_rollout.js'),
    __MAESTRO_NODE__ ? wasm ?? await fromDisk('maestro_gate_rollout_bg.wasm') : wasm),
  loadExtras: () => import('./maestro_gate_extras.js'),
  // The beacon module's .wasm (init({ report })): in Node, from disk; in a
  // browser, js/extras.js fetches it from beside itself.
  loadBeacon: __MAESTRO_NODE__ && (async (wasm) => wasm ?? await fromDisk('maestro_gate_beacon_bg.wasm')),
});

export const {
  init, isEnabled, decision, health, onChange, clearClientState, verifyClientState, onCleanupRequest, recordError, resetGuard,
} = gate;
