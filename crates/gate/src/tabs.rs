//! Every open tab: the one BroadcastChannel of this copy of the gate, and the
//! app's `onCleanupRequest` subscribers. What the messages are, and what a
//! tab may do when it hears one, is `maestro_gate::protocol`.
//!
//! The gate module, which every tab loads, opens the page's channel (one per
//! copy of the gate) and hears every message on it; the glue posts on it for
//! the modules (`post` in `js/core.js`), which open none of their own. A
//! message is the gate's own part first (`receive` says what it heard: a
//! cleanup request is told to this tab's subscribers at once, so that they
//! close their connections to MAESTRO's database even before the rollback
//! module loads, or if it cannot; another tab's remote result or guard trip
//! is the decision's, which the composition root hands to the gate), then,
//! for a kind a module acts on, handed to the glue (`forward`), which routes
//! it by kind: a cleanup request to the rollback module, which sweeps and
//! answers; an answer to it; a remote result to the remote module. A
//! `BroadcastChannel` never hears its own posts, so nothing here filters
//! this tab's own messages out; another copy of the gate on the page (its
//! own channel) hears them, as another tab does.

use core::cell::RefCell;

use crate::abi::{fixed, kept};
use crate::js::{self, field, set, string_field, JsValue};
use crate::reactor::{handler, Kind};
use crate::subscribers::{self, List};
use crate::Slot;
use maestro_gate::protocol::{self, Kind as Message};

struct Tabs {
    channel: Option<JsValue>,
    /// The glue's hand-over of the messages a module acts on.
    forward: JsValue,
}

static TABS: Slot<Tabs> = Slot(RefCell::new(Tabs { channel: None, forward: JsValue::UNDEFINED }));

/// Opens the channel once, where `BroadcastChannel` exists: when the glue
/// hands over its `forward` hook, as the gate loads.
fn listen() {
    let Ok(mut tabs) = TABS.0.try_borrow_mut() else { return };
    if tabs.channel.is_some() || !js::has_function("BroadcastChannel") {
        return;
    }
    let Some(channel) = js::channel(protocol::CHANNEL) else { return };
    set(&channel, "onmessage", &handler(Kind::Channel, 0));
    // In Node, an open channel would keep the process alive.
    js::call_if_function(&field(&channel, "unref"), &channel, &fixed::UNDEFINED);
    tabs.channel = Some(kept(&channel));
}

/// What another tab's message means for the decision, which the channel
/// does not make: the composition root hands it to the gate (`exports::dispatch`).
pub(crate) enum Heard {
    /// Nothing for the decision or the modules (no kind, a decision, a
    /// kind this gate does not know, a remote result it cannot read).
    Nothing,
    /// Nothing for the decision; a module acts on it (a cleanup request,
    /// told to the subscribers here, or an answer to one): `forward` it.
    Module,
    /// A remote document's result: its URL and whether it said on (then
    /// `forward` it to the remote module).
    Remote(js::Text, bool),
    /// A guard tripped in another tab (the gate's alone).
    Guard,
}

/// Another tab's message.
pub(crate) fn receive(data: &JsValue) -> Heard {
    let Some(kind) = string_field(data, protocol::KIND) else { return Heard::Nothing };
    if js::text_is(&kind, Message::Cleanup.id()) {
        // The message itself: it carries `database`, `prefix`, `sessionStorage`
        // and `fromOtherTab: true` (the rollback module validates it before it
        // sweeps anything, and sweeps only this tab's own prefix).
        subscribers::notify(List::Cleanup, data);
        return Heard::Module;
    }
    if js::text_is(&kind, Message::Answer.id()) {
        return Heard::Module;
    }
    if js::text_is(&kind, Message::Remote.id()) {
        if let (Some(url), Some(enabled)) = (string_field(data, "url"), field(data, "enabled").as_bool()) {
            return Heard::Remote(url, enabled);
        }
    } else if js::text_is(&kind, Message::Guard.id()) {
        return Heard::Guard;
    }
    Heard::Nothing
}

/// Hands a message a module acts on to the glue, which routes it by kind
/// (`forward(data)`: a cleanup request loads the rollback module and calls
/// its `answerCleanup`; an answer or a remote result reaches the module
/// this copy connected, if it did).
pub(crate) fn forward(data: &JsValue) {
    let Ok(forward) = TABS.0.try_borrow().map(|t| t.forward.clone()) else { return };
    js::call_if_function(&forward, &fixed::NULL, data);
}

/// The glue's hand-over of the messages a module acts on; opens the channel.
pub fn on_message(forward: JsValue) {
    if let Ok(mut tabs) = TABS.0.try_borrow_mut() {
        tabs.forward = kept(&forward);
    }
    listen();
}
