//! Sessions, not events: what a file of decision beacons says about the page
//! loads that sent them (`maestro-gate report-summary` and `maestro-gate
//! incident`).
//!
//! Every beacon of a page load carries the same random session id
//! ([`crate::report::is_session`]). [`Sessions`] is fed one beacon at a time
//! (it streams: it keeps one small record per session, never the beacons)
//! and answers:
//! - how many sessions there are, by their **latest** decision (the beacon
//!   with the latest `at`; of two with the same `at`, the later line), and
//!   by that decision's source;
//! - which sessions **ran MAESTRO after a time T**: a session that was on at
//!   some moment after T. The gate latches, so that is a session with an on
//!   decision whose first off came after T, or never came. A page that was
//!   closed sends nothing, so a session whose latest decision is on counts as
//!   still on: the count is an upper bound;
//! - the kill's moment (the first off decision at or after T), the sources
//!   that turned sessions off, when the last session that ran MAESTRO after
//!   it reported off (the time to recovery), and the runbook's "Lessons
//!   Learned" record filled with them ([`Sessions::incident`]);
//! - sessions on and off over time, and the guard's error counts by cohort,
//!   for the HTML report (`crate::chart`).
//!
//! A beacon without a session id (a gate older than the session id) cannot
//! be told apart from another page's: it is counted by decision and by
//! event, as before, and in [`Counts::without_id`], never as a session.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use crate::cleanup::push_uint;
use crate::report::{is_name, is_session, Event, Summary};

/// One beacon, as a summary reads it.
#[derive(Clone, Copy, Debug)]
pub struct Beacon<'a> {
    /// The beacon's `event` (`start`, `change`, `cleanup`, `track`).
    pub event: &'a str,
    /// The session id, when the beacon has one.
    pub session: Option<&'a str>,
    /// Whether the decision said MAESTRO is on.
    pub enabled: bool,
    /// The decision's source.
    pub source: &'a str,
    /// Milliseconds since the epoch; 0 when the beacon has none.
    pub at: u64,
    /// The guard's count, when the page has a guard.
    pub errors: Option<u32>,
}

/// What is kept of one session.
#[derive(Clone, Copy, Debug)]
struct Session {
    /// When it first said on / first said off, and the off's source.
    first_on: Option<u64>,
    first_off: Option<(u64, u16)>,
    /// Its latest decision: `at`, enabled, source.
    latest: (u64, bool, u16),
    /// The most errors its guard reported.
    errors: u32,
}

impl Session {
    /// Whether it was on at some moment after `t` (see the module's doc).
    fn ran_after(&self, t: u64) -> bool {
        self.first_on.is_some() && self.first_off.is_none_or(|(off, _)| off > t)
    }
}

/// The session counts ([`Sessions::counts`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counts {
    /// Sessions (or beacons) in all.
    pub total: u64,
    /// Those whose latest decision is on.
    pub enabled: u64,
    /// Those whose latest decision is off.
    pub disabled: u64,
    /// `(enabled, source, sessions)` by the latest decision: disabled first,
    /// then the most frequent.
    pub by_source: Vec<(bool, String, u64)>,
    /// With a `since`: the sessions that ran MAESTRO after it.
    pub ran_after_since: Option<u64>,
    /// Beacons without a session id (counted by decision and event only).
    pub without_id: u64,
}

/// The facts of an incident ([`Sessions::incident`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incident {
    /// The first off decision at or after `since`; `None`: no session was
    /// turned off, nothing to fill.
    pub first_off: Option<u64>,
    /// `(source, sessions)`: what turned sessions off from then on (each
    /// session by its first off), the most first.
    pub methods: Vec<(String, u64)>,
    /// Sessions that ran MAESTRO after the first off.
    pub impacted: u64,
    /// Of those, how many still report on (their latest decision is on).
    pub still_on: u64,
    /// When the last of the impacted sessions reported off (the first off
    /// itself when none ran after it); `None` while one still reports on.
    pub recovered: Option<u64>,
}

/// One interval of the timeline ([`Sessions::timeline`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Point {
    /// The interval's end (ms since the epoch).
    pub at: u64,
    /// Sessions on at its end.
    pub on: u64,
    /// Sessions off at its end.
    pub off: u64,
    /// The guard's counts reported in it by beacons that said on.
    pub errors_on: u64,
    /// The same, by beacons that said off.
    pub errors_off: u64,
}

/// A cohort's sessions and the errors their guards reported (the most each
/// session reported, summed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cohort {
    /// Sessions in the cohort.
    pub sessions: u64,
    /// Errors the guard counted in them.
    pub errors: u64,
}

/// The sessions of a stream of beacons.
#[derive(Debug, Default)]
pub struct Sessions {
    /// Only beacons at or after it are counted by decision and event; the
    /// sessions are read from every beacon (one on before it may run after it).
    since: Option<u64>,
    /// The counts by decision and by event (beacons at or after `since`).
    pub summary: Summary,
    sources: Vec<String>,
    map: BTreeMap<String, Session>,
    without_id: u64,
    /// The guard counts beacons reported: `(at, enabled, errors)`, nonzero only.
    errors: Vec<(u64, bool, u32)>,
    /// The earliest and latest `at` of a beacon with a session.
    span: Option<(u64, u64)>,
}

impl Sessions {
    /// An empty count; `since` (ms since the epoch) for "ran MAESTRO after".
    pub fn new(since: Option<u64>) -> Sessions {
        Sessions { since, ..Sessions::default() }
    }

    /// The `--since` time it counts from, if any.
    pub fn since(&self) -> Option<u64> {
        self.since
    }

    fn source_index(&mut self, source: &str) -> u16 {
        if let Some(i) = self.sources.iter().position(|s| s == source) {
            return i as u16;
        }
        // `is_name` sources only, and at most u16::MAX of them: the rest are one.
        if self.sources.len() >= usize::from(u16::MAX) {
            return u16::MAX - 1;
        }
        self.sources.push(String::from(source));
        (self.sources.len() - 1) as u16
    }

    fn source(&self, i: u16) -> &str {
        self.sources.get(usize::from(i)).map_or("unknown", String::as_str)
    }

    /// Counts one beacon; one whose fields are not a beacon's (an unknown
    /// event, a source that is not a name) is a skipped line.
    pub fn add(&mut self, b: &Beacon) {
        if Event::parse(b.event).is_none() || !is_name(b.source) {
            return self.summary.skip();
        }
        if self.since.is_none_or(|t| b.at >= t) {
            self.summary.add(b.enabled, b.source, b.event);
        }
        let Some(id) = b.session.filter(|s| is_session(s)) else {
            self.without_id += 1;
            return;
        };
        let source = self.source_index(b.source);
        if let Some(e) = b.errors.filter(|&e| e > 0) {
            self.errors.push((b.at, b.enabled, e));
        }
        self.span = Some(self.span.map_or((b.at, b.at), |(a, z)| (a.min(b.at), z.max(b.at))));
        let s = match self.map.get_mut(id) {
            Some(s) => s,
            None => self.map.entry(String::from(id)).or_insert(Session {
                first_on: None,
                first_off: None,
                latest: (b.at, b.enabled, source),
                errors: 0,
            }),
        };
        if b.enabled {
            s.first_on = Some(s.first_on.map_or(b.at, |t| t.min(b.at)));
        } else if s.first_off.is_none_or(|(t, _)| b.at < t) {
            s.first_off = Some((b.at, source));
        }
        if b.at >= s.latest.0 {
            s.latest = (b.at, b.enabled, source);
        }
        s.errors = s.errors.max(b.errors.unwrap_or(0));
    }

    /// Counts a line that is not a beacon.
    pub fn skip(&mut self) {
        self.summary.skip();
    }

    /// Whether a session is counted: every one without `since`; with it, one
    /// that reported at or after it, or ran MAESTRO after it (one that ended
    /// off before it and said nothing since is left out).
    fn in_scope(&self, s: &Session) -> bool {
        self.since.is_none_or(|t| s.latest.0 >= t || s.ran_after(t))
    }

    /// The sessions by their latest decision.
    pub fn counts(&self) -> Counts {
        let mut c = Counts {
            total: 0,
            enabled: 0,
            disabled: 0,
            by_source: Vec::new(),
            ran_after_since: self.since.map(|_| 0),
            without_id: self.without_id,
        };
        let mut rows: BTreeMap<(bool, u16), u64> = BTreeMap::new();
        for s in self.map.values().filter(|s| self.in_scope(s)) {
            c.total += 1;
            let (_, enabled, source) = s.latest;
            if enabled {
                c.enabled += 1;
            } else {
                c.disabled += 1;
            }
            *rows.entry((enabled, source)).or_default() += 1;
            if let (Some(t), Some(n)) = (self.since, c.ran_after_since.as_mut()) {
                *n += u64::from(s.ran_after(t));
            }
        }
        c.by_source = rows.into_iter().map(|((e, i), n)| (e, String::from(self.source(i)), n)).collect();
        c.by_source.sort_by(|a, b| a.0.cmp(&b.0).then(b.2.cmp(&a.2)).then(a.1.cmp(&b.1)));
        c
    }

    /// The incident that began with the first off decision at or after
    /// `since` (the start of the data without one).
    pub fn incident(&self) -> Incident {
        let t0 = self.since.unwrap_or(0);
        let kill = self.map.values().filter_map(|s| s.first_off.map(|(t, _)| t)).filter(|&t| t >= t0).min();
        let Some(kill) = kill else {
            return Incident { first_off: None, methods: Vec::new(), impacted: 0, still_on: 0, recovered: None };
        };
        let mut methods: BTreeMap<u16, u64> = BTreeMap::new();
        let (mut impacted, mut still_on, mut last_off) = (0, 0, kill);
        for s in self.map.values() {
            if let Some((t, source)) = s.first_off.filter(|&(t, _)| t >= kill) {
                *methods.entry(source).or_default() += 1;
                if s.ran_after(kill) {
                    last_off = last_off.max(t);
                }
            }
            if s.ran_after(kill) {
                impacted += 1;
                still_on += u64::from(s.first_off.is_none());
            }
        }
        let mut methods: Vec<(String, u64)> =
            methods.into_iter().map(|(i, n)| (String::from(self.source(i)), n)).collect();
        methods.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        Incident { first_off: Some(kill), methods, impacted, still_on, recovered: (still_on == 0).then_some(last_off) }
    }

    /// Sessions on and off at the end of each of `n` equal intervals from
    /// the first beacon (or `since`) to the last, and the guard's counts
    /// reported in each. Empty without a session.
    pub fn timeline(&self, n: usize) -> Vec<Point> {
        let Some((first, last)) = self.span else { return Vec::new() };
        let start = self.since.map_or(first, |t| t.min(last));
        let n = n.max(1);
        let width = (last - start).div_ceil(n as u64).max(1);
        // The interval an instant falls in (before the start: the first).
        let at = |t: u64| (t.saturating_sub(start) / width).min(n as u64 - 1) as usize;
        let (mut on, mut off) = (vec![0i64; n], vec![0i64; n]);
        for s in self.map.values() {
            match (s.first_on, s.first_off) {
                (Some(a), Some((b, _))) if a <= b => {
                    on[at(a)] += 1;
                    on[at(b)] -= 1;
                    off[at(b)] += 1;
                }
                (Some(a), None) => on[at(a)] += 1,
                (_, Some((b, _))) => off[at(b)] += 1,
                (None, None) => {}
            }
        }
        let mut points: Vec<Point> = (0..n)
            .map(|i| Point { at: start + width * (i as u64 + 1), on: 0, off: 0, errors_on: 0, errors_off: 0 })
            .collect();
        let (mut on_now, mut off_now) = (0i64, 0i64);
        for (i, p) in points.iter_mut().enumerate() {
            on_now += on[i];
            off_now += off[i];
            (p.on, p.off) = (on_now.max(0) as u64, off_now.max(0) as u64);
        }
        for &(t, enabled, e) in &self.errors {
            if t >= start {
                let p = &mut points[at(t)];
                if enabled {
                    p.errors_on += u64::from(e);
                } else {
                    p.errors_off += u64::from(e);
                }
            }
        }
        points
    }

    /// The cohorts on and off (by the latest decision, sessions in scope).
    pub fn cohorts(&self) -> (Cohort, Cohort) {
        let (mut on, mut off) = (Cohort::default(), Cohort::default());
        for s in self.map.values().filter(|s| self.in_scope(s)) {
            let c = if s.latest.1 { &mut on } else { &mut off };
            c.sessions += 1;
            c.errors += u64::from(s.errors);
        }
        (on, off)
    }

    /// The summary as `maestro-gate report-summary` prints it: the counts by
    /// decision and event, then the sessions.
    pub fn text(&self) -> String {
        let c = self.counts();
        let mut s = String::new();
        if let Some(t) = self.since {
            s.push_str("since: ");
            s.push_str(&iso(t));
            s.push('\n');
        }
        s.push_str(&self.summary.text());
        s.push_str("\nsessions: ");
        push_uint(&mut s, c.total);
        s.push_str(" (");
        push_uint(&mut s, c.enabled);
        s.push_str(" enabled, ");
        push_uint(&mut s, c.disabled);
        s.push_str(" disabled, by their latest decision)\n");
        let width = c.by_source.iter().map(|r| r.1.len()).chain([22]).max().unwrap_or(22);
        for (enabled, source, n) in &c.by_source {
            s.push_str(if *enabled { "  enabled   " } else { "  disabled  " });
            s.push_str(source);
            s.extend(core::iter::repeat_n(' ', width - source.len() + 2));
            let mut digits = String::new();
            push_uint(&mut digits, *n);
            s.extend(core::iter::repeat_n(' ', 8usize.saturating_sub(digits.len())));
            s.push_str(&digits);
            s.push('\n');
        }
        if let (Some(t), Some(n)) = (self.since, c.ran_after_since) {
            s.push_str("sessions that still ran MAESTRO after ");
            s.push_str(&iso(t));
            s.push_str(": ");
            push_uint(&mut s, n);
            s.push('\n');
        }
        if c.without_id > 0 {
            s.push_str("beacons without a session id (an older gate; counted above, not as sessions): ");
            push_uint(&mut s, c.without_id);
            s.push('\n');
        }
        s
    }
}

/// The runbook's "Lessons Learned" template, field by field: the label and
/// what the template has in it.
pub const TEMPLATE: [(&str, &str); 7] = [
    ("Incident Date", "YYYY-MM-DD"),
    ("Rollback Trigger", "[Brief description]"),
    ("Rollback Method", "[Environment variable / Code revert / etc.]"),
    ("Time to Recovery", "[X minutes/hours]"),
    ("User Impact", "[Affected users / operations]"),
    ("Root Cause", "[What went wrong]"),
    ("Prevention", "[How to avoid in future]"),
];

/// What a source that turned sessions off is, in the runbook's words.
pub fn method(source: &str) -> &'static str {
    match source {
        "VITE_MAESTRO_ENABLED" => "environment variable VITE_MAESTRO_ENABLED (a build)",
        "window.MAESTRO_ENABLED" => "runtime flag window.MAESTRO_ENABLED",
        "remote" => "remote health document (maestro_enabled: false)",
        "rollout" => "rollout percentage",
        "guard" => "error guard (automatic)",
        "default" => "defaultEnabled",
        "unavailable" => "gate unavailable (fail safe)",
        _ => "other",
    }
}

impl Incident {
    /// The template's fields filled with what the beacons say: `(label,
    /// value)`, in the template's order; a field they cannot fill is the
    /// template's own text.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        TEMPLATE
            .iter()
            .map(|&(label, blank)| {
                let filled = self.first_off.and_then(|kill| match label {
                    "Incident Date" => Some(String::from(&iso(kill)[..10])),
                    "Rollback Method" => Some(self.method_text()),
                    "Time to Recovery" => Some(self.recovery_text(kill)),
                    "User Impact" => Some(self.impact_text()),
                    _ => None,
                });
                (label, filled.unwrap_or_else(|| String::from(blank)))
            })
            .collect()
    }

    /// The record as text: one `Label: value` line a field.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for (label, value) in self.fields() {
            s.push_str(label);
            s.push_str(": ");
            s.push_str(&value);
            s.push('\n');
        }
        s
    }

    fn method_text(&self) -> String {
        let mut s = String::new();
        for (i, (source, n)) in self.methods.iter().enumerate() {
            if i > 0 {
                s.push_str("; ");
            }
            s.push_str(method(source));
            s.push_str(" (source ");
            s.push_str(source);
            s.push_str(": ");
            sessions(&mut s, *n);
            s.push(')');
        }
        s
    }

    fn recovery_text(&self, kill: u64) -> String {
        let mut s = String::new();
        match self.recovered {
            Some(end) => {
                s.push_str(&duration(end - kill));
                s.push_str(" (from the first off decision, ");
                s.push_str(&iso(kill));
                s.push_str(", to the last off of a session that ran MAESTRO after it, ");
                s.push_str(&iso(end));
                s.push(')');
            }
            None => {
                s.push_str("not recovered: ");
                sessions(&mut s, self.still_on);
                s.push_str(if self.still_on == 1 { " still reports" } else { " still report" });
                s.push_str(" MAESTRO on (first off decision ");
                s.push_str(&iso(kill));
                s.push(')');
            }
        }
        s
    }

    fn impact_text(&self) -> String {
        let mut s = String::new();
        sessions(&mut s, self.impacted);
        s.push_str(" ran MAESTRO after the first off decision (");
        push_uint(&mut s, self.impacted - self.still_on);
        s.push_str(" turned off since, ");
        push_uint(&mut s, self.still_on);
        s.push_str(if self.still_on == 1 { " still reports on)" } else { " still report on)" });
        s
    }
}

/// `n sessions` (`1 session`).
fn sessions(out: &mut String, n: u64) {
    push_uint(out, n);
    out.push_str(if n == 1 { " session" } else { " sessions" });
}

/// A duration in the template's words: `42 seconds`, `3 minutes 10
/// seconds`, `2 hours 5 minutes`.
pub fn duration(ms: u64) -> String {
    let secs = ms / 1000;
    let mut s = String::new();
    let unit = |s: &mut String, n: u64, one: &str| {
        if !s.is_empty() {
            s.push(' ');
        }
        push_uint(s, n);
        s.push(' ');
        s.push_str(one);
        if n != 1 {
            s.push('s');
        }
    };
    if secs < 60 {
        unit(&mut s, secs, "second");
    } else if secs < 3600 {
        unit(&mut s, secs / 60, "minute");
        unit(&mut s, secs % 60, "second");
    } else {
        unit(&mut s, secs / 3600, "hour");
        unit(&mut s, secs / 60 % 60, "minute");
    }
    s
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `ms` since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (UTC).
pub fn iso(ms: u64) -> String {
    let secs = (ms / 1000) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // civil_from_days
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let mut s = String::new();
    let two = |s: &mut String, n: i64, width: usize, after: char| {
        let mut digits = String::new();
        push_uint(&mut digits, n.max(0) as u64);
        s.extend(core::iter::repeat_n('0', width.saturating_sub(digits.len())));
        s.push_str(&digits);
        s.push(after);
    };
    two(&mut s, y, 4, '-');
    two(&mut s, m, 2, '-');
    two(&mut s, d, 2, 'T');
    two(&mut s, rem / 3600, 2, ':');
    two(&mut s, rem / 60 % 60, 2, ':');
    two(&mut s, rem % 60, 2, 'Z');
    s
}

/// Why a `--since` is refused.
pub const SINCE_USAGE: &str = "expected a duration (30s, 15m, 2h, 1d: that long before now) \
    or a time (2026-01-31T09:30Z, 2026-01-31T09:30:00+01:00, 2026-01-31; UTC unless it says otherwise; \
    or milliseconds since the epoch)";

/// A `--since`: a duration before `now` (`30s`, `15m`, `2h`, `1d`), an ISO
/// 8601 time (`2026-01-31`, `2026-01-31T09:30`, `…:00Z`, `…+01:00`, with
/// an optional fraction of a second; UTC unless it names an offset) or
/// milliseconds since the epoch. In milliseconds since the epoch.
pub fn parse_since(text: &str, now: u64) -> Result<u64, &'static str> {
    let t = text.trim();
    let b = t.as_bytes();
    let digits = |s: &[u8]| !s.is_empty() && s.len() <= 15 && s.iter().all(u8::is_ascii_digit);
    let number = |s: &[u8]| s.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
    if let Some((&unit, n)) = b.split_last() {
        let per = match unit {
            b's' => Some(1_000),
            b'm' => Some(60_000),
            b'h' => Some(3_600_000),
            b'd' => Some(86_400_000),
            _ => None,
        };
        if let Some(per) = per.filter(|_| digits(n) && n.len() <= 9) {
            return Ok(now.saturating_sub(number(n) * per));
        }
    }
    if digits(b) && b.len() >= 10 {
        return Ok(number(b));
    }
    parse_time(b).ok_or(SINCE_USAGE)
}

/// An ISO 8601 date or time (see [`parse_since`]).
fn parse_time(b: &[u8]) -> Option<u64> {
    let num = |s: &[u8]| -> Option<i64> {
        (!s.is_empty() && s.iter().all(u8::is_ascii_digit))
            .then(|| s.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (num(&b[..4])?, num(&b[5..7])?, num(&b[8..10])?);
    let days_in = [
        31,
        if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || d < 1 || d > days_in[(m - 1) as usize] || y < 1970 {
        return None;
    }
    let mut ms = days_from_civil(y, m, d) * 86_400_000;
    let mut rest = &b[10..];
    if let Some((&sep, time)) = rest.split_first().filter(|(&c, _)| c == b'T' || c == b't' || c == b' ') {
        let _ = sep;
        if time.len() < 5 || time[2] != b':' {
            return None;
        }
        let (h, mi) = (num(&time[..2])?, num(&time[3..5])?);
        let mut sec = 0;
        let mut frac = 0;
        rest = &time[5..];
        if rest.first() == Some(&b':') {
            sec = num(rest.get(1..3)?)?;
            rest = &rest[3..];
            if rest.first() == Some(&b'.') {
                let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if n == 0 {
                    return None;
                }
                let f = &rest[1..1 + n];
                frac = num(&f[..n.min(3)])? * [100, 10, 1][n.min(3) - 1];
                rest = &rest[1 + n..];
            }
        }
        if h > 23 || mi > 59 || sec > 59 {
            return None;
        }
        ms += ((h * 60 + mi) * 60 + sec) * 1000 + frac;
        match rest {
            [] | [b'Z' | b'z'] => {}
            [sign @ (b'+' | b'-'), oh1, oh2, b':', om1, om2] => {
                let (oh, om) = (num(&[*oh1, *oh2])?, num(&[*om1, *om2])?);
                if oh > 23 || om > 59 {
                    return None;
                }
                let offset = (oh * 60 + om) * 60_000;
                ms += if *sign == b'+' { -offset } else { offset };
            }
            _ => return None,
        }
    } else if !rest.is_empty() {
        return None;
    }
    u64::try_from(ms).ok()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    const T: u64 = 1_767_258_000_000; // 2026-01-01T09:00:00Z

    fn b<'a>(event: &'a str, session: Option<&'a str>, enabled: bool, source: &'a str, at: u64) -> Beacon<'a> {
        Beacon { event, session, enabled, source, at, errors: None }
    }

    /// Three pages, two killed live (one by the flag, one by the remote
    /// document), one left on; a page loaded after the kill starts off.
    fn three_pages(since: Option<u64>) -> Sessions {
        let mut s = Sessions::new(since);
        let (a, bb, c, d) = (Some("session-aaaa"), Some("session-bbbb"), Some("session-cccc"), Some("session-dddd"));
        s.add(&b("start", a, true, "default", T));
        s.add(&b("start", bb, true, "default", T + 1_000));
        s.add(&b("start", c, true, "default", T + 2_000));
        s.add(&b("change", a, false, "window.MAESTRO_ENABLED", T + 60_000));
        s.add(&b("change", bb, false, "remote", T + 190_000));
        s.add(&b("cleanup", bb, false, "remote", T + 191_000));
        s.add(&Beacon { errors: Some(3), ..b("start", d, false, "remote", T + 200_000) });
        // Old-format beacons: no session id.
        s.add(&b("start", None, true, "default", T + 5_000));
        s.add(&b("start", Some("bad id"), true, "default", T + 5_000));
        s
    }

    #[test]
    fn sessions_are_counted_by_their_latest_decision() {
        let s = three_pages(None);
        let c = s.counts();
        assert_eq!((c.total, c.enabled, c.disabled, c.without_id), (4, 1, 3, 2));
        assert_eq!(
            c.by_source,
            [
                (false, String::from("remote"), 2),
                (false, String::from("window.MAESTRO_ENABLED"), 1),
                (true, String::from("default"), 1)
            ]
        );
        assert_eq!(c.ran_after_since, None);
        assert_eq!(s.summary.reports, 9);
        // Latest by `at`, whatever the order of the lines.
        let mut r = Sessions::new(None);
        r.add(&b("change", Some("session-xxxx"), false, "guard", T + 10));
        r.add(&b("start", Some("session-xxxx"), true, "default", T));
        assert_eq!((r.counts().enabled, r.counts().disabled), (0, 1));
        // Not a beacon: skipped.
        r.add(&b("launch", Some("session-yyyy"), true, "default", T));
        r.add(&b("start", Some("session-yyyy"), true, "a b", T));
        assert_eq!((r.counts().total, r.summary.skipped), (1, 2));
    }

    #[test]
    fn since_counts_the_sessions_that_ran_maestro_after_it() {
        // After T + 30 s: a, b and c ran (a turned off at +60 s); d never did.
        let c = three_pages(Some(T + 30_000)).counts();
        assert_eq!((c.total, c.enabled, c.disabled, c.ran_after_since), (4, 1, 3, Some(3)));
        // After T + 120 s: a ended off before it and said nothing since.
        let s = three_pages(Some(T + 120_000));
        let c = s.counts();
        assert_eq!((c.total, c.enabled, c.disabled, c.ran_after_since), (3, 1, 2, Some(2)));
        assert_eq!(s.summary.reports, 3, "the beacons since then");
        assert!(s.text().contains("sessions that still ran MAESTRO after 2026-01-01T09:02:00Z: 2\n"), "{}", s.text());
    }

    #[test]
    fn the_incident_record() {
        let i = three_pages(None).incident();
        assert_eq!(i.first_off, Some(T + 60_000));
        assert_eq!(i.methods, [(String::from("remote"), 2), (String::from("window.MAESTRO_ENABLED"), 1)]);
        assert_eq!((i.impacted, i.still_on, i.recovered), (2, 1, None));
        let text = i.text();
        assert_eq!(
            text,
            "Incident Date: 2026-01-01\n\
             Rollback Trigger: [Brief description]\n\
             Rollback Method: remote health document (maestro_enabled: false) (source remote: 2 sessions); \
             runtime flag window.MAESTRO_ENABLED (source window.MAESTRO_ENABLED: 1 session)\n\
             Time to Recovery: not recovered: 1 session still reports MAESTRO on (first off decision 2026-01-01T09:01:00Z)\n\
             User Impact: 2 sessions ran MAESTRO after the first off decision (1 turned off since, 1 still reports on)\n\
             Root Cause: [What went wrong]\n\
             Prevention: [How to avoid in future]\n"
        );
        // The last one turns off: recovered when it did.
        let mut s = three_pages(None);
        s.add(&b("change", Some("session-cccc"), false, "remote", T + 250_000));
        let i = s.incident();
        assert_eq!((i.impacted, i.still_on, i.recovered), (2, 0, Some(T + 250_000)));
        assert!(i.text().contains("Time to Recovery: 3 minutes 10 seconds (from the first off decision, 2026-01-01T09:01:00Z, to the last off of a session that ran MAESTRO after it, 2026-01-01T09:04:10Z)\n"), "{}", i.text());
        // No off since then: the template as it is.
        let none = three_pages(Some(T + 300_000)).incident();
        assert_eq!(none.first_off, None);
        let template: String = TEMPLATE.iter().map(|(l, v)| [l, ": ", v, "\n"].concat()).collect();
        assert_eq!(none.text(), template);
    }

    #[test]
    fn the_timeline_and_the_cohorts() {
        let s = three_pages(None);
        let points = s.timeline(4); // 50 s each, from T to T + 200 s
        assert_eq!(points.len(), 4);
        assert_eq!(points.iter().map(|p| (p.on, p.off)).collect::<Vec<_>>(), [(3, 0), (2, 1), (2, 1), (1, 3)]);
        assert_eq!(points[3].at, T + 200_000);
        assert_eq!((points[3].errors_on, points[3].errors_off), (0, 3));
        let (on, off) = s.cohorts();
        assert_eq!((on, off), (Cohort { sessions: 1, errors: 0 }, Cohort { sessions: 3, errors: 3 }));
        assert!(Sessions::new(None).timeline(10).is_empty());
    }

    #[test]
    fn times_and_durations() {
        assert_eq!(iso(T), "2026-01-01T09:00:00Z");
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(951_782_400_000), "2000-02-29T00:00:00Z");
        let now = T + 3_600_000;
        for (text, want) in [
            ("2026-01-01T09:00Z", T),
            ("2026-01-01T09:00:00Z", T),
            ("2026-01-01T09:00:00.250Z", T + 250),
            ("2026-01-01t09:00:00.25", T + 250),
            ("2026-01-01 10:00:00+01:00", T),
            ("2026-01-01T08:30-00:30", T),
            ("2026-01-01", T - 9 * 3_600_000),
            ("1h", T),
            ("30m", T + 1_800_000),
            ("90s", now - 90_000),
            ("1d", now - 86_400_000),
            ("1767258000000", T),
        ] {
            assert_eq!(parse_since(text, now), Ok(want), "{text}");
        }
        for bad in
            ["", "yesterday", "2026-13-01", "2026-02-30", "2026-01-01T25:00", "2026-01-01T09:00+1", "-5m", "5 m", "12"]
        {
            assert_eq!(parse_since(bad, now), Err(SINCE_USAGE), "{bad}");
        }
        assert_eq!(duration(42_000), "42 seconds");
        assert_eq!(duration(190_000), "3 minutes 10 seconds");
        assert_eq!(duration(60_000), "1 minute 0 seconds");
        assert_eq!(duration(7_500_000), "2 hours 5 minutes");
    }
}
