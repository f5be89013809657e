//! The JavaScript calls the rollback makes that js-sys and web-sys do not
//! bind the way it needs, each with the reason beside it, and small helpers
//! over them. Everything here catches what it calls: the rollback never
//! throws.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// `Object.assign(Object.create(null), value)`'s first half: js-sys's
    /// `Object::assign` does not catch, and a getter on the options can throw.
    #[wasm_bindgen(catch, js_namespace = Object, js_name = assign)]
    fn assign(target: &JsValue, source: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = Object, js_name = create)]
    fn create(proto: &JsValue) -> JsValue;

    /// `setTimeout` on whatever the global object is (a window or a worker):
    /// web-sys binds it only on `Window` and `WorkerGlobalScope`.
    #[wasm_bindgen(catch, js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: f64) -> Result<JsValue, JsValue>;

    /// `console.info` and `console.warn`, catching: a page may replace the
    /// console with one that throws (web-sys's bindings do not catch).
    #[wasm_bindgen(catch, js_namespace = console, js_name = info)]
    fn console_info(line: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(catch, js_namespace = console, js_name = warn)]
    fn console_warn(line: &str) -> Result<(), JsValue>;

    /// `IDBFactory`, for `databases()`, which web-sys does not bind.
    type Factory;
    #[wasm_bindgen(catch, method, js_name = databases)]
    fn list(this: &Factory) -> Result<Promise, JsValue>;
}

/// `indexedDB.databases()`.
pub fn databases(idb: &web_sys::IdbFactory) -> Result<Promise, JsValue> {
    idb.unchecked_ref::<Factory>().list()
}

/// `Object.assign(Object.create(null), value)`: the value's own enumerable
/// properties, without its prototype's, so that a polluted
/// `Object.prototype` adds no option. `Err` when a getter or a proxy throws.
/// A property whose value is an object or a function (no option is one) is
/// replaced by an empty object, which reads as invalid: serde would look
/// into it (`Array.isArray`, its keys), and a revoked or hostile `Proxy`
/// throws there, out of the wasm, leaving the cleanup's promise unsettled.
/// The copy itself is a plain object: reading it calls none of the page's code.
pub fn own_properties(value: &JsValue) -> Result<JsValue, JsValue> {
    let copy = assign(&create(&JsValue::NULL), value)?;
    for key in js_sys::Object::keys(copy.unchecked_ref::<js_sys::Object>()).iter() {
        let v = Reflect::get(&copy, &key).unwrap_or(JsValue::UNDEFINED);
        if v.is_object() || v.is_function() {
            let _ = Reflect::set(&copy, &key, &js_sys::Object::new());
        }
    }
    Ok(copy)
}

/// `performance.now()` where there is one, else `Date.now()`.
pub fn now() -> f64 {
    let performance = field(&js_sys::global(), "performance");
    match field(&performance, "now").dyn_into::<Function>() {
        Ok(now) => now.call0(&performance).ok().and_then(|v| v.as_f64()).unwrap_or_else(js_sys::Date::now),
        Err(_) => js_sys::Date::now(),
    }
}

/// A promise that resolves after `ms` (clamped to what `setTimeout`
/// honours), or at once when a timer cannot be set.
pub fn timer(ms: f64) -> Promise {
    let ms = maestro_gate::poll::timer_ms(ms);
    Promise::new(&mut |resolve, _| {
        if set_timeout(&resolve, ms).is_err() {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    })
}

/// Waits `ms` (nothing when it is not positive).
pub async fn sleep(ms: f64) {
    if ms.is_nan() || ms <= 0.0 {
        return;
    }
    let _ = JsFuture::from(timer(ms)).await;
}

/// `obj[key]`, with anything that throws (or a non-object) read as `undefined`.
pub fn field(obj: &JsValue, key: &str) -> JsValue {
    if !obj.is_object() && !obj.is_function() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `obj[key] = value`, ignoring failure.
pub fn set(obj: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// `globalThis[name]`, if it is an object (a missing, null or throwing getter: `Err`, and why).
pub fn global_object(name: &str) -> Result<JsValue, String> {
    match Reflect::get(&js_sys::global(), &JsValue::from_str(name)) {
        Ok(v) if v.is_object() => Ok(v),
        Ok(_) => Err(String::from("not available in this context")),
        Err(e) => Err(message(&e)),
    }
}

/// The message of a thrown value: `error.message` when it is a string, else
/// `String(error)` (or a placeholder when that throws too).
pub fn message(error: &JsValue) -> String {
    field(error, "message").as_string().unwrap_or_else(|| string(error))
}

/// `String(value)`, or a placeholder when that throws.
fn string(value: &JsValue) -> String {
    let string = field(&js_sys::global(), "String");
    string
        .dyn_ref::<Function>()
        .and_then(|f| f.call1(&JsValue::UNDEFINED, value).ok())
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| String::from("<unprintable>"))
}

/// Whether `error` is a `DOMException` with this `name`.
pub fn is_named(error: &JsValue, name: &str) -> bool {
    field(error, "name").as_string().as_deref() == Some(name)
}

/// `console.info(line)`; a missing or throwing console is ignored.
pub fn info(line: &str) {
    let _ = console_info(line);
}

/// `console.warn(line)`; a missing or throwing console is ignored.
pub fn warn(line: &str) {
    let _ = console_warn(line);
}
