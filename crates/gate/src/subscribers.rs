//! Values as the rules see them, and the app's subscribers (`onChange`,
//! `onCleanupRequest`).

use crate::js::{self, JsValue, Text};

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

/// The app's subscribers: `onChange` and `onCleanupRequest`. The lists are
/// the glue's (`js/core.js`), which subscribes and unsubscribes them.
#[derive(Clone, Copy)]
pub(crate) enum List {
    Change = 0,
    Cleanup = 1,
}

/// Calls each of `list`'s subscribers with `arg`, in the order they
/// subscribed; one that throws is skipped, one that another unsubscribes
/// meanwhile is not called, and one added meanwhile waits for the next time.
pub(crate) fn notify(list: List, arg: &JsValue) {
    crate::abi::notify(list as i32, arg.h())
}
