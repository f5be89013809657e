//! Small, never-throwing helpers over JavaScript values.

use alloc::string::String;

use js_sys::Reflect;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = console, js_name = info)]
    fn console_info(line: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(catch, js_namespace = console, js_name = warn)]
    fn console_warn(line: &str) -> Result<(), JsValue>;
    /// `String(value)`, which can throw (a `toString` that throws).
    #[wasm_bindgen(catch, js_name = String)]
    fn js_string(value: &JsValue) -> Result<String, JsValue>;
}

/// `console.info`, ignoring a console that throws.
pub fn info(line: &str) {
    let _ = console_info(line);
}

/// `console.warn`, ignoring a console that throws.
pub fn warn(line: &str) {
    let _ = console_warn(line);
}

/// `String(value)`, or a placeholder when that throws.
pub fn string(value: &JsValue) -> String {
    js_string(value).unwrap_or_else(|_| String::from("<unprintable>"))
}

/// `obj[key]`. A non-object holds nothing (`Ok(undefined)`); a getter or
/// proxy that throws gives `Err` with what it threw.
pub fn get(obj: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    if !obj.is_object() && !obj.is_function() {
        return Ok(JsValue::UNDEFINED);
    }
    Reflect::get(obj, &JsValue::from_str(key))
}

/// `obj[key] = value` on an object the gate created (cannot throw).
pub fn set(obj: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// The message of a thrown value: `error.message` when it is a string,
/// else `String(error)`.
pub fn message(error: &JsValue) -> String {
    match get(error, "message") {
        Ok(m) if m.is_string() => m.as_string().unwrap_or_default(),
        _ => string(error),
    }
}
