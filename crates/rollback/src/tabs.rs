//! This tab's side of a cleanup across tabs (`maestro_gate::protocol`).
//!
//! sessionStorage belongs to one tab, so a cleanup asks the other tabs that
//! run the gate to clear their own, and counts the distinct tabs that
//! answer. This module opens no channel: it posts on the gate's (the glue
//! hands it `post`, `connect`), and the gate, which listens in every tab,
//! hands it another tab's request (`answerCleanup`) and the answers to this
//! tab's (`heard`). The app's `onCleanupRequest` subscribers live in the gate
//! module too, reached through the glue's notifier.

use js_sys::Function;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::{js, storage};
use maestro_gate::cleanup::{valid_prefix, SessionMode, DEFAULT_PREFIX};
use maestro_gate::protocol::{self, Kind};
use maestro_gate_util::Slot;

struct Tabs {
    /// The gate's `post(message)`, of the first copy of the gate that
    /// connected this module (copies that load it from one URL share it).
    post: Option<Function>,
    /// This tab's random id, for its lifetime: answers are counted per tab.
    tab: f64,
    notifier: Option<Function>,
    /// The latest requests this tab made (at most [`WAITING_MAX`]: cleanups
    /// that overlap each count their own answers), and the distinct tabs
    /// that answered each.
    waiting: Vec<(f64, Vec<f64>)>,
}

impl Default for Tabs {
    fn default() -> Tabs {
        Tabs { post: None, tab: js_sys::Math::random(), notifier: None, waiting: Vec::new() }
    }
}

/// How many of this tab's requests are remembered for their answers.
const WAITING_MAX: usize = 8;

/// The module's state: one page, one thread (a `Slot`, which on the host,
/// where clippy and the workspace's tests compile it, holds nothing).
static TABS: Slot<Tabs> = Slot::new();

/// The glue's way to the gate module's `onCleanupRequest` subscribers.
pub fn set_notifier(f: Function) {
    TABS.with(|t| t.notifier = Some(f));
}

/// Connects this module to a copy's channel (`post`): the first copy that
/// asks keeps it. Whether it is `post`'s copy's: only then does that copy
/// hand it the answers it hears.
pub fn connect(post: Function) -> bool {
    TABS.with(|t| t.post.get_or_insert(post.clone()) == &post).unwrap_or(false)
}

/// Posts `message` on `on` (a copy's `post`), or else on the connected copy's channel.
fn post<T: Serialize>(message: &T, on: Option<&Function>) -> bool {
    let Some(post) = on.cloned().or_else(|| TABS.with(|t| t.post.clone()).flatten()) else { return false };
    let Ok(value) = message.serialize(&serde_wasm_bindgen::Serializer::json_compatible()) else { return false };
    post.call1(&JsValue::NULL, &value).is_ok_and(|sent| sent.is_truthy())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Request<'a> {
    maestro_gate: &'static str,
    id: f64,
    tab: f64,
    database: &'a str,
    prefix: &'a str,
    session_storage: &'static str,
    /// What the other tabs' `onCleanupRequest` subscribers receive is this
    /// message, as the channel delivers it.
    from_other_tab: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    maestro_gate: &'static str,
    id: f64,
    tab: f64,
    outcome: &'static str,
    removed: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notice<'a> {
    database: &'a str,
    prefix: &'a str,
    session_storage: &'static str,
    from_other_tab: bool,
}

/// Tells this tab's `onCleanupRequest` subscribers that a cleanup is about to
/// run: those of the copy that runs it (`via`, its notifier), else of the
/// copy that last loaded this module.
pub fn notify(database: &str, prefix: &str, mode: SessionMode, via: Option<&Function>) {
    let notice = Notice { database, prefix, session_storage: mode.id(), from_other_tab: false };
    let Ok(value) = notice.serialize(&serde_wasm_bindgen::Serializer::json_compatible()) else { return };
    let value = js_sys::Object::freeze(value.unchecked_ref::<js_sys::Object>());
    if let Some(f) = via.cloned().or_else(|| TABS.with(|t| t.notifier.clone()).flatten()) {
        let _ = f.call1(&JsValue::NULL, &value);
    }
}

/// A request this tab posted.
pub struct Asked(f64);

/// Posts this tab's cleanup request to the others, on the channel of the copy
/// that runs it (`on`, its `post`; else the connected copy's), so that the
/// other copies of the gate on this page hear it too; `None` when there is
/// no channel (or it is closed).
pub fn ask_others(database: &str, prefix: &str, mode: SessionMode, on: Option<&Function>) -> Option<Asked> {
    let id = js_sys::Math::random();
    let tab = TABS.with(|t| {
        if t.waiting.len() >= WAITING_MAX {
            t.waiting.remove(0);
        }
        t.waiting.push((id, Vec::new()));
        t.tab
    })?;
    let request = Request {
        maestro_gate: Kind::Cleanup.id(),
        id,
        tab,
        database,
        prefix,
        session_storage: mode.id(),
        from_other_tab: true,
    };
    post(&request, on).then_some(Asked(id))
}

/// How many distinct tabs have answered `asked`.
pub fn answers(asked: &Asked) -> u32 {
    TABS.with(|t| match t.waiting.iter().find(|(id, _)| *id == asked.0) {
        Some((_, tabs)) => u32::try_from(tabs.len()).unwrap_or(u32::MAX),
        None => 0,
    })
    .unwrap_or(0)
}

/// A message the gate heard on its channel: an answer to this tab's request
/// counts once per answering tab.
pub fn heard(data: &JsValue) {
    let is_answer = js::field(data, protocol::KIND).as_string().as_deref() == Some(Kind::Answer.id());
    let counts = js::field(data, "outcome").as_string().is_some_and(|o| protocol::answer_counts(&o));
    let (Some(id), Some(tab)) = (js::field(data, "id").as_f64(), js::field(data, "tab").as_f64()) else { return };
    if !is_answer || !counts {
        return;
    }
    TABS.with(|t| {
        if let Some((_, tabs)) = t.waiting.iter_mut().find(|(waiting, _)| *waiting == id) {
            if !tabs.contains(&tab) {
                tabs.push(tab);
            }
        }
    });
}

/// Answers another tab's cleanup request: sweeps this tab's sessionStorage
/// under this tab's own prefix (`own.prefix`), all of it only if this tab
/// opted in (`own.acceptClearAllFromOtherTabs`), and says so. A request
/// that is malformed is not answered, nor one this module made: another copy
/// of the gate on this page, sharing the module, hears it on its own channel.
pub fn answer(request: &JsValue, own: &JsValue) {
    let id = js::field(request, "id").as_f64();
    // (When the state is in use, as it never is here, nothing is answered.)
    let own_request = TABS.with(|t| t.waiting.iter().any(|w| Some(w.0) == id)).unwrap_or(true);
    let (Some(id), false) = (id, own_request) else { return };
    let valid =
        ["database", "prefix"].iter().all(|k| js::field(request, k).as_string().is_some_and(|s| valid_prefix(&s)));
    let requested = js::field(request, "sessionStorage").as_string();
    let (true, Some(requested)) = (valid, requested.as_deref().and_then(|m| SessionMode::parse(Some(m)))) else {
        return;
    };
    let prefix = js::own(own, "prefix").as_string().filter(|p| valid_prefix(p));
    let accept_all = js::own(own, "acceptClearAllFromOtherTabs").as_bool() == Some(true);
    let mode = protocol::answer_mode(requested, accept_all);
    let area = storage::sweep("sessionStorage", Some(prefix.as_deref().unwrap_or(DEFAULT_PREFIX)), mode);
    let Some(tab) = TABS.with(|t| t.tab) else { return };
    post(
        &Answer { maestro_gate: Kind::Answer.id(), id, tab, outcome: area.outcome.id(), removed: area.removed.len() },
        None,
    );
}
