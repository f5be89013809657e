/* tslint:disable */
/* eslint-disable */

/** Where a decision came from. */
export type DecisionSource =
    "window.MAESTRO_ENABLED" | "VITE_MAESTRO_ENABLED" | "default" | "remote" | "rollout" | "guard" | "unavailable";

/** A gradual rollout's answer for this browser (`decision().rollout`, `health().rollout`). */
export interface Rollout {
    /** The percentage that decided (the smallest of those set), 0 to 100. */
    readonly percent: number;
    /** This browser's sticky bucket, 1 to 100 (Unleash's normalized value); in when `bucket <= percent`. */
    readonly bucket: number;
    /** Which id the bucket was hashed from: `init({ userId })`, the anonymous id kept in
     * localStorage (`maestro-gate:id`), or in sessionStorage, or one for this page only. */
    readonly stickiness: "userId" | "localStorage" | "sessionStorage" | "page";
}

/** The error guard's count (`health().guard`), or null without `init({ guard })`. */
export interface GuardState {
    /** MAESTRO's failures counted within the window. */
    readonly errors: number;
    /** How many within `windowMs` turn the gate off. */
    readonly limit: number;
    readonly windowMs: number;
}

/** `init({ guard })`: the gate turns off at `errors` failures within `windowMs`, in every tab,
 * and this browser starts disabled for `cooldownMs` after (until `resetGuard()`). */
export interface GuardOptions {
    /** Default 5; an integer from 1 to 1000. */
    errors?: number;
    /** Default 60000 (60 s). */
    windowMs?: number;
    /** Default 1800000 (30 minutes). */
    cooldownMs?: number;
    /** Also count the page's `error` and `unhandledrejection` events whose `filename` or stack
     * contains this string or matches this RegExp (MAESTRO's chunk); the app's own never count. */
    match?: string | RegExp;
}

/** The gate's answer and why. Read-only plain data. */
export interface Decision {
    readonly enabled: boolean;
    readonly source: DecisionSource;
    /** The deciding flag value as a string (`String(value)`), or null when there was none (and when
     * the rollout or the guard decided: their numbers are in `reason` and `rollout`). */
    readonly value: string | null;
    /** One sentence; the console line is `[MAESTRO] ` followed by it. */
    readonly reason: string;
    /** The rollout's answer when a rollout is set, else null. */
    readonly rollout: Rollout | null;
}

/** The health document: plain JSON-serializable data, as the runbook expects. */
export interface Health {
    readonly status: "enabled" | "disabled";
    readonly maestro_enabled: boolean;
    readonly source: DecisionSource;
    readonly reason: string;
    /** This package's version. */
    readonly version: string;
    /** The rollout's answer when a rollout is set, else null. */
    readonly rollout: Rollout | null;
    /** The guard's count when `init({ guard })` set one, else null. */
    readonly guard: GuardState | null;
}

/** A flag value as the gate accepts it: booleans, 1/0, and the strings
 * true/false, 1/0, yes/no, on/off (trimmed, any case). Blank, null and
 * undefined mean unset; anything else is invalid and fails safe to disabled. */
export type FlagValue = boolean | number | string | null | undefined;

/** `init({ unleash })`: Unleash's Frontend API as the remote kill switch. */
export interface UnleashOptions {
    /** The Frontend API's address, such as `https://unleash.example.com/api/frontend`. */
    url: string;
    /** A frontend token (`default:development.…`), sent as the `Authorization` header. */
    clientKey: string;
    /** The application's name in Unleash's context and metrics. Default `"maestro-gate"`. */
    appName?: string;
    /** The toggle that keeps MAESTRO on (type `kill-switch`). Default `"maestro"`. */
    toggle?: string;
}

/** A rollout percentage as the gate accepts it: an integer from 0 to 100, or its string with an
 * optional `%` (trimmed). Anything else is invalid and fails safe to disabled. */
export type RolloutValue = number | string | null | undefined;

export interface InitOptions {
    /** The build-time environment: pass `import.meta.env` (Vite) or `process.env` (Node).
     * Only `VITE_MAESTRO_ENABLED` and `VITE_MAESTRO_ROLLOUT` are read from it, as the app reads
     * them (getters, proxies and prototypes included): an off counts from anywhere, an on only
     * as an own property (of `env`, itself an own property of the options). */
    env?: { readonly VITE_MAESTRO_ENABLED?: FlagValue; readonly VITE_MAESTRO_ROLLOUT?: RolloutValue } | Record<string, unknown>;
    /** What to do when no source says on or off. Default `true`. Off counts from anywhere
     * (an inherited or proxied `false`); on only as an own property. */
    defaultEnabled?: FlagValue;
    /** `"info"` (default) logs the decision; `"warn"` logs only warnings; `"silent"` logs nothing. */
    log?: "info" | "warn" | "silent";
    /** Where to load the `.wasm` from, for hosts that move it (a URL, a Response,
     * bytes or a compiled module). Default: next to this file. */
    wasm?: string | URL | Request | Response | BufferSource | WebAssembly.Module;
    /** The same for the rollback module's `.wasm` (`maestro_gate_rollback_bg.wasm`), which is
     * loaded only when a cleanup runs. Default: next to this file. */
    rollbackWasm?: string | URL | Request | Response | BufferSource | WebAssembly.Module;
    /** The same for the remote module's `.wasm` (`maestro_gate_remote_bg.wasm`), which is
     * loaded only when `remote` or `unleash` is set. Default: next to this file. */
    remoteWasm?: string | URL | Request | Response | BufferSource | WebAssembly.Module;
    /** The same for the beacon module's `.wasm` (`maestro_gate_beacon_bg.wasm`), which is
     * loaded only when `report` is set, at the first beacon. Default: next to this file. */
    beaconWasm?: string | URL | Request | Response | BufferSource | WebAssembly.Module;
    /** Put `{ isEnabled, decision, health, onChange, clearClientState, verifyClientState, onCleanupRequest }`
     * on `globalThis.maestroGate` for the devtools console (unless something already is). Default `true`. */
    exposeGlobal?: boolean;
    /** A health document to read before the first decision and then poll (`"/maestro-health"`):
     * when it says `maestro_enabled: false` the gate starts off, or turns off in every open tab
     * without a reload. Each answer is remembered under `maestro-gate:remote`, and a load whose
     * document fails starts from it. The poll's own module (`maestro_gate_remote_bg.wasm`) is
     * loaded only when this is set. */
    remote?: string;
    /**
     * Reads the kill switch from Unleash's Frontend API (Unleash itself or Unleash Edge), polled
     * as `remote` is (`pollMs`, the wait at `init()`, the remembered answer, one polling tab per
     * origin): MAESTRO stays on only while the toggle is listed with `enabled: true` for this
     * browser's context (`appName`, `userId`, `sessionId`: the gate's sticky id). An absent toggle
     * or `enabled: false` turns it off (source `"remote"`); an `enabled` that is not a boolean fails
     * safe; an HTTP error, another shape or no answer changes nothing (one warning, backoff).
     * With `remote` too, both apply and off wins. The decisions are counted (`yes`/`no`) in
     * Unleash's metrics, posted at most every 30 s and when the page is hidden or left. The client
     * key is sent only as the `Authorization` header: never logged, remembered or reported.
     */
    unleash?: UnleashOptions;
    /** How long `init()` waits for `remote`'s first answer, in ms. Default 1000; `0` does not wait;
     * at most 10000. A slower answer applies live when it comes. */
    remoteTimeoutMs?: number;
    /** How often to poll `remote`, in ms. Default 60000; at least 100. */
    pollMs?: number;
    /** A URL to send the decision beacon to (`"/maestro-report"`): `navigator.sendBeacon` with a
     * small JSON document (a `text/plain` body) at start-up, at every change and after each
     * `clearClientState`. It never holds a storage value, a key name or the user id. The remote
     * module (`maestro_gate_remote_bg.wasm`) is loaded only when this (or `remote`) is set; a
     * beacon that fails changes nothing. */
    report?: string;
    /** A gradual rollout: the percentage of browsers that get MAESTRO (`25`, `"25"`, `"25%"`).
     * With `VITE_MAESTRO_ROLLOUT`, `window.MAESTRO_ROLLOUT` and the remote document's `"rollout"`,
     * the smallest wins; an invalid one fails safe. It only narrows an "on". A page that sets a
     * rollout or a guard loads the rollout module (`maestro_gate_rollout_bg.wasm`) before its first
     * decision. */
    rollout?: RolloutValue;
    /** The rollout's group (Unleash's `groupId`). Default `"maestro"`. */
    rolloutGroup?: string;
    /** The rollout's stickiness: this user's id. Default: an anonymous id for this browser. */
    userId?: string | number;
    /** The error guard (see `GuardOptions`). */
    guard?: GuardOptions;
    /** The same as `wasm` for the rollout module's `.wasm`. Default: next to this file. */
    rolloutWasm?: string | URL | Request | Response | BufferSource | WebAssembly.Module;
    /** The key prefix this tab sweeps when another tab asks for a cleanup (whatever prefix the
     * request names). Default `"maestro:"`. */
    prefix?: string;
    /** Let another tab's cleanup request with `sessionStorage: "all"` clear all of this tab's
     * sessionStorage. Default `false`: such a request removes this tab's prefixed keys only. */
    acceptClearAllFromOtherTabs?: boolean;
}
/** What `onCleanupRequest` callbacks receive. For another tab's request it is the channel's
 * message as it arrived (a fresh object per tab), which may carry other fields too. */
export interface CleanupRequest {
    readonly database: string;
    readonly prefix: string;
    readonly sessionStorage: "prefixed" | "all" | "none";
    /** True when another tab asked. */
    readonly fromOtherTab: boolean;
}



/**
 * Reads `window.MAESTRO_ENABLED`, `options.env.VITE_MAESTRO_ENABLED` and
 * `options.defaultEnabled`, logs the decision once, keeps it, and starts
 * watching for a live kill. Internal: the package's `init()` loads the wasm
 * and then calls this. A second call returns the first decision.
 */
export function decide(options: InitOptions | undefined, narrowing?: { code: number; reason: string; rollout?: Rollout | null }): Decision;


/**
 * The current decision: `{ enabled, source, value, reason }`.
 */
export function decision(): Decision;


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
 * The gate module's side of a cleanup request from another tab: the glue
 * passes `forward`, which loads the rollback module and calls its
 * `answerCleanup`.
 */
export function onCleanupMessage(forward: any): void;

/**
 * Calls `callback` whenever a cleanup is about to run, in this tab or from
 * another one, before the database is deleted: close your own connections to
 * MAESTRO's database there, so that the delete is not blocked. Returns a
 * function that unsubscribes.
 */
export function onCleanupRequest(callback: (request: CleanupRequest) => void): () => void;

/**
 * Internal: the glue's hook that loads the remote module and calls its
 * `startRemote(options, isEnabled, restrict, lower)`.
 */
export function onRemote(hook: any): void;

/**
 * Remembers one of this tab's own request ids (the last few are kept).
 */
export function ownCleanup(id: number): void;

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
