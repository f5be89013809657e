//! Every open tab: a BroadcastChannel that carries cleanup requests and
//! remote-poll results, and the app's `onCleanupRequest` subscribers.
//!
//! sessionStorage belongs to one tab, so a cleanup in one tab asks the others
//! (those that run the gate) to clear their own, and counts their answers.
//! A remote poll's result is shared the same way, so N tabs make one request
//! per poll, not N.

use core::cell::RefCell;

use js_sys::Object;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::cleanup::{sweep, Options};
use super::js::{self, field, set, string_field, Channel};
use super::reactor::{handler, Kind};
use super::{call_all, remote, Listeners, Slot};
use crate::cleanup::SessionMode;

/// The channel's name; every tab of the origin that runs the gate listens on it.
pub const CHANNEL: &str = "maestro-gate";

struct Tabs {
    channel: Option<Channel>,
    listeners: Listeners,
    /// The id of this tab's latest cleanup request, and how many tabs answered it.
    waiting: f64,
    answers: u32,
}

static TABS: Slot<Tabs> =
    Slot(RefCell::new(Tabs { channel: None, listeners: Listeners::new(), waiting: -1.0, answers: 0 }));

/// Opens the channel once, where `BroadcastChannel` exists. Called by `init`
/// and by every cleanup export, so that each tab running the gate answers.
pub fn listen() {
    let Ok(mut tabs) = TABS.0.try_borrow_mut() else { return };
    if tabs.channel.is_some() || !js::has_function("BroadcastChannel") {
        return;
    }
    let Ok(channel) = Channel::new(CHANNEL) else { return };
    set(&channel, "onmessage", &handler(Kind::Channel, 0));
    // In Node, an open channel would keep the process alive.
    if let Ok(unref) = js::get(&channel, "unref") {
        if unref.is_function() {
            let _ = unref.unchecked_ref::<js::Callback>().call1(&channel, &JsValue::UNDEFINED);
        }
    }
    tabs.channel = Some(channel);
}

/// Posts to the other tabs. False when there is no channel.
pub(crate) fn post(message: &JsValue) -> bool {
    match TABS.0.try_borrow() {
        Ok(tabs) => tabs.channel.as_ref().is_some_and(|c| c.post(message).is_ok()),
        Err(_) => false,
    }
}

fn message(kind: &str, id: f64) -> Object {
    let m = js::object(&[("maestroGate", kind)]);
    set(&m, "id", &JsValue::from_f64(id));
    m
}

/// Another tab's message.
pub(crate) fn receive(data: &JsValue) {
    let id = field(data, "id").as_f64().unwrap_or(-2.0);
    match string_field(data, "maestroGate").as_deref() {
        Some("cleanup") => {
            let (Some(database), Some(prefix), Some(mode)) =
                (string_field(data, "database"), string_field(data, "prefix"), string_field(data, "sessionStorage"))
            else {
                return;
            };
            let Some(mode) = SessionMode::parse(Some(&mode)) else { return };
            if !crate::cleanup::valid_prefix(&prefix) {
                return;
            }
            notify(&database, &prefix, mode, true);
            let area = sweep("sessionStorage", Some(&prefix), mode);
            let answer = message("answer", id);
            set(&answer, "outcome", &JsValue::from_str(area.outcome.id()));
            set(&answer, "removed", &JsValue::from_f64(area.removed.len() as f64));
            post(&answer);
        }
        Some("answer") => {
            // Only a tab that did clear (or skip, as asked) counts.
            let done = matches!(string_field(data, "outcome").as_deref(), Some("cleared" | "skipped"));
            if let Ok(mut tabs) = TABS.0.try_borrow_mut() {
                if tabs.waiting == id && done {
                    tabs.answers += 1;
                }
            }
        }
        Some("remote") => {
            if let (Some(url), Some(enabled)) = (string_field(data, "url"), field(data, "enabled").as_bool()) {
                remote::shared(&url, enabled);
            }
        }
        _ => {}
    }
}

/// Posts this tab's cleanup request to the others. False when there is no channel.
pub(crate) fn ask_others(opts: &Options, mode: SessionMode) -> bool {
    listen();
    let id = js::random();
    if let Ok(mut tabs) = TABS.0.try_borrow_mut() {
        tabs.waiting = id;
        tabs.answers = 0;
    }
    let m = message("cleanup", id);
    set(&m, "database", &JsValue::from_str(opts.database.as_deref().unwrap_or("")));
    set(&m, "prefix", &JsValue::from_str(opts.prefix.as_deref().unwrap_or("")));
    set(&m, "sessionStorage", &JsValue::from_str(mode.id()));
    post(&m)
}

/// Shares a remote poll's result with the other tabs.
pub(crate) fn share_remote(url: &str, enabled: bool) {
    let m = js::object(&[("maestroGate", "remote"), ("url", url)]);
    set(&m, "enabled", &JsValue::from_bool(enabled));
    post(&m);
}

/// How many tabs have answered this tab's latest request.
pub(crate) fn answers() -> u32 {
    TABS.0.try_borrow().map(|t| t.answers).unwrap_or(0)
}

/// Calls every `onCleanupRequest` subscriber; one that throws is skipped.
pub(crate) fn notify(database: &str, prefix: &str, mode: SessionMode, from_other_tab: bool) {
    let listeners = match TABS.0.try_borrow() {
        Ok(tabs) => tabs.listeners.snapshot(),
        Err(_) => return,
    };
    if listeners.is_empty() {
        return;
    }
    let request = js::object(&[("database", database), ("prefix", prefix), ("sessionStorage", mode.id())]);
    set(&request, "fromOtherTab", &JsValue::from_bool(from_other_tab));
    call_all(listeners, &Object::freeze(&request));
}

/// Calls `callback` whenever a cleanup is about to run, in this tab or from
/// another one, before the database is deleted: close your own connections to
/// MAESTRO's database there, so that the delete is not blocked. Returns a
/// function that unsubscribes.
#[wasm_bindgen(js_name = onCleanupRequest, unchecked_return_type = "() => void")]
pub fn on_cleanup_request(
    #[wasm_bindgen(unchecked_param_type = "(request: CleanupRequest) => void")] callback: JsValue,
) -> JsValue {
    listen();
    let mut id = 0;
    if callback.is_function() {
        if let Ok(mut tabs) = TABS.0.try_borrow_mut() {
            id = tabs.listeners.add(callback);
        }
    }
    handler(Kind::UnsubscribeCleanup, id)
}

pub(crate) fn unsubscribe(id: u32) {
    if let Ok(mut tabs) = TABS.0.try_borrow_mut() {
        tabs.listeners.remove(id);
    }
}
