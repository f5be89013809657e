import type { Decision, Health, InitOptions } from './maestro_gate.js';
export type { Decision, DecisionSource, FlagValue, Health, InitOptions } from './maestro_gate.js';

/**
 * Loads the wasm, reads `window.MAESTRO_ENABLED`, `options.env.VITE_MAESTRO_ENABLED`
 * and `options.defaultEnabled`, logs the decision once, and resolves to it.
 *
 * Never rejects. If the wasm cannot be fetched or compiled (a CSP without
 * `'wasm-unsafe-eval'`, a 404, an old browser) it resolves disabled with source
 * `"unavailable"` and a reason, and every other export answers on that basis.
 * Later calls return the first call's promise.
 */
export function init(options?: InitOptions): Promise<Decision>;

/** Whether MAESTRO is enabled. `false` until `init()` has resolved. */
export function isEnabled(): boolean;

/** The current decision. Before `init()` resolves: disabled, source `"unavailable"`. */
export function decision(): Decision;

/**
 * The health document. `JSON.stringify(health())` of a disabled gate contains
 * the runbook's `"status":"disabled","maestro_enabled":false`.
 */
export function health(): Health;
