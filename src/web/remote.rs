//! The remote kill: polls a health document and turns the gate off when it
//! says `maestro_enabled: false`. One tab's result is shared with the others
//! (`tabs::share_remote`), which then skip their own next poll. A failing or
//! slow remote changes nothing: it is logged once and polling backs off.
//! What a document means, and the intervals, are in `crate::poll`.
//!
//! In the package this is a module of its own, loaded only by
//! `init({ remote })`: the gate module's `decide` asks the glue to load it and
//! call `startRemote`, which is handed the gate's `isEnabled` and `remoteOff`.

use alloc::string::String;
use core::cell::RefCell;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::js::{self, field, set, Aborter, Obj, Thenable};
use super::reactor::{after, handler, Kind};
use super::{tabs, Slot};
use crate::flag::Raw;
use crate::poll::{self, Says};

struct Remote {
    url: Option<String>,
    interval: f64,
    delay: f64,
    /// The current fetch; events of older ones are ignored.
    seq: u32,
    in_flight: bool,
    failing: bool,
    /// `init({ log: 'silent' })`: no warning when the remote fails.
    silent: bool,
    timer: JsValue,
    aborter: JsValue,
    /// The gate module's `isEnabled` and `remoteOff` (a module without the gate).
    #[cfg_attr(feature = "gate", allow(dead_code))]
    gate_enabled: JsValue,
    #[cfg_attr(feature = "gate", allow(dead_code))]
    gate_off: JsValue,
}

static REMOTE: Slot<Remote> = Slot(RefCell::new(Remote {
    url: None,
    interval: poll::DEFAULT_POLL_MS,
    delay: poll::DEFAULT_POLL_MS,
    seq: 0,
    in_flight: false,
    failing: false,
    silent: false,
    timer: JsValue::UNDEFINED,
    aborter: JsValue::UNDEFINED,
    gate_enabled: JsValue::UNDEFINED,
    gate_off: JsValue::UNDEFINED,
}));

/// Whether the gate is on (polling stops once it is off: it latches).
#[cfg(feature = "gate")]
fn enabled() -> bool {
    super::enabled()
}

#[cfg(not(feature = "gate"))]
fn enabled() -> bool {
    let f = REMOTE.0.try_borrow().map(|r| r.gate_enabled.clone()).unwrap_or(JsValue::UNDEFINED);
    f.is_function()
        && f.unchecked_ref::<js::Callback>().call1(&JsValue::NULL, &JsValue::UNDEFINED).is_ok_and(|v| v.is_truthy())
}

/// Turns the gate off: the document at `url` said so.
#[cfg(feature = "gate")]
fn gate_off(url: &str) {
    super::remote_off(&alloc::string::String::from(url));
}

#[cfg(not(feature = "gate"))]
fn gate_off(url: &str) {
    let f = REMOTE.0.try_borrow().map(|r| r.gate_off.clone()).unwrap_or(JsValue::UNDEFINED);
    js::call_if_function(&f, &JsValue::NULL, &JsValue::from_str(url));
}

/// Internal: the glue calls this in the remote module when the gate module's
/// `decide` saw `options.remote`. `enabled` and `off` are the gate's
/// `isEnabled` and `remoteOff`.
#[cfg(not(feature = "gate"))]
#[wasm_bindgen(js_name = startRemote)]
pub fn start_remote(options: JsValue, enabled: JsValue, off: JsValue) {
    if let Ok(mut r) = REMOTE.0.try_borrow_mut() {
        r.gate_enabled = enabled;
        r.gate_off = off;
    }
    // Other tabs' results arrive on this module's own channel.
    tabs::listen();
    if let Some(url) = js::string_field(&options, "remote") {
        let silent = js::string_field(&options, "log").as_deref() == Some("silent");
        start(url, field(&options, "pollMs").as_f64(), silent);
    }
}

/// Starts polling `url` (once per page; a second call is ignored).
pub(crate) fn start(url: String, poll_ms: Option<f64>, silent: bool) {
    if let Ok(mut r) = REMOTE.0.try_borrow_mut() {
        if r.url.is_some() {
            return;
        }
        r.interval = poll::interval(poll_ms);
        r.delay = r.interval;
        r.url = Some(url);
        r.silent = silent;
    }
    fetch_now();
}

fn url() -> Option<String> {
    REMOTE.0.try_borrow().ok().and_then(|r| r.url.clone())
}

/// Waits `ms` before the next poll, unless the gate is already off (it
/// latches, so there is nothing left to learn).
fn schedule(ms: f64) {
    // Asked first: in the package, `enabled` reads this module's state too.
    let on = enabled();
    let Ok(mut r) = REMOTE.0.try_borrow_mut() else { return };
    let _ = js::clear_timeout(&r.timer);
    r.timer = if on { after(ms, Kind::PollTimer, 0) } else { JsValue::UNDEFINED };
}

fn fetch_now() {
    let Some(url) = url() else { return };
    if !enabled() {
        return;
    }
    let (id, timeout) = match REMOTE.0.try_borrow_mut() {
        Ok(mut r) if !r.in_flight => {
            r.seq += 1;
            r.in_flight = true;
            (r.seq, poll::fetch_timeout(r.interval))
        }
        _ => return,
    };
    let init = js::object(&[("cache", "no-store"), ("credentials", "same-origin")]);
    let aborter = Aborter::new().map(JsValue::from).unwrap_or(JsValue::UNDEFINED);
    set(&init, "signal", &field(&aborter, "signal"));
    if let Ok(mut r) = REMOTE.0.try_borrow_mut() {
        r.aborter = aborter;
    }
    if !js::has_function("fetch") {
        return failed(id, "fetch is not available");
    }
    match js::fetch(&url, &init) {
        Ok(p) => {
            let _ = p.then(&handler(Kind::FetchResponse, id), &handler(Kind::FetchFailed, id));
            after(timeout, Kind::FetchTimeout, id);
        }
        Err(e) => failed(id, &js::message(&e)),
    }
}

fn current(id: u32) -> bool {
    REMOTE.0.try_borrow().is_ok_and(|r| r.in_flight && r.seq == id)
}

fn finish(id: u32) -> bool {
    match REMOTE.0.try_borrow_mut() {
        Ok(mut r) if r.in_flight && r.seq == id => {
            r.in_flight = false;
            true
        }
        _ => false,
    }
}

fn succeeded(id: u32, says: Says) {
    if !finish(id) {
        return;
    }
    let Some(url) = url() else { return };
    let enabled = says != Says::Off;
    tabs::share_remote(&url, enabled);
    read(&url, enabled);
}

/// The document was read (here, or by another tab): kill if it says off,
/// end any backoff, and wait a full interval.
fn read(url: &str, enabled: bool) {
    if !enabled {
        gate_off(url);
    }
    let interval = match REMOTE.0.try_borrow_mut() {
        Ok(mut r) => {
            r.failing = false;
            r.delay = r.interval;
            r.interval
        }
        Err(_) => return,
    };
    schedule(interval);
}

fn failed(id: u32, why: &str) {
    if !finish(id) {
        return;
    }
    let (first, delay, url) = match REMOTE.0.try_borrow_mut() {
        Ok(mut r) => {
            let first = !r.failing && !r.silent;
            r.failing = true;
            r.delay = poll::backoff(r.delay, r.interval);
            (first, r.delay, r.url.clone().unwrap_or_default())
        }
        Err(_) => return,
    };
    if first {
        let mut line = String::from("[MAESTRO] Remote ");
        line.push_str(&url);
        line.push_str(" failed (");
        line.push_str(why);
        line.push_str("); keeping the current decision, retrying with backoff");
        js::warn(&line);
    }
    schedule(delay);
}

/// Another tab polled the same document: take its answer and skip our next poll.
pub(crate) fn shared(from_url: &str, enabled: bool) {
    let Some(url) = url() else { return };
    if url == from_url {
        read(&url, enabled);
    }
}

pub(crate) fn on_event(kind: Kind, id: u32, event: &JsValue) {
    match kind {
        Kind::PollTimer => fetch_now(),
        Kind::FetchResponse if current(id) => {
            if !field(event, "ok").is_truthy() {
                let mut why = String::from("HTTP ");
                crate::cleanup::push_uint(&mut why, field(event, "status").as_f64().unwrap_or(0.0) as u32);
                return failed(id, &why);
            }
            match event.unchecked_ref::<Obj>().json() {
                Ok(body) => {
                    let _ = body
                        .unchecked_ref::<Thenable>()
                        .then(&handler(Kind::FetchBody, id), &handler(Kind::FetchFailed, id));
                }
                Err(e) => failed(id, &js::message(&e)),
            }
        }
        Kind::FetchBody if current(id) => {
            let value = field(event, "maestro_enabled");
            let text = value.as_string();
            let says = poll::says(match &text {
                Some(s) => Raw::Str(s),
                None => super::raw(&value).0,
            });
            if says == Says::Garbage {
                failed(id, "not a health document with maestro_enabled")
            } else {
                succeeded(id, says)
            }
        }
        Kind::FetchFailed if current(id) => failed(id, &js::message(event)),
        Kind::FetchTimeout if current(id) => {
            let aborter = REMOTE.0.try_borrow().map(|r| r.aborter.clone()).unwrap_or(JsValue::UNDEFINED);
            failed(id, "timed out");
            if aborter.is_object() {
                let _ = aborter.unchecked_ref::<Obj>().abort();
            }
        }
        _ => {}
    }
}
