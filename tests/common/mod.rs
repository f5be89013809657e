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
pub async fn wait(p: js_sys::Promise) -> JsValue {
    JsFuture::from(p).await.expect("promise resolved")
}
