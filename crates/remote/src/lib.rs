//! maestro-gate's remote poll (`pkg/maestro_gate_remote_bg.wasm`), loaded
//! only by `init({ remote })`: polls a health document and turns the gate off
//! when it says `maestro_enabled: false`.
//!
//! One `async` loop per page, on wasm-bindgen-futures. Each result is shared
//! with the other tabs on the BroadcastChannel, and their results save this
//! tab a poll, within the bound `maestro_gate::poll::next_poll` sets. A
//! failing or slow remote changes nothing: it is logged once and the poll
//! backs off. What a document means, and the intervals, are
//! `maestro_gate::poll`; the gate itself is the gate module, reached through
//! the two functions the glue hands to `startRemote`.

use std::cell::RefCell;

use js_sys::{Array, Function, Promise};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, BroadcastChannel, RequestCache, RequestCredentials, RequestInit, Response};

use maestro_gate::flag::Raw;
use maestro_gate::poll::{self, Says};
use maestro_gate::protocol::{self, Kind};

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
}

#[derive(Default)]
struct Remote {
    url: Option<String>,
    /// When another tab's result for our document was last heard.
    heard: Option<f64>,
    /// The gate module's `isEnabled` and `remoteOff`.
    enabled: Option<Function>,
    off: Option<Function>,
    channel: Option<BroadcastChannel>,
}

thread_local! {
    static REMOTE: RefCell<Remote> = RefCell::default();
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

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Shared<'a> {
    maestro_gate: &'static str,
    url: &'a str,
    enabled: bool,
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
fn share(url: &str, enabled: bool) {
    let Some(channel) = channel() else { return };
    let message = Shared { maestro_gate: Kind::Remote.id(), url, enabled };
    if let Ok(value) = message.serialize(&serde_wasm_bindgen::Serializer::json_compatible()) {
        let _ = channel.post_message(&value);
    }
}

/// Another tab read a health document: if it is ours, "off" turns the gate
/// off, and the result saves us a poll (within the bound).
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
    }
    REMOTE.with_borrow_mut(|r| r.heard = Some(now()));
}

/// Internal: the glue calls this when the gate module's `decide` saw
/// `options.remote`. `enabled` and `off` are the gate's `isEnabled` and
/// `remoteOff`. A second call is ignored.
#[wasm_bindgen(js_name = startRemote)]
pub fn start_remote(options: JsValue, enabled: Function, off: Function) {
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
            Ok(says) => {
                let enabled = says != Says::Off;
                share(&url, enabled);
                if !enabled {
                    gate_off(&url);
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

/// Fetches the document once, within `timeout` ms, and reads `maestro_enabled`.
async fn read(url: &str, timeout: f64) -> Result<Says, String> {
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
    let value = field(&body, poll::KEY);
    let text = value.as_string();
    let raw = match (&text, value.as_bool(), value.as_f64()) {
        (Some(s), _, _) => maestro_gate::flag::read_str(s),
        (None, Some(b), _) => Raw::Bool(b),
        (None, None, Some(n)) => Raw::Number(n),
        _ if value.is_undefined() || value.is_null() => Raw::Unset,
        _ => Raw::Other,
    };
    match poll::says(raw) {
        Says::Garbage => Err(String::from("not a health document with maestro_enabled")),
        says => Ok(says),
    }
}

/// The message of a thrown value.
fn message(error: &JsValue) -> String {
    field(error, "message").as_string().or_else(|| error.as_string()).unwrap_or_else(|| String::from("unknown error"))
}
