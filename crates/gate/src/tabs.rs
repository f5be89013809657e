//! Every open tab: the BroadcastChannel the gate listens on, and the app's
//! `onCleanupRequest` subscribers. What the messages are, and what a tab may
//! do when it hears one, is `maestro_gate::protocol`.
//!
//! The gate module, which every tab loads, listens. A cleanup request from
//! another tab is told to this tab's subscribers at once (so that they close
//! their connections to MAESTRO's database even before the rollback module
//! loads, or if it cannot), then handed to the rollback module through the
//! glue (`onCleanupMessage`), which sweeps and answers. Another tab's remote
//! result for the document this tab polls turns this tab off when it says
//! off, even when this tab's own poll has not loaded.

use core::cell::RefCell;

use crate::abi::fixed;
use crate::js::{self, field, set, string_field, JsValue};
use crate::reactor::{handler, Kind};
use crate::subscribers::{self, List};
use crate::Slot;
use maestro_gate::protocol::{self, Kind as Message};

struct Tabs {
    channel: Option<JsValue>,
    /// The glue's hand-over of cleanup requests to the rollback module.
    forward: JsValue,
    /// This tab's own recent request ids (the gate hears them back on its
    /// channel): a ring of the last few.
    own: [f64; 8],
    own_next: usize,
}

static TABS: Slot<Tabs> =
    Slot(RefCell::new(Tabs { channel: None, forward: JsValue::UNDEFINED, own: [-1.0; 8], own_next: 0 }));

/// Opens the channel once, where `BroadcastChannel` exists. Called by
/// `init` and by `onCleanupRequest`, so that each tab running the gate answers.
pub fn listen() {
    let Ok(mut tabs) = TABS.0.try_borrow_mut() else { return };
    if tabs.channel.is_some() || !js::has_function("BroadcastChannel") {
        return;
    }
    let Some(channel) = js::channel(protocol::CHANNEL) else { return };
    set(&channel, "onmessage", &handler(Kind::Channel, 0));
    // In Node, an open channel would keep the process alive.
    js::call_if_function(&field(&channel, "unref"), &channel, &fixed::UNDEFINED);
    tabs.channel = Some(channel);
}

/// What another tab's message means for the decision, which the channel
/// does not make: the composition root hands it to the gate (`exports::dispatch`).
pub(crate) enum Heard {
    /// Nothing for the decision (a cleanup request is handled here).
    Nothing,
    /// A remote document's result: its URL and whether it said on.
    Remote(js::Text, bool),
    /// A guard tripped in another tab.
    Guard,
}

/// Another tab's message.
pub(crate) fn receive(data: &JsValue) -> Heard {
    let Some(kind) = string_field(data, protocol::KIND) else { return Heard::Nothing };
    if js::text_is(&kind, Message::Cleanup.id()) {
        cleanup_requested(data);
    } else if js::text_is(&kind, Message::Remote.id()) {
        if let (Some(url), Some(enabled)) = (string_field(data, "url"), field(data, "enabled").as_bool()) {
            return Heard::Remote(url, enabled);
        }
    } else if js::text_is(&kind, Message::Guard.id()) {
        return Heard::Guard;
    }
    Heard::Nothing
}

/// Another tab asked for a cleanup: tell the subscribers, then hand the
/// request to the rollback module (through the glue), which sweeps this
/// tab's own state and answers. A request this tab made itself is ignored.
fn cleanup_requested(data: &JsValue) {
    let id = field(data, "id").as_f64().unwrap_or(-2.0);
    let forward = match TABS.0.try_borrow() {
        Ok(t) if !t.own.contains(&id) => t.forward.clone(),
        _ => return,
    };
    // The message itself: it carries `database`, `prefix`, `sessionStorage`
    // and `fromOtherTab: true` (the rollback module validates it before it
    // sweeps anything, and sweeps only this tab's own prefix).
    subscribers::notify(List::Cleanup, data);
    js::call_if_function(&forward, &fixed::NULL, data);
}

/// The glue's hand-over of another tab's cleanup request to the rollback
/// module (`forward(data)` loads it and calls its `answerCleanup`).
pub fn on_cleanup_message(forward: JsValue) {
    if let Ok(mut tabs) = TABS.0.try_borrow_mut() {
        tabs.forward = forward;
    }
    listen();
}

/// Remembers one of this tab's own request ids (the last few are kept).
pub fn own_cleanup(id: f64) {
    if let Ok(mut tabs) = TABS.0.try_borrow_mut() {
        let slot = tabs.own_next % 8;
        if let Some(entry) = tabs.own.get_mut(slot) {
            *entry = id;
        }
        tabs.own_next = slot + 1;
    }
}
