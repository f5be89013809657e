//! The lean modules' one UTF-16 decoder: `lean::text` (a JavaScript string
//! as a Rust `String`, the first-answer module's) and the beacon module's
//! `Call::bytes` (straight into UTF-8 in a call's room) read a string one
//! UTF-16 unit at a time (`abi::code_at`) and hand each code point on.
//! Plain Rust, so that its tests run natively.

/// Hands `put` each code point of the `len` UTF-16 units `unit(0)` …
/// `unit(len - 1)`, in order: a surrogate pair as the one code point it
/// encodes, a lone surrogate (high or low) as U+FFFD. Given units below
/// 0x10000 (UTF-16 units, as `charCodeAt` answers: `abi::code_at`), every
/// code point it hands is a Unicode scalar value (`char::from_u32` takes
/// it); a larger unit is handed on as it is. `unit` is asked only for
/// indexes below `len`.
// By hand rather than `char::decode_utf16`, whose iterator costs the beacon
// module about 150 B gzip more. (Generic: each module has one caller, which
// it is inlined into.)
#[inline(always)]
pub fn decode(len: usize, unit: impl Fn(usize) -> u32, mut put: impl FnMut(u32)) {
    let surrogate = |u: u32, first: u32| (first..first + 0x400).contains(&u);
    let mut i = 0;
    while i < len {
        let u = unit(i);
        i += 1;
        let c = if surrogate(u, 0xD800) && i < len && surrogate(unit(i), 0xDC00) {
            i += 1;
            0x10000 + ((u - 0xD800) << 10) + (unit(i - 1) - 0xDC00)
        } else if surrogate(u, 0xD800) || surrogate(u, 0xDC00) {
            0xFFFD
        } else {
            u
        };
        put(c);
    }
}

#[cfg(test)]
mod tests {
    use super::decode;

    /// What `decode` hands for `units`, as a string (and the code points).
    fn decoded(units: &[u16]) -> (String, Vec<u32>) {
        let mut points = Vec::new();
        decode(units.len(), |i| u32::from(units[i]), |c| points.push(c));
        let text = points.iter().map(|&c| char::from_u32(c).expect("a scalar value")).collect();
        (text, points)
    }

    /// What the standard library's decoder makes of `units` (lone
    /// surrogates as U+FFFD): the reference.
    fn lossy(units: &[u16]) -> String {
        char::decode_utf16(units.iter().copied()).map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER)).collect()
    }

    #[test]
    fn ascii_and_the_empty_string() {
        let units: Vec<u16> = "MAESTRO enabled (default)".encode_utf16().collect();
        assert_eq!(decoded(&units).0, "MAESTRO enabled (default)");
        assert_eq!(decoded(&[]), (String::new(), vec![]));
        assert_eq!(decoded(&[0]).1, vec![0]);
    }

    #[test]
    fn the_basic_multilingual_plane() {
        // Two-byte and three-byte UTF-8, the last unit below the surrogates
        // and the first above them.
        let s = "é ü € 漢字 \u{D7FF}\u{E000}\u{FFFD}\u{FFFF}";
        let units: Vec<u16> = s.encode_utf16().collect();
        assert_eq!(decoded(&units).0, s);
    }

    #[test]
    fn surrogate_pairs_are_one_code_point() {
        let s = "a😀b\u{10000}\u{10FFFF}";
        let units: Vec<u16> = s.encode_utf16().collect();
        assert_eq!(units.len(), 8);
        let (text, points) = decoded(&units);
        assert_eq!(text, s);
        assert_eq!(points, vec![0x61, 0x1F600, 0x62, 0x10000, 0x10FFFF]);
    }

    #[test]
    fn a_lone_high_surrogate_is_a_replacement_character() {
        // Before a character that is not a low surrogate, before another
        // high one (which pairs with what follows it), and at the end.
        for (units, want) in [
            (&[0xD83D, 0x61][..], "\u{FFFD}a"),
            (&[0xD83D, 0xD83D, 0xDE00], "\u{FFFD}😀"),
            (&[0x61, 0xD83D], "a\u{FFFD}"),
            (&[0xDBFF], "\u{FFFD}"),
        ] {
            assert_eq!(decoded(units).0, want, "{units:x?}");
            assert_eq!(decoded(units).0, lossy(units), "{units:x?}");
        }
    }

    #[test]
    fn a_lone_low_surrogate_is_a_replacement_character() {
        // At the start, after a character, after a pair, twice, and at the end.
        for (units, want) in [
            (&[0xDE00, 0x61][..], "\u{FFFD}a"),
            (&[0x61, 0xDC00, 0x62], "a\u{FFFD}b"),
            (&[0xD83D, 0xDE00, 0xDE00], "😀\u{FFFD}"),
            (&[0xDC00, 0xDFFF], "\u{FFFD}\u{FFFD}"),
            (&[0x61, 0xDFFF], "a\u{FFFD}"),
        ] {
            assert_eq!(decoded(units).0, want, "{units:x?}");
            assert_eq!(decoded(units).0, lossy(units), "{units:x?}");
        }
    }

    #[test]
    fn agrees_with_the_standard_library_on_every_pair_of_interesting_units() {
        let interesting = [0x0, 0x41, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0xE000, 0xFFFF];
        for a in interesting {
            for b in interesting {
                for c in interesting {
                    let units = [a, b, c];
                    assert_eq!(decoded(&units).0, lossy(&units), "{units:x?}");
                }
            }
        }
    }
}
