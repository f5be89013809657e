//! maestro-gate's rollout module (`pkg/maestro_gate_rollout_bg.wasm`): the
//! gradual rollout and the error guard. The glue loads it only for a page
//! that sets a rollout (`VITE_MAESTRO_ROLLOUT`, `window.MAESTRO_ROLLOUT`,
//! `init({ rollout })`, or a remote document's `"rollout"`) or a guard
//! (`init({ guard })`), before the first decision; every other page never
//! downloads it, and the gate's decision path stays as small as it was.
//!
//! It reads the sources and this browser's id and guard trip, and hands the
//! gate module a narrowing (`{ enabled, source, value, reason, warn, rollout }`)
//! that the gate applies: only ever narrowing an "on". What every value means
//! is `maestro_gate::rollout`; the hash is `maestro_gate::hash`.

#![no_std]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;

use js_sys::{Function, Object, Reflect, RegExp, Uint32Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Storage;

use maestro_gate_util::{self as util, get, set, Slot};

use maestro_gate::cleanup;
use maestro_gate::flag::{self, read_str, Level, Log, Raw, Reading};
use maestro_gate::hash::{self, Murmur3};
use maestro_gate::protocol::{self, Kind};
use maestro_gate::rollout::{self, Counter, From, Guard, GuardOption, Narrowing, Step, Stickiness};

// `no_std`, as the gate is: without std's panic machinery (and the
// formatting it keeps), the module is a fraction of the size, and a page that
// sets a rollout waits for it before its first decision. The code is written
// never to panic; a trap is caught by the glue, which then fails safe. (The
// panic handler, the allocator and the one-thread check are
// maestro-gate-util's.)

#[wasm_bindgen]
extern "C" {
    /// `crypto.getRandomValues`, catching.
    #[wasm_bindgen(catch, js_namespace = crypto, js_name = getRandomValues)]
    fn random_values(array: &Uint32Array) -> Result<JsValue, JsValue>;
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
    /// The options `start` was given (for a later remote percentage).
    /// The bucket and the kind of id it was hashed from, once computed for
    /// the `init()` options `bucket_of` (two copies of the gate on a page
    /// may share this module, each with its own options).
    bucket: Option<(u32, Stickiness)>,
    bucket_of: JsValue,
    /// Whether a guard tripped on this page (the first trip turns every copy off).
    tripped: bool,
    /// Every copy of the gate on the page that loaded this module, each with
    /// its own guard: every one hears a trip, whichever copy's guard tripped.
    copies: Vec<Gate>,
    /// A per-page id, when no storage can keep one.
    page_id: Option<String>,
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

/// A value as the rules read it (`util::get` for the rollout's percentages:
/// every one narrows, so it counts wherever it comes from; `own` for the
/// guard's settings).
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
/// stickiness }` or `null`).
fn object(n: &Narrowing, stickiness: Option<Stickiness>) -> JsValue {
    let o = Object::new();
    set(&o, "code", &n.code().into());
    set(&o, "reason", &JsValue::from_str(&n.reason));
    let rollout = match n.rollout {
        Some((percent, bucket)) => {
            let r = Object::new();
            set(&r, "percent", &percent.into());
            set(&r, "bucket", &bucket.into());
            set(&r, "stickiness", &stickiness.map_or(JsValue::NULL, |s| JsValue::from_str(s.id())));
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

/// A new random id: 128 bits from `crypto.getRandomValues`, as hex.
fn new_id() -> Option<String> {
    let words = Uint32Array::new_with_length(4);
    random_values(&words).ok()?;
    let mut id = String::with_capacity(32);
    for w in words.to_vec() {
        for shift in (0..8).rev() {
            let digit = (w >> (shift * 4)) & 0xf;
            id.push(char::from_digit(digit, 16).unwrap_or('0'));
        }
    }
    Some(id)
}

/// This browser's id for the bucket: `userId` when given; else an anonymous
/// id kept in localStorage (`maestro-gate:id`), else in sessionStorage,
/// else one for this page.
fn user_id(options: &JsValue) -> Option<String> {
    let user = own(options, "userId").ok()?;
    user.as_string().or_else(|| user.as_f64().and_then(|_| util::string(&user))).filter(|s| !s.is_empty())
}

fn id(user: Option<String>) -> (String, Stickiness) {
    if let Some(user) = user {
        return (user, Stickiness::UserId);
    }
    for (area, kind) in [("localStorage", Stickiness::LocalStorage), ("sessionStorage", Stickiness::SessionStorage)] {
        let Some(store) = storage(area) else { continue };
        match store.get_item(rollout::ID_KEY) {
            Ok(Some(id)) if !id.is_empty() => return (id, kind),
            Ok(_) => {
                let Some(id) = new_id() else { break };
                // Kept only if it can be read back: a store that drops writes
                // (a full quota, a private mode) would give a new bucket each load.
                if store.set_item(rollout::ID_KEY, &id).is_ok()
                    && store.get_item(rollout::ID_KEY).ok().flatten().as_deref() == Some(&id)
                {
                    return (id, kind);
                }
            }
            Err(_) => {}
        }
    }
    let random = || digits((js_sys::Math::random() * 9e15) as u64);
    let id = with(|s| s.page_id.get_or_insert_with(|| new_id().unwrap_or_else(random)).clone()).unwrap_or_else(random);
    (id, Stickiness::Page)
}

/// The bucket of this browser for `options` (`rolloutGroup`, `userId`):
/// computed once per page for one gate's options.
fn bucket(options: &JsValue) -> (u32, Stickiness) {
    if let Some(b) = with(|s| s.bucket.filter(|_| s.bucket_of == *options)).flatten() {
        return b;
    }
    let group = own(options, "rolloutGroup").ok().and_then(|g| g.as_string()).filter(|g| !g.is_empty());
    let group = group.as_deref().unwrap_or(rollout::DEFAULT_GROUP);
    let (id, stickiness) = id(user_id(options));
    let mut m = Murmur3::new(0);
    m.write(group.as_bytes());
    m.byte(b':');
    m.write(id.as_bytes());
    let b = (hash::normalized(m.finish()), stickiness);
    with(|s| {
        s.bucket = Some(b);
        s.bucket_of = options.clone();
    });
    b
}

/// Where a trip is remembered: localStorage, and sessionStorage when
/// localStorage could not keep it (a full quota).
const AREAS: [&str; 2] = ["localStorage", "sessionStorage"];

/// When the trip remembered in `store` ends (ms since the epoch, in decimal).
fn stored_until(store: &Storage) -> Option<f64> {
    let value = store.get_item(rollout::GUARD_KEY).ok()??;
    let value = value.trim();
    if value.is_empty() || value.len() > 16 || !value.bytes().all(|b| b.is_ascii_digit()) {
        // Not a time this module wrote: a trip (forged or not) still counts,
        // for at most the cooldown.
        return Some(f64::INFINITY).filter(|_| !value.is_empty());
    }
    Some(value.bytes().fold(0.0, |n, d| n * 10.0 + f64::from(d - b'0')))
}

/// When the remembered trip's cooldown ends: the later of the two areas'.
fn guard_until() -> Option<f64> {
    AREAS.iter().filter_map(|a| stored_until(&storage(a)?)).reduce(f64::max)
}

/// Writes back, capped, a remembered end further away than this guard's
/// cooldown (`rollout::capped`): the cap is applied once, by the first load
/// that reads it, so a forged or skewed value ends at most `cooldownMs` later.
fn cap_cooldown(guard: &Guard, now: f64) {
    for area in AREAS {
        let Some(store) = storage(area) else { continue };
        if let Some(cap) = stored_until(&store).and_then(|until| rollout::capped(guard, until, now)) {
            let _ = store.set_item(rollout::GUARD_KEY, &digits(cap as u64));
        }
    }
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
        util::warn(&["[MAESTRO] ", warning].concat());
    }
}

/// Internal: the glue calls this before the gate's first decision, on a page
/// that sets a rollout or a guard. Returns the narrowing of the gate's "on"
/// (`null` when nothing narrows it). `restrict(narrowing)` is the gate's way
/// to turn off later (a guard's trip); `post(message)` posts on that copy's
/// channel (a trip is told to the other tabs: their gates hear it, this
/// module opens no channel and hears none).
#[wasm_bindgen]
pub fn start(options: JsValue, restrict: Function, remote: Option<u32>, post: Function) -> JsValue {
    let log = Log::parse(own(&options, "log").ok().and_then(|l| l.as_string()).as_deref());
    let handle = restrict.clone();
    with(|s| s.copies.push(Gate { restrict, guard: None, counter: Counter::default(), log, post }));
    // The rules' order is the core's (`rollout::start`): the guard's
    // settings, its cooldown, then the rollout's percentages.
    let (guard, g) = match own(&options, "guard") {
        Ok(g) if g.is_undefined() || g.is_null() || g.is_falsy() => (GuardOption::Off, g),
        Ok(g) => {
            let field = |k| reading(if g.is_object() { own(&g, k) } else { Ok(JsValue::UNDEFINED) });
            (GuardOption::Settings([field("errors"), field("windowMs"), field("cooldownMs")]), g)
        }
        Err(e) => (GuardOption::Threw(util::message(&e)), JsValue::UNDEFINED),
    };
    // The three percentages are read as the app reads them: each one can
    // only narrow, so an inherited one (a getter, a proxy, a prototype)
    // counts too. The guard's settings and the id are own properties only.
    let now = js_sys::Date::now();
    let (settings, step) = rollout::start(guard, guard_until, now, || {
        let env = get(&options, "env");
        [
            (From::Build, env.and_then(|env| get(&env, "VITE_MAESTRO_ROLLOUT"))),
            (From::Runtime, get(&js_sys::global(), "MAESTRO_ROLLOUT")),
            (From::Option, get(&options, "rollout")),
        ]
        .map(|(from, v)| {
            let (raw, r) = reading(v);
            (from, raw, r)
        })
    });
    if let Some(guard) = settings {
        cap_cooldown(&guard, now);
        with(|s| {
            if let Some(copy) = s.copies.iter_mut().find(|c| c.restrict == handle) {
                copy.guard = Some(guard);
            }
        });
        watch_errors(&g, handle);
    }
    match rollout::with_remote(step, remote) {
        Step::Narrowed(n) => object(&n, None),
        Step::None => JsValue::NULL,
        Step::Rollout(percent) => {
            let (b, stickiness) = bucket(&options);
            object(&rollout::narrow(percent, b), Some(stickiness))
        }
    }
}

/// Internal: a remote document's `"rollout"` (`value`, as the document wrote
/// it); `options` are this gate's `init()` options (its `rolloutGroup` and
/// `userId`). Returns the narrowing that turns this browser off (its bucket
/// is out, or an invalid value fails safe), or `null` when there is none: a
/// percentage this browser is within narrows nothing, so that a raised one
/// neither turns anything on (the gate latches: it takes effect on the next
/// load) nor replaces the `decision().rollout` the decision was made with.
#[wasm_bindgen]
pub fn lower(options: JsValue, value: JsValue) -> JsValue {
    let (raw, reading) = reading(Ok(value));
    match rollout::smallest(&[(From::Remote, raw, reading)]) {
        Err(n) => object(&n, None),
        Ok(None) => JsValue::NULL,
        Ok(Some((percent, _))) => {
            let (b, stickiness) = bucket(&options);
            let n = rollout::narrow(percent, b);
            if n.enabled {
                return JsValue::NULL;
            }
            object(&n, Some(stickiness))
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
    let object = object(n, None);
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
