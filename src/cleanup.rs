//! Client-state rollback: the options, the outcomes and the report's rules.
//!
//! Pure Rust, no `web_sys`: the browser layer (`web::cleanup`) does the I/O and
//! asks this module what the options mean, whether the run was ok, and what to
//! print. Tested natively with `cargo test`.

use crate::flag::shown;
use alloc::string::String;
use alloc::vec::Vec;

/// The database the runbook names.
pub const DEFAULT_DATABASE: &str = "maestro_secrets";
/// The key prefix the runbook names (`maestro:*`, without the glob it never had).
pub const DEFAULT_PREFIX: &str = "maestro:";
/// How long to wait for a blocked delete before reporting `"pending"`.
pub const DEFAULT_BLOCKED_TIMEOUT_MS: u32 = 3000;
/// How long to collect answers from other tabs, at the least. A tab that
/// loaded only the gate answers once its rollback module has loaded and
/// compiled (its subscribers hear at once): 250 ms missed such a tab on a
/// busy machine (the sweep happened, the count said 0), so a cleanup that
/// asks every tab takes a second.
pub const TABS_WINDOW_MS: u32 = 1000;

/// The prefix of the gate's own keys: its memory of a remote kill
/// (`remember::KEY`), a guard's trip (`rollout::GUARD_KEY`) and the rollout
/// id (`rollout::ID_KEY`). They are not MAESTRO's state, and no cleanup
/// removes them, whatever its prefix (`maestro-` would match them) and
/// `sessionStorage: "all"` included: a cleanup never erases a kill (kept in
/// sessionStorage when localStorage refused it), nor reshuffles the
/// rollout; nor does a verification count them.
pub const GATE_PREFIX: &str = "maestro-gate:";

/// Whether every cleanup keeps `key`: the gate's own keys ([`GATE_PREFIX`]).
pub fn kept(key: &str) -> bool {
    key.starts_with(GATE_PREFIX)
}

/// Whether a sweep under `prefix` (`None`: every key) can meet the gate's
/// own keys at all, so that it must ask [`kept`] of each: `maestro-` can,
/// the default `maestro:` cannot (and then asks nothing, in an area that
/// may hold thousands of keys).
pub fn meets_gate_keys(prefix: Option<&str>) -> bool {
    prefix.is_none_or(|p| GATE_PREFIX.starts_with(p) || p.starts_with(GATE_PREFIX))
}

/// What to do with this tab's sessionStorage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionMode {
    /// Remove the prefixed keys (the default).
    Prefixed,
    /// `sessionStorage.clear()`, the runbook's snippet: only when asked
    /// for, and every key but the gate's own ([`kept`]).
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

    /// The option's spelling: `"prefixed"`, `"all"` or `"none"`.
    pub fn id(self) -> &'static str {
        match self {
            SessionMode::Prefixed => "prefixed",
            SessionMode::All => "all",
            SessionMode::None => "none",
        }
    }
}

/// One option as it was given: unset (`undefined`, `null` or absent), a
/// value of the expected type, or anything else.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Field<T> {
    /// Absent, `undefined` or `null`: the default applies.
    #[default]
    Unset,
    /// A value of the expected type.
    Set(T),
    /// A value of another type: that part is an error.
    Invalid,
}

/// The cleanup options as given (`clearClientState(options)`). Read as the
/// object's own properties only (the rollback module copies them first), so
/// that a polluted prototype changes nothing.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize), serde(rename_all = "camelCase", default))]
pub struct Given {
    /// `database`: the IndexedDB database to delete.
    pub database: Field<String>,
    /// `prefix`: the storage keys to remove start with exactly this.
    pub prefix: Field<String>,
    /// `sessionStorage`: `"prefixed"`, `"all"` or `"none"`.
    pub session_storage: Field<String>,
    /// `blockedTimeoutMs`: how long to wait for a blocked delete.
    pub blocked_timeout_ms: Field<f64>,
    /// `allTabs`: ask the other open tabs too.
    pub all_tabs: Field<bool>,
    /// `log`: `"silent"` prints nothing.
    pub log: Field<String>,
}

/// What the options mean. `database`, `prefix` and `session` are `None`
/// when invalid: that part is reported as an error and nothing of it is
/// touched.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// The database to delete (`None`: invalid).
    pub database: Option<String>,
    /// The prefix of the keys to remove (`None`: invalid).
    pub prefix: Option<String>,
    /// What to do with sessionStorage (`None`: invalid).
    pub session: Option<SessionMode>,
    /// How long to wait for a blocked delete, in milliseconds.
    pub timeout_ms: f64,
    /// Whether to ask the other open tabs.
    pub all_tabs: bool,
    /// Whether to print nothing.
    pub silent: bool,
}

/// A name option: unset means `default`; an empty or non-string one is invalid.
fn name(field: Field<String>, default: &str) -> Option<String> {
    match field {
        Field::Unset => Some(String::from(default)),
        Field::Set(s) if valid_prefix(&s) => Some(s),
        Field::Set(_) | Field::Invalid => None,
    }
}

impl Options {
    /// What `given` means: each invalid part `None`, each unset part its default.
    pub fn resolve(given: Given) -> Options {
        Options::resolve_in(given, None)
    }

    /// [`Options::resolve`], in a tab whose copy of the gate was started
    /// with `init({ prefix })` (`own_prefix`, when it is a valid one): an
    /// unset `prefix` is that one, the prefix this tab answers other tabs'
    /// requests with, not [`DEFAULT_PREFIX`]. So the tab's own cleanup and
    /// verification sweep and check the keys its app keeps MAESTRO's state
    /// under, and leave `maestro:` keys that may be another app's.
    pub fn resolve_in(given: Given, own_prefix: Option<&str>) -> Options {
        let default_prefix = own_prefix.filter(|p| valid_prefix(p)).unwrap_or(DEFAULT_PREFIX);
        let session = match given.session_storage {
            Field::Unset => SessionMode::parse(None),
            Field::Set(s) => SessionMode::parse(Some(&s)),
            Field::Invalid => None,
        };
        let timeout_ms = match given.blocked_timeout_ms {
            Field::Set(ms) if ms >= 0.0 => ms,
            _ => DEFAULT_BLOCKED_TIMEOUT_MS as f64,
        };
        Options {
            database: name(given.database, DEFAULT_DATABASE),
            prefix: name(given.prefix, default_prefix),
            session,
            timeout_ms,
            all_tabs: !matches!(given.all_tabs, Field::Set(false)),
            silent: matches!(&given.log, Field::Set(l) if l == "silent"),
        }
    }

    /// Options that could not be read at all (a getter or proxy threw):
    /// every part invalid, so that nothing is touched.
    pub fn unreadable() -> Options {
        Options { database: None, prefix: None, session: None, timeout_ms: 0.0, all_tabs: false, silent: false }
    }
}

/// The error for an invalid database name.
pub const INVALID_DATABASE: &str = "invalid database name: it must be a non-empty string";
/// The error for an invalid prefix.
pub const INVALID_PREFIX: &str = "invalid prefix: it must be a non-empty string";
/// The error for an invalid sessionStorage option.
pub const INVALID_SESSION: &str = "invalid sessionStorage option: use \"prefixed\", \"all\" or \"none\"";

#[cfg(feature = "serde")]
mod de {
    use super::Field;
    use alloc::string::String;
    use core::fmt;
    use core::marker::PhantomData;
    use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

    /// What a [`Field`] of this type accepts.
    pub trait Accept: Sized {
        fn from_str(_: &str) -> Option<Self> {
            None
        }
        fn from_f64(_: f64) -> Option<Self> {
            None
        }
        fn from_bool(_: bool) -> Option<Self> {
            None
        }
    }
    impl Accept for String {
        fn from_str(s: &str) -> Option<String> {
            Some(String::from(s))
        }
    }
    impl Accept for f64 {
        fn from_f64(x: f64) -> Option<f64> {
            Some(x)
        }
    }
    impl Accept for bool {
        fn from_bool(b: bool) -> Option<bool> {
            Some(b)
        }
    }

    struct FieldVisitor<T>(PhantomData<T>);

    fn set<T>(v: Option<T>) -> Field<T> {
        v.map_or(Field::Invalid, Field::Set)
    }

    impl<'de, T: Accept> Visitor<'de> for FieldVisitor<T> {
        type Value = Field<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any value")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Field<T>, E> {
            Ok(Field::Unset)
        }
        fn visit_none<E: de::Error>(self) -> Result<Field<T>, E> {
            Ok(Field::Unset)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Field<T>, D::Error> {
            d.deserialize_any(self)
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Field<T>, E> {
            Ok(set(T::from_str(s)))
        }
        fn visit_bool<E: de::Error>(self, b: bool) -> Result<Field<T>, E> {
            Ok(set(T::from_bool(b)))
        }
        fn visit_f64<E: de::Error>(self, x: f64) -> Result<Field<T>, E> {
            Ok(set(T::from_f64(x)))
        }
        fn visit_i64<E: de::Error>(self, x: i64) -> Result<Field<T>, E> {
            Ok(set(T::from_f64(x as f64)))
        }
        fn visit_u64<E: de::Error>(self, x: u64) -> Result<Field<T>, E> {
            Ok(set(T::from_f64(x as f64)))
        }
        fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Field<T>, E> {
            Ok(Field::Invalid)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Field<T>, A::Error> {
            Ok(Field::Invalid)
        }
        fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Field<T>, A::Error> {
            Ok(Field::Invalid)
        }
    }

    impl<'de, T: Accept> Deserialize<'de> for Field<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Field<T>, D::Error> {
            d.deserialize_any(FieldVisitor(PhantomData))
        }
    }
}

/// The outcome of deleting the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(rename_all = "lowercase"))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "DatabaseOutcome", rename_all = "lowercase"))]
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
    /// The outcome's name in the report: `"deleted"`, `"pending"`, `"unavailable"` or `"error"`.
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
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(rename_all = "lowercase"))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "StorageOutcome", rename_all = "lowercase"))]
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
    /// The outcome's name in the report: `"cleared"`, `"skipped"`, `"unavailable"` or `"error"`.
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

pub use crate::flag::push_uint;

/// What happened to one storage area. Key names only, never values.
// The package's StorageReport type is generated from this struct (crate::types,
// test builds only): its doc comments are the TypeScript's.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "StorageReport"))]
pub struct AreaReport {
    /// `cleared` (every matching key removed, maybe none); `skipped` (`sessionStorage: "none"`);
    /// `unavailable` (the storage getter threw, or it is missing); `error` (the options were
    /// invalid, the keys could not be listed, or some keys could not be removed: see `failed`).
    pub outcome: AreaOutcome,
    /// The keys removed (names only, never values).
    pub removed: Vec<String>,
    /// The keys whose removal threw: they are still there. The sweep goes on past them.
    pub failed: Vec<String>,
    /// Why it is unavailable or failed.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    #[cfg_attr(test, ts(optional))]
    pub error: Option<String>,
}

impl AreaReport {
    /// An area nothing was removed from.
    pub fn untouched(outcome: AreaOutcome, error: Option<String>) -> AreaReport {
        AreaReport { outcome, removed: Vec::new(), failed: Vec::new(), error }
    }

    /// A sweep that tried every key: cleared when none failed, otherwise an
    /// error that carries the first failure's message.
    pub fn swept(removed: Vec<String>, failed: Vec<String>, first_error: Option<String>) -> AreaReport {
        let outcome = if failed.is_empty() { AreaOutcome::Cleared } else { AreaOutcome::Error };
        let error = if failed.is_empty() { None } else { first_error };
        AreaReport { outcome, removed, failed, error }
    }

    /// This sweep, then `again`, a second pass at the end of the cleanup over
    /// the keys written since (by MAESTRO's own code while its connections
    /// close, by another tab still running it): the keys either removed, and
    /// the second pass's failures (it tried every matching key again), so
    /// that "cleared" holds when the cleanup ends. Only a sweep is followed:
    /// an area skipped, unavailable or refused stays as it was, and so does
    /// this one when the second pass could not list the keys.
    pub fn then(mut self, again: AreaReport) -> AreaReport {
        let is_sweep = |r: &AreaReport| r.outcome == AreaOutcome::Cleared || !r.failed.is_empty();
        if !is_sweep(&self) || !is_sweep(&again) {
            return self;
        }
        for key in again.removed {
            if !self.removed.contains(&key) {
                self.removed.push(key);
            }
        }
        let first_error = again.error.or(self.error);
        // (A key removed, written again and then not removable is only failed.)
        self.removed.retain(|k| !again.failed.contains(k));
        AreaReport::swept(self.removed, again.failed, first_error)
    }
}

/// What happened to the database.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct DatabaseReport {
    /// The database's name.
    pub name: String,
    /// `deleted` (also when it never existed); `pending` (still blocked after the timeout:
    /// the browser finishes the delete when the other connections close); `unavailable`
    /// (no IndexedDB, or access denied); `error` (the request threw or failed).
    pub outcome: DbOutcome,
    /// Whether another open connection blocked the delete at some point.
    pub blocked: bool,
    /// Why it is unavailable or failed.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    #[cfg_attr(test, ts(optional))]
    pub error: Option<String>,
}

/// `clearClientState`'s report.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "CleanupReport", rename_all = "camelCase"))]
pub struct Report {
    /// True only when nothing is pending, unavailable or failed.
    pub ok: bool,
    /// The database.
    pub database: DatabaseReport,
    /// localStorage.
    pub local_storage: AreaReport,
    /// sessionStorage.
    pub session_storage: AreaReport,
    /// How many distinct other tabs answered that they cleared their own sessionStorage.
    /// Advisory: any same-origin page can post on the channel.
    pub other_tabs: u32,
}

impl Report {
    /// The report of these parts, `ok` computed from their outcomes ([`ok`]).
    pub fn new(database: DatabaseReport, local: AreaReport, session: AreaReport, other_tabs: u32) -> Report {
        let ok = ok(database.outcome, local.outcome, session.outcome);
        Report { ok, database, local_storage: local, session_storage: session, other_tabs }
    }

    /// The console summary: key names only, never values.
    pub fn summary(&self) -> String {
        let db = &self.database;
        let mut s = String::from("[MAESTRO] clearClientState: ");
        s.push_str(if self.ok { "ok" } else { "NOT ok" });
        s.push_str("\n  indexedDB ");
        shown(&mut s, &db.name);
        s.push_str(": ");
        s.push_str(db.outcome.id());
        if db.blocked {
            s.push_str(" (was blocked by another open connection)");
        }
        if db.outcome == DbOutcome::Pending {
            s.push_str(if db.blocked {
                "; the browser deletes it when the other connections close"
            } else {
                "; still in progress, the browser finishes it"
            });
        }
        if let Some(e) = &db.error {
            s.push_str(" (");
            s.push_str(e);
            s.push(')');
        }
        area_line(&mut s, "localStorage", &self.local_storage);
        area_line(&mut s, "sessionStorage", &self.session_storage);
        s.push_str("\n  other tabs answered: ");
        push_uint(&mut s, self.other_tabs.into());
        s
    }
}

/// `verifyClientState`'s report. A part that cannot be read is null (`None`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename_all = "camelCase"))]
pub struct VerifyReport {
    /// `exists` is null when it cannot be told (no IndexedDB, or access denied).
    #[cfg_attr(test, ts(inline))]
    pub database: DatabaseExists,
    /// The prefixed keys left in localStorage; null (`None`) when it cannot be read.
    pub local_storage_keys: Option<Vec<String>>,
    /// The prefixed keys left in sessionStorage; null (`None`) when it cannot be read.
    pub session_storage_keys: Option<Vec<String>>,
    /// True when the database is gone and no prefixed key is left; null
    /// (`None`) when a part cannot be read.
    pub clean: Option<bool>,
}

/// Whether the database exists (`None`: it cannot be told).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct DatabaseExists {
    /// The database's name.
    pub name: String,
    /// Whether it exists (`None`: it cannot be told).
    pub exists: Option<bool>,
}

impl VerifyReport {
    /// The report of these parts, `clean` computed from them.
    pub fn new(name: String, exists: Option<bool>, local: Option<Vec<String>>, session: Option<Vec<String>>) -> Self {
        let clean = clean(exists, local.as_ref().map(Vec::len), session.as_ref().map(Vec::len));
        VerifyReport {
            database: DatabaseExists { name, exists },
            local_storage_keys: local,
            session_storage_keys: session,
            clean,
        }
    }
}

/// How many key names each list of the summary shows.
pub const SHOWN_KEYS: usize = 5;

fn key_list(out: &mut String, verb: &str, keys: &[String]) {
    out.push_str(verb);
    push_uint(out, keys.len() as u64);
    out.push_str(if keys.len() == 1 { " key" } else { " keys" });
    if !keys.is_empty() {
        out.push_str(": ");
        for (i, k) in keys.iter().take(SHOWN_KEYS).enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            shown(out, k);
        }
        if keys.len() > SHOWN_KEYS {
            out.push_str(", …");
        }
    }
}

/// One area's line in the console summary. Key names only, never values.
pub fn area_line(out: &mut String, area: &str, report: &AreaReport) {
    out.push_str("\n  ");
    out.push_str(area);
    out.push_str(": ");
    out.push_str(report.outcome.id());
    if let Some(e) = &report.error {
        out.push_str(" (");
        out.push_str(e);
        out.push(')');
    }
    if report.outcome == AreaOutcome::Cleared || !report.removed.is_empty() || !report.failed.is_empty() {
        key_list(out, ", removed ", &report.removed);
    }
    if !report.failed.is_empty() {
        key_list(out, "; could not remove ", &report.failed);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;
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
    fn options_defaults_and_invalid_parts() {
        let o = Options::resolve(Given::default());
        assert_eq!(o.database.as_deref(), Some(DEFAULT_DATABASE));
        assert_eq!(o.prefix.as_deref(), Some(DEFAULT_PREFIX));
        assert_eq!(o.session, Some(SessionMode::Prefixed));
        assert_eq!(o.timeout_ms, DEFAULT_BLOCKED_TIMEOUT_MS as f64);
        assert!(o.all_tabs && !o.silent);
        let o = Options::resolve(Given {
            database: Field::Set(String::new()),
            prefix: Field::Invalid,
            session_storage: Field::Set("ALL".into()),
            blocked_timeout_ms: Field::Set(-1.0),
            all_tabs: Field::Set(false),
            log: Field::Set("silent".into()),
        });
        assert_eq!((o.database, o.prefix, o.session), (None, None, None), "an empty, a wrong type, a typo");
        assert_eq!(o.timeout_ms, DEFAULT_BLOCKED_TIMEOUT_MS as f64);
        assert!(!o.all_tabs && o.silent);
        let u = Options::unreadable();
        assert_eq!((u.database, u.prefix, u.session, u.all_tabs), (None, None, None, false));
    }

    #[test]
    fn a_second_pass_adds_what_was_written_since_and_its_own_failures() {
        let s = |removed: &[&str], failed: &[&str]| {
            let v = |k: &[&str]| k.iter().map(|k| String::from(*k)).collect::<Vec<_>>();
            AreaReport::swept(v(removed), v(failed), (!failed.is_empty()).then(|| String::from("denied")))
        };
        let r = s(&["maestro:a"], &[]).then(s(&["maestro:late", "maestro:a"], &[]));
        assert_eq!((r.outcome, r.removed.len(), r.failed.len()), (AreaOutcome::Cleared, 2, 0));
        let r = s(&["maestro:a"], &["maestro:locked"]).then(s(&["maestro:locked"], &[]));
        assert_eq!(r.outcome, AreaOutcome::Cleared, "removed the second time");
        assert_eq!(r.error, None);
        let r = s(&["maestro:b"], &[]).then(s(&[], &["maestro:b"]));
        assert_eq!((r.removed.len(), r.failed.len()), (0, 1), "written again, then not removable: failed only");
        let r = s(&[], &[]).then(s(&[], &["maestro:late"]));
        assert_eq!(
            (r.outcome, r.failed, r.error.as_deref()),
            (AreaOutcome::Error, vec![String::from("maestro:late")], Some("denied"))
        );
        let skipped = AreaReport::untouched(AreaOutcome::Skipped, None);
        assert_eq!(skipped.clone().then(s(&["maestro:x"], &[])), skipped, "only a sweep is followed");
        let unlisted = AreaReport::untouched(AreaOutcome::Error, Some(String::from("no list")));
        assert_eq!(s(&["maestro:a"], &[]).then(unlisted), s(&["maestro:a"], &[]));
    }

    #[test]
    fn only_a_prefix_that_can_meet_the_gates_keys_asks_of_each() {
        assert!(meets_gate_keys(None));
        for p in ["maestro-", "maestro", "m", "maestro-gate:", "maestro-gate:remote"] {
            assert!(meets_gate_keys(Some(p)), "{p}");
        }
        for p in ["maestro:", "app-maestro:", "maestro-x", "maestro-gatex"] {
            assert!(!meets_gate_keys(Some(p)), "{p}");
        }
        assert!(kept("maestro-gate:id") && !kept("maestro:id"));
    }

    #[test]
    fn an_unset_prefix_is_this_copys_own() {
        let own = Some("app-maestro:");
        assert_eq!(Options::resolve_in(Given::default(), own).prefix.as_deref(), own);
        let given = Given { prefix: Field::Set("other:".into()), ..Given::default() };
        assert_eq!(Options::resolve_in(given, own).prefix.as_deref(), Some("other:"), "a given prefix stands");
        let given = Given { prefix: Field::Invalid, ..Given::default() };
        assert_eq!(Options::resolve_in(given, own).prefix, None, "an invalid one is still refused");
        assert_eq!(Options::resolve_in(Given::default(), Some("")).prefix.as_deref(), Some(DEFAULT_PREFIX));
        assert_eq!(Options::resolve_in(Given::default(), None).prefix.as_deref(), Some(DEFAULT_PREFIX));
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
        let keys = |ks: &[&str]| ks.iter().map(|k| k.to_string()).collect::<Vec<_>>();
        let mut s = String::new();
        let many = keys(&["maestro:a", "maestro:b", "maestro:c", "maestro:d", "maestro:e", "maestro:f"]);
        area_line(&mut s, "localStorage", &AreaReport::swept(many, Vec::new(), None));
        assert_eq!(
            s,
            "\n  localStorage: cleared, removed 6 keys: maestro:a, maestro:b, maestro:c, maestro:d, maestro:e, …"
        );
        let mut s = String::new();
        area_line(&mut s, "sessionStorage", &AreaReport::swept(keys(&["maestro:a"]), Vec::new(), None));
        assert_eq!(s, "\n  sessionStorage: cleared, removed 1 key: maestro:a");
        let mut s = String::new();
        area_line(
            &mut s,
            "localStorage",
            &AreaReport::untouched(AreaOutcome::Unavailable, Some("SecurityError".into())),
        );
        assert_eq!(s, "\n  localStorage: unavailable (SecurityError)");
        let mut s = String::new();
        let partial = AreaReport::swept(keys(&["maestro:a"]), keys(&["maestro:b"]), Some("QuotaExceededError".into()));
        assert_eq!(partial.outcome, AreaOutcome::Error);
        area_line(&mut s, "localStorage", &partial);
        assert_eq!(
            s,
            "\n  localStorage: error (QuotaExceededError), removed 1 key: maestro:a; could not remove 1 key: maestro:b"
        );
    }

    #[test]
    fn a_failed_key_makes_the_report_not_ok() {
        let db =
            DatabaseReport { name: "maestro_secrets".into(), outcome: DbOutcome::Deleted, blocked: false, error: None };
        let clean = AreaReport::swept(Vec::new(), Vec::new(), None);
        assert!(Report::new(db.clone(), clean.clone(), clean.clone(), 0).ok);
        let partial = AreaReport::swept(Vec::new(), vec!["maestro:x".into()], Some("boom".into()));
        let r = Report::new(db, clean, partial, 2);
        assert!(!r.ok);
        assert!(r
            .summary()
            .contains("sessionStorage: error (boom), removed 0 keys; could not remove 1 key: maestro:x"));
        assert!(r.summary().ends_with("other tabs answered: 2"));
    }

    proptest! {
        #[test]
        fn push_uint_is_decimal(n in any::<u64>()) {
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
