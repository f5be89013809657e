// Which gate pkg/index.node.js answers with (private: not in the exports
// map). The package's own gate for Node (gate.node.js) until an app's test
// starts a fresh one through `maestro-gate/testing`.
import * as packaged from './gate.node.js';

let gate = packaged;

/** The gate `maestro-gate` answers with in Node. */
export const current = () => gate;

/** The gate the package loaded first (never replaced). */
export const first = packaged;

/** Makes `next` (a module namespace of gate.node.js) the gate `maestro-gate` answers with. */
export const use = (next) => { gate = next; };
