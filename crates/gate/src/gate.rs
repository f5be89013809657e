//! The decision: `decide` (behind the package's `init()`), `isEnabled`,
//! `decision` (the glue shapes `health()` from it), telling `onChange`, the live kill through the
//! `MAESTRO_ENABLED` accessor, and latching.

use crate::abi::{fixed, kept, release};
use crate::js::{self, field, set, JsValue, Text};
use crate::reactor::{handler, Kind};
use crate::subscribers::{notify, List};
use crate::Slot;
use maestro_gate::flag::{self, Level, Lines, Log, Reading, Source};
use maestro_gate::rollout::{Code, Verdict};

type Decision = flag::Decision<Text>;
type Outcome = flag::Outcome<Text>;
use core::cell::RefCell;

/// Every value it holds is [`kept`]: it outlives the call that handed it over.
struct Gate {
    decision: Option<Decision>,
    /// The options `init` was given, for re-evaluating later.
    options: JsValue,
    log: Log,
    /// `globalThis.MAESTRO_ENABLED`, held by the gate's accessor once installed.
    runtime: JsValue,
    /// `reconsider` is running (a getter of the sources that assigns the
    /// flag re-enters it).
    busy: bool,
    /// The setter of the accessor this copy found installed (another copy
    /// of the gate on the page): every assignment is handed on to it.
    forward: JsValue,
    /// The glue's remote hook (handed over with `onMessage`'s): another tab's remote rollout.
    remote: JsValue,
}

static GATE: Slot<Gate> = Slot(RefCell::new(Gate {
    decision: None,
    options: JsValue::UNDEFINED,
    log: Log::Info,
    runtime: JsValue::UNDEFINED,
    busy: false,
    forward: JsValue::UNDEFINED,
    remote: JsValue::UNDEFINED,
}));

const RUNTIME_KEY: &str = "MAESTRO_ENABLED";
/// How often the watch looks for a kill that did not go through the accessor.
const WATCH_MS: f64 = 1000.0;

/// Reads the sources and returns the outcome, without logging or storing it.
/// `global` is the object that holds `MAESTRO_ENABLED` (`globalThis`). Each
/// is read as the app reads it (getters, proxies and prototypes included):
/// off first, an on counts only as its object's own property
/// (`Reading::own`; an ignored on warns: `decide` prints every line at
/// start-up, a later change only its reason, so it warns once).
pub fn evaluate(global: &JsValue, options: &JsValue) -> Outcome {
    let runtime = read(Ok(global.clone()), RUNTIME_KEY, None);
    // (The variable's name is its source's id: one copy of it in the module.)
    let build = read(js::get(options, "env"), Source::Build.id(), Some(options));
    let default = read(Ok(options.clone()), "defaultEnabled", None);
    flag::decide(&runtime, &build, &default)
}

/// `obj[key]` as a reading, or what reading `obj` itself threw (the
/// options' `env`); `env_of` is the options when `obj` is their `env`,
/// which must be their own property too for an on to count.
fn read(obj: Result<JsValue, JsValue>, key: &str, env_of: Option<&JsValue>) -> Reading<Text> {
    match obj.and_then(|obj| Ok((js::get(&obj, key)?, obj))) {
        Ok((v, obj)) => reading(&v).own(|| js::has_own(&obj, key) && env_of.is_none_or(|o| js::has_own(o, "env"))),
        Err(e) => Reading::threw(js::message(&e)),
    }
}

/// What the rules see of one JS value, and its text (`None` when unset): a
/// string's trimmed word and the string itself; a boolean and `"true"` or
/// `"false"`; anything else (a number, an object) and `String(value)`.
/// (Its type is asked once.)
fn reading(v: &JsValue) -> Reading<Text> {
    use crate::abi::{code_at, number, table::ty};
    use flag::{Raw, Text as _};
    let (raw, text) = match v.ty() {
        ty::UNDEFINED | ty::NULL => (Raw::Unset, None),
        ty::STRING => (flag::word(js::length(v), |i| code_at(v.h(), i)), Some(v.clone())),
        ty::TRUE => (Raw::Bool(true), Some(Text::of("true"))),
        ty::FALSE => (Raw::Bool(false), Some(Text::of("false"))),
        t => (if t == ty::NUMBER { Raw::Number(number(v.h())) } else { Raw::Other }, Some(js::string(v))),
    };
    Reading::of(raw, text.map(shown))
}

/// A value as the lines show it: at most its first `flag::SHOWN` characters,
/// then how many it has (`… (10485760 characters)`). Where to cut is the
/// rules' one cut, `flag::cut`, reading the string through `code_at` (a
/// surrogate pair is one character); the glue's `shorten` only slices there
/// and appends the count in `flag::cut_said`'s words. (Measured on the ES
/// decision path: 58 B gzip more than the glue's own cut; the words written
/// here, by `flag::cut_said`, cost 28 B more: CONTRIBUTING, "The one cut".)
fn shown(text: Text) -> Text {
    let h = text.h();
    match flag::cut(js::length(&text), |i| flag::utf16_continues(i, |j| crate::abi::code_at(h, j))) {
        None => text,
        // (The count fits: it is at most the string's length.)
        Some((end, count)) => crate::abi::shorten(h, end, count as usize),
    }
}

fn log_level(options: &JsValue) -> Log {
    match js::own_string(options, "log") {
        Some(level) if js::text_is(&level, "silent") => Log::Silent,
        Some(level) if js::text_is(&level, "warn") => Log::Warn,
        _ => Log::Info,
    }
}

/// Logs `[MAESTRO] text` at `level`, if `log` lets it through; `later` (the
/// decision at start-up) writes it from a task (see `js::log`).
fn print(log: Log, level: Level, text: &Text, later: bool) {
    if !log.shows(level) {
        return;
    }
    js::log(level == Level::Warn, text, later);
}

/// Keeps `d` as the decision, and releases the one it replaces.
fn keep_decision(g: &mut Gate, d: &Decision) {
    let d = Decision { value: d.value.as_ref().map(kept), reason: kept(&d.reason), ..d.clone() };
    if let Some(old) = g.decision.replace(d) {
        release(old.reason.h());
        old.value.inspect(|v| release(v.h()));
    }
}

fn current() -> Option<Decision> {
    GATE.0.try_borrow().ok().and_then(|g| g.decision.clone())
}

/// Whether the gate is on right now (for the other modules).
pub(crate) fn enabled() -> bool {
    GATE.0.try_borrow().is_ok_and(|g| g.decision.as_ref().is_some_and(|d| d.enabled))
}

/// Replaces the decision if the latch allows it, logs its reason (`later`: from a
/// task, after the start-up lines), and tells the subscribers.
fn apply(outcome: Outcome, trigger: Source, later: bool) {
    let Some(current) = current() else { return };
    let log = GATE.0.try_borrow().map(|g| g.log).unwrap_or(Log::Info);
    match flag::latch(&current, &outcome.decision) {
        Some(next) => {
            // Write first, checking the latch again on the decision as it is
            // now, then log and tell: a console or subscriber that re-enters
            // sees the new decision in decision() and health(), and nobody is
            // told twice. (The glue's isEnabled() mirror is itself the first
            // onChange subscriber, so it turns with the subscribers, after the line.)
            match GATE.0.try_borrow_mut() {
                Ok(mut g) if g.decision.as_ref().is_some_and(|d| d.enabled) => keep_decision(&mut g, &next),
                _ => return,
            }
            // The reason only: the warnings of the other sources (an ignored
            // on, say) were printed at start-up.
            if let Some(line) = outcome.lines.last() {
                print(log, line.level, &line.text, later);
            }
            notify(List::Change, &decision_object(&next));
        }
        None if !current.enabled && outcome.decision.enabled && trigger == Source::Runtime => {
            let text = js::string(&runtime_value());
            print(log, Level::Info, &flag::ignored_line(Source::Runtime, &text), false);
        }
        None => {}
    }
}

/// Re-reads the sources (after `window.MAESTRO_ENABLED` changed). A call
/// made while one runs (a getter of the sources that assigns the flag) does
/// not recurse: the value it stored is read by the next one (the watch reads
/// again within a second).
fn reconsider(trigger: Source, later: bool) {
    let options = match GATE.0.try_borrow_mut() {
        Ok(mut g) if !g.busy => {
            g.busy = true;
            g.options.clone()
        }
        _ => return,
    };
    apply(evaluate(js::global(), &options), trigger, later);
    if let Ok(mut g) = GATE.0.try_borrow_mut() {
        g.busy = false;
    }
}

/// Turns the gate off because the remote health document said so.
pub(crate) fn remote_off(url: &Text) {
    apply(narrowing(flag::remote_off_reason(url), const { Code::of(Verdict::RemoteOff) }), Source::Remote, false);
}

/// The `MAESTRO_ENABLED` accessor's getter.
pub(crate) fn runtime_value() -> JsValue {
    GATE.0.try_borrow().map(|g| g.runtime.clone()).unwrap_or(JsValue::UNDEFINED)
}

/// The `MAESTRO_ENABLED` accessor's setter: a live kill. The value is handed
/// on first to the accessor this copy replaced, so that every copy of the
/// gate on the page hears it, whatever happens here.
pub(crate) fn runtime_assigned(value: JsValue) {
    let forward = match GATE.0.try_borrow_mut() {
        Ok(mut g) => {
            // (The last value only: the one it replaces is released.)
            release(core::mem::replace(&mut g.runtime, kept(&value)).h());
            g.forward.clone()
        }
        Err(_) => return,
    };
    js::call_if_function(&forward, js::global(), &value);
    reconsider(Source::Runtime, false);
}

/// Watches `globalThis.MAESTRO_ENABLED` so that a later assignment (a CDN or
/// script tag setting it after the app loaded) takes effect at once. An
/// accessor already there (another copy of the gate: the app's bundle and a
/// CDN tag, say) is chained: this copy's setter hands every value on to it.
/// A non-configurable property (`var MAESTRO_ENABLED`) is left alone; the
/// watch reads it.
fn watch_runtime() {
    let global = js::global();
    let Ok(desc) = js::own_property(global, RUNTIME_KEY) else { return };
    let (value, forward) = if desc.is_undefined() {
        (JsValue::UNDEFINED, JsValue::UNDEFINED)
    } else if field(&desc, "configurable").as_bool() != Some(true) {
        return;
    } else if field(&desc, "get").is_function() {
        (field(global, RUNTIME_KEY), field(&desc, "set"))
    } else {
        (field(&desc, "value"), JsValue::UNDEFINED)
    };
    let accessor = js::new_object();
    set(&accessor, "get", &handler(Kind::GlobalGet, 0));
    set(&accessor, "set", &handler(Kind::GlobalSet, 0));
    set(&accessor, "configurable", &fixed::TRUE);
    set(&accessor, "enumerable", &fixed::TRUE);
    if let Ok(mut g) = GATE.0.try_borrow_mut() {
        g.runtime = kept(&value);
        g.forward = kept(&forward);
    }
    js::define_property(global, RUNTIME_KEY, &accessor);
}

/// Every `WATCH_MS` while the gate is on: the sources are read again, so
/// that a kill that did not go through the accessor (`delete
/// window.MAESTRO_ENABLED` and a new value, or `Object.defineProperty`) is
/// honoured within a second. (`isEnabled()` never reads the property.)
pub(crate) fn watch() {
    if enabled() {
        reconsider(Source::Runtime, false);
    }
}

/// Starts the watch (on a gate that is on: one that is off stays off).
fn start_watch() {
    let global = js::global();
    let f = field(global, "setInterval");
    let Ok(id) = js::call(&f, global, &[&handler(Kind::Watch, 0), &JsValue::from_f64(WATCH_MS)]) else { return };
    // In Node, a timer would keep the process alive.
    js::call_if_function(&field(&id, "unref"), &id, &fixed::UNDEFINED);
}

/// A narrowing, handed over as its reason and its code
/// (`maestro_gate::rollout::Verdict`, read as `Code`): the rollout module's
/// (`Narrowing::code`), the remote module's first answer, or what this copy
/// hears or remembers itself.
#[inline(never)]
fn narrowing(reason: JsValue, code: Code) -> Outcome {
    let source = code.source();
    // A remote document's off: its `maestro_enabled`, as `flag::remote_off` has it.
    let value = if code.is(Verdict::RemoteOff) { Some(JsValue::from_str("false")) } else { None };
    let level = if code.warn() { Level::Warn } else { Level::Info };
    let decision = Decision { enabled: code.enabled(), source, value, reason: reason.clone() };
    Outcome { decision, lines: Lines::one(flag::Line { level, text: reason }) }
}

/// Reads `window.MAESTRO_ENABLED`, `options.env.VITE_MAESTRO_ENABLED` and
/// `options.defaultEnabled`, narrows an "on" by the rollout module's
/// narrowing (`reason` and `code`, see `narrowing`; none below 1), logs
/// the decision once, keeps it, and
/// starts watching for a live kill. Internal: the package's `init()` loads
/// the wasm and then calls this. A second call returns the first decision,
/// after applying its narrowing if that says off: the rollout module turns
/// the gate off that way later (a guard's trip, a lower remote rollout), and
/// the latch keeps that to "off only".
pub fn decide(options: JsValue, reason: JsValue, code: f64) -> JsValue {
    // (`code` undefined, NaN: no narrowing from the glue.)
    let code = Code(code);
    if GATE.0.try_borrow().is_ok_and(|g| g.decision.is_some()) {
        if code.says_off() {
            apply(narrowing(reason, code), Source::Rollout, false);
        }
        return decision();
    }
    let mut outcome = evaluate(js::global(), &options);
    // What this browser remembers (a remote off, a guard's trip cooling
    // down) turns off every copy, whatever its options; a narrowing of this
    // load that says off (the document's own answer, the rollout module's
    // cooldown, with its minutes) comes first. (An off is not narrowed:
    // what is remembered is read for an on only.)
    if outcome.decision.enabled {
        let (reason, code) =
            if code.says_off() { (reason, code) } else { crate::remembered::off().unwrap_or((reason, code)) };
        if code.narrows() {
            outcome = narrowing(reason, code);
        }
    }
    let log = log_level(&options);
    for line in outcome.lines.iter() {
        print(log, line.level, &line.text, true);
    }
    if let Ok(mut g) = GATE.0.try_borrow_mut() {
        keep_decision(&mut g, &outcome.decision);
        g.options = kept(&options);
        g.log = log;
    }
    watch_runtime();
    // A getter that changed the flag while the sources were read: decide
    // again now that the accessor holds the value (its lines come after the
    // start-up lines). Not a new assignment, so no "Ignoring" line.
    reconsider(Source::Default, true);
    if enabled() {
        start_watch();
    }
    decision()
}

/// Another tab read the health document this page polls, and shared what it
/// said: off turns this page off too, even when this page's own poll (a
/// module of its own) has not loaded, or could not.
pub(crate) fn remote_heard(url: &Text, enabled: bool, message: &JsValue) {
    // An off only ever turns off: every copy honours it, whatever document
    // it polls itself (or none).
    if !enabled {
        remote_off(url);
    } else if self::enabled() && field(message, maestro_gate::poll::ROLLOUT_KEY).as_f64().is_some() {
        // A rollout: the glue's remote hook hands it to the rollout module,
        // for a copy that polls this document (its own remote module may
        // not have loaded; when it has, the second lowering changes nothing).
        let Ok(hook) = GATE.0.try_borrow().map(|g| g.remote.clone()) else { return };
        js::call_if_function(&hook, &fixed::NULL, message);
    }
}

/// Another tab, or another copy of the gate on this page, heard a guard
/// trip: off here too, whether or not this copy sets a guard.
pub(crate) fn guard_heard() {
    apply(
        narrowing(JsValue::from_str(maestro_gate::remember::GUARD_HEARD), const { Code::of(Verdict::GuardOff) }),
        Source::Guard,
        false,
    );
}

/// Internal: the glue's remote hook (`onMessage`'s second argument), called
/// with another tab's remote result (`{ maestroGate: "remote", url, enabled:
/// true, rollout }`) when it carries a rollout (the glue starts the poll
/// itself, after the first decision).
pub fn on_remote(hook: JsValue) {
    if let Ok(mut g) = GATE.0.try_borrow_mut() {
        g.remote = kept(&hook);
    }
}

/// Internal: whether the sources alone say on (nothing is decided, logged
/// or kept). The glue asks the remote document for its first answer only
/// then: a gate its sources turn off has nothing to learn from it. (What
/// this browser remembers does not count here: the document's answer on
/// this load is what replaces a remembered off.)
pub fn would_be_on(options: &JsValue) -> bool {
    evaluate(js::global(), options).decision.enabled
}

/// Whether MAESTRO is enabled. `false` until `init()` has resolved.
pub fn is_enabled() -> bool {
    enabled()
}

/// The current decision: `{ enabled, source, value, reason }`, or
/// `undefined` before `decide` kept one: the glue answers its own "Disabled:
/// init() has not finished" then (js/gate.js, `off`), as it does before the
/// wasm has loaded.
pub fn decision() -> JsValue {
    // Built from the kept decision, not a copy of it: the glue's `record`
    // calls nothing of the app's, so nothing re-enters while it is borrowed.
    let gate = GATE.0.try_borrow();
    gate.as_ref().ok().and_then(|g| g.decision.as_ref()).map_or(JsValue::UNDEFINED, decision_object)
}

/// Builds a frozen `Decision` object.
pub fn decision_object(d: &Decision) -> JsValue {
    let source = JsValue::from_str(d.source.id());
    let value = d.value.as_ref().map_or(JsValue::NULL.h(), JsValue::h);
    crate::abi::decision_record(d.enabled, source.h(), value, d.reason.h())
}
