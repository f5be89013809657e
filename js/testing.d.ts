// maestro-gate/testing: for an app's own tests, in Node only (Vitest in its
// `node` or `jsdom` environment, Jest, node:test). A browser bundle cannot
// import it: the package's exports map gives it to the "node" condition only.
import type { Decision, GateState } from './types.generated.js';
/** The state `startGate` starts the gate in (generated from src/types.rs: `init()`'s options, with `enabled`). */
export type { GateState } from './types.generated.js';

/**
 * Stops the gate the tests were using and starts a fresh one (its own wasm
 * instance), which decides from `state` through the same Rust core as `init()`;
 * `import { ... } from 'maestro-gate'` answers with it from then on, and the
 * app's own `init()` resolves to its decision (the first options win).
 * `startGate({ enabled: false })`, `startGate({ enabled: true })`, or any
 * `env`: `startGate({ env: { VITE_MAESTRO_ENABLED: 'false' } })`.
 *
 * Call it before app code calls `init()` (in `beforeEach`, or a `setupFiles`
 * module): it throws if `init()` already ran on the package's own gate, which
 * it cannot stop. Each call first removes `globalThis.MAESTRO_ENABLED`, so the
 * fresh gate decides from `state` alone (assign it after `startGate` for a live
 * kill), and stops the previous gate: its BroadcastChannel, its watch, its
 * `MAESTRO_ENABLED` accessor and `globalThis.maestroGate`. Subscriptions made
 * on that gate (`onChange`, `onCleanupRequest`) are never called again.
 * The cleanup exports read the rollback's `.wasm` from disk.
 * Throws a `TypeError` for `enabled` other than a boolean and for a `remote` or `unleash`
 * (a remote poll would outlive the next `startGate`; undefined, null or false is none).
 */
export function startGate(state?: GateState): Promise<Decision>;

/**
 * A `Storage` kept in memory, holding `entries` (`{ 'maestro:token': '1', 'app:theme': 'dark' }`):
 * `length`, `key`, `getItem`, `setItem`, `removeItem` and `clear`, keys in insertion order.
 * Only the methods: `storage['app:theme']` is not an entry.
 */
export function fakeStorage(entries?: Record<string, string>): Storage;

/**
 * Makes each area given `globalThis.localStorage` / `globalThis.sessionStorage`
 * (a `Storage`, such as `fakeStorage(...)`, or `null` for an area that is not there,
 * which a cleanup reports `"unavailable"`); an area not given is left as it is.
 * Returns a function that puts back what was there (call it in `afterEach`).
 *
 * `clearClientState()` then runs the real rollback module against it, in Node and
 * in jsdom. Node and jsdom have no IndexedDB, so its report says
 * `database.outcome: "unavailable"` and `ok: false` unless the test installs one
 * (`import 'fake-indexeddb/auto'`); the storage parts are real.
 */
export function installStorage(areas: { localStorage?: Storage | null; sessionStorage?: Storage | null }): () => void;
