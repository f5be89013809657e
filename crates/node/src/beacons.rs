//! Reading files of decision beacons, one JSON document a line, as they
//! stream in (`maestro-gate report-summary`, `incident`), and checking one
//! beacon's body before a receiver appends it (`maestro-gate collect`, the
//! Vite plugin in `vite dev` and `vite preview`). Pure Rust: what is
//! counted, and how, is `maestro_gate::sessions`.

use std::borrow::Cow;

use maestro_gate::report::MAX_BYTES;
use maestro_gate::sessions::{Beacon, Sessions};
use serde::Deserialize;

/// The longest line read (bytes): far more than any beacon
/// ([`MAX_BYTES`]); a longer one is skipped without being kept.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// The fields of a beacon that are read; any other field is ignored. A
/// line without `event`, `enabled` and `source`, or with a field of another
/// type, or a field twice, is not a beacon.
#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    event: Cow<'a, str>,
    #[serde(default, borrow)]
    session: Option<Cow<'a, str>>,
    enabled: bool,
    #[serde(borrow)]
    source: Cow<'a, str>,
    #[serde(default)]
    at: Option<f64>,
    #[serde(default)]
    guard: Option<Guard>,
}

#[derive(Deserialize)]
struct Guard {
    #[serde(default)]
    errors: Option<f64>,
}

/// A whole number from 0 to `max`, else `None`.
fn whole(n: f64, max: f64) -> Option<u64> {
    (n.is_finite() && n >= 0.0 && n <= max).then_some(n as u64)
}

/// Counts one line (without its newline) into `sessions`: a beacon, or a
/// skipped line (blank, not JSON, not a beacon).
pub fn read_line(line: &[u8], sessions: &mut Sessions) {
    let line = line.trim_ascii();
    let parsed = if line.is_empty() { None } else { serde_json::from_slice::<Line>(line).ok() };
    let Some(l) = parsed else { return sessions.skip() };
    sessions.add(&Beacon {
        event: &l.event,
        session: l.session.as_deref(),
        enabled: l.enabled,
        source: &l.source,
        at: l.at.and_then(|t| whole(t, 1e15)).unwrap_or(0),
        errors: l.guard.and_then(|g| g.errors).and_then(|e| whole(e, f64::from(u32::MAX))).map(|e| e as u32),
    });
}

/// The lines of a stream of chunks: a line cut between two chunks is read
/// whole; a line longer than [`MAX_LINE_BYTES`] is skipped.
#[derive(Default)]
pub struct Reader {
    pub sessions: Sessions,
    rest: Vec<u8>,
    /// The current line has grown past the cap: skip it at its end.
    overlong: bool,
}

impl Reader {
    pub fn new(since: Option<u64>) -> Reader {
        Reader { sessions: Sessions::new(since), ..Reader::default() }
    }

    /// Reads the complete lines of `chunk` (after what the last chunk left).
    pub fn push(&mut self, chunk: &[u8]) {
        let mut rest = chunk;
        while let Some(i) = rest.iter().position(|&b| b == b'\n') {
            let (line, after) = (&rest[..i], &rest[i + 1..]);
            if self.overlong {
                self.sessions.skip();
                self.overlong = false;
            } else if self.rest.is_empty() {
                read_line(line, &mut self.sessions);
            } else if self.rest.len() + line.len() > MAX_LINE_BYTES {
                self.sessions.skip();
            } else {
                let mut whole = std::mem::take(&mut self.rest);
                whole.extend_from_slice(line);
                read_line(&whole, &mut self.sessions);
                whole.clear();
                self.rest = whole;
            }
            self.rest.clear();
            rest = after;
        }
        if !self.overlong {
            if self.rest.len() + rest.len() > MAX_LINE_BYTES {
                self.overlong = true;
                self.rest = Vec::new();
            } else {
                self.rest.extend_from_slice(rest);
            }
        }
    }

    /// The end of a file: its last line, if it has no newline, is a line.
    pub fn end_file(&mut self) {
        if self.overlong {
            self.sessions.skip();
        } else if !self.rest.is_empty() {
            let line = std::mem::take(&mut self.rest);
            read_line(&line, &mut self.sessions);
        }
        self.overlong = false;
        self.rest.clear();
    }
}

/// Why a receiver refuses a body.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// Longer than a beacon can be ([`MAX_BYTES`]): HTTP 413.
    TooLarge,
    /// Not a beacon document: HTTP 400.
    NotABeacon,
}

impl Refused {
    pub fn status(&self) -> u16 {
        match self {
            Refused::TooLarge => 413,
            Refused::NotABeacon => 400,
        }
    }

    pub fn why(&self) -> &'static str {
        match self {
            Refused::TooLarge => "longer than a beacon (1024 bytes)",
            Refused::NotABeacon => "not a beacon document (JSON with event, enabled and source)",
        }
    }
}

/// A beacon's body as the one line a receiver appends to its file (its
/// whitespace newlines made spaces: a JSON document has no other), or why
/// it is refused.
pub fn beacon_line(body: &[u8]) -> Result<String, Refused> {
    if body.len() > MAX_BYTES {
        return Err(Refused::TooLarge);
    }
    let text = core::str::from_utf8(body).map_err(|_| Refused::NotABeacon)?.trim();
    let line: Line = serde_json::from_str(text).map_err(|_| Refused::NotABeacon)?;
    if maestro_gate::report::Event::parse(&line.event).is_none() || !maestro_gate::report::is_name(&line.source) {
        return Err(Refused::NotABeacon);
    }
    Ok(text.replace(['\n', '\r'], " "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = r#"{"event":"start","session":"session-aaaa","version":"0.1.0","enabled":true,"source":"default","reason":"Enabled (default)","rollout":null,"guard":null,"cleanup":null,"at":1767258000000}"#;
    const B: &str = r#"{"event":"change","session":"session-aaaa","enabled":false,"source":"remote","guard":{"errors":2},"at":1767258060000}"#;

    #[test]
    fn lines_cut_anywhere_read_the_same() {
        let text =
            [A, "", "not json", B, r#"{"event":"start","enabled":true,"source":"default","source":"x"}"#, A].join("\n");
        let mut whole = Reader::new(None);
        whole.push(text.as_bytes());
        whole.end_file();
        let counts = whole.sessions.counts();
        assert_eq!((counts.total, counts.disabled), (1, 1));
        assert_eq!(
            (whole.sessions.summary.reports, whole.sessions.summary.skipped),
            (3, 3),
            "a key twice is no beacon"
        );
        for cut in 1..text.len() {
            let mut r = Reader::new(None);
            r.push(&text.as_bytes()[..cut]);
            r.push(&text.as_bytes()[cut..]);
            r.end_file();
            assert_eq!(r.sessions.counts(), counts, "cut at {cut}");
            assert_eq!(r.sessions.summary, whole.sessions.summary, "cut at {cut}");
        }
    }

    #[test]
    fn a_huge_line_is_skipped_not_kept() {
        let mut r = Reader::new(None);
        let huge = vec![b'x'; MAX_LINE_BYTES / 3];
        for _ in 0..10 {
            r.push(&huge);
        }
        assert!(r.rest.is_empty());
        r.push(b"\n");
        r.push(A.as_bytes());
        r.end_file();
        assert_eq!((r.sessions.summary.reports, r.sessions.summary.skipped), (1, 1));
        // The same at the end of a file.
        r.push(&vec![b'y'; MAX_LINE_BYTES + 1]);
        r.end_file();
        assert_eq!(r.sessions.summary.skipped, 2);
    }

    #[test]
    fn a_receiver_takes_beacons_only() {
        assert_eq!(beacon_line(A.as_bytes()).as_deref(), Ok(A));
        let pretty = "{\n  \"event\": \"start\",\r\n  \"enabled\": true, \"source\": \"default\"\n}\n";
        assert_eq!(
            beacon_line(pretty.as_bytes()).as_deref(),
            Ok("{   \"event\": \"start\",    \"enabled\": true, \"source\": \"default\" }")
        );
        for bad in [
            "",
            "{}",
            "[1]",
            "not json",
            r#"{"event":"launch","enabled":true,"source":"default"}"#,
            r#"{"event":"start","enabled":true,"source":"a b"}"#,
        ] {
            assert_eq!(beacon_line(bad.as_bytes()), Err(Refused::NotABeacon), "{bad}");
        }
        assert_eq!(beacon_line(&[0xff, 0xfe]), Err(Refused::NotABeacon));
        let long = format!(
            "{{\"event\":\"start\",\"enabled\":true,\"source\":\"default\",\"x\":\"{}\"}}",
            "a".repeat(MAX_BYTES)
        );
        assert_eq!(beacon_line(long.as_bytes()), Err(Refused::TooLarge));
        assert_eq!((Refused::TooLarge.status(), Refused::NotABeacon.status()), (413, 400));
    }
}
