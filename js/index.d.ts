// The object types are generated from the Rust types (types.generated.d.ts:
// src/types.rs and src/cleanup.rs), with their doc comments.
import type {
  CleanupOptions, CleanupReport, CleanupRequest, Decision, Health, InitOptions, VerifyReport,
} from './types.generated.js';
export type {
  CleanupOptions, CleanupReport, CleanupRequest, DatabaseOutcome, DatabaseReport, Decision, DecisionSource, FlagValue,
  GuardOptions, GuardState, Health, InitOptions, Rollout, RolloutValue, SessionStorageMode, Stickiness, StorageOutcome,
  StorageReport, UnleashOptions, VerifyReport, WasmSource,
} from './types.generated.js';

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

/**
 * Calls `callback(decision)` whenever the decision changes: when
 * `window.MAESTRO_ENABLED` is set off after load, or the `remote` health
 * document says off. It only ever turns off: once off, the gate stays off
 * until the page reloads. Returns a function that unsubscribes.
 */
export function onChange(callback: (decision: Decision) => void): () => void;

/** The current decision. Before `init()` resolves: disabled, source `"unavailable"`. */
export function decision(): Decision;

/**
 * The health document. `JSON.stringify(health())` of a disabled gate contains
 * the runbook's `"status":"disabled","maestro_enabled":false`.
 */
export function health(): Health;

/**
 * Rolls back MAESTRO's client state: deletes the IndexedDB database (default
 * `maestro_secrets`) and removes the keys that start with the exact prefix
 * (default `maestro:`) from localStorage and sessionStorage, in this tab and,
 * with `allTabs` (default), in every other open tab of this origin that runs
 * the gate. Other keys are never touched, and values are never read or printed.
 * Loads the wasm if `init()` has not. Never rejects.
 */
export function clearClientState(options?: CleanupOptions): Promise<CleanupReport>;

/**
 * Reports what MAESTRO client state is left, without creating or changing
 * anything. Without `indexedDB.databases()` it probes the database, and answers
 * `exists: null` if the probe waits longer than `blockedTimeoutMs` (behind a
 * blocked delete). Loads the wasm if `init()` has not. Never rejects.
 */
export function verifyClientState(options?: Pick<CleanupOptions, 'database' | 'prefix' | 'blockedTimeoutMs'>): Promise<VerifyReport>;

/**
 * Calls `callback` whenever a cleanup is about to run (in this tab, or asked
 * by another tab), before the database is deleted: close your own connections
 * to MAESTRO's database there so that the delete is not blocked.
 * Returns a function that unsubscribes.
 */
export function onCleanupRequest(callback: (request: CleanupRequest) => void): () => void;

/**
 * Counts one of MAESTRO's failures for the error guard (`init({ guard })`); at the guard's limit
 * the gate turns off, in every tab. Only the time is kept: the error is never stored or sent.
 * Does nothing without a guard. Never throws.
 */
export function recordError(error?: unknown): void;

/**
 * Forgets this browser's guard trip, so that the next load decides afresh (this page stays as it
 * is: the gate latches). Resolves to whether a trip was remembered. Never rejects.
 */
export function resetGuard(): Promise<boolean>;
