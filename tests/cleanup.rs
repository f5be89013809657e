//! Client-state rollback in a real browser (headless Chromium and Firefox):
//! real localStorage, sessionStorage and IndexedDB, real second connections,
//! and a real sandboxed iframe. Each test uses its own database name and key
//! prefix, so that the tests do not depend on one another.
#![cfg(target_arch = "wasm32")]

use std::collections::BTreeSet;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

mod common;
use common::{
    clear_client_state, clear_storage, close_connection, database_names, entries, fill, flag, hide_databases_function,
    in_frame, in_sandbox, open_connection, path, pkg_on_cleanup_request, seed_database, show, sleep, strings, text,
    value, verify_client_state, wait, wait_until_gone,
};

wasm_bindgen_test_configure!(run_in_browser);

// ---------- helpers ----------

fn opts(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &(*k).into(), v).unwrap();
    }
    // Tests run one tab; the cross-tab case is in tests/e2e/tabs.test.mjs.
    if !pairs.iter().any(|(k, _)| *k == "allTabs") {
        Reflect::set(&o, &"allTabs".into(), &false.into()).unwrap();
    }
    if !pairs.iter().any(|(k, _)| *k == "log") {
        Reflect::set(&o, &"log".into(), &"silent".into()).unwrap();
    }
    o.into()
}

fn pairs(list: &[(String, String)]) -> Array {
    list.iter().map(|(k, v)| JsValue::from(Array::of2(&k.into(), &v.into()))).collect()
}

fn snapshot(storage: &str) -> Vec<(String, String)> {
    entries(storage)
        .iter()
        .map(|p| {
            let p = Array::from(&p);
            (p.get(0).as_string().unwrap(), p.get(1).as_string().unwrap())
        })
        .collect()
}

async fn names() -> Vec<String> {
    Array::from(&wait(database_names()).await).iter().map(|s| s.as_string().unwrap()).collect()
}

// ---------- storage ----------

/// 10,000 unrelated keys and 1,000 prefixed ones, interleaved and adjacent,
/// with unicode keys, look-alike keys and values that are not JSON.
fn big_fixture(prefix: &str) -> (Vec<(String, String)>, BTreeSet<String>) {
    let mut all = Vec::new();
    let mut maestro = BTreeSet::new();
    for i in 0..11_000u32 {
        let (key, value) = if i % 11 == 5 {
            (format!("{prefix}{i}"), format!("{{not json {i}"))
        } else {
            match i % 7 {
                0 => (format!("app:{i}"), format!("{{\"ok\":{i}}}")),
                1 => (format!("ключ-{i}-🔑"), format!("значение {i} ✓")),
                2 => (format!("{}{i}", prefix.to_uppercase()), "look-alike".into()),
                3 => (format!("{}{i}", prefix.trim_end_matches(':')), "no colon".into()),
                4 => (format!("x{prefix}{i}"), "inner match".into()),
                5 => (format!("{}-{i}", prefix.trim_end_matches(':')), "dash".into()),
                _ => (format!("k{i}"), "\u{0}\u{1}binary-ish\u{ffff}".into()),
            }
        };
        if key.starts_with(prefix) {
            maestro.insert(key.clone());
        }
        all.push((key, value));
    }
    assert_eq!(maestro.len(), 1_000);
    (all, maestro)
}

#[wasm_bindgen_test]
async fn removes_exactly_the_prefixed_keys_and_nothing_else() {
    let prefix = "maestro:";
    clear_storage("localStorage");
    let (all, maestro) = big_fixture(prefix);
    // Adjacent prefixed keys, so that removing while walking would skip some.
    let mut all = all;
    for i in 0..10 {
        all.push((format!("{prefix}adjacent-{i}"), "v".into()));
    }
    let mut maestro = maestro;
    maestro.extend((0..10).map(|i| format!("{prefix}adjacent-{i}")));
    fill("localStorage", &pairs(&all));
    let before: Vec<(String, String)> = snapshot("localStorage");

    let report = wait(clear_client_state(opts(&[("database", "db-storage-big".into())]))).await;
    assert!(flag(&report, "ok"), "{}", show(&report));
    assert_eq!(text(&report, "localStorage.outcome"), "cleared");
    let removed: BTreeSet<String> = strings(&report, "localStorage.removed").into_iter().collect();
    assert_eq!(removed.len(), strings(&report, "localStorage.removed").len(), "each key reported once");
    assert_eq!(removed, maestro, "exactly the prefixed keys were removed");

    let after = snapshot("localStorage");
    let expected: Vec<(String, String)> = before.into_iter().filter(|(k, _)| !maestro.contains(k)).collect();
    assert_eq!(after.len(), 10_000);
    assert_eq!(after, expected, "every other key and value is intact, byte for byte");
    clear_storage("localStorage");
}

#[wasm_bindgen_test]
async fn a_key_that_cannot_be_removed_is_reported_and_the_sweep_goes_on() {
    clear_storage("localStorage");
    let keys = ["maestro:a", "maestro:b", "maestro:c", "maestro:d", "app:x"];
    fill("localStorage", &pairs(&keys.map(|k| (k.to_string(), "v".to_string()))));
    // removeItem throws for one key, wherever it comes in the browser's key order.
    let restore = value(
        "(() => { const orig = Storage.prototype.removeItem;
           Storage.prototype.removeItem = function (k) { if (k === 'maestro:b') throw new Error('locked key'); return orig.call(this, k); };
           return () => { Storage.prototype.removeItem = orig; }; })()",
    );
    let r = wait(clear_client_state(opts(&[("database", "db-failed-key".into())]))).await;
    restore.unchecked_ref::<js_sys::Function>().call0(&JsValue::NULL).unwrap();
    assert!(!flag(&r, "ok"), "{}", show(&r));
    assert_eq!(text(&r, "localStorage.outcome"), "error");
    assert!(text(&r, "localStorage.error").contains("locked key"), "{}", show(&r));
    let mut removed = strings(&r, "localStorage.removed");
    removed.sort();
    assert_eq!(removed, ["maestro:a", "maestro:c", "maestro:d"], "the sweep went on past the failure");
    assert_eq!(strings(&r, "localStorage.failed"), ["maestro:b"]);
    let mut left: Vec<String> = snapshot("localStorage").into_iter().map(|(k, _)| k).collect();
    left.sort();
    assert_eq!(left, ["app:x", "maestro:b"]);
    clear_storage("localStorage");
}

#[wasm_bindgen_test]
async fn session_storage_modes() {
    let seed = || {
        clear_storage("sessionStorage");
        fill(
            "sessionStorage",
            &pairs(&[
                ("maestro:a".into(), "1".into()),
                ("maestro:b".into(), "2".into()),
                ("app:keep".into(), "3".into()),
                ("MAESTRO:x".into(), "4".into()),
            ]),
        );
    };
    seed();
    let r = wait(clear_client_state(opts(&[("database", "db-session".into())]))).await;
    assert_eq!(text(&r, "sessionStorage.outcome"), "cleared");
    let mut removed = strings(&r, "sessionStorage.removed");
    removed.sort();
    assert_eq!(removed, ["maestro:a", "maestro:b"]);
    assert_eq!(snapshot("sessionStorage"), [("MAESTRO:x".into(), "4".into()), ("app:keep".into(), "3".into())]);

    seed();
    let r =
        wait(clear_client_state(opts(&[("database", "db-session".into()), ("sessionStorage", "none".into())]))).await;
    assert_eq!(text(&r, "sessionStorage.outcome"), "skipped");
    assert!(flag(&r, "ok"), "skipping on request is ok");
    assert_eq!(snapshot("sessionStorage").len(), 4);

    seed();
    let r =
        wait(clear_client_state(opts(&[("database", "db-session".into()), ("sessionStorage", "all".into())]))).await;
    assert_eq!(text(&r, "sessionStorage.outcome"), "cleared");
    assert_eq!(strings(&r, "sessionStorage.removed").len(), 4, "all keys are reported");
    assert!(snapshot("sessionStorage").is_empty());

    // "all" keeps the gate's own keys: a kill remembered in sessionStorage
    // (when localStorage refused it), a guard's trip, the rollout id.
    seed();
    let gate = [
        ("maestro-gate:guard".to_string(), "9999999999999".to_string()),
        ("maestro-gate:id".to_string(), "abc".to_string()),
        ("maestro-gate:remote".to_string(), r#"{"off":{"url":"/h","at":1},"answers":[]}"#.to_string()),
    ];
    fill("sessionStorage", &pairs(&gate));
    let r =
        wait(clear_client_state(opts(&[("database", "db-session".into()), ("sessionStorage", "all".into())]))).await;
    assert_eq!(text(&r, "sessionStorage.outcome"), "cleared");
    let mut removed = strings(&r, "sessionStorage.removed");
    removed.sort();
    assert_eq!(removed, ["MAESTRO:x", "app:keep", "maestro:a", "maestro:b"], "{}", show(&r));
    assert_eq!(snapshot("sessionStorage"), gate);
    clear_storage("sessionStorage");

    seed();
    let r =
        wait(clear_client_state(opts(&[("database", "db-session".into()), ("sessionStorage", "everything".into())])))
            .await;
    assert_eq!(text(&r, "sessionStorage.outcome"), "error", "a typo never clears everything");
    assert!(!flag(&r, "ok"));
    assert_eq!(snapshot("sessionStorage").len(), 4);
    clear_storage("sessionStorage");
}

/// A Symbol or a BigInt (no option is one) makes that option invalid, and
/// only that one: the other options take their values or defaults.
#[wasm_bindgen_test]
async fn a_symbol_or_bigint_option_is_invalid_alone() {
    let r = wait(in_frame(
        "localStorage.setItem('maestro:sym-kept', '1');",
        "const symbol = await gate.clearClientState({ database: Symbol('x'), allTabs: false, log: 'silent' });
         localStorage.setItem('maestro:sym-kept', '1');
         const big = await gate.clearClientState({ database: 'db-bigint', blockedTimeoutMs: 10n, allTabs: false, log: 'silent' });
         const prefix = await gate.clearClientState({ database: 'db-bigint', prefix: Symbol('p'), allTabs: false, log: 'silent' });
         return { symbol, big, prefix };",
        "",
    ))
    .await;
    assert_eq!(text(&r, "result.symbol.database.outcome"), "error", "{}", show(&r));
    assert_eq!(text(&r, "result.symbol.localStorage.outcome"), "cleared", "{}", show(&r));
    assert_eq!(strings(&r, "result.symbol.localStorage.removed"), ["maestro:sym-kept"]);
    assert_eq!(text(&r, "result.big.database.outcome"), "deleted", "{}", show(&r));
    assert_eq!(strings(&r, "result.big.localStorage.removed"), ["maestro:sym-kept"]);
    assert_eq!(text(&r, "result.prefix.localStorage.outcome"), "error", "{}", show(&r));
    assert_eq!(text(&r, "result.prefix.database.outcome"), "deleted", "{}", show(&r));
}

/// No cleanup removes the gate's own `maestro-gate:` keys (a remembered kill,
/// a guard's trip, the rollout id), whatever its prefix, nor does a
/// verification count them; and after `sessionStorage: "all"`, the last pass
/// removes only prefixed keys (what the app wrote meanwhile is its own).
#[wasm_bindgen_test]
async fn a_prefix_that_matches_the_gates_keys_leaves_them() {
    let r = wait(in_frame(
        "localStorage.setItem('maestro-gate:guard', '9999999999999'); localStorage.setItem('maestro-x', '1');
         sessionStorage.setItem('maestro-gate:remote', '{\"off\":null,\"answers\":[]}');",
        "const report = await gate.clearClientState({ database: 'db-gate-keys', prefix: 'maestro-', allTabs: false, log: 'silent' });
         const verify = await gate.verifyClientState({ database: 'db-gate-keys', prefix: 'maestro-' });
         const kept = [localStorage.getItem('maestro-gate:guard'), sessionStorage.getItem('maestro-gate:remote')];
         localStorage.removeItem('maestro-gate:guard');
         gate.onCleanupRequest(() => setTimeout(() => sessionStorage.setItem('app:during-all', '1'), 200));
         const all = await gate.clearClientState({ database: 'db-gate-keys', sessionStorage: 'all', allTabs: true, log: 'silent' });
         const app = sessionStorage.getItem('app:during-all');
         sessionStorage.clear();
         return { report, verify, kept, app, all };",
        "",
    ))
    .await;
    assert_eq!(strings(&r, "result.report.localStorage.removed"), ["maestro-x"], "{}", show(&r));
    assert!(strings(&r, "result.report.sessionStorage.removed").is_empty(), "{}", show(&r));
    assert!(flag(&r, "result.verify.clean"), "{}", show(&r));
    assert!(!path(&r, "result.kept.0").is_null() && !path(&r, "result.kept.1").is_null(), "{}", show(&r));
    assert_eq!(text(&r, "result.app"), "1", "written during an 'all' cleanup, not prefixed: left: {}", show(&r));
}

/// A key MAESTRO writes while the cleanup runs (here its subscriber, while
/// the other tabs answer): removed by the cleanup's last pass, and reported.
#[wasm_bindgen_test]
async fn a_key_written_during_the_cleanup_is_removed_at_its_end() {
    let r = wait(in_frame(
        "localStorage.setItem('maestro:during-early', '1');",
        "gate.onCleanupRequest(() => setTimeout(() => {
           localStorage.setItem('maestro:during-late', '2');
           sessionStorage.setItem('maestro:during-late-s', '3');
         }, 200));
         const report = await gate.clearClientState({ database: 'db-during', allTabs: true, log: 'silent' });
         const left = [localStorage.getItem('maestro:during-late'), sessionStorage.getItem('maestro:during-late-s')];
         return { report, left };",
        "",
    ))
    .await;
    let mut removed = strings(&r, "result.report.localStorage.removed");
    removed.sort();
    assert_eq!(removed, ["maestro:during-early", "maestro:during-late"], "{}", show(&r));
    assert_eq!(strings(&r, "result.report.sessionStorage.removed"), ["maestro:during-late-s"], "{}", show(&r));
    assert_eq!(text(&r, "result.report.localStorage.outcome"), "cleared");
    assert!(path(&r, "result.left.0").is_null() && path(&r, "result.left.1").is_null(), "{}", show(&r));
}

/// A copy started with `init({ prefix })`: its own cleanup and verification
/// use that prefix when they name none (the one it answers other tabs
/// with), and leave `maestro:` keys that may be another app's.
#[wasm_bindgen_test]
async fn an_unset_prefix_is_the_copys_own_init_prefix() {
    let r = wait(in_frame(
        "localStorage.setItem('app-own-prefix:token', '1'); localStorage.setItem('maestro:own-prefix-other', '2');",
        "await gate.init({ prefix: 'app-own-prefix:' });
         const before = await gate.verifyClientState({ database: 'db-own-prefix' });
         const report = await gate.clearClientState({ database: 'db-own-prefix', allTabs: false, log: 'silent' });
         const after = await gate.verifyClientState({ database: 'db-own-prefix' });
         const other = localStorage.getItem('maestro:own-prefix-other');
         localStorage.removeItem('maestro:own-prefix-other');
         return { before, report, after, other };",
        "",
    ))
    .await;
    assert_eq!(strings(&r, "result.before.localStorageKeys"), ["app-own-prefix:token"], "{}", show(&r));
    assert_eq!(strings(&r, "result.report.localStorage.removed"), ["app-own-prefix:token"], "{}", show(&r));
    assert_eq!(text(&r, "result.other"), "2", "another prefix's key is left");
    assert!(flag(&r, "result.after.clean"), "{}", show(&r));
}

#[wasm_bindgen_test]
async fn an_empty_prefix_touches_nothing() {
    clear_storage("localStorage");
    fill("localStorage", &pairs(&[("app:keep".into(), "1".into()), ("maestro:x".into(), "2".into())]));
    let r = wait(clear_client_state(opts(&[("database", "db-empty-prefix".into()), ("prefix", "".into())]))).await;
    assert!(!flag(&r, "ok"));
    assert_eq!(text(&r, "localStorage.outcome"), "error");
    assert_eq!(text(&r, "sessionStorage.outcome"), "error");
    assert_eq!(snapshot("localStorage").len(), 2, "nothing removed");
    let r = wait(clear_client_state(opts(&[("database", "db-empty-prefix".into()), ("prefix", 42.into())]))).await;
    assert_eq!(text(&r, "localStorage.outcome"), "error", "a non-string prefix is refused too");
    assert_eq!(snapshot("localStorage").len(), 2);
    clear_storage("localStorage");
}

/// The options are the object's own properties only (README: "read as the
/// object's own properties"): a polluted `Object.prototype` adds none, and
/// an own property that is not enumerable is still one.
#[wasm_bindgen_test]
async fn inherited_options_are_no_options() {
    clear_storage("localStorage");
    fill("localStorage", &pairs(&[("maestro:a".into(), "1".into()), ("app:b".into(), "2".into())]));
    let restore = value(
        "(() => { Object.assign(Object.prototype, { prefix: 'app:', database: '', sessionStorage: 'nonsense', blockedTimeoutMs: 'x' });
           return () => { for (const k of ['prefix', 'database', 'sessionStorage', 'blockedTimeoutMs']) delete Object.prototype[k]; }; })()",
    );
    let r = wait(clear_client_state(opts(&[("database", "db-inherited".into())]))).await;
    restore.unchecked_ref::<js_sys::Function>().call0(&JsValue::NULL).unwrap();
    assert!(flag(&r, "ok"), "{}", show(&r));
    assert_eq!(text(&r, "database.name"), "db-inherited");
    assert_eq!(strings(&r, "localStorage.removed"), ["maestro:a"], "the default prefix, not the inherited one");
    assert_eq!(snapshot("localStorage"), [("app:b".to_string(), "2".to_string())]);
    // An own property that is not enumerable is an option.
    fill("localStorage", &pairs(&[("own:c".into(), "3".into())]));
    let o = opts(&[("database", "db-inherited".into())]);
    value("(o) => Object.defineProperty(o, 'prefix', { value: 'own:', enumerable: false })")
        .unchecked_ref::<js_sys::Function>()
        .call1(&JsValue::NULL, &o)
        .unwrap();
    let r = wait(clear_client_state(o)).await;
    assert_eq!(strings(&r, "localStorage.removed"), ["own:c"], "{}", show(&r));
    clear_storage("localStorage");
}

// ---------- IndexedDB ----------

#[wasm_bindgen_test]
async fn an_absent_database_counts_as_deleted_and_verify_creates_nothing() {
    let name = "db-absent";
    let v = wait(verify_client_state(opts(&[("database", name.into())]))).await;
    assert!(!flag(&v, "database.exists"));
    let r = wait(clear_client_state(opts(&[("database", name.into())]))).await;
    assert_eq!(text(&r, "database.outcome"), "deleted");
    assert!(!flag(&r, "database.blocked"));
    assert_eq!(text(&r, "database.name"), name);
    assert!(!names().await.contains(&name.to_string()), "nothing was created");
}

#[wasm_bindgen_test]
async fn a_database_with_data_is_deleted_and_verified_gone() {
    let name = "db-with-data";
    wait(seed_database(name, 200)).await;
    clear_storage("localStorage");
    fill("localStorage", &pairs(&[("maestro:k".into(), "v".into()), ("app:k".into(), "v".into())]));
    let before = wait(verify_client_state(opts(&[("database", name.into())]))).await;
    assert!(flag(&before, "database.exists"));
    assert_eq!(strings(&before, "localStorageKeys"), ["maestro:k"]);
    assert!(!flag(&before, "clean"));

    let r = wait(clear_client_state(opts(&[("database", name.into())]))).await;
    assert!(flag(&r, "ok"), "{}", show(&r));
    assert_eq!(text(&r, "database.outcome"), "deleted");

    let after = wait(verify_client_state(opts(&[("database", name.into())]))).await;
    assert!(!flag(&after, "database.exists"));
    assert!(strings(&after, "localStorageKeys").is_empty());
    assert!(flag(&after, "clean"));
    assert!(!names().await.contains(&name.to_string()));
    assert_eq!(snapshot("localStorage"), [("app:k".into(), "v".into())]);
    clear_storage("localStorage");
}

#[wasm_bindgen_test]
async fn a_connection_that_closes_on_versionchange_lets_the_delete_finish() {
    let name = "db-polite";
    wait(seed_database(name, 3)).await;
    let _conn = wait(open_connection(name, true)).await;
    let r = wait(clear_client_state(opts(&[("database", name.into())]))).await;
    assert_eq!(text(&r, "database.outcome"), "deleted", "{}", show(&r));
    assert!(flag(&r, "ok"));
    assert!(!names().await.contains(&name.to_string()));
}

#[wasm_bindgen_test]
async fn a_connection_that_never_closes_leaves_the_delete_pending_until_it_does() {
    let name = "db-stubborn";
    wait(seed_database(name, 3)).await;
    let conn = wait(open_connection(name, false)).await;
    let r = wait(clear_client_state(opts(&[("database", name.into()), ("blockedTimeoutMs", 300.into())]))).await;
    assert_eq!(text(&r, "database.outcome"), "pending", "{}", show(&r));
    assert!(flag(&r, "database.blocked"), "the blocked event is reported");
    assert!(!flag(&r, "ok"), "pending is not ok");
    assert!(names().await.contains(&name.to_string()), "still there while the connection is open");

    // Without databases(), the probe's open waits behind the blocked delete:
    // verify answers "cannot tell" instead of hanging.
    let restore = hide_databases_function();
    let v = wait(verify_client_state(opts(&[("database", name.into()), ("blockedTimeoutMs", 300.into())]))).await;
    restore.call0(&JsValue::NULL).unwrap();
    assert!(path(&v, "database.exists").is_null(), "{}", show(&v));
    assert!(path(&v, "clean").is_null());
    // A databases() that never settles: "cannot tell" after blockedTimeoutMs too.
    let restore = common::stall_databases_function();
    let v = wait(verify_client_state(opts(&[("database", name.into()), ("blockedTimeoutMs", 300.into())]))).await;
    restore.call0(&JsValue::NULL).unwrap();
    assert!(path(&v, "database.exists").is_null(), "{}", show(&v));
    assert!(path(&v, "clean").is_null());

    close_connection(&conn);
    let gone = wait(wait_until_gone(name, 10_000)).await;
    assert_eq!(gone.as_bool(), Some(true), "the browser finished the delete once the connection closed");
    // The probe's own open ran after the delete; it must not have left a database.
    wait(sleep(300)).await;
    assert!(!names().await.contains(&name.to_string()), "the late probe created nothing");
    let v = wait(verify_client_state(opts(&[("database", name.into())]))).await;
    assert!(!flag(&v, "database.exists"));
}

#[wasm_bindgen_test]
async fn an_app_listening_with_on_cleanup_request_closes_its_connection() {
    let name = "db-listener";
    wait(seed_database(name, 3)).await;
    let conn = wait(open_connection(name, false)).await;
    let seen = Array::new();
    let (conn2, seen2) = (conn.clone(), seen.clone());
    let callback = Closure::<dyn FnMut(JsValue)>::new(move |request: JsValue| {
        seen2.push(&request);
        close_connection(&conn2);
    });
    let unsubscribe = wait(pkg_on_cleanup_request(callback.as_ref())).await;

    let r = wait(clear_client_state(opts(&[("database", name.into()), ("blockedTimeoutMs", 2000.into())]))).await;
    assert_eq!(text(&r, "database.outcome"), "deleted", "{}", show(&r));
    assert!(!flag(&r, "database.blocked"), "closed before the delete, so never blocked");
    assert_eq!(seen.length(), 1);
    let request = seen.get(0);
    assert_eq!(text(&request, "database"), name);
    assert_eq!(text(&request, "prefix"), "maestro:");
    assert_eq!(text(&request, "sessionStorage"), "prefixed");
    assert!(!flag(&request, "fromOtherTab"));

    unsubscribe.unchecked_ref::<js_sys::Function>().call0(&JsValue::NULL).unwrap();
    wait(clear_client_state(opts(&[("database", name.into())]))).await;
    assert_eq!(seen.length(), 1, "unsubscribed");
    drop(callback);
}

#[wasm_bindgen_test]
async fn verify_without_indexeddb_databases_probes_without_leaving_a_database() {
    let name = "db-probe";
    wait(seed_database(name, 1)).await;
    let restore = hide_databases_function();
    let present = wait(verify_client_state(opts(&[("database", name.into())]))).await;
    let absent = wait(verify_client_state(opts(&[("database", "db-probe-absent".into())]))).await;
    restore.call0(&JsValue::NULL).unwrap();

    assert_eq!(path(&present, "database.exists").as_bool(), Some(true), "{}", show(&present));
    assert_eq!(path(&absent, "database.exists").as_bool(), Some(false), "{}", show(&absent));
    assert!(flag(&absent, "clean") || !strings(&absent, "localStorageKeys").is_empty());
    let listed = names().await;
    assert!(listed.contains(&name.to_string()));
    assert!(!listed.contains(&"db-probe-absent".to_string()), "the probe left no database behind: {listed:?}");
    wait(clear_client_state(opts(&[("database", name.into())]))).await;
}

// ---------- hostile contexts, through the package ----------

#[wasm_bindgen_test]
async fn a_sandboxed_iframe_reports_unavailable_and_never_throws() {
    let r = wait(in_sandbox(
        "let touched;
         try { localStorage.length; touched = 'storage readable'; } catch (e) { touched = e.name; }
         const report = await gate.clearClientState({ log: 'silent' });
         const verify = await gate.verifyClientState();
         return { touched, report, verify, decided: gate.decision().source };",
    ))
    .await;
    assert_eq!(text(&r, "result.touched"), "SecurityError", "the sandbox really denies storage");
    assert_eq!(text(&r, "result.report.localStorage.outcome"), "unavailable");
    assert_eq!(text(&r, "result.report.sessionStorage.outcome"), "unavailable");
    assert_eq!(text(&r, "result.report.database.outcome"), "unavailable");
    let why = text(&r, "result.report.localStorage.error");
    assert!(!why.contains("could not be loaded"), "the rollback module ran and met the sandbox: {why}");
    assert!(!flag(&r, "result.report.ok"));
    assert!(path(&r, "result.verify.database.exists").is_null());
    assert!(path(&r, "result.verify.clean").is_null());
    assert_eq!(text(&r, "result.decided"), "default", "the gate itself still decides");
}

#[wasm_bindgen_test]
async fn indexeddb_missing_is_unavailable() {
    let r = wait(in_frame(
        "Object.defineProperty(window, 'indexedDB', { value: null, configurable: true });",
        "return { report: await gate.clearClientState({ log: 'silent', allTabs: false }),
                  verify: await gate.verifyClientState() };",
        "",
    ))
    .await;
    assert_eq!(text(&r, "result.report.database.outcome"), "unavailable");
    assert_eq!(text(&r, "result.report.localStorage.outcome"), "cleared");
    assert!(path(&r, "result.verify.database.exists").is_null());
    assert!(path(&r, "result.verify.clean").is_null());
}

#[wasm_bindgen_test]
async fn the_console_summary_names_keys_and_never_values() {
    let r = wait(in_frame(
        "localStorage.setItem('maestro:token', 'SECRET-VALUE-1'); sessionStorage.setItem('maestro:s', 'SECRET-VALUE-2');",
        "const report = await gate.clearClientState({ database: 'db-console', allTabs: false });
         return { report };",
        "",
    ))
    .await;
    assert!(flag(&r, "result.report.ok"), "{}", show(&r));
    let logs = Array::from(&path(&r, "logs"));
    assert_eq!(logs.length(), 1, "one summary: {}", show(&r));
    let line = text(&logs.get(0), "text");
    assert!(line.starts_with("[MAESTRO] clearClientState: ok"), "{line}");
    assert!(line.contains("indexedDB db-console: deleted"), "{line}");
    assert!(line.contains("maestro:token"), "{line}");
    assert!(!line.contains("SECRET-VALUE"), "values are never printed: {line}");
}
