//! maestro-gate's remote module (`pkg/maestro_gate_remote_bg.wasm`), loaded
//! only by `init({ remote })` or `init({ unleash })`: polls a health document
//! (or Unleash) and turns the gate off when it says `maestro_enabled: false`
//! (or narrows it by the document's `rollout`). (The decision beacon,
//! `init({ report })`, is the beacon module's: `crates/gate/src/beacon.rs`.)
//!
//! One `async` loop per page, on wasm-bindgen-futures. Each result is shared
//! with the other tabs on the gate's BroadcastChannel (the glue hands this
//! module its `post`, `connect`, and what the gate hears, `heard`: it opens
//! no channel of its own), and their results save this tab a poll, within
//! the bound `maestro_gate::poll::next_poll` sets. A failing or slow remote
//! changes nothing: it is logged once and the poll
//! backs off. What a document means, and the intervals, are
//! `maestro_gate::poll`; the gate itself is the gate module, reached through
//! the functions the glue hands to `startRemote`.

use js_sys::{Array, Function, Promise};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, RequestCache, RequestCredentials, RequestInit, Response};

use maestro_gate::cleanup::push_uint;
use maestro_gate::flag::{self, Raw};
use maestro_gate::poll::{self, Rollout, Says};
use maestro_gate::protocol::{self, Kind};
use maestro_gate::remember::{self, Answer, Memory};
use maestro_gate::unleash::{self, Counts};
// The helpers every module shares (and the allocator, lol_alloc's instead of
// std's dlmalloc): options are read as own properties only (`own`).
use maestro_gate_util::{field, message, own, set, timer, warn, Slot};

#[wasm_bindgen]
extern "C" {
    /// `fetch` on whatever the global object is (a window or a worker):
    /// web-sys binds it only on `Window` and `WorkerGlobalScope`.
    #[wasm_bindgen(catch, js_name = fetch)]
    fn fetch(url: &str, init: &RequestInit) -> Result<Promise, JsValue>;
}

/// One copy of the gate that polls (copies of the gate on one page, two
/// micro-frontends say, share this module: each registers here).
struct Copy {
    url: String,
    /// The copy's `isEnabled`, `remoteOff(url)` and `remoteRollout(url,
    /// percent, value)` (absent from a gate that has no rollout).
    enabled: Function,
    /// The copy's `restrict(narrowing)`: an off is handed over as a
    /// narrowing with its reason (`rollout::Verdict::RemoteOff`, or `RemoteFailSafe`).
    off: Function,
    rollout: Option<Function>,
    silent: bool,
}

/// An Unleash Frontend API a page polls (`init({ unleash })`). Its poll is
/// keyed by [`unleash::source_id`] (no key in it); the client key stays here.
#[derive(Clone)]
struct Unleash {
    url: String,
    key: String,
    app: String,
    toggle: String,
    user: Option<String>,
}

/// Whether an option is none: undefined, null or false (`remote: prod &&
/// '/health'`, `unleash: prod && { … }`), as js/gate.js reads `remote` and
/// `unleash` before it loads anything for them.
fn none(v: &JsValue) -> bool {
    v.is_undefined() || v.is_null() || v.as_bool() == Some(false)
}

impl Unleash {
    /// `options.unleash`, read as own properties; `Err(())` when it is set
    /// but cannot be used (a warning says so), `Ok(None)` when it is not set
    /// (undefined, null or false: `unleash: prod && { … }`).
    fn of(options: &JsValue) -> Result<Option<Unleash>, ()> {
        let u = own(options, "unleash");
        if none(&u) {
            return Ok(None);
        }
        let text = |k: &str| own(&u, k).as_string().filter(|s| !s.is_empty());
        let (Some(url), Some(key)) = (text("url"), text("clientKey")) else { return Err(()) };
        let user = user_id(options);
        Ok(Some(Unleash {
            url,
            key,
            app: text("appName").unwrap_or_else(|| String::from(unleash::DEFAULT_APP_NAME)),
            toggle: text("toggle").unwrap_or_else(|| String::from(unleash::DEFAULT_TOGGLE)),
            user,
        }))
    }

    fn id(&self) -> String {
        unleash::source_id(&self.url, &self.toggle)
    }

    /// The `Authorization` header (the client key) and a JSON content type.
    fn headers(&self, json_body: bool) -> Option<web_sys::Headers> {
        let h = web_sys::Headers::new().ok()?;
        h.set("Authorization", &self.key).ok()?;
        if json_body {
            h.set("Content-Type", "application/json").ok()?;
        }
        Some(h)
    }
}

/// One document this page polls: one loop, whichever copies use it.
struct Poll {
    url: String,
    interval: f64,
    /// When this page last read the document itself.
    own_last: Option<f64>,
    /// When another tab's result for it was last heard.
    heard: Option<f64>,
    /// Whether this page holds the document's Web Lock: the polling tab.
    leader: bool,
    /// Whether its loop runs (a first answer alone starts none).
    running: bool,
    /// Hands the Web Lock back (resolves the promise the lock waits on).
    release: Option<Function>,
    /// Whether this page's last read failed (warned once per failing stretch).
    failed: bool,
    /// An Unleash Frontend API instead of a health document.
    unleash: Option<Unleash>,
    /// Unleash's metrics: the decisions counted since `since`, the last one
    /// counted, when they were last posted, and whether a post is due.
    counts: Counts,
    counted: Option<bool>,
    since: f64,
    posted: f64,
    post_due: bool,
    /// This page's first reads that did not give its first answer (the
    /// wait ran out, or another tab answered, first): the poll, when it
    /// starts, waits for one that has begun and acts on what it read, and
    /// makes one that has not begun no read at all.
    first_reads: Vec<FirstRead>,
}

/// A first read that may still be under way (`first_one`): its result (a
/// document, or why it failed), whether it has begun (it took the lock, or
/// read without one), and, set, that it is not to be made.
struct FirstRead {
    result: Promise,
    began: std::rc::Rc<std::cell::Cell<bool>>,
    done: std::rc::Rc<std::cell::Cell<bool>>,
}

/// Someone waiting for a result of `url` answered after `since`: a first
/// answer, which another tab's read can give.
struct Waiter {
    url: String,
    since: f64,
    resolve: Function,
}

#[derive(Default)]
struct Remote {
    copies: Vec<Copy>,
    polls: Vec<Poll>,
    waiters: Vec<Waiter>,
    /// The gate's `post(message)`, of the first copy of the gate that
    /// connected this module (copies that load it from one URL share it).
    post: Option<Function>,
    /// Warned that the remembered answer could not be kept in localStorage.
    storage_warned: bool,
    /// Listening for `pagehide` and a hidden page (Unleash's metrics).
    leaving: bool,
    /// This page's id when no storage keeps one (`page_id`).
    page_id: Option<String>,
}

/// The module's state: one page, one thread (a `Slot`, which on the host,
/// where clippy and the workspace's tests compile it, holds nothing).
static REMOTE: Slot<Remote> = Slot::new();

/// Runs `f` on the state (made on first use); `R::default()` (nothing
/// found, nothing to do) if it is in use already, which never panics.
fn with<R: Default>(f: impl FnOnce(&mut Remote) -> R) -> R {
    REMOTE.with(f).unwrap_or_default()
}

fn now() -> f64 {
    js_sys::Date::now()
}

/// Whether any copy that polls `url` is still on (the poll goes on until
/// every one of them is off: the gate latches).
fn any_enabled(url: &str) -> bool {
    let copies: Vec<Function> = with(|r| r.copies.iter().filter(|c| c.url == url).map(|c| c.enabled.clone()).collect());
    copies.iter().any(|f| f.call0(&JsValue::NULL).is_ok_and(|v| v.is_truthy()))
}

/// Whether every copy that polls `url` asked for silence.
fn silent(url: &str) -> bool {
    with(|r| {
        let mut copies = r.copies.iter().filter(|c| c.url == url).peekable();
        copies.peek().is_some() && copies.all(|c| c.silent)
    })
}

/// Turns every copy of the gate on this page off: the document at `url`
/// said so (an off only ever turns off, so it reaches every copy, whatever
/// document it polls).
fn all_off(url: &str) {
    off_with(&off_narrowing(url));
}

/// The narrowing of an off by the source keyed `url`: `Disabled by remote
/// <url>: maestro_enabled=false`, or Unleash's `Disabled by Unleash toggle
/// <toggle> at <url>: not enabled` (`rollout::Verdict::RemoteOff`).
fn off_narrowing(url: &str) -> JsValue {
    let reason = match unleash_of(url) {
        Some(u) => unleash::off_reason(&u.url, &u.toggle),
        None => flag::remote_off_reason(&String::from(url)),
    };
    narrowing(maestro_gate::rollout::Verdict::RemoteOff.code(), &reason)
}

/// Turns every copy off with `narrowing`.
fn off_with(narrowing: &JsValue) {
    let offs: Vec<Function> = with(|r| r.copies.iter().map(|c| c.off.clone()).collect());
    for off in offs {
        let _ = off.call1(&JsValue::NULL, narrowing);
    }
}

/// The Unleash source this page polls under the key `url`, if it is one.
fn unleash_of(url: &str) -> Option<Unleash> {
    with(|r| r.polls.iter().find(|p| p.url == url).and_then(|p| p.unleash.clone()))
}

/// How a line names the source: `Remote <url>`, or `Unleash toggle <toggle>
/// at <url>`.
fn label(url: &str) -> String {
    match unleash_of(url) {
        Some(_) => String::from(url),
        None => ["Remote ", url].concat(),
    }
}

/// Hands each copy that polls `url` the rollout it says: `percent` (0 to
/// 100), or `None` when it is invalid, and the value as the document wrote
/// it. The copy narrows its decision (it can only turn off). A copy without
/// `remoteRollout` is turned off by an invalid rollout (fail safe) and left
/// alone by a valid one.
fn rollout_to_copies(url: &str, percent: Option<u32>, value: &JsValue) {
    let copies: Vec<(Option<Function>, Function)> =
        with(|r| r.copies.iter().filter(|c| c.url == url).map(|c| (c.rollout.clone(), c.off.clone())).collect());
    for (rollout, off) in copies {
        match (rollout, percent) {
            (Some(f), _) => {
                let percent = percent.map_or(JsValue::NULL, JsValue::from);
                let _ = f.call3(&JsValue::NULL, &JsValue::from_str(url), &percent, value);
            }
            (None, None) => {
                let _ = off.call1(&JsValue::NULL, &off_narrowing(url));
            }
            (None, Some(_)) => {}
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Shared<'a> {
    maestro_gate: &'static str,
    url: &'a str,
    enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    rollout: Option<u32>,
}

/// Internal: connects this module to a copy of the gate's channel:
/// `post(message)` posts on it. The first copy that connects the module keeps
/// it; returns whether `post` is that copy's, which then hands it the remote
/// results it hears (`heard`), so that the module hears each one once, and
/// never its own.
#[wasm_bindgen]
pub fn connect(post: Function) -> bool {
    with(|r| r.post.get_or_insert(post.clone()) == &post)
}

/// A result as the tabs share it (and as a first answer is handed over).
fn result(url: &str, enabled: bool, rollout: Option<u32>) -> JsValue {
    let message = Shared { maestro_gate: Kind::Remote.id(), url, enabled, rollout };
    message.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(JsValue::NULL)
}

/// Shares a result with the other tabs (and the other copies of the gate on
/// this page, whose channels hear the gate's).
fn share(message: &JsValue) {
    if let Some(post) = with(|r| r.post.clone()) {
        let _ = post.call1(&JsValue::NULL, message);
    }
}

/// Tells the waiters for `url` (first answers) the result `message`.
fn answer_waiters(url: &str, at: f64, message: &JsValue) {
    let ready: Vec<Function> = with(|r| {
        let (ready, rest): (Vec<Waiter>, Vec<Waiter>) =
            r.waiters.drain(..).partition(|w| w.url == url && w.since <= at);
        r.waiters = rest;
        ready.into_iter().map(|w| w.resolve).collect()
    });
    for resolve in ready {
        let _ = resolve.call1(&JsValue::NULL, message);
    }
}

/// Internal: a message the gate heard on its channel. Another tab read a
/// health document: off turns every copy here off (the gate turned itself
/// off first), a rollout narrows the copies that poll that document, and
/// the result saves a poll (within the bound) and answers a first answer
/// still waiting.
#[wasm_bindgen]
pub fn heard(data: &JsValue) {
    if field(data, protocol::KIND).as_string().as_deref() != Some(Kind::Remote.id()) {
        return;
    }
    let (Some(url), Some(enabled)) = (field(data, "url").as_string(), field(data, "enabled").as_bool()) else { return };
    let at = now();
    // Only a valid percentage is shared; anything else in the message is
    // ignored (any page can post one).
    let value = field(data, poll::ROLLOUT_KEY);
    let percent = match poll::rollout(value.as_f64().map_or(Raw::Unset, Raw::Number)) {
        Rollout::Percent(p) => Some(p),
        _ => None,
    };
    if !enabled {
        all_off(&url);
    } else if let Some(p) = percent {
        rollout_to_copies(&url, Some(p), &value);
    }
    count_decision(&url, enabled);
    with(|r| {
        if let Some(p) = r.polls.iter_mut().find(|p| p.url == url) {
            p.heard = Some(at);
        }
    });
    answer_waiters(&url, at, &result(&url, enabled, percent));
}

/// The storage area `name` of the global object, if it has one that works.
fn storage(name: &str) -> Option<web_sys::Storage> {
    js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str(name)).ok()?.dyn_into().ok()
}

/// The remembered answers of both areas, merged (`Memory::merge`); an
/// unreadable value (not written by this package) is read as none.
fn memory() -> Memory {
    let read = |name: &str| {
        let text = storage(name).and_then(|s| s.get_item(remember::KEY).ok().flatten());
        text.and_then(|t| js_sys::JSON::parse(&t).ok()).and_then(|v| memory_of(&v))
    };
    let mut m = read("localStorage").unwrap_or_default();
    if let Some(session) = read("sessionStorage") {
        m.merge(session, now());
    }
    m
}

/// The answers in a parsed memory (read field by field: serde's
/// deserializer would cost this module tens of KB).
fn memory_of(v: &JsValue) -> Option<Memory> {
    let answers = field(v, "answers");
    if !Array::is_array(&answers) {
        return None;
    }
    let mut m = Memory::default();
    for a in Array::from(&answers).iter() {
        let (Some(url), Some(enabled), Some(at)) =
            (field(&a, "url").as_string(), field(&a, "enabled").as_bool(), field(&a, "at").as_f64())
        else {
            return None;
        };
        m.remember(Answer { url, enabled, rollout: count(&field(&a, poll::ROLLOUT_KEY), 100), at });
    }
    Some(m)
}

/// A memory as the JSON text it is kept as (`remember`'s shape).
fn memory_text(m: &Memory) -> Option<String> {
    let root = js_sys::Object::new();
    let off = match &m.off {
        Some(off) => {
            let o = js_sys::Object::new();
            set(&o, "url", &JsValue::from_str(&off.url));
            set(&o, "at", &JsValue::from_f64(off.at));
            o.into()
        }
        None => JsValue::NULL,
    };
    set(&root, "off", &off);
    let answers = Array::new();
    for a in &m.answers {
        let o = js_sys::Object::new();
        set(&o, "url", &JsValue::from_str(&a.url));
        set(&o, "enabled", &JsValue::from_bool(a.enabled));
        set(&o, poll::ROLLOUT_KEY, &a.rollout.map_or(JsValue::NULL, JsValue::from));
        set(&o, "at", &JsValue::from_f64(a.at));
        answers.push(&o);
    }
    set(&root, "answers", &answers);
    js_sys::JSON::stringify(&root).ok()?.as_string()
}

/// Remembers a successful answer of `url` (in localStorage; when that
/// refuses, in sessionStorage, with one warning: the kill then lasts as
/// long as the session). (The keeping module, `crates/gate/src/keep.rs`,
/// writes the first answer's the same way, after the decision, and skips
/// one older than the answer remembered since: this module's answers are
/// stamped now, so always the newest.)
fn keep(url: &str, enabled: bool, rollout: Option<u32>) {
    let mut m = memory();
    m.remember(Answer { url: String::from(url), enabled, rollout, at: now() });
    let Some(text) = memory_text(&m) else { return };
    let session = storage("sessionStorage");
    match storage("localStorage").map(|s| s.set_item(remember::KEY, &text)) {
        Some(Ok(())) => {
            // The session's copy (from a time localStorage was full) is older.
            if let Some(s) = session {
                let _ = s.remove_item(remember::KEY);
            }
        }
        failed => {
            let why = match failed {
                Some(Err(e)) => message(&e),
                _ => String::from("no localStorage"),
            };
            let kept = session.is_some_and(|s| s.set_item(remember::KEY, &text).is_ok());
            let first = with(|r| !std::mem::replace(&mut r.storage_warned, true));
            if first && !silent(url) {
                warn(&remember::not_kept(&why, kept));
            }
        }
    }
}

/// Reads the document at `url` once; on success remembers and shares the
/// answer, and returns it as the tabs share it (`Err`: why it failed, or
/// that it was not read because the page has no use for it).
async fn read_and_share(url: &str, interval: f64) -> Result<(JsValue, Document), String> {
    let doc = read(url, poll::fetch_timeout(interval)).await;
    let at = now();
    let warn_now = with(|r| {
        let p = r.polls.iter_mut().find(|p| p.url == url)?;
        p.own_last = Some(at);
        Some(!std::mem::replace(&mut p.failed, doc.is_err()) && doc.is_err())
    });
    let doc = match doc {
        // A 304: a success that changes nothing (nothing to keep or share).
        Ok(doc) if doc.unchanged => return Ok((JsValue::UNDEFINED, doc)),
        Ok(doc) => doc,
        // Said once per failing stretch (`Err("")`: already said).
        Err(why) => return Err(if warn_now == Some(false) { String::new() } else { why }),
    };
    let (enabled, percent) = match (doc.says, doc.rollout) {
        (Says::Off | Says::Invalid, _) | (_, Rollout::Invalid) => (false, None),
        (_, Rollout::Percent(p)) => (true, Some(p)),
        (_, Rollout::Unset) => (true, None),
    };
    keep(url, enabled, percent);
    let message = result(url, enabled, percent);
    share(&message);
    Ok((message, doc))
}

/// Acts on this page's own reading of `url`: off (or a document that fails
/// safe) turns every copy off; a rollout narrows the copies that poll it.
fn act(url: &str, doc: &Document) {
    match (doc.says, doc.rollout) {
        (Says::Off, _) => all_off(url),
        (Says::Invalid, _) => {
            if !silent(url) {
                warn(&[&label(url), ": ", &doc.why, "; failing safe"].concat());
            }
            // (Worded as the first answer words it: `first_answer`.)
            let reason = match unleash_of(url) {
                Some(u) => unleash::invalid_reason(&u.url, &u.toggle, &doc.why),
                None => ["Disabled (fail safe): remote ", url, ": ", &doc.why].concat(),
            };
            off_with(&narrowing(maestro_gate::rollout::Verdict::RemoteFailSafe.code(), &reason));
        }
        (_, Rollout::Unset) => {}
        (_, Rollout::Percent(p)) => rollout_to_copies(url, Some(p), &doc.value),
        (_, Rollout::Invalid) => {
            if !silent(url) {
                warn(&[&label(url), ": ", &doc.why, "; failing safe"].concat());
            }
            rollout_to_copies(url, None, &doc.value);
            // Copies of other documents: off, as the other tabs hear it.
            let others: Vec<Function> =
                with(|r| r.copies.iter().filter(|c| c.url != url).map(|c| c.off.clone()).collect());
            let n = off_narrowing(url);
            for f in others {
                let _ = f.call1(&JsValue::NULL, &n);
            }
        }
    }
}

/// The Web Locks API's `navigator.locks`, where there is one.
fn locks() -> Option<JsValue> {
    let locks = field(&field(&js_sys::global(), "navigator"), "locks");
    field(&locks, "request").is_function().then_some(locks)
}

/// `navigator.locks.request(name, callback)`: `callback(lock)` runs once
/// the lock is granted and holds it until the promise it returns settles.
/// `false` when the request threw; `refused` runs when its promise rejects
/// (a browser refuses every lock in an opaque origin, a sandboxed frame's,
/// with a SecurityError; or what the callback returned rejected): not an
/// error of the page, but the page must then go on without the lock.
fn request_lock(locks: &JsValue, name: &str, callback: &Function, refused: impl FnOnce() + 'static) -> bool {
    let Ok(request) = field(locks, "request").dyn_into::<Function>() else { return false };
    match request.call2(locks, &JsValue::from_str(name), callback) {
        Ok(p) => {
            if let Ok(p) = p.dyn_into::<Promise>() {
                let refused = Closure::once(move |_: JsValue| refused());
                let _ = p.catch(&refused);
                refused.forget(); // once per lock request
            }
            true
        }
        Err(_) => false,
    }
}

/// The Web Lock of a document's polling tab: one per document and origin.
fn poll_lock(url: &str) -> String {
    ["maestro-gate poll ", url].concat()
}

/// The Web Lock a first answer is read under, so that tabs opened together
/// make one request (held only while one tab reads).
fn first_lock(url: &str) -> String {
    ["maestro-gate first ", url].concat()
}

/// Internal: before the gate's first decision on a page with `init({
/// remote })`, the glue awaits this: the document's answer, waited for at
/// most `remoteTimeoutMs` (default 1,000 ms; 0 does not wait). Tabs
/// opened together share one request where the Web Locks API lets them:
/// one reads, the others hear its answer. Resolves to the narrowing of the
/// gate's first decision: `{ code, reason }` when the document says off
/// (or fails safe), `{ rollout }` when it sets a percentage (or, when it
/// did not answer in time, when its remembered answer did), or `null`. A
/// remembered off the gate reads itself; a later answer applies live, as
/// every poll's does.
///
/// With `unleash` (and with both), the same for the toggle's answer from
/// Unleash's Frontend API; the two are asked together, and an off from
/// either is the answer (off wins).
#[wasm_bindgen(js_name = firstAnswer)]
pub async fn first_answer(options: JsValue) -> JsValue {
    let interval = poll::interval(own(&options, "pollMs").as_f64());
    let mut ids = Vec::new();
    if let Some(url) = own(&options, "remote").as_string().filter(|u| !u.is_empty()) {
        ensure_poll(&url, interval, None);
        ids.push(url);
    }
    if let Ok(Some(u)) = Unleash::of(&options) {
        let id = u.id();
        ensure_poll(&id, interval, Some(u));
        // A page that starts off is counted too, and posts when it is left.
        leaving();
        ids.push(id);
    }
    let answers = Array::new();
    for id in ids {
        let options = options.clone();
        answers.push(&wasm_bindgen_futures::future_to_promise(async move { Ok(first_one(id, options).await) }));
    }
    let Ok(answers) = JsFuture::from(Promise::all(&answers)).await else { return JsValue::NULL };
    let answers = Array::from(&answers);
    // An off (a narrowing with a code) wins; then a rollout.
    let off = answers.iter().find(|a| field(a, "code").is_truthy());
    off.or_else(|| answers.iter().find(|a| a.is_object())).unwrap_or(JsValue::NULL)
}

/// [`first_answer`] for one source, keyed `url` (its poll made).
async fn first_one(url: String, options: JsValue) -> JsValue {
    let wait = poll::remote_wait(own(&options, "remoteTimeoutMs").as_f64());
    let interval = poll::interval(own(&options, "pollMs").as_f64());
    let quiet = own(&options, "log").as_string().as_deref() == Some("silent");
    let since = now();
    let mut own_doc = None;
    if wait > 0.0 {
        // Another tab's answer (read after this page started), or our own.
        let heard = Promise::new(&mut |resolve, _| {
            with(|r| r.waiters.push(Waiter { url: url.clone(), since, resolve }));
        });
        let done = std::rc::Rc::new(std::cell::Cell::new(false));
        let began = std::rc::Rc::new(std::cell::Cell::new(false));
        let read = {
            let go: std::rc::Rc<dyn Fn() -> Promise> = {
                let (done, began) = (done.clone(), began.clone());
                let url = url.clone();
                std::rc::Rc::new(move || {
                    let url = url.clone();
                    let (done, began) = (done.clone(), began.clone());
                    wasm_bindgen_futures::future_to_promise(async move {
                        // Someone answered while this page waited for the
                        // lock, or the poll started: no read.
                        if done.get() {
                            return Ok(JsValue::UNDEFINED);
                        }
                        began.set(true);
                        match read_and_share(&url, interval).await {
                            Ok((_, doc)) => Ok(Document::into_js(doc)),
                            Err(why) => Ok(JsValue::from_str(&why)),
                        }
                    })
                })
            };
            let promise = match locks() {
                Some(locks) => {
                    let (tx, promise) = settle();
                    // (Whether the lock was granted: a refusal before that
                    // reads without it.)
                    let ran = std::rc::Rc::new(std::cell::Cell::new(false));
                    let (granted, ran_too, tx_too, alone) = (go.clone(), ran.clone(), tx.clone(), go.clone());
                    let callback = Closure::once_into_js(move |_lock: JsValue| -> Promise {
                        ran_too.set(true);
                        let p = granted();
                        let _ = tx_too.call1(&JsValue::NULL, &p);
                        p
                    });
                    let refused = move || {
                        if !ran.replace(true) {
                            let _ = tx.call1(&JsValue::NULL, &alone());
                        }
                    };
                    if request_lock(&locks, &first_lock(&url), callback.unchecked_ref(), refused) {
                        promise
                    } else {
                        go()
                    }
                }
                None => go(),
            };
            // Mark done once anything answers, so a lock granted later reads nothing.
            let done = done.clone();
            let answered = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| done.set(true));
            let _ = heard.then(&answered);
            answered.forget(); // once per page load
            promise
        };
        let outcome = JsFuture::from(Promise::race(&Array::of3(&heard, &read, &timer(wait)))).await;
        // A read that did not give the first answer (the wait ran out, or
        // another tab answered) is the poll's to wait for (`run`): never a
        // second read beside it. (This page's own read, a document or a
        // failure, has ended, and is answered, or said, below.)
        let queue = || {
            with(|r| {
                if let Some(p) = r.polls.iter_mut().find(|p| p.url == url) {
                    p.first_reads.push(FirstRead { result: read.clone(), began, done });
                }
            })
        };
        match outcome {
            Ok(v) if v.is_object() && field(&v, protocol::KIND).is_string() => {
                // Another tab's answer.
                queue();
                let enabled = field(&v, "enabled").as_bool().unwrap_or(true);
                let percent = count(&field(&v, poll::ROLLOUT_KEY), 100);
                count_decision(&url, enabled);
                return first(&url, enabled, percent, None);
            }
            Ok(v) if v.is_object() => own_doc = Document::from_js(&v),
            Ok(v) if v.is_undefined() => {
                queue();
                // The wait ran out: a failure, said once (the read may still end).
                let first = with(|r| {
                    r.polls.iter_mut().find(|p| p.url == url).is_some_and(|p| !std::mem::replace(&mut p.failed, true))
                });
                if first && !quiet {
                    let mut ms = String::new();
                    push_uint(&mut ms, wait as u64);
                    warn(
                        &[
                            &label(&url),
                            " failed (no answer within ",
                            &ms,
                            " ms, remoteTimeoutMs); starting from its remembered answer, if any",
                        ]
                        .concat(),
                    );
                }
            }
            Ok(v) => {
                if let Some(why) = v.as_string().filter(|w| !w.is_empty()) {
                    if !quiet {
                        warn(
                            &[&label(&url), " failed (", &why, "); starting from its remembered answer, if any"]
                                .concat(),
                        );
                    }
                }
            }
            Err(_) => {}
        }
        with(|r| r.waiters.retain(|w| w.url != url));
    }
    match own_doc {
        Some(doc) => {
            if doc.says == Says::Invalid {
                count_decision(&url, false);
                let reason = match unleash_of(&url) {
                    Some(u) => unleash::invalid_reason(&u.url, &u.toggle, &doc.why),
                    None => ["Disabled (fail safe): remote ", &url, ": ", &doc.why].concat(),
                };
                return narrowing(maestro_gate::rollout::Verdict::RemoteFailSafe.code(), &reason);
            }
            if doc.says != Says::Off && doc.rollout == Rollout::Invalid {
                // As the live poll's (the rollout module's `lower`) words it.
                let why = poll::rollout_invalid(
                    maestro_gate::rollout::From::Remote.label(),
                    &shown(&doc.value),
                    doc.value.is_string(),
                );
                return narrowing(
                    maestro_gate::rollout::Verdict::RemoteFailSafe.code(),
                    &["Disabled (fail safe): ", &why].concat(),
                );
            }
            let enabled = doc.says != Says::Off;
            count_decision(&url, enabled);
            let percent = match doc.rollout {
                Rollout::Percent(p) => Some(p),
                _ => None,
            };
            first(&url, enabled, percent, None)
        }
        // No answer in time: the remembered one (its off the gate reads itself).
        None => match memory().of(&url) {
            Some(a) if a.enabled => first(&url, true, a.rollout, Some(a.at)),
            _ => JsValue::NULL,
        },
    }
}

/// A promise and the function that settles it with a value (or another promise).
fn settle() -> (Function, Promise) {
    let mut tx = None;
    let promise = Promise::new(&mut |resolve, _| tx = Some(resolve));
    (tx.unwrap_or_else(|| Function::new_no_args("")), promise)
}

/// The narrowing object the glue hands the gate.
fn narrowing(code: u32, reason: &str) -> JsValue {
    let o = js_sys::Object::new();
    set(&o, "code", &code.into());
    set(&o, "reason", &reason.into());
    o.into()
}

/// A first answer as the glue takes it (see `firstAnswer`).
fn first(url: &str, enabled: bool, percent: Option<u32>, remembered: Option<f64>) -> JsValue {
    if !enabled {
        return off_narrowing(url);
    }
    let Some(p) = percent else { return JsValue::NULL };
    let o = js_sys::Object::new();
    set(&o, poll::ROLLOUT_KEY, &p.into());
    if let Some(at) = remembered {
        set(&o, "rememberedAt", &at.into());
    }
    o.into()
}

/// The poll of `url`, made if this page has none yet (a shorter interval
/// of a later copy shortens it).
fn ensure_poll(url: &str, interval: f64, unleash: Option<Unleash>) {
    with(|r| match r.polls.iter_mut().find(|p| p.url == url) {
        Some(p) => p.interval = p.interval.min(interval),
        None => r.polls.push(Poll {
            url: String::from(url),
            interval,
            own_last: None,
            heard: None,
            leader: false,
            running: false,
            release: None,
            failed: false,
            unleash,
            counts: Counts::default(),
            counted: None,
            since: now(),
            posted: now(),
            post_due: false,
            first_reads: Vec::new(),
        }),
    });
}

/// Internal: the glue calls this when a copy of the gate module decided on
/// with `options.remote` or `options.unleash`. `enabled`, `off` and
/// `rollout` are that copy's `isEnabled`, `restrict(narrowing)` (an off is
/// handed over as `{ code: 6, reason }`, 7 when it fails safe) and
/// `remoteRollout(url, percent, value)` (`percent` an integer from 0 to
/// 100, or `null` for an invalid `rollout`; `value` the document's own
/// value; `rollout` may be absent). Every copy registers, each with its own
/// document and its own Unleash toggle: one loop per document or toggle,
/// polling while any copy that uses it is on.
///
/// `first`: what the first-answer module's read of the health document
/// (or of Unleash) did before the decision (`{ at, heard, failed, warned,
/// unsaid }`, its `state`; for Unleash, with `{ counted, yes, no, since }`),
/// so that the poll goes on from it as from its own first answer: no
/// second read at once, no second warning, the decision counted once.
#[wasm_bindgen(js_name = startRemote)]
pub fn start_remote(options: JsValue, enabled: Function, off: Function, rollout: Option<Function>, first: JsValue) {
    let interval = poll::interval(own(&options, "pollMs").as_f64());
    let silent = own(&options, "log").as_string().as_deref() == Some("silent");
    match Unleash::of(&options) {
        Ok(Some(u)) => {
            let id = u.id();
            let copy = Copy { url: id.clone(), enabled: enabled.clone(), off: off.clone(), rollout: None, silent };
            with(|r| r.copies.push(copy));
            ensure_poll(&id, interval, Some(u));
            went_on(&id, &first);
            leaving();
            begin(id);
        }
        Ok(None) => {}
        Err(()) => {
            if !silent {
                warn(unleash::NOT_STARTED);
            }
        }
    }
    let remote = own(&options, "remote");
    if none(&remote) {
        return;
    }
    // An empty URL would poll the page's own HTML; any other value that is
    // not a string (a `URL` object, a number) is read by no module, so it
    // says so rather than leave the page without its remote kill in silence.
    let url = remote.as_string().unwrap_or_default();
    if url.is_empty() {
        if !silent {
            warn(if remote.is_string() { poll::EMPTY_URL } else { poll::NOT_A_STRING });
        }
        return;
    }
    with(|r| r.copies.push(Copy { url: url.clone(), enabled, off, rollout, silent }));
    ensure_poll(&url, interval, None);
    went_on(&url, &first);
    begin(url);
}

/// Takes over what the first-answer module's read did (`first`, see
/// `startRemote`) for the poll of `url`, where this module did not read it:
/// for Unleash, also the decision it counted (`counted`) and the counts it
/// did not post (`yes`, `no`: since `since`); and a failure of a read that
/// ended after another tab's answer, which it did not say (`unsaid`). (This
/// page's `sessionId`, when no storage keeps one, is on the page:
/// `page_id`.)
fn went_on(url: &str, first: &JsValue) {
    if !first.is_object() {
        return;
    }
    let post = with(|r| {
        r.storage_warned |= field(first, "warned").is_truthy();
        let p = r.polls.iter_mut().find(|p| p.url == url && p.counted.is_none() && p.unleash.is_some())?;
        if let Some(since) = field(first, "since").as_f64() {
            (p.since, p.posted) = (since, since);
        }
        p.counted = field(first, "counted").as_bool();
        // (The decisions it counted and did not post: both when a late
        // read changed the first.)
        let n = |k: &str| field(first, k).as_f64().unwrap_or(0.0) as u32;
        let counts = Counts { yes: n("yes"), no: n("no") };
        if counts.is_empty() {
            return None;
        }
        p.counts.yes = p.counts.yes.saturating_add(counts.yes);
        p.counts.no = p.counts.no.saturating_add(counts.no);
        Some(!std::mem::replace(&mut p.post_due, true))
    });
    if post == Some(true) {
        post_later(url);
    }
    let unsaid = with(|r| {
        let p = r.polls.iter_mut().find(|p| p.url == url)?;
        if let Some(h) = field(first, "heard").as_f64() {
            p.heard = Some(p.heard.map_or(h, |o| o.max(h)));
        }
        if p.own_last.is_some() {
            return None;
        }
        p.own_last = field(first, "at").as_f64();
        // (Said only by the copy whose read fills the poll, and only when
        // no failure of this stretch was: two copies without the Web Lock
        // may both fail; a later copy's failure, beside a running poll, is
        // not the poll's.)
        let unsaid = field(first, "unsaid").as_string().filter(|_| !p.failed);
        p.failed |= field(first, "failed").is_truthy();
        unsaid
    });
    // A read of this page's that ended after another tab's answer, and
    // failed: said here, as the poll says a failure (the first-answer
    // module said nothing of it; `failed` then holds this failing stretch).
    if let Some(why) = unsaid {
        failed(url, &why);
    }
}

/// Starts the poll loop of `url` unless it runs. (Then a copy of the gate
/// that starts later makes no first read it has not begun: the loop reads.
/// One it has begun ends as it would have, remembered and shared, not
/// acted on or counted here: the loop's own reads may be newer.)
fn begin(url: String) {
    let start =
        with(|r| r.polls.iter_mut().find(|p| p.url == url).is_some_and(|p| !std::mem::replace(&mut p.running, true)));
    if start {
        lead(&url);
        wasm_bindgen_futures::spawn_local(run(url));
    } else {
        for f in take_first_reads(&url) {
            f.done.set(true);
        }
    }
}

fn take_first_reads(url: &str) -> Vec<FirstRead> {
    with(|r| r.polls.iter_mut().find(|p| p.url == url).map(|p| std::mem::take(&mut p.first_reads))).unwrap_or_default()
}

/// This page's first reads of `url` that did not give its first answer,
/// as the poll starts: one under way is waited for (it ends within its
/// fetch's timeout), and what it read is acted on as the poll's own read
/// would be (so the next read is an interval after it; a failure is said
/// as the poll says one); one that has not begun is not made.
async fn first_reads(url: &str) {
    for f in take_first_reads(url) {
        if !f.began.get() {
            f.done.set(true);
            continue;
        }
        let Ok(v) = JsFuture::from(f.result).await else { continue };
        match Document::from_js(&v) {
            Some(doc) => answered(url, &doc),
            None => failed(url, &v.as_string().unwrap_or_default()),
        }
    }
}

/// What one of this page's reads of `url` said, acted on (the poll's own
/// read, or a first read it waited for): counted for Unleash's metrics and
/// applied, unless unchanged (an Unleash 304).
fn answered(url: &str, doc: &Document) {
    if !doc.unchanged {
        count_decision(url, doc.says == Says::On && doc.rollout != Rollout::Invalid);
        act(url, doc);
    }
}

/// Says that one of this page's reads of `url` failed, once a decision was
/// made (`why`: empty when this failing stretch said so already).
fn failed(url: &str, why: &str) {
    if !why.is_empty() && !silent(url) {
        warn(&[&label(url), " failed (", why, "); keeping the current decision, retrying with backoff"].concat());
    }
}

/// Counts this page's decision for an Unleash toggle (`url` its key) when it
/// is new: the first answer the page applies, and each change (an on that
/// an off replaces). A post follows within [`unleash::METRICS_MS`].
fn count_decision(url: &str, enabled: bool) {
    let post = with(|r| {
        let p = r.polls.iter_mut().find(|p| p.url == url && p.unleash.is_some())?;
        if p.counted == Some(enabled) {
            return None;
        }
        p.counted = Some(enabled);
        p.counts.add(enabled);
        Some(!std::mem::replace(&mut p.post_due, true))
    });
    if post == Some(true) {
        post_later(url);
    }
}

/// Posts the counts of `url` [`unleash::METRICS_MS`] after the last post.
fn post_later(url: &str) {
    let url = String::from(url);
    wasm_bindgen_futures::spawn_local(async move {
        let posted = with(|r| r.polls.iter().find(|p| p.url == url).map_or(0.0, |p| p.posted));
        let _ = JsFuture::from(timer(posted + unleash::METRICS_MS - now())).await;
        post_metrics(&url, false);
    });
}

/// Posts the counts of the Unleash toggle keyed `url` to `{url}/client/metrics`
/// (with `keepalive` when the page is being left). A failed post changes
/// nothing and throws nothing; its counts are not sent again.
fn post_metrics(url: &str, keepalive: bool) {
    let Some((u, counts, since)) = with(|r| {
        let p = r.polls.iter_mut().find(|p| p.url == url)?;
        p.post_due = false;
        let u = p.unleash.clone()?;
        let counts = std::mem::take(&mut p.counts);
        let since = std::mem::replace(&mut p.since, now());
        p.posted = now();
        Some((u, counts, since))
    }) else {
        return;
    };
    if counts.is_empty() {
        return;
    }
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_credentials(RequestCredentials::Omit);
    if let Some(h) = u.headers(true) {
        init.set_headers(&h);
    }
    init.set_body(&JsValue::from_str(&unleash::metrics(&u.app, &u.toggle, counts, since, now())));
    if keepalive {
        set(&init, "keepalive", &JsValue::TRUE);
    }
    if let Ok(p) = fetch(&unleash::metrics_url(&u.url), &init) {
        let ignore = Closure::<dyn FnMut(JsValue)>::new(|_: JsValue| {});
        let _ = p.catch(&ignore);
        ignore.forget(); // once per post
    }
}

/// Posts every Unleash count when the page is hidden or left (`pagehide`,
/// `visibilitychange` to hidden), once per page.
fn leaving() {
    if REMOTE.with(|r| std::mem::replace(&mut r.leaving, true)).unwrap_or(true) {
        return;
    }
    let global: JsValue = js_sys::global().into();
    let listener = Closure::<dyn FnMut(JsValue)>::new(|_: JsValue| {
        let document = field(&js_sys::global(), "document");
        let hidden = field(&document, "visibilityState").as_string().is_none_or(|s| s == "hidden");
        if hidden {
            let urls: Vec<String> =
                with(|r| r.polls.iter().filter(|p| p.unleash.is_some()).map(|p| p.url.clone()).collect());
            for url in urls {
                post_metrics(&url, true);
            }
        }
    });
    for (target, event) in [(&global, "pagehide"), (&field(&global, "document"), "visibilitychange")] {
        if let Ok(add) = field(target, "addEventListener").dyn_into::<Function>() {
            let _ = add.call2(target, &JsValue::from_str(event), listener.as_ref());
        }
    }
    listener.forget(); // as long as the page
}

/// Asks for the document's Web Lock: while this page holds it, it is the
/// tab that polls, and the others hear it. Without the API, every tab polls
/// as the bound says (`poll::next_poll`). A lock granted once the poll has
/// stopped (the page turned off while it waited in the lock's queue) is
/// handed on at once, to the next tab waiting: kept, it was held for the
/// page's life, and no tab that is on could lead.
fn lead(url: &str) {
    let Some(locks) = locks() else {
        return set_leader(url, true);
    };
    let name = String::from(url);
    let callback = Closure::once_into_js(move |_lock: JsValue| -> Promise {
        let (release, held) = settle();
        // (A page whose copies are all off but whose loop has not woken to
        // see it keeps the lock until it does, and `stop` hands it on: a
        // copy on this page that starts before then polls with the loop,
        // which asks for no lock again.)
        let kept = with(|r| {
            let p = r.polls.iter_mut().find(|p| p.url == name && p.running)?;
            p.leader = true;
            p.release = Some(release.clone());
            Some(())
        });
        if kept.is_none() {
            let _ = release.call0(&JsValue::NULL);
        }
        held
    });
    // (Refused: this tab polls without the lock, as where there is none.)
    let refused = {
        let url = String::from(url);
        move || set_leader(&url, true)
    };
    if !request_lock(&locks, &poll_lock(url), callback.unchecked_ref(), refused) {
        set_leader(url, true);
    }
}

fn set_leader(url: &str, leader: bool) {
    with(|r| {
        if let Some(p) = r.polls.iter_mut().find(|p| p.url == url) {
            p.leader = leader;
        }
    });
}

/// Ends the poll of `url` on this page (every copy that uses it is off) and
/// hands its Web Lock on to another tab.
fn stop(url: &str) {
    let release = with(|r| {
        let p = r.polls.iter_mut().find(|p| p.url == url)?;
        p.running = false;
        p.leader = false;
        p.release.take()
    });
    if let Some(f) = release {
        let _ = f.call0(&JsValue::NULL);
    }
}

/// The poll loop of one document: ask, act, wait; while any copy that uses
/// it is on. The polling tab (the Web Lock's holder) asks every interval;
/// the others ask only when no result has reached them for twice that.
async fn run(url: String) {
    first_reads(&url).await;
    let mut delay = f64::NAN;
    // A first answer that failed was the first failure (and said so).
    let mut failing = with(|r| r.polls.iter().any(|p| p.url == url && p.failed));
    loop {
        // Wait for the next poll. Another tab's result, heard meanwhile,
        // moves it (a success also ends a backoff), by a random stretch drawn
        // once per poll, so that tabs started together fall out of step.
        let jitter = js_sys::Math::random();
        loop {
            if !any_enabled(&url) {
                return stop(&url);
            }
            // (Times noted after now, the clock set back since, are kept as
            // now: `poll::not_after`.)
            let t = now();
            let Some((interval, own_last, heard, leader)) = with(|r| {
                r.polls.iter_mut().find(|p| p.url == url).map(|p| {
                    p.own_last = p.own_last.map(|o| poll::not_after(o, t));
                    p.heard = p.heard.map(|h| poll::not_after(h, t));
                    (p.interval, p.own_last, p.heard, p.leader)
                })
            }) else {
                return;
            };
            if delay.is_nan() {
                delay = interval;
            }
            let heard = heard.filter(|h| own_last.is_none_or(|o| *h > o));
            if heard.is_some() {
                failing = false;
                delay = interval;
            }
            let due = match own_last {
                // The first poll: at once (unless a first answer just read it).
                None => now(),
                Some(own) if failing => own + delay,
                Some(own) if leader => poll::next_poll(own, heard, interval, jitter),
                Some(own) => poll::follower_due(own, heard, interval),
            };
            let wait = due - now();
            if wait <= 0.0 {
                break;
            }
            // Woken at least every interval, to see a change of leader.
            let _ = JsFuture::from(timer(wait.min(interval))).await;
        }
        let interval =
            REMOTE.with(|r| r.polls.iter().find(|p| p.url == url).map_or(delay, |p| p.interval)).unwrap_or(delay);
        match read_and_share(&url, interval).await {
            Ok((_, doc)) => {
                answered(&url, &doc);
                failing = false;
                delay = interval;
            }
            Err(why) => {
                failed(&url, &why);
                failing = true;
                delay = poll::backoff(delay, interval);
            }
        }
    }
}

/// What one health document says: `maestro_enabled`, and its `rollout`
/// (with the value as written, for the gate's warning), and why it fails
/// safe, when it does.
struct Document {
    says: Says,
    rollout: Rollout,
    value: JsValue,
    why: String,
    /// An Unleash 304: the answer did not change (`says` is then `On`: a
    /// poll runs only while the gate is on).
    unchanged: bool,
}

impl Document {
    /// Carried through a promise as a JS object.
    fn into_js(self) -> JsValue {
        let o = js_sys::Object::new();
        set(&o, "says", &self.says.code().into());
        set(&o, "percent", &self.rollout.code().into());
        set(&o, "value", &self.value);
        set(&o, "why", &self.why.into());
        if self.unchanged {
            set(&o, "unchanged", &JsValue::TRUE);
        }
        o.into()
    }

    fn from_js(o: &JsValue) -> Option<Document> {
        let says = Says::from_code(field(o, "says").as_f64()?);
        let rollout = Rollout::from_code(field(o, "percent").as_f64()?);
        Some(Document {
            says,
            rollout,
            value: field(o, "value"),
            why: field(o, "why").as_string().unwrap_or_default(),
            unchanged: field(o, "unchanged").is_truthy(),
        })
    }
}

/// The most of a body that is read: its bytes, the digits of the longest
/// `Content-Length` under it, and the failure past it.
struct Cap {
    bytes: usize,
    digits: usize,
    too_long: &'static str,
}

/// A health document's cap.
const DOCUMENT_CAP: Cap =
    Cap { bytes: poll::MAX_DOCUMENT_BYTES, digits: poll::MAX_DOCUMENT_DIGITS, too_long: poll::TOO_LONG };
/// A Frontend API answer's.
const UNLEASH_CAP: Cap =
    Cap { bytes: unleash::MAX_ANSWER_BYTES, digits: unleash::MAX_ANSWER_DIGITS, too_long: unleash::TOO_LONG };

/// Reads the body of `response`, at most `cap.bytes` (a longer one is a
/// failure, not read past the cap).
async fn capped_bytes(response: &Response, cap: &Cap) -> Result<Vec<u8>, String> {
    let max = cap.bytes;
    // (A declared length: digits only, compared without parsing.)
    let length = response.headers().get("content-length").ok().flatten().unwrap_or_default();
    if poll::declared_too_long(&length, cap.digits) {
        return Err(String::from(cap.too_long));
    }
    let Some(body) = response.body() else { return Ok(Vec::new()) };
    let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut bytes = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(|e| message(&e))?;
        if field(&chunk, "done").is_truthy() {
            break;
        }
        let value = js_sys::Uint8Array::new(&field(&chunk, "value"));
        if bytes.len() + value.length() as usize > max {
            let _ = reader.cancel();
            return Err(String::from(cap.too_long));
        }
        bytes.extend_from_slice(&value.to_vec());
    }
    Ok(bytes)
}

/// Fetches `url` once with `init`, within `timeout` ms: its body (at most
/// `cap`), or `None` for a 304; `Err`: the status (`HTTP 401`), the
/// network's error, `timed out`, or a body over the cap.
async fn fetch_body(url: String, init: RequestInit, timeout: f64, cap: Cap) -> Result<Option<Vec<u8>>, String> {
    let aborter = AbortController::new().ok();
    if let Some(a) = &aborter {
        init.set_signal(Some(&a.signal()));
    }
    let request = async move {
        let response = fetch(&url, &init).map_err(|e| message(&e))?;
        let response: Response = JsFuture::from(response).await.map_err(|e| message(&e))?.unchecked_into();
        if response.status() == 304 {
            return Ok(None);
        }
        if !response.ok() {
            let mut status = String::from("HTTP ");
            push_uint(&mut status, response.status().into());
            return Err(status);
        }
        capped_bytes(&response, &cap).await.map(Some)
    };
    // The request (its body, wrapped in an array), or the timer (`undefined`),
    // whichever ends first.
    let request = wasm_bindgen_futures::future_to_promise(async move {
        match request.await {
            Ok(Some(body)) => Ok(Array::of1(&js_sys::Uint8Array::from(&body[..])).into()),
            Ok(None) => Ok(JsValue::NULL),
            Err(why) => Err(JsValue::from_str(&why)),
        }
    });
    match JsFuture::from(Promise::race(&Array::of2(&request, &timer(timeout)))).await {
        Ok(v) if Array::is_array(&v) => Ok(Some(js_sys::Uint8Array::new(&Array::from(&v).get(0)).to_vec())),
        Ok(v) if v.is_null() => Ok(None),
        Ok(_) => {
            if let Some(a) = aborter {
                a.abort();
            }
            Err(String::from("timed out"))
        }
        Err(why) => Err(why.as_string().unwrap_or_default()),
    }
}

/// This browser's sticky id, `maestro-gate:id` (as the rollout module keeps
/// it: localStorage, else sessionStorage; made here when there is none), or
/// this page's, which the copies of the gate on it share (`page_id`):
/// Unleash's `sessionId`.
fn session_id() -> String {
    let key = maestro_gate::rollout::ID_KEY;
    for name in ["localStorage", "sessionStorage"] {
        let Some(store) = storage(name) else { continue };
        match store.get_item(key) {
            Ok(Some(id)) if !id.is_empty() => return id,
            Ok(_) => {
                let id = page_id();
                if store.set_item(key, &id).is_ok() && store.get_item(key).ok().flatten().as_deref() == Some(&id) {
                    return id;
                }
            }
            Err(_) => {}
        }
    }
    page_id()
}

/// This page's id (kept for the module's life): the one every copy of the
/// gate on the page shares, `globalThis["maestro-gate:id"]`, where the
/// first-answer module or the rollout's start-up left it, else a new random
/// one (32 hex digits), left there for the others.
fn page_id() -> String {
    let made = || {
        let global = js_sys::global();
        let id = field(&global, maestro_gate::rollout::ID_KEY).as_string().filter(|id| !id.is_empty()).unwrap_or_else(
            || unleash::hex_id(core::array::from_fn(|_| (js_sys::Math::random() * 4_294_967_296.0) as u32)),
        );
        set(&global, maestro_gate::rollout::ID_KEY, &JsValue::from_str(&id));
        id
    };
    REMOTE.with(|r| r.page_id.get_or_insert_with(made).clone()).unwrap_or_else(made)
}

/// Reads the toggle's answer from Unleash's Frontend API once, within
/// `timeout` ms: the context in the query, the client key in the
/// `Authorization` header, revalidated by the HTTP cache (`no-cache`: the
/// answer's ETag, so that Unleash answers 304).
async fn read_unleash(u: &Unleash, timeout: f64) -> Result<Document, String> {
    let init = RequestInit::new();
    init.set_cache(RequestCache::NoCache);
    init.set_credentials(RequestCredentials::Omit);
    if let Some(h) = u.headers(false) {
        init.set_headers(&h);
    }
    let url = unleash::query(&u.url, &u.app, u.user.as_deref(), &session_id());
    let Some(body) = fetch_body(url, init, timeout, UNLEASH_CAP).await? else {
        return Ok(Document {
            says: Says::On,
            rollout: Rollout::Unset,
            value: JsValue::UNDEFINED,
            why: String::new(),
            unchanged: true,
        });
    };
    let a = unleash::read(&body, &u.toggle)?;
    Ok(Document { says: a.says, rollout: a.rollout, value: JsValue::UNDEFINED, why: a.why, unchanged: false })
}

/// Fetches the document once, within `timeout` ms, and reads `maestro_enabled`
/// and `rollout`.
async fn read(url: &str, timeout: f64) -> Result<Document, String> {
    if let Some(u) = unleash_of(url) {
        return read_unleash(&u, timeout).await;
    }
    let init = RequestInit::new();
    init.set_cache(RequestCache::NoStore);
    init.set_credentials(RequestCredentials::SameOrigin);
    let bytes = fetch_body(String::from(url), init, timeout, DOCUMENT_CAP).await?.unwrap_or_default();
    // (One byte order mark dropped, as `text()` and every reader do.)
    let text = core::str::from_utf8(poll::without_bom(&bytes))
        .map_err(|_| String::from("not a health document: the body is not UTF-8"))?;
    let body = js_sys::JSON::parse(text).map_err(|_| poll::not_json(text))?;
    // `JSON.parse` keeps the last of two equal keys: a document that says
    // both is not read (a failure changes nothing).
    if let Some(why) = poll::duplicate(text) {
        return Err(String::from(why));
    }
    // (Own properties only: `maestro_enabled` on a polluted
    // `Object.prototype` is no document's.)
    let value = own(&body, poll::KEY);
    let text = value.as_string();
    let raw = match (&text, value.as_bool(), value.as_f64()) {
        (Some(s), _, _) => maestro_gate::flag::read_str(s),
        (None, Some(b), _) => Raw::Bool(b),
        (None, None, Some(n)) => Raw::Number(n),
        _ if value.is_undefined() || value.is_null() => Raw::Unset,
        _ => Raw::Other,
    };
    let mut why = String::new();
    let mut says = poll::says(raw);
    if poll::status_disagrees(says, own(&body, poll::STATUS_KEY).as_string().as_deref()) {
        says = Says::Invalid;
        why = String::from(poll::STATUS_DISAGREES);
    }
    let says = match says {
        Says::Garbage => return Err(String::from("not a health document with maestro_enabled")),
        Says::Invalid if why.is_empty() => {
            why = poll::invalid_enabled(&shown(&value), text.is_some());
            Says::Invalid
        }
        says => says,
    };
    let value = own(&body, poll::ROLLOUT_KEY);
    let text = value.as_string();
    let rollout = poll::rollout(match (&text, value.as_f64()) {
        (Some(s), _) => maestro_gate::flag::read_str(s),
        (None, Some(n)) => Raw::Number(n),
        _ if value.is_undefined() || value.is_null() => Raw::Unset,
        _ => Raw::Other,
    });
    if rollout == Rollout::Invalid && why.is_empty() {
        why = poll::rollout_invalid(poll::ROLLOUT_KEY, &shown(&value), text.is_some());
    }
    Ok(Document { says, rollout, value, why, unchanged: false })
}

/// A document's value as a warning shows it: a string as it is, anything
/// else as JSON.
fn shown(value: &JsValue) -> String {
    value.as_string().unwrap_or_else(|| js_sys::JSON::stringify(value).map(String::from).unwrap_or_default())
}

/// The options' `userId` (an own property): a string, or a number as its
/// decimal (the rollout module reads a numeric `userId` as `String(userId)`).
fn user_id(options: &JsValue) -> Option<String> {
    let user = own(options, "userId");
    user.as_string()
        .or_else(|| user.dyn_ref::<js_sys::Number>().and_then(|n| n.to_string_with_radix(10).ok()).map(String::from))
}

/// A number that is a whole count (at most `max`), else `None`.
fn count(value: &JsValue, max: u32) -> Option<u32> {
    let n = value.as_f64()?;
    (n >= 0.0 && n <= f64::from(max) && f64::from(n as u32) == n).then_some(n as u32)
}
