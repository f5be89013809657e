//! The exports the glue calls, each named by one letter: `abi::table::EXPORTS`
//! says which is which, and `js/core.js` wraps each under its name. This is
//! the composition root: the other modules call downwards only
//! (`abi` < `js` < `reactor`, `subscribers` < `tabs`, `remembered` < `gate`),
//! and every event comes up to `dispatch` here, which routes it.

use crate::abi::JsValue;
use crate::reactor::{self, Kind};
use crate::tabs::{self, Heard};
use crate::{gate, js};

#[export_name = "A"] // decide
extern "C" fn decide(options: JsValue, reason: JsValue, code: f64) -> JsValue {
    gate::decide(options, reason, code)
}
#[export_name = "B"] // decision
extern "C" fn decision() -> JsValue {
    gate::decision()
}
#[export_name = "E"] // isEnabled
extern "C" fn is_enabled() -> bool {
    gate::is_enabled()
}
/// Both of the glue's hooks for what the channel hears, in one call (the
/// router of the messages a module acts on, and the remote hook): it opens
/// the channel, before the first decision.
#[export_name = "I"] // onMessage
extern "C" fn on_message(forward: JsValue, remote: JsValue) {
    gate::on_remote(remote);
    tabs::on_message(forward)
}
#[export_name = "M"] // dispatch
extern "C" fn dispatch(tag: f64, event: JsValue) -> JsValue {
    match reactor::kind(tag) {
        Some(Kind::GlobalGet) => return gate::runtime_value(),
        Some(Kind::GlobalSet) => gate::runtime_assigned(event),
        Some(Kind::Channel) => {
            // The gate's part first, then the module's (through the glue).
            let data = js::field(&event, "data");
            match tabs::receive(&data) {
                Heard::Remote(url, enabled) => {
                    gate::remote_heard(&url, enabled, &data);
                    tabs::forward(&data);
                }
                Heard::Module => tabs::forward(&data),
                Heard::Guard => gate::guard_heard(),
                Heard::Nothing => {}
            }
        }
        Some(Kind::Watch) => gate::watch(),
        None => {}
    }
    JsValue::UNDEFINED
}
#[export_name = "N"] // wouldBeOn
extern "C" fn would_be_on(options: JsValue) -> JsValue {
    JsValue::from_bool(gate::would_be_on(&options))
}
