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

/// The app's subscribers: `onChange` and `onCleanupRequest`.
#[derive(Clone, Copy)]
pub(crate) enum List {
    Change = 0,
    Cleanup = 1,
}

/// One list's subscribers with their ids (ids start at 1 and are never
/// reused, so that a second unsubscribe does nothing), and the last id given.
type Subscribers = (Vec<(u32, JsValue)>, u32);

static LISTENERS: Slot<[Subscribers; 2]> = Slot(RefCell::new([(Vec::new(), 0), (Vec::new(), 0)]));

/// Adds `callback` to `list`, if it is a function. Returns the function that
/// removes it (which does nothing for a callback that was not added).
pub(crate) fn subscribe(list: List, callback: JsValue) -> JsValue {
    let mut id = 0;
    if callback.is_function() {
        if let Ok(mut lists) = LISTENERS.0.try_borrow_mut() {
            let (items, last) = &mut lists[list as usize];
            *last += 1;
            id = *last;
            items.push((id, callback));
        }
    }
    // The handler's number holds the kind in 5 bits, the list in 1: ids up to
    // 2^26 (that many subscriptions in one page) are told apart.
    reactor::handler(reactor::Kind::Unsubscribe, (id << 1) | list as u32)
}

/// The function `subscribe` returned was called (`tag` says which).
pub(crate) fn unsubscribe(tag: u32) {
    let (list, id) = ((tag & 1) as usize, tag >> 1);
    if let Ok(mut lists) = LISTENERS.0.try_borrow_mut() {
        lists[list].0.retain(|(i, _)| *i != id);
    }
}

/// Calls each of `list`'s subscribers with `arg`, in the order they
/// subscribed; one that throws is skipped, and one that another unsubscribes
/// meanwhile is not called.
pub(crate) fn notify(list: List, arg: &JsValue) {
    let subscribers: Vec<(u32, JsValue)> = match LISTENERS.0.try_borrow() {
        Ok(lists) => lists[list as usize].0.clone(),
        Err(_) => return,
    };
    for (id, f) in subscribers {
        let still = LISTENERS.0.try_borrow().is_ok_and(|lists| lists[list as usize].0.iter().any(|(i, _)| *i == id));
        if still {
            let _ = f.unchecked_ref::<Callback>().call1(&JsValue::NULL, arg);
        }
    }
}
