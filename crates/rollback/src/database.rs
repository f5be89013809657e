//! MAESTRO's IndexedDB database: delete it, or tell whether it exists,
//! the way the careful libraries do (Dexie, localForage, the `idb` crate):
//! `blocked` is a warning, not a failure; a blocked delete stays pending
//! until the other connections close and cannot be cancelled; deleting a
//! database that does not exist succeeds.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbFactory, IdbOpenDbRequest};

use crate::js;
use maestro_gate::cleanup::DbOutcome;

/// `globalThis.indexedDB`, or why it cannot be had.
fn factory() -> Result<IdbFactory, String> {
    js::global_object("indexedDB").map(JsCast::unchecked_into)
}

/// Sets `target.on<event>` to `f`, for as long as JavaScript holds it.
fn on(target: &JsValue, event: &str, f: impl FnMut(JsValue) + 'static) {
    js::set(target, event, &Closure::<dyn FnMut(JsValue)>::new(f).into_js_value());
}

/// The event was handled here: keep it from being reported as uncaught.
fn handled(event: &JsValue) {
    if let Ok(f) = js::field(event, "preventDefault").dyn_into::<Function>() {
        let _ = f.call0(event);
    }
}

/// What the delete request has said so far (its handlers write here, also
/// after the caller stopped waiting).
#[derive(Default)]
struct Heard {
    outcome: Option<DbOutcome>,
    error: Option<String>,
    blocked: bool,
}

/// A delete, as far as it has got.
pub struct Deletion {
    pub outcome: DbOutcome,
    pub error: Option<String>,
    heard: Rc<RefCell<Heard>>,
}

impl Deletion {
    pub fn failed(outcome: DbOutcome, error: String) -> Deletion {
        Deletion { outcome, error: Some(error), heard: Rc::default() }
    }

    /// Whether another connection blocked the delete at some point.
    pub fn blocked(&self) -> bool {
        self.heard.borrow().blocked
    }

    /// A delete reported pending that has finished since counts as deleted.
    pub fn settle_late(&mut self) {
        if self.outcome == DbOutcome::Pending && self.heard.borrow().outcome == Some(DbOutcome::Deleted) {
            self.outcome = DbOutcome::Deleted;
        }
    }
}

/// A promise that resolves when `settled` is called, and that function.
fn signal() -> (Promise, Rc<dyn Fn()>) {
    let slot: Rc<RefCell<Option<Function>>> = Rc::default();
    let promise = Promise::new(&mut |resolve, _| *slot.borrow_mut() = Some(resolve));
    let settle = move || {
        if let Some(f) = slot.borrow().as_ref() {
            let _ = f.call0(&JsValue::UNDEFINED);
        }
    };
    (promise, Rc::new(settle))
}

/// Waits for `promise`, or `ms`, whichever comes first.
async fn within(promise: &Promise, ms: f64) {
    let _ = JsFuture::from(Promise::race(&Array::of2(promise, &js::timer(ms)))).await;
}

/// Deletes the database `name`, waiting at most `timeout_ms` for a blocked
/// delete (then it is `pending`: the browser finishes it when the other
/// connections close).
pub async fn delete(name: &str, timeout_ms: f64) -> Deletion {
    let idb = match factory() {
        Ok(f) => f,
        Err(e) => return Deletion::failed(DbOutcome::Unavailable, e),
    };
    let request = match idb.delete_database(name) {
        Ok(r) => r,
        Err(e) if js::is_named(&e, "SecurityError") => {
            return Deletion::failed(DbOutcome::Unavailable, js::message(&e))
        }
        Err(e) => return Deletion::failed(DbOutcome::Error, js::message(&e)),
    };
    let heard: Rc<RefCell<Heard>> = Rc::default();
    let (done, settle) = signal();
    {
        let (heard, settle) = (heard.clone(), settle.clone());
        on(&request, "onsuccess", move |_| {
            heard.borrow_mut().outcome = Some(DbOutcome::Deleted);
            settle();
        });
    }
    {
        let (heard, settle, req) = (heard.clone(), settle.clone(), request.clone());
        on(&request, "onerror", move |event| {
            handled(&event);
            let error = req.error().ok().flatten().map(|e| js::message(&e)).unwrap_or_default();
            let mut h = heard.borrow_mut();
            h.outcome = Some(DbOutcome::Error);
            h.error = Some(error);
            drop(h);
            settle();
        });
    }
    {
        let heard = heard.clone();
        on(&request, "onblocked", move |_| heard.borrow_mut().blocked = true);
    }
    within(&done, timeout_ms).await;
    let (outcome, error) = {
        let h = heard.borrow();
        (h.outcome.unwrap_or(DbOutcome::Pending), h.error.clone())
    };
    Deletion { outcome, error, heard }
}

/// Whether the database `name` exists, without creating or changing
/// anything; `None` when it cannot be told. Uses `indexedDB.databases()`;
/// without it, opens the database and aborts the upgrade if one is needed
/// (Dexie's `exists`), so that nothing is ever created.
pub async fn exists(name: &str, timeout_ms: f64) -> Option<bool> {
    let idb = factory().ok()?;
    if js::field(&idb, "databases").is_function() {
        if let Ok(list) = js::databases(&idb) {
            // At most `timeout_ms` (and at least `DATABASES_MIN_MS`, so that
            // a short or zero timeout still hears a prompt list): a browser
            // may hold the list behind a pending version change (the timer
            // answers `undefined`: cannot tell).
            let wait = js::timer(timeout_ms.max(DATABASES_MIN_MS));
            match JsFuture::from(Promise::race(&Array::of2(&list, &wait))).await {
                Ok(list) if Array::is_array(&list) => {
                    let found =
                        Array::from(&list).iter().any(|db| js::field(&db, "name").as_string().as_deref() == Some(name));
                    return Some(found);
                }
                Ok(list) if list.is_undefined() => return None,
                _ => {}
            }
        }
    }
    probe(&idb, name, timeout_ms).await
}

/// The least `exists` waits for `indexedDB.databases()` (ms), whatever the
/// timeout: a list that comes at all comes within it.
const DATABASES_MIN_MS: f64 = 250.0;

/// Opens `name` to see whether it exists, and undoes whatever that creates.
/// An `open` waits behind a blocked delete: after `timeout_ms` the answer is
/// "cannot tell", and the probe's late events still close or remove what it
/// opened.
async fn probe(idb: &IdbFactory, name: &str, timeout_ms: f64) -> Option<bool> {
    let request: IdbOpenDbRequest = idb.open(name).ok()?;
    let answer: Rc<Cell<Option<Option<bool>>>> = Rc::default();
    let upgraded = Rc::new(Cell::new(false));
    let (done, settle) = signal();
    {
        let (upgraded, req) = (upgraded.clone(), request.clone());
        on(&request, "onupgradeneeded", move |_| {
            // The database had to be created, so it did not exist: undo that.
            upgraded.set(true);
            if let Some(tx) = req.transaction() {
                let _ = tx.abort();
            }
        });
    }
    {
        let (answer, upgraded, settle, req, name) =
            (answer.clone(), upgraded.clone(), settle.clone(), request.clone(), String::from(name));
        on(&request, "onsuccess", move |_| {
            if let Ok(db) = req.result() {
                if let Ok(db) = db.dyn_into::<web_sys::IdbDatabase>() {
                    db.close();
                }
            }
            // After an upgrade, success means the abort failed and the probe
            // created the database: delete it again, so that nothing is left.
            if upgraded.get() {
                if let Ok(idb) = factory() {
                    let _ = idb.delete_database(&name);
                }
            }
            answer.set(Some(Some(!upgraded.get())));
            settle();
        });
    }
    {
        let (answer, upgraded, settle, req) = (answer.clone(), upgraded.clone(), settle.clone(), request.clone());
        on(&request, "onerror", move |event| {
            handled(&event);
            let aborted = upgraded.get() && req.error().ok().flatten().is_some_and(|e| e.name() == "AbortError");
            answer.set(Some(if aborted { Some(false) } else { None }));
            settle();
        });
    }
    within(&done, timeout_ms).await;
    answer.get().flatten()
}
