//! Flag values and rollout percentages (`src/flag.rs`, `poll::rollout`). The input is up to three values separated by NUL: the
//! runtime, build and default sources. Checks: nothing panics; a string read
//! as JavaScript reads it (UTF-16 units, `flag::word`) and as Rust reads it
//! (`flag::read_str`) means the same; a value that parses as on is one of the
//! four words and re-parses as on however it is cased or padded; a
//! percentage reads alike both ways and is at most 100; `decide` follows its
//! three documented rules.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maestro_gate::flag::{decide, parse, read_str, word, Raw, Reading, Setting, Source};
use maestro_gate::poll::{self, Rollout};

fn utf16(s: &str) -> Raw {
    let units: Vec<u16> = s.encode_utf16().collect();
    word(units.len(), |i| u32::from(units[i]))
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let values: Vec<&str> = text.split('\0').take(3).collect();
    for v in &values {
        let setting = parse(read_str(v));
        assert_eq!(setting, parse(utf16(v)), "read_str and word disagree on {v:?}");
        assert_ne!(setting, Setting::Ignored);
        if setting == Setting::On {
            let w = v.trim_matches([' ', '\t', '\n', '\x0c', '\r']).to_ascii_lowercase();
            assert!(["true", "1", "yes", "on"].contains(&w.as_str()), "{v:?} is on");
            for again in [v.to_ascii_uppercase(), format!(" \t{v}\r\n"), w] {
                assert_eq!(parse(read_str(&again)), Setting::On, "{again:?}");
            }
        }
        let p = poll::rollout(read_str(v));
        assert_eq!(p, poll::rollout(utf16(v)), "read_str and word disagree on {v:?}");
        if let Rollout::Percent(n) = p {
            assert!(n <= 100);
        }
        if let Ok(n) = v.trim().parse::<f64>() {
            if let Rollout::Percent(p) = poll::rollout(Raw::Number(n)) {
                assert!(p <= 100 && f64::from(p) == n, "{n}");
            }
            let s = parse(Raw::Number(n));
            assert!(matches!(s, Setting::On | Setting::Off | Setting::Invalid));
        }
    }
    let reading = |i: usize| match values.get(i) {
        Some(v) => Reading::of(read_str(v), Some(String::from(*v))),
        None => Reading::unset(),
    };
    // The runtime source's on, as an inherited property, is ignored.
    let inherited = data.first().is_some_and(|b| b & 1 == 1);
    let (runtime, build, default) = (reading(0).own(|| !inherited), reading(1), reading(2));
    let out = decide(&runtime, &build, &default);
    let d = &out.decision;
    let settings = [runtime.setting(), build.setting(), default.setting()];
    // 1. an off runtime or build source, or any invalid source, disables.
    let off = settings[..2].contains(&Setting::Off) || settings.contains(&Setting::Invalid);
    // 2. else an on runtime or build source enables; 3. else the default.
    let on = settings[..2].contains(&Setting::On);
    let expected = if off {
        false
    } else if on {
        true
    } else {
        default.setting() != Setting::Off
    };
    assert_eq!(d.enabled, expected, "{settings:?}");
    if off && settings[..2].contains(&Setting::Off) {
        assert_ne!(d.source, Source::Default);
    }
    assert!(d.reason.starts_with(if d.enabled { "Enabled" } else { "Disabled" }), "{}", d.reason);
    assert!(!out.lines.is_empty() && out.lines.last().map(|l| &l.text) == Some(&d.reason));
});
