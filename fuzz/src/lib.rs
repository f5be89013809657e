//! What the fuzz targets share: the wasm crates' readings of attacker-written
//! input, restated over native Rust where they use JavaScript (`JSON.parse`
//! becomes `serde_json`), and a model of PostgreSQL's lexer for maestro-db's
//! quoting. Each mirror names the function it follows; the rules they call
//! are the root crate's own.

pub mod pg;

use maestro_gate::cleanup::{valid_prefix, SessionMode, DEFAULT_PREFIX};
use maestro_gate::flag::{self, Raw};
use maestro_gate::poll::{self, Rollout, Says, Status};
use maestro_gate::protocol;
use maestro_gate::report::Summary;
use maestro_gate::rollout::{self, From, Narrowing};
use serde_json::Value;

/// `JSON.parse`: `None` when it throws.
pub fn json_parse(text: &str) -> Option<Value> {
    serde_json::from_str(text).ok()
}

/// A JSON value as the wasm crates hand it to the rules (`maestro_enabled`).
pub fn raw_of(value: Option<&Value>) -> Raw {
    match value {
        None | Some(Value::Null) => Raw::Unset,
        Some(Value::String(s)) => flag::read_str(s),
        Some(Value::Bool(b)) => Raw::Bool(*b),
        Some(Value::Number(n)) => n.as_f64().map_or(Raw::Other, Raw::Number),
        Some(_) => Raw::Other,
    }
}

/// `crates/node`'s `read_document` (and `crates/remote`'s `read` after the
/// fetch): a health document's body to its status and rollout, or why it is
/// not read.
pub fn read_document(body: &[u8]) -> Result<(Status, Rollout), String> {
    if body.len() > poll::MAX_DOCUMENT_BYTES {
        return Err(String::from(poll::TOO_LONG));
    }
    let text = core::str::from_utf8(poll::without_bom(body)).map_err(|_| String::from("not UTF-8"))?;
    let doc = json_parse(text).ok_or_else(|| poll::not_json(text))?;
    // `JSON.parse` keeps the last of two equal keys: a document that says
    // both is not read (a failure changes nothing).
    if let Some(why) = poll::duplicate(text) {
        return Err(String::from(why));
    }
    let field = |key: &str| doc.as_object().and_then(|o| o.get(key));
    let mut says = poll::says(raw_of(field(poll::KEY)));
    if poll::status_disagrees(says, field(poll::STATUS_KEY).and_then(|v| v.as_str())) {
        says = Says::Invalid;
    }
    if says == Says::Garbage {
        return Err(String::from("not a health document with maestro_enabled"));
    }
    let rollout = poll::rollout(raw_of(field(poll::ROLLOUT_KEY)));
    Ok((poll::status(says, rollout), rollout))
}

/// `crates/remote`'s `capped_text`: the body as it arrives in `chunks`,
/// refused as soon as it would pass the cap. Returns the bytes kept.
pub fn capped(chunks: &[&[u8]]) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    for chunk in chunks {
        if bytes.len() + chunk.len() > poll::MAX_DOCUMENT_BYTES {
            return Err(String::from(poll::TOO_LONG));
        }
        bytes.extend_from_slice(chunk);
    }
    Ok(bytes)
}

/// `crates/rollback`'s `tabs::answer`: what a tab sweeps on hearing another
/// tab's cleanup `request`, under its own options `own` (`None`: the
/// request is not answered): the mode, and the prefix it sweeps under.
pub fn answer(request: &Value, own: &Value) -> Option<(SessionMode, String)> {
    let field = |v: &Value, k: &str| v.as_object().and_then(|o| o.get(k)).cloned();
    field(request, "id")?.as_f64()?;
    let valid = ["database", "prefix"]
        .iter()
        .all(|k| field(request, k).and_then(|v| v.as_str().map(String::from)).is_some_and(|s| valid_prefix(&s)));
    let requested = field(request, "sessionStorage").and_then(|v| v.as_str().map(String::from));
    let requested = requested.as_deref().and_then(|m| SessionMode::parse(Some(m)));
    let (true, Some(requested)) = (valid, requested) else { return None };
    let prefix = field(own, "prefix").and_then(|v| v.as_str().map(String::from)).filter(|p| valid_prefix(p));
    let accept_all = field(own, "acceptClearAllFromOtherTabs").and_then(|v| v.as_bool()) == Some(true);
    let mode = protocol::answer_mode(requested, accept_all);
    Some((mode, prefix.unwrap_or_else(|| String::from(DEFAULT_PREFIX))))
}

/// How much of a sessionStorage a mode sweeps: none, the prefixed keys, all.
pub fn width(mode: SessionMode) -> u8 {
    match mode {
        SessionMode::None => 0,
        SessionMode::Prefixed => 1,
        SessionMode::All => 2,
    }
}

/// `crates/node`'s `report_summary`: the summary of a file of beacon lines.
pub fn report_summary(text: &str) -> Summary {
    let mut summary = Summary::new();
    for line in text.lines() {
        let line = line.trim();
        let Some(doc) = (if line.is_empty() { None } else { json_parse(line) }) else {
            summary.skip();
            continue;
        };
        let field = |key: &str| doc.as_object().and_then(|o| o.get(key));
        match (
            field("enabled").and_then(Value::as_bool),
            field("source").and_then(Value::as_str),
            field("event").and_then(Value::as_str),
        ) {
            (Some(enabled), Some(source), Some(event)) => summary.add(enabled, source, event),
            _ => summary.skip(),
        }
    }
    summary
}

/// `crates/rollout`'s `lower`: another tab's (or the remote document's)
/// `rollout` value, for a browser in `bucket`: the narrowing it applies, or
/// `None` when it changes nothing.
pub fn lower(value: Option<&Value>, bucket: u32) -> Option<Narrowing> {
    let raw = match value {
        None | Some(Value::Null) => Raw::Unset,
        Some(Value::String(s)) => flag::read_str(s),
        Some(Value::Bool(b)) => Raw::Bool(*b),
        Some(Value::Number(n)) => n.as_f64().map_or(Raw::Other, Raw::Number),
        Some(_) => Raw::Other,
    };
    let text = value.map(|v| v.as_str().map_or_else(|| v.to_string(), String::from));
    let reading = if matches!(raw, Raw::Unset) { flag::Reading::unset() } else { flag::Reading::of(raw, text) };
    match rollout::smallest(&[(From::Remote, raw, reading)]) {
        Err(n) => Some(n),
        Ok(None) => None,
        Ok(Some((percent, _))) => Some(rollout::narrow(percent, bucket)).filter(|n| !n.enabled),
    }
}
