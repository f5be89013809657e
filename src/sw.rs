//! The Service Worker guard (`maestro-gate/sw`): which requests it guards
//! (`block`), the answer it holds (`Latch`: the most restrictive one it has
//! heard, off latched until every page has reloaded and said on), and what
//! it answers a blocked request (`body`, `line`). The worker's glue and its
//! wasm (`crates/sw`) only carry these out.
//!
//! Nothing here is on a page's decision path: only the worker loads it.

use alloc::string::String;

use crate::flag;
use crate::poll::{self, Rollout, Says};
use crate::report;

/// One entry of `block`, as the guard reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Block<'a> {
    /// A path prefix (`/maestro/`): the origin's URLs whose path starts with it.
    Path(&'a str),
    /// A URL prefix (`https://api.example.com/maestro/`): the URLs that start with it.
    Url(&'a str),
    /// A `URLPattern` string (`/maestro/*.js`, `https://*.example.com/maestro/*`),
    /// matched by the worker's `URLPattern` against the origin.
    Pattern(&'a str),
    /// Not an entry (empty, blank, or a relative path): ignored, with a warning.
    Invalid,
}

/// The characters of `URLPattern`'s syntax: an entry with one of them (after
/// a URL's scheme) is a pattern, not a prefix.
fn has_pattern_syntax(s: &str) -> bool {
    s.bytes().any(|b| matches!(b, b'*' | b':' | b'(' | b')' | b'{' | b'}' | b'?' | b'+' | b'\\'))
}

/// The same for what follows a URL's scheme: a port (`:8080`) is not syntax.
fn url_has_pattern_syntax(rest: &str) -> bool {
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = match host.rsplit_once(':') {
        Some((name, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    has_pattern_syntax(host) || has_pattern_syntax(path)
}

/// What one `block` entry is.
pub fn block(entry: &str) -> Block<'_> {
    let rest = entry.strip_prefix("https://").or_else(|| entry.strip_prefix("http://"));
    match rest {
        Some(rest) if !rest.is_empty() && !url_has_pattern_syntax(rest) => Block::Url(entry),
        Some(rest) if !rest.is_empty() => Block::Pattern(entry),
        Some(_) => Block::Invalid,
        None if !entry.starts_with('/') => Block::Invalid,
        None if has_pattern_syntax(entry) => Block::Pattern(entry),
        None => Block::Path(entry),
    }
}

/// Whether `url` (a request's absolute URL) matches a prefix entry, the
/// worker's origin being `origin` (`http://127.0.0.1:8080`, no slash).
pub fn prefix_matches(entry: &Block, origin: &str, url: &str) -> bool {
    match entry {
        Block::Path(prefix) => url.strip_prefix(origin).is_some_and(|path| path.starts_with(prefix)),
        Block::Url(prefix) => url.starts_with(prefix),
        Block::Pattern(_) | Block::Invalid => false,
    }
}

/// The warning for an entry that is not one (`Block::Invalid`).
pub fn invalid_entry(entry: &str) -> String {
    let mut line = String::from("Service Worker guard: ignoring block entry ");
    report_string(&mut line, entry, 200);
    line.push_str(
        ": a path prefix starts with /, a URL prefix with http:// or https://, anything else is a URLPattern string",
    );
    line
}

/// The warning for a pattern the worker cannot match (no `URLPattern`, or
/// one that does not parse): it blocks nothing.
pub fn unmatchable(entry: &str, why: &str) -> String {
    let mut line = String::from("Service Worker guard: the pattern ");
    report_string(&mut line, entry, 200);
    line.push_str(" blocks nothing: ");
    line.push_str(&flag::printable(why));
    line
}

fn report_string(out: &mut String, s: &str, max: usize) {
    report::json_string_into(out, s, max);
}

/// What the guard answers, as it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Nothing heard yet (a new worker with no page, no poll and nothing kept).
    Unknown,
    /// On: the last answer, and nothing says off.
    On,
    /// Off, latched, with its reason.
    Off(String),
}

/// What a hearing changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Nothing.
    None,
    /// On (or unknown) to off: the worker notes the pages open now, which
    /// must all have reloaded (or closed) before an on counts.
    Latched,
    /// Unknown or off to on.
    Lifted,
}

impl Change {
    /// The number the glue is handed for this change.
    pub fn code(self) -> u8 {
        match self {
            Change::None => 0,
            Change::Latched => 1,
            Change::Lifted => 2,
        }
    }
}

/// The reason while `startBlocked` holds and nothing has been heard.
pub const START_BLOCKED: &str =
    "Disabled until the Service Worker guard hears an answer (startBlocked: no page, poll or kept answer yet)";
/// The reason of an off a page told (a bare `false` on the channel).
pub const PAGE_OFF: &str = "Disabled by a page of this origin: its gate decided off";

/// The reason of an exception inside the guard, when the last answer was not on.
pub fn failed(why: &str) -> String {
    let mut reason = String::from("Disabled (fail safe): the Service Worker guard failed: ");
    reason.push_str(&flag::printable(why));
    reason
}

/// The guard's answer: the most restrictive it has heard. Off latches: only
/// a page's on, heard once every page open at the off has gone (reloaded or
/// closed), lifts it, and only while the worker's own poll does not say off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Latch {
    answer: Answer,
    /// The worker's own poll said off at its last answer.
    document_off: bool,
    /// While off: a page said on since (a page tells its decision at its
    /// load and when it turns off, so an on is a page loaded after the off).
    on_heard: bool,
}

impl Default for Latch {
    fn default() -> Self {
        Latch::new()
    }
}

impl Latch {
    /// A latch that has heard nothing yet.
    pub fn new() -> Latch {
        Latch { answer: Answer::Unknown, document_off: false, on_heard: false }
    }

    /// The answer it holds.
    pub fn answer(&self) -> &Answer {
        &self.answer
    }

    fn off(&mut self, reason: String) -> Change {
        match self.answer {
            Answer::Off(_) => Change::None,
            _ => {
                self.answer = Answer::Off(reason);
                self.on_heard = false;
                Change::Latched
            }
        }
    }

    /// A page's decision. `reloaded`: no page that was open when the guard
    /// latched off is open any more. An off heard while off latches again:
    /// the pages open now must go too, and an on heard before it no longer
    /// counts.
    pub fn page(&mut self, enabled: bool, reloaded: bool) -> Change {
        if !enabled {
            if let Answer::Off(_) = self.answer {
                self.on_heard = false;
                return Change::Latched;
            }
            return self.off(String::from(PAGE_OFF));
        }
        match self.answer {
            Answer::On => Change::None,
            Answer::Off(_) if !reloaded || self.document_off => {
                self.on_heard = true;
                Change::None
            }
            Answer::Unknown if self.document_off => Change::None,
            _ => {
                self.answer = Answer::On;
                Change::Lifted
            }
        }
    }

    /// Whether the guard is off and a page has said on since: the worker
    /// asks again whether the pages open at the off have gone (`gone`)
    /// before it answers a request that matches.
    pub fn waits_for_reloads(&self) -> bool {
        matches!(self.answer, Answer::Off(_)) && self.on_heard
    }

    /// Every page open at the off has gone: an on heard since lifts the off
    /// (unless the worker's own poll says off).
    pub fn gone(&mut self) -> Change {
        if self.waits_for_reloads() && !self.document_off {
            self.answer = Answer::On;
            self.on_heard = false;
            return Change::Lifted;
        }
        Change::None
    }

    /// The worker's own poll of `url` read a document.
    pub fn document(&mut self, url: &str, said: &Said) -> Change {
        match said {
            Said::On => {
                self.document_off = false;
                // An on never lifts an off; it answers a guard that knew nothing.
                if self.answer == Answer::Unknown {
                    self.answer = Answer::On;
                    return Change::Lifted;
                }
                Change::None
            }
            Said::Off => {
                self.document_off = true;
                self.off(flag::remote_off_reason(&String::from(url)))
            }
            Said::RolloutZero => {
                self.document_off = true;
                let mut reason = String::from("Disabled by remote ");
                reason.push_str(url);
                reason.push_str(": rollout 0 (no browser is within 0%)");
                self.off(reason)
            }
            Said::FailSafe(why) => {
                self.document_off = true;
                let mut reason = String::from("Disabled (fail safe): remote ");
                reason.push_str(url);
                reason.push_str(": ");
                reason.push_str(why);
                self.off(reason)
            }
        }
    }

    /// The reason a request that matches `block` is answered 503, or `None`
    /// when it goes to the network untouched.
    pub fn blocking(&self, start_blocked: bool) -> Option<&str> {
        match &self.answer {
            Answer::Off(reason) => Some(reason),
            Answer::Unknown if start_blocked => Some(START_BLOCKED),
            _ => None,
        }
    }

    /// After an exception inside the guard: whether the request may go to
    /// the network. Only when the last answer was on: when the guard was
    /// letting requests through (on, or nothing heard without
    /// `startBlocked`); otherwise it is answered 503.
    pub fn passes_on_error(&self, start_blocked: bool) -> bool {
        self.blocking(start_blocked).is_none()
    }

    /// Adds what a worker kept before a restart (`restore`d): the more
    /// restrictive of the two answers stands.
    pub fn merge(&mut self, kept: Latch) {
        self.document_off |= kept.document_off;
        match (&self.answer, kept.answer) {
            (Answer::Off(_), _) => {}
            (_, Answer::Off(reason)) => {
                self.answer = Answer::Off(reason);
                self.on_heard = kept.on_heard;
            }
            (Answer::Unknown, kept) => self.answer = kept,
            (Answer::On, _) => {}
        }
    }

    /// What the worker keeps across its restarts (the browser stops an
    /// idle worker): `on`, `off <reason>`, or empty.
    pub fn snapshot(&self) -> String {
        let mut s = String::from(match self.answer {
            Answer::Unknown => "",
            Answer::On => "on",
            Answer::Off(_) => "off ",
        });
        if let Answer::Off(reason) = &self.answer {
            s.push_str(reason);
        }
        if self.on_heard {
            s.insert_str(0, "on-heard\n");
        }
        if self.document_off {
            s.insert_str(0, "document-off\n");
        }
        s
    }

    /// The latch `snapshot` wrote; anything else is a guard that knows nothing.
    pub fn restore(snapshot: &str) -> Latch {
        let (document_off, rest) = match snapshot.strip_prefix("document-off\n") {
            Some(rest) => (true, rest),
            None => (false, snapshot),
        };
        let (on_heard, rest) = match rest.strip_prefix("on-heard\n") {
            Some(rest) => (true, rest),
            None => (false, rest),
        };
        let answer = match rest {
            "on" => Answer::On,
            _ => match rest.strip_prefix("off ") {
                Some(reason) => Answer::Off(String::from(reason)),
                None => Answer::Unknown,
            },
        };
        let on_heard = on_heard && matches!(answer, Answer::Off(_));
        Latch { answer, document_off, on_heard }
    }
}

/// What a health document said, for the worker (it has no bucket: a
/// partial `rollout` is the pages' to apply, and they tell the worker).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Said {
    /// It said on.
    On,
    /// It said off.
    Off,
    /// `"rollout": 0`: no browser is in.
    RolloutZero,
    /// An invalid `maestro_enabled` or `rollout`: fails safe.
    FailSafe(String),
}

/// A document's `maestro_enabled` (`says`) and `rollout`, as the poll reads
/// them (`poll::says`, `poll::rollout`), for the worker. `why`: the
/// fail-safe sentence the reader wrote for an invalid value.
pub fn said(says: Says, rollout: Rollout, why: &str) -> Option<Said> {
    Some(match (says, rollout) {
        (Says::Garbage, _) => return None,
        (Says::Invalid, _) | (_, Rollout::Invalid) => Said::FailSafe(String::from(why)),
        (Says::Off, _) => Said::Off,
        (Says::On, Rollout::Percent(0)) => Said::RolloutZero,
        (Says::On, _) => Said::On,
    })
}

/// The body of a blocked request's 503: `{"maestro_enabled":false,"reason":…}`.
pub fn body(reason: &str) -> String {
    let mut out = String::from("{\"maestro_enabled\":false,\"reason\":");
    report::json_string_into(&mut out, reason, 1024);
    out.push('}');
    out
}

/// The longest URL a line shows (then cut, with `…`).
pub const SHOWN_URL: usize = 300;

/// The console line for a blocked URL, once per URL:
/// `[MAESTRO] Blocked by the Service Worker guard: <url> (<reason>)`.
pub fn line(url: &str, reason: &str) -> String {
    let mut line = String::from("[MAESTRO] Blocked by the Service Worker guard: ");
    let shown = flag::printable(url);
    match shown.char_indices().nth(SHOWN_URL) {
        Some((cut, _)) => {
            line.push_str(&shown[..cut]);
            line.push('…');
        }
        None => line.push_str(&shown),
    }
    line.push_str(" (");
    line.push_str(&flag::printable(reason));
    line.push(')');
    line
}

/// The poll's interval, as the pages' poll has it.
pub fn interval(poll_ms: Option<f64>) -> f64 {
    poll::interval(poll_ms)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn entries() {
        assert_eq!(block("/maestro/"), Block::Path("/maestro/"));
        assert_eq!(block("/maestro-chunk"), Block::Path("/maestro-chunk"));
        assert_eq!(block("https://api.example.com/maestro/"), Block::Url("https://api.example.com/maestro/"));
        assert_eq!(
            block("http://127.0.0.1:8080/x"),
            Block::Url("http://127.0.0.1:8080/x"),
            "a port is no pattern syntax"
        );
        assert_eq!(block("http://127.0.0.1:*/x"), Block::Pattern("http://127.0.0.1:*/x"));
        assert_eq!(block("/maestro/*.js"), Block::Pattern("/maestro/*.js"));
        assert_eq!(block("/api/:id"), Block::Pattern("/api/:id"));
        assert_eq!(block("https://*.example.com/*"), Block::Pattern("https://*.example.com/*"));
        assert_eq!(block(""), Block::Invalid);
        assert_eq!(block("maestro/"), Block::Invalid);
        assert_eq!(block("https://"), Block::Invalid);
    }

    #[test]
    fn prefixes() {
        let o = "http://127.0.0.1:8080";
        let p = block("/maestro/");
        assert!(prefix_matches(&p, o, "http://127.0.0.1:8080/maestro/chunk.js"));
        assert!(prefix_matches(&p, o, "http://127.0.0.1:8080/maestro/"));
        assert!(!prefix_matches(&p, o, "http://127.0.0.1:8080/maestro"));
        assert!(!prefix_matches(&p, o, "http://127.0.0.1:8080/app/maestro/x"));
        assert!(!prefix_matches(&p, o, "http://127.0.0.1:8081/maestro/x"), "another origin");
        assert!(!prefix_matches(&p, o, "http://127.0.0.1:80800/maestro/x"));
        let u = block("https://api.example.com/maestro/");
        assert!(prefix_matches(&u, o, "https://api.example.com/maestro/run"));
        assert!(!prefix_matches(&u, o, "https://api.example.com/other"));
        assert!(!prefix_matches(&block("/a/*"), o, "http://127.0.0.1:8080/a/b"), "patterns are the worker's");
    }

    #[test]
    fn off_latches_until_the_pages_reloaded_and_said_on() {
        let mut l = Latch::new();
        assert_eq!(l.blocking(false), None);
        assert_eq!(l.blocking(true), Some(START_BLOCKED));
        assert!(l.passes_on_error(false), "nothing heard: the guard lets requests through");
        assert!(!l.passes_on_error(true), "nothing heard, startBlocked: it does not");
        assert_eq!(l.page(true, true), Change::Lifted);
        assert!(l.passes_on_error(false));
        assert_eq!(l.page(false, false), Change::Latched);
        assert_eq!(l.blocking(false), Some(PAGE_OFF));
        assert!(!l.passes_on_error(false));
        assert_eq!(l.page(false, false), Change::Latched, "latched again: the pages open now must go too");
        assert_eq!(l.page(true, false), Change::None, "a page open at the off has not reloaded");
        assert_eq!(l.document("/h", &Said::On), Change::None, "a document's on never lifts an off");
        assert_eq!(l.page(true, true), Change::Lifted);
        assert_eq!(l.blocking(true), None);
    }

    #[test]
    fn an_on_heard_before_the_pages_went_lifts_once_they_have() {
        let mut l = Latch::new();
        l.page(false, false);
        assert!(!l.waits_for_reloads());
        assert_eq!(l.gone(), Change::None, "no page said on");
        assert_eq!(l.page(true, false), Change::None);
        assert!(l.waits_for_reloads());
        assert_eq!(Latch::restore(&l.snapshot()), l);
        assert_eq!(l.page(false, false), Change::Latched, "a new off: the pages open now must go too");
        assert!(!l.waits_for_reloads());
        l.page(true, false);
        assert_eq!(l.gone(), Change::Lifted);
        assert!(l.passes_on_error(false));
        let mut l = Latch::new();
        l.document("/h", &Said::Off);
        l.page(true, false);
        assert_eq!(l.gone(), Change::None, "the document says off");
    }

    #[test]
    fn the_own_poll() {
        let mut l = Latch::new();
        assert_eq!(l.document("/h", &Said::On), Change::Lifted);
        assert_eq!(l.document("/h", &Said::Off), Change::Latched);
        assert_eq!(l.blocking(false), Some("Disabled by remote /h: maestro_enabled=false"));
        assert_eq!(l.page(true, true), Change::None, "the document still says off");
        assert_eq!(l.document("/h", &Said::On), Change::None);
        assert_eq!(l.page(true, true), Change::Lifted);
        let mut l = Latch::new();
        l.document("/h", &Said::FailSafe(String::from("invalid maestro_enabled=\"flase\"")));
        assert_eq!(l.blocking(false), Some("Disabled (fail safe): remote /h: invalid maestro_enabled=\"flase\""));
        let mut l = Latch::new();
        l.document("/h", &Said::RolloutZero);
        assert!(l.blocking(false).is_some_and(|r| r.contains("rollout 0")));
    }

    #[test]
    fn what_a_document_says() {
        assert_eq!(said(Says::Garbage, Rollout::Unset, ""), None);
        assert_eq!(said(Says::On, Rollout::Unset, ""), Some(Said::On));
        assert_eq!(said(Says::On, Rollout::Percent(25), ""), Some(Said::On), "partial: the pages' to apply");
        assert_eq!(said(Says::On, Rollout::Percent(0), ""), Some(Said::RolloutZero));
        assert_eq!(said(Says::Off, Rollout::Percent(100), ""), Some(Said::Off));
        assert_eq!(said(Says::On, Rollout::Invalid, "x"), Some(Said::FailSafe(String::from("x"))));
        assert_eq!(said(Says::Invalid, Rollout::Unset, "y"), Some(Said::FailSafe(String::from("y"))));
    }

    #[test]
    fn snapshots_round_trip() {
        let mut l = Latch::new();
        assert_eq!(Latch::restore(&l.snapshot()), l);
        l.page(true, true);
        assert_eq!(Latch::restore(&l.snapshot()), l);
        l.document("/h", &Said::Off);
        assert_eq!(Latch::restore(&l.snapshot()), l);
        let mut l = Latch::new();
        l.page(false, true);
        assert_eq!(Latch::restore(&l.snapshot()), l);
        assert_eq!(Latch::restore("garbage"), Latch::new());
    }

    #[test]
    fn a_kept_answer_merges_restrictively() {
        let off = Latch::restore("off x");
        let mut l = Latch::new();
        l.page(true, true);
        l.merge(off.clone());
        assert_eq!(l.blocking(false), Some("x"));
        let mut l = Latch::new();
        l.merge(Latch::restore("on"));
        assert!(l.passes_on_error(false));
        let mut l = Latch::restore("off y");
        l.merge(Latch::restore("off x"));
        assert_eq!(l.blocking(false), Some("y"), "the first off's reason stands");
    }

    #[test]
    fn the_answer() {
        assert_eq!(body("Disabled by \"x\"\n"), "{\"maestro_enabled\":false,\"reason\":\"Disabled by \\\"x\\\"\\n\"}");
        let v: serde_json::Value = serde_json::from_str(&body(PAGE_OFF)).unwrap();
        assert_eq!(v["maestro_enabled"], false);
        assert_eq!(v["reason"], PAGE_OFF);
        assert_eq!(
            line("http://a/m.js\u{1b}[2J", PAGE_OFF),
            "[MAESTRO] Blocked by the Service Worker guard: http://a/m.js\\u001b[2J (Disabled by a page of this origin: its gate decided off)"
        );
        let long = "x".repeat(400);
        assert!(line(&long, "r").contains(&("x".repeat(SHOWN_URL) + "… (r)")));
        assert!(failed("boom\n").ends_with("boom\\u000a"));
        assert!(invalid_entry("maestro/").contains("\"maestro/\""));
    }
}
