//! The first-answer module (`pkg/maestro_gate_answer_bg.wasm`): the answer a
//! health document gives before the gate's first decision (`init({ remote
//! })`, issue 20: the lean recipe), built by this crate with the `answer`
//! feature instead of the decision's exports, over the same boundary
//! (`abi.rs`, whose imports `js/core.js` provides to every instance).
//!
//! The glue (`js/extras.js`) does what only JavaScript can: `fetch` with an
//! `AbortController`, at most the bytes `head` allows, the Web Lock, the
//! timer, and hearing the channel. Every rule is here, over the rules
//! crate: what the document says (`poll::says`, `poll::rollout`, the 8 KB
//! cap, a key twice), the narrowing of the first decision and its reason,
//! and the warnings. What is remembered, and the remembered answer when
//! none comes in time, are the keeping module's (`keep.rs`,
//! `pkg/maestro_gate_keep_bg.wasm`), which the glue loads after the
//! decision (before it only when this module says so). The remote module
//! (`crates/remote`) keeps the poll, and loads after the decision; `state`
//! hands it what this read.
//!
//! With the `unleash` feature, the same for Unleash's Frontend API
//! (`answer_unleash.rs`), which a page with `unleash` loads instead:
//! `pkg/maestro_gate_answer_unleash_bg.wasm` (`answer-unleash`, with
//! `first_rollout.rs`) when it sets a rollout or a guard, else
//! `pkg/maestro_gate_answer_unleash_slim_bg.wasm` (`answer-unleash-slim`,
//! without it). A page with both `unleash` and `remote` asks the remote
//! module, which reads the two together. (The health document's build
//! without `first_rollout.rs` is `answer-slim`,
//! `pkg/maestro_gate_answer_slim_bg.wasm`: a build without it has no `N`
//! and no `B`, and the glue asks the narrowing build for them.)

use alloc::string::String;
use alloc::vec::Vec;

use crate::abi::JsValue;
use crate::js::{self, field, method, set};
// (`raw`: a value of the document as the rules read it, as a rollout's source is read.)
use crate::lean::{count, now, own, raw, text};
use core::cell::Cell;
use maestro_gate::flag::{self, cat, Raw, Text as _};
use maestro_gate::poll::{self, Rollout, Says};
use maestro_gate::protocol::{self, Kind};
use maestro_gate::remember;
use maestro_gate::rollout::{From, Verdict};

#[cfg(feature = "unleash")]
#[path = "answer_unleash.rs"]
mod unleash;

/// What this page's first answer did, for the remote module's poll, which
/// starts after the decision (`state`): when it read the document itself,
/// when another tab's result was heard, and whether the read failed (said
/// once per failing stretch).
/// (Cells, not a `RefCell`: no borrow to check, whose panic would bring
/// its messages into the module.)
struct State {
    own_last: Cell<Option<f64>>,
    heard: Cell<Option<f64>>,
    failed: Cell<bool>,
}

// SAFETY: wasm32 without atomics, as `Slot`: one thread, and the instance's
// memory is never shared.
unsafe impl Sync for State {}

static STATE: State = State { own_last: Cell::new(None), heard: Cell::new(None), failed: Cell::new(false) };

/// `[MAESTRO] line` on the console, as a warning (the glue adds the prefix).
fn warn(line: &str) {
    js::log(true, &JsValue::from_str(line), false);
}

fn quiet(options: &JsValue) -> bool {
    js::text_is(&own(options, "log"), "silent")
}

/// The document's URL: `options.remote`, a string that is not empty (with
/// `unleash`, whose builds read Unleash only, the source's key, as the
/// remote module keys it: `unleash::source_id`).
fn url_of(options: &JsValue) -> Option<String> {
    #[cfg(feature = "unleash")]
    return unleash::of(options).map(|u| u.id());
    #[cfg(not(feature = "unleash"))]
    text(&own(options, "remote")).filter(|u| !u.is_empty())
}

/// How a line names the document (an Unleash source: by its key).
fn label(url: &str) -> String {
    #[cfg(feature = "unleash")]
    return String::from(url);
    #[cfg(not(feature = "unleash"))]
    cat(&["Remote ", url])
}

/// The most of a body that is read: its bytes, the digits of the longest
/// declared `Content-Length` under it, and the failure past it.
const CAP: (usize, usize, &str) = {
    #[cfg(feature = "unleash")]
    let cap = unleash::CAP;
    #[cfg(not(feature = "unleash"))]
    let cap = (poll::MAX_DOCUMENT_BYTES, poll::MAX_DOCUMENT_DIGITS, poll::TOO_LONG);
    cap
};

/// The first answer's plan for `init(options)`, or `null` when there is no
/// document to read: `{ url, wait, timeout, lock, init }`: the wait for an
/// answer (`remoteTimeoutMs`, `poll::remote_wait`), the fetch's own timeout
/// (`poll::fetch_timeout` of the poll's interval), the Web Lock tabs opened
/// together read under (one reads, the others hear its answer), and the
/// fetch's options. `out.v` receives it (every export here is called with
/// an object to answer in and the init options, then its own arguments).
/// `listener`: the glue's function that calls `metrics` (Unleash's build
/// listens with it; this one lets it go).
#[export_name = "P"] // plan
extern "C" fn plan(out: JsValue, options: JsValue, listener: JsValue) {
    crate::lean::scoped(move || {
        let Some(url) = url_of(&options) else { return set(&out, "v", &JsValue::NULL) };
        let interval = poll::interval(own(&options, "pollMs").as_f64());
        let o = js::new_object();
        set(&o, "url", &JsValue::from_str(&url));
        set(&o, "wait", &JsValue::from_f64(poll::remote_wait(own(&options, "remoteTimeoutMs").as_f64())));
        set(&o, "timeout", &JsValue::from_f64(poll::fetch_timeout(interval)));
        // (The remote module's name for it, kept: tabs of two versions share it.)
        let mut lock = JsValue::from_str("maestro-gate first ");
        lock.push(&url);
        set(&o, "lock", &lock);
        let init = js::new_object();
        set(&init, "cache", &JsValue::from_str("no-store"));
        set(&init, "credentials", &JsValue::from_str("same-origin"));
        set(&o, "init", &init);
        #[cfg(feature = "unleash")]
        if let Some(u) = unleash::of(&options) {
            unleash::plan(&u, &options, &o, &listener);
        }
        let _ = &listener;
        set(&out, "v", &o);
    })
}

/// A response's status and `Content-Length`, before its body is read: how
/// many bytes of it may be read (0: none, a 304), or why it fails (`HTTP
/// 404`, or a declared length over the cap, 8 KB for a health document:
/// digits only, compared without parsing).
#[export_name = "T"] // head
extern "C" fn head(out: JsValue, _options: JsValue, status: JsValue, length: JsValue) {
    crate::lean::scoped(move || {
        let status = status.as_f64().unwrap_or(0.0);
        let (bytes, digits, too_long) = CAP;
        #[cfg(feature = "unleash")]
        unleash::status(status);
        let v = if status == 304.0 {
            JsValue::from_f64(0.0)
        } else if !(200.0..300.0).contains(&status) {
            // (JavaScript writes the digits: `flag::Text` of a JsValue.)
            let mut s = JsValue::from_str("HTTP ");
            flag::Text::push_uint(&mut s, status as u64);
            s
        } else {
            if poll::declared_too_long(&text(&length).unwrap_or_default(), digits) {
                JsValue::from_str(too_long)
            } else {
                JsValue::from_f64(bytes as f64)
            }
        };
        set(&out, "v", &v);
    })
}

/// What one read of the document says, as the glue carries it through the
/// race: `{ says, percent, value, why, message }` (`message`: the result as
/// the tabs share it, which the glue posts).
struct Document {
    says: Says,
    rollout: Rollout,
    value: JsValue,
    why: String,
}

/// The body's bytes, handed over as a string of one character per byte.
fn bytes(body: &JsValue) -> Vec<u8> {
    let len = field(body, "length").as_f64().unwrap_or(0.0) as usize;
    (0..len).map(|i| crate::abi::code_at(body.h(), i) as u8).collect()
}

/// A value of the document as a warning shows it: a string as it is,
/// anything else as JSON.
fn shown(value: &JsValue) -> String {
    if let Some(s) = text(value) {
        return s;
    }
    text(&method(&field(js::global(), "JSON"), "stringify", 1, value)).unwrap_or_default()
}

/// Reads a body as the poll does (`crates/remote`'s `read`).
fn read(body: &JsValue) -> Result<Document, String> {
    let bytes = bytes(body);
    // (One byte order mark dropped, as every reader does, `poll::without_bom`.)
    let rest = poll::without_bom(&bytes);
    if !poll::is_utf8(rest) {
        return Err(String::from("not a health document: the body is not UTF-8"));
    }
    // SAFETY: `poll::is_utf8` accepts exactly what `str::from_utf8` does
    // (its tests compare the two), without core's word-at-a-time check.
    let text = unsafe { core::str::from_utf8_unchecked(rest) };
    // (The text crosses to JavaScript through a `TextDecoder` that would drop
    // a second mark, which the other readers' `JSON.parse` refuses.)
    let parsed = if poll::without_bom(rest).len() < rest.len() {
        JsValue::UNDEFINED
    } else {
        method(&field(js::global(), "JSON"), "parse", 1, &JsValue::from_str(text))
    };
    // (JSON never parses to `undefined`: it threw.)
    if parsed.is_undefined() {
        return Err(poll::not_json(text));
    }
    // `JSON.parse` keeps the last of two equal keys: a document that says
    // both is not read (a failure changes nothing).
    if let Some(why) = poll::duplicate(text) {
        return Err(String::from(why));
    }
    // (Own properties only, as every reader reads them: `maestro_enabled` on
    // a polluted `Object.prototype` is no document's.)
    let value = own(&parsed, poll::KEY);
    let mut why = String::new();
    let mut says = poll::says(raw(&value, true));
    if poll::status_disagrees(says, crate::lean::text(&own(&parsed, poll::STATUS_KEY)).as_deref()) {
        says = Says::Invalid;
        why = String::from(poll::STATUS_DISAGREES);
    }
    let says = match says {
        Says::Garbage => return Err(String::from("not a health document with maestro_enabled")),
        Says::Invalid if why.is_empty() => {
            why = poll::invalid_enabled(&shown(&value), value.is_string());
            Says::Invalid
        }
        says => says,
    };
    let value = own(&parsed, poll::ROLLOUT_KEY);
    let rollout = poll::rollout(raw(&value, false));
    if rollout == Rollout::Invalid && why.is_empty() {
        why = poll::rollout_invalid(poll::ROLLOUT_KEY, &shown(&value), value.is_string());
    }
    Ok(Document { says, rollout, value, why })
}

/// Reads a body of the page's source (`read`'s, or Unleash's).
fn read_body(options: &JsValue, body: &JsValue) -> Result<Document, String> {
    #[cfg(feature = "unleash")]
    return unleash::of(options).ok_or_else(String::new).and_then(|u| unleash::read(&u, &bytes(body)));
    #[cfg(not(feature = "unleash"))]
    {
        let _ = options;
        read(body)
    }
}

/// Whether this browser remembers an off of a remote document that the
/// gate's decision would read (`remembered::off` there: the memory's `off`,
/// or a memory it cannot read, which fails safe), in localStorage or
/// sessionStorage: an answer that says on is then kept before the decision,
/// so that it replaces that off in time.
fn off_remembered() -> bool {
    AREAS.iter().any(|area| stored(area).is_some_and(|memory| field(&memory, "off").is_object() || !memory.is_object()))
}

const AREAS: [&str; 2] = ["localStorage", "sessionStorage"];

/// What an area holds under `remember::KEY`, parsed (`js::stored`).
fn stored(area: &str) -> Option<JsValue> {
    js::stored(&field(js::global(), area), remember::KEY)
}

fn text_of(v: &JsValue) -> String {
    text(v).unwrap_or_default()
}

/// A result as the tabs share it: `{ maestroGate: "remote", url, enabled,
/// rollout }` (the remote module's `Shared`).
fn result(url: &str, enabled: bool, rollout: Option<u32>) -> JsValue {
    let o = js::new_object();
    set(&o, protocol::KIND, &JsValue::from_str(Kind::Remote.id()));
    set(&o, "url", &JsValue::from_str(url));
    set(&o, "enabled", &JsValue::from_bool(enabled));
    if let Some(p) = rollout {
        set(&o, poll::ROLLOUT_KEY, &JsValue::from_f64(f64::from(p)));
    }
    o
}

/// One read of the document, as the glue ended it: `kind` 0, the body (a
/// string of one character per byte); 1, a body over the cap; 2, a failure
/// `head` worded; 3, what `fetch` or the body threw; 4, the fetch's own
/// timeout. On success it is remembered, and `out.v` is `{ says, percent,
/// value, why, message }` (`message` for the glue to share); a failure is
/// its text, empty when this failing stretch said so already.
#[export_name = "D"] // document
extern "C" fn document(out: JsValue, options: JsValue, kind: JsValue, value: JsValue) {
    crate::lean::scoped(move || {
        let url = url_of(&options).unwrap_or_default();
        let doc = match kind.as_f64().unwrap_or(3.0) as u32 {
            0 => read_body(&options, &value),
            1 => Err(String::from(CAP.2)),
            2 => Err(text_of(&value)),
            3 => Err(text_of(&js::message(&value))),
            _ => Err(String::from("timed out")),
        };
        let at = now();
        let warn_now = {
            STATE.own_last.set(Some(at));
            !STATE.failed.replace(doc.is_err()) && doc.is_err()
        };
        let doc = match doc {
            Ok(doc) => doc,
            Err(why) => return set(&out, "v", &JsValue::from_str(if warn_now { &why } else { "" })),
        };
        let (enabled, percent) = match (doc.says, doc.rollout) {
            (Says::Off | Says::Invalid, _) | (_, Rollout::Invalid) => (false, None),
            (_, Rollout::Percent(p)) => (true, Some(p)),
            (_, Rollout::Unset) => (true, None),
        };
        // (An Unleash 304: unchanged, nothing to keep or share.)
        #[cfg(feature = "unleash")]
        let unchanged = unleash::unchanged();
        #[cfg(not(feature = "unleash"))]
        let unchanged = false;
        let o = js::new_object();
        set(&o, "says", &JsValue::from_f64(doc.says.code()));
        set(&o, "percent", &JsValue::from_f64(doc.rollout.code()));
        set(&o, "value", &doc.value);
        set(&o, "why", &JsValue::from_str(&doc.why));
        if !unchanged {
            set(&o, "message", &result(&url, enabled, percent));
            set(&o, "at", &JsValue::from_f64(at));
            // (Kept after the decision, by the keeping module; before it,
            // and before the tabs hear it, when an "on" replaces an off
            // that the gate, and the other tabs, would read: `early`.)
            if enabled && off_remembered() {
                set(&o, "early", &JsValue::TRUE);
            }
        }
        set(&out, "v", &o);
    })
}

/// A message heard on the gate's channel: another tab's result for this
/// page's document (`out.v`: it as the tabs share it, only a valid
/// percentage kept; else `undefined`).
#[export_name = "H"] // heard
extern "C" fn heard(out: JsValue, options: JsValue, data: JsValue) {
    crate::lean::scoped(move || {
        if !js::text_is(&field(&data, protocol::KIND), Kind::Remote.id()) {
            return;
        }
        let (Some(url), Some(enabled)) = (text(&field(&data, "url")), field(&data, "enabled").as_bool()) else {
            return;
        };
        if url_of(&options).as_deref() != Some(url.as_str()) {
            return;
        }
        STATE.heard.set(Some(now()));
        let value = field(&data, poll::ROLLOUT_KEY);
        let percent = match poll::rollout(value.as_f64().map_or(Raw::Unset, Raw::Number)) {
            Rollout::Percent(p) => Some(p),
            _ => None,
        };
        set(&out, "v", &result(&url, enabled, percent));
    })
}

/// The narrowing the glue hands the gate (its reason a JavaScript string,
/// joined there: `flag::Text` of a JsValue).
fn narrowing(verdict: Verdict, reason: JsValue) -> JsValue {
    let o = js::new_object();
    set(&o, "code", &JsValue::from_f64(f64::from(verdict.code())));
    set(&o, "reason", &reason);
    o
}

/// A first answer as the glue takes it: an off's narrowing, `{ rollout }`,
/// or `null` (a remembered answer's: `keep.rs`'s `remembered`).
fn first(options: &JsValue, url: &str, enabled: bool, percent: Option<u32>) -> JsValue {
    if !enabled {
        #[cfg(feature = "unleash")]
        let reason = {
            let _ = url;
            JsValue::from_str(&unleash::of(options).map(|u| unleash::off_reason(&u)).unwrap_or_default())
        };
        #[cfg(not(feature = "unleash"))]
        let reason = {
            let _ = options;
            flag::remote_off_reason(&JsValue::from_str(url))
        };
        return narrowing(Verdict::RemoteOff, reason);
    }
    let Some(p) = percent else { return JsValue::NULL };
    let o = js::new_object();
    set(&o, poll::ROLLOUT_KEY, &JsValue::from_f64(f64::from(p)));
    o
}

/// The first answer, from whatever ended the wait: `outcome` is another
/// tab's result (`heard`), this page's read (`document`'s object, or its
/// failure's text), `undefined` when the wait ran out, `null` when there
/// was none (`remoteTimeoutMs: 0`). `out.v`: `{ code, reason }` when the
/// document says off (code 6) or fails safe (7), `{ rollout }` when it
/// sets a percentage, or `null`; when no answer came (in time), no `v` but
/// `out.key`, the document's key in the remembered answers: the first
/// answer is then the remembered one, which the keeping module reads
/// (`keep.rs`'s `remembered`; a remembered off the gate reads itself).
#[export_name = "F"] // finish
extern "C" fn finish(out: JsValue, options: JsValue, outcome: JsValue) {
    crate::lean::scoped(move || {
        let url = url_of(&options).unwrap_or_default();
        let quiet = quiet(&options);
        let v = if outcome.is_object() && field(&outcome, protocol::KIND).is_string() {
            // Another tab's answer.
            let enabled = field(&outcome, "enabled").as_bool().unwrap_or(true);
            counted(&url, enabled);
            first(&options, &url, enabled, count(&field(&outcome, poll::ROLLOUT_KEY), 100))
        } else if outcome.is_object() {
            own_answer(&options, &url, &outcome)
        } else {
            if outcome.is_undefined() {
                // The wait ran out: a failure, said once (the read may still end).
                let first = !STATE.failed.replace(true);
                if first && !quiet {
                    let mut ms = String::new();
                    flag::push_uint(&mut ms, poll::remote_wait(own(&options, "remoteTimeoutMs").as_f64()) as u64);
                    warn(&cat(&[
                        &label(&url),
                        " failed (no answer within ",
                        &ms,
                        " ms, remoteTimeoutMs); starting from its remembered answer, if any",
                    ]));
                }
            } else if let Some(why) = text(&outcome).filter(|w| !w.is_empty()) {
                if !quiet {
                    warn(&cat(&[&label(&url), " failed (", &why, "); starting from its remembered answer, if any"]));
                }
            }
            // No answer in time: the remembered one, the keeping module's,
            // when this browser remembers something (else none, and the
            // keeping module is not fetched for it).
            if AREAS.iter().any(|a| stored(a).is_some()) {
                set(&out, "key", &JsValue::from_str(&url));
            }
            return;
        };
        set(&out, "v", &v);
    })
}

/// This page's own read (`document`'s object) as the first answer.
fn own_answer(options: &JsValue, url: &str, doc: &JsValue) -> JsValue {
    let says = field(doc, "says").as_f64().unwrap_or(3.0);
    let percent = field(doc, "percent").as_f64().unwrap_or(-1.0);
    let value = field(doc, "value");
    if says == 2.0 {
        counted(url, false);
        let why = field(doc, "why");
        #[cfg(feature = "unleash")]
        let reason = JsValue::from_str(
            &unleash::of(options).map(|u| unleash::invalid_reason(&u, &text_of(&why))).unwrap_or_default(),
        );
        #[cfg(not(feature = "unleash"))]
        let reason = {
            let mut reason = JsValue::from_str("Disabled (fail safe): remote ");
            reason.push(url);
            reason.push(": ");
            reason.append(&why);
            reason
        };
        return narrowing(Verdict::RemoteFailSafe, reason);
    }
    if says != 0.0 && percent == -2.0 {
        // As the live poll's (the rollout module's `lower`) words it.
        let why = poll::rollout_invalid(From::Remote.label(), &shown(&value), value.is_string());
        let mut reason = JsValue::from_str("Disabled (fail safe): ");
        reason.push(&why);
        return narrowing(Verdict::RemoteFailSafe, reason);
    }
    counted(url, says != 0.0);
    first(options, url, says != 0.0, count(&JsValue::from_f64(percent), 100))
}

/// Counts the first decision for Unleash's metrics, for the source `url`
/// (once per page: `unleash::count`; a health document counts none).
#[inline(always)]
fn counted(url: &str, enabled: bool) {
    #[cfg(feature = "unleash")]
    unleash::count(url, enabled);
    let _ = (url, enabled);
}

/// What the first answer did, for the remote module's poll (`startRemote`'s
/// last argument): `{ at, heard, failed, warned, unsaid }` (`warned`: what
/// the keeping module's `keep` last answered, whether it said that
/// localStorage could not keep the memory; `unsaid`: the failure of a read
/// that ended after another tab's answer, which the remote module says as
/// its poll says one, `document`'s text).
#[export_name = "S"] // state
extern "C" fn state(out: JsValue, _options: JsValue, warned: JsValue, unsaid: JsValue) {
    crate::lean::scoped(move || {
        let s = &STATE;
        let o = js::new_object();
        let time = |t: Option<f64>| t.map_or(JsValue::UNDEFINED, JsValue::from_f64);
        set(&o, "at", &time(s.own_last.get()));
        set(&o, "heard", &time(s.heard.get()));
        set(&o, "failed", &JsValue::from_bool(s.failed.get()));
        set(&o, "warned", &JsValue::from_bool(warned.as_bool() == Some(true)));
        set(&o, "unsaid", &unsaid);
        #[cfg(feature = "unleash")]
        unleash::state(&o);
        set(&out, "v", &o);
    })
}
