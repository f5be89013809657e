//! What a hostile (or merely busy) page can do to the gate, in headless
//! Chromium and Firefox, against the files in `pkg/`: several copies of the
//! gate on one page, kills that do not go through the accessor, a getter that
//! changes the flag during `init()`, the tag loaded as a module, forged
//! cross-tab messages, a read-only `window.maestroGate`, and a failure under
//! the setter of every shipped file. (Prototype pollution is rows of the
//! conformance table; the remote poll's bounds are in tests/e2e/remote.test.mjs.)
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

mod common;
use common::{flag, frame, logs, path, script_tag_frame, show, text, wait};

wasm_bindgen_test_configure!(run_in_browser);

/// Page-side helpers for the bodies below: `load(file, attrs)` adds a script
/// tag for `/pkg/<file>` and waits for it; `copies()` is every copy of the
/// gate on the page (each one's own API); `until(f)` waits (at most 3 s) for
/// `f()` to be true.
const HELPERS: &str = "
  const base = typeof ORIGIN === 'string' ? ORIGIN : new URL(document.querySelector('script[src]').src).origin;
  const load = (file, attrs = {}) => new Promise((resolve, reject) => {
    const s = document.createElement('script');
    for (const [k, v] of Object.entries(attrs)) s.setAttribute(k, v);
    s.src = new URL('/pkg/' + file, base).href;
    s.onload = resolve; s.onerror = reject;
    document.head.append(s);
  });
  const copies = () => globalThis[Symbol.for('maestro-gate.copies')] || [];
  const until = async (f) => { for (let i = 0; i < 60 && !f(); i++) await new Promise((r) => setTimeout(r, 50)); return f(); };
";

fn body(code: &str) -> String {
    [HELPERS, code].concat()
}

// ---------- 1. every copy of the gate hears every kill ----------

#[wasm_bindgen_test]
async fn module_then_tag_both_hear_a_later_kill() {
    let r = frame(
        "",
        &body(
            "await gate.init({ log: 'silent' });
             await load('maestro-gate.js');
             window.MAESTRO_ENABLED = false;
             return { app: gate.isEnabled(), reason: gate.decision().reason, global: maestroGate.isEnabled(),
                      each: copies().map((c) => c.isEnabled()) };",
        ),
    )
    .await;
    assert!(!flag(&r, "result.app"), "the app's copy heard the kill: {}", show(&r));
    assert_eq!(text(&r, "result.reason"), "Disabled by window.MAESTRO_ENABLED=false");
    assert!(!flag(&r, "result.global"));
    assert_eq!(show(&path(&r, "result.each")), "[false,false]", "{}", show(&r));
}

#[wasm_bindgen_test]
async fn tag_then_module_both_hear_a_later_kill() {
    let r = wait(script_tag_frame(
        "maestro-gate.js",
        "",
        "",
        &body(
            "const gate = await import(new URL('/pkg/index.js', base).href);
             await gate.init({ log: 'silent' });
             window.MAESTRO_ENABLED = false;
             return { app: gate.isEnabled(), global: maestroGate.isEnabled(), each: copies().map((c) => c.isEnabled()) };",
        ),
    ))
    .await;
    assert!(!flag(&r, "result.app"), "{}", show(&r));
    assert!(!flag(&r, "result.global"));
    assert_eq!(show(&path(&r, "result.each")), "[false,false]", "{}", show(&r));
}

#[wasm_bindgen_test]
async fn the_tag_twice_and_the_tag_with_the_full_file_all_hear_a_later_kill() {
    for second in ["maestro-gate.js?again", "maestro-gate.full.js"] {
        let r = wait(script_tag_frame(
            "maestro-gate.js",
            "",
            "",
            &body(
                &[
                    "await load('",
                    second,
                    "');
                 const before = copies().map((c) => c.isEnabled());
                 window.MAESTRO_ENABLED = false;
                 return { before, each: copies().map((c) => c.isEnabled()), global: maestroGate.isEnabled(),
                          reasons: copies().map((c) => c.decision().reason) };",
                ]
                .concat(),
            ),
        ))
        .await;
        assert_eq!(show(&path(&r, "result.before")), "[true,true]", "{second}: {}", show(&r));
        assert_eq!(show(&path(&r, "result.each")), "[false,false]", "{second}: {}", show(&r));
        assert!(!flag(&r, "result.global"));
        let lines = logs(&r);
        assert_eq!(
            lines.iter().filter(|l| l.as_str() == "info: [MAESTRO] Disabled by window.MAESTRO_ENABLED=false").count(),
            2,
            "each copy says so once: {lines:?}"
        );
    }
}

#[wasm_bindgen_test]
async fn window_maestro_gate_is_off_whenever_any_copy_is_off() {
    // The app is off by its build; a tag injected later (by ops, a tag
    // manager) is on by default and takes window.maestroGate.
    let r = frame(
        "",
        &body(
            "await gate.init({ env: { VITE_MAESTRO_ENABLED: 'false' }, log: 'silent' });
             await load('maestro-gate.js');
             return { app: gate.isEnabled(), global: maestroGate.isEnabled(), d: maestroGate.decision(),
                      h: maestroGate.health() };",
        ),
    )
    .await;
    assert!(!flag(&r, "result.app"));
    assert!(!flag(&r, "result.global"), "the console's global answers for the copy that is off: {}", show(&r));
    assert_eq!(text(&r, "result.d.source"), "VITE_MAESTRO_ENABLED");
    assert_eq!(text(&r, "result.h.status"), "disabled");

    // The other way round: the tag is off by its attribute, the app on.
    let r = wait(script_tag_frame(
        "maestro-gate.js",
        "",
        "data-default-enabled=\"false\"",
        &body(
            "const gate = await import(new URL('/pkg/index.js', base).href);
             await gate.init({ env: { VITE_MAESTRO_ENABLED: 'true' }, log: 'silent' });
             return { app: gate.isEnabled(), global: maestroGate.isEnabled(), h: maestroGate.health() };",
        ),
    ))
    .await;
    assert!(flag(&r, "result.app"));
    assert!(!flag(&r, "result.global"), "{}", show(&r));
    assert_eq!(text(&r, "result.h.status"), "disabled");
}

// ---------- 2. a kill that does not go through the accessor ----------

#[wasm_bindgen_test]
async fn a_kill_that_replaces_the_property_is_honoured_within_a_second() {
    for how in [
        "delete window.MAESTRO_ENABLED; window.MAESTRO_ENABLED = false;",
        "Object.defineProperty(window, 'MAESTRO_ENABLED', { value: false, configurable: true, writable: true });",
        "Object.defineProperty(window, 'MAESTRO_ENABLED', { value: false });",
    ] {
        let r = frame(
            "",
            &body(
                &[
                    "const heard = [];
                 await gate.init({ env: { VITE_MAESTRO_ENABLED: 'true' } });
                 gate.onChange((d) => heard.push(d.reason));
                 ",
                    how,
                    "
                 const off = await until(() => !gate.isEnabled());
                 return { off, d: gate.decision(), heard, flag: window.MAESTRO_ENABLED };",
                ]
                .concat(),
            ),
        )
        .await;
        assert!(flag(&r, "result.off"), "{how}: {}", show(&r));
        assert_eq!(text(&r, "result.d.reason"), "Disabled by window.MAESTRO_ENABLED=false", "{how}");
        assert_eq!(show(&path(&r, "result.heard")), r#"["Disabled by window.MAESTRO_ENABLED=false"]"#, "{how}");
        assert_eq!(
            logs(&r),
            [
                "info: [MAESTRO] Enabled by VITE_MAESTRO_ENABLED=true",
                "info: [MAESTRO] Disabled by window.MAESTRO_ENABLED=false"
            ],
            "{how}"
        );
    }
}

// ---------- 5. a getter that changes the flag while init() reads ----------

#[wasm_bindgen_test]
async fn a_getter_that_turns_the_flag_off_during_init_is_decided_again() {
    let r = frame(
        "",
        // The getter turns the flag off when the gate reads it: its second
        // read (the glue reads `env` first, to see whether a rollout is set).
        "let reads = 0;
         const d = await gate.init({ get env() { if (++reads === 2) window.MAESTRO_ENABLED = false; return { VITE_MAESTRO_ENABLED: 'true' }; } });
         return { d, on: gate.isEnabled(), flag: window.MAESTRO_ENABLED, reads };",
    )
    .await;
    assert!(!flag(&r, "result.flag"));
    assert!(!flag(&r, "result.on"), "{}", show(&r));
    assert_eq!(
        text(&r, "result.d.reason"),
        "Disabled by window.MAESTRO_ENABLED=false",
        "init() resolves to the decision as it is"
    );
    assert_eq!(
        logs(&r),
        [
            "info: [MAESTRO] Enabled by VITE_MAESTRO_ENABLED=true",
            "info: [MAESTRO] Disabled by window.MAESTRO_ENABLED=false"
        ]
    );
}

// ---------- 6. the tag's attribute without document.currentScript ----------

#[wasm_bindgen_test]
async fn data_default_enabled_is_read_when_the_tag_is_a_module_script() {
    let r = frame(
        "",
        &body(
            "await load('maestro-gate.js', { type: 'module', 'data-default-enabled': 'false' });
             return { on: maestroGate.isEnabled(), d: maestroGate.decision() };",
        ),
    )
    .await;
    assert!(!flag(&r, "result.on"), "{}", show(&r));
    assert_eq!(text(&r, "result.d.reason"), "Disabled (default)");
}

// ---------- 7, 8. the cross-tab protocol cannot be turned against a tab ----------

/// Another "tab": a second channel object in the same page (BroadcastChannel
/// delivers to every other object of the name, in this page or another).
const FORGER: &str = "
  const forger = new BroadcastChannel('maestro-gate');
  const answered = (id) => new Promise((resolve) => {
    forger.addEventListener('message', (e) => { if (e.data && e.data.maestroGate === 'answer' && e.data.id === id) resolve(e.data); });
  });
";

#[wasm_bindgen_test]
async fn another_tab_request_sweeps_only_this_tab_own_prefix() {
    for (options, left) in [
        ("{ log: 'silent' }", r#"["abc","app:token","mine:y"]"#),
        ("{ log: 'silent', prefix: 'mine:' }", r#"["abc","app:token","maestro:x"]"#),
        ("{ log: 'silent', acceptClearAllFromOtherTabs: true }", "[]"),
    ] {
        let r = frame(
            "",
            &[
                FORGER,
                "sessionStorage.clear();
                 for (const k of ['abc', 'app:token', 'maestro:x', 'mine:y']) sessionStorage.setItem(k, 'v');
                 await gate.init(",
                options,
                ");
                 const answer = answered(42);
                 forger.postMessage({ maestroGate: 'cleanup', id: 42, tab: 7, database: 'x', prefix: 'a', sessionStorage: 'all' });
                 const a = await answer;
                 const keys = Object.keys(sessionStorage).sort();
                 sessionStorage.clear();
                 return { a, keys };",
            ]
            .concat(),
        )
        .await;
        assert_eq!(show(&path(&r, "result.keys")), left, "{options}: {}", show(&r));
        assert_eq!(text(&r, "result.a.outcome"), "cleared");
    }
}

#[wasm_bindgen_test]
async fn forged_answers_count_once_per_tab() {
    let r = frame(
        "",
        &[
            FORGER,
            "forger.addEventListener('message', (e) => {
               if (e.data && e.data.maestroGate === 'cleanup') {
                 for (let i = 0; i < 50; i++) forger.postMessage({ maestroGate: 'answer', id: e.data.id, tab: 99, outcome: 'cleared', removed: 0 });
               }
             });
             return await gate.clearClientState({ database: 'hardening-forged', log: 'silent' });",
        ]
        .concat(),
    )
    .await;
    assert_eq!(path(&r, "result.otherTabs").as_f64(), Some(1.0), "{}", show(&r));
}

// ---------- 9, 10. every shipped file ----------

#[wasm_bindgen_test]
async fn a_failure_under_the_setter_turns_every_tag_off_and_throws_nothing() {
    for file in ["maestro-gate.js", "maestro-gate.full.js"] {
        let r = wait(script_tag_frame(
            file,
            "",
            "",
            "String.prototype.charCodeAt = () => { throw new Error('hostile page'); };
             TextEncoder.prototype.encodeInto = TextEncoder.prototype.encode = () => { throw new Error('hostile page'); };
             let threw = false;
             try { window.MAESTRO_ENABLED = 'yes'; } catch { threw = true; }
             let threwAgain = false;
             try { window.MAESTRO_ENABLED = false; } catch { threwAgain = true; }
             return { threw, threwAgain, on: maestroGate.isEnabled(), d: maestroGate.decision() };",
        ))
        .await;
        assert!(!flag(&r, "result.threw") && !flag(&r, "result.threwAgain"), "{file}: {}", show(&r));
        assert!(!flag(&r, "result.on"), "{file}: {}", show(&r));
        assert!(text(&r, "result.d.reason").contains("the wasm core failed: hostile page"), "{file}: {}", show(&r));
    }
}

#[wasm_bindgen_test]
async fn a_read_only_maestro_gate_global_is_left_alone_by_every_entry() {
    let capture = "self.__errors = []; addEventListener('error', (e) => __errors.push(String(e.message)));";
    for define in [
        "Object.defineProperty(window, 'maestroGate', { get() { return 'mine'; } });",
        "Object.defineProperty(window, 'maestroGate', { value: 'mine', writable: false });",
    ] {
        let setup = [capture, define].concat();
        for file in ["maestro-gate.js", "maestro-gate.full.js"] {
            let r = wait(script_tag_frame(
                file,
                &setup,
                "",
                &body("return { global: window.maestroGate, errors: self.__errors, copies: copies().map((c) => c.isEnabled()) };"),
            ))
            .await;
            assert_eq!(text(&r, "result.global"), "mine", "{file}: {}", show(&r));
            assert_eq!(show(&path(&r, "result.errors")), "[]", "{file} threw: {}", show(&r));
            assert_eq!(show(&path(&r, "result.copies")), "[true]", "{file} decided: {}", show(&r));
        }
        let r = frame(
            &setup,
            "const d = await gate.init({ log: 'silent' }); return { d, global: window.maestroGate, errors: self.__errors };",
        )
        .await;
        assert_eq!(text(&r, "result.global"), "mine");
        assert!(flag(&r, "result.d.enabled"));
        assert_eq!(show(&path(&r, "result.errors")), "[]");
    }
}
