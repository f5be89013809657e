//! The `#[wasm_bindgen]` surface: reads JS values, calls the pure core, and
//! hands plain objects back. No decision logic lives here: it is in
//! `crate::flag` (the rule, latching), `crate::cleanup` and `crate::poll`.
//!
//! The package ships two wasm modules built from this crate: the gate (feature
//! `gate`: the decision, live kill, remote poll) that every visitor loads, and
//! the rollback (feature `rollback`: clearClientState, verifyClientState),
//! loaded only when a cleanup runs. Tests build both into one.

#![cfg_attr(not(all(feature = "gate", feature = "rollback")), allow(dead_code))]

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
#[cfg(feature = "gate")]
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

/// Calls each function with `arg`; one that throws is skipped.
pub(crate) fn call_all(functions: Vec<JsValue>, arg: &JsValue) {
    for f in functions {
        let _ = f.unchecked_ref::<Callback>().call1(&JsValue::NULL, arg);
    }
}
