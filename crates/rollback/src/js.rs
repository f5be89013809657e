//! The JavaScript calls the rollback makes that js-sys and web-sys do not
//! bind the way it needs, each with the reason beside it, and small helpers
//! over them; the helpers every module shares (the own-property read, an
//! error's message, the timer, the console) are maestro-gate-util's.
//! Everything here catches what it calls: the rollback never throws.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

pub use maestro_gate_util::{field, info, message, own, set, timer, try_own, warn};

#[wasm_bindgen]
extern "C" {
    /// `IDBFactory`, for `databases()`, which web-sys does not bind.
    type Factory;
    #[wasm_bindgen(catch, method, js_name = databases)]
    fn list(this: &Factory) -> Result<Promise, JsValue>;
}

/// `indexedDB.databases()`.
pub fn databases(idb: &web_sys::IdbFactory) -> Result<Promise, JsValue> {
    idb.unchecked_ref::<Factory>().list()
}

/// The own properties `keys` of `value` (`try_own`: a polluted
/// `Object.prototype` adds no option), copied onto an object without a
/// prototype, for serde to read. `Err` when a getter or a proxy throws.
/// A property whose value is an object or a function (no option is one) is
/// replaced by an empty object, which reads as invalid: serde would look
/// into it (`Array.isArray`, its keys), and a revoked or hostile `Proxy`
/// throws there, out of the wasm, leaving the cleanup's promise unsettled.
/// So is a Symbol or a BigInt (no option is one either), which serde would
/// refuse, and with it every option.
/// The copy itself is a plain object: reading it calls none of the page's code.
pub fn own_properties(value: &JsValue, keys: &[&str]) -> Result<JsValue, JsValue> {
    let copy: js_sys::Object = js_sys::Object::create(JsValue::NULL.unchecked_ref::<js_sys::Object>());
    for key in keys {
        let v = try_own(value, key)?;
        let plain = v.is_undefined() || v.is_null() || v.is_string() || v.as_f64().is_some() || v.as_bool().is_some();
        let v = if plain { v } else { js_sys::Object::new().into() };
        set(&copy, key, &v);
    }
    Ok(copy.into())
}

/// `performance.now()` where there is one, else `Date.now()`.
pub fn now() -> f64 {
    let performance = field(&js_sys::global(), "performance");
    match field(&performance, "now").dyn_into::<Function>() {
        Ok(now) => now.call0(&performance).ok().and_then(|v| v.as_f64()).unwrap_or_else(js_sys::Date::now),
        Err(_) => js_sys::Date::now(),
    }
}

/// Waits `ms` (nothing when it is not positive).
pub async fn sleep(ms: f64) {
    if ms.is_nan() || ms <= 0.0 {
        return;
    }
    let _ = JsFuture::from(timer(ms)).await;
}

/// `globalThis[name]`, if it is an object (a missing, null or throwing getter: `Err`, and why).
pub fn global_object(name: &str) -> Result<JsValue, String> {
    match Reflect::get(&js_sys::global(), &JsValue::from_str(name)) {
        Ok(v) if v.is_object() => Ok(v),
        Ok(_) => Err(String::from("not available in this context")),
        Err(e) => Err(message(&e)),
    }
}

/// Whether `error` is a `DOMException` with this `name`.
pub fn is_named(error: &JsValue, name: &str) -> bool {
    field(error, "name").as_string().as_deref() == Some(name)
}
