//! The decision beacon (`init({ report: url })`): the small JSON document
//! each page sends with `navigator.sendBeacon` at start-up, at every change
//! and after each `clearClientState`, so that an operator can see what the
//! open sessions decided; and the summary of a file of them
//! (`maestro-gate report-summary`).
//!
//! Pure Rust; the remote module (`crates/remote`) reads the gate's
//! `decision()` and the cleanup report into a [`Report`] and sends
//! [`document`]'s text, and the CLI's Node module (`crates/node`) feeds each
//! line it parsed to a [`Summary`].
//!
//! What a document may hold is fixed here, field by field:
//! - the decision's `enabled`, `source` (a name, or `"unknown"`) and `reason`
//!   as its fixed wording only ([`wording`]: no value a source held, no
//!   error's message, no URL's query; at most [`MAX_REASON_BYTES`] once
//!   escaped; withheld whole if it still contains one of the `secrets` the
//!   caller names, the user id);
//! - the rollout's percentage and bucket, the guard's error count, and a
//!   cleanup's outcome as outcomes and *counts*: never a key's name, never a
//!   value read from storage, never the database's name, never an error's
//!   message;
//! - the package version and a timestamp;
//! - the page load's session id ([`is_session`]): random, drawn by the glue
//!   once per page load (`crypto.randomUUID`), kept in memory only, never
//!   derived from the user id; it lets a summary count sessions, not events
//!   (`crate::sessions`).
//!
//! No field carries the user id, nor a hash of it: the bucket (1 to 100) is
//! what an operator needs to check a rollout, and it cannot single anyone
//! out; a hash of the id would be a stable pseudonym for the user, the same
//! on every page and every day, which a low-entropy id (an email, a number)
//! gives back to anyone who hashes the candidates (murmur3 is not meant to be
//! hard to invert). Counting sessions needs counts, not identities. The
//! document is at most [`MAX_BYTES`] long whatever it is given.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::cleanup::{push_uint, AreaOutcome, DbOutcome};

/// The longest document (bytes of UTF-8): far below what `sendBeacon`
/// queues (64 KiB for all of a page's pending beacons).
pub const MAX_BYTES: usize = 1024;
/// The longest `reason`, escaped; a longer one is cut on a character and
/// ends with `…`.
pub const MAX_REASON_BYTES: usize = 400;
/// The longest `source` and `version`: anything longer, or with a character
/// other than ASCII letters, digits, `.`, `_`, `-` and `+`, is `"unknown"`.
pub const MAX_NAME_BYTES: usize = 40;
/// The longest session id (bytes).
pub const MAX_SESSION_BYTES: usize = 64;
/// What replaces a reason that contains a secret.
pub const WITHHELD: &str = "(withheld: it contained the user id)";

/// The start of the warning when a beacon is not sent (`[MAESTRO] ` before
/// it, one of the reasons below after it). Logged once per page (per copy of
/// the gate, where a page runs several: each has its own beacon module).
pub const NOT_SENT: &str = "Report not sent (the decision stands): ";
/// `init({ report: "" })`, which would post to the page's own URL.
pub const EMPTY_URL: &str = "report is an empty URL";
/// `init({ report })` with a value that is not a string (a `URL` object, a
/// number; undefined, null and false are none, and load nothing).
pub const NOT_A_STRING: &str = "report is not a string (for a URL object, pass its href)";
/// No `navigator.sendBeacon` here (a worker, an old browser, Node).
pub const NO_BEACON: &str = "navigator.sendBeacon is not available here";
/// `sendBeacon` returned `false`: the browser would not queue it.
pub const REFUSED: &str = "the browser refused to queue the beacon";
/// `sendBeacon` threw (an invalid URL, say): its message follows.
pub const THREW: &str = "navigator.sendBeacon threw: ";

/// Why a page sends a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The decision at start-up (`init()`).
    Start,
    /// The decision changed (it only ever turns off).
    Change,
    /// A `clearClientState` finished in this page.
    Cleanup,
}

impl Event {
    /// Every event, in the summary's order.
    pub const ALL: [Event; 3] = [Event::Start, Event::Change, Event::Cleanup];

    /// The document's `event`: `"start"`, `"change"` or `"cleanup"`.
    pub fn id(self) -> &'static str {
        match self {
            Event::Start => "start",
            Event::Change => "change",
            Event::Cleanup => "cleanup",
        }
    }

    /// The event an `event` field names, if any.
    pub fn parse(id: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.id() == id)
    }
}

/// The rollout this page decided with: its percentage (0 to 100) and bucket
/// (1 to 100). Anything else is not sent (`null`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rollout {
    /// The percentage, 0 to 100.
    pub percent: u32,
    /// This browser's bucket, 1 to 100.
    pub bucket: u32,
}

/// The guard's count of MAESTRO's errors in its window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Guard {
    /// How many errors the guard counted.
    pub errors: u32,
}

/// One storage area of a cleanup: its outcome and how many keys were
/// removed and failed, never which.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Area {
    /// `None`: not an outcome the rollback reports (sent as `"unknown"`).
    pub outcome: Option<AreaOutcome>,
    /// How many keys were removed.
    pub removed: u32,
    /// How many keys could not be removed.
    pub failed: u32,
}

/// A cleanup's outcome, as counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cleanup {
    /// Whether the cleanup was ok.
    pub ok: bool,
    /// How many other tabs answered.
    pub other_tabs: u32,
    /// `None`: not an outcome the rollback reports (sent as `"unknown"`).
    pub database: Option<DbOutcome>,
    /// Whether another connection blocked the delete.
    pub blocked: bool,
    /// localStorage.
    pub local_storage: Area,
    /// sessionStorage.
    pub session_storage: Area,
}

/// Everything a document says.
#[derive(Clone, Debug)]
pub struct Report<'a> {
    /// Why the page sends it.
    pub event: Event,
    /// The page load's session id; one that is not [`is_session`] is sent
    /// as `null`.
    pub session: &'a str,
    /// The package version.
    pub version: &'a str,
    /// Whether MAESTRO is enabled.
    pub enabled: bool,
    /// The decision's source (`"unknown"` if it is not a plain name).
    pub source: &'a str,
    /// The decision's reason, before [`wording`] makes it the fixed wording.
    pub reason: &'a str,
    /// The rollout, when the decision had one.
    pub rollout: Option<Rollout>,
    /// The guard's count, when the gate has a guard.
    pub guard: Option<Guard>,
    /// The cleanup's counts, for [`Event::Cleanup`].
    pub cleanup: Option<Cleanup>,
    /// Milliseconds since the epoch (`Date.now()`).
    pub at: f64,
}

/// A database outcome by its id.
pub fn db_outcome(id: &str) -> Option<DbOutcome> {
    db_outcome_where(|o| o == id)
}

/// The database outcome whose id `is` says yes to (the beacon module asks
/// JavaScript whether its text is that id).
pub fn db_outcome_where(is: impl Fn(&str) -> bool) -> Option<DbOutcome> {
    [DbOutcome::Deleted, DbOutcome::Pending, DbOutcome::Unavailable, DbOutcome::Error].into_iter().find(|o| is(o.id()))
}

/// An area outcome by its id.
pub fn area_outcome(id: &str) -> Option<AreaOutcome> {
    area_outcome_where(|o| o == id)
}

/// The area outcome whose id `is` says yes to (as [`db_outcome_where`]).
pub fn area_outcome_where(is: impl Fn(&str) -> bool) -> Option<AreaOutcome> {
    [AreaOutcome::Cleared, AreaOutcome::Skipped, AreaOutcome::Unavailable, AreaOutcome::Error]
        .into_iter()
        .find(|o| is(o.id()))
}

/// Whether `name` may be sent as a `source` or `version` (and counted by the
/// summary): 1 to [`MAX_NAME_BYTES`] of ASCII letters, digits, `.`, `_`, `-`
/// and `+`. Every source the gate names is one (`window.MAESTRO_ENABLED`,
/// `default`, `remote`, ...).
pub fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_BYTES
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'+'))
}

/// Whether `id` may be sent (and counted) as a session id: 8 to
/// [`MAX_SESSION_BYTES`] of ASCII letters, digits, `-` and `_` (a UUID, or
/// hex). Anything else in a beacon is no session id.
pub fn is_session(id: &str) -> bool {
    (8..=MAX_SESSION_BYTES).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A reason as a beacon carries it: its fixed wording, without anything a
/// source, an error or the page put in it. Every reason the gate writes is
/// `<what decided>[: <what it says>][=<value> | : <message>]`; what is kept:
/// - up to the first `=` or `"` (a value follows: `Disabled by
///   window.MAESTRO_ENABLED=false` is sent as `Disabled by
///   window.MAESTRO_ENABLED`, `invalid VITE_MAESTRO_ENABLED="…"; accepted …`
///   as `invalid VITE_MAESTRO_ENABLED`), and the name the value belongs to
///   when it stands alone after `: ` (`Disabled by remote /h:
///   maestro_enabled=false` is `Disabled by remote /h`);
/// - up to the second `: ` (an error's message follows: `reading
///   window.MAESTRO_ENABLED threw: …` is `… threw`, `the wasm core failed: …`);
/// - of a URL, its path only: no scheme, host or credentials, no query
///   (`?`) or fragment (`#`), in any word.
///
/// What is left is the sentence's fixed words, the names of sources and the
/// numbers the gate computed (a bucket, a percentage, a guard's count).
pub fn wording(reason: &str) -> String {
    let mut bytes = Vec::from(reason.as_bytes());
    let n = wording_in_place(&mut bytes);
    bytes.truncate(n);
    // (Always UTF-8: every cut is at a character's boundary.)
    String::from_utf8(bytes).unwrap_or_default()
}

/// [`wording`] in place, without a second buffer: `buf` holds a reason's
/// UTF-8, its wording is written over its start (it is never longer), and
/// its length in bytes is answered; `buf[..n]` is UTF-8 again. The beacon
/// module runs it over the reason it read.
///
/// Written over bytes: every cut is at an ASCII byte or after a whole
/// character, and every read and write is checked (`get`): nothing here
/// can panic, so that the lean beacon module carries no panic message.
pub fn wording_in_place(buf: &mut [u8]) -> usize {
    // Plain loops over indices, each read through `at`: the smallest code.
    let at = |buf: &[u8], i: usize| buf.get(i).copied().unwrap_or(0);
    let mut end = 0;
    let mut colon = None; // the first `: `
    let mut spaced = false; // a space after it
    while end < buf.len() {
        let b = at(buf, end);
        if b == b'=' || b == b'"' {
            break;
        }
        if b == b':' && at(buf, end + 1) == b' ' {
            if colon.is_some() {
                break;
            }
            colon = Some(end);
            end += 1;
        } else if b == b' ' && colon.is_some() {
            spaced = true;
        }
        end += 1;
    }
    if at(buf, end) == b'=' && !spaced {
        end = colon.unwrap_or(end);
    }
    // Word by word, split at each space (every one kept), each word's kept
    // part copied down to `w`, which never passes the word's start.
    let mut w = 0;
    let mut start = 0;
    loop {
        let mut stop = start;
        while stop < end && at(buf, stop) != b' ' {
            stop += 1;
        }
        // Of a URL, its path only (from the first `/` after `://`; `/` when
        // none: the last byte of `://`); then up to the first `?` or `#`.
        let (mut from, mut to) = (start, stop);
        let mut k = start;
        while k + 3 <= stop && !(at(buf, k) == b':' && at(buf, k + 1) == b'/' && at(buf, k + 2) == b'/') {
            k += 1;
        }
        if k + 3 <= stop {
            from = k + 3;
            while from < stop && at(buf, from) != b'/' {
                from += 1;
            }
            if from == stop {
                (from, to) = (k + 2, k + 3);
            }
        }
        while from < to && !matches!(at(buf, from), b'?' | b'#') {
            let b = at(buf, from);
            if let Some(d) = buf.get_mut(w) {
                *d = b;
            }
            w += 1;
            from += 1;
        }
        if stop >= end {
            break;
        }
        if let Some(d) = buf.get_mut(w) {
            *d = b' ';
        }
        w += 1;
        start = stop + 1;
    }
    trimmed(buf, w)
}

/// How much of `buf[..w]` (UTF-8) is left without its trailing whitespace
/// (`char::is_whitespace`: Unicode's White_Space), each whitespace
/// character matched over its UTF-8 at the end. (Its first byte is never a
/// continuation byte: what ends in it is that character.)
fn trimmed(buf: &[u8], mut w: usize) -> usize {
    loop {
        // The k-th byte from the end (0 before the start).
        let tail = |k: usize| if k <= w { buf.get(w - k).copied().unwrap_or(0) } else { 0 };
        // The last three bytes, as one number.
        let t = u32::from(tail(3)) << 16 | u32::from(tail(2)) << 8 | u32::from(tail(1));
        w -= match t {
            _ if matches!(t & 0xff, 9..=13 | 32) => 1,
            _ if matches!(t & 0xffff, 0xc285 | 0xc2a0) => 2,
            0xe19a80 | 0xe28080..=0xe2808a | 0xe280a8 | 0xe280a9 | 0xe280af | 0xe2819f | 0xe38080 => 3,
            _ => return w,
        };
    }
}

/// Where [`write`] writes a document: a `String`, or the beacon module's
/// buffer of [`MAX_BYTES`].
pub trait Sink {
    /// Appends `s`.
    fn put(&mut self, s: &str);
}

impl Sink for String {
    fn put(&mut self, s: &str) {
        self.push_str(s);
    }
}

/// The document's JSON text, at most [`MAX_BYTES`]. The reason is sent as
/// its [`wording`]; `secrets` are texts the document must not contain (the
/// user id): a wording that contains one (empty ones aside) is withheld.
pub fn document(report: &Report, secrets: &[&str]) -> String {
    let reason = wording(report.reason);
    let mut out = String::new();
    write(&mut out, &Report { reason: &reason, ..report.clone() }, secrets);
    out
}

/// [`document`]'s text into `out`, for a report whose `reason` is already
/// its [`wording`] (the beacon module's [`wording_in_place`]).
pub fn write(out: &mut impl Sink, report: &Report, secrets: &[&str]) {
    out.put("{\"event\":\"");
    out.put(report.event.id());
    out.put("\",\"session\":");
    if is_session(report.session) {
        out.put("\"");
        out.put(report.session);
        out.put("\"");
    } else {
        out.put("null");
    }
    out.put(",\"version\":");
    name(out, report.version);
    out.put(",\"enabled\":");
    boolean(out, report.enabled);
    out.put(",\"source\":");
    name(out, report.source);
    out.put(",\"reason\":");
    // A plain scan: `str::contains`'s two-way searcher is about 5 KB of gzip wasm.
    let reason = report.reason;
    let leaks = secrets.iter().any(|s| !s.is_empty() && reason.as_bytes().windows(s.len()).any(|w| w == s.as_bytes()));
    json_string_into(out, if leaks { WITHHELD } else { reason }, MAX_REASON_BYTES);
    out.put(",\"rollout\":");
    match report.rollout {
        Some(r) if r.percent <= 100 && (1..=100).contains(&r.bucket) => {
            out.put("{\"percent\":");
            uint(out, r.percent.into());
            out.put(",\"bucket\":");
            uint(out, r.bucket.into());
            out.put("}");
        }
        _ => out.put("null"),
    }
    out.put(",\"guard\":");
    match report.guard {
        Some(g) => {
            out.put("{\"errors\":");
            uint(out, g.errors.into());
            out.put("}");
        }
        None => out.put("null"),
    }
    out.put(",\"cleanup\":");
    match &report.cleanup {
        Some(c) => {
            out.put("{\"ok\":");
            boolean(out, c.ok);
            out.put(",\"otherTabs\":");
            uint(out, c.other_tabs.into());
            out.put(",\"database\":{\"outcome\":\"");
            out.put(c.database.map_or("unknown", DbOutcome::id));
            out.put("\",\"blocked\":");
            boolean(out, c.blocked);
            out.put("},\"localStorage\":");
            area(out, &c.local_storage);
            out.put(",\"sessionStorage\":");
            area(out, &c.session_storage);
            out.put("}");
        }
        None => out.put("null"),
    }
    out.put(",\"at\":");
    // Whole milliseconds; a clock that says something odd is 0.
    let at = if report.at.is_finite() && report.at >= 0.0 && report.at < 1e15 { report.at as u64 } else { 0 };
    uint(out, at);
    out.put("}");
}

fn boolean(out: &mut impl Sink, b: bool) {
    out.put(if b { "true" } else { "false" });
}

/// `n` in decimal: `flag::push_uint`'s loop, over a [`Sink`] (which is no
/// `flag::Text`; sharing one generic loop measured a few bytes more in the
/// first-answer module, which uses `push_uint`).
fn uint(out: &mut impl Sink, n: u64) {
    const DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    let mut scale = core::num::NonZeroU64::MIN;
    while n / scale >= 10 {
        scale = scale.saturating_mul(core::num::NonZeroU64::MIN.saturating_add(9));
    }
    loop {
        out.put(DIGITS.get(((n / scale) % 10) as usize).copied().unwrap_or("0"));
        match core::num::NonZeroU64::new(scale.get() / 10) {
            Some(next) => scale = next,
            None => break,
        }
    }
}

fn area(out: &mut impl Sink, a: &Area) {
    out.put("{\"outcome\":\"");
    out.put(a.outcome.map_or("unknown", AreaOutcome::id));
    out.put("\",\"removed\":");
    uint(out, a.removed.into());
    out.put(",\"failed\":");
    uint(out, a.failed.into());
    out.put("}");
}

/// A `source` or `version`, or `"unknown"`.
fn name(out: &mut impl Sink, name: &str) {
    out.put("\"");
    out.put(if is_name(name) { name } else { "unknown" });
    out.put("\"");
}

/// `s` as a JSON string whose escaped contents take at most `max` bytes:
/// cut on a character, with `…`, when longer. Into any [`Sink`] (the
/// beacon module's document buffer; a `String` for the Service Worker
/// guard, `sw::body` and `sw::unmatchable`). Read over bytes, a character
/// at a time (its first byte says its length): no `char` decoding or
/// encoding. (The one JSON string writer of the crate's documents; the
/// tests hold it to the `char`-wise writer it replaced, `tests::before`,
/// for every character and for random texts and limits.)
pub fn json_string_into(out: &mut impl Sink, s: &str, max: usize) {
    let mut whole = 0;
    let mut i = 0;
    while i < s.len() {
        let (len, escaped) = json_char(s, i);
        whole += escaped;
        i += len;
    }
    // Cut, room is kept for `…` (3 bytes).
    let room = if whole <= max { max } else { max.saturating_sub(3) };
    out.put("\"");
    let mut used = 0;
    let mut i = 0;
    while i < s.len() {
        let (len, escaped) = json_char(s, i);
        used += escaped;
        if used > room {
            out.put("…");
            break;
        }
        let lead = s.as_bytes().get(i).copied().unwrap_or(0);
        if escaped == len {
            out.put(s.get(i..i + len).unwrap_or_default());
        } else {
            out.put(match lead {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                // U+2028 and U+2029 (E2 80 A8, E2 80 A9).
                0xe2 if s.as_bytes().get(i + 2) == Some(&0xa8) => "\\u2028",
                0xe2 => "\\u2029",
                // The other control characters, U+0000 to U+001F.
                0..=0x0f => "\\u000",
                _ => "\\u001",
            });
            if lead < 0x20 && escaped == 6 {
                let n = usize::from(lead & 15);
                out.put("0123456789abcdef".get(n..=n).unwrap_or_default());
            }
        }
        i += len;
    }
    out.put("\"");
}

/// The character at `s[i..]` (a character's first byte): its length in
/// bytes, and how many bytes JSON writes it with inside a string (the
/// control characters without a short escape, and the two line separators
/// some JavaScript parsers once refused, as `\uXXXX`).
fn json_char(s: &str, i: usize) -> (usize, usize) {
    let b = s.as_bytes();
    let at = |k: usize| b.get(i + k).copied().unwrap_or(0);
    match at(0) {
        b'"' | b'\\' | b'\n' | b'\r' | b'\t' => (1, 2),
        0..=0x1f => (1, 6),
        0x20..=0x7f => (1, 1),
        0x80..=0xdf => (2, 2),
        0xe2 if at(1) == 0x80 && matches!(at(2), 0xa8 | 0xa9) => (3, 6),
        0xe0..=0xef => (3, 3),
        _ => (4, 4),
    }
}

/// `maestro-gate report-summary`: the counts of a file of documents, by
/// decision (`enabled` × `source`) and by event, and how many lines were not
/// documents.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Lines read as documents.
    pub reports: u64,
    /// Blank lines, and lines that are not a document.
    pub skipped: u64,
    /// The count of each `(enabled, source)`: a map, so that a file of many
    /// distinct sources (anyone can send a beacon) is not quadratic.
    decisions: BTreeMap<(bool, String), u64>,
    /// By [`Event::ALL`]'s order.
    events: [u64; 3],
}

impl Summary {
    /// No document counted yet.
    pub fn new() -> Summary {
        Summary::default()
    }

    /// Counts one document, if its fields are a document's (`source` a name,
    /// `event` one of the three); otherwise counts the line as skipped.
    pub fn add(&mut self, enabled: bool, source: &str, event: &str) {
        let Some(event) = Event::parse(event) else { return self.skip() };
        if !is_name(source) {
            return self.skip();
        }
        self.reports += 1;
        if let Some(i) = Event::ALL.iter().position(|e| *e == event) {
            self.events[i] += 1;
        }
        *self.decisions.entry((enabled, String::from(source))).or_insert(0) += 1;
    }

    /// Counts a line that is not a document (blank, not JSON, not one).
    pub fn skip(&mut self) {
        self.skipped += 1;
    }

    /// The decisions, disabled first, then the most frequent, then by source.
    pub fn decisions(&self) -> Vec<(bool, &str, u64)> {
        let mut rows: Vec<(bool, &str, u64)> = self.decisions.iter().map(|((e, s), n)| (*e, s.as_str(), *n)).collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0).then(b.2.cmp(&a.2)).then(a.1.cmp(b.1)));
        rows
    }

    /// The count for each event, in [`Event::ALL`]'s order.
    pub fn events(&self) -> [(Event, u64); 3] {
        [0, 1, 2].map(|i| (Event::ALL[i], self.events[i]))
    }

    /// The summary as the CLI prints it.
    pub fn text(&self) -> String {
        let rows = self.decisions();
        let width = rows.iter().map(|r| r.1.len()).chain([6]).max().unwrap_or(6);
        let mut s = String::from("reports: ");
        push_uint(&mut s, self.reports);
        s.push_str("\nskipped lines: ");
        push_uint(&mut s, self.skipped);
        s.push_str("\n\nby decision and source:\n");
        if rows.is_empty() {
            s.push_str("  (none)\n");
        }
        for (enabled, source, n) in rows {
            s.push_str(if enabled { "  enabled   " } else { "  disabled  " });
            s.push_str(source);
            pad(&mut s, width - source.len() + 2);
            right(&mut s, n, 8);
            s.push('\n');
        }
        s.push_str("\nby event:\n");
        for (event, n) in self.events() {
            s.push_str("  ");
            s.push_str(event.id());
            pad(&mut s, 8 - event.id().len());
            right(&mut s, n, 8);
            s.push('\n');
        }
        s
    }
}

fn pad(out: &mut String, n: usize) {
    out.extend(core::iter::repeat_n(' ', n));
}

/// `n` right-aligned in `width` columns.
fn right(out: &mut String, n: u64, width: usize) {
    let mut digits = String::new();
    push_uint(&mut digits, n);
    pad(out, width.saturating_sub(digits.len()));
    out.push_str(&digits);
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    /// Found while fuzzing the beacon line reader (issue 25): anyone can send
    /// a beacon, and a file of many distinct sources took time quadratic in
    /// them (50,000 took 26 s in `report-summary`, 200,000 would take minutes).
    /// The counts are a map now (`Summary::decisions`); this holds that every
    /// distinct source is counted once. (No timed assertion: times are not
    /// deterministic, and `make test` asserts none.)
    #[test]
    fn many_distinct_sources_are_each_counted() {
        let names: alloc::vec::Vec<String> = (0..50_000u64)
            .map(|i| {
                let mut n = String::from("s");
                push_uint(&mut n, i);
                n
            })
            .collect();
        let mut s = Summary::new();
        for n in &names {
            s.add(true, n, "start");
            s.add(false, n, "change");
        }
        assert_eq!((s.reports, s.decisions().len()), (100_000, 100_000));
    }

    fn base<'a>() -> Report<'a> {
        Report {
            event: Event::Start,
            session: "3f2c9a1e-8b7d-4c6e-9f01-23456789abcd",
            version: "0.1.0",
            enabled: true,
            source: "default",
            reason: "Enabled (default)",
            rollout: None,
            guard: None,
            cleanup: None,
            at: 1_700_000_000_123.9,
        }
    }

    fn parse(text: &str) -> Value {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    }

    #[test]
    fn the_document_has_exactly_its_fields() {
        let doc = parse(&document(&base(), &[]));
        assert_eq!(
            doc,
            json!({ "event": "start", "session": "3f2c9a1e-8b7d-4c6e-9f01-23456789abcd", "version": "0.1.0", "enabled": true, "source": "default",
                "reason": "Enabled (default)", "rollout": null, "guard": null, "cleanup": null, "at": 1_700_000_000_123u64 })
        );
        let area = Area { outcome: Some(AreaOutcome::Cleared), removed: 3, failed: 0 };
        let full = Report {
            event: Event::Cleanup,
            enabled: false,
            source: "rollout",
            reason: "Disabled by rollout: bucket 57 is above 25%",
            rollout: Some(Rollout { percent: 25, bucket: 57 }),
            guard: Some(Guard { errors: 2 }),
            cleanup: Some(Cleanup {
                ok: false,
                other_tabs: 1,
                database: Some(DbOutcome::Pending),
                blocked: true,
                local_storage: area,
                session_storage: Area { outcome: Some(AreaOutcome::Error), removed: 1, failed: 2 },
            }),
            ..base()
        };
        assert_eq!(
            parse(&document(&full, &[])),
            json!({ "event": "cleanup", "session": "3f2c9a1e-8b7d-4c6e-9f01-23456789abcd", "version": "0.1.0", "enabled": false, "source": "rollout",
                "reason": "Disabled by rollout: bucket 57 is above 25%",
                "rollout": { "percent": 25, "bucket": 57 }, "guard": { "errors": 2 },
                "cleanup": { "ok": false, "otherTabs": 1, "database": { "outcome": "pending", "blocked": true },
                    "localStorage": { "outcome": "cleared", "removed": 3, "failed": 0 },
                    "sessionStorage": { "outcome": "error", "removed": 1, "failed": 2 } },
                "at": 1_700_000_000_123u64 })
        );
    }

    /// The bytes themselves (the receivers and the e2e tests read the keys
    /// in this order): no whitespace, the keys as they are listed.
    #[test]
    fn the_document_is_these_bytes() {
        assert_eq!(
            document(&base(), &[]),
            "{\"event\":\"start\",\"session\":\"3f2c9a1e-8b7d-4c6e-9f01-23456789abcd\",\"version\":\"0.1.0\",\"enabled\":true,\
             \"source\":\"default\",\"reason\":\"Enabled (default)\",\"rollout\":null,\"guard\":null,\"cleanup\":null,\"at\":1700000000123}"
        );
        let area = Area { outcome: None, removed: 0, failed: 4_294_967_295 };
        let full = Report {
            event: Event::Cleanup,
            session: "short",
            version: "",
            enabled: false,
            source: "rollout",
            reason: "Disabled by rollout: bucket 57 is \"above\" 25%\n",
            rollout: Some(Rollout { percent: 25, bucket: 57 }),
            guard: Some(Guard { errors: 2 }),
            cleanup: Some(Cleanup {
                ok: true,
                other_tabs: 1,
                database: None,
                blocked: true,
                local_storage: area,
                session_storage: Area { outcome: Some(AreaOutcome::Error), removed: 1, failed: 2 },
            }),
            at: 0.0,
        };
        assert_eq!(
            document(&full, &[]),
            "{\"event\":\"cleanup\",\"session\":null,\"version\":\"unknown\",\"enabled\":false,\"source\":\"rollout\",\
             \"reason\":\"Disabled by rollout: bucket 57 is\",\"rollout\":{\"percent\":25,\"bucket\":57},\"guard\":{\"errors\":2},\
             \"cleanup\":{\"ok\":true,\"otherTabs\":1,\"database\":{\"outcome\":\"unknown\",\"blocked\":true},\
             \"localStorage\":{\"outcome\":\"unknown\",\"removed\":0,\"failed\":4294967295},\
             \"sessionStorage\":{\"outcome\":\"error\",\"removed\":1,\"failed\":2}},\"at\":0}"
        );
        let r = Report { reason: "a\u{1}\\\t\u{2028}é", ..base() };
        assert!(document(&r, &[]).contains(",\"reason\":\"a\\u0001\\\\\\t\\u2028é\","), "{}", document(&r, &[]));
    }

    #[test]
    fn a_reason_is_sent_as_its_fixed_wording() {
        for (reason, sent) in [
            ("Enabled (default)", "Enabled (default)"),
            ("Disabled by window.MAESTRO_ENABLED=false", "Disabled by window.MAESTRO_ENABLED"),
            ("Enabled by VITE_MAESTRO_ENABLED= Yes ", "Enabled by VITE_MAESTRO_ENABLED"),
            (
                "Disabled (fail safe): reading window.MAESTRO_ENABLED threw: session token abc.SECRET.xyz",
                "Disabled (fail safe): reading window.MAESTRO_ENABLED threw",
            ),
            (
                "Disabled (fail safe): invalid VITE_MAESTRO_ENABLED=\"SECRET\"; accepted: true/false, 1/0, yes/no, on/off (blank means unset)",
                "Disabled (fail safe): invalid VITE_MAESTRO_ENABLED",
            ),
            ("Disabled (fail safe): invalid window.MAESTRO_ENABLED=12345; accepted: …", "Disabled (fail safe): invalid window.MAESTRO_ENABLED"),
            ("Disabled by remote /maestro-health: maestro_enabled=false", "Disabled by remote /maestro-health"),
            (
                "Disabled by remote https://user:pw@ops.example/h/doc.json?userId=4711&token=SECRET#x: maestro_enabled=false",
                "Disabled by remote /h/doc.json",
            ),
            ("Disabled by remote https://ops.example?k=SECRET: maestro_enabled=false", "Disabled by remote /"),
            ("Disabled by remote health?userId=4711: maestro_enabled=false", "Disabled by remote health"),
            ("Disabled (fail safe): invalid remote rollout=\"SECRET\"; accepted: …", "Disabled (fail safe): invalid remote rollout"),
            ("Disabled by rollout: bucket 57 is above 25%", "Disabled by rollout: bucket 57 is above 25%"),
            ("Enabled by rollout: bucket 12 is within 25%", "Enabled by rollout: bucket 12 is within 25%"),
            ("Disabled by guard: 5 errors in 60 s", "Disabled by guard: 5 errors in 60 s"),
            ("Disabled by guard: it tripped in another tab", "Disabled by guard: it tripped in another tab"),
            (
                "Disabled by guard: it tripped in this browser; cooling down for 30 more minutes (maestroGate.resetGuard() clears it)",
                "Disabled by guard: it tripped in this browser; cooling down for 30 more minutes (maestroGate.resetGuard() clears it)",
            ),
            ("Disabled (fail safe): reading guard threw: boom SECRET", "Disabled (fail safe): reading guard threw"),
            (
                "Disabled (fail safe): maestro-gate's wasm could not be loaded: TypeError: fetch failed SECRET",
                "Disabled (fail safe): maestro-gate's wasm could not be loaded",
            ),
            ("Disabled: init() has not finished", "Disabled: init() has not finished"),
            ("", ""),
            ("=SECRET", ""),
            // Trailing whitespace of any kind goes; inner spaces stay as they are.
            ("Disabled  by \u{a0}\t ", "Disabled  by"),
            ("Disabled by r\u{e9}mote \u{2003}", "Disabled by r\u{e9}mote"),
            ("  ", ""),
        ] {
            assert_eq!(wording(reason), sent, "{reason:?}");
            let r = Report { reason, ..base() };
            assert_eq!(parse(&document(&r, &[]))["reason"], sent, "{reason:?}");
        }
    }

    #[test]
    fn what_is_not_sent() {
        // A wording with the user id in it (in a URL's path) is withheld whole.
        let r = Report { reason: "Disabled by remote /users/user-4711/health: maestro_enabled=false", ..base() };
        assert_eq!(parse(&document(&r, &["user-4711"]))["reason"], WITHHELD);
        assert_eq!(parse(&document(&r, &["4711"]))["reason"], WITHHELD, "a numeric id, as its decimal");
        assert_eq!(
            parse(&document(&r, &[""]))["reason"],
            "Disabled by remote /users/user-4711/health",
            "an empty secret is none"
        );
        // One that the wording leaves out is not there to withhold.
        let r = Report { reason: "Disabled by remote /h?userId=4711: maestro_enabled=false", ..base() };
        assert_eq!(parse(&document(&r, &["4711"]))["reason"], "Disabled by remote /h");
        // Names that are not names; a rollout that is not one; an odd clock.
        let r = Report {
            source: "x\"y",
            version: "",
            rollout: Some(Rollout { percent: 101, bucket: 5 }),
            at: f64::NAN,
            ..base()
        };
        let doc = parse(&document(&r, &[]));
        assert_eq!((doc["source"].as_str(), doc["version"].as_str()), (Some("unknown"), Some("unknown")));
        assert_eq!(doc["rollout"], Value::Null);
        assert_eq!(doc["at"], 0);
        // A session id that is not one is null: too short, too long, not plain.
        for bad in ["", "short", "a b c d e f g h", "x\"y0123456789", &"a".repeat(MAX_SESSION_BYTES + 1)] {
            assert_eq!(parse(&document(&Report { session: bad, ..base() }, &[]))["session"], Value::Null, "{bad:?}");
        }
        assert!(is_session("0123456789abcdef0123456789abcdef") && is_session(&"a".repeat(MAX_SESSION_BYTES)));
        let r = Report { rollout: Some(Rollout { percent: 5, bucket: 0 }), at: -1.0, ..base() };
        assert_eq!(parse(&document(&r, &[]))["rollout"], Value::Null);
        assert!(!is_name(&"a".repeat(MAX_NAME_BYTES + 1)));
        assert!(is_name("window.MAESTRO_ENABLED") && is_name("VITE_MAESTRO_ENABLED") && is_name("0.1.0-rc.1+b7"));
        // Unknown outcomes are "unknown".
        assert_eq!(db_outcome("deleted"), Some(DbOutcome::Deleted));
        assert_eq!(db_outcome("gone"), None);
        assert_eq!(area_outcome("skipped"), Some(AreaOutcome::Skipped));
        assert_eq!(area_outcome("Cleared"), None);
    }

    #[test]
    fn a_long_reason_is_cut_on_a_character() {
        let long = "é".repeat(1000);
        let r = Report { reason: &long, ..base() };
        let text = document(&r, &[]);
        let reason = parse(&text)["reason"].as_str().unwrap().to_string();
        assert!(reason.ends_with('…'));
        assert!(reason.len() <= MAX_REASON_BYTES, "{}", reason.len());
        let controls = "\u{1}".repeat(1000);
        let r = Report { reason: &controls, ..base() };
        let text = document(&r, &[]);
        assert!(parse(&text)["reason"].as_str().unwrap().ends_with('…'));
        assert!(text.len() <= MAX_BYTES);
        // Exactly at the limit: whole, no `…`.
        let fits = "a".repeat(MAX_REASON_BYTES);
        let r = Report { reason: &fits, ..base() };
        assert_eq!(parse(&document(&r, &[]))["reason"], fits.as_str());
    }

    #[test]
    fn events_round_trip() {
        for e in Event::ALL {
            assert_eq!(Event::parse(e.id()), Some(e));
        }
        assert_eq!(Event::parse("Start"), None);
    }

    #[test]
    fn the_summary_counts_by_decision_and_event() {
        let mut s = Summary::new();
        for _ in 0..3 {
            s.add(true, "default", "start");
        }
        s.add(false, "window.MAESTRO_ENABLED", "change");
        s.add(false, "remote", "change");
        s.add(false, "remote", "start");
        s.add(false, "remote", "cleanup");
        s.add(true, "default", "nope"); // not an event
        s.add(true, "de fault", "start"); // not a source
        s.skip();
        assert_eq!((s.reports, s.skipped), (7, 3));
        assert_eq!(s.decisions(), [(false, "remote", 3), (false, "window.MAESTRO_ENABLED", 1), (true, "default", 3)]);
        assert_eq!(s.events(), [(Event::Start, 4), (Event::Change, 2), (Event::Cleanup, 1)]);
        assert_eq!(
            s.text(),
            "reports: 7\nskipped lines: 3\n\nby decision and source:\n\
             \x20 disabled  remote                         3\n\
             \x20 disabled  window.MAESTRO_ENABLED         1\n\
             \x20 enabled   default                        3\n\
             \nby event:\n  start          4\n  change         2\n  cleanup        1\n"
        );
        assert_eq!(
            Summary::new().text(),
            "reports: 0\nskipped lines: 0\n\nby decision and source:\n  (none)\n\nby event:\n  start          0\n  change         0\n  cleanup        0\n"
        );
    }

    /// The writer as it was before the byte-wise one (`wording` and
    /// `document` over `char`s and a `String`), kept as the oracle the
    /// byte-wise one must match byte for byte.
    mod before {
        use super::super::*;
        /// `s` as a JSON string whose escaped contents take at most `max` bytes:
        /// cut on a character, with `…`, when longer: over `char`s into a
        /// `String`, as the Service Worker guard wrote it until it, too, took
        /// [`json_string_into`].
        pub(super) fn json_string(out: &mut String, s: &str, max: usize) {
            let whole: usize = s.chars().map(escaped_len).sum();
            // Cut, room is kept for `…` (3 bytes).
            let room = if whole <= max { max } else { max.saturating_sub(3) };
            out.push('"');
            let mut used = 0;
            for c in s.chars() {
                used += escaped_len(c);
                if used > room {
                    out.push('…');
                    break;
                }
                escape(out, c);
            }
            out.push('"');
        }

        /// Whether JSON writes `c` as `\uXXXX`: the control characters without a
        /// short escape, and the two line separators some JavaScript parsers once
        /// refused.
        pub(super) fn long_escape(c: char) -> bool {
            matches!(c, '\u{0}'..='\u{1f}' | '\u{2028}' | '\u{2029}') && !matches!(c, '\n' | '\r' | '\t')
        }

        /// How many bytes `escape` writes for `c`.
        pub(super) fn escaped_len(c: char) -> usize {
            match c {
                '"' | '\\' | '\n' | '\r' | '\t' => 2,
                c if long_escape(c) => 6,
                c => c.len_utf8(),
            }
        }

        /// One character as JSON writes it inside a string.
        pub(super) fn escape(out: &mut String, c: char) {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if long_escape(c) => {
                    out.push_str("\\u");
                    let n = c as usize;
                    for shift in [12, 8, 4, 0] {
                        out.push(char::from(HEX[(n >> shift) & 15]));
                    }
                }
                c => out.push(c),
            }
        }

        pub(super) fn wording(reason: &str) -> String {
            // Written over bytes, and every cut is at an ASCII byte (a character
            // boundary) taken with `get`: nothing here can panic, so that the lean
            // beacon module (crates/gate, `beacon`) carries no panic message.
            let bytes = reason.as_bytes();
            let mut end = bytes.len();
            let mut colon = None; // the first `: `
            for (i, &b) in bytes.iter().enumerate() {
                if b == b'=' || b == b'"' {
                    end = i;
                    break;
                }
                if b == b':' && bytes.get(i + 1) == Some(&b' ') {
                    if colon.is_some() {
                        end = i;
                        break;
                    }
                    colon = Some(i);
                }
            }
            let mut head = reason.get(..end).unwrap_or_default();
            if bytes.get(end) == Some(&b'=') {
                if let Some(i) = colon.filter(|&i| !head.as_bytes().iter().skip(i + 2).any(|&b| b == b' ')) {
                    head = head.get(..i).unwrap_or_default();
                }
            }
            let mut out = String::new();
            // Word by word, split at each space by hand (`str::split`'s searcher
            // brings a panic, and with it core's formatting, into the wasm).
            let mut rest = Some(head);
            while let Some(text) = rest {
                let (word, next) = match text.bytes().position(|b| b == b' ') {
                    Some(i) => (text.get(..i).unwrap_or_default(), text.get(i + 1..)),
                    None => (text, None),
                };
                rest = next;
                // A plain scan for `://` (no substring searcher: see `document`).
                let w = word.as_bytes();
                let word = match w.windows(3).position(|x| x == b"://") {
                    Some(i) => match w.iter().skip(i + 3).position(|&b| b == b'/') {
                        Some(j) => word.get(i + 3 + j..).unwrap_or_default(),
                        None => "/",
                    },
                    None => word,
                };
                let cut = word.bytes().position(|b| b == b'?' || b == b'#').unwrap_or(word.len());
                out.push_str(word.get(..cut).unwrap_or_default());
                if rest.is_some() {
                    out.push(' ');
                }
            }
            // Trailing whitespace goes: the end of the last character that is not
            // whitespace, found forwards (no reverse searcher).
            let keep =
                out.char_indices().fold(0, |keep, (i, c)| if c.is_whitespace() { keep } else { i + c.len_utf8() });
            match out.get(..keep) {
                Some(kept) if kept.len() < out.len() => String::from(kept),
                _ => out,
            }
        }

        /// The document's JSON text, at most [`MAX_BYTES`]. The reason is sent as
        /// its [`wording`]; `secrets` are texts the document must not contain (the
        /// user id): a wording that contains one (empty ones aside) is withheld.
        pub(super) fn document(report: &Report, secrets: &[&str]) -> String {
            let mut out = String::new();
            out.push_str("{\"event\":\"");
            out.push_str(report.event.id());
            out.push_str("\",\"session\":");
            if is_session(report.session) {
                out.push('"');
                out.push_str(report.session);
                out.push('"');
            } else {
                out.push_str("null");
            }
            out.push_str(",\"version\":");
            name(&mut out, report.version);
            out.push_str(",\"enabled\":");
            out.push_str(if report.enabled { "true" } else { "false" });
            out.push_str(",\"source\":");
            name(&mut out, report.source);
            out.push_str(",\"reason\":");
            // A plain scan: `str::contains`'s two-way searcher is about 5 KB of gzip wasm.
            let reason = wording(report.reason);
            let leaks =
                secrets.iter().any(|s| !s.is_empty() && reason.as_bytes().windows(s.len()).any(|w| w == s.as_bytes()));
            json_string(&mut out, if leaks { WITHHELD } else { &reason }, MAX_REASON_BYTES);
            out.push_str(",\"rollout\":");
            match report.rollout {
                Some(r) if r.percent <= 100 && (1..=100).contains(&r.bucket) => {
                    out.push_str("{\"percent\":");
                    push_uint(&mut out, r.percent.into());
                    out.push_str(",\"bucket\":");
                    push_uint(&mut out, r.bucket.into());
                    out.push('}');
                }
                _ => out.push_str("null"),
            }
            out.push_str(",\"guard\":");
            match report.guard {
                Some(g) => {
                    out.push_str("{\"errors\":");
                    push_uint(&mut out, g.errors.into());
                    out.push('}');
                }
                None => out.push_str("null"),
            }
            out.push_str(",\"cleanup\":");
            match &report.cleanup {
                Some(c) => {
                    out.push_str("{\"ok\":");
                    out.push_str(if c.ok { "true" } else { "false" });
                    out.push_str(",\"otherTabs\":");
                    push_uint(&mut out, c.other_tabs.into());
                    out.push_str(",\"database\":{\"outcome\":\"");
                    out.push_str(c.database.map_or("unknown", DbOutcome::id));
                    out.push_str("\",\"blocked\":");
                    out.push_str(if c.blocked { "true" } else { "false" });
                    out.push_str("},\"localStorage\":");
                    area(&mut out, &c.local_storage);
                    out.push_str(",\"sessionStorage\":");
                    area(&mut out, &c.session_storage);
                    out.push('}');
                }
                None => out.push_str("null"),
            }
            out.push_str(",\"at\":");
            // Whole milliseconds; a clock that says something odd is 0.
            let at = if report.at.is_finite() && report.at >= 0.0 && report.at < 1e15 { report.at as u64 } else { 0 };
            push_uint(&mut out, at);
            out.push('}');
            out
        }

        pub(super) fn area(out: &mut String, a: &Area) {
            out.push_str("{\"outcome\":\"");
            out.push_str(a.outcome.map_or("unknown", AreaOutcome::id));
            out.push_str("\",\"removed\":");
            push_uint(out, a.removed.into());
            out.push_str(",\"failed\":");
            push_uint(out, a.failed.into());
            out.push('}');
        }

        /// A `source` or `version`, or `"unknown"`.
        pub(super) fn name(out: &mut String, name: &str) {
            out.push('"');
            out.push_str(if is_name(name) { name } else { "unknown" });
            out.push('"');
        }
    }

    /// `trimmed`'s whitespace is `char::is_whitespace`, and `json_char` and
    /// `json_string_into` escape as the `char`-wise writer did, for every character.
    #[test]
    fn whitespace_over_utf8_is_unicodes() {
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let mut b = [0; 4];
            let s = c.encode_utf8(&mut b);
            let text = ["x", s].concat();
            let kept = if c.is_whitespace() { 1 } else { text.len() };
            assert_eq!(trimmed(text.as_bytes(), text.len()), kept, "{c:?}");
            let (len, escaped) = json_char(s, 0);
            let mut want = String::new();
            before::escape(&mut want, c);
            assert_eq!((len, escaped), (s.len(), want.len()), "{c:?}");
            let mut got = String::new();
            json_string_into(&mut got, s, 10);
            assert_eq!(got, ["\"", &want, "\""].concat(), "{c:?}");
        }
    }

    proptest! {
        #[test]
        fn the_byte_wise_writer_is_the_one_before(
            (report, reason, source, version) in any_report(),
            words in proptest::collection::vec(prop::sample::select(alloc::vec![
                " ", "  ", ": ", ":", "=", "\"", "://", "/", "?", "#", "https://a.b/c?d#e", "\u{a0}", "\u{2028}", "\u{3000}",
                "\t", "\u{1}", "é", "\u{1f600}", "x", "Disabled by remote", "maestro_enabled=false", "\u{85}", "\u{180e}",
            ]), 0..24),
            secret in "[a-z0-9@.]{0,4}",
            max in 0usize..40,
        ) {
            let built: String = words.concat();
            for r in [reason.as_str(), built.as_str()] {
                prop_assert_eq!(wording(r), before::wording(r), "{:?}", r);
                let report = Report { reason: r, source: &source, version: &version, ..report.clone() };
                prop_assert_eq!(document(&report, &[&secret]), before::document(&report, &[&secret]));
                let (mut a, mut b) = (String::new(), String::new());
                json_string_into(&mut a, r, max);
                before::json_string(&mut b, r, max);
                prop_assert_eq!(a, b);
            }
        }
    }

    fn any_report() -> impl Strategy<Value = (Report<'static>, String, String, String)> {
        let event = prop::sample::select(Event::ALL.to_vec());
        let area = (any::<Option<bool>>(), any::<u32>(), any::<u32>()).prop_map(|(o, removed, failed)| Area {
            outcome: o.map(|e| if e { AreaOutcome::Cleared } else { AreaOutcome::Error }),
            removed,
            failed,
        });
        let cleanup = proptest::option::of((any::<bool>(), any::<u32>(), any::<bool>(), area.clone(), area).prop_map(
            |(ok, other_tabs, blocked, local_storage, session_storage)| Cleanup {
                ok,
                other_tabs,
                database: Some(DbOutcome::Deleted),
                blocked,
                local_storage,
                session_storage,
            },
        ));
        (
            event,
            any::<bool>(),
            proptest::option::of((any::<u32>(), any::<u32>())),
            proptest::option::of(any::<u32>()),
            cleanup,
            any::<f64>(),
            ".{0,600}",
            ".{0,60}",
            ".{0,60}",
        )
            .prop_map(|(event, enabled, rollout, guard, cleanup, at, reason, source, version)| {
                let report = Report {
                    event,
                    session: "0123456789abcdef",
                    version: "",
                    enabled,
                    source: "",
                    reason: "",
                    rollout: rollout.map(|(percent, bucket)| Rollout { percent: percent % 102, bucket: bucket % 102 }),
                    guard: guard.map(|errors| Guard { errors }),
                    cleanup,
                    at,
                };
                (report, reason, source, version)
            })
    }

    proptest! {
        #[test]
        fn any_document_is_json_within_the_cap_with_its_fields_only(
            (report, reason, source, version) in any_report(),
            secret in "[a-z0-9@.]{6,12}",
            leak in any::<bool>(),
        ) {
            let reason = if leak { [reason.as_str(), &secret, "!"].concat() } else { reason };
            let report = Report { reason: &reason, source: &source, version: &version, ..report };
            let text = document(&report, &[&secret]);
            prop_assert!(text.len() <= MAX_BYTES, "{} bytes", text.len());
            let doc = parse(&text);
            let mut keys: Vec<&str> = doc.as_object().unwrap().keys().map(String::as_str).collect();
            keys.sort();
            let mut want = ["event", "session", "version", "enabled", "source", "reason", "rollout", "guard", "cleanup", "at"];
            want.sort();
            prop_assert_eq!(keys, want.to_vec());
            prop_assert!(!text.contains(&secret) || source.contains(&secret) || version.contains(&secret), "{}", text);
            let sent = doc["reason"].as_str().unwrap();
            let fixed = wording(&reason);
            if fixed.contains(&secret) {
                prop_assert_eq!(sent, WITHHELD);
            } else {
                // A reason is sent as its wording, or cut: a prefix of it.
                let kept = sent.strip_suffix('…').unwrap_or(sent);
                prop_assert!(fixed.starts_with(kept), "{:?} is not a prefix of {:?}", kept, fixed);
            }
            // Never a value, a message or a query.
            prop_assert!(!fixed.contains(['=', '"', '?', '#']) && fixed.matches(": ").count() <= 1, "{:?}", fixed);
            prop_assert_eq!(doc["source"].as_str().unwrap(), if is_name(&source) { source.as_str() } else { "unknown" });
        }
    }
}
