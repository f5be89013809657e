// maestro-gate: the ES module entry for Node (pkg/index.node.js, the "node"
// export condition, which Vitest, Jest and SSR resolve). See README.md.
//
// The gate itself is pkg/gate.node.js (js/index.js built for Node: it reads
// the .wasm from disk). This file answers with whichever gate
// current.node.js holds: that one, unless an app's test started a fresh gate
// through `maestro-gate/testing` (testing.js), which replaces it. Neither
// file is in the browser entry (pkg/index.js), and the exports map gives
// `maestro-gate/testing` to Node only.
import { current } from './current.node.js';

export const init = (options) => current().init(options);
export const isEnabled = () => current().isEnabled();
export const decision = () => current().decision();
export const health = () => current().health();
export const onChange = (callback) => current().onChange(callback);
export const clearClientState = (options) => current().clearClientState(options);
export const verifyClientState = (options) => current().verifyClientState(options);
export const onCleanupRequest = (callback) => current().onCleanupRequest(callback);
export const recordError = (error) => current().recordError(error);
export const resetGuard = () => current().resetGuard();
