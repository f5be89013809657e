//! The cleanup options (`cleanup::Given`, `Options::resolve`) and the
//! cross-tab cleanup request (`protocol`, as `crates/rollback`'s
//! `tabs::answer` reads one). The input is two JSON texts separated by NUL:
//! a message another tab posted, then this tab's own options. Checks:
//! nothing panics; resolved options are valid or refused; a message never
//! widens what the receiving tab's own options allow (never a sweep of
//! everything unless this tab opted in, never more than was asked, always
//! under this tab's own prefix); a remote message's rollout (`crates/rollout`'s
//! `lower`, and `rollout::with_remote` at start-up) only ever narrows, and a
//! decision latched off stays off (`flag::latch`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use maestro_gate::cleanup::{valid_prefix, Given, Options, SessionMode, DEFAULT_PREFIX};
use maestro_gate::flag::{latch, Decision, Source};
use maestro_gate::protocol::{self, Kind};
use maestro_gate::rollout::{with_remote, Step};
use maestro_gate_fuzz::{answer, json_parse, lower, width};
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
    // A heard rollout, for a browser in the bucket this tab's options give (any number).
    let bucket = own.get("bucket").and_then(Value::as_u64).unwrap_or(1) as u32;
    let heard = message.get(maestro_gate::poll::ROLLOUT_KEY);
    if let Some(n) = lower(heard, bucket) {
        assert!(!n.enabled, "a heard rollout turned a browser on: {n:?}");
    }
    let remote = heard.and_then(Value::as_u64).map(|p| p as u32);
    for (step, p) in [(Step::None, None), (Step::Rollout(bucket % 101), Some(bucket % 101))] {
        match (with_remote(step, remote), p) {
            (Step::Rollout(r), Some(p)) => assert!(r <= p),
            (Step::Rollout(r), None) => assert_eq!(Some(r), remote),
            (Step::None, _) => assert!(remote.is_none_or(|r| r > 100)),
            (Step::Narrowed(_), _) => panic!("with_remote narrowed"),
        }
    }
    let decision = |enabled: bool| Decision { enabled, source: Source::Default, value: None, reason: String::new() };
    let enabled = message.get("enabled").and_then(Value::as_bool).unwrap_or(true);
    assert!(latch(&decision(false), &decision(enabled)).is_none(), "an off gate turned on");

    let Some((mode, prefix)) = answer(&message, &own) else { return };
    let requested = message.get("sessionStorage").and_then(Value::as_str);
    let requested = SessionMode::parse(requested).expect("an answered request names a mode");
    assert!(width(mode) <= width(requested), "{mode:?} is wider than the request's {requested:?}");
    let opted_in = own.get("acceptClearAllFromOtherTabs") == Some(&Value::Bool(true));
    assert!(mode != SessionMode::All || opted_in, "a sweep of everything without opting in");
    let own_prefix = own.get("prefix").and_then(Value::as_str).filter(|p| valid_prefix(p));
    assert_eq!(prefix, own_prefix.unwrap_or(DEFAULT_PREFIX), "not this tab's own prefix");
});
