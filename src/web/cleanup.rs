//! `clearClientState`, `verifyClientState`: the I/O of the rollback, as small
//! state machines driven by `reactor` events. What the options mean, whether
//! a run was ok, and what to print are decided in `crate::cleanup`.

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::js::{self, field, get, set, Idb, Obj, Store, Str};
use super::reactor::{after, handler, Kind};
use super::{tabs, Slot};
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

"#;

/// The parsed options. `prefix` and `database` are `None` when invalid.
pub(crate) struct Options {
    pub database: Option<String>,
    pub prefix: Option<String>,
    /// `None` when the option is invalid.
    pub session: Option<SessionMode>,
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
        Ok(v) => v.as_string().and_then(|s| SessionMode::parse(Some(&s))),
        Err(_) => None,
    };
    let timeout_ms = field(options, "blockedTimeoutMs")
        .as_f64()
        .filter(|n| *n >= 0.0)
        .unwrap_or(rules::DEFAULT_BLOCKED_TIMEOUT_MS as f64);
    Options {
        database: string_option(options, "database", rules::DEFAULT_DATABASE),
        prefix: string_option(options, "prefix", rules::DEFAULT_PREFIX),
        session,
        timeout_ms,
        all_tabs: field(options, "allTabs").as_bool().unwrap_or(true),
        silent: js::string_field(options, "log").as_deref() == Some("silent"),
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
    js::global_object(name).map(JsCast::unchecked_into)
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

// ---------- operations in flight ----------

/// The database part of the report.
pub(crate) struct DbResult {
    pub outcome: DbOutcome,
    pub error: Option<String>,
}

/// A `clearClientState` call waiting for its delete (and the other tabs).
struct Clear {
    id: u32,
    resolve: JsValue,
    name: String,
    silent: bool,
    local: Area,
    session: Area,
    request: JsValue,
    blocked: bool,
    db: Option<DbResult>,
    started: f64,
    asked: bool,
}

/// A `verifyClientState` call waiting for `databases()` or its probe.
struct Verify {
    id: u32,
    resolve: JsValue,
    name: Option<String>,
    prefix: Option<String>,
    timeout_ms: f64,
    /// The probe's `open` request, while one is in flight.
    request: JsValue,
    upgraded: bool,
    /// The promise has been resolved (the probe may still be settling).
    resolved: bool,
}

struct Ops {
    next: u32,
    clears: Vec<Clear>,
    verifies: Vec<Verify>,
}

static OPS: Slot<Ops> = Slot(RefCell::new(Ops { next: 0, clears: Vec::new(), verifies: Vec::new() }));

fn next_id() -> u32 {
    OPS.0
        .try_borrow_mut()
        .map(|mut o| {
            o.next += 1;
            o.next
        })
        .unwrap_or(0)
}

/// The `resolve` function a promise's executor was just handed.
static EXECUTED: Slot<JsValue> = Slot(RefCell::new(JsValue::UNDEFINED));

/// A promise's executor ran (synchronously, inside `new Promise`).
pub(crate) fn executed(resolve: JsValue) {
    if let Ok(mut slot) = EXECUTED.0.try_borrow_mut() {
        *slot = resolve;
    }
}

/// A new promise and its `resolve` function.
fn promise() -> (JsValue, JsValue) {
    let p = js::promise(&handler(Kind::Executor, 0)).map_or(JsValue::UNDEFINED, JsValue::from);
    let resolve = EXECUTED.0.try_borrow_mut().map(|mut slot| core::mem::take(&mut *slot)).unwrap_or(JsValue::UNDEFINED);
    (p, resolve)
}

fn resolve(resolve: &JsValue, value: &JsValue) {
    let _ = resolve.unchecked_ref::<js::Callback>().call1(&JsValue::NULL, value);
}

fn idb() -> Result<Idb, String> {
    js::global_object("indexedDB").map(JsCast::unchecked_into)
}

// ---------- clearClientState ----------

/// Deletes MAESTRO's IndexedDB database and removes its prefixed keys from
/// localStorage and sessionStorage, in this tab and (with `allTabs`) every
/// other open tab of this origin that runs the gate. Never rejects; the report
/// says exactly what was removed. It never reads or prints values.
#[wasm_bindgen(js_name = clearClientState, unchecked_return_type = "Promise<CleanupReport>")]
pub fn clear_client_state(
    #[wasm_bindgen(unchecked_param_type = "CleanupOptions | undefined")] options: JsValue,
) -> JsValue {
    let (promise, resolve) = promise();
    let opts = parse_options(&options);
    let session_mode = opts.session.unwrap_or(SessionMode::None);
    let name = opts.database.clone().unwrap_or_default();

    // Let this tab's app close its own connections first, then ask the others.
    tabs::notify(&name, opts.prefix.as_deref().unwrap_or(""), session_mode, false);
    let started = js::now();
    let asked = opts.all_tabs && opts.prefix.is_some() && tabs::ask_others(&opts, session_mode);

    let local = sweep("localStorage", opts.prefix.as_deref(), SessionMode::Prefixed);
    let session = match opts.session {
        Some(mode) => sweep("sessionStorage", opts.prefix.as_deref(), mode),
        None => Area::new(
            AreaOutcome::Error,
            Some(String::from("invalid sessionStorage option: use \"prefixed\", \"all\" or \"none\"")),
        ),
    };

    let id = next_id();
    let fail = |outcome, error| Some(DbResult { outcome, error: Some(error) });
    let mut request = JsValue::UNDEFINED;
    let db = match (&opts.database, idb()) {
        (None, _) => fail(DbOutcome::Error, String::from("invalid database name: it must be a non-empty string")),
        (_, Err(e)) => fail(DbOutcome::Unavailable, e),
        (Some(n), Ok(idb)) => match idb.delete_database(n) {
            Err(e) if js::is_named(&e, "SecurityError") => fail(DbOutcome::Unavailable, js::message(&e)),
            Err(e) => fail(DbOutcome::Error, js::message(&e)),
            Ok(r) => {
                set(&r, "onsuccess", &handler(Kind::DeleteSuccess, id));
                set(&r, "onerror", &handler(Kind::DeleteError, id));
                set(&r, "onblocked", &handler(Kind::DeleteBlocked, id));
                after(opts.timeout_ms, Kind::DeleteTimeout, id);
                request = r;
                None
            }
        },
    };
    let settled = db.is_some();
    if let Ok(mut ops) = OPS.0.try_borrow_mut() {
        ops.clears.push(Clear {
            id,
            resolve,
            name,
            silent: opts.silent,
            local,
            session,
            request,
            blocked: false,
            db,
            started,
            asked,
        });
    }
    if settled {
        delete_settled(id);
    }
    promise
}

/// Events of the delete request, its timeout, and the end of the tabs' window.
pub(crate) fn on_delete(kind: Kind, id: u32, event: &JsValue) {
    let outcome = {
        let Ok(mut ops) = OPS.0.try_borrow_mut() else { return };
        let Some(op) = ops.clears.iter_mut().find(|c| c.id == id) else { return };
        let outcome = match kind {
            Kind::DeleteBlocked => {
                op.blocked = true;
                return;
            }
            Kind::TabsDone => None,
            Kind::DeleteSuccess => Some(DbResult { outcome: DbOutcome::Deleted, error: None }),
            Kind::DeleteTimeout => Some(DbResult { outcome: DbOutcome::Pending, error: None }),
            _ => {
                // Handled here: keep it from being reported as uncaught.
                let _ = event.unchecked_ref::<Obj>().prevent_default();
                let error = js::message(&field(&op.request, "error"));
                Some(DbResult { outcome: DbOutcome::Error, error: Some(error) })
            }
        };
        match (&op.db, outcome) {
            (_, None) => None,
            (None, Some(result)) => {
                op.db = Some(result);
                Some(true)
            }
            // A pending delete that finishes while the tabs still answer is reported as done.
            (Some(DbResult { outcome: DbOutcome::Pending, .. }), Some(result))
                if result.outcome == DbOutcome::Deleted =>
            {
                op.db = Some(result);
                Some(false)
            }
            _ => Some(false),
        }
    };
    match outcome {
        None => finish_clear(id),
        Some(true) => delete_settled(id),
        Some(false) => {}
    }
}

/// The delete has an outcome: wait out the tabs' window, then report.
fn delete_settled(id: u32) {
    let wait = match OPS.0.try_borrow() {
        Ok(ops) => match ops.clears.iter().find(|c| c.id == id) {
            Some(op) if op.asked => rules::TABS_WINDOW_MS as f64 - (js::now() - op.started),
            Some(_) => 0.0,
            None => return,
        },
        Err(_) => return,
    };
    if wait > 0.0 {
        after(wait, Kind::TabsDone, id);
    } else {
        finish_clear(id);
    }
}

fn finish_clear(id: u32) {
    let op = {
        let Ok(mut ops) = OPS.0.try_borrow_mut() else { return };
        let Some(i) = ops.clears.iter().position(|c| c.id == id) else { return };
        ops.clears.swap_remove(i)
    };
    let db = op.db.unwrap_or(DbResult { outcome: DbOutcome::Error, error: None });
    let answered = if op.asked { tabs::answers() } else { 0 };
    let report_ok = rules::ok(db.outcome, op.local.outcome, op.session.outcome);
    if !op.silent {
        let line = summary(report_ok, &op.name, &db, op.blocked, &op.local, &op.session, answered);
        if report_ok {
            js::info(&line)
        } else {
            js::warn(&line)
        }
    }
    let database = js::object(&[("name", &op.name), ("outcome", db.outcome.id())]);
    set(&database, "blocked", &JsValue::from_bool(op.blocked));
    if let Some(e) = &db.error {
        set(&database, "error", &JsValue::from_str(e));
    }
    let report = js::new_object();
    set(&report, "ok", &JsValue::from_bool(report_ok));
    set(&report, "database", &database);
    set(&report, "localStorage", &area_object(&op.local));
    set(&report, "sessionStorage", &area_object(&op.session));
    set(&report, "otherTabs", &JsValue::from_f64(answered as f64));
    resolve(&op.resolve, &report);
}

fn key_array(keys: &[JsValue]) -> JsValue {
    js::array(keys)
}

fn area_object(area: &Area) -> JsValue {
    let o = js::object(&[("outcome", area.outcome.id())]);
    set(&o, "removed", &key_array(&area.removed));
    if let Some(e) = &area.error {
        set(&o, "error", &JsValue::from_str(e));
    }
    o
}

fn summary(
    report_ok: bool,
    name: &str,
    db: &DbResult,
    blocked: bool,
    local: &Area,
    session: &Area,
    tabs: u32,
) -> String {
    let mut s = String::from("[MAESTRO] clearClientState: ");
    s.push_str(if report_ok { "ok" } else { "NOT ok" });
    s.push_str("\n  indexedDB ");
    s.push_str(name);
    s.push_str(": ");
    s.push_str(db.outcome.id());
    if blocked {
        s.push_str(" (was blocked by another open connection)");
    }
    if db.outcome == DbOutcome::Pending {
        s.push_str(if blocked {
            "; the browser deletes it when the other connections close"
        } else {
            "; still in progress, the browser finishes it"
        });
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

// ---------- verifyClientState ----------

/// Reports what MAESTRO client state is left, without creating or changing
/// anything: whether the database exists, and the prefixed keys in
/// localStorage and this tab's sessionStorage.
#[wasm_bindgen(js_name = verifyClientState, unchecked_return_type = "Promise<VerifyReport>")]
pub fn verify_client_state(
    #[wasm_bindgen(unchecked_param_type = "Pick<CleanupOptions, \"database\" | \"prefix\"> | undefined")]
    options: JsValue,
) -> JsValue {
    let (promise, resolve) = promise();
    let opts = parse_options(&options);
    let id = next_id();
    let name = opts.database.clone();
    if let Ok(mut ops) = OPS.0.try_borrow_mut() {
        ops.verifies.push(Verify {
            id,
            resolve,
            name: name.clone(),
            prefix: opts.prefix,
            timeout_ms: opts.timeout_ms,
            request: JsValue::UNDEFINED,
            upgraded: false,
            resolved: false,
        });
    }
    let Some(name) = name else {
        finish_verify(id, None);
        return promise;
    };
    let Ok(idb) = idb() else {
        finish_verify(id, None);
        return promise;
    };
    if field(&idb, "databases").is_function() {
        if let Ok(list) = idb.databases() {
            if list.then(&handler(Kind::ListOk, id), &handler(Kind::ListFailed, id)).is_ok() {
                return promise;
            }
        }
    }
    probe(id, &idb, &name);
    promise
}

/// Without `indexedDB.databases()`: open the database and abort the upgrade
/// if one is needed (Dexie's `exists`), so that nothing is ever created.
fn probe(id: u32, idb: &Idb, name: &str) {
    let Ok(request) = idb.open(name) else {
        finish_verify(id, None);
        return;
    };
    set(&request, "onsuccess", &handler(Kind::ProbeSuccess, id));
    set(&request, "onerror", &handler(Kind::ProbeError, id));
    set(&request, "onupgradeneeded", &handler(Kind::ProbeUpgrade, id));
    let mut timeout = rules::DEFAULT_BLOCKED_TIMEOUT_MS as f64;
    if let Ok(mut ops) = OPS.0.try_borrow_mut() {
        if let Some(op) = ops.verifies.iter_mut().find(|v| v.id == id) {
            op.request = request;
            timeout = op.timeout_ms;
        }
    }
    // An `open` waits behind a blocked delete: answer "cannot tell" rather than hang.
    after(timeout, Kind::ProbeTimeout, id);
}

pub(crate) fn on_verify(kind: Kind, id: u32, event: &JsValue) {
    let (name, request, upgraded) = match OPS.0.try_borrow_mut() {
        Ok(mut ops) => match ops.verifies.iter_mut().find(|v| v.id == id) {
            Some(op) => {
                if kind == Kind::ProbeUpgrade {
                    op.upgraded = true;
                }
                (op.name.clone().unwrap_or_default(), op.request.clone(), op.upgraded)
            }
            None => return,
        },
        Err(_) => return,
    };
    match kind {
        Kind::ListOk if js::is_array(event) => {
            let exists = js::items(event).any(|db| js::string_field(&db, "name").as_deref() == Some(&name));
            finish_verify(id, Some(exists));
        }
        Kind::ListOk | Kind::ListFailed => match idb() {
            Ok(idb) => probe(id, &idb, &name),
            Err(_) => finish_verify(id, None),
        },
        Kind::ProbeUpgrade => {
            // The database had to be created, so it did not exist: undo that.
            let _ = field(&request, "transaction").unchecked_ref::<Obj>().abort();
        }
        Kind::ProbeTimeout => finish_verify(id, None),
        Kind::ProbeSuccess => {
            let _ = field(&request, "result").unchecked_ref::<Obj>().close();
            // After an upgrade, success means the abort failed and the probe
            // created the database: delete it again, so that nothing is left.
            if upgraded {
                if let Ok(idb) = idb() {
                    let _ = idb.delete_database(&name);
                }
            }
            finish_verify(id, Some(!upgraded));
            forget_verify(id);
        }
        _ => {
            let _ = event.unchecked_ref::<Obj>().prevent_default();
            let aborted = upgraded && js::is_named(&field(&request, "error"), "AbortError");
            finish_verify(id, if aborted { Some(false) } else { None });
            forget_verify(id);
        }
    }
}

/// Drops a verify operation once its probe has settled.
fn forget_verify(id: u32) {
    if let Ok(mut ops) = OPS.0.try_borrow_mut() {
        ops.verifies.retain(|v| v.id != id);
    }
}

/// Resolves a verify operation's promise (once). The operation itself stays
/// while its probe is in flight, so that the probe's late events still close
/// or remove what it opened.
fn finish_verify(id: u32, exists: Option<bool>) {
    let (resolver, name, prefix, probing) = {
        let Ok(mut ops) = OPS.0.try_borrow_mut() else { return };
        let Some(op) = ops.verifies.iter_mut().find(|v| v.id == id) else { return };
        if op.resolved {
            return;
        }
        op.resolved = true;
        (op.resolve.clone(), op.name.clone(), op.prefix.clone(), !op.request.is_undefined())
    };
    if !probing {
        forget_verify(id);
    }
    let list = |area: &str| -> Option<Vec<JsValue>> {
        let prefix = JsValue::from_str(prefix.as_deref()?);
        keys(&store(area).ok()?, Some(&prefix)).ok()
    };
    let (local, session) = (list("localStorage"), list("sessionStorage"));
    let exists = if name.is_some() { exists } else { None };
    let clean = rules::clean(exists, local.as_ref().map(Vec::len), session.as_ref().map(Vec::len));

    let database = js::object(&[("name", name.as_deref().unwrap_or(""))]);
    set(&database, "exists", &exists.map_or(JsValue::NULL, JsValue::from_bool));
    let report = js::new_object();
    set(&report, "database", &database);
    set(&report, "localStorageKeys", &key_array(local.as_deref().unwrap_or(&[])));
    set(&report, "sessionStorageKeys", &key_array(session.as_deref().unwrap_or(&[])));
    set(&report, "clean", &clean.map_or(JsValue::NULL, JsValue::from_bool));
    resolve(&resolver, &report);
}
