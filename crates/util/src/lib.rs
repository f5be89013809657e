//! The helpers maestro-gate's wasm-bindgen modules share: the rollback
//! (`crates/rollback`), the remote poll (`crates/remote`), the rollout and the
//! guard (`crates/rollout`), the Service Worker guard (`crates/sw`) and the
//! build-time check (`crates/node`). One of each, so that the modules read
//! their options alike: the own-property read ([`own`]), an error's
//! [`message`], the timer ([`set_timeout`], [`timer`]), the allocator (the
//! `allocator` feature), the panic handler of the `no_std` modules (the
//! `panic-handler` feature) and the global cell ([`Slot`]). The gate module
//! (`crates/gate`) has no wasm-bindgen: its helpers are its own ABI's
//! (`crates/gate/src/js.rs`), and it opens the page's one channel per copy of
//! the gate, which these modules talk on through the glue (`connect`, `heard`).
//!
//! `no_std` with `alloc`, as the rollout and Service Worker modules are.
//! Nothing here throws: every JavaScript call it makes is caught.

#![no_std]

extern crate alloc;

use alloc::string::String;
#[cfg(target_arch = "wasm32")]
use core::cell::RefCell;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;

#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
compile_error!("maestro-gate's wasm modules assume one thread: their `Slot`s and allocator are not shared");

// A small allocator instead of dlmalloc (about 6 KB less wasm per module):
// the modules run on one thread, and their allocations are few and short-lived.
// SAFETY: wasm32 without atomics (checked above): one thread, and the
// instance's memory is never shared.
#[cfg(all(target_arch = "wasm32", feature = "allocator"))]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

#[wasm_bindgen]
extern "C" {
    /// `Object.prototype.hasOwnProperty.call(obj, key)`, catching (a
    /// proxy's `getOwnPropertyDescriptor` trap can throw). Not `Object.hasOwn`,
    /// which older browsers lack.
    #[wasm_bindgen(catch, js_namespace = ["Object", "prototype", "hasOwnProperty"], js_name = call)]
    fn has_own_property(obj: &JsValue, key: &str) -> Result<bool, JsValue>;
    /// `String(value)`, catching (a Symbol, or an object whose `toString` throws).
    #[wasm_bindgen(catch, js_name = String)]
    fn string_of(value: &JsValue) -> Result<String, JsValue>;
    /// `setTimeout` on whatever the global object is (a window or a worker):
    /// web-sys binds it only on `Window` and `WorkerGlobalScope`. Catching.
    #[wasm_bindgen(catch, js_name = setTimeout)]
    fn set_timeout_on_global(callback: &Function, ms: f64) -> Result<JsValue, JsValue>;
    /// `console.warn` and `console.info`, catching: a page may replace the
    /// console with one that throws (web-sys's bindings do not catch).
    #[wasm_bindgen(catch, js_namespace = console, js_name = warn)]
    fn console_warn(line: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(catch, js_namespace = console, js_name = info)]
    fn console_info(line: &str) -> Result<(), JsValue>;
}

/// `obj[key]` when `key` is `obj`'s own property (README, "Off first": every
/// option but the flag and the rollout's percentages is read as an own
/// property only, so that a polluted `Object.prototype` adds no option),
/// else `undefined`; `Err` with what was thrown when the check or the read
/// threw (a proxy's trap, an own getter). An own getter runs, as the app's
/// own read would run it; nothing on the prototype chain does: `key` is
/// looked up on the object itself first (`hasOwnProperty`), and only then
/// read. A value that is not an object (`undefined`, `null`, a string, a
/// function) has no options.
pub fn try_own(obj: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    if !obj.is_object() {
        return Ok(JsValue::UNDEFINED);
    }
    if has_own_property(obj, key)? {
        Reflect::get(obj, &JsValue::from_str(key))
    } else {
        Ok(JsValue::UNDEFINED)
    }
}

/// Whether `key` is `obj`'s own property (a check that throws, or a value
/// that is not an object, says no). For a value read as the app reads it
/// ([`get`]) whose "on" counts only as an own property.
#[inline(always)]
pub fn has_own(obj: &JsValue, key: &str) -> bool {
    obj.is_object() && has_own_property(obj, key).unwrap_or(false)
}

/// [`try_own`], with anything thrown read as `undefined`.
pub fn own(obj: &JsValue, key: &str) -> JsValue {
    if has_own(obj, key) {
        field(obj, key)
    } else {
        JsValue::UNDEFINED
    }
}

/// `obj[key]` as the app (and the gate) reads it: a getter, a proxy's `get`
/// trap and the prototype chain included, of `Object(obj)` (`undefined`,
/// `null` and other primitives read as `{}`, whose prototype a polluted
/// `Object.prototype` is). What it throws is `Err`. Only for what counts
/// wherever it comes from (README, "Off first": the flag's sources and the
/// rollout's percentages), never for another option.
pub fn get(obj: &JsValue, key: &str) -> Result<JsValue, JsValue> {
    let object = if obj.is_object() || obj.is_function() { obj.clone() } else { js_sys::Object::new().into() };
    Reflect::get(&object, &JsValue::from_str(key))
}

/// `obj[key]` of data the modules read (a thrown error, a message on the
/// channel, a fetched document, a report), never of an option: anything
/// that throws, or a value that is not an object, reads as `undefined`.
pub fn field(obj: &JsValue, key: &str) -> JsValue {
    if !obj.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `obj[key] = value`, ignoring failure (a frozen object, a setter that throws).
pub fn set(obj: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// `String(value)`; `None` when that throws.
pub fn string(value: &JsValue) -> Option<String> {
    string_of(value).ok()
}

/// `String(value)` for a line that shows a value (a warning's), or
/// `<unprintable>` when that throws, as the gate module shows it.
pub fn text(value: &JsValue) -> String {
    string(value).unwrap_or_else(|| String::from("<unprintable>"))
}

/// The message of a thrown value: its `message` when that is a string (an
/// `Error`, a `DOMException`), else the value itself when it is a string
/// (`throw "..."`), else `unknown error` (the glue's fallback, `js/gate.js`'s
/// `describe`). Not `String(error)`: what else a page throws says nothing
/// more, and the call costs the remote module bytes it loads before the
/// first decision.
pub fn message(error: &JsValue) -> String {
    field(error, "message").as_string().or_else(|| error.as_string()).unwrap_or_else(|| String::from("unknown error"))
}

/// The gate's console line writer, once js/extras.js handed it (`setLog`):
/// js/core.js's import that writes `[MAESTRO] text` through its `log`
/// (`console(warn, text)`, `text` a handle of the gate's, which `keep(value)`
/// makes), after the gate's start-up lines still waiting for their task,
/// so that every MAESTRO line keeps its order. The first handed is kept (a
/// module the copies of the gate on a page share writes with the first
/// copy's, as it talks on that copy's channel).
static LOG: Slot<Option<(Function, Function)>> = Slot::new();

/// Internal: js/extras.js hands a module it loads the gate's console import
/// and its `keep`, through which `warn` and `info` then write (the first
/// handed is kept). The rollback, the remote and the rollout modules export
/// it (the `log` feature).
#[cfg(feature = "log")]
#[wasm_bindgen(js_name = setLog)]
pub fn set_log(console: Function, keep: Function) {
    LOG.with(|l| {
        l.get_or_insert((console, keep));
    });
}

/// Writes the console line `[MAESTRO] text` (`console.warn` if `warn`, else
/// `console.info`) through the gate's queue once handed ([`LOG`]), else
/// straight to the console. A missing or throwing console is ignored, and
/// so is a handed function that throws.
fn line(warn: bool, text: &str) {
    if let Some((console, keep)) = LOG.with(|l| l.clone()).flatten() {
        if let Ok(text) = keep.call1(&JsValue::UNDEFINED, &JsValue::from_str(text)) {
            let _ = console.call2(&JsValue::UNDEFINED, &JsValue::from_bool(warn), &text);
        }
        return;
    }
    let line = ["[MAESTRO] ", text].concat();
    let _ = if warn { console_warn(&line) } else { console_info(&line) };
}

/// The console warning `[MAESTRO] text` ([`line`]).
pub fn warn(text: &str) {
    line(true, text);
}

/// The console line `[MAESTRO] text`, at the info level ([`line`]).
pub fn info(text: &str) {
    line(false, text);
}

/// `setTimeout(callback, ms)` on the global object: its handle, or `None`
/// when there is no `setTimeout` or it threw.
pub fn set_timeout(callback: &Function, ms: f64) -> Option<JsValue> {
    set_timeout_on_global(callback, ms).ok()
}

/// A promise that resolves after `ms` (clamped to what `setTimeout`
/// honours: `maestro_gate::poll::timer_ms`), or at once when a timer cannot
/// be set.
pub fn timer(ms: f64) -> Promise {
    let ms = maestro_gate::poll::timer_ms(ms);
    Promise::new(&mut |resolve, _| {
        if set_timeout_on_global(&resolve, ms).is_err() {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    })
}

/// A module's state: a global cell, made on first use. One page, one thread.
///
/// `static STATE: Slot<State> = Slot::new();` in any module, on any target:
/// on wasm32 (without atomics, the `compile_error!` above) it holds the
/// state; on the host (clippy, the workspace's tests: the modules ship only
/// as wasm and never run there) it holds none, and [`Slot::with`] answers
/// `None`, so that no host build has a `Sync` cell that threads could share.
#[cfg(target_arch = "wasm32")]
pub struct Slot<T>(RefCell<Option<T>>);

/// On the host, no state (see the wasm32 `Slot`).
#[cfg(not(target_arch = "wasm32"))]
pub struct Slot<T>(core::marker::PhantomData<fn() -> T>);

// SAFETY: only on wasm32 without atomics (the `compile_error!` above): one
// thread, and the instance's memory is never shared, so no two threads can
// reach the cell. A host build has no such impl: its `Slot` holds nothing.
#[cfg(target_arch = "wasm32")]
unsafe impl<T> Sync for Slot<T> {}

impl<T> Slot<T> {
    /// An empty cell (its state is made by the first [`Slot::with`]).
    pub const fn new() -> Slot<T> {
        #[cfg(target_arch = "wasm32")]
        return Slot(RefCell::new(None));
        #[cfg(not(target_arch = "wasm32"))]
        return Slot(core::marker::PhantomData);
    }

    /// Runs `f` on the state (made on first use, by `T::default()`); `None`
    /// if it is in use already (a re-entrant call), which never panics, and
    /// always on the host.
    #[inline(always)]
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> Option<R>
    where
        T: Default,
    {
        #[cfg(target_arch = "wasm32")]
        {
            let mut slot = self.0.try_borrow_mut().ok()?;
            Some(f(slot.get_or_insert_with(T::default)))
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            let _ = f;
            None
        }
    }
}

impl<T> Default for Slot<T> {
    fn default() -> Slot<T> {
        Slot::new()
    }
}

// The panic handler of the `no_std` modules (the rollout and the Service
// Worker guard; the `panic-handler` feature): without std's panic machinery
// (and the formatting it keeps) a module is a fraction of the size. Their
// code is written never to panic; a trap is caught by the glue, which then
// fails safe. The gate module has its own (it does not link this crate), and
// the std modules (rollback, remote, build-time check) have std's.
#[cfg(all(target_arch = "wasm32", feature = "panic-handler"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
