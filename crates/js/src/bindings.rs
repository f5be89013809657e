//! The package's JavaScript API, as wasm-bindgen imports it: every function
//! of the `maestro-gate` module this crate calls, each with `catch` so that a
//! throw (a missing module, a replaced export) is an `Err`, never a panic.
//! The module specifier is the package's name: a bundler resolves it, or an
//! import map in the page (see the README).

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "maestro-gate")]
extern "C" {
    #[wasm_bindgen(catch)]
    pub fn init(options: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(catch, js_name = isEnabled)]
    pub fn is_enabled() -> Result<bool, JsValue>;

    #[wasm_bindgen(catch)]
    pub fn decision() -> Result<JsValue, JsValue>;

    #[wasm_bindgen(catch)]
    pub fn health() -> Result<JsValue, JsValue>;

    #[wasm_bindgen(catch, js_name = onChange)]
    pub fn on_change(callback: &Function) -> Result<Function, JsValue>;

    #[wasm_bindgen(catch, js_name = clearClientState)]
    pub fn clear_client_state(options: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(catch, js_name = verifyClientState)]
    pub fn verify_client_state(options: &JsValue) -> Result<Promise, JsValue>;
}
