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
use web_sys::{BroadcastChannel, Storage};

use maestro_gate::cleanup;
use maestro_gate::flag::{self, read_str, Level, Log, Raw, Reading};
use maestro_gate::hash::{self, Murmur3};
use maestro_gate::protocol::{self, Kind};
use maestro_gate::rollout::{self, Counter, From, Guard, GuardOption, Narrowing, Step, Stickiness};

// `no_std`, as the gate is: without std's panic machinery (and the
// formatting it keeps), the module is a fraction of the size, and a page that
// sets a rollout waits for it before its first decision. The code is written
// never to panic; a trap is caught by the glue, which then fails safe.
#[cfg(target_arch = "wasm32")]
mod runtime {
    #[cfg(target_feature = "atomics")]
    compile_error!("the rollout module assumes one thread (its state is a plain static)");

    // SAFETY: one thread: wasm32 without atomics never shares this instance's memory.
    #[global_allocator]
    static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
        unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo) -> ! {
        core::arch::wasm32::unreachable()
    }
}

#[wasm_bindgen]
extern "C" {
    /// `Object.prototype.hasOwnProperty.call(obj, key)`, catching.
    #[wasm_bindgen(catch, js_namespace = ["Object", "prototype", "hasOwnProperty"], js_name = call)]
    fn has_own(obj: &JsValue, key: &str) -> Result<bool, JsValue>;
    /// `String(value)`, catching (a Symbol throws).
    #[wasm_bindgen(catch, js_name = String)]
    fn string_of(value: &JsValue) -> Result<String, JsValue>;
    /// `crypto.getRandomValues`, catching.
    #[wasm_bindgen(catch, js_namespace = crypto, js_name = getRandomValues)]
    fn random_values(array: &Uint32Array) -> Result<JsValue, JsValue>;
    /// `addEventListener` on the global object, catching.
    #[wasm_bindgen(catch, js_name = addEventListener)]
    fn add_event_listener(kind: &str, listener: &Function) -> Result<(), JsValue>;
    /// `console.warn`, catching (a page may replace the console).
    #[wasm_bindgen(catch, js_namespace = console, js_name = warn)]
    fn console_warn(line: &str) -> Result<(), JsValue>;
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
    /// The channel a trip is told on, and other tabs' trips are heard on.
    channel: Option<BroadcastChannel>,
}

/// The module's state: one page, one thread.
#[cfg(target_arch = "wasm32")]
struct Slot(core::cell::RefCell<Option<State>>);
// SAFETY: wasm32 without atomics (checked above): one thread, and the
// instance's memory is never shared. (Only there: a host build, which
// clippy and the workspace's tests compile, has no state at all.)
#[cfg(target_arch = "wasm32")]
unsafe impl Sync for Slot {}
#[cfg(target_arch = "wasm32")]
static STATE: Slot = Slot(core::cell::RefCell::new(None));

/// Runs `f` on the state (made on first use); `None` if it is in use
/// already (a re-entrant call), which never panics.
#[cfg(target_arch = "wasm32")]
fn with<R>(f: impl FnOnce(&mut State) -> R) -> Option<R> {
    let mut slot = STATE.0.try_borrow_mut().ok()?;
    Some(f(slot.get_or_insert_with(State::default)))
}

/// On the host (never run: the module ships as wasm), no state.
#[cfg(not(target_arch = "wasm32"))]
fn with<R>(_: impl FnOnce(&mut State) -> R) -> Option<R> {
    None
}

/// `obj[key]` when it is the object's own property (a polluted prototype is
/// no source); `Err` with the message when reading it threw.
fn own(obj: &JsValue, key: &str) -> Result<JsValue, String> {
    if !obj.is_object() {
        return Ok(JsValue::UNDEFINED);
    }
    match has_own(obj, key) {
        Ok(true) => Reflect::get(obj, &JsValue::from_str(key)).map_err(|e| message(&e)),
        Ok(false) => Ok(JsValue::UNDEFINED),
        Err(e) => Err(message(&e)),
    }
}

/// `obj[key]` as the app reads it (a getter, a proxy's `get` trap and the
/// prototype chain included, of `Object(obj)`, as the gate reads it); `Err`
/// with the message when reading it threw. For the rollout's percentages:
/// every one narrows, so it counts wherever it comes from.
fn get(obj: &JsValue, key: &str) -> Result<JsValue, String> {
    // `Object(obj)`: `undefined`, `null` and other primitives read as `{}`.
    let object = if obj.is_object() || obj.is_function() { obj.clone() } else { Object::new().into() };
    Reflect::get(&object, &JsValue::from_str(key)).map_err(|e| message(&e))
}

fn message(e: &JsValue) -> String {
    let m = Reflect::get(e, &JsValue::from_str("message")).ok().and_then(|m| m.as_string());
    m.or_else(|| string_of(e).ok()).unwrap_or_else(|| String::from("unknown error"))
}

/// A value as the rules read it.
fn reading(v: Result<JsValue, String>) -> (Raw, Reading) {
    let v = match v {
        Ok(v) => v,
        Err(m) => return (Raw::Unset, Reading::threw(m)),
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
    let text = string_of(&v).unwrap_or_else(|_| String::from("[unprintable]"));
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
    let set = |o: &Object, k: &str, v: &JsValue| {
        let _ = Reflect::set(o, &JsValue::from_str(k), v);
    };
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
    user.as_string().or_else(|| user.as_f64().and_then(|_| string_of(&user).ok())).filter(|s| !s.is_empty())
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
        let _ = console_warn(&["[MAESTRO] ", warning].concat());
    }
}

/// Internal: the glue calls this before the gate's first decision, on a page
/// that sets a rollout or a guard. Returns the narrowing of the gate's "on"
/// (`null` when nothing narrows it). `restrict(narrowing)` is the gate's way
/// to turn off later (a guard's trip).
#[wasm_bindgen]
pub fn start(options: JsValue, restrict: Function, remote: Option<u32>) -> JsValue {
    let log = Log::parse(own(&options, "log").ok().and_then(|l| l.as_string()).as_deref());
    let handle = restrict.clone();
    with(|s| s.copies.push(Gate { restrict, guard: None, counter: Counter::default(), log }));
    // The rules' order is the core's (`rollout::start`): the guard's
    // settings, its cooldown, then the rollout's percentages.
    let (guard, g) = match own(&options, "guard") {
        Ok(g) if g.is_undefined() || g.is_null() || g.is_falsy() => (GuardOption::Off, g),
        Ok(g) => {
            let field = |k| reading(if g.is_object() { own(&g, k) } else { Ok(JsValue::UNDEFINED) });
            (GuardOption::Settings([field("errors"), field("windowMs"), field("cooldownMs")]), g)
        }
        Err(m) => (GuardOption::Threw(m), JsValue::UNDEFINED),
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
        listen();
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
                trip = Some((guard, c.log));
            }
        }
        trip.filter(|_| !core::mem::replace(&mut s.tripped, true))
    })
    .flatten();
    let Some((guard, log)) = trip else { return };
    remember(rollout::cooldown_until(&guard, now), log);
    if let Some(channel) = with(|s| s.channel.clone()).flatten() {
        let message = Object::new();
        let _ = Reflect::set(&message, &protocol::KIND.into(), &Kind::Guard.id().into());
        let _ = channel.post_message(&message);
    }
    restrict(&rollout::tripped(&guard));
}

/// Turns the gate off (only ever off: the gate latches).
fn restrict(n: &Narrowing) {
    let object = object(n, None);
    for f in with(|s| s.copies.iter().map(|c| c.restrict.clone()).collect::<Vec<_>>()).unwrap_or_default() {
        let _ = f.call1(&JsValue::NULL, &object);
    }
}

/// Listens for other tabs' guard trips on the channel (every tab of the app
/// that sets a guard loads this module): one turns this tab off too.
fn listen() {
    // Once per page: a second channel here would hear this page's own trip.
    if with(|s| s.channel.is_some()) != Some(false) {
        return;
    }
    let Ok(channel) = BroadcastChannel::new(protocol::CHANNEL) else { return };
    let listener = Closure::<dyn Fn(web_sys::MessageEvent)>::new(|e: web_sys::MessageEvent| {
        let kind = Reflect::get(&e.data(), &protocol::KIND.into()).ok().and_then(|k| k.as_string());
        if kind.as_deref() == Some(Kind::Guard.id()) {
            restrict(&rollout::heard());
        }
    });
    channel.set_onmessage(Some(listener.as_ref().unchecked_ref()));
    listener.forget(); // the channel lives as long as the page
                       // In Node, an open channel would keep the process alive.
    if let Ok(unref) = Reflect::get(&channel, &"unref".into()).and_then(|f| f.dyn_into::<Function>()) {
        let _ = unref.call0(&channel);
    }
    with(|s| s.channel = Some(channel));
}

/// Whether an error event's `filename` or stack matches `guard.match`.
fn matches(pattern: &JsValue, event: &JsValue) -> bool {
    let get = |o: &JsValue, k: &str| Reflect::get(o, &JsValue::from_str(k)).ok().and_then(|v| v.as_string());
    let error = Reflect::get(event, &"error".into())
        .ok()
        .filter(|e| !e.is_undefined())
        .or_else(|| Reflect::get(event, &"reason".into()).ok())
        .unwrap_or(JsValue::UNDEFINED);
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
    let listener = Closure::<dyn Fn(JsValue)>::new(move |event: JsValue| {
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
    let _ = Reflect::set(&o, &"errors".into(), &count.into());
    let _ = Reflect::set(&o, &"limit".into(), &guard.errors.into());
    let _ = Reflect::set(&o, &"windowMs".into(), &guard.window_ms.into());
    Object::freeze(&o).into()
}

/// The bucket (1 to 100) of `id` in `group`, as the rollout computes it (the
/// demo's "simulate 1,000 browsers").
#[wasm_bindgen(js_name = bucketOf)]
pub fn bucket_of(group: &str, id: &str) -> u32 {
    hash::bucket(group, id)
}
