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

use core::alloc::{GlobalAlloc, Layout};

use crate::abi::JsValue;
use crate::js::{self, field, method};
use crate::lean::{count, own};
use crate::Slot;
use maestro_gate::flag::Text as _;
use maestro_gate::flag::{Level, Log};
use maestro_gate::report::{self, Sink};

/// Whether a beacon that could not be sent was named already (once per
/// page load: the console gets one line, however many beacons fail).
static WARNED: Slot<bool> = Slot(core::cell::RefCell::new(false));

// The beacon's texts live in its bump allocator's room, which each call
// takes back as it returns (`Call`): the module is built alone.
#[cfg(any(feature = "decision", feature = "first", feature = "narrow"))]
compile_error!("the beacon module is built alone: --no-default-features --features beacon");

/// One call's room for the texts it reads, taken from the bump allocator
/// and given back when the call returns (when this is dropped): no `String`,
/// so no reallocation, no capacity check and no panic message in the module.
struct Call(usize);

impl Call {
    fn new() -> Call {
        Call(crate::runtime::ALLOCATOR.0.get())
    }

    /// `n` zeroed bytes of this call's (at least one), or `None` when there
    /// is no memory left.
    // (Each answer is room of its own: the arena hands out disjoint slices.)
    #[allow(clippy::mut_from_ref)]
    fn room(&self, n: usize) -> Option<&mut [u8]> {
        let layout = Layout::from_size_align(n.max(1), 1).ok()?;
        // SAFETY: `layout`'s size is not zero.
        let ptr = unsafe { crate::runtime::ALLOCATOR.alloc_zeroed(layout) };
        if ptr.is_null() {
            return None;
        }
        // SAFETY: the allocator answered `layout.size()` bytes at `ptr`,
        // zeroed, which nothing else holds until this `Call` is dropped
        // (`&self` lends them no longer).
        Some(unsafe { core::slice::from_raw_parts_mut(ptr, layout.size()) })
    }

    /// `value` as UTF-8, if it is a string (read one UTF-16 unit at a time;
    /// a lone surrogate becomes U+FFFD: `utf16::decode`), in room of this
    /// call's (3 bytes for each unit: enough for any). `None` too when there
    /// is no memory left.
    fn bytes(&self, value: &JsValue) -> Option<&mut [u8]> {
        if !value.is_string() {
            return None;
        }
        let len = field(value, "length").as_f64().unwrap_or(0.0) as usize;
        let buf = self.room(len.checked_mul(3)?)?;
        let mut w = 0;
        crate::utf16::decode(
            len,
            |i| crate::abi::code_at(value.h(), i),
            |c| {
                // UTF-8 by hand: the first byte, then 6 bits at a time.
                let (more, first) = match c {
                    0..=0x7F => (0, c),
                    0x80..=0x7FF => (1, 0xC0 | c >> 6),
                    0x800..=0xFFFF => (2, 0xE0 | c >> 12),
                    _ => (3, 0xF0 | c >> 18),
                };
                let mut put = |b: u32| {
                    if let Some(d) = buf.get_mut(w) {
                        *d = b as u8;
                    }
                    w += 1;
                };
                put(first);
                for k in (0..more).rev() {
                    put(0x80 | (c >> (6 * k)) & 0x3F);
                }
            },
        );
        buf.get_mut(..w)
    }

    /// `value` as a Rust string, if it is a string ([`Call::bytes`]).
    fn text(&self, value: &JsValue) -> Option<&str> {
        // SAFETY: `bytes` writes whole characters' UTF-8 only.
        self.bytes(value).map(|b| unsafe { core::str::from_utf8_unchecked(b) })
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        crate::runtime::ALLOCATOR.0.set(self.0);
    }
}

/// The document, written into a buffer of [`report::MAX_BYTES`] (its
/// longest): nothing allocated, nothing grown.
struct Doc {
    buf: [u8; report::MAX_BYTES],
    len: usize,
}

impl Sink for Doc {
    // (One copy, called from every place that writes: about 400 B gzip
    // less than inlined at each.)
    #[inline(never)]
    fn put(&mut self, s: &str) {
        if let Some(d) = self.buf.get_mut(self.len..self.len + s.len()) {
            d.copy_from_slice(s.as_bytes());
            self.len += s.len();
        }
    }
}

/// A list's length, or a count (the cleanup report lists keys: only how
/// many is sent).
fn how_many(value: JsValue) -> u32 {
    let array = field(js::global(), "Array");
    let n = if method(&array, "isArray", 1, &value).as_bool() == Some(true) { field(&value, "length") } else { value };
    count(&n, u32::MAX).unwrap_or(0)
}

fn area(report: &JsValue) -> report::Area {
    let outcome = field(report, "outcome");
    report::Area {
        outcome: report::area_outcome_where(|id| js::text_is(&outcome, id)),
        removed: how_many(field(report, "removed")),
        failed: how_many(field(report, "failed")),
    }
}

/// The user id as the rollout module reads it: a string, or a number as
/// `String(userId)`.
fn user_id<'a>(call: &'a Call, options: &JsValue) -> &'a str {
    let user = own(options, "userId");
    if user.as_f64().is_some() {
        return call.text(&js::string(&user)).unwrap_or_default();
    }
    call.text(&user).unwrap_or_default()
}

/// Sends the beacon for `init({ report: url })`: the init options, the event
/// (`"start"`, `"change"` or `"cleanup"`), the gate's `decision()` (or
/// health document) at that moment, for `"cleanup"` the `clearClientState`
/// report, and the page load's session id the glue drew. Whatever fails,
/// nothing throws and nothing changes; the first failure is one warning.
#[export_name = "R"] // report
extern "C" fn report(options: JsValue, event: JsValue, decision: JsValue, cleanup: JsValue, session: JsValue) {
    // What the call allocates is free again once it returns (`Call`'s drop).
    // (A call made from inside this one, were JavaScript to make one, takes
    // back only its own.)
    send(&Call::new(), options, event, decision, cleanup, session);
}

fn send(call: &Call, options: JsValue, event: JsValue, decision: JsValue, cleanup: JsValue, session: JsValue) {
    let url = own(&options, "report");
    // (Compared as JavaScript strings: nothing read into memory.)
    let Some(event) = report::Event::ALL.into_iter().find(|e| js::text_is(&event, e.id())) else { return };
    let shows = Log::parse(call.text(&own(&options, "log"))).shows(Level::Warn);
    let failed = |why: &str, error: Option<&JsValue>| {
        let first = !core::mem::replace(&mut *WARNED.0.borrow_mut(), true);
        if first && shows {
            let mut line = js::Text::from_str(report::NOT_SENT);
            line.push(why);
            if let Some(error) = error {
                line.append(&js::message(error));
            }
            js::log(true, &line, false);
        }
    };
    // (The glue loads this module for a `report` that is set: one that is
    // not a string, a `URL` object, is said once, as an empty one is.)
    if !url.is_string() {
        return failed(report::NOT_A_STRING, None);
    }
    if field(&url, "length").as_f64() == Some(0.0) {
        return failed(report::EMPTY_URL, None);
    }
    let rollout = field(&decision, "rollout");
    let guard = field(&decision, "guard");
    let source = call.text(&field(&decision, "source")).unwrap_or_default();
    // The reason as its fixed wording, written over the text read.
    let reason = call.bytes(&field(&decision, "reason")).unwrap_or_default();
    let worded = report::wording_in_place(reason);
    // SAFETY: `Call::bytes` wrote whole characters' UTF-8, and the wording
    // cuts on characters only (`report::wording_in_place`).
    let reason = unsafe { core::str::from_utf8_unchecked(reason.get(..worded).unwrap_or_default()) };
    let session = call.text(&session).unwrap_or_default();
    let doc = report::Report {
        event,
        session,
        version: env!("CARGO_PKG_VERSION"),
        // A decision (`enabled`) or a health document (`maestro_enabled`).
        enabled: field(&decision, "enabled")
            .as_bool()
            .or_else(|| field(&decision, "maestro_enabled").as_bool())
            .unwrap_or(false),
        source,
        reason,
        rollout: count(&field(&rollout, "percent"), 100)
            .zip(count(&field(&rollout, "bucket"), 100))
            .map(|(percent, bucket)| report::Rollout { percent, bucket }),
        guard: count(&field(&guard, "errors"), u32::MAX).map(|errors| report::Guard { errors }),
        cleanup: cleanup.is_object().then(|| {
            let database = field(&cleanup, "database");
            let outcome = field(&database, "outcome");
            report::Cleanup {
                ok: field(&cleanup, "ok").as_bool().unwrap_or(false),
                other_tabs: count(&field(&cleanup, "otherTabs"), u32::MAX).unwrap_or(0),
                database: report::db_outcome_where(|id| js::text_is(&outcome, id)),
                blocked: field(&database, "blocked").as_bool().unwrap_or(false),
                local_storage: area(&field(&cleanup, "localStorage")),
                session_storage: area(&field(&cleanup, "sessionStorage")),
            }
        }),
        at: method(&field(js::global(), "Date"), "now", 0, &JsValue::UNDEFINED).as_f64().unwrap_or(0.0),
    };
    // The user id never leaves the page, not even inside a reason's wording.
    let mut body = Doc { buf: [0; report::MAX_BYTES], len: 0 };
    report::write(&mut body, &doc, &[user_id(call, &options)]);
    let navigator = field(js::global(), "navigator");
    let send = field(&navigator, "sendBeacon");
    if !send.is_function() {
        return failed(report::NO_BEACON, None);
    }
    // SAFETY: `body.buf` is live memory of this instance, `body.len` bytes
    // of it written (the import reads them as UTF-8).
    let body = unsafe { crate::abi::from_utf8(body.buf.as_ptr(), body.len.min(report::MAX_BYTES)) };
    match js::call(&send, &navigator, &[&url, &body]) {
        Ok(queued) if truthy(&queued) => {}
        Ok(_) => failed(report::REFUSED, None),
        Err(e) => failed(report::THREW, Some(&e)),
    }
}

/// Whether `sendBeacon` said it queued the beacon (it answers a boolean).
fn truthy(value: &JsValue) -> bool {
    value.as_bool() == Some(true)
}
