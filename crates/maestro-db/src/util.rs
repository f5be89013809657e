//! Small helpers with no database in them: the failure type, durations and
//! sizes on the command line, SQL quoting and UTC timestamps.

use std::time::{SystemTime, UNIX_EPOCH};

/// MAESTRO's tables, in the runbook's order, with the runbook's inert comments
/// ("DB Migration Notes > Inert Tables Strategy").
pub const TABLES: [(&str, &str); 3] = [
    ("maestro_execution_receipts", "INERT: MAESTRO disabled - safe to drop"),
    ("maestro_sync_store", "INERT: MAESTRO disabled - safe to drop"),
    ("maestro_audit_logs", "INERT: MAESTRO disabled - safe to truncate"),
];
/// MAESTRO's function ("Phase 3: Database Cleanup").
pub const FUNCTION: &str = "maestro_claim_receipt";
/// The table the runbook's verification query reads.
pub const AUDIT_LOGS: &str = "maestro_audit_logs";

/// Why a command stopped: the message for stderr and the exit code
/// (1 for an error, 2 for a usage error).
#[derive(Debug)]
pub struct Fail {
    pub code: i32,
    pub msg: String,
}

impl Fail {
    pub fn new(msg: impl Into<String>) -> Fail {
        Fail { code: 1, msg: msg.into() }
    }
    pub fn usage(msg: impl Into<String>) -> Fail {
        Fail { code: 2, msg: msg.into() }
    }
    /// The same failure with a sentence added (what was and was not done).
    pub fn also(mut self, more: impl AsRef<str>) -> Fail {
        self.msg.push('\n');
        self.msg.push_str(more.as_ref());
        self
    }
}

pub type Res<T> = Result<T, Fail>;

/// `500ms`, `5s`, `2m` or `2min`, `1h`, `1d`, or `0` (no limit), in milliseconds.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let t = s.trim();
    if t == "0" {
        return Ok(0);
    }
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let bad = || format!("invalid duration `{s}`: use a number and a unit, such as 500ms, 5s, 10m, 1h or 1d");
    if num.is_empty() {
        return Err(bad());
    }
    let n: u64 = num.parse().map_err(|_| bad())?;
    let factor: u64 = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(bad()),
    };
    // PostgreSQL's lock_timeout is an int of milliseconds.
    n.checked_mul(factor).filter(|ms| *ms <= i32::MAX as u64).ok_or_else(|| format!("duration `{s}` is too long"))
}

/// A duration as the tool prints it: the largest unit that divides it.
pub fn fmt_duration(ms: u64) -> String {
    for (unit, f) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)] {
        if ms >= f && ms % f == 0 {
            return format!("{}{unit}", ms / f);
        }
    }
    format!("{ms}ms")
}

/// A duration as an SQL interval literal's text: `1 hour`, `90 minutes`, `500 milliseconds`.
pub fn interval_text(ms: u64) -> String {
    for (unit, f) in [("day", 86_400_000), ("hour", 3_600_000), ("minute", 60_000), ("second", 1_000)] {
        if ms >= f && ms % f == 0 {
            let n = ms / f;
            return format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
        }
    }
    format!("{ms} milliseconds")
}

/// `0`, `1048576`, `64kB`, `64MB`, `1GB` (powers of 1024, as PostgreSQL's units), in bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let bad = || format!("invalid size `{s}`: use bytes or a unit, such as 0, 65536, 64kB, 64MB or 1GB");
    let n: u64 = num.parse().map_err(|_| bad())?;
    let factor: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1 << 10,
        "mb" => 1 << 20,
        "gb" => 1 << 30,
        "tb" => 1 << 40,
        _ => return Err(bad()),
    };
    n.checked_mul(factor).ok_or_else(|| format!("size `{s}` is too large"))
}

/// A quoted SQL identifier: `"name"`, with any `"` doubled.
pub fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// `"schema"."name"`.
pub fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", ident(schema), ident(name))
}

/// A quoted SQL string literal that means the same text whatever the session's
/// `standard_conforming_strings`: `'text'` with any `'` doubled, or, when the
/// text holds a backslash, `E'text'` with `\` doubled too (PostgreSQL's own
/// `quote_literal`). Every transaction also pins `standard_conforming_strings = on`.
pub fn literal(s: &str) -> String {
    if s.contains('\\') {
        format!("E'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

/// Text for a `--` SQL comment: control characters (a newline would end the
/// comment) are written as escapes, so the comment stays one line.
pub fn comment_text(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}

/// A dollar-quote tag (`$maestro$`, `$maestro_1$`, ...) whose first occurrence in
/// `body` followed by the tag is that closing tag: nothing in the body can end the
/// quote, nor can its end (`...$maestro` would end at the closing tag's last `$`).
pub fn dollar_tag(body: &str) -> String {
    let mut tag = "$maestro$".to_string();
    let mut n = 0;
    while [body, &tag].concat().find(&tag) != Some(body.len()) {
        n += 1;
        tag = format!("$maestro_{n}$");
    }
    tag
}

/// A name given on the command line (`--schema`): not empty, no control characters
/// (a newline, a tab, NUL): PostgreSQL names can hold them, but no operator means one.
pub fn check_name(flag: &str, s: &str) -> Res<()> {
    if s.is_empty() {
        return Err(Fail::usage(format!("{flag} must not be empty")));
    }
    if let Some(c) = s.chars().find(|c| c.is_control()) {
        return Err(Fail::usage(format!(
            "{flag} {} holds a control character ({}); nothing was done",
            comment_text(s),
            c.escape_default()
        )));
    }
    Ok(())
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// (year, month, day) to days since 1970-01-01.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Seconds since the epoch as a migration version, `YYYYMMDDHHMMSS` (UTC).
pub fn version_from_secs(secs: i64) -> String {
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!("{y:04}{mo:02}{d:02}{:02}{:02}{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// A migration version, `YYYYMMDDHHMMSS`, back to seconds since the epoch.
pub fn secs_from_version(v: &str) -> Option<i64> {
    if v.len() != 14 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |a: usize, b: usize| v[a..b].parse::<i64>().ok();
    let (y, mo, d) = (n(0, 4)?, n(4, 6)? as u32, n(6, 8)? as u32);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + n(8, 10)? * 3600 + n(10, 12)? * 60 + n(12, 14)?)
}

pub fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5s"), Ok(5_000));
        assert_eq!(parse_duration("500ms"), Ok(500));
        assert_eq!(parse_duration("2m"), Ok(120_000));
        assert_eq!(parse_duration("2min"), Ok(120_000));
        assert_eq!(parse_duration("1h"), Ok(3_600_000));
        assert_eq!(parse_duration("1d"), Ok(86_400_000));
        assert_eq!(parse_duration("0"), Ok(0));
        for bad in ["", "5", "s", "5 s", "-1s", "1.5s", "5x", "99999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(fmt_duration(500), "500ms");
        assert_eq!(fmt_duration(5_000), "5s");
        assert_eq!(fmt_duration(3_600_000), "1h");
        assert_eq!(interval_text(3_600_000), "1 hour");
        assert_eq!(interval_text(7_200_000), "2 hours");
        assert_eq!(interval_text(1_500), "1500 milliseconds");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("64kB"), Ok(64 << 10));
        assert_eq!(parse_size("64MB"), Ok(64 << 20));
        assert_eq!(parse_size("1GB"), Ok(1 << 30));
        assert!(parse_size("1XB").is_err());
        assert!(parse_size("MB").is_err());
    }

    #[test]
    fn quoting() {
        assert_eq!(ident("maestro_notes"), "\"maestro_notes\"");
        assert_eq!(ident("we\"ird"), "\"we\"\"ird\"");
        assert_eq!(qualified("Other Schema", "t"), "\"Other Schema\".\"t\"");
        assert_eq!(literal("it's"), "'it''s'");
        assert_eq!(literal("x\\'; DROP"), "E'x\\\\''; DROP'");
        assert_eq!(comment_text("a\nb"), "a\\nb");
        assert_eq!(dollar_tag("x $maestro$ y"), "$maestro_1$");
        assert_eq!(dollar_tag("plain"), "$maestro$");
        assert!(check_name("--schema", "app\nDROP").is_err());
        assert!(check_name("--schema", "").is_err());
        assert!(check_name("--schema", "We\"ird $x$ 'name'").is_ok());
    }

    /// Found by the quote fuzz target (issue 25): a body that ends with the
    /// tag less its last `$` closes the quote early with the tag's own `$`.
    #[test]
    fn a_dollar_quote_ends_where_its_body_ends() {
        for body in ["$maestro", "\0\"\0$maestro", "x $maestro$ $maestro_1", "$maestro_1$ $maestro"] {
            let tag = dollar_tag(body);
            let quoted = format!("{tag}{body}{tag}");
            assert_eq!(quoted[tag.len()..].find(&tag), Some(body.len()), "{quoted}");
        }
    }

    #[test]
    fn runbook_comments() {
        assert_eq!(TABLES[0], ("maestro_execution_receipts", "INERT: MAESTRO disabled - safe to drop"));
        assert_eq!(TABLES[1], ("maestro_sync_store", "INERT: MAESTRO disabled - safe to drop"));
        assert_eq!(TABLES[2], ("maestro_audit_logs", "INERT: MAESTRO disabled - safe to truncate"));
    }

    #[test]
    fn versions() {
        assert_eq!(version_from_secs(0), "19700101000000");
        assert_eq!(version_from_secs(1_709_251_199), "20240229235959");
        for s in [0, 951_782_400, 1_709_251_199, 4_102_444_800] {
            assert_eq!(secs_from_version(&version_from_secs(s)), Some(s));
        }
        assert_eq!(secs_from_version("2024"), None);
        assert_eq!(secs_from_version("20241301000000"), None);
    }
}
