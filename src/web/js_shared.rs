// Helpers written once over the few that `js.rs` (wasm-bindgen) and `lean.rs`
// (the lean gate) each define their own way; both include this file.

/// A new object with the given string fields.
pub fn object(fields: &[(&str, &str)]) -> JsValue {
    let o = new_object();
    for (k, v) in fields {
        set(&o, k, &JsValue::from_str(v));
    }
    o
}

/// The message of a thrown value: `error.message` when it is a string,
/// else `String(error)`.
pub fn message(error: &JsValue) -> Text {
    string_field(error, "message").unwrap_or_else(|| string(error))
}

/// Whether `globalThis[name]` is a function.
pub fn has_function(name: &str) -> bool {
    field(&global(), name).is_function()
}
