//! `clearClientState`, `verifyClientState` and `onCleanupRequest`: the I/O of
//! the rollback. What the options mean and whether a run was ok is decided in
//! `crate::cleanup`.

use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::Cell;

use js_sys::{Array, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::js::{self, get, set, Idb, Str, Store};
use super::tabs;
use crate::cleanup::{self as rules, AreaOutcome, DbOutcome, SessionMode};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
export interface CleanupOptions {
  /** The IndexedDB database to delete. Default `"maestro_secrets"`. */
  database?: string;
  /** The exact, case-sensitive key prefix to remove. Default `"maestro:"`. Must not be empty. */
  prefix?: string;
  /** `"prefixed"` (default) removes prefixed keys; `"all"` is `sessionStorage.clear()`; `"none"` leaves it. */
  sessionStorage?: "prefixed" | "all" | "none";
  /** How long to wait for a blocked delete before reporting `"pending"`. Default 3000. */
  blockedTimeoutMs?: number;
  /** Ask every other open tab of this origin to clear its sessionStorage too. Default `true`. */
  allTabs?: boolean;
  /** `"info"` (default) prints one summary to the console; `"silent"` prints nothing. */
  log?: "info" | "silent";
}

export interface DatabaseReport {
  readonly name: string;
  /** `deleted` (also when it never existed); `pending` (still blocked after the timeout:
   * the browser finishes the delete when the other connections close); `unavailable`
   * (no IndexedDB, or access denied); `error` (the request threw or failed). */
  readonly outcome: "deleted" | "pending" | "unavailable" | "error";
  /** Whether another open connection blocked the delete at some point. */
  readonly blocked: boolean;
  readonly error?: string;
}

export interface StorageReport {
  /** `cleared` (matching keys removed, maybe none); `skipped` (`sessionStorage: "none"`);
   * `unavailable` (the storage getter threw, or it is missing); `error`. */
  readonly outcome: "cleared" | "skipped" | "unavailable" | "error";
  /** The keys removed (names only, never values). */
  readonly removed: string[];
  readonly error?: string;
}

export interface CleanupReport {
  /** True only when nothing is pending, unavailable or failed. */
  readonly ok: boolean;
  readonly database: DatabaseReport;
  readonly localStorage: StorageReport;
  readonly sessionStorage: StorageReport;
  /** How many other tabs answered and cleared their own sessionStorage. */
  readonly otherTabs: number;
}

export interface VerifyReport {
  /** `exists` is null when it cannot be told (no IndexedDB, or access denied). */
  readonly database: { readonly name: string; readonly exists: boolean | null };
  readonly localStorageKeys: string[];
  readonly sessionStorageKeys: string[];
  /** True when the database is gone and no prefixed key is left; null when a part cannot be read. */
  readonly clean: boolean | null;
}

/** What `onCleanupRequest` callbacks receive. */
export interface CleanupRequest {
  readonly database: string;
  readonly prefix: string;
  readonly sessionStorage: "prefixed" | "all" | "none";
  /** True when another tab asked. */
  readonly fromOtherTab: boolean;
}
"#;

/// The parsed options. `prefix` and `database` are `None` when invalid.
pub(crate) struct Options {
    pub database: Option<String>,
    pub prefix: Option<String>,
    pub session: Result<SessionMode, ()>,
    pub timeout_ms: f64,
    pub all_tabs: bool,
    pub silent: bool,
}

fn string_option(options: &JsValue, key: &str, default: &str) -> Option<String> {
    match get(options, key) {
        Ok(v) if v.is_undefined() => Some(String::from(default)),
        Ok(v) => v.as_string().filter(|s| rules::valid_prefix(s)),
        Err(_) => None,
    }
}

pub(crate) fn parse_options(options: &JsValue) -> Options {
    let session = match get(options, "sessionStorage") {
        Ok(v) if v.is_undefined() => SessionMode::parse(None),
        Ok(v) => v.as_string().as_deref().map_or(Err(()), |s| SessionMode::parse(Some(s))),
        Err(_) => Err(()),
    };
    let timeout_ms = get(options, "blockedTimeoutMs")
        .ok()
        .and_then(|v| v.as_f64())
        .filter(|n| *n >= 0.0)
        .unwrap_or(rules::DEFAULT_BLOCKED_TIMEOUT_MS as f64);
    Options {
        database: string_option(options, "database", rules::DEFAULT_DATABASE),
        prefix: string_option(options, "prefix", rules::DEFAULT_PREFIX),
        session,
        timeout_ms,
        all_tabs: get(options, "allTabs").ok().and_then(|v| v.as_bool()).unwrap_or(true),
        silent: get(options, "log").ok().and_then(|v| v.as_string()).as_deref() == Some("silent"),
    }
}

// ---------- storage ----------

/// One storage area's result.
pub(crate) struct Area {
    pub outcome: AreaOutcome,
    pub removed: Vec<JsValue>,
    pub error: Option<String>,
}

impl Area {
    fn new(outcome: AreaOutcome, error: Option<String>) -> Area {
        Area { outcome, removed: Vec::new(), error }
    }
}

/// `globalThis[name]` as a `Storage`, or why it cannot be had.
fn store(name: &str) -> Result<Store, String> {
    match get(&js_sys::global(), name) {
        Ok(v) if v.is_object() => Ok(v.unchecked_into()),
        Ok(_) => Err(String::from("not available in this context")),
        Err(e) => Err(js::message(&e)),
    }
}

/// The keys of `store` that start with `prefix` (all keys when `prefix` is
/// `None`), read in full before anything is removed: removing while walking
/// `key(i)` skips neighbours.
fn keys(store: &Store, prefix: Option<&JsValue>) -> Result<Vec<JsValue>, JsValue> {
    let len = store.length()?;
    let mut out = Vec::new();
    for i in 0..len {
        let key = store.key(i)?;
        if key.is_string() && prefix.is_none_or(|p| key.unchecked_ref::<Str>().starts_with(p)) {
            out.push(key);
        }
    }
    Ok(out)
}

/// Removes the prefixed keys of one storage area (or all of them for
/// `SessionMode::All`). Never throws.
pub(crate) fn sweep(name: &str, prefix: Option<&str>, mode: SessionMode) -> Area {
    if mode == SessionMode::None {
        return Area::new(AreaOutcome::Skipped, None);
    }
    let Some(prefix) = prefix else {
        return Area::new(AreaOutcome::Error, Some(String::from("invalid prefix: it must be a non-empty string")));
    };
    let store = match store(name) {
        Ok(s) => s,
        Err(e) => return Area::new(AreaOutcome::Unavailable, Some(e)),
    };
    let prefix = JsValue::from_str(prefix);
    let all = mode == SessionMode::All;
    let found = match keys(&store, if all { None } else { Some(&prefix) }) {
        Ok(k) => k,
        Err(e) => return Area::new(AreaOutcome::Error, Some(js::message(&e))),
    };
    let mut area = Area::new(AreaOutcome::Cleared, None);
    if all {
        if let Err(e) = store.clear() {
            return Area::new(AreaOutcome::Error, Some(js::message(&e)));
        }
        area.removed = found;
        return area;
    }
    for key in found {
        if let Err(e) = store.remove_item(&key) {
            area.outcome = AreaOutcome::Error;
            area.error = Some(js::message(&e));
            break;
        }
        area.removed.push(key);
    }
    area
}

// ---------- IndexedDB ----------

fn factory() -> Result<Idb, String> {
    match get(&js_sys::global(), "indexedDB") {
        Ok(v) if v.is_object() => Ok(v.unchecked_into()),
        Ok(_) => Err(String::from("indexedDB is not available in this context")),
        Err(e) => Err(js::message(&e)),
    }
}

/// How a request ended.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ending {
    Success,
    Error,
    Timeout,
}

/// Waits for `request` to succeed or fail, or for `timeout_ms` to pass.
/// `blocked` is set if a `blocked` event arrives; `on_upgrade` runs on
/// `upgradeneeded`. The handlers stay attached after a timeout, so a pending
/// delete completes without error.
async fn settle(request: &JsValue, timeout_ms: Option<f64>, blocked: Rc<Cell<bool>>, probe: bool) -> Ending {
    let ending = Rc::new(Cell::new(Ending::Timeout));
    let promise = Promise::new(&mut |resolve, _| {
        let resolve: JsValue = resolve.into();
        let done = |kind: Ending| {
            let (resolve, ending) = (resolve.clone(), ending.clone());
            Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
                if kind == Ending::Error {
                    // Handled here: keep it from being reported as uncaught.
                    ev.unchecked_ref::<js::Ev>().prevent_default();
                }
                ending.set(kind);
                let _ = resolve.unchecked_ref::<js::Callback>().call1(&JsValue::NULL, &JsValue::UNDEFINED);
            })
            .into_js_value()
        };
        set(request, "onsuccess", &done(Ending::Success));
        set(request, "onerror", &done(Ending::Error));
        let blocked = blocked.clone();
        let on_blocked = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| blocked.set(true)).into_js_value();
        set(request, "onblocked", &on_blocked);
        if probe {
            // Dexie's `exists`: a database that has to be created did not
            // exist; abort the upgrade so that nothing is left behind.
            let req = request.clone();
            let on_upgrade = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
                if let Ok(tx) = get(&req, "transaction") {
                    let _ = tx.unchecked_ref::<js::Abortable>().abort();
                }
            })
            .into_js_value();
            set(request, "onupgradeneeded", &on_upgrade);
        }
        if let Some(ms) = timeout_ms {
            let _ = js::set_timeout(&resolve, ms);
        }
    });
    let _ = wait(promise).await;
    ending.get()
}

/// `promise.await`, mapping a rejection to `Err` (js-sys futures).
async fn wait(promise: Promise) -> Result<JsValue, JsValue> {
    js_sys::futures::JsFuture::from(promise).await
}

/// The database part of the report.
pub(crate) struct DbResult {
    pub outcome: DbOutcome,
    pub blocked: bool,
    pub error: Option<String>,
}

pub(crate) async fn delete_database(name: Option<&str>, timeout_ms: f64) -> DbResult {
    let fail = |outcome, error| DbResult { outcome, blocked: false, error: Some(error) };
    let Some(name) = name else {
        return fail(DbOutcome::Error, String::from("invalid database name: it must be a non-empty string"));
    };
    let idb = match factory() {
        Ok(f) => f,
        Err(e) => return fail(DbOutcome::Unavailable, e),
    };
    let request = match idb.delete_database(name) {
        Ok(r) => r,
        Err(e) if js::is_security_error(&e) => return fail(DbOutcome::Unavailable, js::message(&e)),
        Err(e) => return fail(DbOutcome::Error, js::message(&e)),
    };
    let blocked = Rc::new(Cell::new(false));
    let ending = settle(&request, Some(timeout_ms), blocked.clone(), false).await;
    let blocked = blocked.get();
    match ending {
        Ending::Success => DbResult { outcome: DbOutcome::Deleted, blocked, error: None },
        Ending::Timeout => DbResult { outcome: DbOutcome::Pending, blocked, error: None },
        Ending::Error => {
            let error = get(&request, "error").map(|e| js::message(&e)).unwrap_or_default();
            DbResult { outcome: DbOutcome::Error, blocked, error: Some(error) }
        }
    }
}

/// Whether the database exists: `indexedDB.databases()` where there is one,
/// else an `open` whose upgrade is aborted. `None` when it cannot be told.
pub(crate) async fn database_exists(name: &str) -> Option<bool> {
    let idb = factory().ok()?;
    if get(&idb, "databases").is_ok_and(|f| f.is_function()) {
        if let Ok(list) = idb.databases() {
            if let Ok(list) = wait(list).await {
                return Some(Array::from(&list).iter().any(|db| {
                    get(&db, "name").ok().and_then(|n| n.as_string()).as_deref() == Some(name)
                }));
            }
        }
    }
    let request = idb.open(name).ok()?;
    match settle(&request, None, Rc::new(Cell::new(false)), true).await {
        Ending::Success => {
            if let Ok(db) = get(&request, "result") {
                let _ = db.unchecked_ref::<js::Closable>().close();
            }
            Some(true)
        }
        // The probe's own abort: the database had to be created, so it did not exist.
        Ending::Error if get(&request, "error").is_ok_and(|e| get(&e, "name").ok().and_then(|n| n.as_string()).as_deref() == Some("AbortError")) => Some(false),
        _ => None,
    }
}

// ---------- reports ----------

fn key_array(keys: &[JsValue]) -> Array {
    keys.iter().collect()
}

fn area_object(area: &Area) -> Object {
    let o = Object::new();
    set(&o, "outcome", &JsValue::from_str(area.outcome.id()));
    set(&o, "removed", &key_array(&area.removed));
    if let Some(e) = &area.error {
        set(&o, "error", &JsValue::from_str(e));
    }
    o
}

fn summary(report_ok: bool, name: &str, db: &DbResult, local: &Area, session: &Area, tabs: u32) -> String {
    let mut s = String::from("[MAESTRO] clearClientState: ");
    s.push_str(if report_ok { "ok" } else { "NOT ok" });
    s.push_str("\n  indexedDB ");
    s.push_str(name);
    s.push_str(": ");
    s.push_str(db.outcome.id());
    if db.blocked {
        s.push_str(" (was blocked by another open connection)");
    }
    if db.outcome == DbOutcome::Pending {
        s.push_str("; the browser deletes it when the other connections close");
    }
    if let Some(e) = &db.error {
        s.push_str(" (");
        s.push_str(e);
        s.push(')');
    }
    for (label, area) in [("localStorage", local), ("sessionStorage", session)] {
        let first: Vec<String> = area.removed.iter().take(5).filter_map(|k| k.as_string()).collect();
        rules::area_line(&mut s, label, area.outcome, area.removed.len() as u32, &first, area.error.as_deref());
    }
    s.push_str("\n  other tabs answered: ");
    rules::push_uint(&mut s, tabs);
    s
}

/// Deletes MAESTRO's IndexedDB database and removes its prefixed keys from
/// localStorage and sessionStorage, in this tab and (with `allTabs`) every
/// other open tab of this origin that runs the gate. Never rejects; the report
/// says exactly what was removed. It never reads or prints values.
#[wasm_bindgen(js_name = clearClientState, unchecked_return_type = "CleanupReport")]
pub async fn clear_client_state(
    #[wasm_bindgen(unchecked_param_type = "CleanupOptions | undefined")] options: JsValue,
) -> JsValue {
    let opts = parse_options(&options);
    let session_mode = opts.session.unwrap_or(SessionMode::None);
    let name = opts.database.clone().unwrap_or_default();

    // Let this tab's app close its own connections first, then ask the others.
    tabs::notify(&name, opts.prefix.as_deref().unwrap_or(""), session_mode, false);
    let started = js::now();
    let asked = opts.all_tabs && opts.prefix.is_some() && tabs::ask_others(&opts, session_mode);

    let local = sweep("localStorage", opts.prefix.as_deref(), SessionMode::Prefixed);
    let session = match opts.session {
        Ok(mode) => sweep("sessionStorage", opts.prefix.as_deref(), mode),
        Err(()) => Area::new(AreaOutcome::Error, Some(String::from("invalid sessionStorage option: use \"prefixed\", \"all\" or \"none\""))),
    };
    let db = delete_database(opts.database.as_deref(), opts.timeout_ms).await;

    let mut answered = 0;
    if asked {
        let left = rules::TABS_WINDOW_MS as f64 - (js::now() - started);
        if left > 0.0 {
            let _ = wait(js::sleep(left)).await;
        }
        answered = tabs::answers();
    }

    let report_ok = rules::ok(db.outcome, local.outcome, session.outcome);
    if !opts.silent {
        let line = summary(report_ok, &name, &db, &local, &session, answered);
        if report_ok {
            js::info(&line)
        } else {
            js::warn(&line)
        }
    }

    let database = Object::new();
    set(&database, "name", &JsValue::from_str(&name));
    set(&database, "outcome", &JsValue::from_str(db.outcome.id()));
    set(&database, "blocked", &JsValue::from_bool(db.blocked));
    if let Some(e) = &db.error {
        set(&database, "error", &JsValue::from_str(e));
    }
    let report = Object::new();
    set(&report, "ok", &JsValue::from_bool(report_ok));
    set(&report, "database", &database);
    set(&report, "localStorage", &area_object(&local));
    set(&report, "sessionStorage", &area_object(&session));
    set(&report, "otherTabs", &JsValue::from_f64(answered as f64));
    report.into()
}

/// Reports what MAESTRO client state is left, without creating or changing
/// anything: whether the database exists, and the prefixed keys in
/// localStorage and this tab's sessionStorage.
#[wasm_bindgen(js_name = verifyClientState, unchecked_return_type = "VerifyReport")]
pub async fn verify_client_state(
    #[wasm_bindgen(unchecked_param_type = "Pick<CleanupOptions, \"database\" | \"prefix\"> | undefined")] options: JsValue,
) -> JsValue {
    let opts = parse_options(&options);
    let name = opts.database.clone().unwrap_or_default();
    let exists = match &opts.database {
        Some(n) => database_exists(n).await,
        None => None,
    };
    let list = |area: &str| -> Option<Vec<JsValue>> {
        let prefix = JsValue::from_str(opts.prefix.as_deref()?);
        keys(&store(area).ok()?, Some(&prefix)).ok()
    };
    let (local, session) = (list("localStorage"), list("sessionStorage"));
    let clean = rules::clean(exists, local.as_ref().map(Vec::len), session.as_ref().map(Vec::len));

    let database = Object::new();
    set(&database, "name", &JsValue::from_str(&name));
    set(&database, "exists", &exists.map_or(JsValue::NULL, JsValue::from_bool));
    let report = Object::new();
    set(&report, "database", &database);
    set(&report, "localStorageKeys", &key_array(local.as_deref().unwrap_or(&[])));
    set(&report, "sessionStorageKeys", &key_array(session.as_deref().unwrap_or(&[])));
    set(&report, "clean", &clean.map_or(JsValue::NULL, JsValue::from_bool));
    report.into()
}
