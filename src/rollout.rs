//! A safe re-enable: the gradual rollout and the error guard. Both only ever
//! narrow an "on" decision; neither can turn MAESTRO on.
//!
//! - The **rollout** lets a percentage of browsers in, each in a sticky bucket
//!   ([`crate::hash::bucket`], Unleash's normalized value). The percentage can
//!   come from `VITE_MAESTRO_ROLLOUT`, `window.MAESTRO_ROLLOUT`,
//!   `init({ rollout })` and the remote document's `"rollout"`; the smallest
//!   wins, and an invalid one fails safe (disabled, with a warning that names
//!   the source and the value, as the flag rule does).
//! - The **guard** counts MAESTRO's failures; at `errors` of them within
//!   `windowMs` it turns the gate off, in every tab, and this browser starts
//!   disabled for `cooldownMs` after.
//!
//! The rollout module (`crates/rollout`) reads the sources and storage and
//! hands the gate a [`Narrowing`]; the gate applies it (`crates/gate`).

use alloc::string::String;
use alloc::vec::Vec;

use crate::cleanup::push_uint;
use crate::flag::{Raw, Reading, Source};
use crate::poll::Rollout;

/// Where a percentage came from. The names are the ones users see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum From {
    /// `VITE_MAESTRO_ROLLOUT` in `init({ env })`.
    Build,
    /// `window.MAESTRO_ROLLOUT`.
    Runtime,
    /// `init({ rollout })`.
    Option,
    /// The remote health document's `"rollout"`.
    Remote,
}

impl From {
    /// The name users see: `"VITE_MAESTRO_ROLLOUT"`, `"window.MAESTRO_ROLLOUT"`, `"rollout"` or `"remote rollout"`.
    pub fn label(self) -> &'static str {
        match self {
            From::Build => "VITE_MAESTRO_ROLLOUT",
            From::Runtime => "window.MAESTRO_ROLLOUT",
            From::Option => "rollout",
            From::Remote => "remote rollout",
        }
    }
}

/// The accepted spellings of a percentage, as shown in warnings
/// (`poll::ROLLOUT_ACCEPTED`: every source is read by `poll::rollout`).
pub const ACCEPTED: &str = crate::poll::ROLLOUT_ACCEPTED;

/// What a narrowing decides, and the code it crosses a boundary with: the
/// rollout and the remote modules hand the gate a reason and a number (the
/// gate's boundary takes numbers and strings, not objects), and the gate
/// reads the number back ([`Verdict::of_code`]). This enum is the one table
/// of them: each code is its discriminant, and what it means is
/// [`Verdict::enabled`], [`Verdict::source`] and [`Verdict::warn`]. The
/// numbers never change (a glue cached beside a newer gate passes them).
/// The glue passes them through; the one it makes itself
/// ([`Verdict::RolloutFailSafe`]: a module that could not load, for a page
/// that narrows) is in `js/gate.js`'s and `js/extras.js`'s `// <abi>` block,
/// which the gate crate's ABI test writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Verdict {
    /// In by the rollout's percentage.
    RolloutIn = 1,
    /// Out by the rollout's percentage.
    RolloutOut = 2,
    /// Off by the guard: a trip, a cooldown, a trip heard or remembered.
    GuardOff = 3,
    /// The rollout failing safe: an invalid percentage, a module that could not load.
    RolloutFailSafe = 4,
    /// The guard failing safe: an invalid setting.
    GuardFailSafe = 5,
    /// Off by a remote document: its `maestro_enabled`, or remembered.
    RemoteOff = 6,
    /// A remote document failing safe: an invalid value, an unreadable memory.
    RemoteFailSafe = 7,
}

impl Verdict {
    /// Every verdict, in the order of their codes.
    pub const ALL: [Verdict; 7] = [
        Verdict::RolloutIn,
        Verdict::RolloutOut,
        Verdict::GuardOff,
        Verdict::RolloutFailSafe,
        Verdict::GuardFailSafe,
        Verdict::RemoteOff,
        Verdict::RemoteFailSafe,
    ];

    /// The code it crosses as.
    pub const fn code(self) -> u32 {
        self as u32
    }

    /// The verdict a code says ([`Code`]): `None` for no narrowing.
    pub fn of_code(code: f64) -> Option<Verdict> {
        let code = Code(code);
        if !code.narrows() {
            return None;
        }
        Verdict::ALL.into_iter().find(|v| code.is(*v)).or(Some(Verdict::RemoteFailSafe))
    }

    /// Whether MAESTRO stays enabled (only a rollout lets a browser in).
    pub fn enabled(self) -> bool {
        Code::from(self).enabled()
    }

    /// What decided: `decision().source`.
    pub fn source(self) -> Source {
        Code::from(self).source()
    }

    /// Whether its line is a warning (failing safe).
    pub fn warn(self) -> bool {
        Code::from(self).warn()
    }
}

/// A narrowing's code as it reaches the gate (a number; the glue's
/// `undefined` is NaN), read back as [`Verdict`]'s table says, by
/// comparisons: the gate's wasm holds those in fewer bytes than a
/// conversion to the enum (a test checks that they read every code of the
/// table back). A code that is not a narrowing (0, NaN, below 1) narrows
/// nothing; one past the table reads as [`Verdict::RemoteFailSafe`] (off,
/// with a warning: what a newer module's code fails safe to).
#[derive(Clone, Copy, Debug)]
pub struct Code(pub f64);

impl core::convert::From<Verdict> for Code {
    fn from(v: Verdict) -> Code {
        Code::of(v)
    }
}

impl Code {
    /// `v`'s code (a `const fn`: the gate writes its own narrowings' codes
    /// as constants).
    pub const fn of(v: Verdict) -> Code {
        Code(v.code() as f64)
    }

    /// Whether it is a narrowing at all.
    pub fn narrows(self) -> bool {
        self.0 >= 1.0
    }

    /// Whether it is a narrowing that says off (every one but [`Verdict::RolloutIn`]).
    pub fn says_off(self) -> bool {
        self.0 >= 2.0
    }

    /// Whether it is `v`'s code.
    pub fn is(self, v: Verdict) -> bool {
        self.0 == f64::from(v.code())
    }

    /// [`Verdict::enabled`].
    pub fn enabled(self) -> bool {
        self.is(Verdict::RolloutIn)
    }

    /// [`Verdict::source`].
    pub fn source(self) -> Source {
        if self.0 >= 6.0 {
            Source::Remote
        } else if self.is(Verdict::GuardOff) || self.is(Verdict::GuardFailSafe) {
            Source::Guard
        } else {
            Source::Rollout
        }
    }

    /// [`Verdict::warn`].
    pub fn warn(self) -> bool {
        self.0 >= 4.0 && self.0 != Code::of(Verdict::RemoteOff).0
    }
}

impl Narrowing {
    /// What the narrowing decides ([`Verdict`], whose code it crosses to
    /// the gate with, beside its reason).
    pub fn verdict(&self) -> Verdict {
        match (self.enabled, self.source, self.warn) {
            (true, _, _) => Verdict::RolloutIn,
            (false, Source::Guard, false) => Verdict::GuardOff,
            (false, Source::Guard, true) => Verdict::GuardFailSafe,
            (false, Source::Remote, false) => Verdict::RemoteOff,
            (false, Source::Remote, true) => Verdict::RemoteFailSafe,
            (false, _, false) => Verdict::RolloutOut,
            (false, _, true) => Verdict::RolloutFailSafe,
        }
    }

    /// The code of its [`Verdict`].
    pub fn code(&self) -> u32 {
        self.verdict().code()
    }
}

/// What narrows the flag's "on", as the gate applies it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Narrowing {
    /// Whether MAESTRO stays enabled.
    pub enabled: bool,
    /// What narrowed it: [`Source::Rollout`] or [`Source::Guard`] (the
    /// remote module's narrowings cross as a code and a reason only).
    pub source: Source,
    /// The deciding value as a string (the percentage, or the guard's count).
    pub value: Option<String>,
    /// The sentence; the console line is `[MAESTRO] ` + this.
    pub reason: String,
    /// Whether the line is a warning (an invalid value).
    pub warn: bool,
    /// `(percent, bucket)` when a rollout decided.
    pub rollout: Option<(u32, u32)>,
}

/// The smallest valid percentage among `readings`, and where it came from;
/// `Err` with the fail-safe narrowing when any of them is invalid (the first
/// invalid one is named). `Ok(None)` when none is set.
pub fn smallest(readings: &[(From, Raw, Reading)]) -> Result<Option<(u32, From)>, Narrowing> {
    let mut best: Option<(u32, From)> = None;
    for (from, raw, reading) in readings {
        match (crate::poll::rollout(*raw), &reading.threw) {
            (_, Some(_)) | (Rollout::Invalid, None) => {
                return Err(refused(Source::Rollout, from.label(), reading, ACCEPTED))
            }
            (Rollout::Percent(p), None) if best.is_none_or(|(b, _)| p < b) => best = Some((p, *from)),
            _ => {}
        }
    }
    Ok(best)
}

/// The fail-safe narrowing for a value of `label` that `reading` could not
/// use: `Disabled (fail safe): ` and its [`unusable`] sentence.
fn refused(source: Source, label: &str, reading: &Reading, accepted: &str) -> Narrowing {
    Narrowing {
        enabled: false,
        source,
        value: reading.text.clone(),
        reason: crate::flag::cat(&["Disabled (fail safe): ", &unusable(label, reading, accepted)]),
        warn: true,
        rollout: None,
    }
}

/// Why a value of `label` that `reading` could not use is refused:
/// `invalid <label>=<value>; accepted: <accepted>`, or `reading <label>
/// threw: <message>`, in the health document's words (`poll::invalid`,
/// `poll::rollout_threw`).
fn unusable(label: &str, reading: &Reading, accepted: &str) -> String {
    match &reading.threw {
        Some(m) => crate::poll::rollout_threw(label, m),
        None => crate::poll::invalid(label, reading.text.as_deref().unwrap_or(""), reading.is_string, accepted),
    }
}

/// What a page built with an environment starts at, as far as the build
/// can know (no bucket, no remote document): the health document the Vite
/// plugin and the CLI write (`crates/node`'s `buildCheck`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Built {
    /// The document's `status` (and `maestro_enabled`).
    pub status: crate::poll::Status,
    /// What decided.
    pub source: Source,
    /// Why.
    pub reason: String,
    /// `VITE_MAESTRO_ROLLOUT`'s percentage (the document's `"rollout"` when valid).
    pub rollout: Rollout,
    /// The rollout's warning (after `[MAESTRO] `) when it is invalid: the
    /// fail-safe reason when it is what disables, else why it was refused.
    pub warning: Option<String>,
}

/// The build-time rollout rule: the flag's `decision` for a build's `env`,
/// narrowed by its `VITE_MAESTRO_ROLLOUT` as read (`None` when reading `env`
/// itself threw: that disabled the decision, with the flag's warning). An
/// invalid percentage fails safe (source `"rollout"`) unless the flag had
/// already disabled it; a rollout of 0 lets no bucket in
/// ([`crate::poll::ROLLOUT_ZERO`]); one from 1 to 99 is `"partial"`.
pub fn at_build(decision: &crate::flag::Decision, rollout: Option<(Raw, Reading)>) -> Built {
    use crate::poll::{self, Says};
    let (mut enabled, mut source, mut reason) = (decision.enabled, decision.source, decision.reason.clone());
    let (rollout, why) = match &rollout {
        None => (Rollout::Unset, None),
        Some((raw, reading)) => match (poll::rollout(*raw), &reading.threw) {
            (Rollout::Invalid, _) | (_, Some(_)) => {
                (Rollout::Invalid, Some(unusable(From::Build.label(), reading, ACCEPTED)))
            }
            (percent, None) => (percent, None),
        },
    };
    let warning = why.map(|why| {
        if !enabled {
            return why;
        }
        // The invalid rollout is what disables: it names the decision.
        (enabled, source) = (false, Source::Rollout);
        reason = crate::flag::cat(&["Disabled (fail safe): ", &why]);
        reason.clone()
    });
    if enabled && rollout == Rollout::Percent(0) {
        // No bucket is within 0%: every page is off, and the document says so.
        (enabled, source, reason) = (false, Source::Rollout, String::from(poll::ROLLOUT_ZERO));
    }
    let status = poll::status(if enabled { Says::On } else { Says::Off }, rollout);
    Built { status, source, reason, rollout, warning }
}

/// A browser in `bucket` at `percent`: `Enabled by rollout: bucket 12 is
/// within 25%`, or `Disabled by rollout: bucket 57 is above 25%`.
pub fn narrow(percent: u32, bucket: u32) -> Narrowing {
    let enabled = crate::hash::is_in(percent, bucket);
    let mut reason = String::from(if enabled { "Enabled by rollout: bucket " } else { "Disabled by rollout: bucket " });
    push_uint(&mut reason, bucket.into());
    reason.push_str(if enabled { " is within " } else { " is above " });
    push_uint(&mut reason, percent.into());
    reason.push('%');
    let mut value = String::new();
    push_uint(&mut value, percent.into());
    Narrowing {
        enabled,
        source: Source::Rollout,
        value: Some(value),
        reason,
        warn: false,
        rollout: Some((percent, bucket)),
    }
}

/// The guard's settings: `init({ guard: { errors, windowMs, cooldownMs } })`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Guard {
    /// How many errors within the window trip it.
    pub errors: u32,
    /// The window, in milliseconds.
    pub window_ms: f64,
    /// How long a trip keeps MAESTRO off in this browser, in milliseconds.
    pub cooldown_ms: f64,
}

impl Default for Guard {
    /// 5 errors in 60 s, and 30 minutes of cooldown, after the runbook's
    /// "watch for errors in first 30 minutes".
    fn default() -> Guard {
        Guard { errors: 5, window_ms: 60_000.0, cooldown_ms: 1_800_000.0 }
    }
}

/// One setting as read: the raw value and its reading.
pub type Setting = (Raw, Reading);
type Field<'a> = (&'static str, &'a Setting, fn(f64) -> bool);

/// Reads the guard's three settings; an unset one takes its default. Any
/// that is not a number in range fails safe: `Err` with the narrowing that
/// names it (`errors` is an integer from 1 to 1000; `windowMs` above 0;
/// `cooldownMs` 0 or more; both finite).
pub fn guard(
    errors: &(Raw, Reading),
    window_ms: &(Raw, Reading),
    cooldown_ms: &(Raw, Reading),
) -> Result<Guard, Narrowing> {
    let mut g = Guard::default();
    let fields: [Field; 3] = [
        ("guard.errors", errors, |n| (1.0..=1000.0).contains(&n) && n == f64::from(n as u32)),
        ("guard.windowMs", window_ms, |n| n > 0.0 && n.is_finite()),
        ("guard.cooldownMs", cooldown_ms, |n| n >= 0.0 && n.is_finite()),
    ];
    for (i, (name, (raw, reading), ok)) in fields.iter().enumerate() {
        let n = match raw {
            Raw::Unset if reading.threw.is_none() => continue,
            Raw::Number(n) if reading.threw.is_none() && ok(*n) => *n,
            _ => {
                let accepted = if i == 0 { "an integer from 1 to 1000" } else { "a number of milliseconds" };
                return Err(refused(Source::Guard, name, reading, accepted));
            }
        };
        match i {
            0 => g.errors = n as u32,
            1 => g.window_ms = n,
            _ => g.cooldown_ms = n,
        }
    }
    Ok(g)
}

/// `60 s`, or `1500 ms` when not a whole number of seconds.
fn push_duration(s: &mut String, ms: f64) {
    if ms >= 1000.0 && ms % 1000.0 == 0.0 {
        push_uint(s, (ms / 1000.0) as u64);
        s.push_str(" s");
    } else {
        push_uint(s, ms as u64);
        s.push_str(" ms");
    }
}

/// The errors the guard has counted: the times of the last `errors` of them.
#[derive(Clone, Debug, Default)]
pub struct Counter {
    times: Vec<f64>,
}

impl Counter {
    /// Counts one error at `now`; `true` when that makes `errors` within
    /// `window_ms` (the guard trips). The times kept are at most `errors`.
    pub fn record(&mut self, guard: &Guard, now: f64) -> bool {
        self.times.retain(|&t| now - t < guard.window_ms && t <= now);
        self.times.push(now);
        let keep = guard.errors as usize;
        if self.times.len() > keep {
            let extra = self.times.len() - keep;
            self.times.drain(..extra);
        }
        self.times.len() >= keep
    }

    /// How many errors fall within the window at `now`.
    pub fn count(&self, guard: &Guard, now: f64) -> u32 {
        self.times.iter().filter(|&&t| now - t < guard.window_ms && t <= now).count() as u32
    }

    /// Forgets every error counted.
    pub fn clear(&mut self) {
        self.times.clear();
    }
}

/// The narrowing of a trip: `Disabled by guard: 5 errors in 60 s`.
pub fn tripped(guard: &Guard) -> Narrowing {
    let mut reason = String::from("Disabled by guard: ");
    push_uint(&mut reason, guard.errors.into());
    reason.push_str(if guard.errors == 1 { " error in " } else { " errors in " });
    push_duration(&mut reason, guard.window_ms);
    let mut value = String::new();
    push_uint(&mut value, guard.errors.into());
    Narrowing { enabled: false, source: Source::Guard, value: Some(value), reason, warn: false, rollout: None }
}

/// The cooldown a trip leaves in this browser: until `now + cooldown_ms`.
pub fn cooldown_until(guard: &Guard, now: f64) -> f64 {
    now + guard.cooldown_ms
}

/// The stored end of a trip's cooldown to write back when a load reads
/// `until`: `now + cooldown_ms` when `until` is further away than that (a
/// forged value, a clock set back; an unreadable one counts as forever), so
/// that the cap is applied once and the cooldown ends at most `cooldown_ms`
/// after the first load that saw it; `None` when `until` is within the cap.
pub fn capped(guard: &Guard, until: f64, now: f64) -> Option<f64> {
    let cap = now + guard.cooldown_ms;
    (until > cap).then_some(cap)
}

/// When the trip remembered as `value` (the text kept under [`GUARD_KEY`])
/// ends, in ms since the epoch: `None` when the text is blank (nothing
/// remembered). A value this package did not write (not 1 to 16 digits
/// between ASCII blanks, forged or not) still counts, as forever: [`cooling`]
/// lasts at most the cooldown, and [`capped`] writes it back capped. (Read by
/// the first-answer module at start-up and by the rollout module's
/// `resetGuard`; ASCII blanks only, not `str::trim`'s Unicode tables.)
pub fn stored_until(value: &str) -> Option<f64> {
    let value = value.trim_ascii();
    if value.is_empty() {
        return None;
    }
    if value.len() > 16 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(f64::INFINITY);
    }
    Some(value.bytes().fold(0.0, |n, d| n * 10.0 + f64::from(d - b'0')))
}

/// The warning (after `[MAESTRO] `) when a trip could not be kept in
/// localStorage (a full quota, storage blocked) and was kept in sessionStorage.
pub const TRIP_IN_SESSION: &str = "The guard's trip could not be remembered in localStorage (full or blocked): \
     kept in sessionStorage instead, so reloads of this tab start disabled for the cooldown, new tabs do not";
/// The same when sessionStorage could not keep it either.
pub const TRIP_NOT_KEPT: &str = "The guard's trip could not be remembered in localStorage or sessionStorage \
     (full or blocked): a reload may start MAESTRO again";

/// At start-up, with the time a trip's cooldown ends (the stored value, if
/// any): the narrowing while it lasts. A value that is not a number, or a
/// cooldown further away than `guard.cooldown_ms` (a clock set back, or a
/// forged value) is not trusted to keep MAESTRO off for longer: it lasts at
/// most `cooldown_ms` from now, and `minutes` says how long is left.
pub fn cooling(guard: &Guard, until: Option<f64>, now: f64) -> Option<Narrowing> {
    let until = until.filter(|u| !u.is_nan())?;
    let left = (until - now).min(guard.cooldown_ms);
    if left <= 0.0 {
        return None;
    }
    let mut reason = String::from("Disabled by guard: it tripped in this browser; cooling down for ");
    // Rounded up (no `ceil` in `no_std`).
    let whole = (left / 60_000.0) as u64;
    let minutes = if (whole as f64) * 60_000.0 < left { whole + 1 } else { whole };
    push_uint(&mut reason, minutes);
    reason.push_str(if minutes == 1 { " more minute" } else { " more minutes" });
    reason.push_str(" (maestroGate.resetGuard() clears it)");
    Some(Narrowing { enabled: false, source: Source::Guard, value: None, reason, warn: false, rollout: None })
}

/// `init({ guard })` as the rollout module read it.
// Built once per page and moved straight into `start`: a box would only add
// an allocation.
#[allow(clippy::large_enum_variant)]
pub enum GuardOption {
    /// Not given, or falsy (`undefined`, `null`, `false`, `0`, `""`).
    Off,
    /// Reading `guard` threw this message.
    Threw(String),
    /// Its `errors`, `windowMs` and `cooldownMs` (all unset when `guard` is
    /// truthy but not an object: the defaults).
    Settings([Setting; 3]),
}

/// What a page's start-up comes to, before the bucket is known.
#[derive(Debug, PartialEq)]
pub enum Step {
    /// This narrowing, whatever the bucket (a bad setting, a cooldown).
    Narrowed(Narrowing),
    /// The rollout at this percentage: `narrow(percent, bucket)`.
    Rollout(u32),
    /// No narrowing: the flag's decision stands.
    None,
}

/// The start-up rules, in order: a guard setting that is not valid fails
/// safe (source `"guard"`); a trip still cooling down (`until()`, the stored
/// end of it) is off; then the smallest of the rollout's percentages
/// (`readings()`: an invalid one fails safe, source `"rollout"`). The two
/// closures are called only when their rule is reached. Returns the guard's
/// settings when it is on, for counting errors, and the step.
pub fn start(
    guard: GuardOption,
    until: impl FnOnce() -> Option<f64>,
    now: f64,
    readings: impl FnOnce() -> [(From, Raw, Reading); 3],
) -> (Option<Guard>, Step) {
    let settings = match guard {
        GuardOption::Off => None,
        GuardOption::Threw(m) => {
            return (None, Step::Narrowed(refused(Source::Guard, "guard", &Reading::threw(m), "")))
        }
        GuardOption::Settings([errors, window_ms, cooldown_ms]) => match self::guard(&errors, &window_ms, &cooldown_ms)
        {
            Ok(g) => Some(g),
            Err(n) => return (None, Step::Narrowed(n)),
        },
    };
    if let Some(n) = settings.as_ref().and_then(|g| cooling(g, until(), now)) {
        return (settings, Step::Narrowed(n));
    }
    let step = match smallest(&readings()) {
        Err(n) => Step::Narrowed(n),
        Ok(None) => Step::None,
        Ok(Some((percent, _))) => Step::Rollout(percent),
    };
    (settings, step)
}

/// The start-up step with the remote document's rollout (its answer on
/// this load, or the one remembered): a fourth percentage, the smallest
/// wins; a step that already narrowed (off, or failing safe) stands.
pub fn with_remote(step: Step, remote: Option<u32>) -> Step {
    match (step, remote.filter(|p| *p <= 100)) {
        (Step::Rollout(p), Some(r)) => Step::Rollout(p.min(r)),
        (Step::None, Some(r)) => Step::Rollout(r),
        (step, _) => step,
    }
}

/// Where this browser keeps its anonymous rollout id: not `maestro:`-prefixed,
/// so that a client-state cleanup does not reshuffle users.
pub const ID_KEY: &str = "maestro-gate:id";
/// Where a guard's trip is remembered (the time its cooldown ends, in ms).
pub const GUARD_KEY: &str = "maestro-gate:guard";
/// The rollout group when `init({ rolloutGroup })` is not given.
pub const DEFAULT_GROUP: &str = "maestro";

/// Which id the bucket was hashed from, as `decision().rollout.stickiness` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stickiness {
    /// `init({ userId })`.
    UserId,
    /// The anonymous id kept in localStorage.
    LocalStorage,
    /// Kept in sessionStorage (localStorage could not be used).
    SessionStorage,
    /// A per-page id (no storage could be used): a new bucket on every load.
    Page,
}

impl Stickiness {
    /// The stickiness's name in `decision().rollout`: `"userId"`, `"localStorage"`, `"sessionStorage"` or `"page"`.
    pub fn id(self) -> &'static str {
        match self {
            Stickiness::UserId => "userId",
            Stickiness::LocalStorage => "localStorage",
            Stickiness::SessionStorage => "sessionStorage",
            Stickiness::Page => "page",
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_trip_is_read_as_its_end_and_a_forged_one_as_forever() {
        assert_eq!(stored_until(""), None);
        assert_eq!(stored_until("  "), None);
        assert_eq!(stored_until("1700000000000"), Some(1_700_000_000_000.0));
        assert_eq!(stored_until(" 42 "), Some(42.0));
        assert_eq!(stored_until("soon"), Some(f64::INFINITY));
        assert_eq!(stored_until("-5"), Some(f64::INFINITY));
        assert_eq!(stored_until("12345678901234567"), Some(f64::INFINITY));
    }

    #[test]
    fn the_remote_rollout_is_a_fourth_percentage_and_off_stands() {
        assert_eq!(with_remote(Step::None, Some(30)), Step::Rollout(30));
        assert_eq!(with_remote(Step::Rollout(50), Some(30)), Step::Rollout(30));
        assert_eq!(with_remote(Step::Rollout(20), Some(30)), Step::Rollout(20));
        assert_eq!(with_remote(Step::None, None), Step::None);
        assert_eq!(with_remote(Step::None, Some(101)), Step::None);
        let off = Step::Narrowed(tripped(&Guard::default()));
        assert_eq!(with_remote(off, Some(100)), Step::Narrowed(tripped(&Guard::default())));
    }
    use crate::flag::read_str;
    use alloc::string::ToString;

    fn s(v: &str) -> (Raw, Reading) {
        (read_str(v), Reading::of(read_str(v), Some(v.to_string())))
    }
    fn n(v: f64) -> (Raw, Reading) {
        (Raw::Number(v), Reading::of(Raw::Number(v), Some(v.to_string())))
    }
    fn u() -> (Raw, Reading) {
        (Raw::Unset, Reading::unset())
    }

    #[test]
    fn the_code_table_reads_back() {
        for (i, v) in Verdict::ALL.into_iter().enumerate() {
            assert_eq!(v.code(), i as u32 + 1);
            assert_eq!(Verdict::of_code(f64::from(v.code())), Some(v));
            // A narrowing of this verdict's meaning crosses with its code.
            let n = Narrowing {
                enabled: v.enabled(),
                source: v.source(),
                warn: v.warn(),
                value: None,
                reason: String::new(),
                rollout: None,
            };
            assert_eq!(n.verdict(), v);
        }
        // The numbers never change: a glue cached beside a newer gate passes them.
        assert_eq!(
            Verdict::ALL.map(|v| (v.code(), v.enabled(), v.source(), v.warn())),
            [
                (1, true, Source::Rollout, false),
                (2, false, Source::Rollout, false),
                (3, false, Source::Guard, false),
                (4, false, Source::Rollout, true),
                (5, false, Source::Guard, true),
                (6, false, Source::Remote, false),
                (7, false, Source::Remote, true),
            ]
        );
        for none in [0.0, -1.0, 0.5, f64::NAN, f64::NEG_INFINITY] {
            assert_eq!(Verdict::of_code(none), None, "{none}");
            assert!(!Code(none).narrows() && !Code(none).says_off());
        }
        for past in [8.0, 1.5e300, f64::INFINITY] {
            assert_eq!(Verdict::of_code(past), Some(Verdict::RemoteFailSafe), "{past}: off, failing safe");
        }
        for v in Verdict::ALL {
            let c = Code::from(v);
            assert!(c.narrows());
            assert_eq!(c.says_off(), !v.enabled());
        }
    }

    #[test]
    fn smallest_wins_and_invalid_fails_safe() {
        let r = |f, v: (Raw, Reading)| (f, v.0, v.1);
        assert_eq!(
            smallest(&[r(From::Build, s("50")), r(From::Runtime, n(25.0)), r(From::Option, u())]),
            Ok(Some((25, From::Runtime)))
        );
        assert_eq!(smallest(&[r(From::Build, u()), r(From::Runtime, u())]), Ok(None));
        let err = smallest(&[r(From::Build, s("25.5")), r(From::Runtime, n(10.0))]).unwrap_err();
        assert!(!err.enabled);
        assert_eq!(err.source, Source::Rollout);
        assert!(err.warn);
        assert_eq!(err.code(), 4);
        assert_eq!(
            err.reason,
            "Disabled (fail safe): invalid VITE_MAESTRO_ROLLOUT=\"25.5\"; accepted: an integer from 0 to 100, with or without % (blank means unset)"
        );
        let err = smallest(&[r(From::Option, n(150.0))]).unwrap_err();
        assert_eq!(
            err.reason,
            "Disabled (fail safe): invalid rollout=150; accepted: an integer from 0 to 100, with or without % (blank means unset)"
        );
        let threw = (From::Runtime, Raw::Unset, Reading::threw("boom".to_string()));
        assert_eq!(
            smallest(&[threw]).unwrap_err().reason,
            "Disabled (fail safe): reading window.MAESTRO_ROLLOUT threw: boom"
        );
    }

    #[test]
    fn reasons_name_the_bucket() {
        let n57 = narrow(25, 57);
        assert!(!n57.enabled);
        assert_eq!(n57.reason, "Disabled by rollout: bucket 57 is above 25%");
        assert_eq!(n57.rollout, Some((25, 57)));
        assert_eq!(n57.value.as_deref(), Some("25"));
        assert_eq!(narrow(25, 12).reason, "Enabled by rollout: bucket 12 is within 25%");
        assert_eq!(narrow(10, 10).reason, "Enabled by rollout: bucket 10 is within 10%");
        assert!(!narrow(0, 1).enabled);
        assert_eq!(narrow(25, 12).code(), 1);
        assert_eq!(narrow(25, 57).code(), 2);
        assert_eq!(tripped(&Guard::default()).code(), 3);
        assert!(narrow(100, 100).enabled);
    }

    #[test]
    fn guard_settings() {
        assert_eq!(guard(&u(), &u(), &u()), Ok(Guard::default()));
        assert_eq!(guard(&n(3.0), &n(1500.0), &n(0.0)), Ok(Guard { errors: 3, window_ms: 1500.0, cooldown_ms: 0.0 }));
        let err = guard(&s("5"), &u(), &u()).unwrap_err();
        assert_eq!(err.source, Source::Guard);
        assert_eq!(err.reason, "Disabled (fail safe): invalid guard.errors=\"5\"; accepted: an integer from 1 to 1000");
        assert_eq!(err.code(), 5);
        for bad in [n(0.0), n(2.5), n(f64::INFINITY), n(-1.0)] {
            assert!(guard(&bad, &u(), &u()).is_err());
        }
        assert!(guard(&u(), &n(0.0), &u()).is_err());
        assert!(guard(&u(), &u(), &n(-1.0)).is_err());
        assert_eq!(
            guard(&u(), &n(f64::NAN), &u()).unwrap_err().reason,
            "Disabled (fail safe): invalid guard.windowMs=NaN; accepted: a number of milliseconds"
        );
    }

    #[test]
    fn start_up_takes_the_rules_in_order() {
        let none = || {
            [
                (From::Build, Raw::Unset, Reading::unset()),
                (From::Runtime, Raw::Unset, Reading::unset()),
                (From::Option, Raw::Unset, Reading::unset()),
            ]
        };
        let ten = || {
            let [b, r, _] = none();
            [b, r, (From::Option, n(10.0).0, n(10.0).1)]
        };
        let bad = || {
            let [b, _, o] = none();
            [b, (From::Runtime, s("ten").0, s("ten").1), o]
        };
        let never = || -> Option<f64> { panic!("no guard: the cooldown is not read") };
        assert_eq!(start(GuardOption::Off, never, 0.0, none), (None, Step::None));
        assert_eq!(start(GuardOption::Off, never, 0.0, ten), (None, Step::Rollout(10)));
        let (g, step) = start(GuardOption::Off, never, 0.0, bad);
        assert_eq!(g, None);
        let Step::Narrowed(fail) = step else { panic!("an invalid rollout narrows") };
        assert_eq!(
            fail.reason,
            "Disabled (fail safe): invalid window.MAESTRO_ROLLOUT=\"ten\"; accepted: ".to_string() + ACCEPTED
        );
        assert_eq!(fail.code(), 4);
        // A bad guard comes first, and the rollout's sources are not read.
        let unread = || -> [(From, Raw, Reading); 3] { panic!("the rollout is not read") };
        let (g, step) = start(GuardOption::Settings([s("5"), u(), u()]), never, 0.0, unread);
        assert_eq!(g, None);
        assert!(matches!(step, Step::Narrowed(ref n) if n.code() == 5 && n.reason.contains("guard.errors=\"5\"")));
        let (_, step) = start(GuardOption::Threw("boom".into()), never, 0.0, unread);
        assert!(
            matches!(step, Step::Narrowed(ref n) if n.code() == 5 && n.reason == "Disabled (fail safe): reading guard threw: boom")
        );
        // A valid guard: its settings, then a cooldown still running wins over the rollout.
        let (g, step) = start(GuardOption::Settings([n(3.0), u(), u()]), || Some(120_000.0), 0.0, unread);
        assert_eq!(g, Some(Guard { errors: 3, ..Guard::default() }));
        assert!(
            matches!(step, Step::Narrowed(ref n) if n.code() == 3 && n.reason.contains("cooling down for 2 more minutes"))
        );
        // One that has run out: the rollout.
        let (g, step) = start(GuardOption::Settings([u(), u(), u()]), || Some(5.0), 10.0, ten);
        assert_eq!((g, step), (Some(Guard::default()), Step::Rollout(10)));
    }

    #[test]
    fn the_build_time_rule() {
        use crate::flag::{self, Decision};
        use crate::poll::{Status, ROLLOUT_ZERO};
        let on = Decision { enabled: true, source: flag::Source::Build, value: None, reason: "on".to_string() };
        let off = Decision { enabled: false, reason: "off".to_string(), ..on.clone() };
        let b = |d: &Decision, v: Option<(Raw, Reading)>| {
            let b = at_build(d, v);
            (b.status, b.source, b.reason, b.rollout, b.warning)
        };
        let on_as = |status| (status, flag::Source::Build, "on".to_string());
        let (st, src, r) = on_as(Status::Enabled);
        assert_eq!(b(&on, None), (st, src, r.clone(), Rollout::Unset, None));
        assert_eq!(b(&on, Some(u())), (st, src, r, Rollout::Unset, None));
        let (st, src, r) = on_as(Status::Partial(25));
        assert_eq!(b(&on, Some(s("25%"))), (st, src, r, Rollout::Percent(25), None));
        let (st, src, r) = on_as(Status::Enabled);
        assert_eq!(b(&on, Some(n(100.0))), (st, src, r, Rollout::Percent(100), None));
        assert_eq!(
            b(&on, Some(s("0"))),
            (Status::Disabled, flag::Source::Rollout, ROLLOUT_ZERO.to_string(), Rollout::Percent(0), None)
        );
        let fail = "Disabled (fail safe): invalid VITE_MAESTRO_ROLLOUT=\"half\"; accepted: ".to_string() + ACCEPTED;
        assert_eq!(
            b(&on, Some(s("half"))),
            (Status::Disabled, flag::Source::Rollout, fail.clone(), Rollout::Invalid, Some(fail))
        );
        // Already off: the flag's decision stands, and the rollout only warns.
        let why = "invalid VITE_MAESTRO_ROLLOUT=150; accepted: ".to_string() + ACCEPTED;
        assert_eq!(
            b(&off, Some(n(150.0))),
            (Status::Disabled, flag::Source::Build, "off".to_string(), Rollout::Invalid, Some(why))
        );
        assert_eq!(b(&off, Some(s("0"))).1, flag::Source::Build, "an off stays the flag's");
        let threw = b(&on, Some((Raw::Unset, Reading::threw("boom".to_string()))));
        assert_eq!(threw.2, "Disabled (fail safe): reading VITE_MAESTRO_ROLLOUT threw: boom");
        assert_eq!((threw.0, threw.1, threw.3), (Status::Disabled, flag::Source::Rollout, Rollout::Invalid));
    }

    #[test]
    fn the_guard_trips_at_errors_within_the_window() {
        let g = Guard { errors: 3, window_ms: 1000.0, cooldown_ms: 60_000.0 };
        assert_eq!(tripped(&Guard { window_ms: 1500.0, ..g }).reason, "Disabled by guard: 3 errors in 1500 ms");
        let mut c = Counter::default();
        assert!(!c.record(&g, 0.0));
        assert!(!c.record(&g, 500.0));
        // The first has left the window.
        assert!(!c.record(&g, 1200.0));
        assert_eq!(c.count(&g, 1200.0), 2);
        assert!(c.record(&g, 1300.0));
        assert_eq!(tripped(&g).reason, "Disabled by guard: 3 errors in 1 s");
        assert_eq!(tripped(&Guard::default()).reason, "Disabled by guard: 5 errors in 60 s");
        let one = Guard { errors: 1, ..Guard::default() };
        assert!(Counter::default().record(&one, 5.0));
        assert_eq!(tripped(&one).reason, "Disabled by guard: 1 error in 60 s");
    }

    #[test]
    fn the_cooldown_is_bounded() {
        let g = Guard::default();
        assert_eq!(cooling(&g, None, 0.0), None);
        assert_eq!(cooling(&g, Some(f64::NAN), 0.0), None);
        assert_eq!(cooling(&g, Some(100.0), 100.0), None);
        let c = cooling(&g, Some(cooldown_until(&g, 1000.0)), 1000.0).unwrap();
        assert_eq!(c.source, Source::Guard);
        assert_eq!(
            c.reason,
            "Disabled by guard: it tripped in this browser; cooling down for 30 more minutes (maestroGate.resetGuard() clears it)"
        );
        // A forged far-future value lasts no longer than the cooldown.
        let c = cooling(&g, Some(1e15), 0.0).unwrap();
        assert!(c.reason.contains("for 30 more minutes"));
        let c = cooling(&g, Some(f64::INFINITY), 0.0).unwrap();
        assert!(c.reason.contains("for 30 more minutes"));
        assert!(cooling(&g, Some(61_000.0), 1000.0).unwrap().reason.contains("for 1 more minute "));
    }

    #[test]
    fn a_cooldown_beyond_the_cap_is_written_back_capped_once() {
        let g = Guard { cooldown_ms: 60_000.0, ..Guard::default() };
        // Forged, skewed or unreadable: written back as now + cooldown.
        assert_eq!(capped(&g, 1e15, 1000.0), Some(61_000.0));
        assert_eq!(capped(&g, f64::INFINITY, 1000.0), Some(61_000.0));
        // Within the cap (or already past): left alone.
        assert_eq!(capped(&g, 61_000.0, 1000.0), None);
        assert_eq!(capped(&g, 500.0, 1000.0), None);
        // A load a minute later reads the written value: the cooldown is over,
        // where re-applying the cap each load would have kept it forever.
        let first = capped(&g, f64::INFINITY, 1000.0).unwrap();
        assert!(cooling(&g, Some(first), 1000.0).is_some());
        assert_eq!(capped(&g, first, 61_000.0), None);
        assert_eq!(cooling(&g, Some(first), 61_000.0), None);
        assert_eq!(capped(&Guard { cooldown_ms: 0.0, ..g }, 1e15, 5.0), Some(5.0));
    }
}
