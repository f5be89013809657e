//! The cleanup options (`cleanup::Given`, `Options::resolve`) and the
//! cross-tab cleanup request (`protocol`, as `crates/rollback`'s
//! `tabs::answer` reads one). The input is two JSON texts separated by NUL:
//! a message another tab posted, then this tab's own options. Checks:
//! nothing panics; resolved options are valid or refused; a message never
//! widens what the receiving tab's own options allow (never a sweep of
//! everything unless this tab opted in, never more than was asked, always
//! under this tab's own prefix).
#![no_main]

use libfuzzer_sys::fuzz_target;
use maestro_gate::cleanup::{valid_prefix, Given, Options, SessionMode, DEFAULT_PREFIX};
use maestro_gate::protocol::{self, Kind};
use maestro_gate_fuzz::{answer, json_parse, width};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (message, own) = text.split_once('\0').unwrap_or((&text, ""));
    for options in [message, own] {
        if let Ok(given) = serde_json::from_str::<Given>(options) {
            let o = Options::resolve(given);
            assert!(o.prefix.as_deref().is_none_or(valid_prefix));
            assert!(o.database.as_deref().is_none_or(valid_prefix));
            assert!(o.timeout_ms >= 0.0, "{}", o.timeout_ms);
        }
    }
    let (Some(message), own) = (json_parse(message), json_parse(own).unwrap_or(Value::Null)) else { return };
    if let Some(kind) = message.get(protocol::KIND).and_then(Value::as_str) {
        if let Some(k) = Kind::parse(kind) {
            assert_eq!(k.id(), kind);
        }
    }
    if let Some(outcome) = message.get("outcome").and_then(Value::as_str) {
        assert_eq!(protocol::answer_counts(outcome), outcome == "cleared" || outcome == "skipped");
    }
    let Some((mode, prefix)) = answer(&message, &own) else { return };
    let requested = message.get("sessionStorage").and_then(Value::as_str);
    let requested = SessionMode::parse(requested).expect("an answered request names a mode");
    assert!(width(mode) <= width(requested), "{mode:?} is wider than the request's {requested:?}");
    let opted_in = own.get("acceptClearAllFromOtherTabs") == Some(&Value::Bool(true));
    assert!(mode != SessionMode::All || opted_in, "a sweep of everything without opting in");
    let own_prefix = own.get("prefix").and_then(Value::as_str).filter(|p| valid_prefix(p));
    assert_eq!(prefix, own_prefix.unwrap_or(DEFAULT_PREFIX), "not this tab's own prefix");
});
