//! maestro-gate's build-time check (`pkg/maestro_gate_node_bg.wasm`), for
//! the Vite plugin and the CLI (`js/node.js`): the health document and the
//! warnings `init()` would print for a build's environment. It applies the
//! same rules as the gate (`maestro_gate::flag`, and `maestro_gate::poll`'s
//! rollout percentage) through wasm-bindgen, and no browser ever loads it,
//! so that what every visitor downloads carries nothing of it. The
//! conformance table checks that the two agree. It also reads files of
//! decision beacons as they stream in (`BeaconReader`, for `maestro-gate
//! report-summary` and `incident`: `maestro_gate::sessions`, `chart`), and
//! checks a beacon's body for a receiver (`beaconLine`, for `maestro-gate
//! collect` and the Vite plugin).

mod beacons;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use maestro_gate::flag::{self, Level, Raw, Reading};
use maestro_gate::poll::{self, Rollout, Says, Status};
use maestro_gate::rollout;
use maestro_gate::sessions::{self, Sessions};
// The reads the modules share: `get` as the app reads a value, `has_own`
// for whether an on counts, the `message` of a thrown value, `String(value)`.
use maestro_gate_util::{get, has_own, message, text as string};

use beacons::Reader;

// The answers' types are generated from Rust types (src/types.rs, by its
// test): pkg/types.generated.d.ts.
#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
export type {
  BeaconLine, BuildCheck, CheckedDocument, IncidentRecord, ParsedSince, ReportSummary, UnleashTimeline,
} from './types.generated.js';
"#;

/// A value as the rules read it, as the gate reads it.
fn reading(v: &JsValue) -> Reading {
    raw_reading(v).1
}

/// A value as the rules read it, and its reading.
fn raw_reading(v: &JsValue) -> (Raw, Reading) {
    if v.is_undefined() || v.is_null() {
        return (Raw::Unset, Reading::unset());
    }
    let (raw, text) = if let Some(s) = v.as_string() {
        (flag::read_str(&s), shown(&s))
    } else if let Some(b) = v.as_bool() {
        (Raw::Bool(b), String::from(if b { "true" } else { "false" }))
    } else if let Some(n) = v.as_f64() {
        (Raw::Number(n), string(v))
    } else {
        (Raw::Other, shown(&string(v)))
    };
    (raw, Reading::of(raw, Some(text)))
}

/// A value as the page shows it in its lines (`flag::shown`: at most its
/// first `flag::SHOWN` characters, then how many it has).
fn shown(text: &str) -> String {
    let mut s = String::new();
    flag::shown(&mut s, text);
    s
}

/// A source as the gate reads it (`flag::Reading::own`: off first, an on
/// only as an own property, of `env` an own property of the options when
/// `env_of` is they).
fn read(obj: &JsValue, key: &str, env_of: Option<&JsValue>) -> Reading {
    match get(obj, key) {
        Ok(v) => reading(&v).own(|| has_own(obj, key) && env_of.is_none_or(|o| has_own(o, "env"))),
        Err(e) => Reading::threw(message(&e)),
    }
}

fn set(obj: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// The build-time rollout, `VITE_MAESTRO_ROLLOUT` in `env`, as read (`None`
/// when `env` threw, as `rollout::at_build` takes it).
fn rollout(env: &Result<JsValue, JsValue>) -> Option<(Raw, Reading)> {
    let env = env.as_ref().ok()?;
    Some(match get(env, rollout::From::Build.label()) {
        Ok(v) => raw_reading(&v),
        Err(e) => (Raw::Unset, Reading::threw(message(&e))),
    })
}

/// The health document and the warnings for these options
/// (`{ env, defaultEnabled }`), as the gate would decide in a page built
/// with them: frozen `{ health, warnings }`. Never throws.
///
/// With `VITE_MAESTRO_ROLLOUT` set to a valid percentage, the document also
/// says `"rollout": <percent>` (the remote poll reads it: lowering it turns
/// off the open pages whose bucket is above it). An invalid one fails safe,
/// as an invalid `VITE_MAESTRO_ENABLED` does: a warning, and a document that
/// says disabled, with source `"rollout"`, unless the flag had already
/// disabled it.
#[wasm_bindgen(js_name = buildCheck, unchecked_return_type = "BuildCheck")]
pub fn build_check(options: JsValue) -> JsValue {
    let runtime = read(&js_sys::global(), "MAESTRO_ENABLED", None);
    let env = get(&options, "env");
    let build = match &env {
        Ok(env) => read(env, "VITE_MAESTRO_ENABLED", Some(&options)),
        Err(e) => Reading::threw(message(e)),
    };
    let default = read(&options, "defaultEnabled", None);
    let outcome = flag::decide(&runtime, &build, &default);
    let built = rollout::at_build(&outcome.decision, rollout(&env));
    let mut warnings: Vec<String> =
        outcome.lines.iter().filter(|l| l.level == Level::Warn).map(|l| ["[MAESTRO] ", &l.text].concat()).collect();
    if let Some(w) = &built.warning {
        warnings.push(["[MAESTRO] ", w].concat());
    }
    let status = built.status;

    let health = Object::new();
    set(&health, "status", &JsValue::from_str(status.id()));
    set(&health, "maestro_enabled", &JsValue::from_bool(status.enabled()));
    set(&health, "source", &JsValue::from_str(built.source.id()));
    set(&health, "reason", &JsValue::from_str(&built.reason));
    set(&health, "version", &JsValue::from_str(env!("CARGO_PKG_VERSION")));
    if let Rollout::Percent(p) = built.rollout {
        set(&health, poll::ROLLOUT_KEY, &JsValue::from(p));
    }
    let list = Array::new();
    for line in &warnings {
        list.push(&JsValue::from_str(line));
    }
    let check = Object::new();
    set(&check, "health", &Object::freeze(&health));
    set(&check, "warnings", &Object::freeze(&list));
    Object::freeze(&check).into()
}

/// The most of a health document that is read (bytes): `maestro-gate check`
/// reads at most one byte more, as the poll does.
#[wasm_bindgen(js_name = documentCap)]
pub fn document_cap() -> u32 {
    poll::MAX_DOCUMENT_BYTES as u32
}

/// `text` with every control character (terminal escapes, newlines), line
/// separator and bidirectional override written as its JSON escape
/// (`flag::printable`): every line `maestro-gate` prints goes through it.
#[wasm_bindgen]
pub fn printable(text: &str) -> String {
    flag::printable(text)
}

/// A health document's body, read as the gate's remote poll reads it
/// (`maestro_gate::poll`): longer than `poll::MAX_DOCUMENT_BYTES`, not
/// UTF-8, not JSON, `maestro_enabled` or `rollout` twice, or no
/// `maestro_enabled`: `{ ok: false, error }` (the poll changes nothing).
/// Else `{ ok: true, status, enabled, rollout, why }`, where an invalid
/// value fails safe (`"disabled"`, with `why`) as it does in the pages. For
/// `maestro-gate check`. Never throws.
#[wasm_bindgen(js_name = checkDocument, unchecked_return_type = "CheckedDocument")]
pub fn check_document(body: &[u8]) -> JsValue {
    let out = Object::new();
    match read_document(body) {
        Ok((status, rollout, why)) => {
            set(&out, "ok", &JsValue::TRUE);
            set(&out, "status", &JsValue::from_str(status.id()));
            set(&out, "enabled", &JsValue::from_bool(status.enabled()));
            let rollout = match rollout {
                Rollout::Percent(p) => JsValue::from(p),
                _ => JsValue::NULL,
            };
            set(&out, "rollout", &rollout);
            set(&out, "why", &JsValue::from_str(&why));
        }
        Err(error) => {
            set(&out, "ok", &JsValue::FALSE);
            set(&out, "error", &JsValue::from_str(&error));
        }
    }
    Object::freeze(&out).into()
}

/// The body's status, rollout, and why a value failed safe (as
/// `crates/remote`'s `read`, after the fetch).
fn read_document(body: &[u8]) -> Result<(Status, Rollout, String), String> {
    if body.len() > poll::MAX_DOCUMENT_BYTES {
        return Err(String::from(poll::TOO_LONG));
    }
    // (One byte order mark dropped, as every reader does.)
    let text = core::str::from_utf8(poll::without_bom(body))
        .map_err(|_| String::from("not a health document: the body is not UTF-8"))?;
    let doc = js_sys::JSON::parse(text).map_err(|_| poll::not_json(text))?;
    // `JSON.parse` keeps the last of two equal keys: a document that says
    // both is not read (a failure changes nothing).
    if let Some(why) = poll::duplicate(text) {
        return Err(String::from(why));
    }
    // (Own properties only, as every reader reads them.)
    let field =
        |key: &str| if has_own(&doc, key) { get(&doc, key).unwrap_or(JsValue::UNDEFINED) } else { JsValue::UNDEFINED };
    let as_text = |v: &JsValue| {
        shown(&v.as_string().unwrap_or_else(|| js_sys::JSON::stringify(v).map(String::from).unwrap_or_default()))
    };
    let value = field(poll::KEY);
    let mut why = String::new();
    let mut says = poll::says(raw_reading(&value).0);
    if poll::status_disagrees(says, field(poll::STATUS_KEY).as_string().as_deref()) {
        says = Says::Invalid;
        why = String::from(poll::STATUS_DISAGREES);
    }
    match says {
        Says::Garbage => return Err(String::from("not a health document with maestro_enabled")),
        Says::Invalid if why.is_empty() => why = poll::invalid_enabled(&as_text(&value), value.is_string()),
        _ => {}
    }
    let value = field(poll::ROLLOUT_KEY);
    let text = value.as_string();
    let rollout = poll::rollout(raw_reading(&value).0);
    if rollout == Rollout::Invalid && why.is_empty() {
        why = poll::rollout_invalid(poll::ROLLOUT_KEY, &as_text(&value), text.is_some());
    }
    Ok((poll::status(says, rollout), rollout, why))
}

/// A stream of beacon files, read chunk by chunk (`push`, `endFile` at
/// each file's end): one small record per session is kept, never the
/// lines. For `maestro-gate report-summary` and `incident`. Never throws.
#[wasm_bindgen(js_name = BeaconReader)]
pub struct BeaconReader {
    reader: Reader,
}

#[wasm_bindgen(js_class = BeaconReader)]
impl BeaconReader {
    /// `since`: ms since the epoch, or `undefined`.
    #[wasm_bindgen(constructor)]
    pub fn new(since: Option<f64>) -> BeaconReader {
        let since = since.filter(|t| t.is_finite() && *t >= 0.0).map(|t| t as u64);
        BeaconReader { reader: Reader::new(since) }
    }

    /// Reads the complete lines of `chunk` (a line cut between chunks is read whole).
    pub fn push(&mut self, chunk: &[u8]) {
        self.reader.push(chunk);
    }

    /// The end of one file: a last line without a newline is a line.
    #[wasm_bindgen(js_name = endFile)]
    pub fn end_file(&mut self) {
        self.reader.end_file();
    }

    /// The counts (see `ReportSummary`).
    #[wasm_bindgen(unchecked_return_type = "ReportSummary")]
    pub fn summary(&self) -> JsValue {
        summary_of(&self.reader.sessions)
    }

    /// The summary as one self-contained HTML page (`maestro_gate::chart`).
    pub fn html(&self) -> String {
        maestro_gate::chart::html(&self.reader.sessions, env!("CARGO_PKG_VERSION"))
    }

    /// The runbook's "Lessons Learned" record, filled from the beacons.
    #[wasm_bindgen(unchecked_return_type = "IncidentRecord")]
    pub fn incident(&self) -> JsValue {
        let i = self.reader.sessions.incident();
        let fields = Array::new();
        for ((label, value), (_, blank)) in i.fields().into_iter().zip(sessions::TEMPLATE) {
            let row = Object::new();
            set(&row, "label", &JsValue::from_str(label));
            set(&row, "filled", &JsValue::from_bool(value != blank));
            set(&row, "value", &JsValue::from_str(&value));
            fields.push(&Object::freeze(&row));
        }
        let out = Object::new();
        set(&out, "fields", &Object::freeze(&fields));
        let ms = |t: Option<u64>| t.map_or(JsValue::NULL, |t| JsValue::from_f64(t as f64));
        set(&out, "first_off", &ms(i.first_off));
        set(&out, "recovered", &ms(i.recovered));
        set(&out, "impacted", &JsValue::from_f64(i.impacted as f64));
        set(&out, "still_on", &JsValue::from_f64(i.still_on as f64));
        set(&out, "text", &JsValue::from_str(&i.text()));
        Object::freeze(&out).into()
    }
}

/// The answer of `GET {unleash}/api/admin/events/{toggle}` (bytes) as the
/// incident record's timeline (`maestro_gate::unleash::timeline`): `{ ok:
/// true, entries }`, oldest first, or `{ ok: false, error }` for a body that
/// is not an event log. For `maestro-gate incident --unleash`. Never throws.
#[wasm_bindgen(js_name = unleashTimeline, unchecked_return_type = "UnleashTimeline")]
pub fn unleash_timeline(body: &[u8]) -> JsValue {
    let out = Object::new();
    match maestro_gate::unleash::timeline(body) {
        Ok(events) => {
            let entries = Array::new();
            for e in events {
                let o = Object::new();
                set(&o, "at", &JsValue::from_str(&e.at));
                set(&o, "type", &JsValue::from_str(&e.kind));
                set(&o, "environment", &e.environment.as_deref().map_or(JsValue::NULL, JsValue::from_str));
                set(&o, "by", &JsValue::from_str(&e.by));
                set(&o, "what", &JsValue::from_str(&e.what));
                set(&o, "rollback", &JsValue::from_bool(e.rollback));
                entries.push(&Object::freeze(&o));
            }
            set(&out, "ok", &JsValue::TRUE);
            set(&out, "entries", &Object::freeze(&entries));
        }
        Err(error) => {
            set(&out, "ok", &JsValue::FALSE);
            set(&out, "error", &JsValue::from_str(&error));
        }
    }
    Object::freeze(&out).into()
}

/// Counts a file of decision beacons (JSON lines, as the `report` URL's
/// server wrote them), whole: `BeaconReader` over one chunk.
#[wasm_bindgen(js_name = reportSummary, unchecked_return_type = "ReportSummary")]
pub fn report_summary(text: &str) -> JsValue {
    let mut reader = Reader::new(None);
    reader.push(text.as_bytes());
    reader.end_file();
    summary_of(&reader.sessions)
}

/// A `--since` (`30m`, `2h`, an ISO 8601 time, ms since the epoch) as ms
/// since the epoch, given `now`: `{ ok: true, at }` or `{ ok: false, error }`.
#[wasm_bindgen(js_name = parseSince, unchecked_return_type = "ParsedSince")]
pub fn parse_since(text: &str, now: f64) -> JsValue {
    let out = Object::new();
    match sessions::parse_since(text, if now.is_finite() && now > 0.0 { now as u64 } else { 0 }) {
        Ok(at) => {
            set(&out, "ok", &JsValue::TRUE);
            set(&out, "at", &JsValue::from_f64(at as f64));
        }
        Err(e) => {
            set(&out, "ok", &JsValue::FALSE);
            set(&out, "error", &JsValue::from_str(e));
        }
    }
    Object::freeze(&out).into()
}

/// A beacon's body as the one line a receiver appends (`{ ok: true, line }`),
/// or why it is refused (`{ ok: false, status, error }`: 413 longer than a
/// beacon can be, `beaconCap()`; 400 not a beacon document). Never throws.
#[wasm_bindgen(js_name = beaconLine, unchecked_return_type = "BeaconLine")]
pub fn beacon_line(body: &[u8]) -> JsValue {
    let out = Object::new();
    match beacons::beacon_line(body) {
        Ok(line) => {
            set(&out, "ok", &JsValue::TRUE);
            set(&out, "line", &JsValue::from_str(&line));
        }
        Err(refused) => {
            set(&out, "ok", &JsValue::FALSE);
            set(&out, "status", &JsValue::from(refused.status()));
            set(&out, "error", &JsValue::from_str(refused.why()));
        }
    }
    Object::freeze(&out).into()
}

/// The most a beacon's body can be (bytes): `maestro_gate::report::MAX_BYTES`.
#[wasm_bindgen(js_name = beaconCap)]
pub fn beacon_cap() -> u32 {
    maestro_gate::report::MAX_BYTES as u32
}

fn summary_of(s: &Sessions) -> JsValue {
    let summary = &s.summary;
    let rows = |list: Vec<(bool, &str, u64)>| {
        let out = Array::new();
        for (enabled, source, count) in list {
            let row = Object::new();
            set(&row, "enabled", &JsValue::from_bool(enabled));
            set(&row, "source", &JsValue::from_str(source));
            set(&row, "count", &JsValue::from_f64(count as f64));
            out.push(&Object::freeze(&row));
        }
        Object::freeze(&out)
    };
    let events = Object::new();
    for (event, count) in summary.events() {
        set(&events, event.id(), &JsValue::from_f64(count as f64));
    }
    let c = s.counts();
    let sessions = Object::new();
    set(&sessions, "total", &JsValue::from_f64(c.total as f64));
    set(&sessions, "enabled", &JsValue::from_f64(c.enabled as f64));
    set(&sessions, "disabled", &JsValue::from_f64(c.disabled as f64));
    set(&sessions, "by_source", &rows(c.by_source.iter().map(|(e, s, n)| (*e, s.as_str(), *n)).collect()));
    set(&sessions, "ran_after_since", &c.ran_after_since.map_or(JsValue::NULL, |n| JsValue::from_f64(n as f64)));
    set(&sessions, "without_id", &JsValue::from_f64(c.without_id as f64));
    let out = Object::new();
    set(&out, "since", &s.since().map_or(JsValue::NULL, |t| JsValue::from_f64(t as f64)));
    set(&out, "reports", &JsValue::from_f64(summary.reports as f64));
    set(&out, "skipped", &JsValue::from_f64(summary.skipped as f64));
    set(&out, "decisions", &rows(summary.decisions()));
    set(&out, "events", &Object::freeze(&events));
    set(&out, "sessions", &Object::freeze(&sessions));
    set(&out, "text", &JsValue::from_str(&s.text()));
    Object::freeze(&out).into()
}
