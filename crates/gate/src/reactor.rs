//! One JavaScript function for every event the gate waits for: the
//! encoding of events, which calls nothing of the gate (the routing is the
//! composition root's, `exports::dispatch`).
//!
//! Each handler the gate hands to JavaScript (the `MAESTRO_ENABLED`
//! accessor's getter and setter, the BroadcastChannel's `onmessage`, and
//! the watch's interval) is a function the
//! glue makes (import `handler`) that calls its dispatcher with a number
//! that says what happened and to what (`js/core.js`). The rollback and the remote poll are modules of their own,
//! with `async fn`s on wasm-bindgen-futures; they have no events here.

use crate::js::{self, JsValue};

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

/// The kind of event a handler's number says (`None`: not one of ours).
pub(crate) fn kind(tag: f64) -> Option<Kind> {
    KINDS.get((tag as u32 & ((1 << BITS) - 1)) as usize).copied()
}
