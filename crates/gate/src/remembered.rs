//! What this browser remembers that turns MAESTRO off at the first decision
//! of every copy of the gate on the origin, whatever its own options: a
//! remote document's off (`maestro_gate::remember::KEY`, written by the
//! remote module) and a guard's trip still cooling down
//! (`maestro_gate::rollout::GUARD_KEY`, written by the rollout module). Each
//! is read from localStorage, then sessionStorage (where it is kept when
//! localStorage refuses it). Storage that throws or is missing remembers
//! nothing; a value this package did not write fails safe.

use crate::abi::code_at;
use crate::js::{self, field, JsValue, Text};
use maestro_gate::remember;
use maestro_gate::rollout::GUARD_KEY;

/// `globalThis[area].getItem(key)`, when it is a string.
fn stored(area: &str, key: &str) -> Option<Text> {
    let storage = field(js::global(), area);
    js::call(&field(&storage, "getItem"), &storage, &[&JsValue::from_str(key)]).ok().filter(JsValue::is_string)
}

/// `obj.name()`, or `undefined` when it throws.
fn method(obj: &JsValue, name: &str, arg: &JsValue) -> Result<JsValue, JsValue> {
    js::call(&field(obj, name), obj, &[arg])
}

/// The remembered off that holds now, if any, as a narrowing's reason and
/// code (`gate::narrowing`: 3 off by the guard, 6 off by a remote
/// document, 7 that failing safe).
#[inline(never)]
pub fn off() -> Option<(Text, f64)> {
    let global = js::global();
    let date = field(global, "Date");
    let now = method(&date, "now", &JsValue::UNDEFINED).ok().and_then(|n| n.as_f64()).unwrap_or(0.0);
    for area in ["localStorage", "sessionStorage"] {
        if let Some(v) = stored(area, GUARD_KEY) {
            let len = field(&v, "length").as_f64().unwrap_or(0.0) as usize;
            if remember::guard_holds(len, |i| unsafe { code_at(v.h(), i) }, now) {
                return Some((JsValue::from_str(remember::GUARD_REMEMBERED), 3.0));
            }
        }
        if let Some(v) = stored(area, remember::KEY) {
            let unreadable = Some((JsValue::from_str(remember::UNREADABLE), 7.0));
            let Ok(memory) = method(&field(global, "JSON"), "parse", &v) else { return unreadable };
            let off = field(&memory, "off");
            if off.is_object() {
                let Some(url) = js::string_field(&off, "url") else { return unreadable };
                let at = field(&off, "at").as_f64().unwrap_or(now);
                return Some((remember::remembered_off(&url, now - at), 6.0));
            }
            if !memory.is_object() {
                return unreadable;
            }
        }
    }
    None
}
