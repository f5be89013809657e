//! The helpers the lean modules share (the beacon module, `beacon.rs`, and
//! the first-answer module, `answer.rs`): each is the same crate and
//! boundary as the gate, built with its own feature.

use alloc::string::String;

use crate::abi::JsValue;
use crate::js::{field, has_own};

/// `value` as a Rust string, if it is a string (read one UTF-16 unit at a
/// time; a lone surrogate becomes U+FFFD).
pub fn text(value: &JsValue) -> Option<String> {
    if !value.is_string() {
        return None;
    }
    let len = field(value, "length").as_f64().unwrap_or(0.0) as usize;
    let unit = |i: usize| if i < len { crate::abi::code_at(value.h(), i) } else { 0 };
    let surrogate = |u: u32, first: u32| (first..first + 0x400).contains(&u);
    // By hand rather than `char::decode_utf16`, whose iterator costs the
    // beacon module about 150 B gzip more.
    let mut out = String::new();
    let mut i = 0;
    while i < len {
        let u = unit(i);
        i += 1;
        let c = if surrogate(u, 0xD800) && surrogate(unit(i), 0xDC00) {
            i += 1;
            0x10000 + ((u - 0xD800) << 10) + (unit(i - 1) - 0xDC00)
        } else {
            u
        };
        out.push(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
    }
    Some(out)
}

/// `obj[key]` if it is `obj`'s own property, else `undefined`.
pub fn own(obj: &JsValue, key: &str) -> JsValue {
    if obj.is_object() && has_own(obj, key) {
        field(obj, key)
    } else {
        JsValue::UNDEFINED
    }
}

/// A number that is a whole count (at most `max`), else `None`.
pub fn count(value: &JsValue, max: u32) -> Option<u32> {
    let n = value.as_f64()?;
    (n >= 0.0 && n <= f64::from(max) && f64::from(n as u32) == n).then_some(n as u32)
}

/// `Date.now()`.
pub fn now() -> f64 {
    crate::js::method(&field(crate::js::global(), "Date"), "now", 0, &JsValue::UNDEFINED).as_f64().unwrap_or(0.0)
}
