/* tslint:disable */
/* eslint-disable */

// The object types are generated from the Rust types (types.generated.d.ts).
import type { CleanupRequest, Decision, DecisionSource, InitOptions, Rollout } from './types.generated.js';
export type {
  CleanupRequest, Decision, DecisionSource, FlagValue, GuardOptions, GuardState, Health, InitOptions, Rollout, RolloutValue,
  Stickiness, UnleashOptions, WasmSource,
} from './types.generated.js';

/**
 * Reads `window.MAESTRO_ENABLED`, `options.env.VITE_MAESTRO_ENABLED` and
 * `options.defaultEnabled`, logs the decision once, keeps it, and starts
 * watching for a live kill. Internal: the package's `init()` loads the wasm
 * and then calls this. A second call returns the first decision.
 */
export function decide(options: InitOptions | undefined, narrowing?: { code: number; reason: string; rollout?: Rollout | null }): Decision;


/**
 * The current decision: `{ enabled, source, value, reason }`; `undefined`
 * before `decide` (the package's `decision()` answers "Disabled: init() has
 * not finished" then).
 */
export function decision(): Decision | undefined;


/**
 * Whether MAESTRO is enabled. `false` until `init()` has resolved.
 */
export function isEnabled(): boolean;

/**
 * Calls every `onCleanupRequest` subscriber with `request`; one that throws
 * is skipped. (The rollback module calls this through the glue.)
 */
export function notifyCleanup(request: any): void;

/**
 * Calls `callback(decision)` whenever the decision changes (it only ever
 * turns off: the gate latches until reload). Returns a function that unsubscribes.
 */
export function onChange(callback: (decision: Decision) => void): () => void;

/**
 * Internal: opens this copy's channel, and hands `forward` the messages on it
 * that a module acts on (a cleanup request, an answer to one, a remote
 * result), once the gate did its part: the glue routes them by kind. `remote`
 * is called with another tab's remote result when it carries a rollout (for
 * the rollout module; handed over in the same call, one crossing fewer).
 */
export function onMessage(forward: (message: any) => void, remote: (message: any) => void): void;

/**
 * Internal: posts `message` on this copy's channel, for the modules. Whether
 * it went (no channel, or a closed one: it did not).
 */
export function post(message: unknown): boolean;

/**
 * Calls `callback` whenever a cleanup is about to run, in this tab or from
 * another one, before the database is deleted: close your own connections to
 * MAESTRO's database there, so that the delete is not blocked. Returns a
 * function that unsubscribes.
 */
export function onCleanupRequest(callback: (request: CleanupRequest) => void): () => void;

/** Sets the callback for a failure of the wasm under an event or setter. */
export function onTrap(callback: (error: unknown) => void): void;

/** A frozen `Decision` (what the wasm and the glue's fail-safe answers are built with). */
export function record(enabled: boolean, source: DecisionSource, value: string | null, reason: string): Decision;

/** The gate's wasm, as `init` takes it. */
export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/** Instantiates the gate's wasm from bytes or a compiled module, at once. Returns its exports. */
export function initSync(module: BufferSource | WebAssembly.Module): WebAssembly.Exports;

/**
 * Loads the gate's wasm: from next to this file, or from `input` (a URL, a
 * Request, a Response, bytes or a compiled module). Resolves to its exports.
 */
export default function init(input?: InitInput | Promise<InitInput>): Promise<WebAssembly.Exports>;
