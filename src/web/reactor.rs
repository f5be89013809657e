//! One JavaScript function for every event the gate waits for.
//!
//! Each handler the gate hands to JavaScript (an IndexedDB request's
//! `onsuccess`, a timer, a `fetch` continuation, the `MAESTRO_ENABLED`
//! accessor, the BroadcastChannel's `onmessage`) is the same Rust function
//! bound to a number that says what happened and to which operation. The
//! state machines behind them live in the modules this dispatches to.

#[cfg(not(feature = "lean"))]
use core::cell::RefCell;

use super::js::{self, JsValue};
use super::tabs;

/// What an event is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    GlobalGet = 0,
    GlobalSet,
    Channel,
    DeleteSuccess,
    DeleteError,
    DeleteBlocked,
    DeleteTimeout,
    TabsDone,
    ListOk,
    ListFailed,
    ProbeSuccess,
    ProbeError,
    ProbeUpgrade,
    ProbeTimeout,
    PollTimer,
    FetchResponse,
    FetchFailed,
    FetchBody,
    FetchTimeout,
    Unsubscribe,
    Executor,
}

const KINDS: [Kind; 21] = [
    Kind::GlobalGet,
    Kind::GlobalSet,
    Kind::Channel,
    Kind::DeleteSuccess,
    Kind::DeleteError,
    Kind::DeleteBlocked,
    Kind::DeleteTimeout,
    Kind::TabsDone,
    Kind::ListOk,
    Kind::ListFailed,
    Kind::ProbeSuccess,
    Kind::ProbeError,
    Kind::ProbeUpgrade,
    Kind::ProbeTimeout,
    Kind::PollTimer,
    Kind::FetchResponse,
    Kind::FetchFailed,
    Kind::FetchBody,
    Kind::FetchTimeout,
    Kind::Unsubscribe,
    Kind::Executor,
];

const BITS: u32 = 5;

#[cfg(not(feature = "lean"))]
static DISPATCH: super::Slot<Option<JsValue>> = super::Slot(RefCell::new(None));

/// A JavaScript function that, called with `event`, runs `dispatch(kind, id, event)`.
#[cfg(not(feature = "lean"))]
pub fn handler(kind: Kind, id: u32) -> JsValue {
    use wasm_bindgen::prelude::Closure;
    use wasm_bindgen::JsCast;
    let f = {
        let Ok(mut slot) = DISPATCH.0.try_borrow_mut() else { return JsValue::UNDEFINED };
        slot.get_or_insert_with(|| Closure::<dyn Fn(f64, JsValue) -> JsValue>::new(dispatch).into_js_value()).clone()
    };
    f.unchecked_ref::<js::Callback>().bind1(&JsValue::NULL, ((id << BITS) | kind as u32) as f64)
}

/// A JavaScript function that, called with `event`, runs `dispatch(kind, id, event)`
/// (the lean build: the glue's dispatcher, bound).
#[cfg(feature = "lean")]
pub fn handler(kind: Kind, id: u32) -> JsValue {
    js::dispatcher(((id << BITS) | kind as u32) as f64)
}

/// Runs `dispatch(kind, id, undefined)` after `ms` (clamped to what
/// `setTimeout` honours); returns the timer id.
#[cfg(not(feature = "lean"))]
pub fn after(ms: f64, kind: Kind, id: u32) -> JsValue {
    js::set_timeout(&handler(kind, id), crate::poll::timer_ms(ms)).unwrap_or(JsValue::UNDEFINED)
}

pub(crate) fn dispatch(tag: f64, event: JsValue) -> JsValue {
    let tag = tag as u32;
    let Some(&kind) = KINDS.get((tag & ((1 << BITS) - 1)) as usize) else { return JsValue::UNDEFINED };
    let id = tag >> BITS;
    match kind {
        #[cfg(feature = "gate")]
        Kind::GlobalGet => return super::runtime_value(),
        #[cfg(feature = "gate")]
        Kind::GlobalSet => super::runtime_assigned(event),
        Kind::Channel => tabs::receive(&js::field(&event, "data")),
        #[cfg(feature = "rollback")]
        Kind::DeleteSuccess | Kind::DeleteError | Kind::DeleteBlocked | Kind::DeleteTimeout | Kind::TabsDone => {
            super::cleanup::on_delete(kind, id, &event)
        }
        #[cfg(feature = "rollback")]
        Kind::ListOk
        | Kind::ListFailed
        | Kind::ProbeSuccess
        | Kind::ProbeError
        | Kind::ProbeUpgrade
        | Kind::ProbeTimeout => super::cleanup::on_verify(kind, id, &event),
        #[cfg(feature = "remote")]
        Kind::PollTimer | Kind::FetchResponse | Kind::FetchFailed | Kind::FetchBody | Kind::FetchTimeout => {
            super::remote::on_event(kind, id, &event)
        }
        #[cfg(feature = "gate")]
        Kind::Unsubscribe => super::unsubscribe(id),
        #[cfg(feature = "rollback")]
        Kind::Executor => super::cleanup::executed(event),
        #[allow(unreachable_patterns)]
        _ => {}
    }
    JsValue::UNDEFINED
}
