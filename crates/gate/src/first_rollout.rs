//! The rollout's and the guard's start-up, in the first-answer module
//! (`pkg/maestro_gate_answer_bg.wasm`, the `answer` feature, and its Unleash
//! build), and alone in its narrowing build (`pkg/maestro_gate_narrow_bg.wasm`,
//! the `narrow` feature, for a page with no document to read; issue 20's lean
//! recipe): what a page that sets a rollout or a guard computes before its
//! first decision, so that the rollout module (`crates/rollout`,
//! wasm-bindgen) loads only after it, and only when something needs it (a
//! guard's counting, a remote document's lower percentage).
//!
//! Before the decision (`narrow`): the guard's settings and its remembered
//! trip (`rollout::GUARD_KEY`, capped at the cooldown), the three
//! percentages (`rollout::start`, `rollout::with_remote`), this browser's id
//! (`userId`, else `rollout::ID_KEY` in localStorage or sessionStorage,
//! else one for this page, shared by the copies of the gate on it) and its bucket (`hash::bucket`), and the
//! narrowing the gate applies. After it, `bucket` hands the rollout module
//! this page's bucket, so that both agree (a per-page id's in particular).
//! Every rule is the rules crate's; the glue is `js/answer.js`.

use alloc::string::String;
use core::cell::Cell;

use crate::abi::JsValue;
use crate::js::{self, field, method, set};
use crate::lean::{count, now, raw, text};
use maestro_gate::flag::{self, Raw, Reading};
use maestro_gate::hash;
use maestro_gate::rollout::{self, From, GuardOption, Narrowing, Step, Stickiness};

/// The bucket, once computed (this instance is one copy's of the gate: one
/// set of `init()` options). (A cell, not the heap: the module's allocator
/// takes back what an export allocated when it returns, `lean::scoped`; a
/// per-page id needs no keeping, its bucket is what is kept.)
struct State {
    bucket: Cell<Option<(u32, Stickiness)>>,
}

// SAFETY: wasm32 without atomics, as `Slot`: one thread, and the instance's
// memory is never shared.
unsafe impl Sync for State {}

static STATE: State = State { bucket: Cell::new(None) };

/// Where a trip is remembered: localStorage, and sessionStorage when
/// localStorage could not keep it (a full quota).
const AREAS: [&str; 2] = ["localStorage", "sessionStorage"];

/// `obj[key]` when it is the object's own property (a polluted prototype is
/// no source); `Err` with what a getter or a proxy's trap threw.
fn try_own(obj: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    if !obj.is_object() || js::own_property(obj, key)?.is_undefined() {
        return Ok(JsValue::UNDEFINED);
    }
    js::get(obj, key)
}

/// The message of a thrown value: its `message` when that is a string, else
/// the value itself when it is one, else `unknown error` (as the rollout
/// module words it: `maestro_gate_util::message`).
fn message(error: &JsValue) -> String {
    text(&field(error, "message")).or_else(|| text(error)).unwrap_or_else(|| String::from("unknown error"))
}

/// A value as the rules read it, and as the lines show it (`flag::shown`).
fn reading(v: Result<JsValue, JsValue>) -> (Raw, Reading) {
    let v = match v {
        Ok(v) => v,
        Err(e) => return (Raw::Unset, Reading::threw(message(&e))),
    };
    if v.is_undefined() || v.is_null() {
        return (Raw::Unset, Reading::unset());
    }
    // (As a remote document's value is read: `answer.rs` reads it with `raw` too.)
    let raw = raw(&v, true);
    let mut shown = String::new();
    flag::shown(&mut shown, &text(&js::string(&v)).unwrap_or_default());
    (raw, Reading::of(raw, Some(shown)))
}

/// Whether a value is falsy (`false`, `0`, `NaN`, `""`; `undefined` and
/// `null` are read before).
fn falsy(v: &JsValue) -> bool {
    v.as_bool() == Some(false) || v.as_f64().is_some_and(|n| n == 0.0 || n.is_nan()) || js::text_is(v, "")
}

/// `n` in decimal.
fn digits(n: u64) -> JsValue {
    let mut s = String::new();
    flag::push_uint(&mut s, n);
    JsValue::from_str(&s)
}

/// `globalThis[area].getItem(key)`: `Err` when that throws (or there is no
/// such storage).
fn get_item(area: &str, key: &str) -> Result<JsValue, JsValue> {
    let store = field(js::global(), area);
    js::call(&field(&store, "getItem"), &store, &[&JsValue::from_str(key)])
}

/// `globalThis[area].setItem(key, value)`, whether it did.
fn set_item(area: &str, key: &str, value: &JsValue) -> bool {
    let store = field(js::global(), area);
    js::call(&field(&store, "setItem"), &store, &[&JsValue::from_str(key), value]).is_ok()
}

/// When the trip remembered in `area` ends (`rollout::stored_until`).
fn stored_until(area: &str) -> Option<f64> {
    rollout::stored_until(&text(&get_item(area, rollout::GUARD_KEY).ok()?)?)
}

/// Writes back, capped, a remembered end further away than this guard's
/// cooldown (`rollout::capped`): the cap is applied once, by the first load
/// that reads it, so a forged or skewed value ends at most `cooldownMs` later.
fn cap_cooldown(guard: &rollout::Guard, now: f64) {
    for area in AREAS {
        if let Some(cap) = stored_until(area).and_then(|until| rollout::capped(guard, until, now)) {
            set_item(area, rollout::GUARD_KEY, &digits(cap as u64));
        }
    }
}

/// A new random id: 128 bits from `crypto.getRandomValues`, as hex.
fn new_id() -> Option<String> {
    // `Uint32Array.from({ length: 4 })`, not `new Uint32Array(4)`: what the
    // boundary's `construct` makes is this copy's channel (`js::construct`).
    let shape = js::new_object();
    set(&shape, "length", &JsValue::from_f64(4.0));
    let words = method(&field(js::global(), "Uint32Array"), "from", 1, &shape);
    let crypto = field(js::global(), "crypto");
    js::call(&field(&crypto, "getRandomValues"), &crypto, &[&words]).ok()?;
    let mut id = String::with_capacity(32);
    for i in ["0", "1", "2", "3"] {
        let w = field(&words, i).as_f64()? as u32;
        for shift in (0..8).rev() {
            let d = ((w >> (shift * 4)) & 0xf) as u8;
            id.push(char::from(if d < 10 { b'0' + d } else { b'a' - 10 + d }));
        }
    }
    Some(id)
}

/// This browser's id for the bucket: `userId` when given (a string, or a
/// number as JavaScript writes it); else an anonymous id kept in
/// localStorage, else in sessionStorage, else one for this page.
fn id(options: &JsValue) -> (String, Stickiness) {
    let user = try_own(options, "userId").unwrap_or(JsValue::UNDEFINED);
    let user = text(&user).or_else(|| user.as_f64().and_then(|_| text(&js::string(&user))));
    if let Some(user) = user.filter(|u| !u.is_empty()) {
        return (user, Stickiness::UserId);
    }
    for (area, kind) in [("localStorage", Stickiness::LocalStorage), ("sessionStorage", Stickiness::SessionStorage)] {
        let Ok(stored) = get_item(area, rollout::ID_KEY) else { continue };
        if let Some(id) = text(&stored).filter(|id| !id.is_empty()) {
            return (id, kind);
        }
        let Some(id) = new_id() else { break };
        // Kept only if it can be read back: a store that drops writes
        // (a full quota, a private mode) would give a new bucket each load.
        let kept = JsValue::from_str(&id);
        if set_item(area, rollout::ID_KEY, &kept)
            && get_item(area, rollout::ID_KEY).is_ok_and(|v| js::text_eq(&v, &kept))
        {
            return (id, kind);
        }
    }
    // One for this page, which every copy of the gate on it shares (each has
    // its own instance of this module): the first copy to draw one leaves it
    // on the page, `globalThis["maestro-gate:id"]`, and the others read it
    // there, so that they all have one bucket. (A plain property: a
    // read-only one, `Object.defineProperty`, measured 57 B gzip more.)
    // (Made once per copy: `bucket_of` keeps the bucket it gives.)
    let global = js::global();
    // (An empty one is none, as a stored one and Unleash's `page_id` read it.)
    let id = text(&field(global, rollout::ID_KEY)).filter(|id| !id.is_empty()).unwrap_or_else(|| {
        new_id().unwrap_or_else(|| {
            let random = method(&field(global, "Math"), "random", 0, &JsValue::UNDEFINED);
            let mut s = String::new();
            flag::push_uint(&mut s, (random.as_f64().unwrap_or(0.0) * 9e15) as u64);
            s
        })
    });
    set(global, rollout::ID_KEY, &JsValue::from_str(&id));
    (id, Stickiness::Page)
}

/// The bucket of this browser for `options` (`rolloutGroup`, `userId`):
/// computed once.
fn bucket_of(options: &JsValue) -> (u32, Stickiness) {
    if let Some(b) = STATE.bucket.get() {
        return b;
    }
    let group = text(&try_own(options, "rolloutGroup").unwrap_or(JsValue::UNDEFINED)).filter(|g| !g.is_empty());
    let (id, stickiness) = id(options);
    let b = (hash::bucket(group.as_deref().unwrap_or(rollout::DEFAULT_GROUP), &id), stickiness);
    STATE.bucket.set(Some(b));
    b
}

/// `Object.freeze(o)`.
fn frozen(o: JsValue) -> JsValue {
    method(&field(js::global(), "Object"), "freeze", 1, &o);
    o
}

/// The narrowing as the gate takes it: `{ code, reason, rollout }` (`code`:
/// `Narrowing::code`; `rollout`: `{ percent, bucket, stickiness }` or
/// `null`), frozen (its `rollout` is `decision().rollout`).
fn object(n: &Narrowing, stickiness: Option<Stickiness>) -> JsValue {
    let o = js::new_object();
    set(&o, "code", &JsValue::from_f64(f64::from(n.code())));
    set(&o, "reason", &JsValue::from_str(&n.reason));
    let rollout = match (n.rollout, stickiness) {
        (Some((percent, bucket)), Some(s)) => {
            let r = js::new_object();
            set(&r, "percent", &JsValue::from_f64(f64::from(percent)));
            set(&r, "bucket", &JsValue::from_f64(f64::from(bucket)));
            set(&r, "stickiness", &JsValue::from_str(s.id()));
            frozen(r)
        }
        _ => JsValue::NULL,
    };
    set(&o, "rollout", &rollout);
    frozen(o)
}

/// The narrowing of the first decision, for a page whose sources say on and
/// that sets a rollout or a guard (or whose remote document sets a
/// percentage, `remote`: its first or remembered answer's). `out.v`: the
/// narrowing, or `null` when nothing narrows; `out.g`, when the guard is on,
/// its settings `{ errors, windowMs, cooldownMs }`, for the rollout module,
/// which counts the errors after the decision. The rules' order is
/// `rollout::start`'s: the guard's settings, its cooldown, then the
/// percentages.
#[export_name = "N"] // narrow
extern "C" fn narrow(out: JsValue, options: JsValue, remote: JsValue) {
    crate::lean::scoped(move || {
        let guard = match try_own(&options, "guard") {
            Ok(g) if g.is_undefined() || g.is_null() || falsy(&g) => GuardOption::Off,
            Ok(g) => {
                let field = |k| reading(if g.is_object() { try_own(&g, k) } else { Ok(JsValue::UNDEFINED) });
                GuardOption::Settings([field("errors"), field("windowMs"), field("cooldownMs")])
            }
            Err(e) => GuardOption::Threw(message(&e)),
        };
        // The three percentages are read as the app reads them: each one can
        // only narrow, so an inherited one (a getter, a proxy, a prototype)
        // counts too. The guard's settings and the id are own properties only.
        let now = now();
        let until = || AREAS.iter().filter_map(|a| stored_until(a)).reduce(f64::max);
        let (settings, step) = rollout::start(guard, until, now, || {
            let env = js::get(&options, "env");
            [
                (From::Build, env.and_then(|env| js::get(&env, "VITE_MAESTRO_ROLLOUT"))),
                (From::Runtime, js::get(js::global(), "MAESTRO_ROLLOUT")),
                (From::Option, js::get(&options, "rollout")),
            ]
            .map(|(from, v)| {
                let (raw, r) = reading(v);
                (from, raw, r)
            })
        });
        if let Some(guard) = settings {
            cap_cooldown(&guard, now);
            let g = js::new_object();
            set(&g, "errors", &JsValue::from_f64(f64::from(guard.errors)));
            set(&g, "windowMs", &JsValue::from_f64(guard.window_ms));
            set(&g, "cooldownMs", &JsValue::from_f64(guard.cooldown_ms));
            set(&out, "g", &g);
        }
        let v = match rollout::with_remote(step, count(&remote, 100)) {
            Step::Narrowed(n) => object(&n, None),
            Step::None => JsValue::NULL,
            Step::Rollout(percent) => {
                let (b, stickiness) = bucket_of(&options);
                object(&rollout::narrow(percent, b), Some(stickiness))
            }
        };
        set(&out, "v", &v);
    })
}

/// This browser's bucket for the rollout module (a remote document's lower
/// percentage, after the decision): `out.v` is `{ bucket, stickiness }`, the
/// one `narrow` computed (or computed now, once).
#[export_name = "B"] // bucket
extern "C" fn bucket(out: JsValue, options: JsValue) {
    crate::lean::scoped(move || {
        let (b, stickiness) = bucket_of(&options);
        let o = js::new_object();
        set(&o, "bucket", &JsValue::from_f64(f64::from(b)));
        set(&o, "stickiness", &JsValue::from_str(stickiness.id()));
        set(&out, "v", &o);
    })
}
