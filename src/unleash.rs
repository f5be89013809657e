//! Unleash's Frontend API as a remote source: what its answer says about one
//! toggle, the request's context, the sentences, and the metrics body.
//!
//! Pure Rust over bytes and text; the remote module (`crates/remote`) does
//! the fetching, and `maestro-gate incident` reads the toggle's event log
//! through `crates/node` ([`crate::unleash`]'s [`timeline`]).
//!
//! An answer of the Frontend API (`GET {url}?appName=…&sessionId=…`,
//! Unleash itself or Unleash Edge) lists the toggles that are enabled for
//! the request's context: `{"toggles":[{"name":"maestro","enabled":true,
//! "variant":{…}}]}`. [`read`] turns it into the health document's answer
//! ([`Answer`], [`Says`]): on only when the toggle is there with `enabled:
//! true`; off when it is absent (Unleash leaves out a toggle that is off or
//! not enabled for this context) or `enabled: false`; invalid (fails safe,
//! with a warning) when `enabled` is not a boolean; and a failure (an
//! `Err`, which changes nothing) for any other shape.

use crate::cleanup::push_uint;
use crate::poll::{Rollout, Says};
use alloc::string::String;
use alloc::vec::Vec;

/// The `appName` when `init({ unleash })` gives none.
pub const DEFAULT_APP_NAME: &str = "maestro-gate";
/// The toggle when `init({ unleash })` names none.
pub const DEFAULT_TOGGLE: &str = "maestro";

/// The most of a Frontend API answer that is read (bytes): it lists every
/// toggle enabled for the token's project and environment, so it is allowed
/// more than a health document's 8 KB. A longer body is a failure.
pub const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// A declared `Content-Length` with more digits than this is over
/// [`MAX_ANSWER_BYTES`] (the body is then not read at all;
/// [`crate::poll::declared_too_long`]).
pub const MAX_ANSWER_DIGITS: usize = 6;

/// The failure for a body longer than [`MAX_ANSWER_BYTES`].
pub const TOO_LONG: &str = "not a Frontend API answer: the body is longer than 256 KB";

/// The failure for JSON that has no `toggles` array (an object of another
/// API, an error document).
pub const NO_TOGGLES: &str = "not a Frontend API answer: no toggles array";

/// The failure for an answer with `toggles` more than once (`JSON.parse`
/// would keep the last).
pub const DUPLICATE_TOGGLES: &str = "not a Frontend API answer: toggles appears more than once";

/// How deep the JSON may nest before it is refused (a variant's payload is
/// the deepest part of a real answer).
const MAX_DEPTH: u32 = 64;

/// The warning's accepted values for `enabled`.
pub const ENABLED_ACCEPTED: &str = "true or false";

/// One successful read of a remote answer: what it says, the rollout it
/// sets (Unleash evaluates its rollouts itself: always
/// [`Rollout::Unset`]), and, when it fails safe, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// [`Says::On`], [`Says::Off`] or [`Says::Invalid`]; never
    /// [`Says::Garbage`] (that is an `Err`).
    pub says: Says,
    /// Always [`Rollout::Unset`]: Unleash evaluates its rollouts itself.
    pub rollout: Rollout,
    /// For [`Says::Invalid`]: `invalid enabled=<value>; accepted: true or
    /// false`; else empty.
    pub why: String,
}

/// Reads a Frontend API answer (`body`, the response's bytes) for the
/// toggle `toggle`:
/// - `Ok` with [`Says::On`]: the toggle is listed with `enabled: true`
///   (every entry of that name, if it is listed twice);
/// - `Ok` with [`Says::Off`]: it is absent, or listed with `enabled: false`;
/// - `Ok` with [`Says::Invalid`]: an entry of that name has an `enabled`
///   that is not a boolean (or none); fails safe, `why` says what it was;
/// - `Err(why)`: not UTF-8, not JSON ([`crate::poll::not_json`]'s wording),
///   no `toggles` array, `toggles` twice, or longer than
///   [`MAX_ANSWER_BYTES`]: a failure, handled as a failing health document.
///
/// Off first: an entry that says off or is invalid counts whatever else
/// is listed. Never panics, on any bytes.
pub fn read(body: &[u8], toggle: &str) -> Result<Answer, String> {
    if body.len() > MAX_ANSWER_BYTES {
        return Err(String::from(TOO_LONG));
    }
    // (One byte order mark dropped, as `fetch`'s `json()` would.)
    let body = crate::poll::without_bom(body);
    let Ok(text) = core::str::from_utf8(body) else {
        return Err(String::from("not a Frontend API answer: the body is not UTF-8"));
    };
    let mut p = Parser { b: body, i: 0, depth: 0 };
    let found = p.document(toggle);
    let found = match found {
        Ok(found) if p.at_end() => found,
        _ => return Err(crate::poll::not_json(text)),
    };
    let entries = match found {
        Found::Entries(entries) => entries,
        Found::NoToggles => return Err(String::from(NO_TOGGLES)),
        Found::Twice => return Err(String::from(DUPLICATE_TOGGLES)),
    };
    let mut says = Says::Off;
    let mut why = String::new();
    let mut listed = false;
    for enabled in entries {
        match enabled {
            Enabled::True => listed = true,
            Enabled::False => return Ok(answer(Says::Off, String::new())),
            Enabled::Other(raw) => {
                says = Says::Invalid;
                if why.is_empty() {
                    why = invalid_enabled(raw);
                }
            }
        }
    }
    if says != Says::Invalid && listed {
        says = Says::On;
    }
    Ok(answer(says, why))
}

fn answer(says: Says, why: String) -> Answer {
    Answer { says, rollout: Rollout::Unset, why }
}

/// `invalid enabled=<value>; accepted: true or false`, the value as the JSON
/// wrote it (cut as every shown value is, [`crate::flag::shown`], and made
/// printable).
fn invalid_enabled(raw: &str) -> String {
    let mut shown = String::new();
    crate::flag::shown(&mut shown, if raw.is_empty() { "(missing)" } else { raw });
    crate::poll::invalid("enabled", &crate::flag::printable(&shown), false, ENABLED_ACCEPTED)
}

/// A JSON value of the event log: strings decoded, other scalars as written.
#[derive(Clone, Debug, PartialEq)]
enum Json {
    Object(Vec<(String, Json)>),
    Array(Vec<Json>),
    Text(String),
    Other(String),
}

impl Json {
    /// The first member `key` of an object (none of anything else).
    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn text(&self) -> Option<&str> {
        match self {
            Json::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// What a document holds for the toggle.
enum Found<'a> {
    Entries(Vec<Enabled<'a>>),
    NoToggles,
    /// `toggles` more than once (JSON.parse keeps the last): refused.
    Twice,
}

/// The `enabled` of one entry named as the toggle.
enum Enabled<'a> {
    True,
    False,
    /// Anything else, as written (empty: missing).
    Other(&'a str),
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    depth: u32,
}

type Parsed<T> = Result<T, ()>;

impl<'a> Parser<'a> {
    fn ws(&mut self) {
        while matches!(self.b.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn at_end(&mut self) -> bool {
        self.ws();
        self.i == self.b.len()
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> Parsed<()> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(())
        }
    }

    fn deeper(&mut self) -> Parsed<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            Err(())
        } else {
            Ok(())
        }
    }

    /// The whole document: the `enabled` of each entry named `toggle` in
    /// its `toggles` array. `Err`: not JSON.
    fn document(&mut self, toggle: &str) -> Parsed<Found<'a>> {
        if self.peek() != Some(b'{') {
            self.value()?;
            return Ok(Found::NoToggles);
        }
        let (mut found, mut seen) = (Found::NoToggles, false);
        self.members(|p, key| {
            if key != "toggles" {
                return p.value();
            }
            found = if p.peek() == Some(b'[') {
                Found::Entries(p.toggles(toggle)?)
            } else {
                p.value().map(|_| Found::NoToggles)?
            };
            if core::mem::replace(&mut seen, true) {
                found = Found::Twice;
            }
            Ok(())
        })?;
        Ok(found)
    }

    /// An object's members: `f(parser, key)` reads each value.
    fn members(&mut self, mut f: impl FnMut(&mut Self, &str) -> Parsed<()>) -> Parsed<()> {
        self.eat(b'{')?;
        self.deeper()?;
        if self.peek() == Some(b'}') {
            self.i += 1;
            self.depth -= 1;
            return Ok(());
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(());
            }
            let key = self.string()?;
            self.eat(b':')?;
            f(self, &key)?;
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                _ => return Err(()),
            }
        }
    }

    /// The `toggles` array: the `enabled` of each entry named `toggle`.
    fn toggles(&mut self, toggle: &str) -> Parsed<Vec<Enabled<'a>>> {
        let mut out = Vec::new();
        self.eat(b'[')?;
        self.deeper()?;
        if self.peek() == Some(b']') {
            self.i += 1;
            self.depth -= 1;
            return Ok(out);
        }
        loop {
            if self.peek() == Some(b'{') {
                let mut named = false;
                let mut names = 0u32;
                let mut enabled: Vec<Enabled<'a>> = Vec::new();
                self.members(|p, key| match key {
                    "name" => {
                        names += 1;
                        if p.peek() == Some(b'"') {
                            named |= p.string()? == toggle;
                            Ok(())
                        } else {
                            p.value()
                        }
                    }
                    "enabled" => {
                        p.ws();
                        let start = p.i;
                        p.value()?;
                        let raw = core::str::from_utf8(p.b.get(start..p.i).ok_or(())?).map_err(|_| ())?;
                        enabled.push(match raw {
                            "true" => Enabled::True,
                            "false" => Enabled::False,
                            other => Enabled::Other(other),
                        });
                        Ok(())
                    }
                    _ => p.value(),
                })?;
                if named {
                    if names > 1 {
                        // Named twice (`JSON.parse` and Unleash's clients
                        // keep the last name, which may be another
                        // toggle's): its off or invalid counts, its on never
                        // does (without one, the entry is not listed).
                        enabled.retain(|e| !matches!(e, Enabled::True));
                    } else if enabled.is_empty() {
                        enabled.push(Enabled::Other(""));
                    }
                    out.append(&mut enabled);
                }
            } else {
                self.value()?;
            }
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(out);
                }
                _ => return Err(()),
            }
        }
    }

    /// Any JSON value, as a tree (for the event log).
    fn tree(&mut self) -> Parsed<Json> {
        match self.peek().ok_or(())? {
            b'{' => {
                let mut members = Vec::new();
                self.members(|p, key| {
                    members.push((String::from(key), p.tree()?));
                    Ok(())
                })?;
                Ok(Json::Object(members))
            }
            b'[' => {
                self.i += 1;
                self.deeper()?;
                let mut items = Vec::new();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(Json::Array(items));
                }
                loop {
                    items.push(self.tree()?);
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            self.depth -= 1;
                            return Ok(Json::Array(items));
                        }
                        _ => return Err(()),
                    }
                }
            }
            b'"' => self.string().map(Json::Text),
            _ => {
                let start = self.i;
                self.value()?;
                Ok(Json::Other(String::from(
                    core::str::from_utf8(self.b.get(start..self.i).ok_or(())?).map_err(|_| ())?,
                )))
            }
        }
    }

    /// Any JSON value, checked and skipped.
    fn value(&mut self) -> Parsed<()> {
        match self.peek().ok_or(())? {
            b'{' => self.members(|p, _| p.value()),
            b'[' => {
                self.i += 1;
                self.deeper()?;
                if self.peek() == Some(b']') {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                loop {
                    self.value()?;
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            self.depth -= 1;
                            return Ok(());
                        }
                        _ => return Err(()),
                    }
                }
            }
            b'"' => self.string().map(|_| ()),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number(),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Parsed<()> {
        if self.b.get(self.i..self.i + word.len()) == Some(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(())
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Parsed<()> {
        if self.b.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        match self.b.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(()),
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(());
            }
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.b.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(());
            }
        }
        Ok(())
    }

    /// A string (at `"`), decoded; a lone surrogate escape is U+FFFD.
    fn string(&mut self) -> Parsed<String> {
        self.eat(b'"')?;
        let mut out = String::new();
        loop {
            let start = self.i;
            while let Some(&c) = self.b.get(self.i) {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            out.push_str(core::str::from_utf8(self.b.get(start..self.i).ok_or(())?).map_err(|_| ())?);
            match self.b.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let e = *self.b.get(self.i).ok_or(())?;
                    self.i += 1;
                    let c = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex()?;
                            if (0xd800..0xdc00).contains(&hi) && self.b.get(self.i..self.i + 2) == Some(b"\\u") {
                                let save = self.i;
                                self.i += 2;
                                let lo = self.hex()?;
                                if (0xdc00..0xe000).contains(&lo) {
                                    char::from_u32(0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00))
                                        .unwrap_or('\u{fffd}')
                                } else {
                                    self.i = save;
                                    '\u{fffd}'
                                }
                            } else {
                                char::from_u32(hi).unwrap_or('\u{fffd}')
                            }
                        }
                        _ => return Err(()),
                    };
                    out.push(c);
                }
                _ => return Err(()),
            }
        }
    }

    fn hex(&mut self) -> Parsed<u32> {
        let digits = self.b.get(self.i..self.i + 4).ok_or(())?;
        let n = digits.iter().try_fold(0u32, |n, &d| Some(n * 16 + char::from(d).to_digit(16)?)).ok_or(())?;
        self.i += 4;
        Ok(n)
    }
}

/// The request for one answer: the Frontend API's `url` with the context
/// (`appName`, `userId` when there is one, `sessionId`: the gate's sticky
/// id `maestro-gate:id`), each percent-encoded. A `flexibleRollout` with
/// stickiness `default` hashes `userId`, else `sessionId`, with its group
/// id: the gate's own bucket ([`crate::hash::bucket`]) for group `maestro`.
pub fn query(url: &str, app_name: &str, user_id: Option<&str>, session_id: &str) -> String {
    let mut out = String::from(url);
    out.push(if url.contains('?') { '&' } else { '?' });
    out.push_str("appName=");
    encode(&mut out, app_name);
    if let Some(user) = user_id.filter(|u| !u.is_empty()) {
        out.push_str("&userId=");
        encode(&mut out, user);
    }
    if !session_id.is_empty() {
        out.push_str("&sessionId=");
        encode(&mut out, session_id);
    }
    out
}

/// Percent-encodes `text` (UTF-8) for a query: only unreserved characters stay.
fn encode(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
    }
}

/// What the remote module keys an Unleash source by, in place of a health
/// document's URL (the Web Locks, the remembered answer `maestro-gate:remote`
/// and the tabs' messages): `Unleash toggle <toggle> at <url>`. Another
/// tab's gate and a remembered off name it in their reason (`Disabled by
/// remote Unleash toggle maestro at https://…: maestro_enabled=false`). The
/// client key is never part of it.
pub fn source_id(url: &str, toggle: &str) -> String {
    ["Unleash toggle ", toggle, " at ", url].concat()
}

/// The reason (and console line) when Unleash says off: `Disabled by
/// Unleash toggle maestro at https://…/api/frontend: not enabled` (absent
/// from the answer, which is how Unleash answers for a toggle that is off
/// or not enabled for this context, or `enabled: false`).
pub fn off_reason(url: &str, toggle: &str) -> String {
    ["Disabled by ", &source_id(url, toggle), ": not enabled"].concat()
}

/// The warning when `init({ unleash })` cannot start: its `url` or
/// `clientKey` is not a non-empty string.
pub const NOT_STARTED: &str =
    "Unleash poll not started: unleash.url and unleash.clientKey must be non-empty strings; keeping the current decision";

/// The reason when the answer fails safe: `Disabled (fail safe): Unleash
/// toggle maestro at …: invalid enabled=…; accepted: true or false`.
pub fn invalid_reason(url: &str, toggle: &str, why: &str) -> String {
    ["Disabled (fail safe): ", &source_id(url, toggle), ": ", why].concat()
}

/// The warning for a failed read (`why`: the status, `HTTP 401`, or the
/// failure's text), worded as a failing health document's: `Unleash toggle
/// maestro at … failed (HTTP 401); keeping the current decision, retrying
/// with backoff`.
pub fn failed(url: &str, toggle: &str, why: &str, then: &str) -> String {
    [&source_id(url, toggle), " failed (", why, "); ", then].concat()
}

/// A decision's counts since the last post: `yes` (MAESTRO on) and `no`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Decisions that said on.
    pub yes: u32,
    /// Decisions that said off.
    pub no: u32,
}

impl Counts {
    /// Counts one decision.
    pub fn add(&mut self, enabled: bool) {
        if enabled {
            self.yes = self.yes.saturating_add(1);
        } else {
            self.no = self.no.saturating_add(1);
        }
    }

    /// Whether nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.yes == 0 && self.no == 0
    }
}

/// The least time between two metrics posts (ms), but on `pagehide` or a
/// hidden page.
pub const METRICS_MS: f64 = 30_000.0;

/// A new `sessionId` for a page whose storage keeps none (the remote
/// module's and the first-answer module's): 32 lowercase hex digits, from
/// four random 32-bit `words`.
pub fn hex_id(words: [u32; 4]) -> String {
    let mut id = String::with_capacity(32);
    for w in words {
        for shift in (0..8).rev() {
            id.push(char::from_digit((w >> (shift * 4)) & 0xf, 16).unwrap_or('0'));
        }
    }
    id
}

/// The metrics body `POST {url}/client/metrics` takes, in the shape
/// `unleash-proxy-client` sends: `{"appName":…,"instanceId":"browser",
/// "bucket":{"start":ISO,"stop":ISO,"toggles":{"maestro":{"yes":n,"no":n,
/// "variants":{}}}}}`. No user id or other context is in it.
pub fn metrics(app_name: &str, toggle: &str, counts: Counts, start_ms: f64, stop_ms: f64) -> String {
    let mut out = String::from("{\"appName\":");
    json_string(&mut out, app_name);
    out.push_str(",\"instanceId\":\"browser\",\"bucket\":{\"start\":\"");
    iso(&mut out, start_ms);
    out.push_str("\",\"stop\":\"");
    iso(&mut out, stop_ms);
    out.push_str("\",\"toggles\":{");
    json_string(&mut out, toggle);
    out.push_str(":{\"yes\":");
    push_uint(&mut out, counts.yes.into());
    out.push_str(",\"no\":");
    push_uint(&mut out, counts.no.into());
    out.push_str(",\"variants\":{}}}}}");
    out
}

/// `{url}/client/metrics`, the Frontend API's metrics endpoint (a query or
/// a fragment of `url`, and a trailing `/`, left out).
pub fn metrics_url(url: &str) -> String {
    let base = url.get(..url.find(['?', '#']).unwrap_or(url.len())).unwrap_or(url);
    [base.trim_end_matches('/'), "/client/metrics"].concat()
}

/// A JSON string.
fn json_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(char::from(HEX[((c as usize) >> 4) & 0xf]));
                out.push(char::from(HEX[(c as usize) & 0xf]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `ms` since 1970 as `YYYY-MM-DDTHH:MM:SS.mmmZ` (as `Date.toISOString`;
/// clamped to years 1970 to 9999).
pub fn iso(out: &mut String, ms: f64) {
    // (Not `f64::clamp`: its assertion formats floats, kilobytes of wasm.)
    let ms = if ms > 253_402_300_799_999.0 {
        253_402_300_799_999
    } else if ms > 0.0 {
        ms as u64
    } else {
        0
    };
    let (days, rest) = (ms / 86_400_000, ms % 86_400_000);
    // Howard Hinnant's civil_from_days, for days since 1970-01-01 (≥ 0).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    let pad = |out: &mut String, n: u64, width: usize| {
        let mut digits = String::new();
        push_uint(&mut digits, n);
        for _ in digits.len()..width {
            out.push('0');
        }
        out.push_str(&digits);
    };
    pad(out, year, 4);
    out.push('-');
    pad(out, month, 2);
    out.push('-');
    pad(out, day, 2);
    out.push('T');
    pad(out, rest / 3_600_000, 2);
    out.push(':');
    pad(out, rest / 60_000 % 60, 2);
    out.push(':');
    pad(out, rest / 1000 % 60, 2);
    out.push('.');
    pad(out, rest % 1000, 3);
    out.push('Z');
}

/// The largest event log read (bytes): Unleash answers with the toggle's
/// whole history.
pub const MAX_EVENTS_BYTES: usize = 4 * 1024 * 1024;

/// One switch of the toggle, from Unleash's event log, for the incident
/// record's timeline: when (`createdAt` as Unleash wrote it, ISO 8601), the
/// event's type, its environment, who made it (`createdBy`), and what it
/// did, in words. Every text is made printable ([`crate::flag::printable`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// When (the event's `createdAt`).
    pub at: String,
    /// The event's type (`feature-environment-disabled`, …).
    pub kind: String,
    /// The environment it happened in, if it names one.
    pub environment: Option<String>,
    /// Who made it.
    pub by: String,
    /// What it did, in a few words (`switched off in development`).
    pub what: String,
    /// Whether it turned the toggle off (or lowered its rollout) where it
    /// was on: a rollback of MAESTRO through Unleash.
    pub rollback: bool,
}

/// Reads the answer of `GET {unleash}/api/admin/events/{toggle}` (`{"events":
/// [{"type", "createdBy", "createdAt", "environment", "data", "preData"},
/// …]}`, newest first) into the timeline, oldest first. `Err`: not JSON, no
/// `events` array, or longer than [`MAX_EVENTS_BYTES`]; an event without a
/// type or a time is left out. For `maestro-gate incident --unleash`.
pub fn timeline(body: &[u8]) -> Result<Vec<Event>, String> {
    if body.len() > MAX_EVENTS_BYTES {
        return Err(String::from("not an Unleash event log: the body is longer than 4 MB"));
    }
    let text =
        core::str::from_utf8(body).map_err(|_| String::from("not an Unleash event log: the body is not UTF-8"))?;
    let mut p = Parser { b: body, i: 0, depth: 0 };
    let root = match p.tree() {
        Ok(root) if p.at_end() => root,
        _ => return Err(crate::poll::not_json(text)),
    };
    let Some(Json::Array(events)) = root.get("events") else {
        return Err(String::from("not an Unleash event log: no events array"));
    };
    let mut out: Vec<Event> = events.iter().filter_map(event).collect();
    // Newest first in Unleash's answer; a timeline reads oldest first (by
    // time, then as listed: ISO 8601 in UTC sorts as text).
    out.reverse();
    out.sort_by(|a, b| a.at.cmp(&b.at));
    Ok(out)
}

fn event(e: &Json) -> Option<Event> {
    let text = |k: &str| e.get(k).and_then(Json::text).map(crate::flag::printable);
    let kind = text("type")?;
    let at = text("createdAt")?;
    let by = text("createdBy").unwrap_or_else(|| String::from("(unknown)"));
    let environment = text("environment");
    let rollout = |k: &str| {
        e.get(k)?.get("parameters")?.get("rollout").and_then(|r| match r {
            Json::Text(t) => Some(crate::flag::printable(t)),
            Json::Other(n) => Some(n.clone()),
            _ => None,
        })
    };
    let env = environment.as_deref().unwrap_or("every environment");
    let (what, rollback) = match kind.as_str() {
        "feature-environment-disabled" => (["switched off in ", env].concat(), true),
        "feature-environment-enabled" => (["switched on in ", env].concat(), false),
        "feature-strategy-update" | "feature-strategy-add" | "feature-strategy-remove" => {
            let (before, after) = (rollout("preData"), rollout("data"));
            let lowered =
                matches!((&before, &after), (Some(b), Some(a)) if a.parse::<u32>().ok() < b.parse::<u32>().ok());
            let what = match (before, after) {
                (Some(b), Some(a)) => ["rollout ", &b, "% -> ", &a, "% in ", env].concat(),
                (None, Some(a)) => ["rollout set to ", &a, "% in ", env].concat(),
                (Some(b), None) => ["rollout of ", &b, "% removed in ", env].concat(),
                (None, None) => ["strategy changed in ", env].concat(),
            };
            (what, lowered || kind == "feature-strategy-remove")
        }
        "feature-archived" => (String::from("archived (off everywhere)"), true),
        "feature-revived" => (String::from("revived"), false),
        "feature-created" => (String::from("created"), false),
        other => (String::from(other), false),
    };
    Some(Event { at, kind, environment, by, what, rollback })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::vec;
    use proptest::prelude::*;

    fn says(body: &str) -> Result<Says, String> {
        read(body.as_bytes(), "maestro").map(|a| a.says)
    }

    #[test]
    fn a_session_id_is_32_hex_digits_in_word_order() {
        assert_eq!(hex_id([0, 0xdead_beef, 0x0123_4567, u32::MAX]), "00000000deadbeef01234567ffffffff");
    }

    #[test]
    fn the_frontend_api_answer() {
        let real = r#"{"toggles":[{"name":"maestro","enabled":true,"variant":{"name":"disabled","enabled":false,"feature_enabled":true,"featureEnabled":true},"impressionData":false}]}"#;
        assert_eq!(says(real), Ok(Says::On));
        assert_eq!(read(real.as_bytes(), "maestro").unwrap().rollout, Rollout::Unset);
        assert_eq!(says(r#"{"toggles":[]}"#), Ok(Says::Off), "absent: off");
        assert_eq!(says(r#"{"toggles":[{"name":"other","enabled":true}]}"#), Ok(Says::Off));
        assert_eq!(says(r#"{"toggles":[{"name":"maestro","enabled":false}]}"#), Ok(Says::Off));
        assert_eq!(says(r#"{ "toggles" : [ { "enabled" : true , "name" : "maestro" } ] , "x" : 1 }"#), Ok(Says::On));
        assert_eq!(says(r#"{"toggles":[{"name":"ma\u0065stro","enabled":true}]}"#), Ok(Says::On), "an escaped name");
        assert_eq!(says(r#"{"toggles":[{"name":"Maestro","enabled":true}]}"#), Ok(Says::Off), "names are exact");
        assert_eq!(
            says(r#"{"toggles":[{"name":"maestro","enabled":true},{"name":"maestro","enabled":false}]}"#),
            Ok(Says::Off),
            "off first"
        );
        assert_eq!(says(r#"{"toggles":[{"name":"maestro","enabled":true,"enabled":false}]}"#), Ok(Says::Off));
        assert_eq!(says(r#"{"toggles":[{"name":"maestro","enabled":false,"enabled":true}]}"#), Ok(Says::Off));
        assert_eq!(says(r#"{"toggles":[1,"x",null,{"name":"maestro","enabled":true}]}"#), Ok(Says::On));
        // Named twice: `JSON.parse` keeps the last name, so the first body
        // lists "x", not maestro. Its on never counts; its off does.
        assert_eq!(says(r#"{"toggles":[{"name":"maestro","name":"x","enabled":true}]}"#), Ok(Says::Off));
        assert_eq!(says(r#"{"toggles":[{"name":"x","name":"maestro","enabled":true}]}"#), Ok(Says::Off));
        assert_eq!(says(r#"{"toggles":[{"name":"maestro","name":"maestro","enabled":true}]}"#), Ok(Says::Off));
        assert_eq!(says(r#"{"toggles":[{"name":"x","name":"maestro","enabled":false}]}"#), Ok(Says::Off));
        assert_eq!(
            says(r#"{"toggles":[{"name":"maestro","name":"x","enabled":true},{"name":"maestro","enabled":true}]}"#),
            Ok(Says::On),
            "another entry that names it once"
        );
        assert_eq!(says(r#"{"toggles":[{"name":"maestro","name":7,"enabled":"yes"}]}"#).map(|_| ()), Ok(()));
        // A byte order mark, as `json()` reads one.
        assert_eq!(says("\u{feff}{\"toggles\":[{\"name\":\"maestro\",\"enabled\":true}]}"), Ok(Says::On));
        assert!(says("\u{feff}\u{feff}{\"toggles\":[]}").unwrap_err().starts_with("not JSON"), "one mark only");
    }

    #[test]
    fn invalid_enabled_fails_safe_with_a_warning() {
        for (value, shown) in [
            (r#""true""#, r#"invalid enabled="true"; accepted: true or false"#),
            ("1", "invalid enabled=1; accepted: true or false"),
            ("null", "invalid enabled=null; accepted: true or false"),
            ("{}", "invalid enabled={}; accepted: true or false"),
        ] {
            let body = format!(r#"{{"toggles":[{{"name":"maestro","enabled":{value}}}]}}"#);
            let a = read(body.as_bytes(), "maestro").unwrap();
            assert_eq!(a.says, Says::Invalid, "{value}");
            assert_eq!(a.why, shown);
        }
        let a = read(br#"{"toggles":[{"name":"maestro"}]}"#, "maestro").unwrap();
        assert_eq!((a.says, a.why.as_str()), (Says::Invalid, "invalid enabled=(missing); accepted: true or false"));
        let a =
            read(br#"{"toggles":[{"name":"maestro","enabled":true},{"name":"maestro","enabled":"yes"}]}"#, "maestro")
                .unwrap();
        assert_eq!(a.says, Says::Invalid, "an invalid entry beside an on one");
        let long = format!(r#"{{"toggles":[{{"name":"maestro","enabled":"{}\u001b"}}]}}"#, "x".repeat(100));
        let a = read(long.as_bytes(), "maestro").unwrap();
        assert_eq!(
            a.why,
            ["invalid enabled=\"", &"x".repeat(63), "… (108 characters); accepted: true or false"].concat()
        );
        let a = read(br#"{"toggles":[{"name":"maestro","enabled":"\u001b[2J"}]}"#, "maestro").unwrap();
        assert!(!a.why.contains('\u{1b}'));
        // An invalid entry of another toggle is not ours.
        assert_eq!(
            says(r#"{"toggles":[{"name":"other","enabled":"x"},{"name":"maestro","enabled":true}]}"#),
            Ok(Says::On)
        );
    }

    #[test]
    fn other_shapes_are_failures() {
        assert!(says("<!doctype html><html>").unwrap_err().starts_with("not JSON (the body starts with \"<!doctype"));
        for body in [
            "",
            "{",
            "{\"toggles\":[}",
            "{\"toggles\":[]} x",
            "{\"toggles\":[],}",
            "[1,]",
            "tru",
            "01",
            "1.",
            "\"\\x\"",
        ] {
            assert!(says(body).unwrap_err().starts_with("not JSON"), "{body:?}");
        }
        for body in [
            "{}",
            "[]",
            "null",
            "{\"toggles\":{}}",
            "{\"toggles\":null}",
            "{\"features\":[]}",
            "{\"x\":{\"toggles\":[]}}",
        ] {
            assert_eq!(says(body), Err(String::from(NO_TOGGLES)), "{body:?}");
        }
        assert_eq!(read(&[0xff, 0xfe], "maestro").unwrap_err(), "not a Frontend API answer: the body is not UTF-8");
        let big = alloc::vec![b' '; MAX_ANSWER_BYTES + 1];
        assert_eq!(read(&big, "maestro").unwrap_err(), TOO_LONG);
        let deep = format!("{{\"toggles\":[{}{}]}}", "[".repeat(100), "]".repeat(100));
        assert!(says(&deep).is_err(), "too deep");
        assert_eq!(
            says(r#"{"toggles":[{"name":"maestro","enabled":true}],"toggles":[]}"#),
            Err(String::from(DUPLICATE_TOGGLES))
        );
        assert_eq!(says(r#"{"toggles":[],"toggles":7}"#), Err(String::from(DUPLICATE_TOGGLES)));
    }

    #[test]
    fn the_context_query() {
        assert_eq!(
            query("https://u.example/api/frontend", "maestro-gate", Some("user 1/ü"), "a1b2"),
            "https://u.example/api/frontend?appName=maestro-gate&userId=user%201%2F%C3%BC&sessionId=a1b2"
        );
        assert_eq!(query("/api/frontend?x=1", "app", None, "s"), "/api/frontend?x=1&appName=app&sessionId=s");
        assert_eq!(query("/f", "a&b=c", Some(""), ""), "/f?appName=a%26b%3Dc");
    }

    #[test]
    fn sentences_name_unleash_and_the_toggle() {
        let url = "http://127.0.0.1:4242/api/frontend";
        assert_eq!(
            off_reason(url, "maestro"),
            "Disabled by Unleash toggle maestro at http://127.0.0.1:4242/api/frontend: not enabled"
        );
        assert_eq!(
            invalid_reason(url, "maestro", "invalid enabled=1; accepted: true or false"),
            "Disabled (fail safe): Unleash toggle maestro at http://127.0.0.1:4242/api/frontend: invalid enabled=1; accepted: true or false"
        );
        assert_eq!(
            failed(url, "kill", "HTTP 401", "keeping the current decision"),
            "Unleash toggle kill at http://127.0.0.1:4242/api/frontend failed (HTTP 401); keeping the current decision"
        );
        // A beacon keeps the fixed wording: the URL's path, no value.
        assert_eq!(
            crate::report::wording(&off_reason(url, "maestro")),
            "Disabled by Unleash toggle maestro at /api/frontend: not enabled"
        );
    }

    #[test]
    fn the_metrics_body() {
        let mut c = Counts::default();
        assert!(c.is_empty());
        c.add(true);
        c.add(true);
        c.add(false);
        let body = metrics("maestro-gate", "maestro", c, 1_764_927_000_000.0, 1_764_927_030_123.0);
        assert_eq!(
            body,
            r#"{"appName":"maestro-gate","instanceId":"browser","bucket":{"start":"2025-12-05T09:30:00.000Z","stop":"2025-12-05T09:30:30.123Z","toggles":{"maestro":{"yes":2,"no":1,"variants":{}}}}}"#
        );
        let v: serde_json::Value = serde_json::from_str(&metrics("a\"\\\n", "t", c, 0.0, f64::NAN)).unwrap();
        assert_eq!(v["appName"], "a\"\\\n");
        assert_eq!(v["bucket"]["start"], "1970-01-01T00:00:00.000Z");
        assert_eq!(metrics_url("https://u.example/api/frontend/"), "https://u.example/api/frontend/client/metrics");
        assert_eq!(metrics_url("/api/frontend?x=1"), "/api/frontend/client/metrics");
    }

    #[test]
    fn the_event_log_as_a_timeline() {
        // Recorded from the local Unleash (`make unleash`): created, a
        // strategy, on, off, rollout 100% -> 50%, on again.
        let body = include_bytes!("../tests/fixtures/unleash-events.json");
        let t = timeline(body).unwrap();
        let rows: Vec<(&str, &str, &str, bool)> =
            t.iter().map(|e| (e.kind.as_str(), e.by.as_str(), e.what.as_str(), e.rollback)).collect();
        assert_eq!(
            rows,
            [
                ("feature-created", "maestro-admin", "created", false),
                ("feature-strategy-add", "maestro-admin", "rollout set to 100% in development", false),
                ("feature-environment-enabled", "maestro-admin", "switched on in development", false),
                ("feature-environment-disabled", "maestro-admin", "switched off in development", true),
                ("feature-strategy-update", "maestro-admin", "rollout 100% -> 50% in development", true),
                ("feature-environment-enabled", "maestro-admin", "switched on in development", false),
            ]
        );
        assert!(t.windows(2).all(|w| w[0].at <= w[1].at), "oldest first");
        assert_eq!(t[3].environment.as_deref(), Some("development"));
        assert!(t[3].at.starts_with("20") && t[3].at.ends_with('Z'));
        // Hostile text is made printable; events without a type or time are left out.
        let t = timeline(br#"{"events":[{"type":"feature-environment-disabled","createdAt":"2026-01-01T00:00:00Z","createdBy":"eve\u001b[2J","environment":"prod"},{"type":"x"},7]}"#).unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].by, "eve\\u001b[2J");
        assert_eq!(timeline(b"{}").unwrap_err(), "not an Unleash event log: no events array");
        assert!(timeline(b"<html>").unwrap_err().starts_with("not JSON"));
        assert!(timeline(br#"{"events":[]}"#).unwrap().is_empty());
    }

    proptest! {
        #[test]
        fn the_event_log_reader_never_panics(body in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = timeline(&body);
        }

        #[test]
        fn iso_agrees_with_a_calendar(ms in 0u64..253_402_300_799_999) {
            let mut s = String::new();
            iso(&mut s, ms as f64);
            // Days from the civil date back to ms.
            let (y, m, d): (i64, i64, i64) = (s[0..4].parse().unwrap(), s[5..7].parse().unwrap(), s[8..10].parse().unwrap());
            let (yy, mm) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
            let era = yy.div_euclid(400);
            let yoe = yy - era * 400;
            let doy = (153 * mm + 2) / 5 + d - 1;
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            let days = era * 146_097 + doe - 719_468;
            prop_assert_eq!(days as u64, ms / 86_400_000);
            prop_assert_eq!(s.len(), 24);
        }

        #[test]
        fn never_panics(body in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = read(&body, "maestro");
        }

        #[test]
        fn never_panics_on_near_json(text in proptest::string::string_regex(r#"[{}\[\]":,\\u0-9a-f tn.e+-]{0,80}"#).unwrap()) {
            let _ = read(text.as_bytes(), "maestro");
        }

        #[test]
        fn agrees_with_serde_json(entries in proptest::collection::vec((prop::sample::select(vec!["maestro", "other", "m"]), prop::sample::select(vec!["true", "false", "1", "\"x\"", "null"])), 0..5)) {
            let list: Vec<String> = entries.iter().map(|(n, e)| format!(r#"{{"name":"{n}","enabled":{e}}}"#)).collect();
            let body = format!(r#"{{"toggles":[{}]}}"#, list.join(","));
            prop_assert!(serde_json::from_str::<serde_json::Value>(&body).is_ok());
            let mine: Vec<_> = entries.iter().filter(|(n, _)| *n == "maestro").map(|(_, e)| *e).collect();
            let want = if mine.is_empty() || mine.contains(&"false") {
                Says::Off
            } else if mine.iter().all(|e| *e == "true") {
                Says::On
            } else {
                Says::Invalid
            };
            prop_assert_eq!(says(&body), Ok(want));
        }
    }
}
