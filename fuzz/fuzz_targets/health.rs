//! The health-document reader (`src/poll.rs`, as `crates/node`'s
//! `read_document` and `crates/remote`'s `read` call it). The input is a
//! body. Checks: nothing panics; a body over `MAX_DOCUMENT_BYTES` is refused
//! and, arriving in chunks, never kept past the cap; on every document
//! serde_json accepts, `count_key` counts exactly the top-level keys that
//! decode to `maestro_enabled` or `rollout` (however escaped), so a
//! duplicate of either is refused, and without one the reading is
//! serde_json's.
#![no_main]

use std::fmt;

use libfuzzer_sys::fuzz_target;
use maestro_gate::poll::{self, MAX_DOCUMENT_BYTES};
use maestro_gate_fuzz::{capped, raw_of, read_document};
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The top-level object's keys, decoded, duplicates kept (`None`: not an object).
struct TopKeys(Option<Vec<String>>);

impl<'de> Deserialize<'de> for TopKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TopKeys, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TopKeys;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("JSON")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopKeys, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = map.next_key::<String>()? {
                    map.next_value::<IgnoredAny>()?;
                    keys.push(k);
                }
                Ok(TopKeys(Some(keys)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TopKeys, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(TopKeys(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<TopKeys, E> {
                Ok(TopKeys(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<TopKeys, E> {
                Ok(TopKeys(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<TopKeys, E> {
                Ok(TopKeys(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<TopKeys, E> {
                Ok(TopKeys(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<TopKeys, E> {
                Ok(TopKeys(None))
            }
            fn visit_unit<E>(self) -> Result<TopKeys, E> {
                Ok(TopKeys(None))
            }
        }
        d.deserialize_any(V)
    }
}

fuzz_target!(|data: &[u8]| {
    let result = read_document(data);
    if data.len() > MAX_DOCUMENT_BYTES {
        assert_eq!(result, Err(String::from(poll::TOO_LONG)));
    }
    // The same body in chunks (sizes from its first byte): never more than the cap kept.
    let step = usize::from(data.first().copied().unwrap_or(1)).max(1) * 37;
    let chunks: Vec<&[u8]> = data.chunks(step).collect();
    match capped(&chunks) {
        Ok(kept) => assert!(kept.len() <= MAX_DOCUMENT_BYTES && kept == data),
        Err(_) => assert!(data.len() > MAX_DOCUMENT_BYTES),
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Any text at all (JSON or not, over the cap or not): some count, no panic.
    let counted = [poll::KEY, poll::ROLLOUT_KEY, poll::STATUS_KEY].map(|k| poll::count_key(text, k));
    if data.len() > MAX_DOCUMENT_BYTES {
        return;
    }
    let (Ok(value), Ok(TopKeys(keys))) =
        (serde_json::from_str::<serde_json::Value>(text), serde_json::from_str::<TopKeys>(text))
    else {
        return;
    };
    let keys = keys.unwrap_or_default();
    let expected =
        [poll::KEY, poll::ROLLOUT_KEY, poll::STATUS_KEY].map(|k| keys.iter().filter(|key| *key == k).count());
    assert_eq!(counted, expected, "count_key disagrees with serde_json on {text:?}");
    if expected[0] > 1 {
        assert_eq!(result, Err(String::from(poll::DUPLICATE_KEY)));
        return;
    }
    if expected[1] > 1 {
        assert_eq!(result, Err(String::from(poll::DUPLICATE_ROLLOUT)));
        return;
    }
    if expected[2] > 1 {
        assert_eq!(result, Err(String::from(poll::DUPLICATE_STATUS)));
        return;
    }
    let field = |k: &str| value.as_object().and_then(|o| o.get(k));
    let mut says = poll::says(raw_of(field(poll::KEY)));
    // A status "disabled" where maestro_enabled is on or missing: fails safe.
    if field(poll::STATUS_KEY).and_then(|v| v.as_str()) == Some("disabled")
        && matches!(says, poll::Says::On | poll::Says::Garbage)
    {
        says = poll::Says::Invalid;
    }
    match result {
        Ok((status, rollout)) => {
            assert_eq!(rollout, poll::rollout(raw_of(field(poll::ROLLOUT_KEY))));
            assert_eq!(status, poll::status(says, rollout));
            if status.enabled() {
                assert_eq!(says, poll::Says::On);
            }
        }
        Err(_) => assert_eq!(says, poll::Says::Garbage),
    }
});
