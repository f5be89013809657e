//! The beacon module (`pkg/maestro_gate_beacon_bg.wasm`): `init({ report })`'s
//! decision beacon, built by this crate with the `beacon` feature instead of
//! the decision's exports, over the same boundary (`abi.rs`, whose imports
//! `js/core.js` provides to both instances). It holds no decision: the glue
//! hands it the gate's `decision()` (or health document) and, for a cleanup,
//! the report; the document is `report::document`'s, and it is sent with
//! `navigator.sendBeacon`.
//!
//! It is a module of its own so that a page that is off sends its start
//! beacon without the remote module (issue 20: off costs least), and the
//! decision path carries none of it.

use alloc::string::String;

use crate::abi::JsValue;
use crate::js::{self, field, method};
use crate::lean::{count, own, text};
use crate::Slot;
use maestro_gate::flag::Text as _;
use maestro_gate::flag::{Level, Log};
use maestro_gate::report;

/// Whether a beacon that could not be sent was named already (once per
/// page load: the console gets one line, however many beacons fail).
static WARNED: Slot<bool> = Slot(core::cell::RefCell::new(false));

/// A list's length, or a count (the cleanup report lists keys: only how
/// many is sent).
fn how_many(value: &JsValue) -> u32 {
    let array = field(js::global(), "Array");
    if method(&array, "isArray", 1, value).as_bool() == Some(true) {
        count(&field(value, "length"), u32::MAX).unwrap_or(0)
    } else {
        count(value, u32::MAX).unwrap_or(0)
    }
}

fn area(report: &JsValue) -> report::Area {
    report::Area {
        outcome: text(&field(report, "outcome")).and_then(|o| report::area_outcome(&o)),
        removed: how_many(&field(report, "removed")),
        failed: how_many(&field(report, "failed")),
    }
}

/// The user id as the rollout module reads it: a string, or a number as
/// `String(userId)`.
fn user_id(options: &JsValue) -> String {
    let user = own(options, "userId");
    if user.as_f64().is_some() {
        return text(&js::string(&user)).unwrap_or_default();
    }
    text(&user).unwrap_or_default()
}

/// The beacon module's allocator (when built alone, `--features beacon`): a
/// bump allocator over the linear memory above `__heap_base`, which never
/// frees one allocation but takes back everything a call allocated when the
/// call returns ([`send`]: nothing it allocates outlives it). No free list to
/// keep: about 160 B gzip less than `lol_alloc`'s. The next free address (0:
/// `__heap_base`).
pub(crate) struct Bump(pub core::cell::Cell<usize>);

// SAFETY: wasm32 without atomics, one thread (see `crate::Slot`).
unsafe impl Sync for Bump {}

#[cfg(not(any(feature = "decision", feature = "answer")))]
unsafe impl core::alloc::GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: core::alloc::Layout) -> *mut u8 {
        use core::arch::wasm32::{memory_grow, memory_size};
        const PAGE: usize = 65536;
        extern "C" {
            static __heap_base: u8;
        }
        let next = self.0.get().max(core::ptr::addr_of!(__heap_base) as usize);
        // (An alignment is a power of two.)
        let Some(start) = next.checked_add(layout.align() - 1).map(|n| n & !(layout.align() - 1)) else {
            return core::ptr::null_mut();
        };
        let Some(end) = start.checked_add(layout.size()) else { return core::ptr::null_mut() };
        let have = memory_size(0).saturating_mul(PAGE);
        if end > have && memory_grow(0, (end - have).div_ceil(PAGE)) == usize::MAX {
            return core::ptr::null_mut();
        }
        self.0.set(end);
        start as *mut u8
    }

    unsafe fn dealloc(&self, _: *mut u8, _: core::alloc::Layout) {}
}

/// Sends the beacon for `init({ report: url })`: the init options, the event
/// (`"start"`, `"change"` or `"cleanup"`), the gate's `decision()` (or
/// health document) at that moment, for `"cleanup"` the `clearClientState`
/// report, and the page load's session id the glue drew. Whatever fails,
/// nothing throws and nothing changes; the first failure is one warning.
#[export_name = "R"] // report
extern "C" fn report(options: JsValue, event: JsValue, decision: JsValue, cleanup: JsValue, session: JsValue) {
    // What the call allocates is free again once it returns: everything
    // `send` allocated was dropped when it returned. (A call made from
    // inside this one, were JavaScript to make one, takes back only its own.)
    #[cfg(not(any(feature = "decision", feature = "answer")))]
    let mark = crate::runtime::ALLOCATOR.0.get();
    send(options, event, decision, cleanup, session);
    #[cfg(not(any(feature = "decision", feature = "answer")))]
    crate::runtime::ALLOCATOR.0.set(mark);
}

fn send(options: JsValue, event: JsValue, decision: JsValue, cleanup: JsValue, session: JsValue) {
    let url = own(&options, "report");
    if !url.is_string() {
        return;
    }
    let Some(event) = text(&event).and_then(|e| report::Event::parse(&e)) else { return };
    let log = text(&own(&options, "log"));
    let shows = Log::parse(log.as_deref()).shows(Level::Warn);
    let failed = |why: &str| {
        let first = !core::mem::replace(&mut *WARNED.0.borrow_mut(), true);
        if first && shows {
            let mut line = js::Text::from_str(report::NOT_SENT);
            line.append(&JsValue::from_str(why));
            js::log(true, &line, false);
        }
    };
    let failed_with = |why: &str, error: &JsValue| {
        let mut line = JsValue::from_str(why);
        line.append(&js::message(error));
        let why = text(&line).unwrap_or_default();
        failed(&why);
    };
    if field(&url, "length").as_f64() == Some(0.0) {
        return failed(report::EMPTY_URL);
    }
    let rollout = field(&decision, "rollout");
    let guard = field(&decision, "guard");
    let source = text(&field(&decision, "source")).unwrap_or_default();
    let reason = text(&field(&decision, "reason")).unwrap_or_default();
    let session = text(&session).unwrap_or_default();
    let doc = report::Report {
        event,
        session: &session,
        version: env!("CARGO_PKG_VERSION"),
        // A decision (`enabled`) or a health document (`maestro_enabled`).
        enabled: field(&decision, "enabled")
            .as_bool()
            .or_else(|| field(&decision, "maestro_enabled").as_bool())
            .unwrap_or(false),
        source: &source,
        reason: &reason,
        rollout: count(&field(&rollout, "percent"), 100)
            .zip(count(&field(&rollout, "bucket"), 100))
            .map(|(percent, bucket)| report::Rollout { percent, bucket }),
        guard: count(&field(&guard, "errors"), u32::MAX).map(|errors| report::Guard { errors }),
        cleanup: cleanup.is_object().then(|| {
            let database = field(&cleanup, "database");
            report::Cleanup {
                ok: field(&cleanup, "ok").as_bool().unwrap_or(false),
                other_tabs: count(&field(&cleanup, "otherTabs"), u32::MAX).unwrap_or(0),
                database: text(&field(&database, "outcome")).and_then(|o| report::db_outcome(&o)),
                blocked: field(&database, "blocked").as_bool().unwrap_or(false),
                local_storage: area(&field(&cleanup, "localStorage")),
                session_storage: area(&field(&cleanup, "sessionStorage")),
            }
        }),
        at: method(&field(js::global(), "Date"), "now", 0, &JsValue::UNDEFINED).as_f64().unwrap_or(0.0),
    };
    // The user id never leaves the page, not even inside a reason's wording.
    let body = report::document(&doc, &[&user_id(&options)]);
    let navigator = field(js::global(), "navigator");
    let send = field(&navigator, "sendBeacon");
    if !send.is_function() {
        return failed(report::NO_BEACON);
    }
    match js::call(&send, &navigator, &[&url, &JsValue::from_str(&body)]) {
        Ok(queued) if truthy(&queued) => {}
        Ok(_) => failed(report::REFUSED),
        Err(e) => failed_with(report::THREW, &e),
    }
}

/// Whether `sendBeacon` said it queued the beacon (it answers a boolean).
fn truthy(value: &JsValue) -> bool {
    value.as_bool() == Some(true)
}
