//! Flag resolution: what one value means, and which source decides.
//!
//! Pure Rust, no `web_sys`: the browser layer turns each source into a
//! [`Reading`] and calls [`decide`]. Tested natively with `cargo test`.

use alloc::string::String;
use core::num::NonZeroU64;

/// What one source says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setting {
    /// `undefined`, `null`, or a blank string.
    Unset,
    /// An on: `true`, `1`, or the strings `true`, `1`, `yes`, `on`.
    On,
    /// An off: `false`, `0`, or the strings `false`, `0`, `no`, `off`.
    Off,
    /// Anything else: a typo, another number, an object, a getter that throws.
    Invalid,
    /// An on that was not its object's own property ([`Reading::own`]):
    /// counted as unset, with a warning. [`parse`] never answers it.
    Ignored,
}

/// Where a decision came from. The names are the ones users see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// `MAESTRO_ENABLED` on the global object (`window` in a page).
    Runtime,
    /// `VITE_MAESTRO_ENABLED` in the `env` object handed to `init`.
    Build,
    /// The `defaultEnabled` option.
    Default,
    /// The wasm could not be loaded, or the gate has not been initialised.
    Unavailable,
    /// The remote health document (`init({ remote })`) said `maestro_enabled: false`.
    Remote,
    /// A gradual rollout narrowed an "on" decision (see [`crate::rollout`]).
    Rollout,
    /// The error guard tripped, here or in another tab (see [`crate::rollout`]).
    Guard,
}

impl Source {
    /// The id users branch on (`decision().source`).
    pub fn id(self) -> &'static str {
        // (One table, which `label` reads too: as two `match`es, a module
        // that calls both held every name twice.)
        static IDS: [&str; 7] =
            ["window.MAESTRO_ENABLED", "VITE_MAESTRO_ENABLED", "default", "unavailable", "remote", "rollout", "guard"];
        IDS[self as usize]
    }

    /// The name used in log lines (`[MAESTRO] Disabled by <name>=false`).
    fn label(self) -> &'static str {
        match self {
            Source::Default => "defaultEnabled",
            other => other.id(),
        }
    }
}

/// Text the rules build their sentences from: `String` on the host; in the
/// gate module, a JavaScript string held by handle, so that the decision path
/// never allocates in wasm.
pub trait Text: Clone {
    /// A text holding `s`.
    fn of(s: &str) -> Self;
    /// Appends `s`.
    fn push(&mut self, s: &str);
    /// Appends `t`.
    fn append(&mut self, t: &Self);
    /// Appends `n` in decimal (the gate module has JavaScript write it).
    fn push_uint(&mut self, n: u64) {
        push_uint(self, n);
    }
}

/// Appends `n` in decimal (a digit at a time: no formatting, no UTF-8
/// check, which the wasm modules would pay for in bytes). The one writer of
/// numbers in the rules (`cleanup` and `remember` name it too; the beacon
/// document's `report::write` runs the same loop over its `Sink`).
pub fn push_uint<T: Text>(out: &mut T, n: u64) {
    const DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    // A divisor the compiler knows is not zero: no division check, whose
    // panic would bring core's formatting into the wasm modules.
    let mut scale = NonZeroU64::MIN;
    while n / scale >= 10 {
        scale = scale.saturating_mul(NonZeroU64::MIN.saturating_add(9));
    }
    loop {
        out.push(DIGITS.get(((n / scale) % 10) as usize).copied().unwrap_or("0"));
        match NonZeroU64::new(scale.get() / 10) {
            Some(next) => scale = next,
            None => break,
        }
    }
}

/// The parts one after the other: `[a, b].concat()` without its length
/// sum and `split_at` (whose panics would bring core's formatting into the
/// wasm modules that build sentences in Rust).
pub fn cat(parts: &[&str]) -> String {
    let mut s = String::new();
    for part in parts {
        s.push_str(part);
    }
    s
}

impl Text for String {
    fn of(s: &str) -> String {
        String::from(s)
    }
    fn push(&mut self, s: &str) {
        self.push_str(s);
    }
    fn append(&mut self, t: &String) {
        self.push_str(t);
    }
}

/// A raw JavaScript value, as far as the rules care.
#[derive(Clone, Copy, Debug)]
pub enum Raw {
    /// `undefined` or `null`.
    Unset,
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string, read by [`word`] (or [`read_str`]): its trimmed, lowercased bytes.
    Word(Word),
    /// Any other type (object, symbol, bigint, function).
    Other,
}

/// A string value as the rules see it: ASCII-trimmed and lowercased, kept
/// only up to the longest accepted word (5 bytes).
#[derive(Clone, Copy, Debug)]
pub struct Word {
    buf: [u8; 5],
    /// The trimmed length; more than 5 means the value is invalid.
    len: usize,
}

/// Reads a string of `len` code units (`at(i)` is the `i`-th) as a [`Raw::Word`].
/// Only ASCII whitespace is trimmed: any other character makes the value
/// invalid (which fails safe), and this keeps Unicode tables out of the wasm.
/// It reads the ends and at most 5 characters, however long the string is.
pub fn word(len: usize, at: impl Fn(usize) -> u32) -> Raw {
    let space = |c: u32| matches!(c, 0x20 | 0x09 | 0x0a | 0x0c | 0x0d);
    let mut start = 0;
    while start < len && space(at(start)) {
        start += 1;
    }
    let mut end = len;
    while end > start && space(at(end - 1)) {
        end -= 1;
    }
    let mut w = Word { buf: [0; 5], len: end - start };
    if w.len <= w.buf.len() {
        for (i, b) in w.buf.iter_mut().enumerate().take(w.len) {
            // A non-ASCII code unit becomes a byte no accepted word has.
            *b = u8::try_from(at(start + i)).unwrap_or(0xff).to_ascii_lowercase();
        }
    }
    Raw::Word(w)
}

impl Word {
    /// The trimmed, lowercased bytes, or `None` when the value was longer
    /// than 5 bytes (no accepted word or percentage is).
    pub fn bytes(&self) -> Option<&[u8]> {
        self.buf.get(..self.len)
    }
}

/// A Rust string as the rules read it (the gate module reads JavaScript
/// strings with [`word`] directly).
pub fn read_str(s: &str) -> Raw {
    word(s.len(), |i| s.as_bytes().get(i).copied().map_or(0, u32::from))
}

/// How many characters of a value a line shows; a longer one is cut, and
/// its length said (`… (10485760 characters)`): [`cut`].
pub const SHOWN: u32 = 64;

/// The one cut of a value shown in a line (a value, a key name), for every
/// layer: the gate's values (read from JavaScript, through its ABI), the
/// rollout module's, the build-time check's, the native rules'. A text of
/// `len` units (UTF-8 bytes, or UTF-16 units) whose unit `i` continues the
/// character before it when `continues(i)` ([`utf8_continues`],
/// [`utf16_continues`]) is cut before a character, never inside one: `None`
/// when it has at most [`SHOWN`] characters (it is shown whole); else the
/// end of its first [`SHOWN`] characters, in those units, and how many
/// characters it has, which [`cut_said`] appends. [`shown`] is the two for a
/// Rust string. (One pass, each unit read once: the fewest bytes of the
/// gate's wasm of the readings measured.)
pub fn cut(len: usize, continues: impl Fn(usize) -> bool) -> Option<(usize, u64)> {
    let (mut end, mut count) = (0, 0u64);
    for i in 0..len {
        if !continues(i) {
            if count == u64::from(SHOWN) {
                end = i;
            }
            count += 1;
        }
    }
    (count > u64::from(SHOWN)).then_some((end, count))
}

/// After the first [`SHOWN`] characters of a text that has `count`: `…
/// (<count> characters)`.
pub fn cut_said<T: Text>(head: &mut T, count: u64) {
    head.push("… (");
    head.push_uint(count);
    head.push(" characters)");
}

/// Whether unit `i` of a JavaScript string (`at(j)` is its `j`-th unit, 0
/// past either end) continues the character before it, as [`cut`] takes
/// it: the low half of a surrogate pair (a pair is one character, never cut
/// in half); anything else, a lone surrogate included, is a character of
/// its own (as JavaScript's `for...of` counts them).
pub fn utf16_continues(i: usize, at: impl Fn(usize) -> u32) -> bool {
    (0xdc00..0xe000).contains(&at(i)) && (0xd800..0xdc00).contains(&at(i.wrapping_sub(1)))
}

/// Whether a byte of UTF-8 continues the character before it, as [`cut`]
/// takes it.
pub fn utf8_continues(byte: u8) -> bool {
    byte & 0xc0 == 0x80
}

/// `text` as a line shows it ([`cut`]): whole, or its first [`SHOWN`]
/// characters and how many it has (`… (70 characters)`), appended to `out`.
pub fn shown(out: &mut String, text: &str) {
    // (`get`, not an index: a slice's panic formats, kilobytes of wasm.)
    match cut(text.len(), |i| text.as_bytes().get(i).copied().is_some_and(utf8_continues)) {
        None => out.push_str(text),
        Some((end, count)) => {
            out.push_str(text.get(..end).unwrap_or_default());
            cut_said(out, count);
        }
    }
}

/// Whether a terminal could read `c` as something other than text: a
/// control character (C0, DEL, C1: escapes, a carriage return, a newline
/// that would start a forged line), a line or paragraph separator, or a
/// bidirectional override or isolate (text shown in another order).
pub fn unprintable(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every [`unprintable`] character written as its JSON escape
/// (`\u001b`), so that one line stays one line of plain text: what the CLI
/// prints. Inside a JSON document's strings, where alone such characters can
/// be, the escape reads back as the same character.
pub fn printable(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if unprintable(c) {
            let n = c as u32;
            out.push_str("\\u");
            for shift in [12, 8, 4, 0] {
                out.push(char::from(HEX[((n >> shift) & 0xf) as usize]));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The accepted spellings, as shown to users in warnings.
pub const ACCEPTED: &str = "true/false, 1/0, yes/no, on/off (blank means unset)";

/// Parses one raw value. Strings are trimmed and compared case-insensitively.
pub fn parse(raw: Raw) -> Setting {
    match raw {
        Raw::Unset => Setting::Unset,
        Raw::Bool(true) => Setting::On,
        Raw::Bool(false) => Setting::Off,
        // Float patterns compare with `==`: -0 is off too; NaN matches neither.
        Raw::Number(1.0) => Setting::On,
        Raw::Number(0.0) => Setting::Off,
        Raw::Number(_) | Raw::Other => Setting::Invalid,
        // One number per word (see `packed`): a few compares, where a match
        // on byte strings measured 85 B more of the gate's wasm (10 B gzip).
        Raw::Word(w) => match w.bytes().map(packed) {
            Some(EMPTY) => Setting::Unset,
            Some(TRUE | ONE | YES | ON) => Setting::On,
            Some(FALSE | ZERO | NO | OFF) => Setting::Off,
            _ => Setting::Invalid,
        },
    }
}

/// At most 5 bytes as one number, after a leading 1 (so that the length
/// counts: `""` is 1, `"\0"` is 256).
const fn packed(b: &[u8]) -> u64 {
    let (mut n, mut i) = (1, 0);
    while i < b.len() {
        n = n << 8 | b[i] as u64;
        i += 1;
    }
    n
}
const EMPTY: u64 = packed(b"");
const TRUE: u64 = packed(b"true");
const ONE: u64 = packed(b"1");
const YES: u64 = packed(b"yes");
const ON: u64 = packed(b"on");
const FALSE: u64 = packed(b"false");
const ZERO: u64 = packed(b"0");
const NO: u64 = packed(b"no");
const OFF: u64 = packed(b"off");

/// What the browser layer read from one source.
#[derive(Clone, Debug)]
pub struct Reading<T = String> {
    /// What the source says (`None` when nothing was read).
    pub setting: Option<Setting>,
    /// The raw value as a string (`String(value)`), `None` when unset.
    pub text: Option<T>,
    /// Whether `text` came from a JS string (it is quoted in warnings).
    pub is_string: bool,
    /// Set when reading the value threw: the error's message.
    pub threw: Option<T>,
}

impl<T> Default for Reading<T> {
    fn default() -> Self {
        Reading { setting: None, text: None, is_string: false, threw: None }
    }
}

impl<T> Reading<T> {
    /// A source with nothing set.
    pub fn unset() -> Reading<T> {
        Reading::default()
    }

    /// A reading of `raw`, whose string form is `text`.
    pub fn of(raw: Raw, text: Option<T>) -> Reading<T> {
        Reading { setting: Some(parse(raw)), is_string: matches!(raw, Raw::Word(_)), text, threw: None }
    }

    /// Off first: a source is read as the app reads it (getters, proxies and
    /// prototypes included), and an off or invalid value counts wherever it
    /// came from; an on counts only when `own()` says the value is its
    /// object's own property (a polluted prototype cannot turn MAESTRO on).
    /// An on that is not is [`Setting::Ignored`]: the source is unset, with
    /// a warning ([`decide`]). `own` is asked only for an on.
    pub fn own(mut self, own: impl FnOnce() -> bool) -> Reading<T> {
        if self.setting() == Setting::On && !own() {
            self.setting = Some(Setting::Ignored);
        }
        self
    }

    /// A source whose getter threw `message`.
    pub fn threw(message: T) -> Reading<T> {
        Reading { setting: Some(Setting::Invalid), threw: Some(message), ..Reading::default() }
    }

    /// What the source says ([`Setting::Unset`] when nothing was read).
    pub fn setting(&self) -> Setting {
        self.setting.unwrap_or(Setting::Unset)
    }
}

/// The gate's answer, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision<T = String> {
    /// Whether MAESTRO is enabled.
    pub enabled: bool,
    /// Which source decided.
    pub source: Source,
    /// The deciding value as a string, `None` when there was none.
    pub value: Option<T>,
    /// One human-readable sentence; the console line is `[MAESTRO] ` + this.
    pub reason: T,
}

/// How loud a line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// `console.info`.
    Info,
    /// `console.warn`.
    Warn,
}

/// One console line, without the `[MAESTRO] ` prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line<T = String> {
    /// How loud it is.
    pub level: Level,
    /// The sentence.
    pub text: T,
}

/// The decision and the lines to log for it, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome<T = String> {
    /// The decision.
    pub decision: Decision<T>,
    /// The lines to log for it, in order.
    pub lines: Lines<T>,
}

/// The lines of one decision, without allocating: at most four (a warning
/// for each source that is invalid and does not decide, or whose on was
/// ignored, then the reason).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lines<T>([Option<Line<T>>; 4]);

impl<T> Default for Lines<T> {
    fn default() -> Lines<T> {
        Lines([None, None, None, None])
    }
}

impl<T> Lines<T> {
    /// No line yet.
    pub fn new() -> Lines<T> {
        Lines::default()
    }
    /// A decision's line: one (the reason) without warnings.
    pub fn one(line: Line<T>) -> Lines<T> {
        Lines([Some(line), None, None, None])
    }
    /// Adds a line (a fifth is dropped: a decision has at most four).
    pub fn push(&mut self, line: Line<T>) {
        if let Some(slot) = self.0.iter_mut().find(|l| l.is_none()) {
            *slot = Some(line);
        }
    }
    /// The lines, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Line<T>> {
        self.0.iter().flatten()
    }
    /// How many lines there are.
    pub fn len(&self) -> usize {
        self.iter().count()
    }
    /// Whether there is no line.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The `i`-th line.
    pub fn get(&self, i: usize) -> Option<&Line<T>> {
        self.iter().nth(i)
    }
    /// The last line (the reason's, once the decision is made).
    pub fn last(&self) -> Option<&Line<T>> {
        self.iter().last()
    }
}

/// How much of the decision's lines `init({ log })` lets through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Log {
    /// `"info"`, the default: every line.
    Info,
    /// `"warn"`: warnings only.
    Warn,
    /// `"silent"`: nothing.
    Silent,
}

impl Log {
    /// The `log` option: `"silent"` and `"warn"`; anything else is `Info`.
    pub fn parse(option: Option<&str>) -> Log {
        match option {
            Some("silent") => Log::Silent,
            Some("warn") => Log::Warn,
            _ => Log::Info,
        }
    }

    /// Whether a line at `level` is printed.
    pub fn shows(self, level: Level) -> bool {
        match self {
            Log::Info => true,
            Log::Warn => level == Level::Warn,
            Log::Silent => false,
        }
    }
}

/// Decides from the three sources. Off wins:
///
/// 1. if the runtime or build source is off, or any source is invalid, the
///    gate is disabled; the first off source names the decision (runtime,
///    then build), or failing that the first invalid one;
/// 2. otherwise, if the runtime or build source is on, it is enabled (runtime
///    named first);
/// 3. otherwise `defaultEnabled` decides (unset means enabled).
///
/// Every invalid source that does not name the decision gets its own warning,
/// and so does every source whose on was ignored ([`Reading::own`]).
pub fn decide<T: Text>(runtime: &Reading<T>, build: &Reading<T>, default: &Reading<T>) -> Outcome<T> {
    use Setting::{Invalid, Off, On};
    let sources = [(Source::Runtime, runtime), (Source::Build, build), (Source::Default, default)];
    let (rt, bd, df) = (runtime.setting(), build.setting(), default.setting());
    // (Plain comparisons: the search over `sources` it replaced measured larger in the gate's wasm.)
    let (enabled, (source, reading)) = if rt == Off {
        (false, sources[0])
    } else if bd == Off {
        (false, sources[1])
    } else if rt == Invalid {
        (false, sources[0])
    } else if bd == Invalid {
        (false, sources[1])
    } else if df == Invalid {
        (false, sources[2])
    } else if rt == On {
        (true, sources[0])
    } else if bd == On {
        (true, sources[1])
    } else {
        (df != Off, sources[2])
    };

    let mut lines = Lines::new();
    for &(s, r) in &sources {
        let text = match (r.setting(), &r.text) {
            (Setting::Invalid, _) if s != source => invalid_text(s, r),
            (Setting::Ignored, Some(text)) => ignoring(s, text, NOT_OWN),
            _ => continue,
        };
        lines.push(Line { level: Level::Warn, text });
    }
    let reason = reason_text(enabled, source, reading);
    let level = if reading.setting() == Setting::Invalid { Level::Warn } else { Level::Info };
    lines.push(Line { level, text: reason.clone() });

    // An ignored defaultEnabled is unset: the default decides, with no value.
    let value = if reading.setting() == Setting::Ignored { None } else { reading.text.clone() };
    Outcome { decision: Decision { enabled, source, value, reason }, lines }
}

fn reason_text<T: Text>(enabled: bool, source: Source, r: &Reading<T>) -> T {
    if r.setting() == Setting::Invalid {
        let mut s = T::of("Disabled (fail safe): ");
        s.append(&invalid_text(source, r));
        return s;
    }
    let mut s = T::of(if enabled { "Enabled" } else { "Disabled" });
    match (source, &r.text) {
        (Source::Runtime | Source::Build, Some(text)) => {
            s.push(" by ");
            s.push(source.label());
            s.push("=");
            s.append(text);
        }
        _ => s.push(" (default)"),
    }
    s
}

fn invalid_text<T: Text>(source: Source, r: &Reading<T>) -> T {
    if let Some(message) = &r.threw {
        let mut s = T::of("reading ");
        s.push(source.label());
        s.push(" threw: ");
        s.append(message);
        return s;
    }
    let mut s = T::of("invalid ");
    s.push(source.label());
    s.push(if r.is_string { "=\"" } else { "=" });
    if let Some(text) = &r.text {
        s.append(text);
    }
    if r.is_string {
        s.push("\"");
    }
    s.push("; accepted: ");
    s.push(ACCEPTED);
    s
}

/// Latching: once off, the gate stays off until reload. Returns the decision
/// that replaces `current` when `incoming` arrives, or `None` when nothing
/// changes (`incoming` agrees, or `current` is already off).
pub fn latch<T: Clone>(current: &Decision<T>, incoming: &Decision<T>) -> Option<Decision<T>> {
    if current.enabled && !incoming.enabled {
        Some(incoming.clone())
    } else {
        None
    }
}

/// The line for a later "on" that a latched-off gate ignores.
pub fn ignored_line<T: Text>(source: Source, text: &T) -> T {
    ignoring(source, text, ": the gate stays disabled until the page reloads")
}

/// Why an on that was not its object's own property is ignored ([`Reading::own`]).
pub const NOT_OWN: &str = ": not an own property, and only an own property can turn MAESTRO on";

fn ignoring<T: Text>(source: Source, text: &T, why: &str) -> T {
    let mut s = T::of("Ignoring ");
    s.push(source.label());
    s.push("=");
    s.append(text);
    s.push(why);
    s
}

/// The decision when the remote health document says off.
pub fn remote_off<T: Text>(url: &T) -> Decision<T> {
    Decision { enabled: false, source: Source::Remote, value: Some(T::of("false")), reason: remote_off_reason(url) }
}

/// [`remote_off`]'s reason: `Disabled by remote /maestro-health: maestro_enabled=false`.
pub fn remote_off_reason<T: Text>(url: &T) -> T {
    let mut reason = T::of("Disabled by remote ");
    reason.append(url);
    reason.push(": maestro_enabled=false");
    reason
}

/// The decision before `init` has finished, or when the wasm is missing.
pub fn unavailable<T: Text>(reason: &str) -> Decision<T> {
    Decision { enabled: false, source: Source::Unavailable, value: None, reason: T::of(reason) }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    /// `Source::id` reads its table by the variant's position: each id, by name.
    #[test]
    fn each_source_has_its_id() {
        let ids = [
            (Source::Runtime, "window.MAESTRO_ENABLED"),
            (Source::Build, "VITE_MAESTRO_ENABLED"),
            (Source::Default, "default"),
            (Source::Unavailable, "unavailable"),
            (Source::Remote, "remote"),
            (Source::Rollout, "rollout"),
            (Source::Guard, "guard"),
        ];
        for (source, id) in ids {
            assert_eq!(source.id(), id);
        }
        assert_eq!(Source::Default.label(), "defaultEnabled");
        assert_eq!(Source::Build.label(), "VITE_MAESTRO_ENABLED");
    }

    #[test]
    fn cat_is_concat() {
        assert_eq!(cat(&[]), "");
        assert_eq!(cat(&["a", "", "😀b", "c"]), ["a", "", "😀b", "c"].concat());
    }

    #[test]
    fn long_values_are_cut_after_64_characters_never_inside_one() {
        let shown_ = |t: &str| {
            let mut s = String::new();
            shown(&mut s, t);
            s
        };
        assert_eq!(shown_(&"k".repeat(70)), ["k".repeat(64), "… (70 characters)".into()].concat());
        assert_eq!(shown_(&"é".repeat(64)), "é".repeat(64), "64 characters, however many bytes, are shown whole");
        assert_eq!(shown_(&"😀".repeat(65)), ["😀".repeat(64), "… (65 characters)".into()].concat());
        assert_eq!(shown_(""), "");
        // UTF-16: a pair is one character, a lone surrogate another.
        let units = |s: &str| s.encode_utf16().collect::<std::vec::Vec<u16>>();
        let u = units(&["a".repeat(63), "😀".repeat(2)].concat());
        let by_units = |u: &[u16]| cut(u.len(), |i| utf16_continues(i, |j| u.get(j).copied().map_or(0, u32::from)));
        assert_eq!(by_units(&u), Some((65, 65)), "the 64th character is whole");
        let lone: std::vec::Vec<u16> = core::iter::repeat_n(0xd800, 70).collect();
        assert_eq!(by_units(&lone), Some((64, 70)));
        let low_then_high: std::vec::Vec<u16> = [[0xdc00].repeat(35), [0xd800].repeat(35)].concat();
        assert_eq!(by_units(&low_then_high), Some((64, 70)), "lone surrogates, a low one before a high one too");
        assert_eq!(by_units(&units(&"😀".repeat(64))), None, "64 pairs are 64 characters: shown whole");
        let mut head = String::from("x");
        cut_said(&mut head, 10_485_760);
        assert_eq!(head, "x… (10485760 characters)");
    }

    proptest::proptest! {
        /// A JavaScript string and its Rust string are cut at the same
        /// character: the UTF-16 and UTF-8 readings agree with `chars()`.
        #[test]
        fn utf16_and_utf8_cut_alike(text in "\\PC{0,80}|[a😀é]{60,70}") {
            let u: std::vec::Vec<u16> = text.encode_utf16().collect();
            let by_units = cut(u.len(), |i| utf16_continues(i, |j| u.get(j).copied().map_or(0, u32::from)));
            // `chars()`, not `utf8_continues`: the plain specification of a character.
            let widths: std::vec::Vec<usize> = text.chars().map(char::len_utf8).collect();
            let by_chars = (widths.len() > SHOWN as usize)
                .then(|| (widths[..SHOWN as usize].iter().sum(), widths.len() as u64));
            let by_bytes = cut(text.len(), |i| utf8_continues(text.as_bytes()[i]));
            proptest::prop_assert_eq!(by_bytes, by_chars);
            proptest::prop_assert_eq!(by_units.map(|(_, n)| n), by_chars.map(|(_, n)| n));
            if let (Some((e16, _)), Some((e8, _))) = (by_units, by_chars) {
                proptest::prop_assert_eq!(std::string::String::from_utf16(&u[..e16]).unwrap(), &text[..e8]);
            }
        }
    }
    use alloc::string::ToString;
    use alloc::vec;
    use proptest::prelude::*;

    fn s(v: &str) -> Reading {
        Reading::of(read_str(v), Some(v.to_string()))
    }

    #[test]
    fn printable_lines() {
        assert_eq!(printable("plain é 日本"), "plain é 日本");
        assert_eq!(printable("a\x1b[31mred\nforged\r\u{9b}2J"), "a\\u001b[31mred\\u000aforged\\u000d\\u009b2J");
        assert_eq!(printable("\u{202e}txt.exe\u{2028}"), "\\u202etxt.exe\\u2028");
        assert_eq!(printable("\x7f"), "\\u007f");
    }
    fn b(v: bool) -> Reading {
        Reading::of(Raw::Bool(v), Some(v.to_string()))
    }
    fn n(v: f64) -> Reading {
        Reading::of(Raw::Number(v), Some(v.to_string()))
    }
    fn u() -> Reading {
        Reading::unset()
    }

    #[test]
    fn parses_every_spelling() {
        for on in ["true", "1", "yes", "on", "TRUE", " Yes ", "\tOn\n", "tRuE"] {
            assert_eq!(parse(read_str(on)), Setting::On, "{on:?}");
        }
        for off in ["false", "0", "no", "off", "FALSE", " No ", "\nOFF\t", "fAlSe"] {
            assert_eq!(parse(read_str(off)), Setting::Off, "{off:?}");
        }
        for unset in ["", " ", "\t\n \r"] {
            assert_eq!(parse(read_str(unset)), Setting::Unset, "{unset:?}");
        }
        for bad in ["flase", "2", "truee", "enabled", "yes!", "o n", "disabled", "null", "1.0", "\u{a0}true"] {
            assert_eq!(parse(read_str(bad)), Setting::Invalid, "{bad:?}");
        }
        assert_eq!(parse(Raw::Bool(true)), Setting::On);
        assert_eq!(parse(Raw::Bool(false)), Setting::Off);
        assert_eq!(parse(Raw::Number(1.0)), Setting::On);
        assert_eq!(parse(Raw::Number(0.0)), Setting::Off);
        assert_eq!(parse(Raw::Number(-0.0)), Setting::Off);
        for bad in [2.0, -1.0, 0.5, f64::NAN, f64::INFINITY] {
            assert_eq!(parse(Raw::Number(bad)), Setting::Invalid, "{bad}");
        }
        assert_eq!(parse(Raw::Other), Setting::Invalid);
        assert_eq!(parse(Raw::Unset), Setting::Unset);
    }

    #[test]
    fn runbook_lines() {
        let o = decide(&u(), &s("false"), &u());
        assert!(!o.decision.enabled);
        assert_eq!(o.decision.source, Source::Build);
        assert_eq!(o.decision.reason, "Disabled by VITE_MAESTRO_ENABLED=false");
        assert_eq!(
            o.lines,
            Lines::one(Line { level: Level::Info, text: "Disabled by VITE_MAESTRO_ENABLED=false".into() })
        );

        let o = decide(&b(false), &u(), &u());
        assert_eq!(o.decision.reason, "Disabled by window.MAESTRO_ENABLED=false");
        assert_eq!(o.decision.source, Source::Runtime);

        let o = decide(&u(), &s("true"), &u());
        assert!(o.decision.enabled);
        assert_eq!(o.decision.reason, "Enabled by VITE_MAESTRO_ENABLED=true");
        assert_eq!(o.decision.value.as_deref(), Some("true"));

        let o = decide(&u(), &u(), &u());
        assert!(o.decision.enabled);
        assert_eq!(o.decision.source, Source::Default);
        assert_eq!(o.decision.reason, "Enabled (default)");
        assert_eq!(o.decision.value, None);

        let o = decide(&u(), &u(), &b(false));
        assert!(!o.decision.enabled);
        assert_eq!(o.decision.reason, "Disabled (default)");
    }

    #[test]
    fn off_beats_on_and_runtime_names_first() {
        let o = decide(&b(true), &s("false"), &u());
        assert!(!o.decision.enabled);
        assert_eq!(o.decision.source, Source::Build);
        let o = decide(&n(0.0), &s("off"), &u());
        assert_eq!(o.decision.source, Source::Runtime);
        assert_eq!(o.decision.reason, "Disabled by window.MAESTRO_ENABLED=0");
        let o = decide(&b(true), &s("yes"), &b(false));
        assert!(o.decision.enabled, "an explicit on beats defaultEnabled: false");
        assert_eq!(o.decision.source, Source::Runtime);
    }

    #[test]
    fn latching_only_ever_turns_off() {
        let on = decide(&u(), &s("true"), &u()).decision;
        let off = decide(&b(false), &u(), &u()).decision;
        assert_eq!(latch(&on, &off), Some(off.clone()));
        assert_eq!(latch(&off, &on), None, "a later on never re-enables");
        assert_eq!(latch(&on, &on), None);
        assert_eq!(latch(&off, &remote_off(&String::from("/h"))), None);
        let r = remote_off(&String::from("/maestro-health"));
        assert_eq!(r.reason, "Disabled by remote /maestro-health: maestro_enabled=false");
        assert_eq!(r.source.id(), "remote");
        assert_eq!(
            ignored_line(Source::Runtime, &String::from("true")),
            "Ignoring window.MAESTRO_ENABLED=true: the gate stays disabled until the page reloads"
        );
    }

    #[test]
    fn invalid_fails_safe_with_a_warning() {
        let o = decide(&u(), &s("flase"), &u());
        assert!(!o.decision.enabled);
        assert_eq!(o.decision.source, Source::Build);
        assert_eq!(o.decision.value.as_deref(), Some("flase"));
        assert_eq!(o.lines.len(), 1);
        assert_eq!(o.lines.get(0).unwrap().level, Level::Warn);
        assert!(o.lines.get(0).unwrap().text.contains("invalid VITE_MAESTRO_ENABLED=\"flase\""));
        assert!(o.lines.get(0).unwrap().text.contains(ACCEPTED));

        // A clean off names the decision; the invalid one still warns.
        let o = decide(&n(2.0), &s("false"), &u());
        assert_eq!(o.decision.reason, "Disabled by VITE_MAESTRO_ENABLED=false");
        assert_eq!(o.lines.len(), 2);
        assert_eq!(o.lines.get(0).unwrap().level, Level::Warn);
        assert!(o.lines.get(0).unwrap().text.contains("invalid window.MAESTRO_ENABLED=2;"));

        let o = decide(&Reading::threw("boom".into()), &s("true"), &u());
        assert!(!o.decision.enabled);
        assert_eq!(o.decision.source, Source::Runtime);
        assert_eq!(o.decision.value, None);
        assert!(o.decision.reason.contains("reading window.MAESTRO_ENABLED threw: boom"));

        let o = decide(&u(), &s("true"), &s("maybe"));
        assert!(!o.decision.enabled, "an invalid defaultEnabled fails safe too");
        assert_eq!(o.decision.source, Source::Default);
        assert!(o.decision.reason.contains("invalid defaultEnabled=\"maybe\""));
    }

    #[test]
    fn off_first_an_on_counts_only_as_an_own_property() {
        // Off and invalid count wherever they come from; `own` is not even asked.
        let asked = core::cell::Cell::new(false);
        let off = s("false").own(|| {
            asked.set(true);
            false
        });
        assert_eq!(off.setting(), Setting::Off);
        assert_eq!(s("flase").own(|| false).setting(), Setting::Invalid);
        assert_eq!(Reading::<String>::threw("boom".into()).own(|| false).setting(), Setting::Invalid);
        assert!(!asked.get(), "own() is asked only for an on");
        assert_eq!(s("true").own(|| true).setting(), Setting::On);

        // An inherited on is ignored, with one warning, and another source decides.
        let inherited = s("true").own(|| false);
        assert_eq!(inherited.setting(), Setting::Ignored);
        let o = decide(&u(), &inherited, &b(false));
        assert!(!o.decision.enabled);
        assert_eq!(o.decision.reason, "Disabled (default)");
        let warning =
            "Ignoring VITE_MAESTRO_ENABLED=true: not an own property, and only an own property can turn MAESTRO on";
        assert_eq!(o.lines.get(0), Some(&Line { level: Level::Warn, text: warning.into() }));
        assert_eq!(o.lines.len(), 2);

        // An inherited off wins, as an own one does.
        let o = decide(&b(true), &s("off").own(|| false), &u());
        assert!(!o.decision.enabled);
        assert_eq!(o.decision.reason, "Disabled by VITE_MAESTRO_ENABLED=off");

        // Three ignored ons: three warnings and the reason (the default's, with no value).
        let o = decide(&b(true).own(|| false), &s("yes").own(|| false), &b(true).own(|| false));
        assert!(o.decision.enabled);
        assert_eq!(o.decision.value, None);
        assert_eq!(o.lines.len(), 4);
        assert_eq!(
            o.lines.get(2).unwrap().text,
            "Ignoring defaultEnabled=true: not an own property, and only an own property can turn MAESTRO on"
        );
        assert_eq!(o.lines.last().unwrap().text, "Enabled (default)");
    }

    fn any_raw_string() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            prop::sample::select(vec!["true", "false", "1", "0", "yes", "no", "on", "off"]).prop_map(String::from),
            ".*",
            "[ \t\n]{0,3}[tTfFyYnNoO01]{1,5}[ \t\n]{0,3}",
        ]
    }

    fn any_reading() -> impl Strategy<Value = Reading> {
        prop_oneof![
            Just(Reading::unset()),
            any::<bool>().prop_map(b),
            prop_oneof![Just(0.0), Just(1.0), Just(-0.0), any::<f64>()].prop_map(n),
            any_raw_string().prop_map(|v| s(&v)),
            Just(Reading::of(Raw::Other, Some("[object Object]".into()))),
            ".*".prop_map(Reading::threw),
        ]
    }

    /// A reading, as its object's own property or not (inherited, or a proxy's).
    fn any_source() -> impl Strategy<Value = (Reading, bool)> {
        (any_reading(), any::<bool>()).prop_map(|(r, own)| (r.own(|| own), own))
    }

    proptest! {
        #[test]
        fn parse_never_panics(v in ".*", x in any::<f64>()) {
            let _ = parse(read_str(&v));
            let _ = parse(Raw::Number(x));
        }

        #[test]
        fn off_and_invalid_always_win(rt in any_reading(), bd in any_reading(), df in any_reading()) {
            let o = decide(&rt, &bd, &df);
            prop_assert!(o.lines.iter().all(|l| !l.text.starts_with("Ignoring ")));
            let any_off = [&rt, &bd].iter().any(|r| r.setting() == Setting::Off);
            let any_invalid = [&rt, &bd, &df].iter().any(|r| r.setting() == Setting::Invalid);
            let any_on = [&rt, &bd].iter().any(|r| r.setting() == Setting::On);
            let expected = if any_off || any_invalid {
                false
            } else if any_on {
                true
            } else {
                df.setting() != Setting::Off
            };
            prop_assert_eq!(o.decision.enabled, expected);
            // Exactly one line names the decision, and it is the reason.
            prop_assert_eq!(&o.lines.last().unwrap().text, &o.decision.reason);
            let invalid = [&rt, &bd, &df].iter().filter(|r| r.setting() == Setting::Invalid).count();
            prop_assert_eq!(o.lines.iter().filter(|l| l.level == Level::Warn).count(), invalid);
            let prefix = if o.decision.enabled { "Enabled" } else { "Disabled" };
            prop_assert!(o.decision.reason.starts_with(prefix));
        }

        #[test]
        fn an_on_that_is_not_own_never_enables(
            (rt, rt_own) in any_source(), (bd, bd_own) in any_source(), (df, _) in any_source()
        ) {
            let o = decide(&rt, &bd, &df);
            let counted_on = [(&rt, rt_own), (&bd, bd_own)].iter().any(|(r, own)| *own && r.setting() == Setting::On);
            if o.decision.enabled && o.decision.source != Source::Default {
                prop_assert!(counted_on, "only an own on names an enabled decision");
            }
            if o.decision.source == Source::Default && df.setting() == Setting::Ignored {
                // An ignored defaultEnabled is unset: the default (on) decides, with no value.
                prop_assert!(o.decision.enabled);
                prop_assert_eq!(o.decision.value.clone(), None::<String>);
            }
            let ignored = [&rt, &bd, &df].iter().filter(|r| r.setting() == Setting::Ignored).count();
            let invalid = [&rt, &bd, &df].iter().filter(|r| r.setting() == Setting::Invalid).count();
            prop_assert_eq!(o.lines.iter().filter(|l| l.level == Level::Warn).count(), invalid + ignored);
            prop_assert_eq!(o.lines.iter().filter(|l| l.text.starts_with("Ignoring ")).count(), ignored);
            prop_assert_eq!(&o.lines.last().unwrap().text, &o.decision.reason);
        }
    }
}
