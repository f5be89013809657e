// maestro-gate: the ES module entry (pkg/index.js). See README.md.
// The gate's wasm is loaded from beside this file (or `init({ wasm })`); the
// rollback, the remote poll and the rollout are modules of their own,
// imported only when a cleanup runs, `init({ remote })` asks for the poll, or
// the page sets a rollout or a guard.
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

const gate = createGate({
  // `wasm` undefined or null: from beside this file.
  load: async (wasm) => loadCore(wasm ?? (__MAESTRO_NODE__ ? await fromDisk('maestro_gate_bg.wasm') : undefined)),
  loadRollbackModule: async (wasm) => withWasm(await import('./maestro_gate_rollback.js'), wasm),
  loadRemoteModule: async (wasm) => withWasm(await import('./maestro_gate_remote.js'), wasm),
  loadRolloutModule: async (wasm) =>
    withWasm(await import('./maestro_gate_rollout.js'), wasm ?? (__MAESTRO_NODE__ ? await fromDisk('maestro_gate_rollout_bg.wasm') : undefined)),
});

export const {
  init, isEnabled, decision, health, onChange, clearClientState, verifyClientState, onCleanupRequest, recordError, resetGuard,
} = gate;
