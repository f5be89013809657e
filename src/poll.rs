//! The remote kill: what a health document says, and when to ask again.
//!
//! Pure Rust; `web::remote` does the fetching and the timers.

#[cfg(all(test, not(target_arch = "wasm32")))]
use crate::flag::read_str;
use crate::flag::{parse, Raw, Setting};
use alloc::string::String;

/// The warning for `init({ remote: "" })`, which would poll the page's own
/// HTML: the poll is not started.
pub const EMPTY_URL: &str = "Remote poll not started: remote is an empty URL; keeping the current decision";

/// The warning for a `remote` that is set but not a string (a `URL` object,
/// a number): no module reads it, so no poll and no first answer.
pub const NOT_A_STRING: &str =
    "Remote poll not started: remote is not a string (for a URL object, pass its href); keeping the current decision";

/// The default poll interval (ms) when `init({ remote })` gives no `pollMs`.
pub const DEFAULT_POLL_MS: f64 = 60_000.0;
/// The shortest poll interval accepted (ms): a remote is a server, not a loop.
pub const MIN_POLL_MS: f64 = 100.0;
/// The longest a single fetch may take (ms) before it counts as failed.
pub const MAX_FETCH_MS: f64 = 10_000.0;
/// The least time a fetch is given (ms), however short the interval: the
/// next poll waits for it (polls never overlap), and a busy machine or a
/// slow network easily takes longer than a 100 ms interval.
pub const MIN_FETCH_MS: f64 = 1_000.0;
/// After failures, the interval doubles up to this many times `pollMs`.
pub const MAX_BACKOFF_FACTOR: f64 = 8.0;
/// The longest delay a timer takes: `setTimeout` treats anything longer as 0.
pub const MAX_TIMER_MS: f64 = 2_147_483_647.0;

/// A delay that `setTimeout` honours: at most `MAX_TIMER_MS`, never negative or NaN.
pub fn timer_ms(ms: f64) -> f64 {
    if ms >= MAX_TIMER_MS {
        MAX_TIMER_MS
    } else if ms > 0.0 {
        ms
    } else {
        0.0
    }
}

/// What one health document says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Says {
    /// `maestro_enabled` is off: kill.
    Off,
    /// `maestro_enabled` is on: nothing changes (a later "on" never re-enables).
    On,
    /// A value that is not a flag value (`"flase"`, `2`, an object): fails
    /// safe, as the same typo does in every other source.
    Invalid,
    /// Missing: not a health document; nothing changes, counts as a failure.
    Garbage,
}

impl Says {
    /// The number a document's verdict travels as, from the module that read
    /// it to the glue and back (the remote module's and the first-answer
    /// module's documents): 0 off, 1 on, 2 invalid, 3 not a health document.
    pub const fn code(self) -> f64 {
        match self {
            Says::Off => 0.0,
            Says::On => 1.0,
            Says::Invalid => 2.0,
            Says::Garbage => 3.0,
        }
    }

    /// The verdict a [`Says::code`] stands for (any other number: not a
    /// health document, which changes nothing).
    pub fn from_code(code: f64) -> Says {
        match code {
            0.0 => Says::Off,
            1.0 => Says::On,
            2.0 => Says::Invalid,
            _ => Says::Garbage,
        }
    }
}

/// Reads the `maestro_enabled` field of a parsed health document.
pub fn says(maestro_enabled: Raw) -> Says {
    match parse(maestro_enabled) {
        Setting::Off => Says::Off,
        Setting::On => Says::On,
        Setting::Invalid => Says::Invalid,
        // (`Ignored` is a gate's reading of an inherited on; a document
        // value is never one.)
        Setting::Unset | Setting::Ignored => Says::Garbage,
    }
}

/// The key a health document's answer is under.
pub const KEY: &str = "maestro_enabled";

/// The key of a document's status, which the runbook's document writes as
/// `"disabled"` beside `"maestro_enabled": false`.
pub const STATUS_KEY: &str = "status";

/// Why a document fails safe whose `status` is `"disabled"` while its
/// `maestro_enabled` is on or missing ([`status_disagrees`]).
pub const STATUS_DISAGREES: &str = "status=\"disabled\" but maestro_enabled is not false";

/// Whether a document's `status` (its own property, when a string) says off
/// where its `maestro_enabled` does not: `"disabled"` beside an on, or
/// without `maestro_enabled`. An off counts wherever it comes from, so such a
/// document fails safe (`Says::Invalid`, [`STATUS_DISAGREES`]) instead of
/// reading as on or as no health document. Any other `status` is not read.
pub fn status_disagrees(says: Says, status: Option<&str>) -> bool {
    status == Some("disabled") && matches!(says, Says::On | Says::Garbage)
}

/// The failure for a document whose top-level object has `KEY` more than
/// once: `JSON.parse` keeps the last one, so `{"maestro_enabled":false,
/// "maestro_enabled":true}` would read as on. Such a document is not read.
pub const DUPLICATE_KEY: &str = "not a health document: maestro_enabled appears more than once";

/// How many times the top-level object of the JSON text `json` has the key
/// `key`, however the key is spelled: escapes are decoded first, so
/// `"maestro\u005fenabled"` is `maestro_enabled`. Keys of nested objects and
/// strings that are values do not count. `key` must be ASCII.
///
/// Meant for a text that `JSON.parse` accepted; on any other text it returns
/// some count, and it never panics.
pub fn count_key(json: &str, key: &str) -> usize {
    let bytes = json.as_bytes();
    let key = key.as_bytes();
    let mut depth = 0usize;
    let mut count = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b'"' => {
                let (end, same) = string_is(bytes, i + 1, key);
                // A string at the top level's depth followed by `:` is one of its keys.
                if same && depth == 1 && next_token(bytes, end) == Some(b':') {
                    count += 1;
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    count
}

/// Reads the JSON string whose contents start at `start`: the index just
/// after its closing quote (or the end of the text), and whether it decodes
/// to `key` (ASCII). Compared one UTF-16 unit at a time: a raw non-ASCII
/// byte or an escaped unit above 0x7f never equals an ASCII byte.
fn string_is(bytes: &[u8], start: usize, key: &[u8]) -> (usize, bool) {
    let mut i = start;
    let mut matched = 0;
    let mut same = true;
    while let Some(&b) = bytes.get(i) {
        let unit = match b {
            b'"' => return (i + 1, same && matched == key.len()),
            b'\\' => {
                let escaped = bytes.get(i + 1).copied();
                i += 2;
                match escaped {
                    Some(b'u') => match bytes.get(i..i + 4).and_then(hex4) {
                        Some(unit) => {
                            i += 4;
                            unit
                        }
                        None => u32::MAX,
                    },
                    Some(b'b') => 0x08,
                    Some(b'f') => 0x0c,
                    Some(b'n') => 0x0a,
                    Some(b'r') => 0x0d,
                    Some(b't') => 0x09,
                    Some(other) => u32::from(other),
                    None => u32::MAX,
                }
            }
            other => {
                i += 1;
                u32::from(other)
            }
        };
        if same {
            match key.get(matched) {
                Some(&k) if u32::from(k) == unit => matched += 1,
                _ => same = false,
            }
        }
    }
    (i, false)
}

/// Four hex digits, as a number.
fn hex4(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, &d| Some(n * 16 + char::from(d).to_digit(16)?))
}

/// The first byte at or after `i` that is not JSON whitespace.
fn next_token(bytes: &[u8], i: usize) -> Option<u8> {
    bytes.get(i..)?.iter().copied().find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// The most of a health document that is read (bytes): a longer body is a
/// failure, and is not read past this.
pub const MAX_DOCUMENT_BYTES: usize = 8 * 1024;

/// A declared `Content-Length` with more digits than this (leading zeros
/// aside) is over [`MAX_DOCUMENT_BYTES`] (the body is then not read at all;
/// a shorter one is counted as it arrives).
pub const MAX_DOCUMENT_DIGITS: usize = 4;

/// Whether a declared `Content-Length` has more than `digits` digits (spaces
/// and tabs around it and leading zeros aside): the body is then over the
/// cap, and not read. Anything but digits is no declaration (the body is
/// counted as it arrives). Compared without parsing, byte by byte (all of
/// the trimmed characters are ASCII), without `str`'s searchers, whose
/// panics the wasm modules would carry.
pub fn declared_too_long(length: &str, digits: usize) -> bool {
    let mut d = length.as_bytes();
    while let [b' ' | b'\t', rest @ ..] = d {
        d = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = d {
        d = rest;
    }
    while let [b'0', rest @ ..] = d {
        d = rest;
    }
    d.iter().all(u8::is_ascii_digit) && d.len() > digits
}

/// Whether `bytes` are UTF-8, as `core::str::from_utf8` decides (no
/// overlong form, no surrogate, nothing past U+10FFFF), a character at a
/// time: core's check reads a word at a time, which costs the first-answer
/// module about 450 bytes more.
pub fn is_utf8(bytes: &[u8]) -> bool {
    let mut i = 0;
    while let Some(&lead) = bytes.get(i) {
        // How many continuation bytes follow, and the least character that
        // many may encode.
        let (n, least) = match lead {
            0x00..=0x7f => (0, 0),
            0xc2..=0xdf => (1, 0x80),
            0xe0..=0xef => (2, 0x800),
            0xf0..=0xf4 => (3, 0x1_0000),
            _ => return false,
        };
        let mut c = u32::from(lead) & (0x7f >> n);
        for k in 1..=n {
            match bytes.get(i + k) {
                Some(&b) if b & 0xc0 == 0x80 => c = c << 6 | u32::from(b & 0x3f),
                _ => return false,
            }
        }
        if c < least || c > 0x10_ffff || (0xd800..0xe000).contains(&c) {
            return false;
        }
        i += n + 1;
    }
    true
}

/// A body without its leading UTF-8 byte order mark (`EF BB BF`), if it has
/// one: the body as `fetch`'s `text()` and `json()` read it (the Encoding
/// standard's UTF-8 decode drops one mark), and as JSON allows a reader to
/// (RFC 8259, 8.1). Every reader of a document (the first answer, the poll,
/// the Service Worker guard, `maestro-gate check`) drops exactly one, so that
/// they all read a document an editor saved with a mark the same way; a
/// second mark is not JSON.
pub fn without_bom(bytes: &[u8]) -> &[u8] {
    match bytes {
        [0xef, 0xbb, 0xbf, rest @ ..] => rest,
        _ => bytes,
    }
}

/// The failure for a body longer than [`MAX_DOCUMENT_BYTES`].
pub const TOO_LONG: &str = "not a health document: the body is longer than 8 KB";

/// The reason when a document's `maestro_enabled` is not a flag value
/// (`"flase"`): `invalid maestro_enabled=<value>; accepted: ...`.
pub fn invalid_enabled(value: &str, quoted: bool) -> String {
    invalid(KEY, value, quoted, crate::flag::ACCEPTED)
}

/// The failure for a body that is not JSON (an HTML fallback page from a
/// missing file, say): what it starts with, at most 40 characters, control
/// characters shown as spaces.
pub fn not_json(body: &str) -> String {
    // At most 40 bytes, cut back to a character's start; ASCII control
    // characters as spaces (no Unicode tables: this runs in the remote module).
    // Byte by byte: every character trimmed or replaced is ASCII, so the
    // bytes left are still UTF-8 (without str's searchers and char
    // iterators, which the wasm modules would carry).
    let mut bytes = body.as_bytes();
    while let [b' ' | b'\t' | b'\n' | b'\r', rest @ ..] = bytes {
        bytes = rest;
    }
    let body = body.get(body.len() - bytes.len()..).unwrap_or_default();
    let mut end = body.len().min(40);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    let shown = body.get(..end).unwrap_or_default();
    let mut start = String::new();
    let mut from = 0;
    for (i, &b) in shown.as_bytes().iter().enumerate() {
        if b < b' ' || b == 0x7f {
            start.push_str(shown.get(from..i).unwrap_or_default());
            // (A str: `String::push` would bring a char encoder along.)
            #[allow(clippy::single_char_add_str)]
            start.push_str(" ");
            from = i + 1;
        }
    }
    start.push_str(shown.get(from..).unwrap_or_default());
    crate::flag::cat(&["not JSON (the body starts with \"", &start, "\"): is the document at this URL?"])
}

/// The key of a health document's rollout percentage: the Vite plugin and
/// the CLI write it for `VITE_MAESTRO_ROLLOUT`, and the remote poll reads it.
pub const ROLLOUT_KEY: &str = "rollout";

/// The failure for a document with `rollout` more than once (as
/// [`DUPLICATE_KEY`]: `JSON.parse` would keep the last). Such a document is
/// not read.
pub const DUPLICATE_ROLLOUT: &str = "not a health document: rollout appears more than once";

/// The failure for a document with `status` more than once (as
/// [`DUPLICATE_KEY`]): `"disabled"` and another status would leave the
/// reader that keeps the last one on.
pub const DUPLICATE_STATUS: &str = "not a health document: status appears more than once";

/// The failure for a document one of whose keys (`maestro_enabled`,
/// `rollout`, `status`) appears more than once, however spelled
/// ([`count_key`]): `JSON.parse` would keep the last. Such a document is not
/// read. Every reader asks this once, after `JSON.parse` accepted the text.
pub fn duplicate(json: &str) -> Option<&'static str> {
    if count_key(json, KEY) > 1 {
        Some(DUPLICATE_KEY)
    } else if count_key(json, ROLLOUT_KEY) > 1 {
        Some(DUPLICATE_ROLLOUT)
    } else if count_key(json, STATUS_KEY) > 1 {
        Some(DUPLICATE_STATUS)
    } else {
        None
    }
}

/// The accepted rollout values, as shown to users in warnings.
pub const ROLLOUT_ACCEPTED: &str = "an integer from 0 to 100, with or without % (blank means unset)";

/// What a rollout percentage says (`VITE_MAESTRO_ROLLOUT`,
/// `window.MAESTRO_ROLLOUT`, `init({ rollout })`, a health document's
/// `"rollout"`): the one reading of a percentage, wherever it comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rollout {
    /// No rollout (`undefined`, `null`, a blank string): nothing narrows the decision.
    Unset,
    /// A percentage, 0 to 100.
    Percent(u32),
    /// Anything else (a fraction, a number above 100, a negative one, a
    /// word, a boolean, an object): fails safe, the gate is disabled.
    Invalid,
}

impl Rollout {
    /// The number a document's rollout travels as beside [`Says::code`]: the
    /// percentage, -1 unset, -2 invalid.
    pub fn code(self) -> f64 {
        match self {
            Rollout::Unset => -1.0,
            Rollout::Percent(p) => f64::from(p),
            Rollout::Invalid => -2.0,
        }
    }

    /// The rollout a [`Rollout::code`] stands for: -1 unset, a percentage
    /// from 0 to 100, and anything else invalid (fails safe).
    pub fn from_code(code: f64) -> Rollout {
        match code {
            -1.0 => Rollout::Unset,
            p if (0.0..=100.0).contains(&p) && p == f64::from(p as u32) => Rollout::Percent(p as u32),
            _ => Rollout::Invalid,
        }
    }
}

/// Reads a rollout percentage, the one parser of every source's (the
/// pages', the health document's, the build's): an integer from 0 to 100,
/// as a number or as a string (`"25"`, `"25%"`; no space before `%`),
/// trimmed of ASCII whitespace as flag values are ([`crate::flag::word`]);
/// a blank string is unset. Leading zeros are read (`"007"` is 7), in at
/// most 5 bytes in all (`"0025%"`), as [`crate::flag::Word`] keeps them.
pub fn rollout(raw: Raw) -> Rollout {
    match raw {
        Raw::Unset => Rollout::Unset,
        // Integral and in range; -0 is 0; NaN fails every comparison.
        Raw::Number(n) if (0.0..=100.0).contains(&n) && n == f64::from(n as u32) => Rollout::Percent(n as u32),
        Raw::Word(w) => match w.bytes() {
            Some([]) => Rollout::Unset,
            Some(b) => {
                let digits = b.strip_suffix(b"%").unwrap_or(b);
                if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                    return Rollout::Invalid;
                }
                // At most 5 digits: no overflow.
                let n = digits.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0'));
                if n <= 100 {
                    Rollout::Percent(n)
                } else {
                    Rollout::Invalid
                }
            }
            None => Rollout::Invalid,
        },
        _ => Rollout::Invalid,
    }
}

/// The warning for an invalid rollout value read from `label` (for example
/// `VITE_MAESTRO_ROLLOUT`): `invalid <label>=<value>; accepted: ...`, the
/// value quoted when it is a string, as the flag rule words it. Prefixed
/// with `Disabled (fail safe): ` when it is what disables the gate.
pub fn rollout_invalid(label: &str, value: &str, quoted: bool) -> String {
    invalid(label, value, quoted, ROLLOUT_ACCEPTED)
}

/// `invalid <label>=<value>; accepted: <accepted>`, the value quoted when it
/// was a string: the wording of every invalid setting but the flag's.
pub fn invalid(label: &str, value: &str, quoted: bool, accepted: &str) -> String {
    let q = if quoted { "\"" } else { "" };
    crate::flag::cat(&["invalid ", label, "=", q, value, q, "; accepted: ", accepted])
}

/// The same when reading the value threw.
pub fn rollout_threw(label: &str, message: &str) -> String {
    crate::flag::cat(&["reading ", label, " threw: ", message])
}

/// The poll interval for the `pollMs` option (`None` or not a number: the default).
pub fn interval(poll_ms: Option<f64>) -> f64 {
    match poll_ms {
        Some(ms) if ms.is_finite() && ms >= MIN_POLL_MS => timer_ms(ms),
        Some(ms) if ms.is_finite() && ms > 0.0 => MIN_POLL_MS,
        _ => DEFAULT_POLL_MS,
    }
}

/// How long one fetch may take: the interval, within `MIN_FETCH_MS` and `MAX_FETCH_MS`.
pub fn fetch_timeout(interval: f64) -> f64 {
    if interval >= MAX_FETCH_MS {
        MAX_FETCH_MS
    } else if interval > MIN_FETCH_MS {
        interval
    } else {
        MIN_FETCH_MS
    }
}

/// The next delay after a failure: double, capped at `MAX_BACKOFF_FACTOR` × interval.
pub fn backoff(delay: f64, interval: f64) -> f64 {
    let cap = timer_ms(interval * MAX_BACKOFF_FACTOR);
    if delay * 2.0 < cap {
        delay * 2.0
    } else {
        cap
    }
}

/// How long `init()` waits for the health document's first answer when
/// `remoteTimeoutMs` is not given (ms).
pub const DEFAULT_REMOTE_WAIT_MS: f64 = 1_000.0;

/// How long `init()` waits for the first answer, for the `remoteTimeoutMs`
/// option: the default when it is not a number, 0 (no wait) when it is 0 or
/// negative, at most [`MAX_FETCH_MS`].
pub fn remote_wait(option: Option<f64>) -> f64 {
    match option {
        Some(ms) if ms.is_nan() => DEFAULT_REMOTE_WAIT_MS,
        Some(ms) if ms <= 0.0 => 0.0,
        Some(ms) if ms >= MAX_FETCH_MS => MAX_FETCH_MS,
        Some(ms) => ms,
        None => DEFAULT_REMOTE_WAIT_MS,
    }
}

/// A time this tab noted before `now` (its own last read, or another tab's
/// result it heard), as the poll's schedule counts it: one after `now` (the
/// wall clock was set back since) counts as `now`, so that the next poll is
/// an interval away ([`next_poll`], [`follower_due`]) and not the interval
/// plus however far the clock went back. The poll keeps the time it
/// corrected, so that its wait runs down.
pub fn not_after(at: f64, now: f64) -> f64 {
    if at > now {
        now
    } else {
        at
    }
}

/// When a tab that does not hold the document's Web Lock (another tab
/// polls for it) asks the server itself: when no result, its own or
/// another tab's, has reached it for `2 × interval`. So a polling tab that
/// closes, hangs or stops is replaced within that bound.
pub fn follower_due(own_last: f64, heard: Option<f64>, interval: f64) -> f64 {
    let last = match heard {
        Some(h) if h > own_last => h,
        _ => own_last,
    };
    last + 2.0 * interval
}

/// The most a tab that heard another tab's result waits beyond `interval`
/// after it, as a fraction of `interval` (see `next_poll`).
pub const JITTER: f64 = 0.25;

/// When a tab that polls every `interval` polls next, after its own last
/// poll at `own_last`, when another tab's result for the same document was
/// last heard at `heard` (`None`: never, or not since its own poll).
/// `jitter` is a fraction in [0, 1) drawn at random once per own poll
/// (anything else counts as 0).
///
/// Another tab's result saves this tab a poll: the next one is `interval`,
/// stretched by up to `JITTER` × `interval` (`jitter` says how much), after
/// the latest reading it knows of. The stretch is what lets tabs that
/// started together fall out of step: without it they all hear the same
/// result and all wake at the same moment, each before the others' results
/// reach it; with it, whichever wakes first polls, and the others hear it
/// before their own time comes. A tab that hears no other polls every
/// `interval`.
///
/// Only results newer than its own count, and they never postpone its poll
/// past `2 × interval` after its own last one, so that no other tab (a
/// stale one, or a hostile page posting "on" forever) can stop this tab
/// from asking the server itself. The next poll is always within
/// [`interval`, `2 × interval`] after `own_last`.
pub fn next_poll(own_last: f64, heard: Option<f64>, interval: f64, jitter: f64) -> f64 {
    let due = match heard {
        Some(h) if h > own_last => {
            // NaN, negative or >= 1: no stretch.
            let jitter = if jitter > 0.0 && jitter < 1.0 { jitter } else { 0.0 };
            h + interval * (1.0 + JITTER * jitter)
        }
        _ => own_last + interval,
    };
    let bound = own_last + 2.0 * interval;
    if due < bound {
        due
    } else {
        bound
    }
}

/// What a health document tells an operator, as the poll applies it: every
/// page on (`Enabled`), only the pages whose bucket is within a percentage
/// (`Partial`), or every page off (`Disabled`). The Vite plugin and the CLI
/// write it as the document's `status`, and `maestro-gate check` answers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Every page on.
    Enabled,
    /// A rollout from 1 to 99 percent.
    Partial(u32),
    /// Every page off.
    Disabled,
}

impl Status {
    /// The document's `status`: `"enabled"`, `"partial"` or `"disabled"`.
    pub fn id(self) -> &'static str {
        match self {
            Status::Enabled => "enabled",
            Status::Partial(_) => "partial",
            Status::Disabled => "disabled",
        }
    }

    /// The document's `maestro_enabled`: whether any page runs MAESTRO (a
    /// partial rollout is on, and its `rollout` narrows it).
    pub fn enabled(self) -> bool {
        !matches!(self, Status::Disabled)
    }
}

/// The status of a document whose `maestro_enabled` says `says`, with the
/// rollout `rollout`, as the poll applies the two: an off or an invalid
/// value turns every page off, and so does a rollout of 0 or an invalid one;
/// a rollout from 1 to 99 keeps on only the pages within it.
pub fn status(says: Says, rollout: Rollout) -> Status {
    match (says, rollout) {
        (Says::On, Rollout::Unset | Rollout::Percent(100)) => Status::Enabled,
        (Says::On, Rollout::Percent(p)) if p > 0 && p < 100 => Status::Partial(p),
        _ => Status::Disabled,
    }
}

/// The reason a build with `VITE_MAESTRO_ROLLOUT=0` is disabled: no bucket
/// (1 to 100) is within 0%.
pub const ROLLOUT_ZERO: &str = "Disabled by VITE_MAESTRO_ROLLOUT=0: no bucket is within 0%";

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use alloc::string::String;
    use alloc::vec::Vec;
    use alloc::{format, vec};
    use proptest::prelude::*;

    #[test]
    fn a_verdict_and_a_rollout_travel_as_their_codes_and_back() {
        for says in [Says::Off, Says::On, Says::Invalid, Says::Garbage] {
            assert_eq!(Says::from_code(says.code()), says);
        }
        for code in [-0.5, 4.0, f64::NAN] {
            assert_eq!(Says::from_code(code), Says::Garbage);
        }
        let mut rollouts = vec![Rollout::Unset, Rollout::Invalid];
        rollouts.extend((0..=100).map(Rollout::Percent));
        for r in rollouts {
            assert_eq!(Rollout::from_code(r.code()), r);
        }
        for code in [101.0, 2.5, -3.0, f64::NAN, f64::INFINITY] {
            assert_eq!(Rollout::from_code(code), Rollout::Invalid);
        }
    }

    #[test]
    fn a_declared_length_over_the_cap_is_told_by_its_digits() {
        // As the trim-and-compare it replaces read it.
        fn old(length: &str, digits: usize) -> bool {
            let l = length.trim_matches([' ', '\t']).trim_start_matches('0');
            l.bytes().all(|b| b.is_ascii_digit()) && l.len() > digits
        }
        for (length, over) in [
            ("", false),
            ("8192", false),
            ("9999", false),
            ("10000", true),
            (" \t 00012345\t ", true),
            ("0000001234", false),
            ("0 0", false),
            ("00 ", false),
            ("1e10", false),
            ("-12345", false),
            ("１２３４５６", false),
            ("\u{a0}12345", false),
            ("12345\n", false),
            ("   ", false),
        ] {
            assert_eq!(declared_too_long(length, MAX_DOCUMENT_DIGITS), over, "{length:?}");
            assert_eq!(old(length, MAX_DOCUMENT_DIGITS), over, "{length:?}");
        }
    }

    #[test]
    fn waits_and_followers() {
        assert_eq!(remote_wait(None), 1_000.0);
        assert_eq!(remote_wait(Some(f64::NAN)), 1_000.0);
        assert_eq!(remote_wait(Some(0.0)), 0.0);
        assert_eq!(remote_wait(Some(-5.0)), 0.0);
        assert_eq!(remote_wait(Some(250.0)), 250.0);
        assert_eq!(remote_wait(Some(f64::INFINITY)), MAX_FETCH_MS);
        assert_eq!(follower_due(100.0, None, 500.0), 1_100.0);
        assert_eq!(follower_due(100.0, Some(50.0), 500.0), 1_100.0);
        assert_eq!(follower_due(100.0, Some(400.0), 500.0), 1_400.0);
        assert!(not_json("<!doctype html>\n<html>")
            .starts_with("not JSON (the body starts with \"<!doctype html> <html>\")"));
    }

    #[test]
    fn statuses() {
        assert_eq!(status(Says::On, Rollout::Unset), Status::Enabled);
        assert_eq!(status(Says::On, Rollout::Percent(100)), Status::Enabled);
        assert_eq!(status(Says::On, Rollout::Percent(25)), Status::Partial(25));
        assert_eq!(status(Says::On, Rollout::Percent(1)), Status::Partial(1));
        assert_eq!(status(Says::On, Rollout::Percent(0)), Status::Disabled);
        assert_eq!(status(Says::On, Rollout::Invalid), Status::Disabled);
        assert_eq!(status(Says::Off, Rollout::Percent(50)), Status::Disabled);
        assert_eq!(status(Says::Invalid, Rollout::Unset), Status::Disabled);
        assert_eq!(
            [Status::Enabled, Status::Partial(5), Status::Disabled].map(|s| (s.id(), s.enabled())),
            [("enabled", true), ("partial", true), ("disabled", false)]
        );
    }

    #[test]
    fn documents() {
        assert_eq!(says(Raw::Bool(false)), Says::Off);
        assert_eq!(says(read_str("false")), Says::Off);
        assert_eq!(says(Raw::Bool(true)), Says::On);
        assert_eq!(says(Raw::Unset), Says::Garbage);
        assert_eq!(says(read_str("maybe")), Says::Invalid);
        assert_eq!(says(read_str("flase")), Says::Invalid);
        assert_eq!(says(Raw::Other), Says::Invalid);
    }

    #[test]
    fn keys_are_counted_at_the_top_level_however_spelled() {
        let n = |json: &str| count_key(json, KEY);
        assert_eq!(n(r#"{"maestro_enabled":false}"#), 1);
        assert_eq!(n(r#"{"maestro_enabled":false,"maestro_enabled":true}"#), 2);
        assert_eq!(n(r#"{ "maestro_enabled" : true , "maestro\u005fenabled" : false }"#), 2, "an escaped key counts");
        assert_eq!(
            n(
                r#"{"maestro_enabled":1,"\u006d\u0061\u0065\u0073\u0074\u0072\u006F\u005F\u0065\u006e\u0061\u0062\u006c\u0065\u0064":0}"#
            ),
            2
        );
        assert_eq!(n(r#"{"maestro_enabled":true,"nested":{"maestro_enabled":false}}"#), 1, "a nested key does not");
        assert_eq!(n(r#"{"maestro_enabled":true,"list":[{"maestro_enabled":false}]}"#), 1);
        assert_eq!(n(r#"{"status":"maestro_enabled","maestro_enabled":true}"#), 1, "nor a value");
        assert_eq!(n(r#"{"status":"a \"maestro_enabled\": b","maestro_enabled":true}"#), 1, "nor text in a value");
        assert_eq!(n(r#"{"status":"\\","maestro_enabled":true}"#), 1, "an escaped backslash ends no string");
        assert_eq!(n(r#"{"maestro_enabled\u0000":true,"maestro_enable":false,"Maestro_enabled":0}"#), 0);
        assert_eq!(n(r#"{"maestro_enabled":true,"maestro_enabledx":false}"#), 1);
        assert_eq!(n(r#"["maestro_enabled","maestro_enabled"]"#), 0, "an array has no keys");
        assert_eq!(n(r#""maestro_enabled""#), 0);
        assert_eq!(n("{\n\t\"maestro_enabled\"\r\n:\ttrue,\"maestro_enabled\" :false}"), 2);
        // Not JSON: some count, no panic.
        for odd in
            ["", "{", "\"", "{\"", "{\"\\", "{\"\\u", "{\"\\u00", "{\"a\\uzzzz\":1}", "}}}{", "{\"maestro_enabled\""]
        {
            let _ = n(odd);
        }
    }

    #[test]
    fn rollout_values() {
        for (text, want) in [
            ("25", Rollout::Percent(25)),
            ("25%", Rollout::Percent(25)),
            (" 25% ", Rollout::Percent(25)),
            ("\t100\n", Rollout::Percent(100)),
            ("0", Rollout::Percent(0)),
            ("0%", Rollout::Percent(0)),
            ("007", Rollout::Percent(7)),
            ("", Rollout::Unset),
            ("  ", Rollout::Unset),
            ("101", Rollout::Invalid),
            ("1000000000000", Rollout::Invalid),
            ("25.5", Rollout::Invalid),
            ("25.0", Rollout::Invalid),
            ("-5", Rollout::Invalid),
            ("+5", Rollout::Invalid),
            ("25 %", Rollout::Invalid),
            ("25%%", Rollout::Invalid),
            ("%", Rollout::Invalid),
            ("%25", Rollout::Invalid),
            ("half", Rollout::Invalid),
            ("\u{a0}25", Rollout::Invalid),
            ("２５", Rollout::Invalid),
            ("abc", Rollout::Invalid),
            ("1000%", Rollout::Invalid),
            ("0000000025", Rollout::Invalid),
            ("0025%", Rollout::Percent(25)),
            ("000025", Rollout::Invalid),
        ] {
            assert_eq!(rollout(read_str(text)), want, "{text:?}");
        }
        for (n, want) in [
            (25.0, Rollout::Percent(25)),
            (0.0, Rollout::Percent(0)),
            (-0.0, Rollout::Percent(0)),
            (100.0, Rollout::Percent(100)),
            (100.5, Rollout::Invalid),
            (0.5, Rollout::Invalid),
            (-1.0, Rollout::Invalid),
            (101.0, Rollout::Invalid),
            (f64::NAN, Rollout::Invalid),
            (f64::INFINITY, Rollout::Invalid),
        ] {
            assert_eq!(rollout(Raw::Number(n)), want, "{n}");
        }
        assert_eq!(rollout(Raw::Unset), Rollout::Unset);
        assert_eq!(rollout(Raw::Other), Rollout::Invalid);
        assert_eq!(rollout(Raw::Bool(true)), Rollout::Invalid);
        assert_eq!(rollout(Raw::Bool(false)), Rollout::Invalid);
        assert_eq!(
            rollout_invalid("VITE_MAESTRO_ROLLOUT", "half", true),
            "invalid VITE_MAESTRO_ROLLOUT=\"half\"; accepted: an integer from 0 to 100, with or without % (blank means unset)"
        );
        assert_eq!(
            rollout_invalid("rollout", "150", false),
            ["invalid rollout=150; accepted: ", ROLLOUT_ACCEPTED].concat()
        );
        assert_eq!(rollout_threw("VITE_MAESTRO_ROLLOUT", "boom"), "reading VITE_MAESTRO_ROLLOUT threw: boom");
        // The key is counted as maestro_enabled is: a duplicate is not read.
        assert_eq!(count_key(r#"{"maestro_enabled":true,"rollout":10,"rollout":90}"#, ROLLOUT_KEY), 2);
        assert_eq!(count_key(r#"{"maestro_enabled":true,"rollout":10,"x":{"rollout":90}}"#, ROLLOUT_KEY), 1);
    }

    #[test]
    fn intervals() {
        assert_eq!(interval(None), DEFAULT_POLL_MS);
        assert_eq!(interval(Some(f64::NAN)), DEFAULT_POLL_MS);
        assert_eq!(interval(Some(-5.0)), DEFAULT_POLL_MS);
        assert_eq!(interval(Some(0.0)), DEFAULT_POLL_MS);
        assert_eq!(interval(Some(5.0)), MIN_POLL_MS);
        assert_eq!(interval(Some(2500.0)), 2500.0);
        assert_eq!(fetch_timeout(2500.0), 2500.0);
        assert_eq!(fetch_timeout(60_000.0), MAX_FETCH_MS);
        assert_eq!(fetch_timeout(100.0), MIN_FETCH_MS, "a short interval still gives a fetch a second");
        assert_eq!(fetch_timeout(f64::NAN), MIN_FETCH_MS);
        assert_eq!(backoff(1000.0, 1000.0), 2000.0);
        assert_eq!(backoff(4000.0, 1000.0), 8000.0);
        assert_eq!(backoff(8000.0, 1000.0), 8000.0);
        // Beyond what setTimeout takes (it would fire at once): clamped.
        assert_eq!(interval(Some(1e12)), MAX_TIMER_MS);
        assert_eq!(backoff(MAX_TIMER_MS, MAX_TIMER_MS), MAX_TIMER_MS);
        assert_eq!(timer_ms(f64::INFINITY), MAX_TIMER_MS);
        assert_eq!(timer_ms(f64::NAN), 0.0);
        assert_eq!(timer_ms(-1.0), 0.0);
    }

    #[test]
    fn other_tabs_save_a_poll_but_never_postpone_it_past_the_bound() {
        assert_eq!(next_poll(1000.0, None, 500.0, 0.0), 1500.0);
        assert_eq!(next_poll(1000.0, None, 500.0, 0.9), 1500.0, "a tab that hears no other keeps its interval");
        assert_eq!(next_poll(1000.0, Some(900.0), 500.0, 0.0), 1500.0, "an older result counts for nothing");
        assert_eq!(next_poll(1000.0, Some(900.0), 500.0, 0.5), 1500.0, "nor does it stretch the wait");
        assert_eq!(next_poll(1000.0, Some(1200.0), 500.0, 0.0), 1700.0, "a newer one saves a poll");
        assert_eq!(next_poll(1000.0, Some(1200.0), 500.0, 0.5), 1762.5, "stretched by jitter x 25% of the interval");
        assert_eq!(next_poll(1000.0, Some(1800.0), 500.0, 0.0), 2000.0, "but never past 2 x interval");
        assert_eq!(next_poll(1000.0, Some(1500.0), 500.0, 0.99), 2000.0, "stretch included");
        for odd in [f64::NAN, -1.0, 1.0, 7.0, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(next_poll(1000.0, Some(1200.0), 500.0, odd), 1700.0, "jitter {odd} counts as 0");
        }
    }

    /// Tabs that started together, each hearing the others' results after a
    /// fetch of `latency` ms, the first `jitter`s given: with the stretch,
    /// the first to wake polls and saves the others (they hear it first).
    #[test]
    fn the_stretch_breaks_a_lockstep() {
        let (iv, latency) = (500.0, 20.0);
        // All three polled at 0 and heard each other at `latency`.
        let due: [f64; 3] = [0.1, 0.5, 0.9].map(|j| next_poll(0.0, Some(latency), iv, j));
        let first = due.iter().cloned().fold(f64::INFINITY, f64::min);
        // The first result reaches the others `latency` later; both are then saved.
        for (i, d) in due.iter().enumerate() {
            if *d > first {
                let heard = first + latency;
                assert!(*d > heard, "tab {i} had not woken yet when it heard the first");
                assert!(next_poll(0.0, Some(heard), iv, [0.1, 0.5, 0.9][i]) > *d, "tab {i} waits longer");
            }
        }
        // Without the stretch, all three wake at the same moment.
        assert!([0.0; 3].map(|j| next_poll(0.0, Some(latency), iv, j)).windows(2).all(|w| w[0] == w[1]));
    }

    /// `not_json` as it was written with str's trim and a char iterator.
    fn not_json_by_chars(body: &str) -> String {
        let body = body.trim_start_matches([' ', '\t', '\n', '\r']);
        let mut end = body.len().min(40);
        while !body.is_char_boundary(end) {
            end -= 1;
        }
        let start: String =
            body.get(..end).unwrap_or_default().chars().map(|c| if c < ' ' || c == '\x7f' { ' ' } else { c }).collect();
        ["not JSON (the body starts with \"", &start, "\"): is the document at this URL?"].concat()
    }

    #[test]
    fn not_json_shows_the_same_start_as_before() {
        for body in [
            "",
            " \t\r\n",
            "\n\n<!doctype html>\n<html>\x7f\x00",
            "\x0c<html>",
            "\u{a0}<html>",
            &"é".repeat(30),
            &["a", &"😀".repeat(12)].concat(),
            &[" ", &"x".repeat(39), "é"].concat(),
        ] {
            assert_eq!(not_json(body), not_json_by_chars(body), "{body:?}");
        }
        assert_eq!(
            not_json("\n\t<p>\x01\x7fé</p>"),
            "not JSON (the body starts with \"<p>  é</p>\"): is the document at this URL?"
        );
    }

    #[test]
    fn a_key_twice_is_no_document() {
        assert_eq!(duplicate(r#"{"maestro_enabled":false,"maestro_enabled":true}"#), Some(DUPLICATE_KEY));
        assert_eq!(duplicate(r#"{"maestro_enabled":true,"rollout":1,"rollout":2}"#), Some(DUPLICATE_ROLLOUT));
        assert_eq!(
            duplicate(r#"{"status":"disabled","st\u0061tus":"ok","maestro_enabled":true}"#),
            Some(DUPLICATE_STATUS)
        );
        assert_eq!(duplicate(r#"{"status":"disabled","x":{"status":"ok"},"maestro_enabled":false}"#), None, "nested");
        assert_eq!(duplicate(r#"{"status":"disabled","maestro_enabled":false,"rollout":0}"#), None);
    }

    #[test]
    fn a_disabled_status_fails_safe_where_maestro_enabled_does_not_say_off() {
        let disabled = Some("disabled");
        assert!(status_disagrees(Says::On, disabled));
        assert!(status_disagrees(Says::Garbage, disabled), "without maestro_enabled");
        assert!(!status_disagrees(Says::Off, disabled), "they agree");
        assert!(!status_disagrees(Says::Invalid, disabled), "already fails safe, with its own reason");
        for other in [None, Some("enabled"), Some("Disabled"), Some("partial"), Some("")] {
            assert!(!status_disagrees(Says::On, other), "{other:?}");
            assert!(!status_disagrees(Says::Garbage, other), "{other:?}");
        }
    }

    #[test]
    fn a_clock_set_back_delays_no_poll_beyond_its_bound() {
        // Read at 10:00, then the clock goes back an hour: the times noted
        // count as now, and the next poll is within its bound of now.
        let (read, now, interval) = (36_000_000.0, 32_400_000.0, 60_000.0);
        let own = not_after(read, now);
        assert_eq!(own, now);
        assert_eq!(next_poll(own, None, interval, 0.0) - now, interval);
        assert_eq!(follower_due(own, Some(not_after(read + 5.0, now)), interval) - now, 2.0 * interval);
        assert_eq!(not_after(1.0, 2.0), 1.0, "an earlier time stands");
        assert!(not_after(f64::NAN, 2.0).is_nan(), "NaN is left as it is");
    }

    #[test]
    fn one_byte_order_mark_is_dropped_as_fetch_drops_it() {
        assert_eq!(without_bom(b"\xef\xbb\xbf{}"), b"{}");
        assert_eq!(without_bom(b"\xef\xbb\xbf\xef\xbb\xbf{}"), b"\xef\xbb\xbf{}", "only one");
        assert_eq!(without_bom(b"{}"), b"{}");
        assert_eq!(without_bom(b"\xef\xbb"), b"\xef\xbb", "a cut mark is left");
        assert_eq!(without_bom(b""), b"");
    }

    #[test]
    fn is_utf8_accepts_what_str_does_every_sequence_of_up_to_three_bytes() {
        let same = |b: &[u8]| assert_eq!(is_utf8(b), core::str::from_utf8(b).is_ok(), "{b:x?}");
        same(&[]);
        for x in 0..=255u8 {
            same(&[x]);
            for y in 0..=255u8 {
                same(&[x, y]);
            }
        }
        for x in 0xc0..=0xffu8 {
            for y in 0..=255u8 {
                for z in 0..=255u8 {
                    same(&[x, y, z]);
                }
            }
        }
        for x in 0xf0..=0xffu8 {
            for y in 0x70..=0xc0u8 {
                for z in [0x00, 0x7f, 0x80, 0xbf, 0xc0] {
                    for w in [0x00, 0x41, 0x7f, 0x80, 0x9f, 0xbf, 0xc0, 0xff] {
                        same(&[x, y, z, w]);
                    }
                }
            }
        }
        same("maestro_enabled: ✓ 😀 \u{10ffff}".as_bytes());
    }

    proptest! {
        #[test]
        fn is_utf8_matches_str(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..24)) {
            prop_assert_eq!(is_utf8(&bytes), core::str::from_utf8(&bytes).is_ok());
        }

        #[test]
        fn is_utf8_matches_str_on_text_with_a_byte_changed(text in "(?s).{0,12}", at in 0usize..64, byte in proptest::num::u8::ANY) {
            let mut bytes = text.into_bytes();
            if let Some(b) = bytes.get_mut(at) {
                *b = byte;
            }
            prop_assert_eq!(is_utf8(&bytes), core::str::from_utf8(&bytes).is_ok());
        }

        #[test]
        fn not_json_matches_the_char_reading(body in "(?s).{0,60}") {
            prop_assert_eq!(not_json(&body), not_json_by_chars(&body));
        }

        #[test]
        fn the_next_poll_is_always_within_one_to_two_intervals(
            own in 0.0f64..1e9,
            heard in proptest::option::of(0.0f64..2e9),
            iv in 100.0f64..1e6,
            jitter in proptest::num::f64::ANY,
        ) {
            let next = next_poll(own, heard, iv, jitter);
            prop_assert!(next >= own + iv);
            prop_assert!(next <= own + 2.0 * iv);
        }

        #[test]
        fn a_newer_result_never_brings_the_next_poll_forward(
            own in 0.0f64..1e9,
            after in 0.0f64..1e6,
            iv in 100.0f64..1e6,
            jitter in 0.0f64..1.0,
        ) {
            let alone = next_poll(own, None, iv, jitter);
            let heard = next_poll(own, Some(own + after), iv, jitter);
            prop_assert!(heard >= alone);
        }

        #[test]
        fn the_key_scanner_never_panics(text in proptest::string::string_regex(r#"[{}\[\]":,\\u0-9a-fA-F_ mestnrbl]{0,80}"#).unwrap()) {
            let _ = count_key(&text, KEY);
        }

        #[test]
        fn the_key_scanner_never_panics_on_any_text(text in any::<String>()) {
            let _ = count_key(&text, KEY);
        }

        #[test]
        fn the_key_scanner_agrees_with_the_generated_object(object in object(), seed in any::<u64>()) {
            let mut rng = seed | 1;
            let mut text = String::new();
            write_object(&object, &mut rng, &mut text);
            prop_assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok(), "not JSON: {}", text);
            let expected = object.iter().filter(|(k, _)| k == KEY).count();
            prop_assert_eq!(count_key(&text, KEY), expected, "{}", text);
        }

        #[test]
        fn every_integer_from_0_to_100_is_a_percentage_in_any_spelling(n in 0u32..=100, pct in any::<bool>(), zeros in 0usize..3, pad in "[ \t\n\x0c\r]{0,3}") {
            let digits = format!("{n:0zeros$}", zeros = zeros + 1);
            let text = format!("{pad}{digits}{}{pad}", if pct { "%" } else { "" });
            let want = if digits.len() + usize::from(pct) <= 5 { Rollout::Percent(n) } else { Rollout::Invalid };
            prop_assert_eq!(rollout(read_str(&text)), want, "{:?}", text);
            prop_assert_eq!(rollout(Raw::Number(f64::from(n))), Rollout::Percent(n));
        }

        /// The parser against its specification, written as plainly as it
        /// reads: on every short string of the characters that matter, and
        /// on any string at all.
        #[test]
        fn the_parser_is_its_specification(
            text in "[0-9% \t\n\x0c\r.+-ab\u{a0}é]{0,7}|[ ]{0,2}[0-9]{1,4}%?[ ]{0,2}|\\PC{0,8}",
            n in any::<f64>(),
        ) {
            prop_assert_eq!(rollout(read_str(&text)), specification(&text), "{:?}", text);
            let number = if n.fract() == 0.0 && (0.0..=100.0).contains(&n) { Rollout::Percent(n as u32) } else { Rollout::Invalid };
            prop_assert_eq!(rollout(Raw::Number(n)), number, "{}", n);
        }
        #[test]
        fn backoff_grows_and_is_bounded(delay in 100.0f64..1e7, iv in 100.0f64..1e6) {
            let d = backoff(delay.min(iv * MAX_BACKOFF_FACTOR), iv);
            prop_assert!(d <= iv * MAX_BACKOFF_FACTOR);
            prop_assert!(d <= MAX_TIMER_MS);
            prop_assert!(d >= delay.min(iv * MAX_BACKOFF_FACTOR));
        }
    }

    /// A rollout string, as `ROLLOUT_ACCEPTED` words the rule: trimmed of ASCII
    /// whitespace, blank is unset; else one to five characters (the `%`
    /// included) that are ASCII digits and an optional trailing `%`,
    /// whose number is at most 100.
    fn specification(text: &str) -> Rollout {
        let t = text.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\x0c' | '\r'));
        let digits = t.strip_suffix('%').unwrap_or(t);
        if t.is_empty() {
            Rollout::Unset
        } else if t.len() > 5 || digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            Rollout::Invalid
        } else {
            digits.parse::<u32>().ok().filter(|n| *n <= 100).map_or(Rollout::Invalid, Rollout::Percent)
        }
    }

    /// A JSON value for the scanner's property test; objects keep every key,
    /// duplicates included, in order.
    #[derive(Clone, Debug)]
    enum Json {
        Literal(&'static str),
        Text(String),
        Object(Vec<(String, Json)>),
        Array(Vec<Json>),
    }

    /// Keys: the one that counts, near misses, and anything.
    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => Just(String::from(KEY)),
            2 => prop::sample::select(vec!["maestro_enable", "maestro_enabledx", "Maestro_enabled", "maestro_enabled ", "status", ""])
                .prop_map(String::from),
            1 => proptest::string::string_regex(r#"[a-z_"\\/:{}\[\], ]{0,18}"#).unwrap(),
            1 => any::<String>(),
        ]
    }

    fn value() -> impl Strategy<Value = Json> {
        let leaf = prop_oneof![
            prop::sample::select(vec!["true", "false", "null", "0", "-1.5e3", "\"off\""]).prop_map(Json::Literal),
            key().prop_map(Json::Text),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec((key(), inner.clone()), 0..4).prop_map(Json::Object),
                prop::collection::vec(inner, 0..4).prop_map(Json::Array),
            ]
        })
    }

    fn object() -> impl Strategy<Value = Vec<(String, Json)>> {
        prop::collection::vec((key(), value()), 0..6)
    }

    /// xorshift64: the writer's choices of spelling and whitespace.
    fn next(rng: &mut u64) -> u64 {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        *rng
    }

    fn space(rng: &mut u64, out: &mut String) {
        out.push_str(["", "", " ", "\n\t", "\r\n  "][(next(rng) % 5) as usize]);
    }

    /// A JSON string, each character raw or escaped at random.
    fn write_string(s: &str, rng: &mut u64, out: &mut String) {
        out.push('"');
        for c in s.chars() {
            let mut units = [0u16; 2];
            let escape = |units: &[u16], upper: bool, out: &mut String| {
                for u in units {
                    out.push_str(&if upper { format!("\\u{u:04X}") } else { format!("\\u{u:04x}") });
                }
            };
            match (c, next(rng) % 4) {
                ('"', 0) => out.push_str("\\\""),
                ('\\', 0) => out.push_str("\\\\"),
                ('/', 0) => out.push_str("\\/"),
                ('\n', 0) => out.push_str("\\n"),
                ('"' | '\\' | '\u{0}'..='\u{1f}', choice) | (_, choice @ (2 | 3)) => {
                    escape(c.encode_utf16(&mut units), choice == 3, out)
                }
                _ => out.push(c),
            }
        }
        out.push('"');
    }

    fn write_object(object: &[(String, Json)], rng: &mut u64, out: &mut String) {
        out.push('{');
        for (i, (k, v)) in object.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            space(rng, out);
            write_string(k, rng, out);
            space(rng, out);
            out.push(':');
            space(rng, out);
            write_value(v, rng, out);
            space(rng, out);
        }
        out.push('}');
    }

    fn write_value(v: &Json, rng: &mut u64, out: &mut String) {
        match v {
            Json::Literal(l) => out.push_str(l),
            Json::Text(s) => write_string(s, rng, out),
            Json::Object(o) => write_object(o, rng, out),
            Json::Array(a) => {
                out.push('[');
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    space(rng, out);
                    write_value(v, rng, out);
                }
                out.push(']');
            }
        }
    }
}
