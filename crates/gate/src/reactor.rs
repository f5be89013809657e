//! One JavaScript function for every event the gate waits for.
//!
//! Each handler the gate hands to JavaScript (the `MAESTRO_ENABLED`
//! accessor's getter and setter, the BroadcastChannel's `onmessage`, and
//! the watch's interval) is a function the
//! glue makes (import `handler`) that calls its dispatcher with a number
//! that says what happened and to what (`js/core.js`). The rollback and the remote poll are modules of their own,
//! with `async fn`s on wasm-bindgen-futures; they have no events here.

use crate::js::{self, JsValue};
use crate::{gate, tabs};

/// What an event is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The `MAESTRO_ENABLED` accessor was read.
    GlobalGet = 0,
    /// The `MAESTRO_ENABLED` accessor was assigned.
    GlobalSet = 1,
    /// A message on the BroadcastChannel.
    Channel = 2,
    /// The watch's interval (`gate::watch`).
    Watch = 3,
}

const KINDS: [Kind; 4] = [Kind::GlobalGet, Kind::GlobalSet, Kind::Channel, Kind::Watch];

/// The low bits of a handler's number hold its kind; the rest, its id.
const BITS: u32 = 3;

/// A JavaScript function that, called with `event`, runs `dispatch(kind, id, event)`.
pub fn handler(kind: Kind, id: u32) -> JsValue {
    js::dispatcher(((id << BITS) | kind as u32) as f64)
}

pub(crate) fn dispatch(tag: f64, event: JsValue) -> JsValue {
    let tag = tag as u32;
    let Some(&kind) = KINDS.get((tag & ((1 << BITS) - 1)) as usize) else { return JsValue::UNDEFINED };
    match kind {
        Kind::GlobalGet => return gate::runtime_value(),
        Kind::GlobalSet => gate::runtime_assigned(event),
        Kind::Channel => tabs::receive(&js::field(&event, "data")),
        Kind::Watch => gate::watch(),
    }
    JsValue::UNDEFINED
}
