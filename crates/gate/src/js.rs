//! Small, never-throwing helpers over JavaScript values, built on the
//! boundary in `abi.rs`: property reads and writes, calls, objects, and text.

pub use crate::abi::JsValue;
use crate::abi::{
    call_raw, concat, console, construct_raw, done, fixed, handle, reflect_get, reflect_set, result, strict_equals,
    table,
};
use maestro_gate::flag;

/// Text is a JavaScript string here.
pub type Text = JsValue;

impl flag::Text for JsValue {
    fn of(s: &str) -> JsValue {
        JsValue::from_str(s)
    }
    fn push(&mut self, s: &str) {
        *self = pushed(self.h(), s);
    }
    fn append(&mut self, t: &JsValue) {
        *self = concat(self.h(), t.h());
    }
    // `text + n`: JavaScript writes the digits.
    fn push_uint(&mut self, n: u64) {
        self.append(&JsValue::from_f64(n as f64));
    }
}

/// `a + s`.
#[inline(never)]
fn pushed(a: i32, s: &str) -> JsValue {
    concat(a, JsValue::from_str(s).h())
}

/// Whether `text` is the string `s`.
pub fn text_is(text: &Text, s: &str) -> bool {
    text_eq(text, &JsValue::from_str(s))
}

/// Whether two texts are the same.
#[inline(always)]
pub fn text_eq(a: &Text, b: &Text) -> bool {
    strict_equals(a.h(), b.h())
}

/// A string's `length`, in UTF-16 units (a string's own `length` is always
/// a number: no type check).
pub fn length(s: &Text) -> usize {
    crate::abi::number(field(s, "length").h()) as usize
}

/// `globalThis`: `window` in a page, `self` in a worker.
#[inline(always)]
pub fn global() -> &'static JsValue {
    &fixed::GLOBAL
}

/// `f.call(this, ...args)` (at most three arguments).
#[inline(always)]
pub fn call(f: &JsValue, this: &JsValue, args: &[&JsValue]) -> Result<JsValue, JsValue> {
    let arg = |i: usize| args.get(i).map_or(1, |a| a.h());
    // SAFETY: `call_raw` answers by the thrown-value convention.
    unsafe { result(call_raw(f.h(), this.h(), args.len() as i32, arg(0), arg(1), arg(2))) }
}

/// `obj[name](a, b, c)` with the first `n` of them: a handle, or `!handle`.
fn method_raw(obj: i32, name: &str, n: i32, a: i32, b: i32, c: i32) -> i32 {
    let f = field_raw(obj, name);
    let r = call_raw(f, obj, n, a, b, c);
    done(f);
    r
}

/// `obj[name](arg)` (`n`: 0 or 1 argument), or `undefined` when that throws.
pub fn method(obj: &JsValue, name: &str, n: i32, arg: &JsValue) -> JsValue {
    let r = method_raw(obj.h(), name, n, arg.h(), 1, 1);
    if r < 0 {
        done(!r);
        return JsValue::UNDEFINED;
    }
    // SAFETY: `r` is `call_raw`'s answer, and not a thrown one: a handle, 1 or more.
    unsafe { handle(r) }
}

/// `new globalThis[name](arg)`. (The glue keeps what it constructs as this
/// copy's BroadcastChannel, `js/core.js`'s `channel`: the gate's channel is
/// all the boundary constructs, and a lean module, which shares the glue,
/// constructs nothing.)
pub fn construct(name: &str, arg: &JsValue) -> Result<JsValue, JsValue> {
    let f = field(global(), name);
    // SAFETY: `construct_raw` answers by the thrown-value convention.
    unsafe { result(construct_raw(f.h(), arg.h())) }
}

/// `Reflect.get(Object(obj), name)`: a handle, or `!handle` of what it threw.
fn get_raw(obj: i32, name: &str) -> i32 {
    // SAFETY: `name` is a live `&str` of this instance's memory, `len` bytes at `ptr`.
    unsafe { reflect_get(obj, name.as_ptr(), name.len()) }
}

/// `obj[name]`, with anything that throws read as `undefined`.
#[inline(never)]
fn field_raw(obj: i32, name: &str) -> i32 {
    let r = get_raw(obj, name);
    if r < 0 {
        done(!r);
        return table::handle::UNDEFINED;
    }
    r
}

/// `obj[key]`, with anything that throws read as `undefined`.
#[inline(always)]
pub fn field(obj: &JsValue, key: &str) -> JsValue {
    // SAFETY: `field_raw` answers a handle, 1 or more.
    unsafe { handle(field_raw(obj.h(), key)) }
}

/// `obj[key]` as the app reads it (a getter, a proxy's `get` trap and the
/// prototype chain included; of `Object(obj)`: `undefined` and `null` read
/// as `{}`). What it throws is `Err`.
#[inline(always)]
pub fn get(obj: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    // SAFETY: `get_raw` answers by the thrown-value convention.
    unsafe { result(get_raw(obj.h(), key)) }
}

/// Whether `key` is `obj`'s own property (`Object.getOwnPropertyDescriptor`
/// finds it); a lookup that throws (a proxy's trap) says no.
pub fn has_own(obj: &JsValue, key: &str) -> bool {
    // A descriptor is a new handle; `undefined` is the fixed one.
    let desc = own_property_raw(obj, key);
    done(if desc < 0 { !desc } else { desc });
    desc > table::handle::UNDEFINED
}

/// `obj[key]` as a string, if it is one and `obj`'s own property: an
/// inherited property, such as one polluting `Object.prototype`, is no
/// option (a getter, proxy or descriptor lookup that throws reads as none).
pub fn own_string(obj: &JsValue, key: &str) -> Option<Text> {
    if !has_own(obj, key) {
        return None;
    }
    get(obj, key).ok().filter(JsValue::is_string)
}

/// `obj[key]` as a string, if it is one.
pub fn string_field(obj: &JsValue, key: &str) -> Option<Text> {
    Some(field(obj, key)).filter(JsValue::is_string)
}

/// `JSON.parse(storage.getItem(key))`: `None` when nothing is stored (or
/// the storage throws, or is missing), `undefined` when the value is not
/// JSON. (The remembered off, `remembered::off`; the first answer's
/// `off_remembered`; the keeping module's memory.)
pub fn stored(storage: &JsValue, key: &str) -> Option<JsValue> {
    let text = method(storage, "getItem", 1, &JsValue::from_str(key));
    if !text.is_string() {
        return None;
    }
    Some(method(&field(global(), "JSON"), "parse", 1, &text))
}

/// `obj[key] = value`, ignoring failure.
#[inline(always)]
pub fn set(obj: &JsValue, key: &str, value: &JsValue) {
    set_raw(obj.h(), key, value.h())
}

fn set_raw(obj: i32, name: &str, value: i32) {
    // SAFETY: as `get_raw`'s.
    unsafe { reflect_set(obj, name.as_ptr(), name.len(), value) }
}

/// `globalThis[name]()`, or `undefined` when that throws.
fn make(name: &str) -> JsValue {
    let f = field(global(), name);
    call(&f, &fixed::UNDEFINED, &[]).unwrap_or(JsValue::UNDEFINED)
}

/// `Object()`: a new plain object.
pub fn new_object() -> JsValue {
    make("Object")
}

/// The message of a thrown value: `error.message` when it is a string,
/// else `String(error)`.
pub fn message(error: &JsValue) -> Text {
    string_field(error, "message").unwrap_or_else(|| string(error))
}

/// Whether `globalThis[name]` is a function.
pub fn has_function(name: &str) -> bool {
    field(global(), name).is_function()
}

/// `Object[name](a, b, c)` with the first `n` of them.
/// A handle, or `!handle` of what it threw.
fn object_call(name: &str, n: i32, a: i32, b: i32, c: i32) -> i32 {
    let object = field(global(), "Object");
    method_raw(object.h(), name, n, a, b, c)
}

/// `Object.getOwnPropertyDescriptor(obj, key)`.
#[inline(always)]
pub fn own_property(obj: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    // SAFETY: `own_property_raw` answers as `call_raw` does, by the thrown-value convention.
    unsafe { result(own_property_raw(obj, key)) }
}

fn own_property_raw(obj: &JsValue, key: &str) -> i32 {
    let k = JsValue::from_str(key);
    object_call("getOwnPropertyDescriptor", 2, obj.h(), k.h(), 1)
}

/// `Object.defineProperty(obj, key, descriptor)`.
/// What it throws is ignored.
pub fn define_property(obj: &JsValue, key: &str, descriptor: &JsValue) {
    let k = JsValue::from_str(key);
    let r = object_call("defineProperty", 3, obj.h(), k.h(), descriptor.h());
    done(if r < 0 { !r } else { r });
}

/// `String(value)`, or a placeholder when that throws.
pub fn string(value: &JsValue) -> Text {
    let f = field(global(), "String");
    call(&f, &fixed::UNDEFINED, &[value]).unwrap_or_else(|_| JsValue::from_str("<unprintable>"))
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

/// The glue's dispatcher for `tag`: calling it runs `exports::dispatch(tag, event)`.
pub fn dispatcher(tag: f64) -> JsValue {
    crate::abi::handler(tag)
}

/// `console.warn` (`warn`) or `console.info` of the line `[MAESTRO] text`
/// (the glue adds the prefix), now or (`later`) from a task (`setTimeout`),
/// outside the wasm's call, where a console call is cheap with devtools open,
/// and not from the microtask checkpoint right after the decision, which ran
/// it before the code that reads the first answer: the decision at start-up
/// is logged that way. A line written now writes the
/// ones still waiting first, so the lines keep their order.
pub fn log(warn: bool, text: &Text, later: bool) {
    console(warn, text.h(), later)
}
