//! maestro-gate's rollback module (`pkg/maestro_gate_rollback_bg.wasm`):
//! `clearClientState` and `verifyClientState`, loaded only when a cleanup
//! runs (in this tab, or asked by another one).
//!
//! Its one boundary to JavaScript is wasm-bindgen. Options come in and
//! reports go out through serde-wasm-bindgen; what the options mean, whether
//! a run was ok and what the summary says are the rules in
//! `maestro_gate::cleanup`. IndexedDB is web-sys; the other tabs are reached on
//! the gate's channel, through the glue (`tabs.rs`);
//! the few calls declared in `js.rs` say there why web-sys's binding does
//! not fit.

use wasm_bindgen::prelude::*;

use maestro_gate::cleanup::{
    self as rules, AreaOutcome, AreaReport, DatabaseReport, DbOutcome, Options, Report, SessionMode, VerifyReport,
};

// (The allocator, lol_alloc's instead of std's dlmalloc, is maestro-gate-util's.)

mod database;
mod js;
mod storage;
mod tabs;

// The option and report types are generated from the rules' Rust types
// (src/cleanup.rs, by src/types.rs's test): pkg/types.generated.d.ts.
#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
import type { CleanupOptions, CleanupReport, VerifyReport } from './types.generated.js';
export type {
  CleanupOptions, CleanupReport, DatabaseOutcome, DatabaseReport, SessionStorageMode, StorageOutcome, StorageReport, VerifyReport,
} from './types.generated.js';
"#;

/// The options `clearClientState` reads (`cleanup::Given`'s fields, as
/// serde names them).
const OPTIONS: [&str; 6] = ["database", "prefix", "sessionStorage", "blockedTimeoutMs", "allTabs", "log"];
/// The ones `verifyClientState` reads (it removes nothing, asks no tab and
/// prints nothing: `VerifyOptions`).
const VERIFY_OPTIONS: [&str; 3] = ["database", "prefix", "blockedTimeoutMs"];

/// The calling copy's `init()` options (its hooks' `answering()`), if any.
fn own_options(copy: &JsValue) -> JsValue {
    let answering = js::field(copy, "answering").dyn_into::<js_sys::Function>().ok();
    answering.and_then(|f| f.call0(copy).ok()).unwrap_or(JsValue::UNDEFINED)
}

/// Reads the options `keys` as their own properties, through serde; an unset
/// `prefix` is the calling copy's `init({ prefix })` (`own`, its options).
fn options(given: &JsValue, keys: &[&str], own: &JsValue) -> Options {
    let own_prefix = js::own(own, "prefix").as_string();
    match js::own_properties(given, keys).and_then(|own| serde_wasm_bindgen::from_value(own).map_err(JsValue::from)) {
        Ok(given) => Options::resolve_in(given, own_prefix.as_deref()),
        Err(_) => Options::unreadable(),
    }
}

/// A report as a plain JavaScript object (`null` for a missing part).
fn to_js<T: serde::Serialize>(report: &T) -> JsValue {
    report.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(JsValue::NULL)
}

/// Deletes MAESTRO's IndexedDB database and removes its prefixed keys from
/// localStorage and sessionStorage, in this tab and (with `allTabs`) every
/// other open tab of this origin that runs the gate. Never rejects; the report
/// says exactly what was removed and what was not. It never reads or prints
/// values.
#[wasm_bindgen(js_name = clearClientState, unchecked_return_type = "CleanupReport")]
pub async fn clear_client_state(
    #[wasm_bindgen(unchecked_param_type = "CleanupOptions | undefined")] options: JsValue,
    // (Internal: the calling copy's hooks, `copy`, which the glue hands over:
    // its `init()` options, whose `prefix` an unset one is, and its notifier
    // and `post`, so that a module two copies of the gate share tells the
    // caller's subscribers and asks on the caller's channel.)
    #[wasm_bindgen(unchecked_param_type = "unknown")] copy: JsValue,
) -> JsValue {
    let hook = |name: &str| js::field(&copy, name).dyn_into::<js_sys::Function>().ok();
    let (notify, post) = (hook("notify"), hook("post"));
    let opts = self::options(&options, &OPTIONS, &own_options(&copy));
    let session_mode = opts.session.unwrap_or(SessionMode::None);
    let name = opts.database.clone().unwrap_or_default();

    // Let this tab's app close its own connections first, then ask the others.
    tabs::notify(&name, opts.prefix.as_deref().unwrap_or(""), session_mode, notify.as_ref());
    let started = js::now();
    let asked = match (&opts.prefix, opts.all_tabs) {
        (Some(prefix), true) => tabs::ask_others(&name, prefix, session_mode, post.as_ref()),
        _ => None,
    };

    let local = storage::sweep("localStorage", opts.prefix.as_deref(), SessionMode::Prefixed);
    // (How many keys each area holds once swept: the last pass lists them
    // again only when that changed, a key written meanwhile.)
    let local_len = storage::len("localStorage");
    let session = match opts.session {
        Some(mode) => storage::sweep("sessionStorage", opts.prefix.as_deref(), mode),
        None => AreaReport::untouched(AreaOutcome::Error, Some(rules::INVALID_SESSION.into())),
    };
    let session_len = storage::len("sessionStorage");

    let mut db = match &opts.database {
        Some(name) => database::delete(name, opts.timeout_ms).await,
        None => database::Deletion::failed(DbOutcome::Error, rules::INVALID_DATABASE.into()),
    };
    let mut other_tabs = 0;
    if let Some(request) = &asked {
        let waited = js::now() - started;
        js::sleep(f64::from(rules::TABS_WINDOW_MS) - waited).await;
        other_tabs = tabs::answers(request);
        // A delete that was pending may have finished while the tabs answered.
        db.settle_late();
    }

    // Once more, at the end: keys written since the sweep (by MAESTRO while
    // its connections closed, by a tab still running it) are removed too.
    let changed = |area: &str, was: Option<u32>| was.is_none() || storage::len(area) != was;
    let local = match changed("localStorage", local_len) {
        true => local.then(storage::sweep("localStorage", opts.prefix.as_deref(), SessionMode::Prefixed)),
        false => local,
    };
    let session = match opts.session {
        // (Its prefixed keys only, after "all" too: what the app wrote
        // meanwhile is not MAESTRO's.)
        Some(mode) if changed("sessionStorage", session_len) => {
            let mode = if mode == SessionMode::None { mode } else { SessionMode::Prefixed };
            session.then(storage::sweep("sessionStorage", opts.prefix.as_deref(), mode))
        }
        _ => session,
    };
    let database = DatabaseReport { name, outcome: db.outcome, blocked: db.blocked(), error: db.error.clone() };
    let report = Report::new(database, local, session, other_tabs);
    if !opts.silent {
        // (The gate's `log` writes the `[MAESTRO] ` the summary starts with.)
        let line = report.summary();
        let text = line.strip_prefix("[MAESTRO] ").unwrap_or(&line);
        if report.ok {
            js::info(text)
        } else {
            js::warn(text)
        }
    }
    to_js(&report)
}

/// Reports what MAESTRO client state is left, without creating or changing
/// anything: whether the database exists, and the prefixed keys in
/// localStorage and this tab's sessionStorage. Never rejects.
#[wasm_bindgen(js_name = verifyClientState, unchecked_return_type = "VerifyReport")]
pub async fn verify_client_state(
    #[wasm_bindgen(
        unchecked_param_type = "Pick<CleanupOptions, \"database\" | \"prefix\" | \"blockedTimeoutMs\"> | undefined"
    )]
    options: JsValue,
    // (Internal: the calling copy's hooks, as `clearClientState`'s.)
    #[wasm_bindgen(unchecked_param_type = "unknown")] copy: JsValue,
) -> JsValue {
    let opts = self::options(&options, &VERIFY_OPTIONS, &own_options(&copy));
    let exists = match &opts.database {
        Some(name) => database::exists(name, opts.timeout_ms).await,
        None => None,
    };
    let list = |area: &str| opts.prefix.as_deref().and_then(|p| storage::list(area, p));
    let report = VerifyReport::new(
        opts.database.clone().unwrap_or_default(),
        exists,
        list("localStorage"),
        list("sessionStorage"),
    );
    to_js(&report)
}

/// Internal: answers another tab's cleanup request (the gate module hands it
/// over): clears this tab's sessionStorage under this tab's own prefix
/// (`own.prefix`, default `"maestro:"`), or all of it only if this tab opted
/// in (`own.acceptClearAllFromOtherTabs`), and says so on the channel.
#[wasm_bindgen(js_name = answerCleanup)]
pub fn answer_cleanup(request: JsValue, own: JsValue) {
    tabs::answer(&request, &own);
}

/// Internal: the glue's way to the gate module's `onCleanupRequest`
/// subscribers, which live there.
#[wasm_bindgen(js_name = setNotifier)]
pub fn set_notifier(notifier: js_sys::Function) {
    tabs::set_notifier(notifier);
}

/// Internal: connects this module to a copy of the gate's channel: `post(message)`
/// posts on it. The first copy that connects the module keeps it; returns
/// whether `post` is that copy's, which then hands it what it hears (`heard`).
#[wasm_bindgen]
pub fn connect(post: js_sys::Function) -> bool {
    tabs::connect(post)
}

/// Internal: a message the gate heard on its channel (an answer to this
/// tab's cleanup request counts).
#[wasm_bindgen]
pub fn heard(data: JsValue) {
    tabs::heard(&data);
}
