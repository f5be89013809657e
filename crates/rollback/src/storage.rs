//! localStorage and sessionStorage: list and remove the prefixed keys. Key
//! names only: a value is never read.

use js_sys::JsString;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::js;
use maestro_gate::cleanup::{self, AreaOutcome, AreaReport, SessionMode};

#[wasm_bindgen]
extern "C" {
    /// `Storage`, declared here rather than through web-sys: web-sys's
    /// `key(i)` returns an `Option<String>`, which copies each key into wasm
    /// and replaces a lone surrogate, so the name handed back to
    /// `removeItem` would not be the key stored. These keep keys as
    /// JavaScript strings.
    type Store;
    #[wasm_bindgen(method, catch, getter)]
    fn length(this: &Store) -> Result<u32, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn key(this: &Store, index: u32) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch, js_name = removeItem)]
    fn remove_item(this: &Store, key: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch)]
    fn clear(this: &Store) -> Result<(), JsValue>;
}

/// `globalThis[name]` as a storage area, or why it cannot be had.
fn store(name: &str) -> Result<Store, String> {
    js::global_object(name).map(JsCast::unchecked_into)
}

/// The keys of `store` that start with `prefix` (every key when `None`),
/// but the gate's own (`cleanup::kept`), read in full before anything is
/// removed: removing while walking `key(i)` skips neighbours. And whether
/// any of the gate's own was there.
fn keys(store: &Store, prefix: Option<&str>) -> Result<(Vec<JsString>, bool), JsValue> {
    let len = store.length()?;
    let (mut out, mut kept) = (Vec::new(), false);
    // (Asked of the keys the prefix matches only, and only when the prefix
    // can match the gate's: the area may hold thousands of keys.)
    let gate = cleanup::meets_gate_keys(prefix);
    for i in 0..len {
        if let Ok(key) = store.key(i)?.dyn_into::<JsString>() {
            if !prefix.is_none_or(|p| key.starts_with(p, 0)) {
                continue;
            }
            if gate && key.starts_with(cleanup::GATE_PREFIX, 0) {
                kept = true;
            } else {
                out.push(key);
            }
        }
    }
    Ok((out, kept))
}

fn names(keys: &[JsString]) -> Vec<String> {
    keys.iter().map(String::from).collect()
}

/// How many keys one area holds, or `None` when it cannot be read.
pub fn len(name: &str) -> Option<u32> {
    store(name).ok()?.length().ok()
}

/// The prefixed keys of one area, or `None` when it cannot be read.
pub fn list(name: &str, prefix: &str) -> Option<Vec<String>> {
    keys(&store(name).ok()?, Some(prefix)).ok().map(|(k, _)| names(&k))
}

/// Removes the prefixed keys of one storage area (or every key, for
/// `SessionMode::All`). A key whose removal throws is reported in `failed`,
/// and the sweep goes on with the others. Never throws.
pub fn sweep(name: &str, prefix: Option<&str>, mode: SessionMode) -> AreaReport {
    if mode == SessionMode::None {
        return AreaReport::untouched(AreaOutcome::Skipped, None);
    }
    let Some(prefix) = prefix else {
        return AreaReport::untouched(AreaOutcome::Error, Some(maestro_gate::cleanup::INVALID_PREFIX.into()));
    };
    let store = match store(name) {
        Ok(s) => s,
        Err(e) => return AreaReport::untouched(AreaOutcome::Unavailable, Some(e)),
    };
    let all = mode == SessionMode::All;
    let (found, kept) = match keys(&store, if all { None } else { Some(prefix) }) {
        Ok(k) => k,
        Err(e) => return AreaReport::untouched(AreaOutcome::Error, Some(js::message(&e))),
    };
    // Every key but the gate's own (a remembered kill, a guard's trip, the
    // rollout id): `clear()` only when there are none.
    if all && !kept && store.clear().is_ok() {
        return AreaReport::swept(names(&found), Vec::new(), None);
    }
    // Key by key (also when `clear()` threw): one failure stops nothing.
    let (mut removed, mut failed, mut first_error) = (Vec::new(), Vec::new(), None);
    for key in found {
        match store.remove_item(&key) {
            Ok(()) => removed.push(String::from(&key)),
            Err(e) => {
                first_error.get_or_insert_with(|| js::message(&e));
                failed.push(String::from(&key));
            }
        }
    }
    AreaReport::swept(removed, failed, first_error)
}
