//! The first answer of Unleash's Frontend API (`init({ unleash })` without
//! `remote`), in the first-answer module's Unleash builds (the `unleash`
//! feature: `pkg/maestro_gate_answer_unleash_bg.wasm`, `answer-unleash`, and
//! without the narrowing `pkg/maestro_gate_answer_unleash_slim_bg.wasm`,
//! `answer-unleash-slim`): a page with `unleash` loads one instead of
//! `maestro_gate_answer_bg.wasm`, with the same glue (`js/answer.js`), so
//! that a health document's page does not download Unleash's reader.
//!
//! It is `answer.rs` reading Unleash only (a page with both `unleash` and
//! `remote` asks the remote module, which reads the two together), with
//! the source keyed as the remote module keys it
//! (`unleash::source_id`): the request (`unleash::query`, the client key in
//! `Authorization`, `no-cache` so that Unleash may answer 304, no
//! credentials), the cap (`unleash::MAX_ANSWER_BYTES`), the reading
//! (`unleash::read`), the sentences (`unleash::off_reason`,
//! `unleash::invalid_reason`), the memory under the source's key, and the
//! decision counted for Unleash's metrics: posted by this module when the
//! page is hidden or left, or `unleash::METRICS_MS` after the read began,
//! unless the remote module's poll took it over first (`state`), as the
//! remote module's own first answer counted it (`crates/remote`'s
//! `count_decision`). The rules are the rules crate's (`maestro_gate::unleash`).

use alloc::string::String;
use core::cell::Cell;

use super::Document;
use crate::abi::JsValue;
use crate::js::{self, field, method, set};
use crate::lean::{own, text};
use maestro_gate::poll::{Rollout, Says};
use maestro_gate::unleash::{self, Counts};

/// An Unleash source, `options.unleash` read as own properties (the client
/// key stays here and in the request: never in a key, a memory or a line).
pub(super) struct Unleash {
    pub url: String,
    key: String,
    app: String,
    pub toggle: String,
}

/// `options.unleash` when it can be used: a non-empty `url` and
/// `clientKey` (else `None`: the page has no source here, as the remote
/// module's first answer reads none; its poll warns).
pub(super) fn of(options: &JsValue) -> Option<Unleash> {
    let u = own(options, "unleash");
    let t = |k: &str| text(&own(&u, k)).filter(|s| !s.is_empty());
    Some(Unleash {
        url: t("url")?,
        key: t("clientKey")?,
        app: t("appName").unwrap_or_else(|| String::from(unleash::DEFAULT_APP_NAME)),
        toggle: t("toggle").unwrap_or_else(|| String::from(unleash::DEFAULT_TOGGLE)),
    })
}

impl Unleash {
    pub fn id(&self) -> String {
        unleash::source_id(&self.url, &self.toggle)
    }
}

/// What this module keeps of the read, for the metrics and for the remote
/// module's poll (cells: one thread, no borrow to check).
struct Kept {
    /// The last read answered 304 (`head`): unchanged, which the remote
    /// module reads as on.
    unchanged: Cell<bool>,
    /// The decision counted last (`Some(enabled)`), and the decisions
    /// counted and not yet posted (two when a late read changed the first).
    counted: Cell<Option<bool>>,
    counts: Cell<Counts>,
    /// When the counting began (the plan; after a post, the post).
    since: Cell<f64>,
    /// Whether the remote module took the count over (`state`).
    handed: Cell<bool>,
}

// SAFETY: as `answer::State`'s.
unsafe impl Sync for Kept {}

static KEPT: Kept = Kept {
    unchanged: Cell::new(false),
    counted: Cell::new(None),
    counts: Cell::new(Counts { yes: 0, no: 0 }),
    since: Cell::new(0.0),
    handed: Cell::new(false),
};

/// The plan's request for Unleash (`plan` wrote a health document's): the
/// Frontend API's URL with the context, and the fetch's options. The
/// metrics' `listener` (the glue's, which calls `metrics`) hears the page
/// hidden or left, and fires once `unleash::METRICS_MS` on (as the remote
/// module's `leaving` and `count_decision`).
pub(super) fn plan(u: &Unleash, options: &JsValue, o: &JsValue, listener: &JsValue) {
    KEPT.since.set(super::now());
    let user = user_id(options);
    set(o, "url", &JsValue::from_str(&unleash::query(&u.url, &u.app, user.as_deref(), &session_id())));
    let init = js::new_object();
    set(&init, "cache", &JsValue::from_str("no-cache"));
    set(&init, "credentials", &JsValue::from_str("omit"));
    set(&init, "headers", &headers(u, false));
    set(o, "init", &init);
    let global = js::global();
    let document = field(global, "document");
    // (What is missing, a worker's document say, or throws, is left.)
    for (target, event) in [(global, "pagehide"), (&document, "visibilitychange")] {
        let _ = js::call(&field(target, "addEventListener"), target, &[&JsValue::from_str(event), listener]);
    }
    let _ = js::call(&field(global, "setTimeout"), global, &[listener, &JsValue::from_f64(unleash::METRICS_MS)]);
}

/// The `Authorization` header (the client key), and a JSON content type.
fn headers(u: &Unleash, json_body: bool) -> JsValue {
    let h = js::new_object();
    set(&h, "Authorization", &JsValue::from_str(&u.key));
    if json_body {
        set(&h, "Content-Type", &JsValue::from_str("application/json"));
    }
    h
}

/// The options' `userId` (an own property): a string, or a number as
/// `String(userId)` writes it (as the remote and rollout modules read it).
fn user_id(options: &JsValue) -> Option<String> {
    let user = own(options, "userId");
    if user.as_f64().is_some() {
        return text(&js::string(&user));
    }
    text(&user)
}

/// This browser's sticky id, `maestro-gate:id` (localStorage, else
/// sessionStorage; made here when there is none), or this page's, which the
/// copies of the gate on it share (`page_id`): Unleash's `sessionId` (the
/// remote module's `session_id`).
fn session_id() -> String {
    let key = JsValue::from_str(maestro_gate::rollout::ID_KEY);
    for area in ["localStorage", "sessionStorage"] {
        let store = field(js::global(), area);
        let Ok(id) = js::call(&field(&store, "getItem"), &store, &[&key]) else { continue };
        match text(&id) {
            Some(id) if !id.is_empty() => return id,
            _ => {
                let page = page_id();
                let id = JsValue::from_str(&page);
                let stored = js::call(&field(&store, "setItem"), &store, &[&key, &id]).is_ok()
                    && js::call(&field(&store, "getItem"), &store, &[&key]).is_ok_and(|v| js::text_eq(&v, &id));
                if stored {
                    return page;
                }
            }
        }
    }
    page_id()
}

/// This page's id, which every copy of the gate on it shares, as the
/// rollout's per-page id (`first_rollout::id`): the first copy to need one
/// leaves it on the page, `globalThis["maestro-gate:id"]`, and the others,
/// this module's instances and the remote module alike, read it there, so
/// that Unleash sees one `sessionId` for the page. Drawn here (32 hex
/// digits) when there is none.
fn page_id() -> String {
    let global = js::global();
    let id = text(&field(global, maestro_gate::rollout::ID_KEY)).filter(|id| !id.is_empty()).unwrap_or_else(|| {
        let random = field(global, "Math");
        let word =
            || (method(&random, "random", 0, &JsValue::UNDEFINED).as_f64().unwrap_or(0.0) * 4_294_967_296.0) as u32;
        unleash::hex_id([word(), word(), word(), word()])
    });
    set(global, maestro_gate::rollout::ID_KEY, &JsValue::from_str(&id));
    id
}

/// A response's status, before its body is read (`head`): a 304 is an
/// answer that did not change.
pub(super) fn status(status: f64) {
    KEPT.unchanged.set(status == 304.0);
}

/// The body's cap: its bytes, the digits of the longest declared length
/// under it, and the failure past it.
pub(super) const CAP: (usize, usize, &str) = (unleash::MAX_ANSWER_BYTES, unleash::MAX_ANSWER_DIGITS, unleash::TOO_LONG);

/// Reads an answer (`bytes`, of a 2xx; none, of a 304: unchanged, which
/// says on, and is neither kept nor shared).
pub(super) fn read(u: &Unleash, bytes: &[u8]) -> Result<Document, String> {
    if KEPT.unchanged.get() {
        return Ok(Document { says: Says::On, rollout: Rollout::Unset, value: JsValue::UNDEFINED, why: String::new() });
    }
    let a = unleash::read(bytes, &u.toggle)?;
    Ok(Document { says: a.says, rollout: a.rollout, value: JsValue::UNDEFINED, why: a.why })
}

/// Whether the last read was a 304 (nothing to keep or share).
pub(super) fn unchanged() -> bool {
    KEPT.unchanged.get()
}

/// Counts this page's decision for Unleash's metrics (the first answer it
/// applies, and a late read's that changes it; a remembered one is not
/// counted), for the source `id`: by one copy per page, whatever the
/// number of copies of the gate on it (each has its own instance of this
/// module). The first copy to count
/// leaves its mark on the page, `globalThis["maestro-gate:counted " + id]`
/// (as `first_rollout`'s per-page id), and counts; the others find it and
/// count nothing (so hand the remote module's poll nothing to post).
pub(super) fn count(id: &str, enabled: bool) {
    if KEPT.counted.get().is_none() {
        let mut key = String::from("maestro-gate:counted ");
        key.push_str(id);
        let global = js::global();
        if js::has_own(global, &key) {
            return;
        }
        set(global, &key, &JsValue::TRUE);
    }
    if KEPT.counted.replace(Some(enabled)) != Some(enabled) {
        let mut counts = KEPT.counts.get();
        counts.add(enabled);
        KEPT.counts.set(counts);
    }
}

/// Hands the count over to the remote module's poll (`state`): `counted`
/// (the decision counted last), `yes` and `no` (the decisions counted and
/// not yet posted) and `since`. This module posts nothing after. (This
/// page's `sessionId`, when no storage keeps one, the remote module reads
/// where this module left it: `page_id`.)
pub(super) fn state(o: &JsValue) {
    KEPT.handed.set(true);
    if let Some(c) = KEPT.counted.get() {
        set(o, "counted", &JsValue::from_bool(c));
    }
    let counts = KEPT.counts.take();
    set(o, "yes", &JsValue::from_f64(f64::from(counts.yes)));
    set(o, "no", &JsValue::from_f64(f64::from(counts.no)));
    set(o, "since", &JsValue::from_f64(KEPT.since.get()));
}

/// Posts the counts not yet posted, if any, unless the remote module took
/// them over, to `{url}/client/metrics` (`unleash::metrics`'s body, the client
/// key in `Authorization`); a failed post changes nothing and throws
/// nothing, and its count is not sent again. `event`: the `pagehide` or
/// `visibilitychange` that asks (it posts only for a hidden page, with
/// `keepalive`), or `undefined`, the timer's.
#[export_name = "M"] // metrics
extern "C" fn metrics(_out: JsValue, options: JsValue, event: JsValue) {
    crate::lean::scoped(move || {
        let leaving = !event.is_undefined();
        if leaving {
            let state = field(&field(js::global(), "document"), "visibilityState");
            if state.is_string() && !js::text_is(&state, "hidden") {
                return;
            }
        }
        let Some(u) = of(&options) else { return };
        let counts = KEPT.counts.take();
        if KEPT.handed.get() || counts.is_empty() {
            return;
        }
        let now = super::now();
        let since = KEPT.since.replace(now);
        let init = js::new_object();
        set(&init, "method", &JsValue::from_str("POST"));
        set(&init, "credentials", &JsValue::from_str("omit"));
        set(&init, "headers", &headers(&u, true));
        set(&init, "body", &JsValue::from_str(&unleash::metrics(&u.app, &u.toggle, counts, since, now)));
        if leaving {
            set(&init, "keepalive", &JsValue::TRUE);
        }
        let global = js::global();
        let url = JsValue::from_str(&unleash::metrics_url(&u.url));
        if let Ok(posted) = js::call(&field(global, "fetch"), global, &[&url, &init]) {
            // (A rejection is handled: `Function.prototype` does nothing.)
            method(&posted, "catch", 1, &field(&field(global, "Function"), "prototype"));
        }
    })
}

/// The reason of an off, and of an answer that fails safe.
pub(super) fn off_reason(u: &Unleash) -> String {
    unleash::off_reason(&u.url, &u.toggle)
}

pub(super) fn invalid_reason(u: &Unleash, why: &str) -> String {
    unleash::invalid_reason(&u.url, &u.toggle, why)
}
