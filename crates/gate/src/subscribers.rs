//! Values as the rules see them, and the app's subscribers (`onChange`,
//! `onCleanupRequest`).

use core::cell::RefCell;

use crate::abi::fixed;
use crate::js::{self, JsValue, Text};
use crate::reactor;
use crate::Slot;

/// What the rules see of one JS value that is not a string, and its text
/// (`String(value)`; `None` when unset).
pub(crate) fn raw(v: &JsValue) -> (maestro_gate::flag::Raw, Option<Text>) {
    use maestro_gate::flag::{Raw, Text as _};
    if v.is_undefined() || v.is_null() {
        return (Raw::Unset, None);
    }
    if let Some(b) = v.as_bool() {
        return (Raw::Bool(b), Some(Text::of(if b { "true" } else { "false" })));
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

/// Each list's subscribers: a JavaScript array that only grows. A
/// subscriber's id is its index plus one (so ids are never reused, and a
/// second unsubscribe does nothing); unsubscribing empties its slot.
static LISTENERS: Slot<[JsValue; 2]> = Slot(RefCell::new([JsValue::UNDEFINED, JsValue::UNDEFINED]));

/// `list`'s array (made on first use).
fn listeners(list: List) -> Option<JsValue> {
    let mut lists = LISTENERS.0.try_borrow_mut().ok()?;
    let slot = lists.get_mut(list as usize)?;
    if slot.is_undefined() {
        *slot = js::new_array();
    }
    Some(slot.clone())
}

/// Adds `callback` to `list`, if it is a function. Returns the function that
/// removes it (which does nothing for a callback that was not added).
pub(crate) fn subscribe(list: List, callback: JsValue) -> JsValue {
    let mut id = 0;
    if callback.is_function() {
        if let Some(array) = listeners(list) {
            id = js::push(&array, &callback);
        }
    }
    // The handler's number holds the kind in 3 bits, the list in 1: ids up to
    // 2^28 (that many subscriptions in one page) are told apart.
    reactor::handler(reactor::Kind::Unsubscribe, (id << 1) | list as u32)
}

/// The function `subscribe` returned was called (`tag` says which).
pub(crate) fn unsubscribe(tag: u32) {
    let (list, id) = (if tag & 1 == 1 { List::Cleanup } else { List::Change }, tag >> 1);
    if let (Some(array), true) = (listeners(list), id > 0) {
        js::set_at(&array, &JsValue::from_f64(f64::from(id - 1)), &fixed::UNDEFINED);
    }
}

/// Calls each of `list`'s subscribers with `arg`, in the order they
/// subscribed; one that throws is skipped, one that another unsubscribes
/// meanwhile is not called, and one added meanwhile waits for the next time.
pub(crate) fn notify(list: List, arg: &JsValue) {
    let Some(array) = listeners(list) else { return };
    let len = js::field(&array, "length").as_f64().unwrap_or(0.0);
    let mut i = 0.0;
    while i < len {
        if let Ok(f) = js::at(&array, &JsValue::from_f64(i)) {
            js::call_if_function(&f, &fixed::NULL, arg);
        }
        i += 1.0;
    }
}
