//! The conformance table (`tests/conformance/cases.json`), three ways:
//! - natively (this file on the host), against the rules in `maestro_gate::flag`;
//! - in headless Chromium and Firefox (this file on wasm32), against `pkg/`:
//!   through the ES entry, and through both script-tag files for the cases a
//!   tag can express;
//! - in Node, against `pkg/index.js` (`tests/e2e/conformance.test.mjs`).
//!
//! Every runner checks every field of every case it can run, and says how
//! many it could not (and why), so that a table that grows is a table run.

use serde_json::Value;

#[cfg(target_arch = "wasm32")]
mod common;

const CASES: &str = include_str!("conformance/cases.json");

fn cases() -> Vec<Value> {
    let doc: Value = serde_json::from_str(CASES).expect("cases.json is JSON");
    doc["cases"].as_array().expect("a list of cases").clone()
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use super::*;
    use maestro_gate::flag::{self, Level, Log, Raw, Reading};
    use maestro_gate::hash;
    use maestro_gate::rollout::{self, From, GuardOption, Narrowing, Step};

    /// A source as the browser layer would read it: its raw value and reading.
    fn read(spec: Option<&Value>) -> (Raw, Reading) {
        let Some(spec) = spec else { return (Raw::Unset, Reading::unset()) };
        let (raw, text) = match spec {
            Value::Null => return (Raw::Unset, Reading::unset()),
            Value::Bool(b) => (Raw::Bool(*b), Some(b.to_string())),
            Value::Number(n) => {
                let x = n.as_f64().expect("a number");
                // JavaScript's String(x) for the numbers the table uses.
                let text = if x.fract() == 0.0 { format!("{}", x as i64) } else { x.to_string() };
                (Raw::Number(x), Some(text))
            }
            Value::String(s) => (maestro_gate::flag::read_str(s), Some(s.clone())),
            Value::Object(o) if o.contains_key("throws") => {
                return (Raw::Unset, Reading::threw(o["throws"].as_str().unwrap().to_string()))
            }
            Value::Object(o) => {
                let text = o.get("text").and_then(Value::as_str).map(String::from);
                match o["kind"].as_str() {
                    Some("unset") => return (Raw::Unset, Reading::unset()),
                    Some("number") => {
                        (Raw::Number(text.as_deref().map_or(f64::NAN, |t| t.parse().unwrap_or(f64::NAN))), text)
                    }
                    _ => (Raw::Other, text),
                }
            }
            Value::Array(_) => panic!("no arrays in the table: {spec}"),
        };
        // Shown as every layer shows a value: its first `flag::SHOWN` characters (`flag::cut`).
        let shown = |t: String| {
            let mut s = String::new();
            flag::shown(&mut s, &t);
            s
        };
        (raw, Reading::of(raw, text.map(shown)))
    }

    /// The fields of an `envObject`, `optionsObject` or `globalObject` that
    /// are not its own properties (`{proto|getter|proxy: fields}`); `None`
    /// for a plain object.
    fn not_own(spec: Option<&Value>) -> Option<&serde_json::Map<String, Value>> {
        let o = spec?.as_object()?;
        let (kind, fields) = o.iter().next().filter(|_| o.len() == 1)?;
        matches!(kind.as_str(), "proto" | "getter" | "proxy").then(|| fields.as_object()).flatten()
    }

    /// `Object.prototype[key]`, when the case pollutes it: never own.
    fn inherited<'a>(case: &'a Value, key: &str) -> Option<(&'a Value, bool)> {
        case.get("inherited")?.get(key).map(|v| (v, false))
    }

    /// `globalThis[key]` as the page reads it, and whether it is the
    /// global's own property: its own (`window`, `windowRollout`), then its
    /// prototype's (`globalObject`), then `Object.prototype`'s.
    fn global<'a>(case: &'a Value, key: &str) -> Option<(&'a Value, bool)> {
        let own = if key == "MAESTRO_ENABLED" { "window" } else { "windowRollout" };
        case.get(own)
            .map(|v| (v, true))
            .or_else(|| not_own(case.get("globalObject"))?.get(key).map(|v| (v, false)))
            .or_else(|| inherited(case, key))
    }

    /// `Object(options)[key]` (`defaultEnabled`, `rollout`), and whether it is own.
    fn option<'a>(case: &'a Value, key: &str) -> Option<(&'a Value, bool)> {
        let own = if key == "defaultEnabled" { "default" } else { key };
        case.get(own)
            .map(|v| (v, true))
            .or_else(|| not_own(case.get("optionsObject"))?.get(key).map(|v| (v, false)))
            .or_else(|| inherited(case, key))
    }

    /// `Object(options.env)[key]`, and whether an on there counts: `env` is
    /// the options' own property and `key` env's own.
    fn env<'a>(case: &'a Value, key: &str) -> Option<(&'a Value, bool)> {
        let own_env = ["env", "envRollout", "envObject"].iter().any(|k| case.get(*k).is_some());
        if own_env {
            let field = if key == "VITE_MAESTRO_ENABLED" { "env" } else { "envRollout" };
            let kind = not_own(case.get("envObject"));
            let found = match kind {
                Some(fields) => fields.get(key).map(|v| (v, false)),
                None => case.get(field).or_else(|| case.get("envObject")?.get(key)).map(|v| (v, true)),
            };
            return found.or_else(|| inherited(case, key));
        }
        // An env that is not the options' own property: its fields are its own, but nothing there can turn MAESTRO on.
        let env =
            not_own(case.get("optionsObject")).and_then(|f| f.get("env")).or_else(|| case.get("inherited")?.get("env"));
        env.and_then(|e| e.get(key)).map(|v| (v, false)).or_else(|| inherited(case, key))
    }

    /// A source of the flag as the gate reads it: off first (`Reading::own`).
    fn flag_source(found: Option<(&Value, bool)>) -> Reading {
        let (spec, own) = found.map_or((None, true), |(v, own)| (Some(v), own));
        read(spec).1.own(|| own)
    }

    /// `init({ guard })` as the rollout module reads it. (The table writes
    /// a guard as a JSON object whose fields are values as above; `false`,
    /// `0`, `""` and `null` are off; `{throws}` is a getter that throws.)
    fn guard_option(spec: Option<&Value>) -> GuardOption {
        match spec {
            None | Some(Value::Null | Value::Bool(false)) => GuardOption::Off,
            Some(Value::Number(n)) if n.as_f64() == Some(0.0) => GuardOption::Off,
            Some(Value::String(s)) if s.is_empty() => GuardOption::Off,
            Some(Value::Object(o)) if o.contains_key("throws") => {
                GuardOption::Threw(o["throws"].as_str().unwrap().to_string())
            }
            Some(Value::Object(o)) => {
                GuardOption::Settings(["errors", "windowMs", "cooldownMs"].map(|k| read(o.get(k))))
            }
            Some(_) => GuardOption::Settings([(); 3].map(|_| read(None))),
        }
    }

    /// The rollout module's narrowing at start-up (`rollout::start`), with
    /// the bucket of the case's `userId` in its `rolloutGroup`; no case
    /// leaves a guard's trip cooling down.
    fn narrowing(case: &Value) -> Option<Narrowing> {
        let (_, step) = rollout::start(
            guard_option(case.get("guard")),
            || None,
            0.0,
            || {
                [
                    // Every percentage narrows: it counts wherever it comes from.
                    (From::Build, env(case, "VITE_MAESTRO_ROLLOUT").map(|(v, _)| v)),
                    (From::Runtime, global(case, "MAESTRO_ROLLOUT").map(|(v, _)| v)),
                    (From::Option, option(case, "rollout").map(|(v, _)| v)),
                ]
                .map(|(from, spec)| {
                    let (raw, reading) = read(spec);
                    (from, raw, reading)
                })
            },
        );
        match step {
            Step::None => None,
            Step::Narrowed(n) => Some(n),
            Step::Rollout(percent) => {
                let id = case.get("userId").and_then(Value::as_str).expect("a rollout case names its userId");
                let group = case.get("rolloutGroup").and_then(Value::as_str).unwrap_or(rollout::DEFAULT_GROUP);
                Some(rollout::narrow(percent, hash::bucket(group, id)))
            }
        }
    }

    #[test]
    fn every_case_against_the_rules() {
        let mut failures = Vec::new();
        let all = cases();
        for case in &all {
            let name = case["name"].as_str().unwrap();
            let runtime = flag_source(global(case, "MAESTRO_ENABLED"));
            let mut build = flag_source(env(case, "VITE_MAESTRO_ENABLED"));
            let mut default = flag_source(option(case, "defaultEnabled"));
            if let Some(m) = case.get("envThrows").and_then(Value::as_str) {
                build = Reading::threw(m.to_string());
            }
            if let Some(m) = case.get("optionsThrow").and_then(Value::as_str) {
                build = Reading::threw(m.to_string());
                default = Reading::threw(m.to_string());
            }
            let mut o = flag::decide(&runtime, &build, &default);
            // The gate narrows an "on" by the rollout module's narrowing: it
            // replaces the decision, with one line, and no value (the
            // percentage and the bucket are in the reason). What it applies
            // is what the code it is handed says (the code table).
            if let Some(n) = narrowing(case).filter(|_| o.decision.enabled) {
                let verdict = rollout::Verdict::of_code(f64::from(n.code())).expect("every narrowing has a code");
                let level = if verdict.warn() { Level::Warn } else { Level::Info };
                let (enabled, source) = (verdict.enabled(), verdict.source());
                o.decision = flag::Decision { enabled, source, value: None, reason: n.reason.clone() };
                o.lines = flag::Lines::one(flag::Line { level, text: n.reason });
            }
            let log = Log::parse(case.get("log").and_then(Value::as_str));
            let console: Vec<String> = o
                .lines
                .iter()
                .filter(|l| log.shows(l.level))
                .map(|l| format!("{}: [MAESTRO] {}", if l.level == Level::Warn { "warn" } else { "info" }, l.text))
                .collect();
            let e = &case["expect"];
            let d = &o.decision;
            let got = serde_json::json!({
                "enabled": d.enabled, "source": d.source.id(), "value": d.value, "reason": d.reason,
                "console": console,
                "health": { "status": if d.enabled { "enabled" } else { "disabled" }, "maestro_enabled": d.enabled },
            });
            if &got != e {
                failures.push(format!("{name}:\n  expected {e}\n  got      {got}"));
            }
        }
        assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), all.len(), failures.join("\n"));
        println!("conformance (native): {} passed, 0 failed", all.len());
    }
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use super::*;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen_test::*;

    use crate::common::{self, logs, script_tag_frame, show};

    wasm_bindgen_test_configure!(run_in_browser);

    /// A source's value as JavaScript source text.
    fn js(spec: &Value) -> String {
        match spec {
            Value::Object(o) if o.contains_key("js") => o["js"].as_str().unwrap().to_string(),
            other => other.to_string(),
        }
    }

    /// A getter that throws the case's error.
    fn thrower(spec: &Value) -> Option<String> {
        let o = spec.as_object()?;
        let message = serde_json::to_string(o.get("throws")?.as_str()?).ok()?;
        Some(if o.get("plain").is_some() {
            format!("throw {message};")
        } else {
            format!("throw new Error({message});")
        })
    }

    /// `{proto|getter|proxy: fields}`: the kind, and the fields, which are
    /// not the object's own properties; `None` for a plain object.
    fn not_own(spec: Option<&Value>) -> Option<(&str, &serde_json::Map<String, Value>)> {
        let o = spec?.as_object()?;
        let (kind, fields) = o.iter().next().filter(|_| o.len() == 1)?;
        Some((kind.as_str(), fields.as_object()?)).filter(|(k, _)| matches!(*k, "proto" | "getter" | "proxy"))
    }

    /// A getter's body for a field: it returns the value, or throws.
    fn body(spec: &Value) -> String {
        thrower(spec).unwrap_or_else(|| format!("return ({});", js(spec)))
    }

    /// `target` (JavaScript source) with `fields` that are not its own
    /// properties: on its prototype (`proto`), getters of its class
    /// (`getter`), or answered by a Proxy's `get` trap (`proxy`).
    fn not_own_js(kind: &str, fields: &serde_json::Map<String, Value>, target: &str) -> String {
        let key = |k: &String| Value::from(k.as_str()).to_string();
        match kind {
            "proxy" => {
                let cases: String = fields.iter().map(|(k, v)| format!("case {}: {{ {} }}", key(k), body(v))).collect();
                format!("new Proxy({target}, {{ get(t, k, r) {{ switch (k) {{ {cases} }} return Reflect.get(t, k, r); }} }})")
            }
            "getter" => {
                let getters: String =
                    fields.iter().map(|(k, v)| format!("get [{}]() {{ {} }} ", key(k), body(v))).collect();
                format!("Object.setPrototypeOf({target}, (class {{ {getters}}}).prototype)")
            }
            _ => {
                let props: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| match thrower(v) {
                        Some(t) => format!("get [{}]() {{ {t} }}", key(k)),
                        None => format!("[{}]: {}", key(k), js(v)),
                    })
                    .collect();
                format!("Object.setPrototypeOf({target}, {{ {} }})", props.join(", "))
            }
        }
    }

    /// The script that sets `window.MAESTRO_ENABLED` (and pollutes
    /// `Object.prototype`, for `inherited`, and the global's prototype, for
    /// `globalObject`) before the gate loads.
    fn window_setup(case: &Value) -> String {
        let polluted: String = case
            .get("inherited")
            .and_then(Value::as_object)
            .map(|o| o.iter().map(|(k, v)| format!("Object.prototype[{}] = {v};", Value::from(k.as_str()))).collect())
            .unwrap_or_default();
        let global = |name: &str, spec: Option<&Value>| match spec {
            None => String::new(),
            Some(spec) => match thrower(spec) {
                Some(t) => {
                    format!("Object.defineProperty(window, '{name}', {{ configurable: true, get() {{ {t} }} }});")
                }
                None => format!("window.{name} = {};", js(spec)),
            },
        };
        let proto: String = match not_own(case.get("globalObject")) {
            Some((kind, fields)) => fields
                .iter()
                .map(|(k, v)| {
                    let k = Value::from(k.as_str());
                    if kind == "getter" || thrower(v).is_some() {
                        format!("Object.defineProperty(Object.getPrototypeOf(globalThis), {k}, {{ configurable: true, get() {{ {} }} }});", body(v))
                    } else {
                        format!("Object.getPrototypeOf(globalThis)[{k}] = {};", js(v))
                    }
                })
                .collect(),
            None => String::new(),
        };
        polluted
            + &proto
            + &global("MAESTRO_ENABLED", case.get("window"))
            + &global("MAESTRO_ROLLOUT", case.get("windowRollout"))
    }

    /// `init({ guard })`: a JSON object's fields are values as elsewhere.
    fn guard(spec: &Value) -> String {
        match spec {
            Value::Object(o) if !o.contains_key("js") => {
                let fields: Vec<String> = o.iter().map(|(k, v)| format!("{k}: {}", js(v))).collect();
                format!("{{ {} }}", fields.join(", "))
            }
            other => js(other),
        }
    }

    /// The `init()` options, as JavaScript source text.
    fn options(case: &Value) -> String {
        if let Some(o) = case.get("options") {
            return js(o);
        }
        if let Some(m) = case.get("optionsThrow").and_then(Value::as_str) {
            let t = format!("throw new TypeError({});", Value::from(m));
            return format!("new Proxy({{}}, {{ get() {{ {t} }}, getOwnPropertyDescriptor() {{ {t} }} }})");
        }
        let mut fields = Vec::new();
        if let Some(m) = case.get("envThrows").and_then(Value::as_str) {
            fields.push(format!("get env() {{ throw new Error({}); }}", Value::from(m)));
        }
        match (case.get("envObject"), not_own(case.get("envObject"))) {
            (_, Some((kind, env))) => fields.push(format!("env: {}", not_own_js(kind, env, "{}"))),
            (Some(env), None) => fields.push(format!("env: {env}")),
            _ => {}
        }
        // A field of an object literal: its value, or a getter that throws.
        let field = |name: &str, spec: &Value, f: fn(&Value) -> String| match thrower(spec) {
            Some(t) => format!("get {name}() {{ {t} }}"),
            None => format!("{name}: {}", f(spec)),
        };
        let env: Vec<String> = [("VITE_MAESTRO_ENABLED", "env"), ("VITE_MAESTRO_ROLLOUT", "envRollout")]
            .iter()
            .filter_map(|(name, key)| case.get(*key).map(|spec| field(name, spec, js)))
            .collect();
        if !env.is_empty() {
            fields.push(format!("env: {{ {} }}", env.join(", ")));
        }
        for (name, f) in
            [("rollout", js as fn(&Value) -> String), ("guard", guard), ("userId", js), ("rolloutGroup", js)]
        {
            if let Some(spec) = case.get(name) {
                fields.push(field(name, spec, f));
            }
        }
        if let Some(spec) = case.get("default") {
            fields.push(match thrower(spec) {
                Some(t) => format!("get defaultEnabled() {{ {t} }}"),
                None => format!("defaultEnabled: {}", js(spec)),
            });
        }
        if let Some(log) = case.get("log") {
            fields.push(format!("log: {log}"));
        }
        let options = format!("({{ {} }})", fields.join(", "));
        match not_own(case.get("optionsObject")) {
            Some((kind, more)) => not_own_js(kind, more, &options),
            None => options,
        }
    }

    /// What a page answered, in the table's shape.
    fn got(r: &JsValue) -> Value {
        let result: Value = serde_json::from_str(&show(&common::path(r, "result"))).unwrap_or(Value::Null);
        let d = &result["d"];
        let h = &result["h"];
        serde_json::json!({
            "enabled": d["enabled"], "source": d["source"], "value": d["value"], "reason": d["reason"],
            "console": logs(r),
            "health": { "status": h["status"], "maestro_enabled": h["maestro_enabled"] },
        })
    }

    fn check(failures: &mut Vec<String>, how: &str, case: &Value, r: &JsValue) {
        let mut got = got(r);
        // The decision and isEnabled() must agree, and so must health().
        let on = common::path(r, "result.on").as_bool();
        let reason_agrees = common::path(r, "result.h.reason").as_string() == got["reason"].as_str().map(String::from);
        if on != got["enabled"].as_bool() || !reason_agrees {
            got["disagrees"] = Value::from(show(r));
        }
        if got != case["expect"] {
            failures.push(format!("{} ({how}):\n  expected {}\n  got      {got}", case["name"], case["expect"]));
        }
    }

    const ANSWER: &str = "return { d: GATE.decision(), h: GATE.health(), on: GATE.isEnabled() };";

    #[wasm_bindgen_test]
    async fn every_case_through_the_es_module() {
        let (mut failures, all) = (Vec::new(), cases());
        for case in &all {
            let body = format!("await gate.init({}); {}", options(case), ANSWER.replace("GATE", "gate"));
            let r = common::frame(&window_setup(case), &body).await;
            check(&mut failures, "ES module", case, &r);
        }
        assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), all.len(), failures.join("\n"));
    }

    /// A case a script tag can express: no env (its init() takes no options),
    /// a string default (`data-default-enabled`), the default log level.
    /// `window.MAESTRO_ROLLOUT` is one, unless the answer depends on the
    /// bucket: a tag has no `userId`, so its bucket is this browser's own.
    fn tag_attrs(case: &Value) -> Option<String> {
        let options =
            ["env", "envThrows", "optionsThrow", "options", "envRollout", "rollout", "guard", "optionsObject"];
        let by_bucket = case["expect"]["reason"].as_str().is_some_and(|r| r.contains(" bucket "));
        // A tag's options are its own `{ defaultEnabled }` (which hides an
        // inherited one), with no env.
        let env_object = case.get("envObject").is_some_and(|e| e.as_object().is_none_or(|o| !o.is_empty()));
        let inherited_default = case.get("inherited").is_some_and(|i| i.get("defaultEnabled").is_some());
        let plain = options.iter().all(|k| case.get(k).is_none()) && !by_bucket && !env_object && !inherited_default;
        let log_ok = case.get("log").is_none_or(|l| l == "info");
        if !plain || !log_ok {
            return None;
        }
        match case.get("default") {
            None => Some(String::new()),
            Some(Value::String(s)) => Some(format!("data-default-enabled=\"{}\"", s.replace('"', "&quot;"))),
            Some(_) => None,
        }
    }

    #[wasm_bindgen_test]
    async fn every_case_a_script_tag_can_express_through_both_tags() {
        let (mut failures, all) = (Vec::new(), cases());
        let mut run = 0;
        for case in &all {
            let Some(attrs) = tag_attrs(case) else { continue };
            run += 1;
            for file in ["maestro-gate.js", "maestro-gate.full.js"] {
                // With a rollout, a tag decides once the rollout module has loaded.
                let rollout = case.get("windowRollout").is_some() || case.to_string().contains("\"MAESTRO_ROLLOUT\"");
                let wait = if rollout { "await maestroGate.init(); " } else { "" };
                let body = wait.to_string() + &ANSWER.replace("GATE", "maestroGate");
                match wasm_bindgen_futures::JsFuture::from(script_tag_frame(file, &window_setup(case), &attrs, &body))
                    .await
                {
                    Ok(r) => check(&mut failures, file, case, &r),
                    Err(e) => failures.push(format!("{} ({file}): the page failed: {}", case["name"], show(&e))),
                }
            }
        }
        assert!(run >= 40, "only {run} cases ran through the tags");
        assert!(failures.is_empty(), "{} failures over {run} cases:\n{}", failures.len(), failures.join("\n"));
        web_sys_log(&format!(
            "conformance (script tags): {run} of {} cases expressible, each through both files",
            all.len()
        ));
    }

    fn web_sys_log(line: &str) {
        wasm_bindgen_test::console_log!("{}", line);
    }
}
