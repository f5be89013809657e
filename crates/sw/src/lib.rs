//! maestro-gate's Service Worker guard (`maestro-gate/sw`, `maestro-gate-sw.js`):
//! the wasm inlined in the worker's glue (`js/sw.js`), which carries out what
//! it says: which request matches `block`, whether the guard blocks, the 503's
//! body and the console line, what a health document says, what the worker
//! keeps across its restarts. What each rule is lives in `maestro_gate::sw`
//! and `maestro_gate::poll`; only an app's Service Worker loads this module,
//! never a page.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;

use js_sys::{Array, JSON};
use wasm_bindgen::prelude::*;

use maestro_gate::flag::{read_str, Raw};
use maestro_gate::poll::{self, Says};
use maestro_gate::sw::{self, Block, Latch};
use maestro_gate_util::own;

// `no_std` on wasm32, as the gate is (see crates/rollout/src/lib.rs): the
// code is written never to panic; a trap is caught by the glue, which then
// passes a request only when the last answer was on. (The panic handler, the
// allocator and the one-thread check are maestro-gate-util's.)

/// How many URLs the guard remembers having told the pages about (then it
/// starts over: a URL may be told again).
const SEEN_MAX: usize = 512;

/// One worker's guard.
#[wasm_bindgen]
pub struct Guard {
    latch: Latch,
    start_blocked: bool,
    origin: String,
    /// The prefix entries (`Block::Path`, `Block::Url`).
    prefixes: Vec<String>,
    /// The `URLPattern` strings, which the glue compiles.
    patterns: Vec<String>,
    warnings: Vec<String>,
    seen: Vec<String>,
    interval: f64,
}

/// `block` as given: a string, or an array of strings (anything else is
/// a warning each).
fn entries(block: &JsValue) -> Vec<Result<String, String>> {
    if let Some(s) = block.as_string() {
        return alloc::vec![Ok(s)];
    }
    if !Array::is_array(block) {
        return alloc::vec![Err(String::from(
            "block is not a string or an array of strings: the guard blocks nothing"
        ))];
    }
    Array::from(block)
        .iter()
        .map(|v| v.as_string().ok_or_else(|| String::from("block has an entry that is not a string: ignored")))
        .collect()
}

#[wasm_bindgen]
impl Guard {
    /// A guard for `block` (a string or an array of them) in a worker of
    /// `origin`; `startBlocked`: block until an answer is heard; `pollMs`:
    /// the option as given.
    #[wasm_bindgen(constructor)]
    pub fn new(block: &JsValue, origin: String, start_blocked: bool, poll_ms: &JsValue) -> Guard {
        let mut guard = Guard {
            latch: Latch::new(),
            start_blocked,
            origin,
            prefixes: Vec::new(),
            patterns: Vec::new(),
            warnings: Vec::new(),
            seen: Vec::new(),
            interval: poll::interval(poll_ms.as_f64()),
        };
        for entry in entries(block) {
            match entry {
                Ok(entry) => match sw::block(&entry) {
                    Block::Path(_) | Block::Url(_) => guard.prefixes.push(entry),
                    Block::Pattern(_) => guard.patterns.push(entry),
                    Block::Invalid => guard.warnings.push(sw::invalid_entry(&entry)),
                },
                Err(why) => {
                    let mut line = String::from("Service Worker guard: ");
                    line.push_str(&why);
                    guard.warnings.push(line);
                }
            }
        }
        guard
    }

    /// The `URLPattern` strings of `block`, for the glue to compile against the origin.
    pub fn patterns(&self) -> Array {
        self.patterns.iter().map(|p| JsValue::from_str(p)).collect()
    }

    /// The warnings about `block` (entries ignored), each a line.
    pub fn warnings(&self) -> Array {
        self.warnings.iter().map(|p| JsValue::from_str(p)).collect()
    }

    /// The warning for a pattern the worker cannot compile.
    pub fn unmatchable(&self, pattern: &str, why: &str) -> String {
        sw::unmatchable(pattern, why)
    }

    /// Whether `url` matches a prefix entry of `block` (the patterns are the glue's).
    pub fn matches(&self, url: &str) -> bool {
        self.prefixes.iter().any(|p| sw::prefix_matches(&sw::block(p), &self.origin, url))
    }

    /// The reason a request that matches `block` is answered 503, or
    /// `undefined` when it goes to the network untouched.
    pub fn blocking(&self) -> Option<String> {
        self.latch.blocking(self.start_blocked).map(String::from)
    }

    /// Whether the guard waits for the pages open at the off to go (a page
    /// has said on since): the glue asks again before a matching request.
    #[wasm_bindgen(js_name = waitsForReloads)]
    pub fn waits_for_reloads(&self) -> bool {
        self.latch.waits_for_reloads()
    }

    /// Every page open at the off has gone. Returns the change, as `page`.
    pub fn gone(&mut self) -> u8 {
        self.latch.gone().code()
    }

    /// After an exception inside the guard: whether the request may go to the network.
    #[wasm_bindgen(js_name = passesOnError)]
    pub fn passes_on_error(&self) -> bool {
        self.latch.passes_on_error(self.start_blocked)
    }

    /// A page's decision (`true` or `false` on the channel). `reloaded`: no
    /// page open at the off is open any more. Returns the change: 0 none, 1
    /// latched off, 2 lifted (`maestro_gate::sw::Change`).
    pub fn page(&mut self, enabled: bool, reloaded: bool) -> u8 {
        self.latch.page(enabled, reloaded).code()
    }

    /// The worker's own poll read `url`: the HTTP `status` and the body's
    /// `text`. Returns the change (a number, as `page`), or the failure (a
    /// string), which changes nothing.
    pub fn document(&mut self, url: &str, status: u16, text: &str) -> JsValue {
        match said(status, text) {
            Ok(said) => JsValue::from(self.latch.document(url, &said).code()),
            Err(why) => JsValue::from_str(&why),
        }
    }

    /// The poll's interval (`pollMs`, as the pages' poll reads it).
    pub fn interval(&self) -> f64 {
        self.interval
    }

    /// How long one fetch of the document may take.
    pub fn timeout(&self) -> f64 {
        poll::fetch_timeout(self.interval)
    }

    /// The delay after a failed poll that waited `delay`.
    pub fn backoff(&self, delay: f64) -> f64 {
        poll::backoff(delay, self.interval)
    }

    /// The reason of an exception inside the guard.
    pub fn failed(&self, why: &str) -> String {
        sw::failed(why)
    }

    /// The 503's body for `reason`.
    pub fn body(&self, reason: &str) -> String {
        sw::body(reason)
    }

    /// The `[MAESTRO]` line for a blocked `url`, the first time only.
    pub fn line(&mut self, url: &str, reason: &str) -> Option<String> {
        if self.seen.iter().any(|u| u == url) {
            return None;
        }
        if self.seen.len() >= SEEN_MAX {
            self.seen.clear();
        }
        self.seen.push(String::from(url));
        Some(sw::line(url, reason))
    }

    /// What the worker keeps across its restarts (a string).
    pub fn snapshot(&self) -> String {
        self.latch.snapshot()
    }

    /// Adds what the worker kept before it restarted: the more restrictive
    /// answer stands.
    pub fn restore(&mut self, snapshot: &str) {
        self.latch.merge(Latch::restore(snapshot));
    }
}

/// What a fetched health document says, read as the pages' poll reads it:
/// an HTTP error, a body over 8 KB, not JSON, `maestro_enabled` or
/// `rollout` twice, or no `maestro_enabled` is a failure.
fn said(status: u16, text: &str) -> Result<sw::Said, String> {
    if !(200..300).contains(&status) {
        let mut why = String::from("HTTP ");
        let mut digits = [b'0'; 3];
        let mut n = status;
        for d in digits.iter_mut().rev() {
            *d = b'0' + (n % 10) as u8;
            n /= 10;
        }
        why.push_str(core::str::from_utf8(&digits).unwrap_or("error"));
        return Err(why);
    }
    if text.len() > poll::MAX_DOCUMENT_BYTES {
        return Err(String::from(poll::TOO_LONG));
    }
    let body = JSON::parse(text).map_err(|_| poll::not_json(text))?;
    // `JSON.parse` keeps the last of two equal keys: a document that says
    // both is not read (a failure changes nothing).
    if let Some(why) = poll::duplicate(text) {
        return Err(String::from(why));
    }
    // (Own properties only, as every reader reads them.)
    let field = |key: &str| own(&body, key);
    let shown = |value: &JsValue, text: &Option<String>| {
        text.clone().unwrap_or_else(|| JSON::stringify(value).map(String::from).unwrap_or_default())
    };
    let value = field(poll::KEY);
    let text = value.as_string();
    let raw = match (&text, value.as_bool(), value.as_f64()) {
        (Some(s), _, _) => read_str(s),
        (None, Some(b), _) => Raw::Bool(b),
        (None, None, Some(n)) => Raw::Number(n),
        _ if value.is_undefined() || value.is_null() => Raw::Unset,
        _ => Raw::Other,
    };
    let mut says = poll::says(raw);
    let mut why = String::new();
    if poll::status_disagrees(says, field(poll::STATUS_KEY).as_string().as_deref()) {
        says = Says::Invalid;
        why = String::from(poll::STATUS_DISAGREES);
    } else if says == Says::Invalid {
        why = poll::invalid_enabled(&shown(&value, &text), text.is_some());
    }
    let value = field(poll::ROLLOUT_KEY);
    let text = value.as_string();
    let rollout = poll::rollout(match (&text, value.as_f64()) {
        (Some(s), _) => read_str(s),
        (None, Some(n)) => Raw::Number(n),
        _ if value.is_undefined() || value.is_null() => Raw::Unset,
        _ => Raw::Other,
    });
    if rollout == poll::Rollout::Invalid && why.is_empty() {
        why = poll::rollout_invalid(poll::ROLLOUT_KEY, &shown(&value, &text), text.is_some());
    }
    sw::said(says, rollout, &why).ok_or_else(|| String::from("not a health document with maestro_enabled"))
}
