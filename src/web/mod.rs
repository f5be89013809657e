//! The `#[wasm_bindgen]` surface: reads JS values, calls the pure core, and
//! hands plain objects back. No decision logic lives here.

use alloc::string::String;
use core::cell::RefCell;

use js_sys::Object;
use wasm_bindgen::prelude::*;

use crate::flag::{self, Decision, Level, Outcome, Raw, Reading};

pub mod cleanup;
pub(crate) mod js;
pub mod tabs;

use js::{get, set};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** Where a decision came from. */
export type DecisionSource = "window.MAESTRO_ENABLED" | "VITE_MAESTRO_ENABLED" | "default" | "unavailable";

/** The gate's answer and why. Read-only plain data. */
export interface Decision {
  readonly enabled: boolean;
  readonly source: DecisionSource;
  /** The deciding value as a string (`String(value)`), or null when there was none. */
  readonly value: string | null;
  /** One sentence; the console line is `[MAESTRO] ` followed by it. */
  readonly reason: string;
}

/** The health document: plain JSON-serializable data, as the runbook expects. */
export interface Health {
  readonly status: "enabled" | "disabled";
  readonly maestro_enabled: boolean;
  readonly source: DecisionSource;
  readonly reason: string;
  /** This package's version. */
  readonly version: string;
}

/** A flag value as the gate accepts it: booleans, 1/0, and the strings
 * true/false, 1/0, yes/no, on/off (trimmed, any case). Blank, null and
 * undefined mean unset; anything else is invalid and fails safe to disabled. */
export type FlagValue = boolean | number | string | null | undefined;

export interface InitOptions {
  /** The build-time environment: pass `import.meta.env` (Vite) or `process.env` (Node).
   * Only `VITE_MAESTRO_ENABLED` is read from it. */
  env?: { readonly VITE_MAESTRO_ENABLED?: FlagValue } | Record<string, unknown>;
  /** What to do when no source says on or off. Default `true`. */
  defaultEnabled?: FlagValue;
  /** `"info"` (default) logs the decision; `"warn"` logs only invalid values; `"silent"` logs nothing. */
  log?: "info" | "warn" | "silent";
  /** Where to load the `.wasm` from, for hosts that move it (a URL, a Response,
   * bytes or a compiled module). Default: next to this file. */
  wasm?: string | URL | Request | Response | BufferSource | WebAssembly.Module;
  /** Put `{ isEnabled, decision, health, clearClientState, verifyClientState, onCleanupRequest }`
   * on `globalThis.maestroGate` for the devtools console (unless something already is). Default `true`. */
  exposeGlobal?: boolean;
}
"#;

/// The one decision this instance has made, if any.
struct Slot(RefCell<Option<Decision>>);
// SAFETY: wasm32 without threads; the gate's memory is never shared.
unsafe impl Sync for Slot {}
static DECISION: Slot = Slot(RefCell::new(None));

/// Reads the sources and returns the outcome, without logging or storing it.
/// `global` is the object that holds `MAESTRO_ENABLED` (`globalThis`).
pub fn evaluate(global: &JsValue, options: &JsValue) -> Outcome {
    let runtime = read(global, "MAESTRO_ENABLED");
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

fn read(obj: &JsValue, key: &str) -> Reading {
    match get(obj, key) {
        Ok(v) => reading(&v),
        Err(e) => Reading::threw(js::message(&e)),
    }
}

fn reading(v: &JsValue) -> Reading {
    if v.is_undefined() || v.is_null() {
        return Reading::unset();
    }
    if let Some(b) = v.as_bool() {
        return Reading::of(Raw::Bool(b), Some(String::from(if b { "true" } else { "false" })));
    }
    if let Some(n) = v.as_f64() {
        return Reading::of(Raw::Number(n), Some(js::string(v)));
    }
    if let Some(s) = v.as_string() {
        let mut r = Reading::of(Raw::Str(&s), None);
        r.text = Some(s);
        return r;
    }
    Reading::of(Raw::Other, Some(js::string(v)))
}

/// Logs an outcome's lines at the level `options.log` asks for.
fn log(outcome: &Outcome, options: &JsValue) {
    let level = get(options, "log").ok().and_then(|v| v.as_string());
    let quiet = level.as_deref() == Some("warn");
    if level.as_deref() == Some("silent") {
        return;
    }
    for line in &outcome.lines {
        let mut text = String::from("[MAESTRO] ");
        text.push_str(&line.text);
        match line.level {
            Level::Warn => js::warn(&text),
            Level::Info if !quiet => js::info(&text),
            Level::Info => {}
        }
    }
}

fn store(d: Decision) {
    if let Ok(mut slot) = DECISION.0.try_borrow_mut() {
        *slot = Some(d);
    }
}

fn current() -> Decision {
    match DECISION.0.try_borrow() {
        Ok(slot) => match &*slot {
            Some(d) => d.clone(),
            None => flag::unavailable(NOT_READY),
        },
        Err(_) => flag::unavailable(NOT_READY),
    }
}

const NOT_READY: &str = "Disabled: init() has not finished";

/// Reads `window.MAESTRO_ENABLED`, `options.env.VITE_MAESTRO_ENABLED` and
/// `options.defaultEnabled`, logs the decision once, and keeps it.
/// Internal: the package's `init()` loads the wasm and then calls this.
#[wasm_bindgen(js_name = decide, unchecked_return_type = "Decision")]
pub fn decide(#[wasm_bindgen(unchecked_param_type = "InitOptions | undefined")] options: JsValue) -> JsValue {
    let outcome = evaluate(&js_sys::global(), &options);
    log(&outcome, &options);
    tabs::listen();
    let object = decision_object(&outcome.decision);
    store(outcome.decision);
    object
}

/// Whether MAESTRO is enabled. `false` until `init()` has resolved.
#[wasm_bindgen(js_name = isEnabled)]
pub fn is_enabled() -> bool {
    DECISION.0.try_borrow().map(|d| d.as_ref().is_some_and(|d| d.enabled)).unwrap_or(false)
}

/// The current decision: `{ enabled, source, value, reason }`.
#[wasm_bindgen(js_name = decision, unchecked_return_type = "Decision")]
pub fn decision() -> JsValue {
    decision_object(&current())
}

/// The health document, `{ status, maestro_enabled, source, reason, version }`.
/// `JSON.stringify(health())` of a disabled gate contains the runbook's
/// `"status":"disabled","maestro_enabled":false`.
#[wasm_bindgen(js_name = health, unchecked_return_type = "Health")]
pub fn health() -> JsValue {
    health_object(&current())
}

/// Builds a frozen `Decision` object.
pub fn decision_object(d: &Decision) -> JsValue {
    let o = Object::new();
    set(&o, "enabled", &JsValue::from_bool(d.enabled));
    set(&o, "source", &JsValue::from_str(d.source.id()));
    set(&o, "value", &d.value.as_deref().map_or(JsValue::NULL, JsValue::from_str));
    set(&o, "reason", &JsValue::from_str(&d.reason));
    Object::freeze(&o).into()
}

/// Builds a frozen `Health` object. Keys are in the runbook's order.
pub fn health_object(d: &Decision) -> JsValue {
    let o = Object::new();
    set(&o, "status", &JsValue::from_str(if d.enabled { "enabled" } else { "disabled" }));
    set(&o, "maestro_enabled", &JsValue::from_bool(d.enabled));
    set(&o, "source", &JsValue::from_str(d.source.id()));
    set(&o, "reason", &JsValue::from_str(&d.reason));
    set(&o, "version", &JsValue::from_str(env!("CARGO_PKG_VERSION")));
    Object::freeze(&o).into()
}
