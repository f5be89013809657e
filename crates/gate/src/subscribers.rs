//! The app's subscribers (`onChange`, `onCleanupRequest`).

use crate::js::JsValue;

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
