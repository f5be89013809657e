//! maestro-gate's rollout module (`pkg/maestro_gate_rollout_bg.wasm`): the
//! error guard's counting and a remote document's lower percentage, after
//! the first decision. What a page that sets a rollout or a guard computes
//! before that decision (the guard's settings and remembered trip, the
//! percentages, this browser's id and bucket, the narrowing) is the
//! first-answer module's (`crates/gate/src/first_rollout.rs`, a lean module
//! over the gate's boundary); the glue loads this one from a task after the
//! decision, only when something needs it: a guard (its `match`,
//! `recordError`, `health().guard`, `resetGuard`), and a remote document's
//! percentage (`lower`). It is handed what the first-answer module computed
//! (the guard's settings, the bucket and its stickiness), so that both
//! agree. It hands the gate narrowings (`{ code, reason, rollout }`) that
//! only ever turn it off. What every value means is `maestro_gate::rollout`.

#![no_std]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;

use js_sys::{Function, Object, Reflect, RegExp};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Storage;

use maestro_gate_util::{self as util, set, Slot};

use maestro_gate::cleanup;
use maestro_gate::flag::{self, read_str, Level, Log, Raw, Reading};
use maestro_gate::hash;
use maestro_gate::protocol::{self, Kind};
use maestro_gate::rollout::{self, Counter, From, Guard, Narrowing};

// `no_std`, as the gate is: without std's panic machinery (and the
// formatting it keeps), the module is a fraction of the size. The code is written
// never to panic; a trap is caught by the glue, which then fails safe. (The
// panic handler, the allocator and the one-thread check are
// maestro-gate-util's.)

#[wasm_bindgen]
extern "C" {
    /// `addEventListener` on the global object, catching.
    #[wasm_bindgen(catch, js_name = addEventListener)]
    fn add_event_listener(kind: &str, listener: &Function) -> Result<(), JsValue>;
}

/// One copy of the gate that loaded this module (the app's bundle, a CDN
/// tag, a micro-frontend's own copy): its guard is its own.
struct Gate {
    /// The copy's `restrict(narrowing)`, through its glue; also the handle
    /// its `recordError` and `health()` name it by.
    restrict: Function,
    /// The guard, when that copy's `init({ guard })` set one, and its count.
    guard: Option<Guard>,
    counter: Counter,
    /// That copy's `log` option (the warning when a trip cannot be kept).
    log: Log,
    /// That copy's `post(message)`, on its gate's channel: its guard's trip
    /// is told to the other tabs there.
    post: Function,
}

#[derive(Default)]
struct State {
    /// Whether a guard tripped on this page (the first trip turns every copy off).
    tripped: bool,
    /// Every copy of the gate on the page that loaded this module, each with
    /// its own guard: every one hears a trip, whichever copy's guard tripped.
    copies: Vec<Gate>,
}

/// The module's state: one page, one thread (a `Slot`, which on the host,
/// where clippy and the workspace's tests compile it, holds nothing).
static STATE: Slot<State> = Slot::new();

/// Runs `f` on the state (made on first use); `None` if it is in use
/// already (a re-entrant call), which never panics.
fn with<R>(f: impl FnOnce(&mut State) -> R) -> Option<R> {
    STATE.with(f)
}

/// `obj[key]` when it is the object's own property (a polluted prototype is
/// no source: `util::try_own`); `Err` with what was thrown.
fn own(obj: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    util::try_own(obj, key)
}

/// A value as the rules read it (a remote document's percentage).
fn reading(v: Result<JsValue, JsValue>) -> (Raw, Reading) {
    let v = match v {
        Ok(v) => v,
        Err(e) => return (Raw::Unset, Reading::threw(util::message(&e))),
    };
    if v.is_undefined() || v.is_null() {
        return (Raw::Unset, Reading::unset());
    }
    let raw = if let Some(s) = v.as_string() {
        read_str(&s)
    } else if let Some(b) = v.as_bool() {
        Raw::Bool(b)
    } else if let Some(n) = v.as_f64() {
        Raw::Number(n)
    } else {
        Raw::Other
    };
    let text = util::text(&v);
    (raw, Reading::of(raw, Some(shown(&text))))
}

/// `n` in decimal (the core's writer: no `core::fmt`, whose float
/// formatting alone would be most of this module).
fn digits(n: u64) -> String {
    let mut s = String::new();
    cleanup::push_uint(&mut s, n);
    s
}

/// A value as the page shows it in its lines (`flag::shown`: at most its
/// first `flag::SHOWN` characters, then how many it has).
fn shown(text: &str) -> String {
    let mut s = String::new();
    flag::shown(&mut s, text);
    s
}

/// The narrowing as the glue hands it to the gate: `{ code, reason, rollout }`
/// (`code`: see `Narrowing::code`; `rollout`: `{ percent, bucket,
/// stickiness }` or `null`; `stickiness` as the first-answer module named it).
fn object(n: &Narrowing, stickiness: &JsValue) -> JsValue {
    let o = Object::new();
    set(&o, "code", &n.code().into());
    set(&o, "reason", &JsValue::from_str(&n.reason));
    let rollout = match n.rollout {
        Some((percent, bucket)) => {
            let r = Object::new();
            set(&r, "percent", &percent.into());
            set(&r, "bucket", &bucket.into());
            set(&r, "stickiness", stickiness);
            Object::freeze(&r).into()
        }
        None => JsValue::NULL,
    };
    set(&o, "rollout", &rollout);
    Object::freeze(&o).into()
}

fn storage(name: &str) -> Option<Storage> {
    Reflect::get(&js_sys::global(), &JsValue::from_str(name)).ok()?.dyn_into::<Storage>().ok()
}

/// Where a trip is remembered: localStorage, and sessionStorage when
/// localStorage could not keep it (a full quota).
const AREAS: [&str; 2] = ["localStorage", "sessionStorage"];

/// When the trip remembered in `store` ends (`rollout::stored_until`).
fn stored_until(store: &Storage) -> Option<f64> {
    rollout::stored_until(&store.get_item(rollout::GUARD_KEY).ok()??)
}

/// When the remembered trip's cooldown ends: the later of the two areas'.
fn guard_until() -> Option<f64> {
    AREAS.iter().filter_map(|a| stored_until(&storage(a)?)).reduce(f64::max)
}

/// Remembers a trip until `until`: in localStorage, else (full, blocked) in
/// sessionStorage with a warning, so that this tab's reloads still start off.
fn remember(until: f64, log: Log) {
    let value = digits(until as u64);
    let keep = |area| storage(area).is_some_and(|s| s.set_item(rollout::GUARD_KEY, &value).is_ok());
    if keep("localStorage") {
        return;
    }
    let warning = if keep("sessionStorage") { rollout::TRIP_IN_SESSION } else { rollout::TRIP_NOT_KEPT };
    if log.shows(Level::Warn) {
        util::warn(warning);
    }
}

/// Internal: the glue calls this after the gate's first decision, once per
/// copy of the gate that needs this module: `restrict(narrowing)` is that
/// copy's way to turn off (a guard's trip), and the handle its
/// `recordError` and `health()` name it by; `post(message)` posts on its
/// channel (a trip is told to the other tabs: their gates hear it, this
/// module opens no channel and hears none). `guard` is the guard's settings
/// as the first-answer module read them before the decision (`{ errors,
/// windowMs, cooldownMs }`, its remembered trip already capped), or `null`
/// for a copy without one; with `guard.match`, the page's errors that match
/// are counted from now on.
#[wasm_bindgen]
pub fn join(options: JsValue, restrict: Function, post: Function, guard: JsValue) {
    let log = Log::parse(own(&options, "log").ok().and_then(|l| l.as_string()).as_deref());
    let number = |k| util::field(&guard, k).as_f64().unwrap_or(0.0);
    let settings = guard.is_object().then(|| Guard {
        errors: number("errors") as u32,
        window_ms: number("windowMs"),
        cooldown_ms: number("cooldownMs"),
    });
    let handle = restrict.clone();
    with(|s| s.copies.push(Gate { restrict, guard: settings, counter: Counter::default(), log, post }));
    if settings.is_some() {
        watch_errors(&own(&options, "guard").unwrap_or(JsValue::UNDEFINED), handle);
    }
}

/// Internal: a remote document's `"rollout"` (`value`, as the document wrote
/// it), for this browser's bucket (`{ bucket, stickiness }`: the first-answer
/// module's, hashed before the decision, so that both agree). Returns the narrowing
/// that turns this browser off (its bucket is out, or an invalid value fails
/// safe), or `null` when there is none: a percentage this browser is within
/// narrows nothing, so that a raised one neither turns anything on (the gate
/// latches: it takes effect on the next load) nor replaces the
/// `decision().rollout` the decision was made with.
#[wasm_bindgen]
pub fn lower(value: JsValue, bucket: JsValue) -> JsValue {
    let (raw, reading) = reading(Ok(value));
    match rollout::smallest(&[(From::Remote, raw, reading)]) {
        Err(n) => object(&n, &JsValue::NULL),
        Ok(None) => JsValue::NULL,
        Ok(Some((percent, _))) => {
            let n = rollout::narrow(percent, util::field(&bucket, "bucket").as_f64().unwrap_or(0.0) as u32);
            if n.enabled {
                return JsValue::NULL;
            }
            object(&n, &util::field(&bucket, "stickiness"))
        }
    }
}

/// Counts one of MAESTRO's failures for the copy of the gate `copy` names
/// (its `restrict`): for its own guard, or, for a copy without one (or none
/// named), for every guard on the page. At a guard's limit, turns every copy
/// of the gate off, here and in every tab, and remembers the trip for that
/// guard's cooldown. The error itself is never stored or sent: only the time
/// is kept.
#[wasm_bindgen(js_name = recordError)]
pub fn record_error(copy: JsValue) {
    let now = js_sys::Date::now();
    let trip = with(|s| {
        let named = s.copies.iter().any(|c| c.guard.is_some() && JsValue::from(&c.restrict) == copy);
        let mut trip = None;
        for c in s.copies.iter_mut().filter(|c| !named || JsValue::from(&c.restrict) == copy) {
            let Some(guard) = c.guard else { continue };
            if c.counter.record(&guard, now) && trip.is_none() {
                trip = Some((guard, c.log, c.post.clone()));
            }
        }
        trip.filter(|_| !core::mem::replace(&mut s.tripped, true))
    })
    .flatten();
    let Some((guard, log, post)) = trip else { return };
    remember(rollout::cooldown_until(&guard, now), log);
    // Told on the tripping copy's channel: every other tab's gate, and every
    // other copy of the gate on this page, hears it and turns off.
    let message = Object::new();
    let _ = Reflect::set(&message, &protocol::KIND.into(), &Kind::Guard.id().into());
    let _ = post.call1(&JsValue::NULL, &message);
    restrict(&rollout::tripped(&guard));
}

/// Turns the gate off (only ever off: the gate latches).
fn restrict(n: &Narrowing) {
    let object = object(n, &JsValue::NULL);
    for f in with(|s| s.copies.iter().map(|c| c.restrict.clone()).collect::<Vec<_>>()).unwrap_or_default() {
        let _ = f.call1(&JsValue::NULL, &object);
    }
}

/// Whether an error event's `filename` or stack matches `guard.match`.
fn matches(pattern: &JsValue, event: &JsValue) -> bool {
    let get = |o: &JsValue, k: &str| util::field(o, k).as_string();
    let error = Some(util::field(event, "error")).filter(|e| !e.is_undefined());
    let error = error.unwrap_or_else(|| util::field(event, "reason"));
    let texts = [get(event, "filename"), if error.is_object() { get(&error, "stack") } else { None }];
    texts.iter().flatten().any(|text| {
        if let Some(s) = pattern.as_string() {
            // Searched by JavaScript: no string searcher in the wasm.
            !s.is_empty() && js_sys::JsString::from(text.as_str()).includes(&s, 0)
        } else if let Some(re) = pattern.dyn_ref::<RegExp>() {
            re.set_last_index(0);
            re.test(text)
        } else {
            false
        }
    })
}

/// With `guard.match`, counts the page's `error` and `unhandledrejection`
/// events that come from MAESTRO's code for this copy's guard (`copy`, its
/// handle; each copy counts an event once); the app's own errors never count.
fn watch_errors(guard: &JsValue, copy: Function) {
    let Ok(pattern) = own(guard, "match") else { return };
    if !(pattern.is_string() || pattern.is_instance_of::<RegExp>()) {
        return;
    }
    let copy = JsValue::from(copy);
    let listener = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        if matches(&pattern, &event) {
            record_error(copy.clone());
        }
    });
    let f: &Function = listener.as_ref().unchecked_ref();
    let _ = add_event_listener("error", f);
    let _ = add_event_listener("unhandledrejection", f);
    listener.forget(); // for the life of the page
}

/// Forgets this browser's guard trip (the console's
/// `maestroGate.resetGuard()`): the next load decides afresh. This page stays
/// as it is (the gate latches). Returns whether a trip was remembered.
#[wasm_bindgen(js_name = resetGuard)]
pub fn reset_guard() -> bool {
    let had = guard_until().is_some();
    for area in AREAS {
        if let Some(store) = storage(area) {
            let _ = store.remove_item(rollout::GUARD_KEY);
        }
    }
    with(|s| s.copies.iter_mut().for_each(|c| c.counter.clear()));
    had
}

/// The guard of the copy `copy` names (its `restrict`) for its `health()`:
/// `{ errors, limit, windowMs }`, or `null` when that copy has no guard.
#[wasm_bindgen(js_name = guardState)]
pub fn guard_state(copy: JsValue) -> JsValue {
    let now = js_sys::Date::now();
    let state = with(|s| {
        let c = s.copies.iter().find(|c| JsValue::from(&c.restrict) == copy)?;
        c.guard.map(|g| (c.counter.count(&g, now), g))
    });
    let Some((count, guard)) = state.flatten() else {
        return JsValue::NULL;
    };
    let o = Object::new();
    set(&o, "errors", &count.into());
    set(&o, "limit", &guard.errors.into());
    set(&o, "windowMs", &guard.window_ms.into());
    Object::freeze(&o).into()
}

/// The bucket (1 to 100) of `id` in `group`, as the rollout computes it (the
/// demo's "simulate 1,000 browsers").
#[wasm_bindgen(js_name = bucketOf)]
pub fn bucket_of(group: &str, id: &str) -> u32 {
    hash::bucket(group, id)
}
