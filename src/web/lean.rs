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

/// A JavaScript value, held by handle. Dropping it releases the handle.
/// Handles start at 1, so that an `Option<JsValue>` is one number; 1-6 are
/// the glue's fixed values, which it never releases.
///
/// The helpers below that take values by reference are inlined wrappers over
/// functions that take handles, so that a value need not be stored in memory
/// to be passed.
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

    #[inline(always)]
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
        handle(key(s))
    }
    #[inline(always)]
    fn ty(&self) -> i32 {
        unsafe { type_of(self.h()) }
    }
    #[inline(always)]
    pub fn is_undefined(&self) -> bool {
        self.ty() == ty::UNDEFINED
    }
    #[inline(always)]
    pub fn is_null(&self) -> bool {
        self.ty() == ty::NULL
    }
    #[inline(always)]
    pub fn is_function(&self) -> bool {
        self.ty() == ty::FUNCTION
    }
    #[inline(always)]
    pub fn is_string(&self) -> bool {
        self.ty() == ty::STRING
    }
    #[inline(always)]
    pub fn is_object(&self) -> bool {
        self.ty() == ty::OBJECT
    }
    #[inline(always)]
    pub fn as_bool(&self) -> Option<bool> {
        as_bool(self.h())
    }
    #[inline(always)]
    pub fn as_f64(&self) -> Option<f64> {
        as_f64(self.h())
    }
}

fn as_bool(h: i32) -> Option<bool> {
    match unsafe { type_of(h) } {
        ty::TRUE => Some(true),
        ty::FALSE => Some(false),
        _ => None,
    }
}

fn as_f64(h: i32) -> Option<f64> {
    (unsafe { type_of(h) } == ty::NUMBER).then(|| unsafe { number(h) })
}

impl Clone for JsValue {
    #[inline(always)]
    fn clone(&self) -> JsValue {
        handle(unsafe { duplicate(self.h()) })
    }
}

impl Drop for JsValue {
    #[inline(always)]
    fn drop(&mut self) {
        unsafe { release(self.h()) }
    }
}

/// A handle to the string `s`.
fn key(s: &str) -> i32 {
    unsafe { from_utf8(s.as_ptr(), s.len()) }
}

/// An import's answer: a handle, or `!handle` of what was thrown.
#[inline(always)]
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
        *self = handle(concat(self.h(), t.h()));
    }
}

/// `a.concat(b)` of a string `a` (`a` again if that throws).
fn concat(a: i32, b: i32) -> i32 {
    let r = method_raw(a, "concat", 1, b, 1, 1);
    if r < 0 {
        unsafe { release(!r) };
        return unsafe { duplicate(a) };
    }
    r
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
#[inline(always)]
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
#[inline(always)]
pub fn global() -> JsValue {
    JsValue::GLOBAL
}

/// `f.call(this, ...args)` (at most three arguments).
#[inline(always)]
pub fn call(f: &JsValue, this: &JsValue, args: &[&JsValue]) -> Result<JsValue, JsValue> {
    let arg = |i: usize| args.get(i).map_or(1, |a| a.h());
    result(unsafe { call_raw(f.h(), this.h(), args.len() as i32, arg(0), arg(1), arg(2)) })
}

/// `obj[name](a, b, c)` with the first `n` of them: a handle, or `!handle`.
fn method_raw(obj: i32, name: &str, n: i32, a: i32, b: i32, c: i32) -> i32 {
    let f = field_raw(obj, name);
    let r = unsafe { call_raw(f, obj, n, a, b, c) };
    unsafe { release(f) };
    r
}

/// `new globalThis[name](arg)`.
pub fn construct(name: &str, arg: &JsValue) -> Result<JsValue, JsValue> {
    let f = field(&global(), name);
    result(unsafe { construct_raw(f.h(), arg.h()) })
}

/// `Reflect.get(Object(obj), name)`: a handle, or `!handle` of what it threw.
fn get_raw(obj: i32, name: &str) -> i32 {
    let k = key(name);
    let r = unsafe { reflect_get(obj, k) };
    unsafe { release(k) };
    r
}

/// `obj[name]`, with anything that throws read as `undefined`.
fn field_raw(obj: i32, name: &str) -> i32 {
    let r = get_raw(obj, name);
    if r < 0 {
        unsafe { release(!r) };
        return 1;
    }
    r
}

/// `obj[key]` (`undefined` and `null` hold nothing; a string has its
/// `length` and methods). A getter or proxy that throws gives `Err` with what
/// it threw.
#[inline(always)]
pub fn get(obj: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    result(get_raw(obj.h(), key))
}

/// `obj[key]` for any key.
#[inline(always)]
pub fn at(obj: &JsValue, key: &JsValue) -> Result<JsValue, JsValue> {
    result(unsafe { reflect_get(obj.h(), key.h()) })
}

/// `obj[key]`, with anything that throws read as `undefined`.
#[inline(always)]
pub fn field(obj: &JsValue, key: &str) -> JsValue {
    handle(field_raw(obj.h(), key))
}

/// `obj[key]` as a string, if it is one.
pub fn string_field(obj: &JsValue, key: &str) -> Option<Text> {
    Some(field(obj, key)).filter(JsValue::is_string)
}

/// `obj[key] = value`, ignoring failure.
#[inline(always)]
pub fn set(obj: &JsValue, key: &str, value: &JsValue) {
    set_raw(obj.h(), key, value.h())
}

fn set_raw(obj: i32, name: &str, value: i32) {
    let k = key(name);
    unsafe { reflect_set(obj, k, value) };
    unsafe { release(k) };
}

/// `obj[key] = value` for any key, ignoring failure.
#[inline(always)]
pub fn set_at(obj: &JsValue, key: &JsValue, value: &JsValue) {
    unsafe { reflect_set(obj.h(), key.h(), value.h()) }
}

/// `globalThis[name]()`, or `undefined` when that throws.
fn make(name: &str) -> JsValue {
    let f = field(&global(), name);
    call(&f, &JsValue::UNDEFINED, &[]).unwrap_or(JsValue::UNDEFINED)
}

/// `Object()`: a new plain object.
pub fn new_object() -> JsValue {
    make("Object")
}

include!("js_shared.rs");

/// `Object[name](a, b, c)` with the first `n` of them.
fn object_call(name: &str, n: i32, a: i32, b: i32, c: i32) -> Result<JsValue, JsValue> {
    let object = field(&global(), "Object");
    result(method_raw(object.h(), name, n, a, b, c))
}

/// `Object.freeze(obj)`.
pub fn freeze(obj: &JsValue) -> JsValue {
    let _ = object_call("freeze", 1, obj.h(), 1, 1);
    obj.clone()
}

/// `Object.getOwnPropertyDescriptor(obj, key)`.
pub fn own_property(obj: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    let k = JsValue::from_str(key);
    object_call("getOwnPropertyDescriptor", 2, obj.h(), k.h(), 1)
}

/// `Object.defineProperty(obj, key, descriptor)`.
pub fn define_property(obj: &JsValue, key: &str, descriptor: &JsValue) -> Result<JsValue, JsValue> {
    let k = JsValue::from_str(key);
    object_call("defineProperty", 3, obj.h(), k.h(), descriptor.h())
}

/// `[]`.
pub fn new_array() -> JsValue {
    make("Array")
}

/// `array.push(value)`: the new length.
pub fn push(array: &JsValue, value: &JsValue) -> u32 {
    result(method_raw(array.h(), "push", 1, value.h(), 1, 1)).ok().and_then(|n| n.as_f64()).unwrap_or(0.0) as u32
}

/// `String(value)`, or a placeholder when that throws.
pub fn string(value: &JsValue) -> Text {
    let f = field(&global(), "String");
    call(&f, &JsValue::UNDEFINED, &[value]).unwrap_or_else(|_| JsValue::from_str("<unprintable>"))
}

/// `f.call(this_arg, arg)` when `f` is a function; what it throws is ignored.
pub fn call_if_function(f: &JsValue, this_arg: &JsValue, arg: &JsValue) {
    if f.is_function() {
        let _ = call(f, this_arg, &[arg]);
    }
}

/// A new `BroadcastChannel(name)`, where there is one.
pub fn channel(name: &str) -> Option<JsValue> {
    construct("BroadcastChannel", &JsValue::from_str(name)).ok()
}

/// `channel.postMessage(message)`; false when it threw.
pub fn post_message(channel: &JsValue, message: &JsValue) -> bool {
    result(method_raw(channel.h(), "postMessage", 1, message.h(), 1, 1)).is_ok()
}

/// The glue's dispatcher bound to `tag`: calling it runs `reactor::dispatch(tag, event)`.
pub fn dispatcher(tag: f64) -> JsValue {
    let n = JsValue::from_f64(tag);
    result(method_raw(JsValue::DISPATCH.h(), "bind", 2, JsValue::NULL.h(), n.h(), 1)).unwrap_or(JsValue::UNDEFINED)
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
    #[export_name = "N"] // buildCheck
    extern "C" fn build_check(options: JsValue) -> JsValue {
        web::build_check(options)
    }
}
