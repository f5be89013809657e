//! maestro-gate's build-time check (`pkg/maestro_gate_node_bg.wasm`), for
//! the Vite plugin and the CLI (`js/node.js`): the health document and the
//! warnings `init()` would print for a build's environment. It applies the
//! same rules as the gate (`maestro_gate::flag`) through wasm-bindgen, and
//! no browser ever loads it, so that what every visitor downloads carries
//! nothing of it. The conformance table checks that the two agree.

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use maestro_gate::flag::{self, Level, Raw, Reading};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
export interface BuildCheck {
  /** The health document, as `health()` answers in a page built with these options. */
  readonly health: {
    readonly status: "enabled" | "disabled";
    readonly maestro_enabled: boolean;
    readonly source: string;
    readonly reason: string;
    readonly version: string;
  };
  /** The lines `init()` would print with `console.warn` (`[MAESTRO] ` included), one per
   * invalid source; empty when every source is valid. */
  readonly warnings: readonly string[];
}
"#;

#[wasm_bindgen]
extern "C" {
    /// `Object.getOwnPropertyDescriptor`, catching (a proxy's trap can throw).
    #[wasm_bindgen(catch, js_namespace = Object, js_name = getOwnPropertyDescriptor)]
    fn own_property(obj: &JsValue, key: &str) -> Result<JsValue, JsValue>;
}

/// `obj[key]` when it is `obj`'s own property (`undefined` otherwise, as in
/// the gate); what a getter or proxy throws is `Err`.
fn get_own(obj: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    if !obj.is_object() || own_property(obj, key)?.is_undefined() {
        return Ok(JsValue::UNDEFINED);
    }
    Reflect::get(obj, &JsValue::from_str(key))
}

/// `String(value)`, or a placeholder when that throws.
fn string(value: &JsValue) -> String {
    Reflect::get(&js_sys::global(), &JsValue::from_str("String"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .and_then(|f| f.call1(&JsValue::UNDEFINED, value).ok())
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| String::from("<unprintable>"))
}

fn message(error: &JsValue) -> String {
    match Reflect::get(error, &JsValue::from_str("message")).ok().and_then(|m| m.as_string()) {
        Some(m) if error.is_object() => m,
        _ => string(error),
    }
}

/// A value as the rules read it, as the gate reads it.
fn reading(v: &JsValue) -> Reading {
    if v.is_undefined() || v.is_null() {
        return Reading::unset();
    }
    if let Some(s) = v.as_string() {
        return Reading::of(flag::read_str(&s), Some(s));
    }
    if let Some(b) = v.as_bool() {
        return Reading::of(Raw::Bool(b), Some(String::from(if b { "true" } else { "false" })));
    }
    if let Some(n) = v.as_f64() {
        return Reading::of(Raw::Number(n), Some(string(v)));
    }
    Reading::of(Raw::Other, Some(string(v)))
}

fn read(obj: &JsValue, key: &str) -> Reading {
    match get_own(obj, key) {
        Ok(v) => reading(&v),
        Err(e) => Reading::threw(message(&e)),
    }
}

fn set(obj: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// The health document and the warnings for these options
/// (`{ env, defaultEnabled }`), as the gate would decide in a page built
/// with them: frozen `{ health, warnings }`. Never throws.
#[wasm_bindgen(js_name = buildCheck, unchecked_return_type = "BuildCheck")]
pub fn build_check(options: JsValue) -> JsValue {
    let runtime = read(&js_sys::global(), "MAESTRO_ENABLED");
    let build = match get_own(&options, "env") {
        Ok(env) => read(&env, "VITE_MAESTRO_ENABLED"),
        Err(e) => Reading::threw(message(&e)),
    };
    let default = read(&options, "defaultEnabled");
    let outcome = flag::decide(&runtime, &build, &default);
    let d = &outcome.decision;

    let health = Object::new();
    set(&health, "status", &JsValue::from_str(if d.enabled { "enabled" } else { "disabled" }));
    set(&health, "maestro_enabled", &JsValue::from_bool(d.enabled));
    set(&health, "source", &JsValue::from_str(d.source.id()));
    set(&health, "reason", &JsValue::from_str(&d.reason));
    set(&health, "version", &JsValue::from_str(env!("CARGO_PKG_VERSION")));
    let warnings = Array::new();
    for line in outcome.lines.iter().filter(|l| l.level == Level::Warn) {
        warnings.push(&JsValue::from_str(&["[MAESTRO] ", &line.text].concat()));
    }
    let check = Object::new();
    set(&check, "health", &Object::freeze(&health));
    set(&check, "warnings", &Object::freeze(&warnings));
    Object::freeze(&check).into()
}
