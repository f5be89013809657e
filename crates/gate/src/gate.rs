//! The decision: `decide` (behind the package's `init()`), `isEnabled`,
//! `decision`, `health`, `onChange`, the live kill through the
//! `MAESTRO_ENABLED` accessor, and latching.

use crate::js::{self, field, get, set, JsValue, Text};
use crate::reactor::{handler, Kind};
use crate::subscribers::{notify, subscribe, List};
use crate::{tabs, Slot};
use maestro_gate::flag::{self, Level, Lines, Log, Reading, Source, Text as _};

type Decision = flag::Decision<Text>;
type Outcome = flag::Outcome<Text>;
use core::cell::RefCell;

struct Gate {
    decision: Option<Decision>,
    /// The options `init` was given, for re-evaluating later.
    options: JsValue,
    log: Log,
    /// `globalThis.MAESTRO_ENABLED`, held by the gate's accessor once installed.
    runtime: JsValue,
    /// The glue's way to load the remote module and start it (`onRemote`).
    remote: JsValue,
    /// The health document this page polls (the poll is in another module).
    remote_url: Option<Text>,
}

static GATE: Slot<Gate> = Slot(RefCell::new(Gate {
    decision: None,
    options: JsValue::UNDEFINED,
    log: Log::Info,
    runtime: JsValue::UNDEFINED,
    remote: JsValue::UNDEFINED,
    remote_url: None,
}));

const NOT_READY: &str = "Disabled: init() has not finished";
const RUNTIME_KEY: &str = "MAESTRO_ENABLED";

/// Reads the sources and returns the outcome, without logging or storing it.
/// `global` is the object that holds `MAESTRO_ENABLED` (`globalThis`).
pub fn evaluate(global: &JsValue, options: &JsValue) -> Outcome {
    let runtime = read(global, RUNTIME_KEY);
    let build = match get(options, "env") {
        Ok(env) => read(&env, "VITE_MAESTRO_ENABLED"),
        Err(e) => Reading::threw(js::message(&e)),
    };
    let default = match get(options, "defaultEnabled") {
        Ok(v) => reading(&v),
        Err(e) => Reading::threw(js::message(&e)),
    };
    flag::decide(&runtime, &build, &default)
}

fn read(obj: &JsValue, key: &str) -> Reading<Text> {
    match get(obj, key) {
        Ok(v) => reading(&v),
        Err(e) => Reading::threw(js::message(&e)),
    }
}

fn reading(v: &JsValue) -> Reading<Text> {
    if let Some((word, text)) = js::string_of(v) {
        return Reading::of(word, Some(text));
    }
    let (raw, text) = crate::subscribers::raw(v);
    Reading::of(raw, text)
}

fn log_level(options: &JsValue) -> Log {
    match js::string_field(options, "log") {
        Some(level) if js::text_is(&level, "silent") => Log::Silent,
        Some(level) if js::text_is(&level, "warn") => Log::Warn,
        _ => Log::Info,
    }
}

/// Logs `[MAESTRO] text` at `level`, if `log` lets it through; `later` (the
/// decision at start-up) writes it in a microtask (see `js::log`).
fn print(log: Log, level: Level, text: &Text, later: bool) {
    if !log.shows(level) {
        return;
    }
    let mut line = Text::of("[MAESTRO] ");
    line.append(text);
    js::log(if level == Level::Warn { "warn" } else { "info" }, &line, later);
}

fn current() -> Option<Decision> {
    GATE.0.try_borrow().ok().and_then(|g| g.decision.clone())
}

/// Whether the gate is on right now (for the other modules).
pub(crate) fn enabled() -> bool {
    GATE.0.try_borrow().is_ok_and(|g| g.decision.as_ref().is_some_and(|d| d.enabled))
}

/// Replaces the decision if the latch allows it, logs, and tells the subscribers.
fn apply(outcome: Outcome, trigger: Source) {
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
                Ok(mut g) if g.decision.as_ref().is_some_and(|d| d.enabled) => g.decision = Some(next.clone()),
                _ => return,
            }
            for line in outcome.lines.iter() {
                print(log, line.level, &line.text, false);
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

/// Re-reads the sources (after `window.MAESTRO_ENABLED` changed).
fn reconsider(trigger: Source) {
    let options = match GATE.0.try_borrow() {
        Ok(g) => g.options.clone(),
        Err(_) => return,
    };
    apply(evaluate(&js::global(), &options), trigger);
}

/// Turns the gate off because the remote health document said so.
pub(crate) fn remote_off(url: &Text) {
    let decision = flag::remote_off(url);
    let lines = Lines::one(flag::Line { level: Level::Info, text: decision.reason.clone() });
    apply(Outcome { decision, lines }, Source::Remote);
}

/// The `MAESTRO_ENABLED` accessor's getter.
pub(crate) fn runtime_value() -> JsValue {
    GATE.0.try_borrow().map(|g| g.runtime.clone()).unwrap_or(JsValue::UNDEFINED)
}

/// The `MAESTRO_ENABLED` accessor's setter: a live kill.
pub(crate) fn runtime_assigned(value: JsValue) {
    if let Ok(mut g) = GATE.0.try_borrow_mut() {
        g.runtime = value;
    }
    reconsider(Source::Runtime);
}

/// Watches `globalThis.MAESTRO_ENABLED` so that a later assignment (a CDN or
/// script tag setting it after the app loaded) takes effect at once. An
/// existing accessor, or a non-configurable property (`var MAESTRO_ENABLED`),
/// is left alone.
fn watch_runtime() {
    let global = js::global();
    let Ok(desc) = js::own_property(&global, RUNTIME_KEY) else { return };
    let value = if desc.is_undefined() {
        JsValue::UNDEFINED
    } else if field(&desc, "configurable").as_bool() == Some(true) && !field(&desc, "get").is_function() {
        field(&desc, "value")
    } else {
        return;
    };
    if let Ok(mut g) = GATE.0.try_borrow_mut() {
        g.runtime = value;
    }
    let accessor = js::new_object();
    set(&accessor, "get", &handler(Kind::GlobalGet, 0));
    set(&accessor, "set", &handler(Kind::GlobalSet, 0));
    set(&accessor, "configurable", &JsValue::TRUE);
    set(&accessor, "enumerable", &JsValue::TRUE);
    let _ = js::define_property(&global, RUNTIME_KEY, &accessor);
}

/// Reads `window.MAESTRO_ENABLED`, `options.env.VITE_MAESTRO_ENABLED` and
/// `options.defaultEnabled`, logs the decision once, keeps it, and starts
/// watching for a live kill. Internal: the package's `init()` loads the wasm
/// and then calls this. A second call returns the first decision.
pub fn decide(options: JsValue) -> JsValue {
    if let Some(d) = current() {
        return decision_object(&d);
    }
    let outcome = evaluate(&js::global(), &options);
    let log = log_level(&options);
    for line in outcome.lines.iter() {
        print(log, line.level, &line.text, true);
    }
    let object = decision_object(&outcome.decision);
    if let Ok(mut g) = GATE.0.try_borrow_mut() {
        g.decision = Some(outcome.decision);
        g.options = options.clone();
        g.log = log;
    }
    watch_runtime();
    tabs::listen();
    start_remote(&options);
    object
}

/// Starts polling `options.remote`, if it is a string and the gate is on (a
/// gate that is off stays off: there is nothing to learn), in the remote
/// module, which the glue loads when asked.
fn start_remote(options: &JsValue) {
    let Some(url) = js::string_field(options, "remote") else { return };
    if !enabled() {
        return;
    }
    let hook = match GATE.0.try_borrow_mut() {
        Ok(mut g) => {
            g.remote_url = Some(url);
            g.remote.clone()
        }
        Err(_) => return,
    };
    js::call_if_function(&hook, &JsValue::NULL, options);
}

/// Another tab read the health document this page polls, and shared what it
/// said: off turns this page off too, even when this page's own poll (a
/// module of its own) has not loaded, or could not.
pub(crate) fn remote_heard(url: &Text, enabled: bool) {
    let ours = GATE.0.try_borrow().is_ok_and(|g| g.remote_url.as_ref().is_some_and(|u| js::text_eq(u, url)));
    if ours && !enabled {
        remote_off(url);
    }
}

/// Internal: the glue's hook that loads the remote module and calls its
/// `startRemote(options, isEnabled, remoteOff)`.
pub fn on_remote(hook: JsValue) {
    if let Ok(mut g) = GATE.0.try_borrow_mut() {
        g.remote = hook;
    }
}

/// Whether MAESTRO is enabled. `false` until `init()` has resolved.
pub fn is_enabled() -> bool {
    enabled()
}

/// The current decision: `{ enabled, source, value, reason }`.
pub fn decision() -> JsValue {
    decision_object(&current().unwrap_or_else(|| flag::unavailable(NOT_READY)))
}

/// The health document, `{ status, maestro_enabled, source, reason, version }`.
/// `JSON.stringify(health())` of a disabled gate contains the runbook's
/// `"status":"disabled","maestro_enabled":false`.
pub fn health() -> JsValue {
    health_object(&current().unwrap_or_else(|| flag::unavailable(NOT_READY)))
}

/// What the Vite plugin and the CLI check at build time, without logging,
/// keeping or watching anything: a frozen `{ health, warnings }`, where
/// `warnings` is a new array of the lines `decide` would print at level warn
/// for these options (`[MAESTRO] ` included), one per invalid source; empty
/// when every source is valid. (`healthFor` in js/core.js is its `health`.)
pub fn build_check(options: JsValue) -> JsValue {
    let outcome = evaluate(&js::global(), &options);
    let warnings = js::new_array();
    for line in outcome.lines.iter() {
        if line.level == Level::Warn {
            let mut text = Text::of("[MAESTRO] ");
            text.append(&line.text);
            js::push(&warnings, &js::text_value(&text));
        }
    }
    let o = js::new_object();
    set(&o, "health", &health_object(&outcome.decision));
    set(&o, "warnings", &warnings);
    js::freeze(&o)
}

/// Calls `callback(decision)` whenever the decision changes (it only ever
/// turns off: the gate latches until reload). Returns a function that unsubscribes.
pub fn on_change(callback: JsValue) -> JsValue {
    subscribe(List::Change, callback)
}

/// Builds a frozen `Decision` object.
pub fn decision_object(d: &Decision) -> JsValue {
    let o = js::new_object();
    set(&o, "enabled", &JsValue::from_bool(d.enabled));
    set(&o, "source", &JsValue::from_str(d.source.id()));
    set(&o, "value", &d.value.as_ref().map_or(JsValue::NULL, js::text_value));
    set(&o, "reason", &js::text_value(&d.reason));
    js::freeze(&o)
}

/// Builds a frozen `Health` object. Keys are in the runbook's order.
pub fn health_object(d: &Decision) -> JsValue {
    let o = js::object(&[("status", if d.enabled { "enabled" } else { "disabled" })]);
    set(&o, "maestro_enabled", &JsValue::from_bool(d.enabled));
    set(&o, "source", &JsValue::from_str(d.source.id()));
    set(&o, "reason", &js::text_value(&d.reason));
    set(&o, "version", &JsValue::from_str(env!("CARGO_PKG_VERSION")));
    js::freeze(&o)
}
