//! The keeping module (`pkg/maestro_gate_keep_bg.wasm`): what a remote
//! document's first answer leaves to after the first decision, so that the
//! first-answer module (`answer.rs`), which loads before it, does not carry
//! it (issue 20: the lean recipe): writing the answer the first read got
//! into the remembered answers (`remember::Memory`, under `remember::KEY`,
//! the remote module's format), and reading the remembered answer of a
//! document that did not answer in time (the only case in which it loads
//! before the decision). Built by this crate with the `keep` feature over
//! the same boundary (`abi.rs`); the glue is `js/answer.js`, for the health
//! document's first answer and Unleash's alike (a source's key stands for
//! its URL). A page whose document says off loads it too: its off is
//! remembered although it never loads the remote module.

use alloc::string::String;

use crate::abi::JsValue;
use crate::js::{self, field, method, set};
use crate::lean::{count, own, text};
use core::cell::Cell;
use maestro_gate::flag::{self, cat};
use maestro_gate::poll;
use maestro_gate::remember::{self, Answer, Memory};

/// Whether the memory could not be kept in localStorage, said once per page
/// (a cell: see `answer::State`).
struct Warned(Cell<bool>);

// SAFETY: wasm32 without atomics, as `Slot`: one thread, and the instance's
// memory is never shared.
unsafe impl Sync for Warned {}

static WARNED: Warned = Warned(Cell::new(false));

/// The remembered answers of both areas, merged (`Memory::merge`); a value
/// this package did not write is read as none.
fn memory() -> Memory {
    let read = |area: &str| js::stored(&field(js::global(), area), remember::KEY).and_then(|v| memory_of(&v));
    let mut m = read("localStorage").unwrap_or_default();
    if let Some(session) = read("sessionStorage") {
        m.merge(session, crate::lean::now());
    }
    m
}

/// The answers of a parsed memory, read field by field (as the remote
/// module reads them).
fn memory_of(v: &JsValue) -> Option<Memory> {
    let answers = field(v, "answers");
    let array = field(js::global(), "Array");
    if method(&array, "isArray", 1, &answers).as_bool() != Some(true) {
        return None;
    }
    let mut m = Memory::default();
    let n = field(&answers, "length").as_f64().unwrap_or(0.0) as usize;
    for i in 0..n {
        let mut key = String::new();
        flag::push_uint(&mut key, i as u64);
        let a = field(&answers, &key);
        let (Some(url), Some(enabled), Some(at)) =
            (text(&field(&a, "url")), field(&a, "enabled").as_bool(), field(&a, "at").as_f64())
        else {
            return None;
        };
        m.remember(Answer { url, enabled, rollout: count(&field(&a, poll::ROLLOUT_KEY), 100), at });
    }
    Some(m)
}

/// A memory as the JSON text it is kept as (the remote module's shape).
fn memory_text(m: &Memory) -> JsValue {
    let root = js::new_object();
    let off = match &m.off {
        Some(off) => {
            let o = js::new_object();
            set(&o, "url", &JsValue::from_str(&off.url));
            set(&o, "at", &JsValue::from_f64(off.at));
            o
        }
        None => JsValue::NULL,
    };
    set(&root, "off", &off);
    let answers = method(&field(js::global(), "Array"), "of", 0, &JsValue::UNDEFINED);
    for a in &m.answers {
        let o = js::new_object();
        set(&o, "url", &JsValue::from_str(&a.url));
        set(&o, "enabled", &JsValue::from_bool(a.enabled));
        set(&o, poll::ROLLOUT_KEY, &a.rollout.map_or(JsValue::NULL, |p| JsValue::from_f64(f64::from(p))));
        set(&o, "at", &JsValue::from_f64(a.at));
        method(&answers, "push", 1, &o);
    }
    set(&root, "answers", &answers);
    method(&field(js::global(), "JSON"), "stringify", 1, &root)
}

/// `storage.setItem(key, text)`: `Err` with what it threw (or that there is
/// no such storage).
fn store(area: &str, text: &JsValue) -> Result<(), JsValue> {
    let storage = field(js::global(), area);
    let set_item = field(&storage, "setItem");
    if !set_item.is_function() {
        return Err(JsValue::from_str(cat(&["no ", area]).as_str()));
    }
    js::call(&set_item, &storage, &[&JsValue::from_str(remember::KEY), text]).map(|_| ())
}

/// Remembers a successful answer (in localStorage; when that refuses, in
/// sessionStorage, with one warning: the kill then lasts as long as the
/// session), as the remote module's `keep` does.
fn keep(url: String, enabled: bool, rollout: Option<u32>, at: f64, quiet: bool) {
    let mut m = memory();
    // (Kept after the decision: the poll may have remembered a later answer
    // of the document since, which this one does not replace.)
    if m.has_later(&url, at, crate::lean::now()) {
        return;
    }
    m.remember(Answer { url, enabled, rollout, at });
    let text = memory_text(&m);
    if !text.is_string() {
        return;
    }
    match store("localStorage", &text) {
        Ok(()) => {
            // The session's copy (from a time localStorage was full) is older.
            let session = field(js::global(), "sessionStorage");
            method(&session, "removeItem", 1, &JsValue::from_str(remember::KEY));
        }
        Err(e) => {
            let why = text_of(&js::message(&e));
            let kept = store("sessionStorage", &text).is_ok();
            let first = !WARNED.0.replace(true);
            if first && !quiet {
                js::log(true, &JsValue::from_str(&remember::not_kept(&why, kept)), false);
            }
        }
    }
}

fn text_of(v: &JsValue) -> String {
    text(v).unwrap_or_default()
}

/// Remembers a first answer, after the first decision: `doc` is the
/// first-answer module's `document`'s answer, its `message` the result as
/// the tabs share it (`{ url, enabled, rollout }`) and its `at` when it was
/// read. `out.v`: whether this page has warned that localStorage could not
/// keep the memory (for `state`'s `warned`: the remote module's poll then
/// does not say it again).
#[export_name = "K"] // keep
extern "C" fn keep_answer(out: JsValue, options: JsValue, doc: JsValue) {
    crate::lean::scoped(move || {
        let result = field(&doc, "message");
        if let (Some(url), Some(enabled), Some(at)) =
            (text(&field(&result, "url")), field(&result, "enabled").as_bool(), field(&doc, "at").as_f64())
        {
            let quiet = js::text_is(&own(&options, "log"), "silent");
            keep(url, enabled, count(&field(&result, poll::ROLLOUT_KEY), 100), at, quiet);
        }
        set(&out, "v", &JsValue::from_bool(WARNED.0.get()));
    })
}

/// The first answer of a document (or Unleash source) that did not answer
/// in time: its remembered answer, `key` its key there (the first-answer
/// module's `finish`'s `out.key`). `out.v`: `{ rollout, rememberedAt }`
/// when that answer said on with a percentage, else `null` (an off the gate
/// reads itself; an on without one narrows nothing).
#[export_name = "R"] // remembered
extern "C" fn remembered(out: JsValue, _options: JsValue, key: JsValue) {
    crate::lean::scoped(move || {
        let v = match memory().of(&text_of(&key)) {
            Some(Answer { enabled: true, rollout: Some(p), at, .. }) => {
                let o = js::new_object();
                set(&o, poll::ROLLOUT_KEY, &JsValue::from_f64(f64::from(*p)));
                set(&o, "rememberedAt", &JsValue::from_f64(*at));
                o
            }
            _ => JsValue::NULL,
        };
        set(&out, "v", &v);
    })
}
