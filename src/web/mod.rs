//! The `#[wasm_bindgen]` surface: reads JS values, calls the pure core, and
//! hands plain objects back. No decision logic lives here: it is in
//! `crate::flag` (the rule, latching), `crate::cleanup` and `crate::poll`.
//!
//! The package ships three wasm modules built from this crate: the gate
//! (feature `gate`: the decision, live kill, cross-tab requests) that every
//! visitor loads; the rollback (feature `rollback`: clearClientState,
//! verifyClientState), loaded only when a cleanup runs; and the remote poll
//! (feature `remote`), loaded only by `init({ remote })`. Tests and the
//! script tag build all three into one.

#![cfg_attr(not(all(feature = "gate", feature = "rollback", feature = "remote")), allow(dead_code))]

use alloc::vec::Vec;
use core::cell::RefCell;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[cfg(feature = "rollback")]
pub mod cleanup;
#[cfg(feature = "gate")]
mod gate;
pub(crate) mod js;
pub mod reactor;
#[cfg(feature = "remote")]
pub mod remote;
pub mod tabs;

#[cfg(feature = "gate")]
pub use gate::*;

use js::Callback;

/// A global that only this (single-threaded) wasm instance touches.
pub(crate) struct Slot<T>(pub RefCell<T>);
// SAFETY: wasm32 without threads; the gate's memory is never shared.
unsafe impl<T> Sync for Slot<T> {}

/// Subscribers, each with an id for unsubscribing.
pub(crate) struct Listeners {
    items: Vec<(u32, JsValue)>,
    next: u32,
}

impl Listeners {
    pub const fn new() -> Listeners {
        Listeners { items: Vec::new(), next: 0 }
    }

    pub fn add(&mut self, f: JsValue) -> u32 {
        self.next += 1;
        self.items.push((self.next, f));
        self.next
    }

    pub fn remove(&mut self, id: u32) {
        self.items.retain(|(i, _)| *i != id);
    }

    pub fn snapshot(&self) -> Vec<JsValue> {
        self.items.iter().map(|(_, f)| f.clone()).collect()
    }
}

/// What the rules see of one JS value (a string is read by the caller).
pub(crate) fn raw(v: &JsValue) -> (crate::flag::Raw<'static>, Option<alloc::string::String>) {
    use crate::flag::Raw;
    use alloc::string::String;
    if v.is_undefined() || v.is_null() {
        return (Raw::Unset, None);
    }
    if let Some(b) = v.as_bool() {
        return (Raw::Bool(b), Some(String::from(if b { "true" } else { "false" })));
    }
    if let Some(n) = v.as_f64() {
        return (Raw::Number(n), Some(js::string(v)));
    }
    (Raw::Other, Some(js::string(v)))
}

/// Calls each function with `arg`; one that throws is skipped.
pub(crate) fn call_all(functions: Vec<JsValue>, arg: &JsValue) {
    for f in functions {
        let _ = f.unchecked_ref::<Callback>().call1(&JsValue::NULL, arg);
    }
}
