//! maestro-gate's remote module (`pkg/maestro_gate_remote_bg.wasm`), loaded
//! only by `init({ remote })` or `init({ report })`: polls a health document
//! and turns the gate off when it says `maestro_enabled: false` (or narrows
//! it by the document's `rollout`), and sends the decision beacon
//! (`report`).
//!
//! One `async` loop per page, on wasm-bindgen-futures. Each result is shared
//! with the other tabs on the BroadcastChannel, and their results save this
//! tab a poll, within the bound `maestro_gate::poll::next_poll` sets. A
//! failing or slow remote changes nothing: it is logged once and the poll
//! backs off. What a document means, and the intervals, are
//! `maestro_gate::poll`; the gate itself is the gate module, reached through
//! the functions the glue hands to `startRemote`. What a beacon may say is
//! `maestro_gate::report`; `report` only reads it from the gate's decision
//! and sends it.

use std::cell::RefCell;

use js_sys::{Array, Function, Promise};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, BroadcastChannel, RequestCache, RequestCredentials, RequestInit, Response};

use maestro_gate::flag::{Level, Log, Raw};
use maestro_gate::poll::{self, Rollout, RolloutValue, Says};
use maestro_gate::protocol::{self, Kind};
use maestro_gate::report;

// A small allocator instead of std's dlmalloc (about 6 KB less wasm): this
// module runs on one thread, and its allocations are few and short-lived.
// SAFETY: wasm32 without atomics never shares this instance's memory.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

#[wasm_bindgen]
extern "C" {
    /// `fetch` on whatever the global object is (a window or a worker):
    /// web-sys binds it only on `Window` and `WorkerGlobalScope`.
    #[wasm_bindgen(catch, js_name = fetch)]
    fn fetch(url: &str, init: &RequestInit) -> Result<Promise, JsValue>;
    /// The same for `setTimeout`.
    #[wasm_bindgen(catch, js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: f64) -> Result<JsValue, JsValue>;
    /// `console.warn`, catching: a page may replace the console with one
    /// that throws (web-sys's binding does not catch).
    #[wasm_bindgen(catch, js_namespace = console, js_name = warn)]
    fn console_warn(line: &str) -> Result<(), JsValue>;
    /// `Object.hasOwn`, catching (a proxy's trap can throw).
    #[wasm_bindgen(catch, js_namespace = Object, js_name = hasOwn)]
    fn has_own(obj: &JsValue, key: &str) -> Result<bool, JsValue>;
}

#[derive(Default)]
struct Remote {
    url: Option<String>,
    /// When another tab's result for our document was last heard.
    heard: Option<f64>,
    /// The gate module's `isEnabled`, `remoteOff` and `remoteRollout`
    /// (absent from a gate that has no rollout).
    enabled: Option<Function>,
    off: Option<Function>,
    rollout: Option<Function>,
    /// `log: "silent"`.
    silent: bool,
    channel: Option<BroadcastChannel>,
}

thread_local! {
    static REMOTE: RefCell<Remote> = RefCell::default();
    /// Whether a beacon's failure was logged (once per page).
    static REPORT_WARNED: RefCell<bool> = const { RefCell::new(false) };
}

/// `obj[key]`, with anything that throws read as `undefined`.
fn field(obj: &JsValue, key: &str) -> JsValue {
    if !obj.is_object() {
        return JsValue::UNDEFINED;
    }
    js_sys::Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn now() -> f64 {
    js_sys::Date::now()
}

/// A promise that resolves after `ms`, or at once when a timer cannot be set.
fn timer(ms: f64) -> Promise {
    let ms = poll::timer_ms(ms);
    Promise::new(&mut |resolve, _| {
        if set_timeout(&resolve, ms).is_err() {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    })
}

/// Whether the gate is on (polling stops once it is off: it latches).
fn gate_enabled() -> bool {
    let f = REMOTE.with_borrow(|r| r.enabled.clone());
    f.is_some_and(|f| f.call0(&JsValue::NULL).is_ok_and(|v| v.is_truthy()))
}

/// Turns the gate off: the document at `url` said so.
fn gate_off(url: &str) {
    if let Some(f) = REMOTE.with_borrow(|r| r.off.clone()) {
        let _ = f.call1(&JsValue::NULL, &JsValue::from_str(url));
    }
}

/// Hands the gate the rollout the document at `url` says: `percent` (0 to
/// 100), or `None` when it is invalid, and the value as the document wrote
/// it. The gate narrows its decision (it can only turn off). A gate without
/// `remoteRollout` is turned off by an invalid rollout (fail safe) and
/// left alone by a valid one.
fn gate_rollout(url: &str, percent: Option<u32>, value: &JsValue) {
    match (REMOTE.with_borrow(|r| r.rollout.clone()), percent) {
        (Some(f), _) => {
            let percent = percent.map_or(JsValue::NULL, JsValue::from);
            let _ = f.call3(&JsValue::NULL, &JsValue::from_str(url), &percent, value);
        }
        (None, None) => {
            if !REMOTE.with_borrow(|r| r.silent) {
                let text = value.as_string();
                let value = text
                    .clone()
                    .unwrap_or_else(|| js_sys::JSON::stringify(value).map(String::from).unwrap_or_default());
                let why = poll::rollout_invalid(poll::ROLLOUT_KEY, &value, text.is_some());
                let _ = console_warn(&["[MAESTRO] Remote ", url, ": ", &why, "; failing safe"].concat());
            }
            gate_off(url);
        }
        (None, Some(_)) => {}
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Shared<'a> {
    maestro_gate: &'static str,
    url: &'a str,
    enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    rollout: Option<u32>,
}

/// The channel, opened once where `BroadcastChannel` exists.
fn channel() -> Option<BroadcastChannel> {
    if let Some(c) = REMOTE.with_borrow(|r| r.channel.clone()) {
        return Some(c);
    }
    if !field(&js_sys::global(), "BroadcastChannel").is_function() {
        return None;
    }
    let channel = BroadcastChannel::new(protocol::CHANNEL).ok()?;
    let listener = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|e: web_sys::MessageEvent| heard(&e.data()));
    channel.set_onmessage(Some(listener.as_ref().unchecked_ref()));
    listener.forget(); // the channel lives as long as the page
    if let Ok(unref) = field(&channel, "unref").dyn_into::<Function>() {
        let _ = unref.call0(&channel);
    }
    REMOTE.with_borrow_mut(|r| r.channel = Some(channel.clone()));
    Some(channel)
}

/// Shares a result with the other tabs.
fn share(url: &str, enabled: bool, rollout: Option<u32>) {
    let Some(channel) = channel() else { return };
    let message = Shared { maestro_gate: Kind::Remote.id(), url, enabled, rollout };
    if let Ok(value) = message.serialize(&serde_wasm_bindgen::Serializer::json_compatible()) {
        let _ = channel.post_message(&value);
    }
}

/// Another tab read a health document: if it is ours, "off" turns the gate
/// off, a rollout percentage narrows it, and the result saves us a poll
/// (within the bound).
fn heard(data: &JsValue) {
    if field(data, protocol::KIND).as_string().as_deref() != Some(Kind::Remote.id()) {
        return;
    }
    let (Some(url), Some(enabled)) = (field(data, "url").as_string(), field(data, "enabled").as_bool()) else { return };
    let ours = REMOTE.with_borrow(|r| r.url.as_deref() == Some(url.as_str()));
    if !ours {
        return;
    }
    if !enabled {
        gate_off(&url);
    } else {
        // Only a valid percentage is shared; anything else in the message is
        // ignored (any page can post one).
        let value = field(data, poll::ROLLOUT_KEY);
        if let Rollout::Percent(p) = poll::rollout(value.as_f64().map_or(RolloutValue::Unset, RolloutValue::Number)) {
            gate_rollout(&url, Some(p), &value);
        }
    }
    REMOTE.with_borrow_mut(|r| r.heard = Some(now()));
}

/// Internal: the glue calls this when the gate module's `decide` saw
/// `options.remote`. `enabled`, `off` and `rollout` are the gate's
/// `isEnabled`, `remoteOff(url)` and `remoteRollout(url, percent, value)`
/// (`percent` an integer from 0 to 100, or `null` for an invalid `rollout`;
/// `value` the document's own value; `rollout` may be absent). A second
/// call is ignored.
#[wasm_bindgen(js_name = startRemote)]
pub fn start_remote(options: JsValue, enabled: Function, off: Function, rollout: Option<Function>) {
    let Some(url) = field(&options, "remote").as_string() else { return };
    if REMOTE.with_borrow(|r| r.url.is_some()) {
        return;
    }
    let interval = poll::interval(field(&options, "pollMs").as_f64());
    let silent = field(&options, "log").as_string().as_deref() == Some("silent");
    // An empty URL would poll the page's own HTML.
    if url.is_empty() {
        if !silent {
            let _ = console_warn(&["[MAESTRO] ", poll::EMPTY_URL].concat());
        }
        return;
    }
    REMOTE.with_borrow_mut(|r| {
        r.url = Some(url.clone());
        r.enabled = Some(enabled);
        r.off = Some(off);
        r.rollout = rollout;
        r.silent = silent;
    });
    // Other tabs' results arrive on this module's channel.
    channel();
    wasm_bindgen_futures::spawn_local(run(url, interval, silent));
}

/// The poll loop: ask, act, wait; until the gate is off.
async fn run(url: String, interval: f64, silent: bool) {
    let mut delay = interval;
    let mut failing = false;
    while gate_enabled() {
        let own_last = now();
        match read(&url, poll::fetch_timeout(interval)).await {
            Ok(Document { says, rollout, value }) => {
                match (says, rollout) {
                    (Says::Off, _) => {
                        share(&url, false, None);
                        gate_off(&url);
                    }
                    (_, Rollout::Unset) => share(&url, true, None),
                    (_, Rollout::Percent(p)) => {
                        share(&url, true, Some(p));
                        gate_rollout(&url, Some(p), &value);
                    }
                    // Fails safe: off here, and in every tab that hears it.
                    (_, Rollout::Invalid) => {
                        share(&url, false, None);
                        gate_rollout(&url, None, &value);
                    }
                }
                failing = false;
                delay = interval;
            }
            Err(why) => {
                if !failing && !silent {
                    let line = [
                        "[MAESTRO] Remote ",
                        &url,
                        " failed (",
                        &why,
                        "); keeping the current decision, retrying with backoff",
                    ]
                    .concat();
                    let _ = console_warn(&line);
                }
                failing = true;
                delay = poll::backoff(delay, interval);
            }
        }
        // Wait for the next poll; another tab's result, heard meanwhile,
        // moves it (a success also ends a backoff), by a random stretch drawn
        // once per poll, so that tabs started together fall out of step.
        let jitter = js_sys::Math::random();
        loop {
            if !gate_enabled() {
                return;
            }
            let heard = REMOTE.with_borrow(|r| r.heard).filter(|h| *h > own_last);
            if heard.is_some() {
                failing = false;
                delay = interval;
            }
            let due = if failing { own_last + delay } else { poll::next_poll(own_last, heard, interval, jitter) };
            let wait = due - now();
            if wait <= 0.0 {
                break;
            }
            let _ = JsFuture::from(timer(wait)).await;
        }
    }
}

/// What one health document says: `maestro_enabled`, and its `rollout`
/// (with the value as written, for the gate's warning).
struct Document {
    says: Says,
    rollout: Rollout,
    value: JsValue,
}

/// Fetches the document once, within `timeout` ms, and reads `maestro_enabled`
/// and `rollout`.
async fn read(url: &str, timeout: f64) -> Result<Document, String> {
    let init = RequestInit::new();
    init.set_cache(RequestCache::NoStore);
    init.set_credentials(RequestCredentials::SameOrigin);
    let aborter = AbortController::new().ok();
    if let Some(a) = &aborter {
        init.set_signal(Some(&a.signal()));
    }
    let url = String::from(url);
    let request = async move {
        let response = fetch(&url, &init).map_err(|e| message(&e))?;
        let response: Response = JsFuture::from(response).await.map_err(|e| message(&e))?.unchecked_into();
        if !response.ok() {
            return Err(["HTTP ", &response.status().to_string()].concat());
        }
        // The text, not `json()`: the key is counted in it before it is read.
        let body = response.text().map_err(|e| message(&e))?;
        JsFuture::from(body).await.map_err(|e| message(&e))
    };
    // The request (its body, wrapped in an array), or the timer (`undefined`),
    // whichever ends first.
    let request = wasm_bindgen_futures::future_to_promise(async move {
        match request.await {
            Ok(body) => Ok(Array::of1(&body).into()),
            Err(why) => Err(JsValue::from_str(&why)),
        }
    });
    let outcome = JsFuture::from(Promise::race(&Array::of2(&request, &timer(timeout)))).await;
    let text = match outcome {
        Ok(v) if Array::is_array(&v) => Array::from(&v).get(0).as_string().unwrap_or_default(),
        Ok(_) => {
            if let Some(a) = aborter {
                a.abort();
            }
            return Err(String::from("timed out"));
        }
        Err(why) => return Err(why.as_string().unwrap_or_default()),
    };
    let body = js_sys::JSON::parse(&text).map_err(|e| message(&e))?;
    // `JSON.parse` keeps the last of two equal keys: a document that says
    // both is not read (a failure changes nothing).
    if poll::count_key(&text, poll::KEY) > 1 {
        return Err(String::from(poll::DUPLICATE_KEY));
    }
    if poll::count_key(&text, poll::ROLLOUT_KEY) > 1 {
        return Err(String::from(poll::DUPLICATE_ROLLOUT));
    }
    let value = field(&body, poll::KEY);
    let text = value.as_string();
    let raw = match (&text, value.as_bool(), value.as_f64()) {
        (Some(s), _, _) => maestro_gate::flag::read_str(s),
        (None, Some(b), _) => Raw::Bool(b),
        (None, None, Some(n)) => Raw::Number(n),
        _ if value.is_undefined() || value.is_null() => Raw::Unset,
        _ => Raw::Other,
    };
    let says = match poll::says(raw) {
        Says::Garbage => return Err(String::from("not a health document with maestro_enabled")),
        says => says,
    };
    let value = field(&body, poll::ROLLOUT_KEY);
    let text = value.as_string();
    let rollout = poll::rollout(match (&text, value.as_f64()) {
        (Some(s), _) => RolloutValue::Text(s),
        (None, Some(n)) => RolloutValue::Number(n),
        _ if value.is_undefined() || value.is_null() => RolloutValue::Unset,
        _ => RolloutValue::Other,
    });
    Ok(Document { says, rollout, value })
}

/// The message of a thrown value.
fn message(error: &JsValue) -> String {
    field(error, "message").as_string().or_else(|| error.as_string()).unwrap_or_else(|| String::from("unknown error"))
}

/// `options[key]` when it is the object's own property (as the gate reads its
/// options), with anything that throws read as `undefined`.
fn own(options: &JsValue, key: &str) -> JsValue {
    if options.is_object() && has_own(options, key).unwrap_or(false) {
        field(options, key)
    } else {
        JsValue::UNDEFINED
    }
}

/// A number that is a whole count (at most `max`), else `None`.
fn count(value: &JsValue, max: u32) -> Option<u32> {
    let n = value.as_f64()?;
    (n >= 0.0 && n <= f64::from(max) && f64::from(n as u32) == n).then_some(n as u32)
}

/// A list's length, or a count (the cleanup report lists keys: only how
/// many is sent).
fn how_many(value: &JsValue) -> u32 {
    if Array::is_array(value) {
        Array::from(value).length()
    } else {
        count(value, u32::MAX).unwrap_or(0)
    }
}

fn area(report: &JsValue) -> report::Area {
    report::Area {
        outcome: field(report, "outcome").as_string().and_then(|o| report::area_outcome(&o)),
        removed: how_many(&field(report, "removed")),
        failed: how_many(&field(report, "failed")),
    }
}

/// Internal: the glue calls this for `init({ report: url })`, with the
/// init options, the event (`"start"`, `"change"` or `"cleanup"`), the
/// gate's `decision()` at that moment and, for `"cleanup"`, the
/// `clearClientState` report. It sends `maestro_gate::report::document` with
/// `navigator.sendBeacon` (a `text/plain` body: no CORS preflight). It reads
/// the decision's `rollout` (`{ percent, bucket }`) and `guard`
/// (`{ errors }`) when the gate has them. It never throws, and a beacon that
/// cannot be sent changes nothing: one warning per page says why (none under
/// `log: "silent"`).
#[wasm_bindgen]
pub fn report(options: JsValue, event: JsValue, decision: JsValue, cleanup: JsValue) {
    let Some(url) = own(&options, "report").as_string() else { return };
    let Some(event) = event.as_string().and_then(|e| report::Event::parse(&e)) else { return };
    let shows = Log::parse(own(&options, "log").as_string().as_deref()).shows(Level::Warn);
    let failed = |why: &str| {
        let first = REPORT_WARNED.with_borrow_mut(|w| !std::mem::replace(w, true));
        if first && shows {
            let _ = console_warn(&["[MAESTRO] ", report::NOT_SENT, why].concat());
        }
    };
    if url.is_empty() {
        return failed(report::EMPTY_URL);
    }
    let rollout = field(&decision, "rollout");
    let guard = field(&decision, "guard");
    let source = field(&decision, "source").as_string().unwrap_or_default();
    let reason = field(&decision, "reason").as_string().unwrap_or_default();
    let doc = report::Report {
        event,
        version: env!("CARGO_PKG_VERSION"),
        // A decision (`enabled`) or a health document (`maestro_enabled`).
        enabled: field(&decision, "enabled")
            .as_bool()
            .or_else(|| field(&decision, "maestro_enabled").as_bool())
            .unwrap_or(false),
        source: &source,
        reason: &reason,
        rollout: count(&field(&rollout, "percent"), 100)
            .zip(count(&field(&rollout, "bucket"), 100))
            .map(|(percent, bucket)| report::Rollout { percent, bucket }),
        guard: count(&field(&guard, "errors"), u32::MAX).map(|errors| report::Guard { errors }),
        cleanup: cleanup.is_object().then(|| {
            let database = field(&cleanup, "database");
            report::Cleanup {
                ok: field(&cleanup, "ok").as_bool().unwrap_or(false),
                other_tabs: count(&field(&cleanup, "otherTabs"), u32::MAX).unwrap_or(0),
                database: field(&database, "outcome").as_string().and_then(|o| report::db_outcome(&o)),
                blocked: field(&database, "blocked").as_bool().unwrap_or(false),
                local_storage: area(&field(&cleanup, "localStorage")),
                session_storage: area(&field(&cleanup, "sessionStorage")),
            }
        }),
        at: now(),
    };
    // The user id never leaves the page, not even inside a reason's wording
    // (a URL's path): a string, or a number as its decimal (the rollout
    // module reads a numeric `userId` as `String(userId)`).
    let user = own(&options, "userId");
    let user_id = user
        .as_string()
        .or_else(|| user.dyn_ref::<js_sys::Number>().and_then(|n| n.to_string_with_radix(10).ok()).map(String::from))
        .unwrap_or_default();
    let body = report::document(&doc, &[&user_id]);
    let navigator = field(&js_sys::global(), "navigator");
    let Ok(send) = field(&navigator, "sendBeacon").dyn_into::<Function>() else {
        return failed(report::NO_BEACON);
    };
    match send.call2(&navigator, &JsValue::from_str(&url), &JsValue::from_str(&body)) {
        Ok(queued) if queued.is_truthy() => {}
        Ok(_) => failed(report::REFUSED),
        Err(e) => failed(&[report::THREW, &message(&e)].concat()),
    }
}

/// The bucket (1 to 100) of `id` in `group`, as the gate computes it
/// (Unleash's normalized value over the strings' UTF-8): for a page that
/// shows how a rollout spreads, such as the demo's "simulate 1,000 browsers".
#[wasm_bindgen]
pub fn bucket(group: &str, id: &str) -> u32 {
    maestro_gate::hash::bucket(group, id)
}
