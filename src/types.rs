//! The npm package's public objects as Rust types, from which their
//! TypeScript is generated (`js/types.generated.d.ts`): the decision, the
//! health document, the rollout's and the guard's state, `init()`'s and the
//! cleanup's options and the cleanup request, and the Service Worker guard's
//! options. The cleanup reports are the
//! rules' own types in [`crate::cleanup`] (the rollback module serializes
//! those), which derive ts-rs's `TS` in test builds.
//!
//! The gate builds its objects field by field through its ABI, and the glue
//! reads the options field by field, so these types describe shapes: they
//! exist in test builds only (ts-rs derives them), and nothing that ships
//! changes with them. Where the rules have the same thing (a source's or an
//! outcome's names, the cleanup options' fields), a test or the compiler
//! ties the two. `types_generated_are_committed` writes the file
//! (`UPDATE_TYPES=1 cargo test -p maestro-gate types`) and fails while the
//! committed one differs; tests/e2e/types.test.mjs checks that the objects
//! the shipped package answers have exactly these keys, and that the options
//! it reads are exactly these options. Doc comments become the TypeScript's.

// Shapes, never built: only ts-rs reads their fields.
#![allow(dead_code)]

use ts_rs::{Config, TS};

use crate::cleanup;

/// Where a decision came from.
#[derive(TS)]
pub enum DecisionSource {
    /// `window.MAESTRO_ENABLED`, the runbook's runtime kill.
    #[ts(rename = "window.MAESTRO_ENABLED")]
    Runtime,
    /// The build-time flag in `init({ env })`.
    #[ts(rename = "VITE_MAESTRO_ENABLED")]
    Build,
    /// `defaultEnabled`.
    #[ts(rename = "default")]
    Default,
    /// The remote health document or Unleash.
    #[ts(rename = "remote")]
    Remote,
    /// A gradual rollout.
    #[ts(rename = "rollout")]
    Rollout,
    /// The error guard.
    #[ts(rename = "guard")]
    Guard,
    /// The gate could not answer.
    #[ts(rename = "unavailable")]
    Unavailable,
}

/// Which id a rollout's bucket was hashed from: `init({ userId })`, the anonymous id kept in
/// localStorage (`maestro-gate:id`), or in sessionStorage, or one for this page only.
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub enum Stickiness {
    /// `init({ userId })`.
    UserId,
    /// The anonymous id in localStorage.
    LocalStorage,
    /// The anonymous id in sessionStorage.
    SessionStorage,
    /// An id for this page only.
    Page,
}

/// A gradual rollout's answer for this browser (`decision().rollout`, `health().rollout`).
#[derive(TS)]
pub struct Rollout {
    /// The percentage that decided (the smallest of those set), 0 to 100.
    pub percent: u8,
    /// This browser's sticky bucket, 1 to 100 (Unleash's normalized value); in when `bucket <= percent`.
    pub bucket: u8,
    /// Which id the bucket was hashed from.
    pub stickiness: Stickiness,
}

/// The error guard's count (`health().guard`), or null without `init({ guard })`.
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub struct GuardState {
    /// MAESTRO's failures counted within the window.
    pub errors: u32,
    /// How many within `windowMs` turn the gate off.
    pub limit: u32,
    /// The window, in ms.
    pub window_ms: f64,
}

/// `init({ guard })`: the gate turns off at `errors` failures within `windowMs`, in every tab,
/// and this browser starts disabled for `cooldownMs` after (until `resetGuard()`).
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub struct GuardOptions {
    /// Default 5; an integer from 1 to 1000.
    #[ts(optional)]
    pub errors: Option<u32>,
    /// Default 60000 (60 s).
    #[ts(optional)]
    pub window_ms: Option<f64>,
    /// Default 1800000 (30 minutes).
    #[ts(optional)]
    pub cooldown_ms: Option<f64>,
    /// Also count the page's `error` and `unhandledrejection` events whose `filename` or stack
    /// contains this string or matches this RegExp (MAESTRO's chunk); the app's own never count.
    #[ts(optional = nullable, type = "string | RegExp")]
    pub r#match: (),
}

/// The gate's answer and why. Read-only plain data.
#[derive(TS)]
pub struct Decision {
    /// Whether MAESTRO is enabled.
    pub enabled: bool,
    /// Which source decided.
    pub source: DecisionSource,
    /// The deciding flag value as a string (`String(value)`), or null when there was none (and when
    /// the rollout or the guard decided: their numbers are in `reason` and `rollout`).
    pub value: Option<String>,
    /// One sentence; the console line is `[MAESTRO] ` followed by it.
    pub reason: String,
    /// The rollout's answer when a rollout is set, else null.
    pub rollout: Option<Rollout>,
}

/// The health document: plain JSON-serializable data, as the runbook expects.
#[derive(TS)]
pub struct Health {
    /// `"disabled"` exactly when `maestro_enabled` is false.
    #[ts(type = "\"enabled\" | \"disabled\"")]
    pub status: (),
    /// Whether MAESTRO is enabled.
    pub maestro_enabled: bool,
    /// Which source decided.
    pub source: DecisionSource,
    /// The decision's sentence.
    pub reason: String,
    /// This package's version.
    pub version: String,
    /// The rollout's answer when a rollout is set, else null.
    pub rollout: Option<Rollout>,
    /// The guard's count when `init({ guard })` set one, else null.
    pub guard: Option<GuardState>,
}

/// A flag value as the gate accepts it: booleans, 1/0, and the strings
/// true/false, 1/0, yes/no, on/off (trimmed, any case). Blank, null and
/// undefined mean unset; anything else is invalid and fails safe to disabled.
#[derive(TS)]
pub struct FlagValue(#[ts(type = "boolean | number | string | null | undefined")] pub ());

/// A rollout percentage as the gate accepts it: an integer from 0 to 100, or its string with an
/// optional `%` (trimmed). Anything else is invalid and fails safe to disabled.
#[derive(TS)]
pub struct RolloutValue(#[ts(type = "number | string | null | undefined")] pub ());

/// Where to load a `.wasm` from, for hosts that move it: a URL, a Response, bytes or a compiled module.
#[derive(TS)]
pub struct WasmSource(#[ts(type = "string | URL | Request | Response | BufferSource | WebAssembly.Module")] pub ());

/// `init({ unleash })`: Unleash's Frontend API as the remote kill switch.
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub struct UnleashOptions {
    /// The Frontend API's address, such as `https://unleash.example.com/api/frontend`.
    pub url: String,
    /// A frontend token (`default:development.…`), sent as the `Authorization` header.
    pub client_key: String,
    /// The application's name in Unleash's context and metrics. Default `"maestro-gate"`.
    #[ts(optional)]
    pub app_name: Option<String>,
    /// The toggle that keeps MAESTRO on (type `kill-switch`). Default `"maestro"`.
    #[ts(optional)]
    pub toggle: Option<String>,
}

/// `init()`'s options. Each is read as the options object's own property, except that an off
/// counts from anywhere.
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub struct InitOptions {
    /// The build-time environment: pass `import.meta.env` (Vite) or `process.env` (Node).
    /// Only `VITE_MAESTRO_ENABLED` and `VITE_MAESTRO_ROLLOUT` are read from it, as the app reads
    /// them (getters, proxies and prototypes included): an off counts from anywhere, an on only
    /// as an own property (of `env`, itself an own property of the options).
    #[ts(
        optional = nullable,
        type = "{ readonly VITE_MAESTRO_ENABLED?: FlagValue; readonly VITE_MAESTRO_ROLLOUT?: RolloutValue } | Record<string, unknown>"
    )]
    pub env: (),
    /// What to do when no source says on or off. Default `true`. Off counts from anywhere
    /// (an inherited or proxied `false`); on only as an own property.
    #[ts(optional = nullable, type = "FlagValue")]
    pub default_enabled: (),
    /// `"info"` (default) logs the decision; `"warn"` logs only warnings; `"silent"` logs nothing.
    #[ts(optional = nullable, type = "\"info\" | \"warn\" | \"silent\"")]
    pub log: (),
    /// Where to load the gate's `.wasm` from, for hosts that move it. Default: next to this file.
    #[ts(optional)]
    pub wasm: Option<WasmSource>,
    /// The same for the rollback module's `.wasm` (`maestro_gate_rollback_bg.wasm`), which is
    /// loaded only when a cleanup runs. Default: next to this file.
    #[ts(optional)]
    pub rollback_wasm: Option<WasmSource>,
    /// The same for the remote module's `.wasm` (`maestro_gate_remote_bg.wasm`), which is
    /// loaded only when `remote` or `unleash` is set (after the first decision, by a page that
    /// is on; before it for both together). Default: next to this file.
    #[ts(optional)]
    pub remote_wasm: Option<WasmSource>,
    /// The same for the beacon module's `.wasm` (`maestro_gate_beacon_bg.wasm`), which is
    /// loaded only when `report` is set, at the first beacon (by a page that is off, once it is
    /// 2 s old). Default: next to this file.
    #[ts(optional)]
    pub beacon_wasm: Option<WasmSource>,
    /// The same for the first-answer module's `.wasm` (`maestro_gate_answer_bg.wasm`), which is
    /// loaded only when `remote` is set (and `unleash` is not), or a rollout or a guard, before the
    /// first decision: the health document's first answer, and the rollout's and the guard's
    /// start-up. Default: next to this file. (Unset, a page without a rollout or a guard loads
    /// its build without the narrowing, `maestro_gate_answer_slim_bg.wasm`, and the narrowing
    /// build, `maestro_gate_narrow_bg.wasm`, when a percentage comes, both from next to this
    /// file. Unleash's first answer, `unleash` without `remote`, loads the module's Unleash
    /// build from next to this file, `maestro_gate_answer_unleash_bg.wasm` with a rollout or a
    /// guard, else `maestro_gate_answer_unleash_slim_bg.wasm`; a page with `unleash` that sets
    /// this option or `remoteWasm` reads it with the remote module. A rollout or a guard without
    /// `remote` or `unleash` loads, unless this option is set, the narrowing build alone.)
    #[ts(optional)]
    pub answer_wasm: Option<WasmSource>,
    /// The same for the keeping module's `.wasm` (`maestro_gate_keep_bg.wasm`), which the
    /// first answer (`remote`, or `unleash` without `remote`) loads to remember the answer it
    /// read: after the first decision for an "on", beside it for an off, before it for an "on"
    /// that replaces a remembered off; and before it when the document did not answer in time
    /// and this browser remembers an answer, to read it (if it cannot load then, that first
    /// decision fails safe). Set it wherever you set `answerWasm`. Default: next to this file.
    #[ts(optional)]
    pub keep_wasm: Option<WasmSource>,
    /// Put `{ isEnabled, decision, health, onChange, clearClientState, verifyClientState, onCleanupRequest }`
    /// on `globalThis.maestroGate` for the devtools console (unless something already is). Default `true`.
    #[ts(optional)]
    pub expose_global: Option<bool>,
    /// A health document to read before the first decision and then poll (`"/maestro-health"`):
    /// when it says `maestro_enabled: false` the gate starts off, or turns off in every open tab
    /// without a reload. Each answer is remembered under `maestro-gate:remote`, and a load whose
    /// document fails starts from it. The poll's own module (`maestro_gate_remote_bg.wasm`) is
    /// loaded only when this is set (`undefined`, `null` or `false`: none, and nothing loads for
    /// it, so that `remote: config.healthUrl` or `prod && "/health"` can leave it out; `""`, or a
    /// value that is not a string, such as a `URL` object (pass its `href`), is refused with one
    /// warning).
    #[ts(optional, type = "string | false | null")]
    pub remote: Option<String>,
    /// Reads the kill switch from Unleash's Frontend API (Unleash itself or Unleash Edge), polled
    /// as `remote` is (`pollMs`, the wait at `init()`, the remembered answer, one polling tab per
    /// origin): MAESTRO stays on only while the toggle is listed with `enabled: true` for this
    /// browser's context (`appName`, `userId`, `sessionId`: the gate's sticky id). An absent toggle
    /// or `enabled: false` turns it off (source `"remote"`); an `enabled` that is not a boolean fails
    /// safe; an HTTP error, another shape or no answer changes nothing (one warning, backoff).
    /// With `remote` too, both apply and off wins. The decisions are counted (`yes`/`no`) in
    /// Unleash's metrics, posted at most every 30 s and when the page is hidden or left. The client
    /// key is sent only as the `Authorization` header: never logged, remembered or reported.
    /// `undefined`, `null` or `false`: none, and nothing loads for it.
    #[ts(optional, type = "UnleashOptions | false | null")]
    pub unleash: Option<UnleashOptions>,
    /// How long `init()` waits for `remote`'s first answer, in ms. Default 1000; `0` does not wait;
    /// at most 10000. A slower answer applies live when it comes.
    #[ts(optional)]
    pub remote_timeout_ms: Option<f64>,
    /// How often to poll `remote`, in ms. Default 60000; at least 100.
    #[ts(optional)]
    pub poll_ms: Option<f64>,
    /// A URL to send the decision beacon to (`"/maestro-report"`): `navigator.sendBeacon` with a
    /// small JSON document (a `text/plain` body) at start-up, at every change and after each
    /// `clearClientState`. It never holds a storage value, a key name or the user id. A page that
    /// is off at its first beacon waits until it is 2 s old (it downloads nothing but the gate
    /// before; left sooner, it sends none), then sends in order, each with the decision of its
    /// moment; a page that is on sends right after `init()` resolves. The beacon module
    /// (`maestro_gate_beacon_bg.wasm`) is loaded only when this is set; a beacon that fails
    /// changes nothing. `undefined`, `null` or `false`: none, and nothing loads for it
    /// (`report: prod && "/beacon"`); `""`, or a value that is not a string (a `URL` object: pass
    /// its `href`), is refused with one warning.
    #[ts(optional, type = "string | false | null")]
    pub report: Option<String>,
    /// A gradual rollout: the percentage of browsers that get MAESTRO (`25`, `"25"`, `"25%"`).
    /// With `VITE_MAESTRO_ROLLOUT`, `window.MAESTRO_ROLLOUT` and the remote document's `"rollout"`,
    /// the smallest wins; an invalid one fails safe. It only narrows an "on". A page that sets a
    /// rollout or a guard narrows its first decision with the first-answer module
    /// (`maestro_gate_answer_bg.wasm`; without `remote` or `unleash`, its build without a
    /// document's reading, `maestro_gate_narrow_bg.wasm`); the rollout module
    /// (`maestro_gate_rollout_bg.wasm`) loads after it, only for a guard or a remote percentage.
    #[ts(optional = nullable, type = "RolloutValue")]
    pub rollout: (),
    /// The rollout's group (Unleash's `groupId`). Default `"maestro"`.
    #[ts(optional)]
    pub rollout_group: Option<String>,
    /// The rollout's stickiness: this user's id. Default: an anonymous id for this browser.
    #[ts(optional = nullable, type = "string | number")]
    pub user_id: (),
    /// The error guard (see `GuardOptions`). Undefined, `null` or `false`: none (nothing loads
    /// for it), so that `guard: config.guard` (or `debug && { … }`) can leave it out.
    #[ts(optional, type = "GuardOptions | false | null")]
    pub guard: Option<GuardOptions>,
    /// The same as `wasm` for the rollout module's `.wasm` (loaded after the first decision, for a
    /// guard or a remote percentage). Default: next to this file.
    #[ts(optional)]
    pub rollout_wasm: Option<WasmSource>,
    /// The key prefix this tab sweeps when another tab asks for a cleanup (whatever prefix the
    /// request names). Default `"maestro:"`.
    #[ts(optional)]
    pub prefix: Option<String>,
    /// Let another tab's cleanup request with `sessionStorage: "all"` clear all of this tab's
    /// sessionStorage. Default `false`: such a request removes this tab's prefixed keys only.
    #[ts(optional)]
    pub accept_clear_all_from_other_tabs: Option<bool>,
}

/// What a cleanup does with sessionStorage: `"prefixed"` removes the prefixed keys, `"all"` is
/// `sessionStorage.clear()` but for the gate's own `maestro-gate:` keys, `"none"` leaves it.
#[derive(TS)]
#[ts(rename_all = "lowercase")]
pub enum SessionStorageMode {
    /// Remove the prefixed keys.
    Prefixed,
    /// `sessionStorage.clear()`, but for the gate's own `maestro-gate:` keys (a remembered kill,
    /// a guard's trip, the rollout id): a cleanup never erases a kill.
    All,
    /// Leave it.
    None,
}

/// `clearClientState`'s options (`verifyClientState` reads `database`, `prefix` and
/// `blockedTimeoutMs`), read as the object's own properties only: a polluted prototype changes
/// nothing. Unset (absent, `undefined` or `null`) is the default; a value of another type makes
/// that part an error, and nothing of it is touched.
// The rules' `cleanup::Given` has the same fields (`same_fields` below ties them).
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub struct CleanupOptions {
    /// The IndexedDB database to delete. Default `"maestro_secrets"`.
    #[ts(optional)]
    pub database: Option<String>,
    /// The exact, case-sensitive key prefix to remove. Default: this copy's `init({ prefix })`, else
    /// `"maestro:"`. Must not be empty.
    #[ts(optional)]
    pub prefix: Option<String>,
    /// `"prefixed"` (default) removes prefixed keys; `"all"` is `sessionStorage.clear()` but for the
    /// gate's own `maestro-gate:` keys; `"none"` leaves it.
    #[ts(optional)]
    pub session_storage: Option<SessionStorageMode>,
    /// How long to wait for a blocked delete before reporting `"pending"`, in ms. Default 3000.
    #[ts(optional)]
    pub blocked_timeout_ms: Option<f64>,
    /// Ask every other open tab of this origin to clear its sessionStorage too. Default `true`.
    #[ts(optional)]
    pub all_tabs: Option<bool>,
    /// `"info"` (default) prints one summary to the console; `"silent"` prints nothing.
    #[ts(optional = nullable, type = "\"info\" | \"silent\"")]
    pub log: (),
}

/// The cleanup options the rules read (`cleanup::Given`, which the rollback module deserializes)
/// are these fields, no more and no fewer: one list of names, two exhaustive patterns, so that a
/// field added to either struct fails to compile until it is in both. Both name them in camelCase
/// (serde's `rename_all` there, ts-rs's here).
macro_rules! same_fields {
    ($($field:ident),*) => {
        fn same_fields(given: cleanup::Given, options: CleanupOptions) {
            let cleanup::Given { $($field: _),* } = given;
            let CleanupOptions { $($field: _),* } = options;
        }
    };
}
same_fields!(database, prefix, session_storage, blocked_timeout_ms, all_tabs, log);

/// What `onCleanupRequest` callbacks receive. For another tab's request it is the channel's
/// message as it arrived (a fresh object per tab), which may carry other fields too.
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub struct CleanupRequest {
    /// The database the cleanup deletes.
    pub database: String,
    /// The key prefix it removes.
    pub prefix: String,
    /// What it does with sessionStorage.
    pub session_storage: SessionStorageMode,
    /// True when another tab asked.
    pub from_other_tab: bool,
}

/// Options of `maestroGuard` (`maestro-gate/sw`; see README.md, "The Service Worker guard").
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub struct ServiceWorkerGuardOptions {
    /// MAESTRO's chunks and API: a path prefix (`"/maestro/"`, the worker's
    /// origin), a URL prefix (`"https://api.example.com/maestro/"`), or a
    /// `URLPattern` string (`"/assets/maestro-*.js"`), or a list of them. A
    /// request that matches is answered 503 while MAESTRO is off; any other is
    /// never touched.
    #[ts(type = "string | readonly string[]")]
    pub block: (),
    /// The health document the worker polls itself (as `init({ remote })` does; `undefined`,
    /// `null` or `false`: none; a value that is not a string, such as a `URL` object, polls
    /// nothing and says so once).
    #[ts(optional, type = "string | false | null")]
    pub remote: Option<String>,
    /// The poll's interval in ms (default 60000, as the pages' poll).
    #[ts(optional)]
    pub poll_ms: Option<f64>,
    /// Block until the worker has an answer (a page's decision, its poll, or what it kept). Default `false`.
    #[ts(optional)]
    pub start_blocked: Option<bool>,
    /// Take over at once when installed (`skipWaiting()`, once the kept answer is read). Default `true`.
    #[ts(optional)]
    pub skip_waiting: Option<bool>,
    /// Claim the pages open before the worker (`clients.claim()` on activate). Default `true`.
    #[ts(optional)]
    pub claim: Option<bool>,
    /// `"silent"`: no console line from the worker (the pages still hear each blocked URL).
    #[ts(optional = nullable, type = "\"info\" | \"warn\" | \"silent\"")]
    pub log: (),
}

/// The state `startGate` starts the gate in: `init()`'s options, with `enabled` for `defaultEnabled`.
// `maestro-gate/testing`'s (js/testing.d.ts re-exports it). Written `extends Omit<InitOptions,
// GATE_STATE_OMITS>` by `generated()`: the options are InitOptions', never restated.
#[derive(TS)]
pub struct GateState {
    /// The answer when no source says on or off: `init({ defaultEnabled })`, so
    /// `decision().source` is `"default"`. An `env` that says off (or anything
    /// invalid) still wins, as the rule says.
    #[ts(optional)]
    pub enabled: Option<bool>,
}

/// The `init()` options a `GateState` has not: `startGate` refuses `remote` and `unleash` (a
/// remote poll would outlive the next `startGate`), and `pollMs` and `remoteWasm` are theirs.
const GATE_STATE_OMITS: [&str; 4] = ["remote", "unleash", "pollMs", "remoteWasm"];

/// What the Service Worker guard posts on the BroadcastChannel `"maestro-gate"` for each blocked
/// URL, once.
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub struct BlockedMessage {
    /// The message's kind.
    #[ts(type = "\"blocked\"")]
    pub maestro_gate: (),
    /// The blocked request's URL.
    pub url: String,
    /// `[MAESTRO] Blocked by the Service Worker guard: <url> (<reason>)`
    pub line: String,
}

/// Options of the Vite plugin (`maestro-gate/vite`).
#[derive(TS)]
#[ts(rename_all = "camelCase")]
pub struct MaestroGatePluginOptions {
    /// The emitted and served file name. Default `"maestro-health"`.
    #[ts(optional)]
    pub file_name: Option<String>,
    /// The same `defaultEnabled` the app passes to `init()`. Default `true`.
    #[ts(optional)]
    pub default_enabled: Option<FlagValue>,
    /// Fail `vite build` when a value is invalid (a typo such as `"flase"`), with the core's
    /// warning, instead of printing the warning and building a disabled app. Default `false`.
    #[ts(optional)]
    pub strict: Option<bool>,
    /// `vite build` adds `<link rel="preload" as="fetch" crossorigin>` for the gate's `.wasm` to
    /// each built HTML page that loads it, so that it downloads beside the entry chunk. Default `true`.
    #[ts(optional)]
    pub preload: Option<bool>,
    /// The decision beacon's URL (`init({ report })`) that `vite dev` and `vite preview` receive:
    /// each beacon is appended as one line to `beacons`. Default `"/maestro-report"`; `false`: none.
    #[ts(optional = nullable, type = "string | false")]
    pub report: (),
    /// The file the beacons are appended to (named when the server starts), relative to the
    /// project's root. Default `"node_modules/.maestro-gate/beacons.jsonl"`.
    #[ts(optional)]
    pub beacons: Option<String>,
}

// The build-time check's answers (`crates/node`, pkg/maestro_gate_node.d.ts re-exports them),
// for the Vite plugin and the CLI. That module builds them field by field, as the gate does.

/// What a health document says: `"partial"` is a rollout from 1 to 99 (its `rollout` says it).
#[derive(TS)]
#[ts(rename_all = "lowercase")]
pub enum DocumentStatus {
    /// MAESTRO on.
    Enabled,
    /// On for the browsers within the rollout.
    Partial,
    /// MAESTRO off.
    Disabled,
}

/// The health document a build's environment gives, as `health()` answers in a page built with it.
#[derive(TS)]
pub struct BuildHealth {
    /// `"partial"`: a rollout from 1 to 99 (`rollout` says it); a rollout of 0 is `"disabled"`.
    pub status: DocumentStatus,
    /// `false` only when `status` is `"disabled"`.
    pub maestro_enabled: bool,
    /// Which source decided.
    pub source: String,
    /// The decision's sentence.
    pub reason: String,
    /// This package's version.
    pub version: String,
    /// `VITE_MAESTRO_ROLLOUT`'s percentage (0 to 100), when it is set and valid.
    #[ts(optional)]
    pub rollout: Option<u8>,
}

/// What the Vite plugin and the CLI check at build time (`buildCheck`).
#[derive(TS)]
pub struct BuildCheck {
    /// The health document, as `health()` answers in a page built with these options.
    pub health: BuildHealth,
    /// The lines `init()` would print with `console.warn` (`[MAESTRO] ` included), one per
    /// invalid source; empty when every source is valid.
    pub warnings: Vec<String>,
}

/// A failure's answer: `ok` is `false`, and `error` says why.
#[derive(TS)]
pub struct Failure {
    /// `false`.
    #[ts(type = "false")]
    pub ok: (),
    /// Why.
    pub error: String,
}

/// A health document read as the gate's remote poll reads it.
#[derive(TS)]
pub struct DocumentRead {
    /// `true`.
    #[ts(type = "true")]
    pub ok: (),
    /// What the document says.
    pub status: DocumentStatus,
    /// Whether the pages polling it stay on (all or, `"partial"`, those within `rollout`).
    pub enabled: bool,
    /// The document's rollout percentage, when it has a valid one.
    pub rollout: Option<u8>,
    /// Why a value fails safe (an invalid `maestro_enabled` or `rollout`); else `""`.
    pub why: String,
}

/// A health document's answer, read as the gate's remote poll reads it (`maestro-gate check`).
#[derive(TS)]
#[ts(untagged)]
pub enum CheckedDocument {
    /// Read.
    Read(DocumentRead),
    /// Not a health document.
    Failed(Failure),
}

/// One switch of the toggle in Unleash's event log.
#[derive(TS)]
pub struct TimelineEntry {
    /// When, as Unleash wrote it (ISO 8601, UTC).
    pub at: String,
    /// Unleash's event type (`feature-environment-disabled`, ...).
    pub r#type: String,
    /// The environment, when the event names one.
    pub environment: Option<String>,
    /// Who made it (`createdBy`: a user's name or e-mail, or a token's name).
    pub by: String,
    /// What it did, in words (`switched off in production`, `rollout 100% -> 25% in production`).
    pub what: String,
    /// Whether it turned MAESTRO off (or narrowed it) through Unleash: a rollback.
    pub rollback: bool,
}

/// The toggle's switches, read.
#[derive(TS)]
pub struct Timeline {
    /// `true`.
    #[ts(type = "true")]
    pub ok: (),
    /// Oldest first. Every text is made printable.
    pub entries: Vec<TimelineEntry>,
}

/// `maestro-gate incident --unleash`'s timeline: the toggle's switches from Unleash's event log.
#[derive(TS)]
#[ts(untagged)]
pub enum UnleashTimeline {
    /// Read.
    Read(Timeline),
    /// Not an event log.
    Failed(Failure),
}

/// How many beacons or sessions had one decision.
#[derive(TS)]
pub struct DecisionCount {
    /// The decision.
    pub enabled: bool,
    /// Its source.
    pub source: String,
    /// How many.
    pub count: u32,
}

/// The count of each beacon event.
#[derive(TS)]
pub struct EventCounts {
    /// Start-up beacons.
    pub start: u32,
    /// Change beacons.
    pub change: u32,
    /// Cleanup beacons.
    pub cleanup: u32,
}

/// The sessions (page loads), each by its latest decision.
#[derive(TS)]
pub struct SessionCounts {
    /// Every session.
    pub total: u32,
    /// Those whose latest decision is on.
    pub enabled: u32,
    /// Those whose latest decision is off.
    pub disabled: u32,
    /// By the latest decision's source: disabled first, then the most frequent.
    pub by_source: Vec<DecisionCount>,
    /// With `since`: the sessions that ran MAESTRO after it (on at some moment after it).
    pub ran_after_since: Option<u32>,
    /// Beacons without a session id (an older gate): counted in `decisions` and `events` only.
    pub without_id: u32,
}

/// The beacons' counts (`maestro-gate report-summary`).
#[derive(TS)]
pub struct ReportSummary {
    /// The `--since` (ms since the epoch), or `null`: beacons before it are not counted by
    /// decision and event, and sessions that ended off before it are left out.
    pub since: Option<f64>,
    /// Lines read as beacon documents (at or after `since`).
    pub reports: u32,
    /// Blank lines, and lines that are not a beacon document.
    pub skipped: u32,
    /// The count of each decision: disabled first, then the most frequent.
    pub decisions: Vec<DecisionCount>,
    /// The count of each event.
    pub events: EventCounts,
    /// The sessions (page loads), each by its latest decision.
    pub sessions: SessionCounts,
    /// The summary as `maestro-gate report-summary` prints it.
    pub text: String,
}

/// One field of the incident record.
#[derive(TS)]
pub struct IncidentField {
    /// The template's label.
    pub label: String,
    /// Its value (the template's blank when not filled).
    pub value: String,
    /// Whether the beacons filled it.
    pub filled: bool,
}

/// The runbook's "Lessons Learned" record, filled from the beacons (`maestro-gate incident`).
#[derive(TS)]
pub struct IncidentRecord {
    /// The template's fields in order; `filled` says whether the beacons filled it.
    pub fields: Vec<IncidentField>,
    /// The first off decision at or after `since` (ms), or `null`: nothing to fill.
    pub first_off: Option<f64>,
    /// When the last session that ran MAESTRO after it reported off, or `null` (not recovered).
    pub recovered: Option<f64>,
    /// The sessions that ran MAESTRO after the first off.
    pub impacted: u32,
    /// Those still on at the end.
    pub still_on: u32,
    /// The record as text, one `Label: value` line a field.
    pub text: String,
}

/// A beacon's body as the line a receiver appends.
#[derive(TS)]
pub struct BeaconAccepted {
    /// `true`.
    #[ts(type = "true")]
    pub ok: (),
    /// The line (JSON) to append.
    pub line: String,
}

/// A beacon's body a receiver refuses.
#[derive(TS)]
pub struct BeaconRefused {
    /// `false`.
    #[ts(type = "false")]
    pub ok: (),
    /// 413: longer than a beacon can be; 400: not a beacon document.
    #[ts(type = "400 | 413")]
    pub status: (),
    /// Why.
    pub error: String,
}

/// A receiver's answer to one beacon body (`beaconLine`).
#[derive(TS)]
#[ts(untagged)]
pub enum BeaconLine {
    /// Accepted.
    Accepted(BeaconAccepted),
    /// Refused.
    Refused(BeaconRefused),
}

/// A `--since` read (`parseSince`).
#[derive(TS)]
pub struct SinceRead {
    /// `true`.
    #[ts(type = "true")]
    pub ok: (),
    /// Ms since the epoch.
    pub at: f64,
}

/// A `--since` (`30m`, `2h`, an ISO 8601 time, ms since the epoch) as ms since the epoch.
#[derive(TS)]
#[ts(untagged)]
pub enum ParsedSince {
    /// Read.
    Read(SinceRead),
    /// Not a time.
    Failed(Failure),
}

/// The generated file, as it is committed.
const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/js/types.generated.d.ts");

const HEADER: &str = "\
// The package's object types, generated from the Rust types in src/types.rs and
// src/cleanup.rs (their doc comments are these): do not edit. Regenerate with
// `UPDATE_TYPES=1 cargo test -p maestro-gate types`; `make test` fails while
// this file differs from what the Rust types give.
";

/// The file: each type in the order a reader meets them. `true`: read-only (what the package
/// answers); `false`: what an app writes (options).
fn generated() -> String {
    let cfg = Config::default();
    let parts = [
        declaration::<DecisionSource>(&cfg, true),
        declaration::<Stickiness>(&cfg, true),
        declaration::<Rollout>(&cfg, true),
        declaration::<GuardState>(&cfg, true),
        declaration::<GuardOptions>(&cfg, false),
        declaration::<Decision>(&cfg, true),
        declaration::<Health>(&cfg, true),
        declaration::<FlagValue>(&cfg, true),
        declaration::<RolloutValue>(&cfg, true),
        declaration::<WasmSource>(&cfg, true),
        declaration::<UnleashOptions>(&cfg, false),
        declaration::<InitOptions>(&cfg, false),
        declaration::<CleanupRequest>(&cfg, true),
        declaration::<SessionStorageMode>(&cfg, true),
        declaration::<CleanupOptions>(&cfg, false),
        declaration::<cleanup::DbOutcome>(&cfg, true),
        declaration::<cleanup::DatabaseReport>(&cfg, true),
        declaration::<cleanup::AreaOutcome>(&cfg, true),
        declaration::<cleanup::AreaReport>(&cfg, true),
        declaration::<cleanup::Report>(&cfg, true),
        declaration::<cleanup::VerifyReport>(&cfg, true),
        declaration::<ServiceWorkerGuardOptions>(&cfg, false),
        extending(
            declaration::<GateState>(&cfg, false),
            &format!("Omit<InitOptions, {}>", GATE_STATE_OMITS.map(|o| format!("\"{o}\"")).join(" | ")),
        ),
        declaration::<BlockedMessage>(&cfg, true),
        declaration::<MaestroGatePluginOptions>(&cfg, false),
        declaration::<DocumentStatus>(&cfg, true),
        declaration::<BuildHealth>(&cfg, true),
        declaration::<BuildCheck>(&cfg, true),
        declaration::<Failure>(&cfg, true),
        declaration::<DocumentRead>(&cfg, true),
        declaration::<CheckedDocument>(&cfg, true),
        declaration::<TimelineEntry>(&cfg, true),
        declaration::<Timeline>(&cfg, true),
        declaration::<UnleashTimeline>(&cfg, true),
        declaration::<DecisionCount>(&cfg, true),
        declaration::<EventCounts>(&cfg, true),
        declaration::<SessionCounts>(&cfg, true),
        declaration::<ReportSummary>(&cfg, true),
        declaration::<IncidentField>(&cfg, true),
        declaration::<IncidentRecord>(&cfg, true),
        declaration::<BeaconAccepted>(&cfg, true),
        declaration::<BeaconRefused>(&cfg, true),
        declaration::<BeaconLine>(&cfg, true),
        declaration::<SinceRead>(&cfg, true),
        declaration::<ParsedSince>(&cfg, true),
    ];
    let mut out = String::from(HEADER);
    for part in parts {
        out.push('\n');
        out.push_str(&part);
    }
    out
}

/// An interface's declaration, extending `base`.
fn extending(declaration: String, base: &str) -> String {
    let (head, body) = declaration.split_once(" {\n").expect("an interface");
    format!("{head} extends {base} {{\n{body}")
}

/// `T`'s declaration in the package's style: an object type as an `interface` whose
/// properties are one a line with their doc comments (each `readonly` when `readonly`),
/// anything else as a `type`.
fn declaration<T: TS>(cfg: &Config, readonly: bool) -> String {
    let decl = T::decl(cfg);
    let rest = decl.strip_prefix("type ").expect("ts-rs declares a type");
    let (name, body) = rest.split_once(" = ").expect("type Name = ...");
    let body = body.trim().strip_suffix(';').expect("ends with ;").trim();
    let mut out = T::docs().map(|d| doc(&d, "")).unwrap_or_default();
    match object(body) {
        Some(members) => {
            out.push_str(&format!("export interface {name} {{\n"));
            for (docs, member) in members {
                out.push_str(&doc(&docs, "    "));
                out.push_str(&format!(
                    "    {}{};\n",
                    if readonly { "readonly " } else { "" },
                    typed(&member, readonly)
                ));
            }
            out.push_str("}\n");
        }
        None => out.push_str(&format!("export type {name} = {};\n", typed_type(body, readonly))),
    }
    out
}

/// A doc comment (ts-rs's `/**\n * line\n */` or empty) in the package's style, indented.
fn doc(docs: &str, indent: &str) -> String {
    let lines: Vec<&str> = docs
        .trim()
        .trim_start_matches("/**")
        .trim_end_matches("*/")
        .lines()
        .map(|l| {
            let l = l.trim();
            l.strip_prefix("* ").or_else(|| l.strip_prefix('*')).unwrap_or(l)
        })
        .filter(|l| !l.is_empty())
        .collect();
    match lines.as_slice() {
        [] => String::new(),
        [one] => format!("{indent}/** {one} */\n"),
        [first, more @ ..] => {
            let mut s = format!("{indent}/** {first}");
            for l in more {
                s.push_str(&format!("\n{indent} * {l}"));
            }
            s.push_str(" */\n");
            s
        }
    }
}

/// The members of an object type `{ ... }` (ts-rs's `docs name: type, ...`), each with its
/// doc comment; `None` when `body` is not one object type.
fn object(body: &str) -> Option<Vec<(String, String)>> {
    let inner = body.strip_prefix('{')?.strip_suffix('}')?;
    let mut members = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    let bytes = inner.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if inner[i..].starts_with("/**") => i += inner[i..].find("*/").expect("closed comment") + 1,
            b'"' => i += inner[i + 1..].find('"').expect("closed string") + 1,
            b'{' | b'(' | b'[' | b'<' => depth += 1,
            b'>' if i > 0 && bytes[i - 1] == b'=' => {}
            b'}' | b')' | b']' | b'>' => depth -= 1,
            b',' if depth == 0 => {
                members.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        if depth < 0 {
            return None;
        }
        i += 1;
    }
    if !inner[start..].trim().is_empty() {
        members.push(&inner[start..]);
    }
    Some(
        members
            .into_iter()
            .map(|m| {
                let m = m.trim();
                match m.strip_prefix("/**").and_then(|r| r.split_once("*/")) {
                    Some((docs, rest)) => (format!("/**{docs}*/"), rest.trim().to_string()),
                    None => (String::new(), m.to_string()),
                }
            })
            .collect(),
    )
}

/// `name: type` with an inline object type in it written as the package writes one. An
/// optional member of an options type (not `readonly`: what an app writes) takes `undefined` too,
/// so that an app compiled with `exactOptionalPropertyTypes` can pass one it may not have
/// (`init({ remote: config.healthUrl })`, `healthUrl?: string`), as the code reads it.
fn typed(member: &str, readonly: bool) -> String {
    let (name, ty) = member.split_once(": ").expect("name: type");
    let ty = typed_type(ty.trim(), readonly);
    if !readonly && name.ends_with('?') && !ty.split(" | ").any(|t| t == "undefined") {
        // (A function type in parentheses: `| undefined` would be its return type's.)
        let ty = if ty.contains("=>") { format!("({ty})") } else { ty };
        format!("{name}: {ty} | undefined")
    } else {
        format!("{name}: {ty}")
    }
}

fn typed_type(ty: &str, readonly: bool) -> String {
    match object(ty) {
        Some(members) => {
            let ro = if readonly { "readonly " } else { "" };
            let fields: Vec<String> = members.iter().map(|(_, m)| format!("{ro}{}", typed(m, readonly))).collect();
            format!("{{ {} }}", fields.join("; "))
        }
        None => ty.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{flag, rollout};

    /// `js/types.generated.d.ts` is what the Rust types give: `UPDATE_TYPES=1 cargo test -p
    /// maestro-gate types` writes it.
    #[test]
    fn types_generated_are_committed() {
        let next = generated();
        // The crate as published to crates.io is src/ alone: the npm package's file is not in it.
        if !std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/js")).is_dir() {
            return;
        }
        if std::env::var_os("UPDATE_TYPES").is_some() {
            std::fs::write(PATH, &next).expect("write js/types.generated.d.ts");
        }
        let committed = std::fs::read_to_string(PATH).unwrap_or_default();
        assert!(
            committed == next,
            "js/types.generated.d.ts differs from the Rust types': run UPDATE_TYPES=1 cargo test -p maestro-gate types"
        );
    }

    /// What a `GateState` leaves out are `InitOptions`' names.
    #[test]
    fn gate_state_omits_init_options() {
        let options = declaration::<InitOptions>(&Config::default(), false);
        for name in GATE_STATE_OMITS {
            assert!(options.contains(&format!("\n    {name}?: ")), "InitOptions has no {name}");
        }
    }

    /// The names the types give are the rules' own.
    #[test]
    fn types_name_what_the_rules_name() {
        let cfg = Config::default();
        let names = |ids: &[&str]| ids.iter().map(|id| format!("\"{id}\"")).collect::<Vec<_>>().join(" | ");
        use flag::Source as S;
        let sources = [S::Runtime, S::Build, S::Default, S::Remote, S::Rollout, S::Guard, S::Unavailable].map(S::id);
        assert_eq!(DecisionSource::inline(&cfg), names(&sources));
        use rollout::Stickiness as K;
        let stickiness = [K::UserId, K::LocalStorage, K::SessionStorage, K::Page].map(K::id);
        assert_eq!(Stickiness::inline(&cfg), names(&stickiness));
        use cleanup::SessionMode as M;
        assert_eq!(SessionStorageMode::inline(&cfg), names(&[M::Prefixed, M::All, M::None].map(M::id)));
        use cleanup::DbOutcome as D;
        let db = [D::Deleted, D::Pending, D::Unavailable, D::Error].map(D::id);
        assert_eq!(D::inline(&cfg), names(&db));
        use cleanup::AreaOutcome as A;
        let area = [A::Cleared, A::Skipped, A::Unavailable, A::Error].map(A::id);
        assert_eq!(A::inline(&cfg), names(&area));
        // Those lists are every variant: a new one fails to compile here until it is added there.
        let every = |s: S, k: K, m: M, d: D, a: A| {
            match s {
                S::Runtime | S::Build | S::Default | S::Remote | S::Rollout | S::Guard | S::Unavailable => (),
            };
            match k {
                K::UserId | K::LocalStorage | K::SessionStorage | K::Page => (),
            };
            match m {
                M::Prefixed | M::All | M::None => (),
            };
            match d {
                D::Deleted | D::Pending | D::Unavailable | D::Error => (),
            };
            match a {
                A::Cleared | A::Skipped | A::Unavailable | A::Error => (),
            };
        };
        every(S::Default, K::Page, M::All, D::Error, A::Error);
    }
}
