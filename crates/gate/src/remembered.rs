//! What this browser remembers that turns MAESTRO off at the first decision
//! of every copy of the gate on the origin, whatever its own options: a
//! remote document's off (`maestro_gate::remember::KEY`, written by the
//! remote module) and a guard's trip still cooling down
//! (`maestro_gate::rollout::GUARD_KEY`, written by the rollout module). Each
//! is read from localStorage, then sessionStorage (where it is kept when
//! localStorage refuses it). Storage that throws or is missing remembers
//! nothing; a value this package did not write fails safe.

use crate::js::{self, field, stored, JsValue, Text};
use maestro_gate::remember;
use maestro_gate::rollout::{Code, Verdict, GUARD_KEY};

/// The remembered off that holds now, if any, as a narrowing's reason and
/// code (`gate::narrowing`: off by the guard, off by a remote document, or
/// that failing safe). (The first-answer module asks the same of the remote
/// memory before the decision, `answer::off_remembered`, to write an "on"
/// that replaces it in time: the two change together.)
#[inline(never)]
pub fn off() -> Option<(Text, Code)> {
    let now = js::method(&field(js::global(), "Date"), "now", 0, &JsValue::UNDEFINED).as_f64().unwrap_or(0.0);
    for area in ["localStorage", "sessionStorage"] {
        let storage = field(js::global(), area);
        // A trip's end (ms): one that is not a number this package wrote fails safe.
        if let Some(until) = stored(&storage, GUARD_KEY) {
            if remember::guard_holds(until.as_f64(), now) {
                return Some((JsValue::from_str(remember::GUARD_REMEMBERED), const { Code::of(Verdict::GuardOff) }));
            }
        }
        if let Some(memory) = stored(&storage, remember::KEY) {
            let off = field(&memory, "off");
            if off.is_object() {
                if let (Some(url), Some(at)) = (js::string_field(&off, "url"), field(&off, "at").as_f64()) {
                    return Some((remember::remembered_off(&url, now - at), const { Code::of(Verdict::RemoteOff) }));
                }
            } else if memory.is_object() {
                continue;
            }
            // Not what this package writes: fails safe.
            return Some((JsValue::from_str(remember::UNREADABLE), const { Code::of(Verdict::RemoteFailSafe) }));
        }
    }
    None
}
