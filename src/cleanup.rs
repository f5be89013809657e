//! Client-state rollback: the options, the outcomes and the report's rules.
//!
//! Pure Rust, no `web_sys`: the browser layer (`web::cleanup`) does the I/O and
//! asks this module what the options mean, whether the run was ok, and what to
//! print. Tested natively with `cargo test`.

use alloc::string::String;

/// The database the runbook names.
pub const DEFAULT_DATABASE: &str = "maestro_secrets";
/// The key prefix the runbook names (`maestro:*`, without the glob it never had).
pub const DEFAULT_PREFIX: &str = "maestro:";
/// How long to wait for a blocked delete before reporting `"pending"`.
pub const DEFAULT_BLOCKED_TIMEOUT_MS: u32 = 3000;
/// How long to collect answers from other tabs, at the least.
pub const TABS_WINDOW_MS: u32 = 250;

/// What to do with this tab's sessionStorage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionMode {
    /// Remove the prefixed keys (the default).
    Prefixed,
    /// `sessionStorage.clear()`, the runbook's snippet: only when asked for.
    All,
    /// Leave it alone.
    None,
}

impl SessionMode {
    /// Parses the `sessionStorage` option; unset (`None`) means `Prefixed`.
    /// Anything unrecognised gives `None` (an error for the caller), so that a
    /// typo never clears everything.
    pub fn parse(raw: Option<&str>) -> Option<SessionMode> {
        match raw {
            None | Some("prefixed") => Some(SessionMode::Prefixed),
            Some("all") => Some(SessionMode::All),
            Some("none") => Some(SessionMode::None),
            Some(_) => None,
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            SessionMode::Prefixed => "prefixed",
            SessionMode::All => "all",
            SessionMode::None => "none",
        }
    }
}

/// The outcome of deleting the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbOutcome {
    /// Gone (a database that never existed counts as deleted).
    Deleted,
    /// Still blocked by another connection after the timeout: the browser
    /// finishes the delete when the other connections close.
    Pending,
    /// `indexedDB` is missing, null, or access to it is denied.
    Unavailable,
    /// The request threw or failed.
    Error,
}

impl DbOutcome {
    pub fn id(self) -> &'static str {
        match self {
            DbOutcome::Deleted => "deleted",
            DbOutcome::Pending => "pending",
            DbOutcome::Unavailable => "unavailable",
            DbOutcome::Error => "error",
        }
    }
}

/// The outcome for one storage area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AreaOutcome {
    /// The matching keys were removed (possibly none).
    Cleared,
    /// Not touched, as the options asked (`sessionStorage: "none"`).
    Skipped,
    /// The storage getter threw, or it is missing or null.
    Unavailable,
    /// Touching it failed part way, or the options were invalid.
    Error,
}

impl AreaOutcome {
    pub fn id(self) -> &'static str {
        match self {
            AreaOutcome::Cleared => "cleared",
            AreaOutcome::Skipped => "skipped",
            AreaOutcome::Unavailable => "unavailable",
            AreaOutcome::Error => "error",
        }
    }
}

/// `ok` is true only when nothing is pending, unavailable or failed.
pub fn ok(db: DbOutcome, local: AreaOutcome, session: AreaOutcome) -> bool {
    let area_ok = |a| matches!(a, AreaOutcome::Cleared | AreaOutcome::Skipped);
    db == DbOutcome::Deleted && area_ok(local) && area_ok(session)
}

/// Whether `clean` can be told, and what it is (`verifyClientState`).
/// `exists` is `None` when the database's existence cannot be told; an area
/// that cannot be read is `None` too.
pub fn clean(exists: Option<bool>, local_keys: Option<usize>, session_keys: Option<usize>) -> Option<bool> {
    Some(!exists? && local_keys? == 0 && session_keys? == 0)
}

/// A prefix must be a non-empty string: an empty one would match every key.
pub fn valid_prefix(prefix: &str) -> bool {
    !prefix.is_empty()
}

/// Whether `key` is MAESTRO's: it starts with `prefix`, exactly (case-sensitive,
/// no pattern language). The browser layer asks JavaScript's `startsWith`,
/// which is the same test on UTF-16 strings.
pub fn is_maestro_key(key: &str, prefix: &str) -> bool {
    key.starts_with(prefix)
}

/// Appends `n` in decimal (no `core::fmt`).
pub fn push_uint(out: &mut String, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(d as char);
    }
}

/// One area's line in the console summary. Key names only, never values.
pub fn area_line(
    out: &mut String,
    area: &str,
    outcome: AreaOutcome,
    removed: u32,
    first: &[String],
    error: Option<&str>,
) {
    out.push_str("\n  ");
    out.push_str(area);
    out.push_str(": ");
    out.push_str(outcome.id());
    if let Some(e) = error {
        out.push_str(" (");
        out.push_str(e);
        out.push(')');
    }
    if outcome == AreaOutcome::Cleared {
        out.push_str(", removed ");
        push_uint(out, removed);
        out.push_str(if removed == 1 { " key" } else { " keys" });
        if !first.is_empty() {
            out.push_str(": ");
            for (i, k) in first.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
            }
            if removed as usize > first.len() {
                out.push_str(", …");
            }
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use proptest::prelude::*;

    #[test]
    fn session_mode() {
        assert_eq!(SessionMode::parse(None), Some(SessionMode::Prefixed));
        assert_eq!(SessionMode::parse(Some("prefixed")), Some(SessionMode::Prefixed));
        assert_eq!(SessionMode::parse(Some("all")), Some(SessionMode::All));
        assert_eq!(SessionMode::parse(Some("none")), Some(SessionMode::None));
        for bad in ["ALL", "", "clear", "prefix", "everything"] {
            assert_eq!(SessionMode::parse(Some(bad)), None, "{bad}");
        }
    }

    #[test]
    fn ok_only_when_nothing_is_left_undone() {
        use AreaOutcome::{Cleared, Skipped};
        use DbOutcome::{Deleted, Pending};
        assert!(ok(Deleted, Cleared, Cleared));
        assert!(ok(Deleted, Cleared, Skipped));
        for db in [Pending, DbOutcome::Unavailable, DbOutcome::Error] {
            assert!(!ok(db, Cleared, Cleared));
        }
        for a in [AreaOutcome::Unavailable, AreaOutcome::Error] {
            assert!(!ok(Deleted, a, Cleared));
            assert!(!ok(Deleted, Cleared, a));
        }
    }

    #[test]
    fn clean_is_unknown_when_any_part_is() {
        assert_eq!(clean(Some(false), Some(0), Some(0)), Some(true));
        assert_eq!(clean(Some(true), Some(0), Some(0)), Some(false));
        assert_eq!(clean(Some(false), Some(1), Some(0)), Some(false));
        assert_eq!(clean(Some(false), Some(0), Some(2)), Some(false));
        assert_eq!(clean(None, Some(0), Some(0)), None);
        assert_eq!(clean(Some(false), None, Some(0)), None);
    }

    #[test]
    fn prefixes_are_exact() {
        for key in ["maestro:", "maestro:x", "maestro:🔑", "maestro::"] {
            assert!(is_maestro_key(key, DEFAULT_PREFIX), "{key}");
        }
        for key in ["maestro", "MAESTRO:x", "maestro-x", "xmaestro:", " maestro:x", "Maestro:x", ""] {
            assert!(!is_maestro_key(key, DEFAULT_PREFIX), "{key}");
        }
        assert!(!valid_prefix(""));
        assert!(valid_prefix("m"));
    }

    #[test]
    fn summary_lines() {
        let mut s = String::new();
        area_line(&mut s, "localStorage", AreaOutcome::Cleared, 3, &["maestro:a".into(), "maestro:b".into()], None);
        assert_eq!(s, "\n  localStorage: cleared, removed 3 keys: maestro:a, maestro:b, …");
        let mut s = String::new();
        area_line(&mut s, "sessionStorage", AreaOutcome::Cleared, 1, &["maestro:a".into()], None);
        assert_eq!(s, "\n  sessionStorage: cleared, removed 1 key: maestro:a");
        let mut s = String::new();
        area_line(&mut s, "localStorage", AreaOutcome::Unavailable, 0, &[], Some("SecurityError"));
        assert_eq!(s, "\n  localStorage: unavailable (SecurityError)");
    }

    proptest! {
        #[test]
        fn push_uint_is_decimal(n in any::<u32>()) {
            let mut s = String::new();
            push_uint(&mut s, n);
            prop_assert_eq!(s, n.to_string());
        }

        #[test]
        fn prefix_rule_never_panics(key in ".*", prefix in ".*") {
            let _ = is_maestro_key(&key, &prefix);
        }
    }
}
