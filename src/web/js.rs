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

// ---------- thin bindings for the browser APIs the gate uses ----------
// Declared here rather than through web-sys features so that each is exactly
// the call made, and every call that can throw is `catch`.

#[wasm_bindgen]
extern "C" {
    /// `Storage` (localStorage / sessionStorage).
    pub type Store;
    #[wasm_bindgen(method, catch, getter)]
    pub fn length(this: &Store) -> Result<u32, JsValue>;
    #[wasm_bindgen(method, catch)]
    pub fn key(this: &Store, index: u32) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = removeItem)]
    pub fn remove_item(this: &Store, key: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch)]
    pub fn clear(this: &Store) -> Result<(), JsValue>;

    /// A JavaScript string, compared without copying it into wasm memory.
    pub type Str;
    #[wasm_bindgen(method, js_name = startsWith)]
    pub fn starts_with(this: &Str, prefix: &JsValue) -> bool;

    /// `IDBFactory`.
    pub type Idb;
    #[wasm_bindgen(method, catch, js_name = deleteDatabase)]
    pub fn delete_database(this: &Idb, name: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch)]
    pub fn open(this: &Idb, name: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch)]
    pub fn databases(this: &Idb) -> Result<js_sys::Promise, JsValue>;

    /// `IDBTransaction` / `IDBDatabase` / `Event`: the one method each that is used.
    pub type Abortable;
    #[wasm_bindgen(method, catch)]
    pub fn abort(this: &Abortable) -> Result<(), JsValue>;
    pub type Closable;
    #[wasm_bindgen(method, catch)]
    pub fn close(this: &Closable) -> Result<(), JsValue>;
    pub type Ev;
    #[wasm_bindgen(method, js_name = preventDefault)]
    pub fn prevent_default(this: &Ev);

    /// `BroadcastChannel`.
    #[wasm_bindgen(js_name = BroadcastChannel)]
    pub type Channel;
    #[wasm_bindgen(constructor, catch, js_class = "BroadcastChannel")]
    pub fn new(name: &str) -> Result<Channel, JsValue>;
    #[wasm_bindgen(method, catch, js_name = postMessage)]
    pub fn post(this: &Channel, message: &JsValue) -> Result<(), JsValue>;

    /// A function called with one argument, ignoring what it throws.
    pub type Callback;
    #[wasm_bindgen(method, catch, js_name = call)]
    pub fn call1(this: &Callback, this_arg: &JsValue, arg: &JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(catch, js_name = setTimeout)]
    pub fn set_timeout(callback: &JsValue, ms: f64) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(js_namespace = Date, js_name = now)]
    pub fn now() -> f64;
    #[wasm_bindgen(js_namespace = Math, js_name = random)]
    pub fn random() -> f64;
}

/// A promise that resolves to `undefined` after `ms` milliseconds.
pub fn sleep(ms: f64) -> js_sys::Promise {
    js_sys::Promise::new(&mut |resolve, _| {
        let _ = set_timeout(&resolve, ms);
    })
}

/// Whether `error` is a `SecurityError` (access to storage denied).
pub fn is_security_error(error: &JsValue) -> bool {
    get(error, "name").ok().and_then(|n| n.as_string()).as_deref() == Some("SecurityError")
}
