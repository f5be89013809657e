//! Helpers shared by the browser tests: reading plain JS results by path, and
//! awaiting promises. (`mod common;` in each test file.)
#![allow(dead_code)]

use js_sys::{Array, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// `v.a.b.c` for `"a.b.c"`; `undefined` where a step is missing.
pub fn path(v: &JsValue, dotted: &str) -> JsValue {
    dotted.split('.').fold(v.clone(), |acc, k| Reflect::get(&acc, &k.into()).unwrap_or(JsValue::UNDEFINED))
}

pub fn show(v: &JsValue) -> String {
    JSON::stringify(v).map(String::from).unwrap_or_default()
}

pub fn text(v: &JsValue, dotted: &str) -> String {
    path(v, dotted).as_string().unwrap_or_else(|| panic!("{dotted} is not a string in {}", show(v)))
}

pub fn flag(v: &JsValue, dotted: &str) -> bool {
    path(v, dotted).as_bool().unwrap_or_else(|| panic!("{dotted} is not a boolean in {}", show(v)))
}

pub fn strings(v: &JsValue, dotted: &str) -> Vec<String> {
    Array::from(&path(v, dotted)).iter().map(|s| s.as_string().expect("a string")).collect()
}

/// The console lines a test realm printed, as `level: text`.
pub fn logs(v: &JsValue) -> Vec<String> {
    Array::from(&path(v, "logs")).iter().map(|l| [text(&l, "level"), ": ".into(), text(&l, "text")].concat()).collect()
}

/// Awaits a promise that must resolve.
pub async fn wait(p: impl Into<JsValue>) -> JsValue {
    JsFuture::from(js_sys::Promise::from(p.into())).await.expect("promise resolved")
}

/// The page-side helpers in tests/harness.js.
#[wasm_bindgen(module = "/tests/harness.js")]
extern "C" {
    #[wasm_bindgen(js_name = inFrame)]
    pub fn in_frame(setup: &str, body: &str, head: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = inWorker)]
    pub fn in_worker(setup: &str, body: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = inSandbox)]
    pub fn in_sandbox(body: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = scriptTagFrame)]
    pub fn script_tag_frame(file: &str, before: &str, attrs: &str, body: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = defineThrowingGlobal)]
    pub fn define_throwing_global(name: &str);
    #[wasm_bindgen(js_name = deleteGlobal)]
    pub fn delete_global(name: &str);
    pub fn value(code: &str) -> JsValue;
    #[wasm_bindgen(js_name = seedDatabase)]
    pub fn seed_database(name: &str, count: u32) -> js_sys::Promise;
    #[wasm_bindgen(js_name = openConnection)]
    pub fn open_connection(name: &str, close_on_version_change: bool) -> js_sys::Promise;
    #[wasm_bindgen(js_name = closeConnection)]
    pub fn close_connection(db: &JsValue);
    #[wasm_bindgen(js_name = databaseNames)]
    pub fn database_names() -> js_sys::Promise;
    #[wasm_bindgen(js_name = waitUntilGone)]
    pub fn wait_until_gone(name: &str, ms: u32) -> js_sys::Promise;
    #[wasm_bindgen(js_name = hideDatabasesFunction)]
    pub fn hide_databases_function() -> js_sys::Function;
    #[wasm_bindgen(js_name = stallDatabasesFunction)]
    pub fn stall_databases_function() -> js_sys::Function;
    pub fn fill(storage: &str, pairs: &Array);
    pub fn entries(storage: &str) -> Array;
    #[wasm_bindgen(js_name = clearStorage)]
    pub fn clear_storage(storage: &str);
    pub fn sleep(ms: u32) -> js_sys::Promise;
    #[wasm_bindgen(js_name = pkgCall)]
    pub fn pkg_call(name: &str, options: &JsValue) -> js_sys::Promise;
    #[wasm_bindgen(js_name = pkgOnCleanupRequest)]
    pub fn pkg_on_cleanup_request(callback: &JsValue) -> js_sys::Promise;
}

/// `clearClientState(options)` of the package (pkg/index.js), in this page.
pub fn clear_client_state(options: JsValue) -> js_sys::Promise {
    pkg_call("clearClientState", &options)
}

/// `verifyClientState(options)` of the package (pkg/index.js), in this page.
pub fn verify_client_state(options: JsValue) -> js_sys::Promise {
    pkg_call("verifyClientState", &options)
}

/// Runs `body` with the package in a fresh iframe (after the script `setup`).
pub async fn frame(setup: &str, body: &str) -> JsValue {
    frame_with_head(setup, body, "").await
}

/// The same, with extra markup in the iframe's <head>.
pub async fn frame_with_head(setup: &str, body: &str, head: &str) -> JsValue {
    wait(in_frame(setup, body, head)).await
}
