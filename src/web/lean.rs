//! The lean build's way to JavaScript (feature `lean`: the gate module every
//! visitor loads). Instead of wasm-bindgen's glue, the wasm imports thirteen
//! generic operations (`js/core.js` implements them in a few lines), and every
//! JavaScript value is a handle: an index into the glue's table of values.
//! Text stays in JavaScript as well (sentences are built by `concat`), so the
//! decision path neither allocates in wasm nor formats anything.
//!
//! It offers the same helpers as `js.rs`, by the same names, so that the gate's
//! code is one code for both builds.

use core::num::NonZeroU32;

use crate::flag::{self, Raw};

#[link(wasm_import_module = "m")]
extern "C" {
    /// What a value is: see [`Type`].
    #[link_name = "a"]
    fn type_of(h: i32) -> i32;
    /// A number's (or boolean's) value.
    #[link_name = "b"]
    fn number(h: i32) -> f64;
    /// A handle to the number `x`.
    #[link_name = "c"]
    fn from_number(x: f64) -> i32;
    /// A handle to the UTF-8 text at `ptr` (`len` bytes).
    #[link_name = "d"]
    fn from_utf8(ptr: *const u8, len: usize) -> i32;
    /// `Reflect.get(Object(obj), key)`: a handle, or `!handle` of what it threw.
    #[link_name = "e"]
    fn reflect_get(obj: i32, key: i32) -> i32;
    /// `Reflect.set(obj, key, value)`, ignoring what it throws.
    #[link_name = "f"]
    fn reflect_set(obj: i32, key: i32, value: i32);
    /// `f.call(this, ...[a, b, c].slice(0, n))`: a handle, or `!handle` of what it threw.
    #[link_name = "g"]
    fn call_raw(f: i32, this: i32, n: i32, a: i32, b: i32, c: i32) -> i32;
    /// `new f(a)`: a handle, or `!handle` of what it threw.
    #[link_name = "h"]
    fn construct_raw(f: i32, a: i32) -> i32;
    /// Releases a handle.
    #[link_name = "i"]
    fn release(h: i32);
    /// A second handle to the same value.
    #[link_name = "j"]
    fn duplicate(h: i32) -> i32;
    /// `console[warn ? "warn" : "info"](line)`, now or in a microtask (`later`);
    /// a missing or throwing console is ignored.
    #[link_name = "k"]
    fn console(warn: bool, line: i32, later: bool);
    /// `a === b`.
    #[link_name = "l"]
    fn strict_equals(a: i32, b: i32) -> bool;
    /// `s.charCodeAt(i)` of a string `s` (0 past its end).
    #[link_name = "m"]
    fn code_at(s: i32, i: usize) -> u32;
}

/// What `type_of` answers.
mod ty {
    pub const UNDEFINED: i32 = 0;
    pub const NULL: i32 = 1;
    pub const TRUE: i32 = 2;
    pub const FALSE: i32 = 3;
    pub const NUMBER: i32 = 4;
    pub const STRING: i32 = 5;
    pub const FUNCTION: i32 = 6;
    pub const OBJECT: i32 = 7;
}

/// Below this, the handles the glue's table starts with, which are never
/// released (1-4: `undefined`, `null`, `true`, `false`).
const FIXED: i32 = 7;

/// A JavaScript value, held by handle. Dropping it releases the handle.
/// Handles start at 1, so that an `Option<JsValue>` is one number.
#[repr(transparent)]
pub struct JsValue(NonZeroU32);

/// The handle `h`; the glue never gives 0.
const fn handle(h: i32) -> JsValue {
    match NonZeroU32::new(h as u32) {
        Some(h) => JsValue(h),
        None => JsValue::UNDEFINED,
    }
}

impl JsValue {
    pub const UNDEFINED: JsValue = JsValue(NonZeroU32::MIN);
    pub const NULL: JsValue = handle(2);
    pub const TRUE: JsValue = handle(3);
    pub const FALSE: JsValue = handle(4);
    /// `globalThis`.
    const GLOBAL: JsValue = handle(5);
    /// The glue's function that calls the export `dispatch`.
    const DISPATCH: JsValue = handle(6);

    fn h(&self) -> i32 {
        self.0.get() as i32
    }

    pub fn from_bool(b: bool) -> JsValue {
        if b {
            JsValue::TRUE
        } else {
            JsValue::FALSE
        }
    }
    pub fn from_f64(x: f64) -> JsValue {
        handle(unsafe { from_number(x) })
    }
    pub fn from_str(s: &str) -> JsValue {
        handle(unsafe { from_utf8(s.as_ptr(), s.len()) })
    }
    fn ty(&self) -> i32 {
        match self.h() {
            h @ 1..=4 => h - 1,
            h => unsafe { type_of(h) },
        }
    }
    pub fn is_undefined(&self) -> bool {
        self.ty() == ty::UNDEFINED
    }
    pub fn is_null(&self) -> bool {
        self.ty() == ty::NULL
    }
    pub fn is_function(&self) -> bool {
        self.ty() == ty::FUNCTION
    }
    pub fn is_string(&self) -> bool {
        self.ty() == ty::STRING
    }
    pub fn is_object(&self) -> bool {
        self.ty() == ty::OBJECT
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self.ty() {
            ty::TRUE => Some(true),
            ty::FALSE => Some(false),
            _ => None,
        }
    }
    pub fn as_f64(&self) -> Option<f64> {
        (self.ty() == ty::NUMBER).then(|| unsafe { number(self.h()) })
    }
}

impl Clone for JsValue {
    fn clone(&self) -> JsValue {
        if self.h() < FIXED {
            JsValue(self.0)
        } else {
            handle(unsafe { duplicate(self.h()) })
        }
    }
}

impl Drop for JsValue {
    #[inline(never)]
    fn drop(&mut self) {
        if self.h() >= FIXED {
            unsafe { release(self.h()) }
        }
    }
}

/// An import's answer: a handle, or `!handle` of what was thrown.
fn result(h: i32) -> Result<JsValue, JsValue> {
    if h < 0 {
        Err(handle(!h))
    } else {
        Ok(handle(h))
    }
}

/// Text is a JavaScript string here.
pub type Text = JsValue;

impl flag::Text for JsValue {
    fn of(s: &str) -> JsValue {
        JsValue::from_str(s)
    }
    fn push(&mut self, s: &str) {
        self.append(&JsValue::from_str(s));
    }
    fn append(&mut self, t: &JsValue) {
        if let Ok(joined) = call(&field(self, "concat"), self, &[t]) {
            *self = joined;
        }
    }
}

/// The value `text` (a string).
pub fn text_value(text: &Text) -> JsValue {
    text.clone()
}

/// Whether `text` is the string `s`.
pub fn text_is(text: &Text, s: &str) -> bool {
    text_eq(text, &JsValue::from_str(s))
}

/// Whether two texts are the same.
pub fn text_eq(a: &Text, b: &Text) -> bool {
    unsafe { strict_equals(a.h(), b.h()) }
}

/// A string value as the rules read it, and the value itself as text.
pub fn string_of(v: &JsValue) -> Option<(Raw<'static>, Text)> {
    if !v.is_string() {
        return None;
    }
    let len = field(v, "length").as_f64().unwrap_or(0.0) as usize;
    Some((flag::word(len, |i| unsafe { code_at(v.h(), i) }), v.clone()))
}

/// `globalThis`: `window` in a page, `self` in a worker.
pub fn global() -> JsValue {
    JsValue::GLOBAL
}

/// `f.call(this, ...args)` (at most three arguments).
#[inline(always)]
pub fn call(f: &JsValue, this: &JsValue, args: &[&JsValue]) -> Result<JsValue, JsValue> {
    let arg = |i: usize| args.get(i).map_or(1, |a| a.h());
    result(unsafe { call_raw(f.h(), this.h(), args.len() as i32, arg(0), arg(1), arg(2)) })
}

/// `new globalThis[name](arg)`.
pub fn construct(name: &str, arg: &JsValue) -> Result<JsValue, JsValue> {
    result(unsafe { construct_raw(field(&global(), name).h(), arg.h()) })
}

/// `obj[key]` (`undefined` and `null` hold nothing; a string has its
/// `length` and methods). A getter or proxy that throws gives `Err` with what
/// it threw.
pub fn get(obj: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    at(obj, &JsValue::from_str(key))
}

/// `obj[key]` for any key.
pub fn at(obj: &JsValue, key: &JsValue) -> Result<JsValue, JsValue> {
    result(unsafe { reflect_get(obj.h(), key.h()) })
}

/// `obj[key]`, with anything that throws read as `undefined`.
pub fn field(obj: &JsValue, key: &str) -> JsValue {
    get(obj, key).unwrap_or(JsValue::UNDEFINED)
}

/// `obj[key]` as a string, if it is one.
pub fn string_field(obj: &JsValue, key: &str) -> Option<Text> {
    Some(field(obj, key)).filter(JsValue::is_string)
}

/// `obj[key] = value`, ignoring failure.
pub fn set(obj: &JsValue, key: &str, value: &JsValue) {
    set_at(obj, &JsValue::from_str(key), value);
}

/// `obj[key] = value` for any key, ignoring failure.
pub fn set_at(obj: &JsValue, key: &JsValue, value: &JsValue) {
    unsafe { reflect_set(obj.h(), key.h(), value.h()) }
}

/// `Object()`: a new plain object.
pub fn new_object() -> JsValue {
    call(&field(&global(), "Object"), &JsValue::UNDEFINED, &[]).unwrap_or(JsValue::UNDEFINED)
}

/// A new object with the given string fields.
pub fn object(fields: &[(&str, &str)]) -> JsValue {
    let o = new_object();
    for (k, v) in fields {
        set(&o, k, &JsValue::from_str(v));
    }
    o
}

/// `Object[name](...args)`.
fn object_call(name: &str, args: &[&JsValue]) -> Result<JsValue, JsValue> {
    let object = field(&global(), "Object");
    call(&field(&object, name), &object, args)
}

/// `Object.freeze(obj)`.
pub fn freeze(obj: &JsValue) -> JsValue {
    let _ = object_call("freeze", &[obj]);
    obj.clone()
}

/// `Object.getOwnPropertyDescriptor(obj, key)`.
pub fn own_property(obj: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    object_call("getOwnPropertyDescriptor", &[obj, &JsValue::from_str(key)])
}

/// `Object.defineProperty(obj, key, descriptor)`.
pub fn define_property(obj: &JsValue, key: &str, descriptor: &JsValue) -> Result<JsValue, JsValue> {
    object_call("defineProperty", &[obj, &JsValue::from_str(key), descriptor])
}

/// `[]`.
pub fn new_array() -> JsValue {
    call(&field(&global(), "Array"), &JsValue::UNDEFINED, &[]).unwrap_or(JsValue::UNDEFINED)
}

/// `array.push(value)`: the new length.
pub fn push(array: &JsValue, value: &JsValue) -> u32 {
    call(&field(array, "push"), array, &[value]).ok().and_then(|n| n.as_f64()).unwrap_or(0.0) as u32
}

/// `String(value)`, or a placeholder when that throws.
pub fn string(value: &JsValue) -> Text {
    call(&field(&global(), "String"), &JsValue::UNDEFINED, &[value])
        .unwrap_or_else(|_| JsValue::from_str("<unprintable>"))
}

/// The message of a thrown value: `error.message` when it is a string,
/// else `String(error)`.
pub fn message(error: &JsValue) -> Text {
    string_field(error, "message").unwrap_or_else(|| string(error))
}

/// `f.call(this_arg, arg)` when `f` is a function; what it throws is ignored.
pub fn call_if_function(f: &JsValue, this_arg: &JsValue, arg: &JsValue) {
    if f.is_function() {
        let _ = call(f, this_arg, &[arg]);
    }
}

/// Whether `globalThis[name]` is a function.
pub fn has_function(name: &str) -> bool {
    field(&global(), name).is_function()
}

/// A new `BroadcastChannel(name)`, where there is one.
pub fn channel(name: &str) -> Option<JsValue> {
    construct("BroadcastChannel", &JsValue::from_str(name)).ok()
}

/// `channel.postMessage(message)`; false when it threw.
pub fn post_message(channel: &JsValue, message: &JsValue) -> bool {
    call(&field(channel, "postMessage"), channel, &[message]).is_ok()
}

/// The glue's dispatcher bound to `tag`: calling it runs `reactor::dispatch(tag, event)`.
pub fn dispatcher(tag: f64) -> JsValue {
    let f = JsValue::DISPATCH;
    call(&field(&f, "bind"), &f, &[&JsValue::NULL, &JsValue::from_f64(tag)]).unwrap_or(JsValue::UNDEFINED)
}

/// `console[method](line)` (`"info"` or `"warn"`), now or (`later`) in a
/// microtask: see `js.rs`, which does the same through wasm-bindgen.
pub fn log(method: &str, line: &Text, later: bool) {
    unsafe { console(method == "warn", line.h(), later) }
}

// The exports the glue calls, each named by one letter (js/core.js says
// which is which).
mod exports {
    use super::JsValue;
    use crate::web;

    #[export_name = "A"] // decide
    extern "C" fn decide(options: JsValue) -> JsValue {
        web::decide(options)
    }
    #[export_name = "B"] // decision
    extern "C" fn decision() -> JsValue {
        web::decision()
    }
    #[export_name = "C"] // health
    extern "C" fn health() -> JsValue {
        web::health()
    }
    #[export_name = "D"] // healthFor
    extern "C" fn health_for(options: JsValue) -> JsValue {
        web::health_for(options)
    }
    #[export_name = "E"] // isEnabled
    extern "C" fn is_enabled() -> bool {
        web::is_enabled()
    }
    #[export_name = "F"] // onChange
    extern "C" fn on_change(callback: JsValue) -> JsValue {
        web::on_change(callback)
    }
    #[export_name = "G"] // onRemote
    extern "C" fn on_remote(hook: JsValue) {
        web::on_remote(hook)
    }
    #[export_name = "H"] // remoteOff
    extern "C" fn remote_off(url: JsValue) {
        web::remote_off(&url)
    }
    #[export_name = "I"] // onCleanupMessage
    extern "C" fn on_cleanup_message(forward: JsValue) {
        web::tabs::on_cleanup_message(forward)
    }
    #[export_name = "J"] // onCleanupRequest
    extern "C" fn on_cleanup_request(callback: JsValue) -> JsValue {
        web::tabs::on_cleanup_request(callback)
    }
    #[export_name = "K"] // notifyCleanup
    extern "C" fn notify_cleanup(request: JsValue) {
        web::tabs::notify_cleanup(&request)
    }
    #[export_name = "L"] // ownCleanup
    extern "C" fn own_cleanup(id: f64) {
        web::tabs::own_cleanup(id)
    }
    #[export_name = "M"] // dispatch
    extern "C" fn dispatch(tag: f64, event: JsValue) -> JsValue {
        web::reactor::dispatch(tag, event)
    }
}
