//! Every open tab: a BroadcastChannel that carries cleanup requests, and the
//! app's `onCleanupRequest` subscribers.
//!
//! sessionStorage belongs to one tab, so a cleanup in one tab asks the others
//! (those that run the gate) to clear their own, and counts their answers.

use alloc::vec::Vec;
use core::cell::RefCell;

use js_sys::Object;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::cleanup::{sweep, Options};
use super::js::{self, get, set, Callback, Channel};
use crate::cleanup::SessionMode;

/// The channel's name; every tab of the origin that runs the gate listens on it.
pub const CHANNEL: &str = "maestro-gate";

struct Tabs {
    channel: Option<Channel>,
    listeners: Vec<(u32, JsValue)>,
    next_listener: u32,
    /// The id of this tab's open request, and how many tabs answered it.
    waiting: f64,
    answers: u32,
}

struct Slot(RefCell<Tabs>);
// SAFETY: wasm32 without threads; the gate's memory is never shared.
unsafe impl Sync for Slot {}
static TABS: Slot = Slot(RefCell::new(Tabs {
    channel: None,
    listeners: Vec::new(),
    next_listener: 0,
    waiting: -1.0,
    answers: 0,
}));

/// Opens the channel once, where `BroadcastChannel` exists. Called by `init`
/// and by every cleanup export, so that each tab running the gate answers.
pub fn listen() {
    let Ok(mut tabs) = TABS.0.try_borrow_mut() else { return };
    if tabs.channel.is_some() || !get(&js_sys::global(), "BroadcastChannel").is_ok_and(|c| c.is_function()) {
        return;
    }
    let Ok(channel) = Channel::new(CHANNEL) else { return };
    let on_message = Closure::<dyn FnMut(JsValue)>::new(|ev: JsValue| {
        if let Ok(data) = get(&ev, "data") {
            receive(&data);
        }
    })
    .into_js_value();
    set(&channel, "onmessage", &on_message);
    // In Node, an open channel would keep the process alive.
    if let Ok(unref) = get(&channel, "unref") {
        if unref.is_function() {
            let _ = unref.unchecked_ref::<Callback>().call1(&channel, &JsValue::UNDEFINED);
        }
    }
    tabs.channel = Some(channel);
}

fn post(message: &JsValue) -> bool {
    match TABS.0.try_borrow() {
        Ok(tabs) => tabs.channel.as_ref().is_some_and(|c| c.post(message).is_ok()),
        Err(_) => false,
    }
}

fn message(kind: &str, id: f64) -> Object {
    let m = Object::new();
    set(&m, "maestroGate", &JsValue::from_str(kind));
    set(&m, "id", &JsValue::from_f64(id));
    m
}

/// Another tab's message.
fn receive(data: &JsValue) {
    let kind = get(data, "maestroGate").ok().and_then(|k| k.as_string());
    let id = get(data, "id").ok().and_then(|v| v.as_f64()).unwrap_or(-2.0);
    match kind.as_deref() {
        Some("cleanup") => {
            let field = |k| get(data, k).ok().and_then(|v| v.as_string());
            let (Some(database), Some(prefix), Some(mode)) = (field("database"), field("prefix"), field("sessionStorage")) else {
                return;
            };
            let Ok(mode) = SessionMode::parse(Some(&mode)) else { return };
            if prefix.is_empty() {
                return;
            }
            notify(&database, &prefix, mode, true);
            let area = sweep("sessionStorage", Some(&prefix), mode);
            let answer = message("answer", id);
            set(&answer, "removed", &JsValue::from_f64(area.removed.len() as f64));
            post(&answer);
        }
        Some("answer") => {
            if let Ok(mut tabs) = TABS.0.try_borrow_mut() {
                if tabs.waiting == id {
                    tabs.answers += 1;
                }
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

/// How many tabs have answered this tab's latest request.
pub(crate) fn answers() -> u32 {
    TABS.0.try_borrow().map(|t| t.answers).unwrap_or(0)
}

/// Calls every `onCleanupRequest` subscriber; one that throws is skipped.
pub(crate) fn notify(database: &str, prefix: &str, mode: SessionMode, from_other_tab: bool) {
    let listeners: Vec<JsValue> = match TABS.0.try_borrow() {
        Ok(tabs) => tabs.listeners.iter().map(|(_, f)| f.clone()).collect(),
        Err(_) => return,
    };
    if listeners.is_empty() {
        return;
    }
    let request = Object::new();
    set(&request, "database", &JsValue::from_str(database));
    set(&request, "prefix", &JsValue::from_str(prefix));
    set(&request, "sessionStorage", &JsValue::from_str(mode.id()));
    set(&request, "fromOtherTab", &JsValue::from_bool(from_other_tab));
    let request = Object::freeze(&request);
    for f in listeners {
        let _ = f.unchecked_ref::<Callback>().call1(&JsValue::NULL, &request);
    }
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
            tabs.next_listener += 1;
            id = tabs.next_listener;
            tabs.listeners.push((id, callback));
        }
    }
    Closure::once_into_js(move || {
        if let Ok(mut tabs) = TABS.0.try_borrow_mut() {
            tabs.listeners.retain(|(i, _)| *i != id);
        }
    })
}
