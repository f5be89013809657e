//! Every open tab: a BroadcastChannel that carries cleanup requests and
//! remote-poll results, and the app's `onCleanupRequest` subscribers.
//!
//! sessionStorage belongs to one tab, so a cleanup in one tab asks the others
//! (those that run the gate) to clear their own, and counts their answers.
//! A remote poll's result is shared the same way, so N tabs make one request
//! per poll, not N.
//!
//! In the package the gate module (which every tab loads) listens, and hands
//! a cleanup request to the rollback module (loaded then) through the glue;
//! the rollback module's own channel only posts requests and counts answers.
//! The remote module (loaded by `init({ remote })`) shares its results and
//! takes other tabs' on a channel of its own; the gate module still acts on
//! another tab's "off" for its document, so a tab whose poll has not loaded
//! is turned off too. A build with the gate and the rollback (the script
//! tag), or with all three (the tests), does that part on one channel.

use core::cell::RefCell;

#[cfg(all(not(feature = "lean"), any(feature = "gate", feature = "rollback")))]
use wasm_bindgen::prelude::wasm_bindgen;

#[cfg(feature = "rollback")]
use super::cleanup::{sweep, Options};
use super::js::{self, field, set, string_field, JsValue};
use super::reactor::{handler, Kind};
use super::Slot;
#[cfg(feature = "rollback")]
use crate::cleanup::SessionMode;

/// The channel's name; every tab of the origin that runs the gate listens on it.
pub const CHANNEL: &str = "maestro-gate";

struct Tabs {
    channel: Option<JsValue>,
    /// The id of this tab's latest cleanup request, and how many tabs answered it.
    waiting: f64,
    answers: u32,
    /// The gate module's hand-over of cleanup requests to the rollback module.
    forward: JsValue,
    /// The rollback module's way to the gate module's subscribers.
    #[cfg_attr(feature = "gate", allow(dead_code))]
    notifier: JsValue,
    /// The rollback module's way to tell the gate module which requests are its own.
    #[cfg_attr(feature = "gate", allow(dead_code))]
    announcer: JsValue,
    /// This tab's own recent request ids (the gate hears them back on its
    /// channel): a ring of the last few.
    own: [f64; 8],
    own_next: usize,
}

static TABS: Slot<Tabs> = Slot(RefCell::new(Tabs {
    channel: None,
    waiting: -1.0,
    answers: 0,
    forward: JsValue::UNDEFINED,
    notifier: JsValue::UNDEFINED,
    announcer: JsValue::UNDEFINED,
    own: [-1.0; 8],
    own_next: 0,
}));

/// Opens the channel once, where `BroadcastChannel` exists. Called by `init`
/// and by every cleanup export, so that each tab running the gate answers.
pub fn listen() {
    let Ok(mut tabs) = TABS.0.try_borrow_mut() else { return };
    if tabs.channel.is_some() || !js::has_function("BroadcastChannel") {
        return;
    }
    let Some(channel) = js::channel(CHANNEL) else { return };
    set(&channel, "onmessage", &handler(Kind::Channel, 0));
    // In Node, an open channel would keep the process alive.
    js::call_if_function(&field(&channel, "unref"), &channel, &JsValue::UNDEFINED);
    tabs.channel = Some(channel);
}

/// Posts to the other tabs. False when there is no channel.
pub(crate) fn post(message: &JsValue) -> bool {
    match TABS.0.try_borrow() {
        Ok(tabs) => tabs.channel.as_ref().is_some_and(|c| js::post_message(c, message)),
        Err(_) => false,
    }
}

fn message(kind: &str, id: f64) -> JsValue {
    let m = js::object(&[("maestroGate", kind)]);
    set(&m, "id", &JsValue::from_f64(id));
    m
}

/// Another tab's message.
#[allow(clippy::needless_return)] // which `return` is last depends on the features
pub(crate) fn receive(data: &JsValue) {
    let Some(kind) = string_field(data, "maestroGate") else { return };
    let is = |k: &str| js::text_is(&kind, k);
    #[cfg(feature = "rollback")]
    if is("answer") {
        let id = field(data, "id").as_f64().unwrap_or(-2.0);
        // Only a tab that did clear (or skip, as asked) counts.
        let done = matches!(string_field(data, "outcome").as_deref(), Some("cleared" | "skipped"));
        if let Ok(mut tabs) = TABS.0.try_borrow_mut() {
            if tabs.waiting == id && done {
                tabs.answers += 1;
            }
        }
        return;
    }
    #[cfg(all(feature = "gate", feature = "rollback"))]
    if is("cleanup") {
        return answer(data);
    }
    #[cfg(all(feature = "gate", not(feature = "rollback")))]
    if is("cleanup") {
        let id = field(data, "id").as_f64().unwrap_or(-2.0);
        let forward = match TABS.0.try_borrow() {
            Ok(t) if !t.own.contains(&id) => t.forward.clone(),
            _ => return,
        };
        // The subscribers hear at once, from the gate, so that they close
        // their connections without waiting for the rollback module (or
        // even if it cannot load); the rollback then sweeps and answers.
        if let Some(request) = request_of(data) {
            notify_cleanup(&request);
        }
        return js::call_if_function(&forward, &JsValue::NULL, data);
    }
    #[cfg(any(feature = "remote", feature = "gate"))]
    if is("remote") {
        if let (Some(url), Some(enabled)) = (string_field(data, "url"), field(data, "enabled").as_bool()) {
            #[cfg(feature = "remote")]
            super::remote::shared(&url, enabled);
            #[cfg(all(feature = "gate", not(feature = "remote")))]
            super::remote_heard(&url, enabled);
        }
    }
}

/// The gate module's side of a cleanup request from another tab: the glue
/// passes `forward`, which loads the rollback module and calls its
/// `answerCleanup`.
#[cfg(feature = "gate")]
#[cfg_attr(not(feature = "lean"), wasm_bindgen(js_name = onCleanupMessage))]
pub fn on_cleanup_message(forward: JsValue) {
    if let Ok(mut tabs) = TABS.0.try_borrow_mut() {
        tabs.forward = forward;
    }
    listen();
}

/// Answers another tab's cleanup request: tells this tab's subscribers,
/// clears this tab's sessionStorage as asked, and says so. A request this tab
/// made itself (heard back through its own gate module) is ignored.
#[cfg(feature = "rollback")]
#[wasm_bindgen(js_name = answerCleanup)]
pub fn answer(data: &JsValue) {
    listen();
    let id = field(data, "id").as_f64().unwrap_or(-2.0);
    if TABS.0.try_borrow().is_ok_and(|t| t.waiting == id || t.own.contains(&id)) {
        return;
    }
    let Some((_, prefix, mode)) = parse_request(data) else { return };
    // With both parts in one module, tell the subscribers here; a gate-only
    // module has already told them before handing the request over.
    #[cfg(feature = "gate")]
    if let Some(request) = request_of(data) {
        notify_cleanup(&request);
    }
    let area = sweep("sessionStorage", Some(&prefix), mode);
    let answer = message("answer", id);
    set(&answer, "outcome", &JsValue::from_str(area.outcome.id()));
    set(&answer, "removed", &JsValue::from_f64(area.removed.len() as f64));
    post(&answer);
}

/// A cleanup request's database, prefix and mode, when they are valid.
#[cfg(feature = "rollback")]
fn parse_request(
    data: &JsValue,
) -> Option<(alloc::string::String, alloc::string::String, crate::cleanup::SessionMode)> {
    let (Some(database), Some(prefix), Some(mode)) =
        (string_field(data, "database"), string_field(data, "prefix"), string_field(data, "sessionStorage"))
    else {
        return None;
    };
    let mode = crate::cleanup::SessionMode::parse(Some(&mode))?;
    crate::cleanup::valid_prefix(&prefix).then_some((database, prefix, mode))
}

/// What `onCleanupRequest` subscribers receive for another tab's request: its
/// three string fields, copied as they are (the rollback module validates
/// them before it sweeps anything).
#[cfg(feature = "gate")]
fn request_of(data: &JsValue) -> Option<JsValue> {
    let request = js::new_object();
    for key in ["database", "prefix", "sessionStorage"] {
        let value = field(data, key);
        if !value.is_string() {
            return None;
        }
        set(&request, key, &value);
    }
    set(&request, "fromOtherTab", &JsValue::TRUE);
    Some(js::freeze(&request))
}

/// Remembers one of this tab's own request ids (the last few are kept).
#[cfg(feature = "gate")]
#[cfg_attr(not(feature = "lean"), wasm_bindgen(js_name = ownCleanup))]
pub fn own_cleanup(id: f64) {
    if let Ok(mut tabs) = TABS.0.try_borrow_mut() {
        let slot = tabs.own_next % 8;
        if let Some(entry) = tabs.own.get_mut(slot) {
            *entry = id;
        }
        tabs.own_next = slot + 1;
    }
}

/// The rollback module's way to tell the gate which requests are its own.
#[cfg(all(feature = "rollback", not(feature = "gate")))]
#[wasm_bindgen(js_name = setAnnouncer)]
pub fn set_announcer(announcer: JsValue) {
    if let Ok(mut tabs) = TABS.0.try_borrow_mut() {
        tabs.announcer = announcer;
    }
}

/// Posts this tab's cleanup request to the others. False when there is no channel.
#[cfg(feature = "rollback")]
pub(crate) fn ask_others(opts: &Options, mode: SessionMode) -> bool {
    listen();
    let id = js::random();
    if let Ok(mut tabs) = TABS.0.try_borrow_mut() {
        tabs.waiting = id;
        tabs.answers = 0;
    }
    #[cfg(feature = "gate")]
    own_cleanup(id);
    #[cfg(not(feature = "gate"))]
    {
        let announcer = TABS.0.try_borrow().map(|t| t.announcer.clone()).unwrap_or(JsValue::UNDEFINED);
        js::call_if_function(&announcer, &JsValue::NULL, &JsValue::from_f64(id));
    }
    let m = message("cleanup", id);
    set(&m, "database", &JsValue::from_str(opts.database.as_deref().unwrap_or("")));
    set(&m, "prefix", &JsValue::from_str(opts.prefix.as_deref().unwrap_or("")));
    set(&m, "sessionStorage", &JsValue::from_str(mode.id()));
    post(&m)
}

/// Shares a remote poll's result with the other tabs.
#[cfg(feature = "remote")]
pub(crate) fn share_remote(url: &str, enabled: bool) {
    let m = js::object(&[("maestroGate", "remote"), ("url", url)]);
    set(&m, "enabled", &JsValue::from_bool(enabled));
    post(&m);
}

/// How many tabs have answered this tab's latest request.
#[cfg(feature = "rollback")]
pub(crate) fn answers() -> u32 {
    TABS.0.try_borrow().map(|t| t.answers).unwrap_or(0)
}

/// Tells every `onCleanupRequest` subscriber that a cleanup is about to run.
/// The subscribers live in the gate module (so that subscribing does not load
/// the rollback); a rollback-only module reaches them through the glue.
#[cfg(feature = "rollback")]
pub(crate) fn notify(database: &str, prefix: &str, mode: SessionMode, from_other_tab: bool) {
    let request = js::object(&[("database", database), ("prefix", prefix), ("sessionStorage", mode.id())]);
    set(&request, "fromOtherTab", &JsValue::from_bool(from_other_tab));
    let request: JsValue = js::freeze(&request);
    #[cfg(feature = "gate")]
    notify_cleanup(&request);
    #[cfg(not(feature = "gate"))]
    {
        let notifier = TABS.0.try_borrow().map(|t| t.notifier.clone()).unwrap_or(JsValue::UNDEFINED);
        js::call_if_function(&notifier, &JsValue::NULL, &request);
    }
}

/// The rollback module's way to the subscribers, which live in the gate module.
#[cfg(all(feature = "rollback", not(feature = "gate")))]
#[wasm_bindgen(js_name = setNotifier)]
pub fn set_notifier(notifier: JsValue) {
    if let Ok(mut tabs) = TABS.0.try_borrow_mut() {
        tabs.notifier = notifier;
    }
}

/// Calls every `onCleanupRequest` subscriber with `request`; one that throws
/// is skipped. (The rollback module calls this through the glue.)
#[cfg(feature = "gate")]
#[cfg_attr(not(feature = "lean"), wasm_bindgen(js_name = notifyCleanup))]
pub fn notify_cleanup(request: &JsValue) {
    super::notify(super::List::Cleanup, request);
}

/// Calls `callback` whenever a cleanup is about to run, in this tab or from
/// another one, before the database is deleted: close your own connections to
/// MAESTRO's database there, so that the delete is not blocked. Returns a
/// function that unsubscribes.
#[cfg(feature = "gate")]
#[cfg_attr(not(feature = "lean"), wasm_bindgen(js_name = onCleanupRequest))]
pub fn on_cleanup_request(callback: JsValue) -> JsValue {
    listen();
    super::subscribe(super::List::Cleanup, callback)
}
