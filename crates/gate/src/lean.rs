//! The helpers the lean modules share (the beacon module, `beacon.rs`, and
//! the first-answer module, `answer.rs`): each is the same crate and
//! boundary as the gate, built with its own feature.

use alloc::string::String;

use crate::abi::JsValue;
use crate::js::{field, has_own};
#[cfg(any(feature = "first", feature = "narrow"))]
use maestro_gate::flag::Raw;

/// `value` as a Rust string, if it is a string (read one UTF-16 unit at a
/// time; a lone surrogate becomes U+FFFD: `utf16::decode`).
pub fn text(value: &JsValue) -> Option<String> {
    if !value.is_string() {
        return None;
    }
    let len = field(value, "length").as_f64().unwrap_or(0.0) as usize;
    let mut out = String::new();
    crate::utf16::decode(
        len,
        |i| crate::abi::code_at(value.h(), i),
        // SAFETY: `decode` hands Unicode scalar values only, for units below
        // 0x10000, which `code_at` answers (js/core.js: `charCodeAt`, a
        // UTF-16 unit, or 0 past the end).
        |c| out.push(unsafe { char::from_u32_unchecked(c) }),
    );
    Some(out)
}

/// A value of a rollout's source (`first_rollout.rs`) or of a remote
/// document (`answer.rs`) as the rules read it.
#[cfg(any(feature = "first", feature = "narrow"))]
pub fn raw(value: &JsValue, booleans: bool) -> Raw {
    use maestro_gate::flag;
    // (A string read where it is, one code unit at a time, as the gate
    // reads its sources: `flag::word`, which accepts ASCII words only.)
    if value.is_string() {
        return flag::word(crate::js::length(value), |i| crate::abi::code_at(value.h(), i));
    }
    match (value.as_bool(), value.as_f64()) {
        (Some(b), _) if booleans => Raw::Bool(b),
        (_, Some(n)) => Raw::Number(n),
        _ if value.is_undefined() || value.is_null() => Raw::Unset,
        _ => Raw::Other,
    }
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

/// The first-answer and beacon modules' allocator: a bump allocator over the linear
/// memory above `__heap_base`, which never frees one allocation but takes
/// back everything an export allocated when the export returns ([`scoped`]:
/// nothing it allocates outlives it; what the module keeps between calls is
/// in cells, not on the heap). No free list to keep: measured, about 160 B
/// gzip less than `lol_alloc`'s. (The beacon module takes back what a call
/// allocated with `beacon::Call`.) The next free address (0: `__heap_base`).
pub(crate) struct Bump(pub core::cell::Cell<usize>);

// SAFETY: wasm32 without atomics, one thread (see `crate::Slot`).
unsafe impl Sync for Bump {}

#[cfg(not(feature = "decision"))]
unsafe impl core::alloc::GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: core::alloc::Layout) -> *mut u8 {
        use core::arch::wasm32::{memory_grow, memory_size};
        const PAGE: usize = 65536;
        extern "C" {
            static __heap_base: u8;
        }
        let next = self.0.get().max(core::ptr::addr_of!(__heap_base) as usize);
        // (An alignment is a power of two.)
        let Some(start) = next.checked_add(layout.align() - 1).map(|n| n & !(layout.align() - 1)) else {
            return core::ptr::null_mut();
        };
        let Some(end) = start.checked_add(layout.size()) else { return core::ptr::null_mut() };
        let have = memory_size(0).saturating_mul(PAGE);
        if end > have && memory_grow(0, (end - have).div_ceil(PAGE)) == usize::MAX {
            return core::ptr::null_mut();
        }
        self.0.set(end);
        start as *mut u8
    }

    unsafe fn dealloc(&self, _: *mut u8, _: core::alloc::Layout) {}
}

/// Runs an export's body, then takes back everything it allocated (a call
/// made from inside it, were JavaScript to make one, takes back only its
/// own).
#[cfg(all(any(feature = "first", feature = "narrow", feature = "keep"), not(feature = "decision")))]
#[inline(always)]
pub fn scoped(body: impl FnOnce()) {
    let mark = crate::runtime::ALLOCATOR.0.get();
    body();
    crate::runtime::ALLOCATOR.0.set(mark);
}
