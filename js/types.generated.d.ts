// The package's object types, generated from the Rust types in src/types.rs and
// src/cleanup.rs (their doc comments are these): do not edit. Regenerate with
// `UPDATE_TYPES=1 cargo test -p maestro-gate types`; `make test` fails while
// this file differs from what the Rust types give.

/** Where a decision came from. */
export type DecisionSource = "window.MAESTRO_ENABLED" | "VITE_MAESTRO_ENABLED" | "default" | "remote" | "rollout" | "guard" | "unavailable";

/** Which id a rollout's bucket was hashed from: `init({ userId })`, the anonymous id kept in
 * localStorage (`maestro-gate:id`), or in sessionStorage, or one for this page only. */
export type Stickiness = "userId" | "localStorage" | "sessionStorage" | "page";

/** A gradual rollout's answer for this browser (`decision().rollout`, `health().rollout`). */
export interface Rollout {
    /** The percentage that decided (the smallest of those set), 0 to 100. */
    readonly percent: number;
    /** This browser's sticky bucket, 1 to 100 (Unleash's normalized value); in when `bucket <= percent`. */
    readonly bucket: number;
    /** Which id the bucket was hashed from. */
    readonly stickiness: Stickiness;
}

/** The error guard's count (`health().guard`), or null without `init({ guard })`. */
export interface GuardState {
    /** MAESTRO's failures counted within the window. */
    readonly errors: number;
    /** How many within `windowMs` turn the gate off. */
    readonly limit: number;
    /** The window, in ms. */
    readonly windowMs: number;
}

/** `init({ guard })`: the gate turns off at `errors` failures within `windowMs`, in every tab,
 * and this browser starts disabled for `cooldownMs` after (until `resetGuard()`). */
export interface GuardOptions {
    /** Default 5; an integer from 1 to 1000. */
    errors?: number | undefined;
    /** Default 60000 (60 s). */
    windowMs?: number | undefined;
    /** Default 1800000 (30 minutes). */
    cooldownMs?: number | undefined;
    /** Also count the page's `error` and `unhandledrejection` events whose `filename` or stack
     * contains this string or matches this RegExp (MAESTRO's chunk); the app's own never count. */
    match?: string | RegExp | undefined;
}

/** The gate's answer and why. Read-only plain data. */
export interface Decision {
    /** Whether MAESTRO is enabled. */
    readonly enabled: boolean;
    /** Which source decided. */
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
    /** `"disabled"` exactly when `maestro_enabled` is false. */
    readonly status: "enabled" | "disabled";
    /** Whether MAESTRO is enabled. */
    readonly maestro_enabled: boolean;
    /** Which source decided. */
    readonly source: DecisionSource;
    /** The decision's sentence. */
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

/** A rollout percentage as the gate accepts it: an integer from 0 to 100, or its string with an
 * optional `%` (trimmed). Anything else is invalid and fails safe to disabled. */
export type RolloutValue = number | string | null | undefined;

/** Where to load a `.wasm` from, for hosts that move it: a URL, a Response, bytes or a compiled module. */
export type WasmSource = string | URL | Request | Response | BufferSource | WebAssembly.Module;

/** `init({ unleash })`: Unleash's Frontend API as the remote kill switch. */
export interface UnleashOptions {
    /** The Frontend API's address, such as `https://unleash.example.com/api/frontend`. */
    url: string;
    /** A frontend token (`default:development.…`), sent as the `Authorization` header. */
    clientKey: string;
    /** The application's name in Unleash's context and metrics. Default `"maestro-gate"`. */
    appName?: string | undefined;
    /** The toggle that keeps MAESTRO on (type `kill-switch`). Default `"maestro"`. */
    toggle?: string | undefined;
}

/** `init()`'s options. Each is read as the options object's own property, except that an off
 * counts from anywhere. */
export interface InitOptions {
    /** The build-time environment: pass `import.meta.env` (Vite) or `process.env` (Node).
     * Only `VITE_MAESTRO_ENABLED` and `VITE_MAESTRO_ROLLOUT` are read from it, as the app reads
     * them (getters, proxies and prototypes included): an off counts from anywhere, an on only
     * as an own property (of `env`, itself an own property of the options). */
    env?: { readonly VITE_MAESTRO_ENABLED?: FlagValue; readonly VITE_MAESTRO_ROLLOUT?: RolloutValue } | Record<string, unknown> | undefined;
    /** What to do when no source says on or off. Default `true`. Off counts from anywhere
     * (an inherited or proxied `false`); on only as an own property. */
    defaultEnabled?: FlagValue | undefined;
    /** `"info"` (default) logs the decision; `"warn"` logs only warnings; `"silent"` logs nothing. */
    log?: "info" | "warn" | "silent" | undefined;
    /** Where to load the gate's `.wasm` from, for hosts that move it. Default: next to this file. */
    wasm?: WasmSource | undefined;
    /** The same for the rollback module's `.wasm` (`maestro_gate_rollback_bg.wasm`), which is
     * loaded only when a cleanup runs. Default: next to this file. */
    rollbackWasm?: WasmSource | undefined;
    /** The same for the remote module's `.wasm` (`maestro_gate_remote_bg.wasm`), which is
     * loaded only when `remote` or `unleash` is set (after the first decision, by a page that
     * is on; before it for both together). Default: next to this file. */
    remoteWasm?: WasmSource | undefined;
    /** The same for the beacon module's `.wasm` (`maestro_gate_beacon_bg.wasm`), which is
     * loaded only when `report` is set, at the first beacon (by a page that is off, once it is
     * 2 s old). Default: next to this file. */
    beaconWasm?: WasmSource | undefined;
    /** The same for the first-answer module's `.wasm` (`maestro_gate_answer_bg.wasm`), which is
     * loaded only when `remote` is set (and `unleash` is not), or a rollout or a guard, before the
     * first decision: the health document's first answer, and the rollout's and the guard's
     * start-up. Default: next to this file. (Unset, a page without a rollout or a guard loads
     * its build without the narrowing, `maestro_gate_answer_slim_bg.wasm`, and the narrowing
     * build, `maestro_gate_narrow_bg.wasm`, when a percentage comes, both from next to this
     * file. Unleash's first answer, `unleash` without `remote`, loads the module's Unleash
     * build from next to this file, `maestro_gate_answer_unleash_bg.wasm` with a rollout or a
     * guard, else `maestro_gate_answer_unleash_slim_bg.wasm`; a page with `unleash` that sets
     * this option or `remoteWasm` reads it with the remote module. A rollout or a guard without
     * `remote` or `unleash` loads, unless this option is set, the narrowing build alone.) */
    answerWasm?: WasmSource | undefined;
    /** The same for the keeping module's `.wasm` (`maestro_gate_keep_bg.wasm`), which the
     * first answer (`remote`, or `unleash` without `remote`) loads to remember the answer it
     * read: after the first decision for an "on", beside it for an off, before it for an "on"
     * that replaces a remembered off; and before it when the document did not answer in time
     * and this browser remembers an answer, to read it (if it cannot load then, that first
     * decision fails safe). Set it wherever you set `answerWasm`. Default: next to this file. */
    keepWasm?: WasmSource | undefined;
    /** Put `{ isEnabled, decision, health, onChange, clearClientState, verifyClientState, onCleanupRequest }`
     * on `globalThis.maestroGate` for the devtools console (unless something already is). Default `true`. */
    exposeGlobal?: boolean | undefined;
    /** A health document to read before the first decision and then poll (`"/maestro-health"`):
     * when it says `maestro_enabled: false` the gate starts off, or turns off in every open tab
     * without a reload. Each answer is remembered under `maestro-gate:remote`, and a load whose
     * document fails starts from it. The poll's own module (`maestro_gate_remote_bg.wasm`) is
     * loaded only when this is set (`undefined`, `null` or `false`: none, and nothing loads for
     * it, so that `remote: config.healthUrl` or `prod && "/health"` can leave it out; `""`, or a
     * value that is not a string, such as a `URL` object (pass its `href`), is refused with one
     * warning). */
    remote?: string | false | null | undefined;
    /** Reads the kill switch from Unleash's Frontend API (Unleash itself or Unleash Edge), polled
     * as `remote` is (`pollMs`, the wait at `init()`, the remembered answer, one polling tab per
     * origin): MAESTRO stays on only while the toggle is listed with `enabled: true` for this
     * browser's context (`appName`, `userId`, `sessionId`: the gate's sticky id). An absent toggle
     * or `enabled: false` turns it off (source `"remote"`); an `enabled` that is not a boolean fails
     * safe; an HTTP error, another shape or no answer changes nothing (one warning, backoff).
     * With `remote` too, both apply and off wins. The decisions are counted (`yes`/`no`) in
     * Unleash's metrics, posted at most every 30 s and when the page is hidden or left. The client
     * key is sent only as the `Authorization` header: never logged, remembered or reported.
     * `undefined`, `null` or `false`: none, and nothing loads for it. */
    unleash?: UnleashOptions | false | null | undefined;
    /** How long `init()` waits for `remote`'s first answer, in ms. Default 1000; `0` does not wait;
     * at most 10000. A slower answer applies live when it comes. */
    remoteTimeoutMs?: number | undefined;
    /** How often to poll `remote`, in ms. Default 60000; at least 100. */
    pollMs?: number | undefined;
    /** A URL to send the decision beacon to (`"/maestro-report"`): `navigator.sendBeacon` with a
     * small JSON document (a `text/plain` body) at start-up, at every change and after each
     * `clearClientState`. It never holds a storage value, a key name or the user id. A page that
     * is off at its first beacon waits until it is 2 s old (it downloads nothing but the gate
     * before; left sooner, it sends none), then sends in order, each with the decision of its
     * moment; a page that is on sends right after `init()` resolves. The beacon module
     * (`maestro_gate_beacon_bg.wasm`) is loaded only when this is set; a beacon that fails
     * changes nothing. `undefined`, `null` or `false`: none, and nothing loads for it
     * (`report: prod && "/beacon"`); `""`, or a value that is not a string (a `URL` object: pass
     * its `href`), is refused with one warning. */
    report?: string | false | null | undefined;
    /** A gradual rollout: the percentage of browsers that get MAESTRO (`25`, `"25"`, `"25%"`).
     * With `VITE_MAESTRO_ROLLOUT`, `window.MAESTRO_ROLLOUT` and the remote document's `"rollout"`,
     * the smallest wins; an invalid one fails safe. It only narrows an "on". A page that sets a
     * rollout or a guard narrows its first decision with the first-answer module
     * (`maestro_gate_answer_bg.wasm`; without `remote` or `unleash`, its build without a
     * document's reading, `maestro_gate_narrow_bg.wasm`); the rollout module
     * (`maestro_gate_rollout_bg.wasm`) loads after it, only for a guard or a remote percentage. */
    rollout?: RolloutValue | undefined;
    /** The rollout's group (Unleash's `groupId`). Default `"maestro"`. */
    rolloutGroup?: string | undefined;
    /** The rollout's stickiness: this user's id. Default: an anonymous id for this browser. */
    userId?: string | number | undefined;
    /** The error guard (see `GuardOptions`). Undefined, `null` or `false`: none (nothing loads
     * for it), so that `guard: config.guard` (or `debug && { … }`) can leave it out. */
    guard?: GuardOptions | false | null | undefined;
    /** The same as `wasm` for the rollout module's `.wasm` (loaded after the first decision, for a
     * guard or a remote percentage). Default: next to this file. */
    rolloutWasm?: WasmSource | undefined;
    /** The key prefix this tab sweeps when another tab asks for a cleanup (whatever prefix the
     * request names). Default `"maestro:"`. */
    prefix?: string | undefined;
    /** Let another tab's cleanup request with `sessionStorage: "all"` clear all of this tab's
     * sessionStorage. Default `false`: such a request removes this tab's prefixed keys only. */
    acceptClearAllFromOtherTabs?: boolean | undefined;
}

/** What `onCleanupRequest` callbacks receive. For another tab's request it is the channel's
 * message as it arrived (a fresh object per tab), which may carry other fields too. */
export interface CleanupRequest {
    /** The database the cleanup deletes. */
    readonly database: string;
    /** The key prefix it removes. */
    readonly prefix: string;
    /** What it does with sessionStorage. */
    readonly sessionStorage: SessionStorageMode;
    /** True when another tab asked. */
    readonly fromOtherTab: boolean;
}

/** What a cleanup does with sessionStorage: `"prefixed"` removes the prefixed keys, `"all"` is
 * `sessionStorage.clear()` but for the gate's own `maestro-gate:` keys, `"none"` leaves it. */
export type SessionStorageMode = "prefixed" | "all" | "none";

/** `clearClientState`'s options (`verifyClientState` reads `database`, `prefix` and
 * `blockedTimeoutMs`), read as the object's own properties only: a polluted prototype changes
 * nothing. Unset (absent, `undefined` or `null`) is the default; a value of another type makes
 * that part an error, and nothing of it is touched. */
export interface CleanupOptions {
    /** The IndexedDB database to delete. Default `"maestro_secrets"`. */
    database?: string | undefined;
    /** The exact, case-sensitive key prefix to remove. Default: this copy's `init({ prefix })`, else
     * `"maestro:"`. Must not be empty. */
    prefix?: string | undefined;
    /** `"prefixed"` (default) removes prefixed keys; `"all"` is `sessionStorage.clear()` but for the
     * gate's own `maestro-gate:` keys; `"none"` leaves it. */
    sessionStorage?: SessionStorageMode | undefined;
    /** How long to wait for a blocked delete before reporting `"pending"`, in ms. Default 3000. */
    blockedTimeoutMs?: number | undefined;
    /** Ask every other open tab of this origin to clear its sessionStorage too. Default `true`. */
    allTabs?: boolean | undefined;
    /** `"info"` (default) prints one summary to the console; `"silent"` prints nothing. */
    log?: "info" | "silent" | undefined;
}

/** The outcome of deleting the database. */
export type DatabaseOutcome = "deleted" | "pending" | "unavailable" | "error";

/** What happened to the database. */
export interface DatabaseReport {
    /** The database's name. */
    readonly name: string;
    /** `deleted` (also when it never existed); `pending` (still blocked after the timeout:
     * the browser finishes the delete when the other connections close); `unavailable`
     * (no IndexedDB, or access denied); `error` (the request threw or failed). */
    readonly outcome: DatabaseOutcome;
    /** Whether another open connection blocked the delete at some point. */
    readonly blocked: boolean;
    /** Why it is unavailable or failed. */
    readonly error?: string;
}

/** The outcome for one storage area. */
export type StorageOutcome = "cleared" | "skipped" | "unavailable" | "error";

/** What happened to one storage area. Key names only, never values. */
export interface StorageReport {
    /** `cleared` (every matching key removed, maybe none); `skipped` (`sessionStorage: "none"`);
     * `unavailable` (the storage getter threw, or it is missing); `error` (the options were
     * invalid, the keys could not be listed, or some keys could not be removed: see `failed`). */
    readonly outcome: StorageOutcome;
    /** The keys removed (names only, never values). */
    readonly removed: Array<string>;
    /** The keys whose removal threw: they are still there. The sweep goes on past them. */
    readonly failed: Array<string>;
    /** Why it is unavailable or failed. */
    readonly error?: string;
}

/** `clearClientState`'s report. */
export interface CleanupReport {
    /** True only when nothing is pending, unavailable or failed. */
    readonly ok: boolean;
    /** The database. */
    readonly database: DatabaseReport;
    /** localStorage. */
    readonly localStorage: StorageReport;
    /** sessionStorage. */
    readonly sessionStorage: StorageReport;
    /** How many distinct other tabs answered that they cleared their own sessionStorage.
     * Advisory: any same-origin page can post on the channel. */
    readonly otherTabs: number;
}

/** `verifyClientState`'s report. A part that cannot be read is null (`None`). */
export interface VerifyReport {
    /** `exists` is null when it cannot be told (no IndexedDB, or access denied). */
    readonly database: { readonly name: string; readonly exists: boolean | null };
    /** The prefixed keys left in localStorage; null (`None`) when it cannot be read. */
    readonly localStorageKeys: Array<string> | null;
    /** The prefixed keys left in sessionStorage; null (`None`) when it cannot be read. */
    readonly sessionStorageKeys: Array<string> | null;
    /** True when the database is gone and no prefixed key is left; null
     * (`None`) when a part cannot be read. */
    readonly clean: boolean | null;
}

/** Options of `maestroGuard` (`maestro-gate/sw`; see README.md, "The Service Worker guard"). */
export interface ServiceWorkerGuardOptions {
    /** MAESTRO's chunks and API: a path prefix (`"/maestro/"`, the worker's
     * origin), a URL prefix (`"https://api.example.com/maestro/"`), or a
     * `URLPattern` string (`"/assets/maestro-*.js"`), or a list of them. A
     * request that matches is answered 503 while MAESTRO is off; any other is
     * never touched. */
    block: string | readonly string[];
    /** The health document the worker polls itself (as `init({ remote })` does; `undefined`,
     * `null` or `false`: none; a value that is not a string, such as a `URL` object, polls
     * nothing and says so once). */
    remote?: string | false | null | undefined;
    /** The poll's interval in ms (default 60000, as the pages' poll). */
    pollMs?: number | undefined;
    /** Block until the worker has an answer (a page's decision, its poll, or what it kept). Default `false`. */
    startBlocked?: boolean | undefined;
    /** Take over at once when installed (`skipWaiting()`, once the kept answer is read). Default `true`. */
    skipWaiting?: boolean | undefined;
    /** Claim the pages open before the worker (`clients.claim()` on activate). Default `true`. */
    claim?: boolean | undefined;
    /** `"silent"`: no console line from the worker (the pages still hear each blocked URL). */
    log?: "info" | "warn" | "silent" | undefined;
}

/** The state `startGate` starts the gate in: `init()`'s options, with `enabled` for `defaultEnabled`. */
export interface GateState extends Omit<InitOptions, "remote" | "unleash" | "pollMs" | "remoteWasm"> {
    /** The answer when no source says on or off: `init({ defaultEnabled })`, so
     * `decision().source` is `"default"`. An `env` that says off (or anything
     * invalid) still wins, as the rule says. */
    enabled?: boolean | undefined;
}

/** What the Service Worker guard posts on the BroadcastChannel `"maestro-gate"` for each blocked
 * URL, once. */
export interface BlockedMessage {
    /** The message's kind. */
    readonly maestroGate: "blocked";
    /** The blocked request's URL. */
    readonly url: string;
    /** `[MAESTRO] Blocked by the Service Worker guard: <url> (<reason>)` */
    readonly line: string;
}

/** Options of the Vite plugin (`maestro-gate/vite`). */
export interface MaestroGatePluginOptions {
    /** The emitted and served file name. Default `"maestro-health"`. */
    fileName?: string | undefined;
    /** The same `defaultEnabled` the app passes to `init()`. Default `true`. */
    defaultEnabled?: FlagValue | undefined;
    /** Fail `vite build` when a value is invalid (a typo such as `"flase"`), with the core's
     * warning, instead of printing the warning and building a disabled app. Default `false`. */
    strict?: boolean | undefined;
    /** `vite build` adds `<link rel="preload" as="fetch" crossorigin>` for the gate's `.wasm` to
     * each built HTML page that loads it, so that it downloads beside the entry chunk. Default `true`. */
    preload?: boolean | undefined;
    /** The decision beacon's URL (`init({ report })`) that `vite dev` and `vite preview` receive:
     * each beacon is appended as one line to `beacons`. Default `"/maestro-report"`; `false`: none. */
    report?: string | false | undefined;
    /** The file the beacons are appended to (named when the server starts), relative to the
     * project's root. Default `"node_modules/.maestro-gate/beacons.jsonl"`. */
    beacons?: string | undefined;
}

/** What a health document says: `"partial"` is a rollout from 1 to 99 (its `rollout` says it). */
export type DocumentStatus = "enabled" | "partial" | "disabled";

/** The health document a build's environment gives, as `health()` answers in a page built with it. */
export interface BuildHealth {
    /** `"partial"`: a rollout from 1 to 99 (`rollout` says it); a rollout of 0 is `"disabled"`. */
    readonly status: DocumentStatus;
    /** `false` only when `status` is `"disabled"`. */
    readonly maestro_enabled: boolean;
    /** Which source decided. */
    readonly source: string;
    /** The decision's sentence. */
    readonly reason: string;
    /** This package's version. */
    readonly version: string;
    /** `VITE_MAESTRO_ROLLOUT`'s percentage (0 to 100), when it is set and valid. */
    readonly rollout?: number;
}

/** What the Vite plugin and the CLI check at build time (`buildCheck`). */
export interface BuildCheck {
    /** The health document, as `health()` answers in a page built with these options. */
    readonly health: BuildHealth;
    /** The lines `init()` would print with `console.warn` (`[MAESTRO] ` included), one per
     * invalid source; empty when every source is valid. */
    readonly warnings: Array<string>;
}

/** A failure's answer: `ok` is `false`, and `error` says why. */
export interface Failure {
    /** `false`. */
    readonly ok: false;
    /** Why. */
    readonly error: string;
}

/** A health document read as the gate's remote poll reads it. */
export interface DocumentRead {
    /** `true`. */
    readonly ok: true;
    /** What the document says. */
    readonly status: DocumentStatus;
    /** Whether the pages polling it stay on (all or, `"partial"`, those within `rollout`). */
    readonly enabled: boolean;
    /** The document's rollout percentage, when it has a valid one. */
    readonly rollout: number | null;
    /** Why a value fails safe (an invalid `maestro_enabled` or `rollout`); else `""`. */
    readonly why: string;
}

/** A health document's answer, read as the gate's remote poll reads it (`maestro-gate check`). */
export type CheckedDocument = DocumentRead | Failure;

/** One switch of the toggle in Unleash's event log. */
export interface TimelineEntry {
    /** When, as Unleash wrote it (ISO 8601, UTC). */
    readonly at: string;
    /** Unleash's event type (`feature-environment-disabled`, ...). */
    readonly type: string;
    /** The environment, when the event names one. */
    readonly environment: string | null;
    /** Who made it (`createdBy`: a user's name or e-mail, or a token's name). */
    readonly by: string;
    /** What it did, in words (`switched off in production`, `rollout 100% -> 25% in production`). */
    readonly what: string;
    /** Whether it turned MAESTRO off (or narrowed it) through Unleash: a rollback. */
    readonly rollback: boolean;
}

/** The toggle's switches, read. */
export interface Timeline {
    /** `true`. */
    readonly ok: true;
    /** Oldest first. Every text is made printable. */
    readonly entries: Array<TimelineEntry>;
}

/** `maestro-gate incident --unleash`'s timeline: the toggle's switches from Unleash's event log. */
export type UnleashTimeline = Timeline | Failure;

/** How many beacons or sessions had one decision. */
export interface DecisionCount {
    /** The decision. */
    readonly enabled: boolean;
    /** Its source. */
    readonly source: string;
    /** How many. */
    readonly count: number;
}

/** The count of each beacon event. */
export interface EventCounts {
    /** Start-up beacons. */
    readonly start: number;
    /** Change beacons. */
    readonly change: number;
    /** Cleanup beacons. */
    readonly cleanup: number;
}

/** The sessions (page loads), each by its latest decision. */
export interface SessionCounts {
    /** Every session. */
    readonly total: number;
    /** Those whose latest decision is on. */
    readonly enabled: number;
    /** Those whose latest decision is off. */
    readonly disabled: number;
    /** By the latest decision's source: disabled first, then the most frequent. */
    readonly by_source: Array<DecisionCount>;
    /** With `since`: the sessions that ran MAESTRO after it (on at some moment after it). */
    readonly ran_after_since: number | null;
    /** Beacons without a session id (an older gate): counted in `decisions` and `events` only. */
    readonly without_id: number;
}

/** The beacons' counts (`maestro-gate report-summary`). */
export interface ReportSummary {
    /** The `--since` (ms since the epoch), or `null`: beacons before it are not counted by
     * decision and event, and sessions that ended off before it are left out. */
    readonly since: number | null;
    /** Lines read as beacon documents (at or after `since`). */
    readonly reports: number;
    /** Blank lines, and lines that are not a beacon document. */
    readonly skipped: number;
    /** The count of each decision: disabled first, then the most frequent. */
    readonly decisions: Array<DecisionCount>;
    /** The count of each event. */
    readonly events: EventCounts;
    /** The sessions (page loads), each by its latest decision. */
    readonly sessions: SessionCounts;
    /** The summary as `maestro-gate report-summary` prints it. */
    readonly text: string;
}

/** One field of the incident record. */
export interface IncidentField {
    /** The template's label. */
    readonly label: string;
    /** Its value (the template's blank when not filled). */
    readonly value: string;
    /** Whether the beacons filled it. */
    readonly filled: boolean;
}

/** The runbook's "Lessons Learned" record, filled from the beacons (`maestro-gate incident`). */
export interface IncidentRecord {
    /** The template's fields in order; `filled` says whether the beacons filled it. */
    readonly fields: Array<IncidentField>;
    /** The first off decision at or after `since` (ms), or `null`: nothing to fill. */
    readonly first_off: number | null;
    /** When the last session that ran MAESTRO after it reported off, or `null` (not recovered). */
    readonly recovered: number | null;
    /** The sessions that ran MAESTRO after the first off. */
    readonly impacted: number;
    /** Those still on at the end. */
    readonly still_on: number;
    /** The record as text, one `Label: value` line a field. */
    readonly text: string;
}

/** A beacon's body as the line a receiver appends. */
export interface BeaconAccepted {
    /** `true`. */
    readonly ok: true;
    /** The line (JSON) to append. */
    readonly line: string;
}

/** A beacon's body a receiver refuses. */
export interface BeaconRefused {
    /** `false`. */
    readonly ok: false;
    /** 413: longer than a beacon can be; 400: not a beacon document. */
    readonly status: 400 | 413;
    /** Why. */
    readonly error: string;
}

/** A receiver's answer to one beacon body (`beaconLine`). */
export type BeaconLine = BeaconAccepted | BeaconRefused;

/** A `--since` read (`parseSince`). */
export interface SinceRead {
    /** `true`. */
    readonly ok: true;
    /** Ms since the epoch. */
    readonly at: number;
}

/** A `--since` (`30m`, `2h`, an ISO 8601 time, ms since the epoch) as ms since the epoch. */
export type ParsedSince = SinceRead | Failure;
