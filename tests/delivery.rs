//! Delivery in a real browser (headless Chromium and Firefox): the live kill
//! through `window.MAESTRO_ENABLED`, latching, `onChange`, the remote health
//! document (served as static files by the test runner), and the script-tag
//! build with its synchronous decision. Each case runs in a fresh iframe.
#![cfg(target_arch = "wasm32")]

use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

mod common;
use common::{flag, frame, in_frame, logs, path, script_tag_frame, show, strings, text};

wasm_bindgen_test_configure!(run_in_browser);

/// The script-tag files: the gate inlined (a cleanup loads the rollback from
/// beside it), and the self-contained one.
const TAGS: [&str; 2] = ["maestro-gate.js", "maestro-gate.full.js"];

async fn script_file(file: &str, before: &str, attrs: &str, body: &str) -> JsValue {
    JsFuture::from(script_tag_frame(file, before, attrs, body)).await.expect("frame ran")
}

/// Polls `cond` (a JS expression) every 20 ms for at most `ms`, inside the realm.
const UNTIL: &str = "const until = async (cond, ms = 5000) => { const end = Date.now() + ms;
  while (Date.now() < end) { if (cond()) return true; await new Promise((r) => setTimeout(r, 20)); } return false; };";

// ---------- live kill, latching, onChange ----------

#[wasm_bindgen_test]
async fn a_later_window_assignment_kills_at_once_and_latches() {
    let r = frame(
        "",
        "const changes = [];
         await gate.init({ env: { VITE_MAESTRO_ENABLED: 'true' } });
         let linesSeen;
         gate.onChange((d) => { changes.push(d); linesSeen = self.__logs.length; });
         const before = gate.isEnabled();
         window.MAESTRO_ENABLED = false;
         const after = { on: gate.isEnabled(), d: gate.decision(), h: gate.health(), read: window.MAESTRO_ENABLED,
                         logged: self.__logs.length, linesSeen };
         window.MAESTRO_ENABLED = true;
         const later = { on: gate.isEnabled(), d: gate.decision(), read: window.MAESTRO_ENABLED };
         return { before, after, later, changes };",
    )
    .await;
    assert!(flag(&r, "result.before"));
    assert!(!flag(&r, "result.after.on"), "off at once, no reload: {}", show(&r));
    assert_eq!(text(&r, "result.after.d.reason"), "Disabled by window.MAESTRO_ENABLED=false");
    assert_eq!(text(&r, "result.after.h.status"), "disabled");
    assert_eq!(path(&r, "result.after.read").as_bool(), Some(false), "the app still reads what it set");
    assert_eq!(path(&r, "result.after.logged").as_f64(), Some(2.0), "the kill's line is out at once");
    assert_eq!(path(&r, "result.after.linesSeen").as_f64(), Some(2.0), "before onChange subscribers hear of it");
    assert!(!flag(&r, "result.later.on"), "a later on does not re-enable (latched)");
    assert_eq!(text(&r, "result.later.d.source"), "window.MAESTRO_ENABLED");
    assert_eq!(path(&r, "result.later.read").as_bool(), Some(true));
    assert_eq!(Array::from(&path(&r, "result.changes")).length(), 1, "onChange fired once");
    assert!(!flag(&r, "result.changes.0.enabled"));
    assert_eq!(
        logs(&r),
        [
            "info: [MAESTRO] Enabled by VITE_MAESTRO_ENABLED=true",
            "info: [MAESTRO] Disabled by window.MAESTRO_ENABLED=false",
            "info: [MAESTRO] Ignoring window.MAESTRO_ENABLED=true: the gate stays disabled until the page reloads",
        ]
    );
}

#[wasm_bindgen_test]
async fn subscribers_see_the_new_state_and_a_later_init_sees_the_latch() {
    let r = frame(
        "",
        "const seen = [];
         gate.onChange((d) => seen.push({ enabled: d.enabled, isEnabled: gate.isEnabled() }));
         await gate.init({ log: 'silent' });
         window.MAESTRO_ENABLED = false;
         const again = await gate.init();
         return { seen, again };",
    )
    .await;
    assert_eq!(Array::from(&path(&r, "result.seen")).length(), 1, "{}", show(&r));
    assert!(!flag(&r, "result.seen.0.enabled"));
    assert!(!flag(&r, "result.seen.0.isEnabled"), "isEnabled() is already off inside the callback");
    assert!(!flag(&r, "result.again.enabled"), "a later init() resolves to the latched decision");
    assert_eq!(text(&r, "result.again.source"), "window.MAESTRO_ENABLED");
}

#[wasm_bindgen_test]
async fn an_invalid_later_value_fails_safe_and_on_change_unsubscribes() {
    let r = frame(
        "",
        "let calls = 0, first = 0, third = 0;
         await gate.init({ log: 'silent' });
         const stop = gate.onChange(() => calls++);
         stop();
         stop(); // twice: nothing more happens
         // A subscriber that unsubscribes a later one: that one is not called.
         let stopThird;
         gate.onChange(() => { first++; stopThird(); });
         stopThird = gate.onChange(() => third++);
         gate.onChange('not a function')();
         window.MAESTRO_ENABLED = 'nope';
         return { on: gate.isEnabled(), d: gate.decision(), calls, first, third };",
    )
    .await;
    assert!(!flag(&r, "result.on"));
    assert!(text(&r, "result.d.reason").contains("invalid window.MAESTRO_ENABLED=\"nope\""));
    assert_eq!(path(&r, "result.calls").as_f64(), Some(0.0), "unsubscribed");
    assert_eq!(path(&r, "result.first").as_f64(), Some(1.0), "{}", show(&r));
    assert_eq!(path(&r, "result.third").as_f64(), Some(0.0), "unsubscribed by an earlier subscriber");
    assert!(logs(&r).is_empty(), "log: silent applies to later lines too");
}

#[wasm_bindgen_test]
async fn a_var_declared_flag_is_read_and_left_alone() {
    // `var` makes a non-configurable global: the gate reads it and does not replace it.
    let r = frame(
        "var MAESTRO_ENABLED = 'no';",
        "const d = await gate.init({ log: 'silent' });
         const desc = Object.getOwnPropertyDescriptor(window, 'MAESTRO_ENABLED');
         return { d, configurable: desc.configurable, value: desc.value };",
    )
    .await;
    assert_eq!(text(&r, "result.d.reason"), "Disabled by window.MAESTRO_ENABLED=no");
    assert!(!flag(&r, "result.configurable"));
    assert_eq!(text(&r, "result.value"), "no");
}

#[wasm_bindgen_test]
async fn a_failure_under_the_setter_turns_the_gate_off_and_reaches_nobody() {
    // A hostile page breaks a built-in the gate calls while it reads a new
    // value: the assignment does not throw, and the gate fails safe, off.
    let r = frame(
        "",
        "const d = await gate.init({ env: { VITE_MAESTRO_ENABLED: 'true' } });
         String.prototype.charCodeAt = () => { throw new Error('hostile page'); };
         let threw = false;
         try { window.MAESTRO_ENABLED = 'yes'; } catch { threw = true; }
         return { d, threw, on: gate.isEnabled(), after: gate.decision() };",
    )
    .await;
    assert!(flag(&r, "result.d.enabled"));
    assert!(!flag(&r, "result.threw"), "{}", show(&r));
    assert!(!flag(&r, "result.on"), "{}", show(&r));
    assert_eq!(text(&r, "result.after.source"), "unavailable");
    assert!(text(&r, "result.after.reason").contains("the wasm core failed: hostile page"), "{}", show(&r));
    let lines = logs(&r);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[1].starts_with("warn: [MAESTRO] Disabled (fail safe): the wasm core failed"), "{lines:?}");
}

// ---------- the remote health document ----------

#[wasm_bindgen_test]
async fn a_remote_that_says_off_kills_live() {
    // `remoteTimeoutMs: 0`: the first decision does not wait for the
    // document, so its off comes live (e2e's first-answer tests wait).
    let r = frame(
        "",
        &[
            UNTIL,
            "const changes = [];
             await gate.init({ remote: '/tests/fixtures/health-off.json', pollMs: 100, remoteTimeoutMs: 0 });
             gate.onChange((d) => changes.push(d.source));
             const first = gate.isEnabled();
             const turned = await until(() => !gate.isEnabled());
             return { first, turned, d: gate.decision(), changes };",
        ]
        .concat(),
    )
    .await;
    assert!(flag(&r, "result.turned"), "{}", show(&r));
    assert_eq!(text(&r, "result.d.source"), "remote");
    assert_eq!(
        text(&r, "result.d.reason"),
        "Disabled by remote /tests/fixtures/health-off.json: maestro_enabled=false"
    );
    assert_eq!(text(&r, "result.changes.0"), "remote");
    assert!(logs(&r).contains(
        &"info: [MAESTRO] Disabled by remote /tests/fixtures/health-off.json: maestro_enabled=false".to_string()
    ));
}

/// The wall clock set back (a user's correction, a VM resumed) after a
/// read: the poll's next read is still an interval away, not an interval
/// plus however far the clock went back.
#[wasm_bindgen_test]
async fn a_clock_set_back_does_not_stop_the_poll() {
    let r = frame(
        "",
        &[
            UNTIL,
            "const reads = () => performance.getEntriesByType('resource').filter((e) => e.name.includes('health-on.json?clock')).length;
             await gate.init({ remote: '/tests/fixtures/health-on.json?clock', pollMs: 200, remoteTimeoutMs: 0 });
             const polling = await until(() => reads() >= 2);
             const real = Date.now;
             Date.now = () => real() - 3600e3;
             const before = reads();
             const after = await until(() => reads() >= before + 3, 4000);
             Date.now = real;
             return { polling, before, after, n: reads(), on: gate.isEnabled() };",
        ]
        .concat(),
    )
    .await;
    assert!(flag(&r, "result.polling"), "{}", show(&r));
    assert!(flag(&r, "result.after"), "the poll goes on after the clock went back an hour: {}", show(&r));
    assert!(flag(&r, "result.on"), "{}", show(&r));
}

#[wasm_bindgen_test]
async fn a_remote_that_says_on_a_404_or_garbage_changes_nothing_and_warns_once() {
    for (url, warns) in [
        ("/tests/fixtures/health-on.json", 0),
        ("/tests/fixtures/no-such-health.json", 1),
        ("/tests/fixtures/health-garbage.json", 1),
    ] {
        let r = frame(
            "",
            &[
                UNTIL,
                "await gate.init({ remote: '",
                url,
                "', pollMs: 100, log: 'warn' });
                 // Several polls, with backoff: wait for them, then look.
                 await new Promise((r) => setTimeout(r, 900));
                 return { on: gate.isEnabled(), d: gate.decision() };",
            ]
            .concat(),
        )
        .await;
        assert!(flag(&r, "result.on"), "{url}: {}", show(&r));
        let lines = logs(&r);
        assert_eq!(lines.len(), warns, "{url}: logged once, not per poll: {lines:?}");
        let silent = frame(
            "",
            &[
                "await gate.init({ remote: '",
                url,
                "', pollMs: 100, log: 'silent' });
                 await new Promise((r) => setTimeout(r, 500));
                 return gate.isEnabled();",
            ]
            .concat(),
        )
        .await;
        assert!(flag(&silent, "result"), "{url}");
        assert!(logs(&silent).is_empty(), "{url}: log: silent: {:?}", logs(&silent));
        if warns == 1 {
            assert!(lines[0].starts_with(&["warn: [MAESTRO] Remote ", url, " failed ("].concat()), "{lines:?}");
        }
    }
}

/// `JSON.parse` keeps the last of two equal keys: a document that says both
/// (however the key is spelled) is not a health document. It changes nothing
/// (a failing remote never kills, nor keeps a gate on), and says so once.
#[wasm_bindgen_test]
async fn a_remote_document_with_maestro_enabled_twice_is_not_read_and_warns_once() {
    // false then true (JSON.parse alone reads on), and true then an escaped false (it reads off).
    for url in ["/tests/fixtures/health-duplicate.json", "/tests/fixtures/health-duplicate-escaped.json"] {
        let r = frame(
            "",
            &[
                UNTIL,
                "await gate.init({ remote: '",
                url,
                "', pollMs: 100, log: 'warn' });
                 const warned = await until(() => self.__logs.length > 0);
                 // Several polls, with backoff: wait for them, then look.
                 await new Promise((r) => setTimeout(r, 900));
                 return { warned, on: gate.isEnabled(), d: gate.decision() };",
            ]
            .concat(),
        )
        .await;
        assert!(flag(&r, "result.warned"), "{url}: {}", show(&r));
        assert!(flag(&r, "result.on"), "{url}: {}", show(&r));
        assert_eq!(text(&r, "result.d.source"), "default", "{url}");
        let lines = logs(&r);
        assert_eq!(
            lines,
            vec![[
                "warn: [MAESTRO] Remote ",
                url,
                " failed (not a health document: maestro_enabled appears more than once); \
                 starting from its remembered answer, if any"
            ]
            .concat()],
            "{url}: logged once, not per poll"
        );
        let silent = frame(
            "",
            &[
                "await gate.init({ remote: '",
                url,
                "', pollMs: 100, log: 'silent' });
                 await new Promise((r) => setTimeout(r, 500));
                 return gate.isEnabled();",
            ]
            .concat(),
        )
        .await;
        assert!(flag(&silent, "result"), "{url}");
        assert!(logs(&silent).is_empty(), "{url}: log: silent: {:?}", logs(&silent));
    }
}

/// Records every `fetch` of the realm and every error or unhandled rejection.
const RECORD: &str = "self.__fetched = []; self.__thrown = [];
  const realFetch = self.fetch;
  self.fetch = function (input, init) { self.__fetched.push(String(input && input.url || input)); return realFetch.apply(this, arguments); };
  addEventListener('error', (e) => self.__thrown.push(String(e.message)));
  addEventListener('unhandledrejection', (e) => self.__thrown.push(String(e.reason)));";

/// `remote: ''` would poll the page's own HTML: the poll is not started.
#[wasm_bindgen_test]
async fn an_empty_remote_url_is_refused_with_one_warning_and_no_request() {
    const WARNING: &str =
        "warn: [MAESTRO] Remote poll not started: remote is an empty URL; keeping the current decision";
    let r = frame(
        RECORD,
        &[
            UNTIL,
            "let threw = null;
             try { await gate.init({ remote: '', pollMs: 100 }); } catch (e) { threw = String(e); }
             const warned = await until(() => self.__logs.some((l) => l.text.startsWith('[MAESTRO] Remote poll not started')));
             // A poll would start at once, and repeat every 100 ms: give it several.
             await new Promise((r) => setTimeout(r, 500));
             const page = new URL(document.baseURI);
             page.hash = '';
             const requested = performance.getEntriesByType('resource').map((e) => e.name);
             return { threw, warned, on: gate.isEnabled(), d: gate.decision(), fetched: self.__fetched,
                      thrown: self.__thrown, page: page.href, pageRequested: requested.includes(page.href) };",
        ]
        .concat(),
    )
    .await;
    assert!(path(&r, "result.threw").is_null(), "{}", show(&r));
    assert!(flag(&r, "result.warned"), "{}", show(&r));
    assert!(flag(&r, "result.on"), "the decision stands: {}", show(&r));
    assert_eq!(text(&r, "result.d.source"), "default");
    assert!(!flag(&r, "result.pageRequested"), "the page was not requested: {}", show(&r));
    let fetched = strings(&r, "result.fetched");
    assert!(fetched.iter().all(|u| u.ends_with(".wasm")), "only the modules were fetched: {fetched:?}");
    assert!(strings(&r, "result.thrown").is_empty(), "{}", show(&r));
    assert_eq!(logs(&r), vec!["info: [MAESTRO] Enabled (default)".to_string(), WARNING.to_string()]);

    refused_in_silence("''").await;
}

/// A `remote` the remote module refuses (`remote`, as JavaScript), under
/// `log: 'silent'`: it stays on, requests nothing but the modules, throws
/// nothing and says nothing.
async fn refused_in_silence(remote: &str) {
    let silent = frame(
        RECORD,
        &[
            "await gate.init({ remote: ",
            remote,
            ", pollMs: 100, log: 'silent' });
           await new Promise((r) => setTimeout(r, 500));
           return { on: gate.isEnabled(), fetched: self.__fetched, thrown: self.__thrown };",
        ]
        .concat(),
    )
    .await;
    assert!(flag(&silent, "result.on"), "{remote}");
    assert!(strings(&silent, "result.fetched").iter().all(|u| u.ends_with(".wasm")), "{remote}: {}", show(&silent));
    assert!(strings(&silent, "result.thrown").is_empty(), "{remote}: {}", show(&silent));
    assert!(logs(&silent).is_empty(), "{remote}: log: silent: {:?}", logs(&silent));
}

/// A `remote` that is set but not a string (a `URL` object, a number) is read
/// by no module: the page says so once, instead of running without its
/// remote kill in silence, and requests no document.
#[wasm_bindgen_test]
async fn a_remote_that_is_not_a_string_is_refused_with_one_warning_and_no_request() {
    const WARNING: &str = "warn: [MAESTRO] Remote poll not started: remote is not a string \
                           (for a URL object, pass its href); keeping the current decision";
    for remote in
        ["new URL('/tests/fixtures/health-off.json', ORIGIN)", "0", "{ url: '/tests/fixtures/health-off.json' }"]
    {
        let r = frame(
            RECORD,
            &[
                UNTIL,
                "let threw = null;
                 try { await gate.init({ remote: ",
                remote,
                ", pollMs: 100 }); } catch (e) { threw = String(e); }
                 const warned = await until(() => self.__logs.some((l) => l.text.startsWith('[MAESTRO] Remote poll not started')));
                 // A poll would start at once, and repeat every 100 ms: give it several.
                 await new Promise((r) => setTimeout(r, 500));
                 return { threw, warned, on: gate.isEnabled(), d: gate.decision(), fetched: self.__fetched,
                          thrown: self.__thrown };",
            ]
            .concat(),
        )
        .await;
        assert!(path(&r, "result.threw").is_null(), "{remote}: {}", show(&r));
        assert!(flag(&r, "result.warned"), "{remote}: {}", show(&r));
        assert!(flag(&r, "result.on"), "{remote}: the decision stands: {}", show(&r));
        assert_eq!(text(&r, "result.d.source"), "default", "{remote}");
        let fetched = strings(&r, "result.fetched");
        assert!(fetched.iter().all(|u| u.ends_with(".wasm")), "{remote}: only the modules were fetched: {fetched:?}");
        assert!(strings(&r, "result.thrown").is_empty(), "{remote}: {}", show(&r));
        assert_eq!(logs(&r), vec!["info: [MAESTRO] Enabled (default)".to_string(), WARNING.to_string()], "{remote}");
    }
    refused_in_silence("new URL('/tests/fixtures/health-off.json', ORIGIN)").await;
}

#[wasm_bindgen_test]
async fn a_remote_module_that_cannot_load_changes_nothing_and_warns_once() {
    let r = frame(
        "",
        "await gate.init({ remote: '/tests/fixtures/health-off.json', pollMs: 100,
                           remoteWasm: new URL('/pkg/no-such-remote.wasm', ORIGIN) });
         await new Promise((r) => setTimeout(r, 500));
         return { on: gate.isEnabled(), d: gate.decision() };",
    )
    .await;
    assert!(flag(&r, "result.on"), "the document says off, but it was never read: {}", show(&r));
    assert_eq!(text(&r, "result.d.source"), "default");
    let lines = logs(&r);
    assert_eq!(lines.len(), 2, "{lines:?}");
    // The first answer is asked for before the decision: its warning comes first.
    assert!(
        lines[0]
            .starts_with("warn: [MAESTRO] Remote poll not started: maestro-gate's remote module could not be loaded: "),
        "{lines:?}"
    );
    assert_eq!(lines[1], "info: [MAESTRO] Enabled (default)");

    let silent = frame(
        "",
        "await gate.init({ remote: '/tests/fixtures/health-off.json', log: 'silent',
                           remoteWasm: new URL('/pkg/no-such-remote.wasm', ORIGIN) });
         await new Promise((r) => setTimeout(r, 300));
         return gate.isEnabled();",
    )
    .await;
    assert!(flag(&silent, "result"));
    assert!(logs(&silent).is_empty(), "log: silent: {:?}", logs(&silent));
}

// ---------- the script tag ----------

#[wasm_bindgen_test]
async fn script_tag_decides_before_the_next_script() {
    for file in TAGS {
        script_tag_decides(file).await;
    }
}

async fn script_tag_decides(file: &str) {
    let never = script_file(file, "", "", "return { on: maestroGate.isEnabled(), d: maestroGate.decision() };").await;
    // The line is written from a task, not from the microtask checkpoint at
    // the end of the tag: before or after this next script runs is the
    // browser's to schedule (its parser may yield between scripts). Once.
    assert!(flag(&never, "result.on"), "{}", show(&never));
    assert_eq!(text(&never, "result.d.source"), "default");
    assert_eq!(logs(&never), ["info: [MAESTRO] Enabled (default)"]);

    let before = script_file(
        file,
        "window.MAESTRO_ENABLED = false;",
        "",
        "return { on: maestroGate.isEnabled(), h: maestroGate.health() };",
    )
    .await;
    assert!(!flag(&before, "result.on"));
    assert_eq!(text(&before, "result.h.status"), "disabled");
    assert_eq!(logs(&before), ["info: [MAESTRO] Disabled by window.MAESTRO_ENABLED=false"]);

    let after = script_file(
        file,
        "",
        "",
        "const first = maestroGate.isEnabled();
         window.MAESTRO_ENABLED = false;
         return { first, on: maestroGate.isEnabled(), d: maestroGate.decision() };",
    )
    .await;
    assert!(flag(&after, "result.first"));
    assert!(!flag(&after, "result.on"), "set after the tag: off at once");
    assert_eq!(text(&after, "result.d.reason"), "Disabled by window.MAESTRO_ENABLED=false");

    let default_off = script_file(file, "", "data-default-enabled=\"false\"", "return maestroGate.decision();").await;
    assert!(!flag(&default_off, "result.enabled"));
    assert_eq!(text(&default_off, "result.reason"), "Disabled (default)");

    // A browser without Uint8Array.fromHex decodes the inlined wasm itself.
    let no_from_hex = script_file(
        file,
        "delete Uint8Array.fromHex; window.MAESTRO_ENABLED = 'off';",
        "",
        "return { gone: !('fromHex' in Uint8Array), d: maestroGate.decision() };",
    )
    .await;
    assert!(flag(&no_from_hex, "result.gone"));
    assert_eq!(text(&no_from_hex, "result.d.source"), "window.MAESTRO_ENABLED", "{}", show(&no_from_hex));
    assert_eq!(text(&no_from_hex, "result.d.reason"), "Disabled by window.MAESTRO_ENABLED=off");
}

#[wasm_bindgen_test]
async fn script_tag_global_has_the_api_and_cleans_up() {
    for file in TAGS {
        script_tag_cleans_up(file).await;
    }
}

async fn script_tag_cleans_up(file: &str) {
    let r = script_file(
        file,
        "",
        "",
        "localStorage.setItem('maestro:st', '1'); localStorage.setItem('keep:st', '1');
         const report = await maestroGate.clearClientState({ database: 'script-tag-db', allTabs: false, log: 'silent' });
         const verify = await maestroGate.verifyClientState({ database: 'script-tag-db' });
         const keep = localStorage.getItem('keep:st');
         localStorage.removeItem('keep:st');
         return { keys: Object.keys(maestroGate).sort(), report, verify, keep };",
    )
    .await;
    let keys: Vec<String> = Array::from(&path(&r, "result.keys")).iter().map(|k| k.as_string().unwrap()).collect();
    for k in ["clearClientState", "decision", "health", "isEnabled", "onChange", "verifyClientState"] {
        assert!(keys.contains(&k.to_string()), "{k} missing from {keys:?}");
    }
    assert!(flag(&r, "result.report.ok"), "{}", show(&r));
    assert_eq!(text(&r, "result.report.localStorage.removed.0"), "maestro:st");
    assert!(flag(&r, "result.verify.clean"));
    assert_eq!(text(&r, "result.keep"), "1");
}

#[wasm_bindgen_test]
async fn script_tag_under_a_csp_without_wasm_unsafe_eval_is_disabled_not_broken() {
    let r: JsValue = JsFuture::from(in_frame(
        "",
        "const s = document.createElement('script');
         s.src = ORIGIN + '/pkg/maestro-gate.js';
         await new Promise((resolve, reject) => { s.onload = resolve; s.onerror = reject; document.head.append(s); });
         return { on: maestroGate.isEnabled(), d: maestroGate.decision(), h: maestroGate.health() };",
        r#"<meta http-equiv="Content-Security-Policy" content="script-src __ORIGIN__ 'unsafe-inline'">"#,
    ))
    .await
    .expect("frame ran");
    assert!(!flag(&r, "result.on"));
    assert_eq!(text(&r, "result.d.source"), "unavailable");
    assert_eq!(text(&r, "result.h.status"), "disabled");
    assert!(text(&r, "result.d.reason").contains("maestro-gate's wasm could not be loaded: "), "{}", show(&r));
}
