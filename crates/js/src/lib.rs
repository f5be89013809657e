#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod bindings;
mod types;

use js_sys::Function;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

pub use types::{
    CleanupOptions, CleanupReport, DatabaseExists, DatabaseReport, Decision, InitOptions, Rollout, Source,
    StorageReport, VerifyReport,
};

/// The database the package deletes by default.
const DEFAULT_DATABASE: &str = "maestro_secrets";

// A thrown or rejected value as text (an Error's message, else its string).
fn describe(error: &JsValue) -> String {
    if let Some(e) = error.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    error.as_string().unwrap_or_else(|| "unknown error".into())
}

// Options as the plain object the package reads (maps as objects, not `Map`s).
fn to_js<T: Serialize>(options: &T) -> JsValue {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    options.serialize(&serializer).unwrap_or(JsValue::UNDEFINED)
}

fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T, String> {
    serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
}

fn unavailable(why: &str) -> Decision {
    Decision::unavailable(format!("Disabled (fail safe): maestro-gate could not be reached: {why}"))
}

fn read_decision(value: Result<JsValue, JsValue>) -> Decision {
    match value {
        Ok(value) => from_js(value).unwrap_or_else(|e| unavailable(&e)),
        Err(e) => unavailable(&describe(&e)),
    }
}

/// Loads the gate, reads the sources, logs the decision once and answers it, as the package's
/// `init()`. Never fails: when the package cannot answer, the decision is disabled with source
/// [`Source::Unavailable`]. Later calls start nothing new (the first options win).
pub async fn init(options: &InitOptions) -> Decision {
    match bindings::init(&to_js(options)) {
        Ok(promise) => read_decision(JsFuture::from(promise).await),
        Err(e) => unavailable(&describe(&e)),
    }
}

/// Whether MAESTRO is enabled: `false` until [`init`] has finished, and whenever the gate is
/// unavailable.
pub fn is_enabled() -> bool {
    bindings::is_enabled().unwrap_or(false)
}

/// The current decision.
pub fn decision() -> Decision {
    read_decision(bindings::decision())
}

/// A subscription to the gate's changes, made by [`on_change`]: dropping it unsubscribes.
#[must_use = "dropping the subscription unsubscribes at once; keep it, or call `forget()`"]
pub struct Subscription {
    unsubscribe: Option<Function>,
    // The callback JavaScript holds; it lives as long as the subscription.
    _callback: Option<Closure<dyn FnMut(JsValue)>>,
}

impl Subscription {
    /// Keeps the subscription for the life of the page (the callback is never freed).
    pub fn forget(mut self) {
        self.unsubscribe = None;
        if let Some(callback) = self._callback.take() {
            callback.forget();
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(unsubscribe) = self.unsubscribe.take() {
            let _ = unsubscribe.call0(&JsValue::UNDEFINED);
        }
    }
}

/// Calls `callback` with the new decision whenever it changes (it only ever turns off: a live
/// kill, a remote kill, a rollout lowered, the guard). The returned [`Subscription`]
/// unsubscribes when dropped. If the package cannot be reached, nothing is ever called.
pub fn on_change(mut callback: impl FnMut(Decision) + 'static) -> Subscription {
    let closure = Closure::<dyn FnMut(JsValue)>::new(move |value: JsValue| callback(read_decision(Ok(value))));
    match bindings::on_change(closure.as_ref().unchecked_ref()) {
        Ok(unsubscribe) => Subscription { unsubscribe: Some(unsubscribe), _callback: Some(closure) },
        Err(_) => Subscription { unsubscribe: None, _callback: None },
    }
}

/// Rolls back MAESTRO's client state (the IndexedDB database and the prefixed storage keys, in
/// every open tab), as the package's `clearClientState()`. Never fails: when the package
/// cannot, every part is `"unavailable"`.
pub async fn clear_client_state(options: &CleanupOptions) -> CleanupReport {
    let database = options.database.as_deref().unwrap_or(DEFAULT_DATABASE);
    let result = match bindings::clear_client_state(&to_js(options)) {
        Ok(promise) => JsFuture::from(promise).await.map_err(|e| describe(&e)),
        Err(e) => Err(describe(&e)),
    };
    match result.and_then(from_js) {
        Ok(report) => report,
        Err(why) => CleanupReport::unavailable(database, &why),
    }
}

/// What MAESTRO client state is left, changing nothing, as the package's
/// `verifyClientState()`. Never fails: what cannot be known is `None`.
pub async fn verify_client_state(options: &CleanupOptions) -> VerifyReport {
    let database = options.database.as_deref().unwrap_or(DEFAULT_DATABASE);
    let result = match bindings::verify_client_state(&to_js(options)) {
        Ok(promise) => JsFuture::from(promise).await.map_err(|e| describe(&e)),
        Err(e) => Err(describe(&e)),
    };
    result.and_then(from_js).unwrap_or_else(|_| VerifyReport::unknown(database))
}

/// The health document, as the package's `health()` (`{ status, maestro_enabled, ... }`),
/// as a JavaScript object (`JSON.stringify` it for the runbook's JSON). `None` if the package
/// cannot be reached.
pub fn health() -> Option<JsValue> {
    bindings::health().ok()
}
