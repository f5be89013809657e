//! Small, never-throwing helpers over JavaScript values, and thin bindings for
//! exactly the browser calls the gate makes (declared here rather than through
//! web-sys features, so that each is one call, and every call that can throw
//! is `catch`).

use alloc::string::String;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
pub use wasm_bindgen::JsValue;

#[wasm_bindgen]
extern "C" {
    /// `Promise.resolve(value)`.
    #[wasm_bindgen(catch, js_namespace = Promise, js_name = resolve)]
    fn resolved(value: &str) -> Result<Thenable, JsValue>;
    /// `String(value)`, which can throw (a `toString` that throws).
    #[wasm_bindgen(catch, js_name = String)]
    fn js_string(value: &JsValue) -> Result<String, JsValue>;

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
    pub fn databases(this: &Idb) -> Result<Thenable, JsValue>;

    /// Anything with a no-argument method the gate calls: `IDBTransaction.abort()`,
    /// `IDBDatabase.close()`, `AbortController.abort()`, `Event.preventDefault()`,
    /// `Response.json()`.
    pub type Obj;
    #[wasm_bindgen(method, catch)]
    pub fn abort(this: &Obj) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch)]
    pub fn close(this: &Obj) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch, js_name = preventDefault)]
    pub fn prevent_default(this: &Obj) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch)]
    pub fn json(this: &Obj) -> Result<Thenable, JsValue>;

    /// A promise, continued with two handlers.
    pub type Thenable;
    #[wasm_bindgen(method, catch)]
    pub fn then(this: &Thenable, ok: &JsValue, err: &JsValue) -> Result<JsValue, JsValue>;

    /// A function: called with one argument, or bound to a number.
    pub type Callback;
    #[wasm_bindgen(method, catch, js_name = call)]
    pub fn call1(this: &Callback, this_arg: &JsValue, arg: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, js_name = bind)]
    pub fn bind1(this: &Callback, this_arg: &JsValue, arg: f64) -> JsValue;
    #[wasm_bindgen(method, catch, js_name = bind)]
    fn bind_this(this: &Callback, this_arg: &JsValue) -> Result<JsValue, JsValue>;

    /// `BroadcastChannel`.
    #[wasm_bindgen(js_name = BroadcastChannel)]
    pub type Channel;
    #[wasm_bindgen(constructor, catch, js_class = "BroadcastChannel")]
    pub fn new(name: &str) -> Result<Channel, JsValue>;
    #[wasm_bindgen(method, catch, js_name = postMessage)]
    pub fn post(this: &Channel, message: &JsValue) -> Result<(), JsValue>;

    #[wasm_bindgen(js_name = AbortController)]
    pub type Aborter;
    #[wasm_bindgen(constructor, catch, js_class = "AbortController")]
    pub fn new() -> Result<Aborter, JsValue>;

    #[wasm_bindgen(catch, js_name = fetch)]
    pub fn fetch(url: &str, init: &JsValue) -> Result<Thenable, JsValue>;
    #[wasm_bindgen(catch, js_name = setTimeout)]
    pub fn set_timeout(callback: &JsValue, ms: f64) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = clearTimeout)]
    pub fn clear_timeout(id: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(js_namespace = Date, js_name = now)]
    pub fn now() -> f64;
    #[wasm_bindgen(js_namespace = Math, js_name = random)]
    pub fn random() -> f64;

    // Declared here rather than used from js-sys, whose `global()` tries four
    // ways to the global object: these are all the gate needs of it.
    #[wasm_bindgen(catch, js_namespace = Reflect, js_name = get)]
    fn reflect_get(obj: &JsValue, key: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Reflect, js_name = get)]
    fn reflect_get_at(obj: &JsValue, key: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Reflect, js_name = set)]
    fn reflect_set_at(obj: &JsValue, key: &JsValue, value: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Reflect, js_name = apply)]
    fn reflect_apply(f: &JsValue, this: &JsValue, args: &JsValue) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Reflect, js_name = set)]
    fn reflect_set(obj: &JsValue, key: &str, value: &JsValue) -> Result<JsValue, JsValue>;
    /// `Object()`: a new plain object.
    #[wasm_bindgen(js_name = Object)]
    pub fn new_object() -> JsValue;
    #[wasm_bindgen(js_namespace = Object, js_name = freeze)]
    pub fn freeze(obj: &JsValue) -> JsValue;
    #[wasm_bindgen(thread_local_v2, js_name = globalThis)]
    static GLOBAL_THIS: JsValue;

    /// A promise made by `new Promise(executor)`.
    #[wasm_bindgen(js_name = Promise)]
    pub type NewPromise;
    #[wasm_bindgen(constructor, catch, js_class = "Promise")]
    fn create(executor: &JsValue) -> Result<NewPromise, JsValue>;

    /// `Array()`: a new empty array; `push` and `Array.isArray`.
    #[wasm_bindgen(js_name = Array)]
    pub fn new_array() -> JsValue;
    #[wasm_bindgen(method, js_name = push)]
    fn push(this: &Callback, value: &JsValue);
    #[wasm_bindgen(js_namespace = Array, js_name = isArray)]
    pub fn is_array(value: &JsValue) -> bool;
}

/// Text is a Rust string here (the lean build keeps it in JavaScript).
pub type Text = String;

/// The value `text` (a string).
pub fn text_value(text: &Text) -> JsValue {
    JsValue::from_str(text)
}

/// Whether `text` is the string `s`.
pub fn text_is(text: &Text, s: &str) -> bool {
    text == s
}

/// Whether two texts are the same.
#[cfg_attr(feature = "remote", allow(dead_code))]
pub fn text_eq(a: &Text, b: &Text) -> bool {
    a == b
}

/// A string value as the rules read it, and the value itself as text.
pub fn string_of(v: &JsValue) -> Option<(crate::flag::Raw<'static>, Text)> {
    let s = v.as_string()?;
    let bytes = s.as_bytes();
    Some((crate::flag::word(bytes.len(), |i| bytes.get(i).copied().unwrap_or(0) as u32), s))
}

/// `f.call(this, ...args)`.
pub fn call(f: &JsValue, this: &JsValue, args: &[&JsValue]) -> Result<JsValue, JsValue> {
    let list = new_array();
    for a in args {
        list.unchecked_ref::<Callback>().push(a);
    }
    reflect_apply(f, this, &list)
}

/// `obj[key]` for any key.
pub fn at(obj: &JsValue, key: &JsValue) -> Result<JsValue, JsValue> {
    if !obj.is_object() && !obj.is_function() {
        return Ok(JsValue::UNDEFINED);
    }
    reflect_get_at(obj, key)
}

/// `obj[key] = value` for any key, ignoring failure.
pub fn set_at(obj: &JsValue, key: &JsValue, value: &JsValue) {
    let _ = reflect_set_at(obj, key, value);
}

/// `array.push(value)`: the new length.
pub fn push(array: &JsValue, value: &JsValue) -> u32 {
    call(&field(array, "push"), array, &[value]).ok().and_then(|n| n.as_f64()).unwrap_or(0.0) as u32
}

/// A new `BroadcastChannel(name)`, where there is one.
pub fn channel(name: &str) -> Option<JsValue> {
    Channel::new(name).ok().map(JsValue::from)
}

/// `channel.postMessage(message)`; false when it threw.
pub fn post_message(channel: &JsValue, message: &JsValue) -> bool {
    channel.unchecked_ref::<Channel>().post(message).is_ok()
}

/// A new promise whose executor is `executor` (called at once with `resolve`).
pub fn promise(executor: &JsValue) -> Option<NewPromise> {
    NewPromise::create(executor).ok()
}

/// A new array of `values`.
pub fn array(values: &[JsValue]) -> JsValue {
    let a = new_array();
    for v in values {
        a.unchecked_ref::<Callback>().push(v);
    }
    a
}

/// `array[i]` for each `i` below `array.length`.
pub fn items(array: &JsValue) -> impl Iterator<Item = JsValue> + '_ {
    let len = field(array, "length").as_f64().unwrap_or(0.0) as u32;
    (0..len).map(move |i| {
        let mut key = String::new();
        crate::cleanup::push_uint(&mut key, i);
        field(array, &key)
    })
}

/// `globalThis`: `window` in a page, `self` in a worker.
pub fn global() -> JsValue {
    GLOBAL_THIS.with(JsValue::clone)
}

/// `console[method](line)`, now or (`later`) in a microtask: once the current
/// call into the wasm has returned, but before anything else runs (the next
/// script, the code after `await init()`). With devtools open, a console call
/// made from inside wasm captures the wasm frames of its stack, which cost
/// 3-4 ms at start-up; from a microtask it is cheap. A missing console is
/// ignored, and so is one that throws (later: the second `then` catches it
/// with `Function.prototype`, a function that does nothing).
pub fn log(method: &str, line: &str, later: bool) {
    let global = global();
    let console = field(&global, "console");
    let f = field(&console, method);
    if !f.is_function() {
        return;
    }
    let f = f.unchecked_ref::<Callback>();
    if !later {
        let _ = f.call1(&console, &JsValue::from_str(line));
        return;
    }
    let Ok(bound) = f.bind_this(&console) else { return };
    let nothing = field(&field(&global, "Function"), "prototype");
    if let Ok(p) = resolved(line).and_then(|p| p.then(&bound, &JsValue::UNDEFINED)) {
        let _ = p.unchecked_ref::<Thenable>().then(&JsValue::UNDEFINED, &nothing);
    }
}

/// `console.info(line)`, at once.
pub fn info(line: &str) {
    log("info", line, false);
}

/// `console.warn(line)`, at once.
pub fn warn(line: &str) {
    log("warn", line, false);
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
    reflect_get(obj, key)
}

/// `obj[key]`, with anything that throws read as `undefined`.
pub fn field(obj: &JsValue, key: &str) -> JsValue {
    get(obj, key).unwrap_or(JsValue::UNDEFINED)
}

/// `obj[key]` as a string, if it is one.
pub fn string_field(obj: &JsValue, key: &str) -> Option<String> {
    field(obj, key).as_string()
}

/// `obj[key] = value`, ignoring failure (the gate sets keys on its own objects
/// and on event targets, where it cannot fail in practice).
pub fn set(obj: &JsValue, key: &str, value: &JsValue) {
    let _ = reflect_set(obj, key, value);
}

include!("js_shared.rs");

/// Whether `error` is a `DOMException` with this `name`.
pub fn is_named(error: &JsValue, name: &str) -> bool {
    string_field(error, "name").as_deref() == Some(name)
}

/// `globalThis[name]`, if it is an object (a missing, null or throwing getter: `Err`).
pub fn global_object(name: &str) -> Result<JsValue, String> {
    match get(&global(), name) {
        Ok(v) if v.is_object() => Ok(v),
        Ok(_) => Err(String::from("not available in this context")),
        Err(e) => Err(message(&e)),
    }
}

/// `f.call(this_arg, arg)` when `f` is a function; what it throws is ignored.
pub fn call_if_function(f: &JsValue, this_arg: &JsValue, arg: &JsValue) {
    if f.is_function() {
        let _ = f.unchecked_ref::<Callback>().call1(this_arg, arg);
    }
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Object, js_name = getOwnPropertyDescriptor)]
    pub fn own_property(obj: &JsValue, key: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Object, js_name = defineProperty)]
    pub fn define_property(obj: &JsValue, key: &str, descriptor: &JsValue) -> Result<JsValue, JsValue>;
}
