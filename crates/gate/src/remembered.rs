//! What this browser remembers that turns MAESTRO off at the first decision
//! of every copy of the gate on the origin, whatever its own options: a
//! remote document's off (`maestro_gate::remember::KEY`, written by the
//! remote module) and a guard's trip still cooling down
//! (`maestro_gate::rollout::GUARD_KEY`, written by the rollout module). Each
//! is read from localStorage, then sessionStorage (where it is kept when
//! localStorage refuses it). Storage that throws or is missing remembers
//! nothing; a value this package did not write fails safe.

use crate::js::{self, field, JsValue, Text};
use maestro_gate::remember;
use maestro_gate::rollout::GUARD_KEY;

/// `JSON.parse(globalThis[area].getItem(key))`: `None` when nothing is
/// stored (or the storage throws), `Some(Err)` when the value is not JSON.
fn stored(area: &str, key: &str) -> Option<Result<JsValue, JsValue>> {
    let global = js::global();
    let storage = field(global, area);
    let text =
        js::call(&field(&storage, "getItem"), &storage, &[&JsValue::from_str(key)]).ok().filter(JsValue::is_string)?;
    let json = field(global, "JSON");
    Some(js::call(&field(&json, "parse"), &json, &[&text]))
}

/// The remembered off that holds now, if any, as a narrowing's reason and
/// code (`gate::narrowing`: 3 off by the guard, 6 off by a remote
/// document, 7 that failing safe).
#[inline(never)]
pub fn off() -> Option<(Text, f64)> {
    let date = field(js::global(), "Date");
    let now = js::call(&field(&date, "now"), &date, &[]).ok().and_then(|n| n.as_f64()).unwrap_or(0.0);
    for area in ["localStorage", "sessionStorage"] {
        // A trip's end (ms): one that is not a number this package wrote fails safe.
        if let Some(until) = stored(area, GUARD_KEY) {
            if remember::guard_holds(until.ok().and_then(|u| u.as_f64()), now) {
                return Some((JsValue::from_str(remember::GUARD_REMEMBERED), 3.0));
            }
        }
        if let Some(memory) = stored(area, remember::KEY) {
            let memory = memory.unwrap_or(JsValue::UNDEFINED);
            let off = field(&memory, "off");
            if off.is_object() {
                if let (Some(url), Some(at)) = (js::string_field(&off, "url"), field(&off, "at").as_f64()) {
                    return Some((remember::remembered_off(&url, now - at), 6.0));
                }
            } else if memory.is_object() {
                continue;
            }
            // Not what this package writes: fails safe.
            return Some((JsValue::from_str(remember::UNREADABLE), 7.0));
        }
    }
    None
}
