//! The rollout cases of Unleash's own client specification
//! (`@unleash/client-specification` on npm, Apache-2.0, a devDependency:
//! `npm ci` puts it in `node_modules/`), run natively against
//! `maestro_gate::hash`: for each case, the strategy's percentage and group,
//! the context's stickiness id, and `hash::is_in(percent, hash::bucket(group, id))`
//! against the expected result.
//!
//! A small adapter reads the five rollout files. What maestro-gate has no
//! equivalent of (random stickiness, a disabled toggle, several strategies
//! combined, constraints, segments, dependencies, variants, other strategy
//! types) is skipped and counted, by reason; the counts are asserted for the
//! pinned version, so that a skip cannot grow silently.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;
use std::path::PathBuf;

use maestro_gate::hash;
use serde_json::Value;

/// The files, as the specification's `index.json` names them.
const FILES: [&str; 5] = [
    "03-gradual-rollout-user-id-strategy.json",
    "04-gradual-rollout-session-id-strategy.json",
    "05-gradual-rollout-random-strategy.json",
    "10-flexible-rollout-strategy.json",
    "12-custom-stickiness.json",
];

fn spec_dir() -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("node_modules/@unleash/client-specification/specifications");
    assert!(
        dir.join("index.json").is_file(),
        "{} is missing: run `npm ci` (make test-native does it first)",
        dir.display()
    );
    dir
}

fn read(path: PathBuf) -> Value {
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What one case is, for maestro-gate.
#[derive(Debug, PartialEq)]
enum Case {
    /// Runnable: in or out at `percent` for `group` and the stickiness `id`
    /// (`None`: the context has no such id, and Unleash answers "out").
    Run { percent: u32, group: String, id: Option<String> },
    /// Not something maestro-gate has: the reason.
    Skip(&'static str),
}

/// A strategy parameter as a string (the specification writes numbers as
/// strings, Unleash accepts both).
fn param(strategy: &Value, name: &str) -> Option<String> {
    match &strategy["parameters"][name] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn percent(strategy: &Value, name: &str) -> u32 {
    let raw = param(strategy, name).unwrap_or_else(|| panic!("no {name} in {strategy}"));
    raw.trim().parse().unwrap_or_else(|_| panic!("{name}={raw:?} is not an integer"))
}

/// A context field, at the top level or under `properties` (Unleash's
/// `resolveContextValue`).
fn context_value(context: &Value, field: &str) -> Option<String> {
    let v = match &context[field] {
        Value::Null => &context["properties"][field],
        v => v,
    };
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The adapter: one toggle and one test's context.
fn case(toggle: &Value, context: &Value) -> Case {
    if toggle["enabled"] != Value::Bool(true) {
        return Case::Skip("toggle disabled");
    }
    if toggle.get("dependencies").is_some_and(|d| !d.is_null()) {
        return Case::Skip("dependencies");
    }
    let strategies = toggle["strategies"].as_array().expect("strategies");
    let [strategy] = strategies.as_slice() else { return Case::Skip("not exactly one strategy") };
    if strategy["constraints"].as_array().is_some_and(|c| !c.is_empty()) {
        return Case::Skip("constraints");
    }
    if strategy["segments"].as_array().is_some_and(|s| !s.is_empty()) {
        return Case::Skip("segments");
    }
    let name = toggle["name"].as_str().expect("a toggle name");
    let group = |s: &Value| param(s, "groupId").unwrap_or_else(|| String::from(name));
    match strategy["name"].as_str() {
        Some("gradualRolloutUserId") => Case::Run {
            percent: percent(strategy, "percentage"),
            group: group(strategy),
            id: context_value(context, "userId"),
        },
        Some("gradualRolloutSessionId") => Case::Run {
            percent: percent(strategy, "percentage"),
            group: group(strategy),
            id: context_value(context, "sessionId"),
        },
        Some("gradualRolloutRandom") => Case::Skip("random stickiness"),
        Some("flexibleRollout") => {
            let stickiness = param(strategy, "stickiness").unwrap_or_else(|| String::from("default"));
            let id = match stickiness.as_str() {
                // userId, then sessionId, then a random number.
                "default" => match context_value(context, "userId").or_else(|| context_value(context, "sessionId")) {
                    Some(id) => Some(id),
                    None => return Case::Skip("random stickiness"),
                },
                "random" => return Case::Skip("random stickiness"),
                field => context_value(context, field),
            };
            Case::Run { percent: percent(strategy, "rollout"), group: group(strategy), id }
        }
        _ => Case::Skip("another strategy type"),
    }
}

#[test]
fn the_rollout_cases_of_unleash_s_client_specification_pass() {
    let dir = spec_dir();
    let index = read(dir.join("index.json"));
    let listed: Vec<&str> = index.as_array().expect("index.json is a list").iter().filter_map(Value::as_str).collect();
    let mut ran = 0;
    let mut by_file = BTreeMap::new();
    let mut skipped: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for file in FILES {
        assert!(listed.contains(&file), "{file} is not in the specification's index.json: {listed:?}");
        let spec = read(dir.join(file));
        let toggles = spec["state"]["features"].as_array().expect("state.features");
        let mut here = 0;
        for test in spec["tests"].as_array().into_iter().flatten() {
            let name = test["toggleName"].as_str().expect("toggleName");
            let toggle =
                toggles.iter().find(|t| t["name"] == name).unwrap_or_else(|| panic!("{file}: no toggle {name}"));
            let expected = test["expectedResult"].as_bool().expect("expectedResult");
            match case(toggle, &test["context"]) {
                Case::Skip(why) => *skipped.entry(why).or_default() += 1,
                Case::Run { percent, group, id } => {
                    let bucket = id.as_deref().map(|id| hash::bucket(&group, id));
                    let got = bucket.is_some_and(|b| hash::is_in(percent, b));
                    if got != expected {
                        failures.push(format!(
                            "{file}: {}: group {group:?}, id {id:?}, bucket {bucket:?}, {percent}%: got {got}, expected {expected}",
                            test["description"]
                        ));
                    }
                    ran += 1;
                    here += 1;
                }
            }
        }
        // Variants pick a variant of an enabled toggle: maestro-gate has none.
        let variants = spec["variantTests"].as_array().map_or(0, Vec::len);
        if variants > 0 {
            *skipped.entry("variants").or_default() += variants;
        }
        by_file.insert(file, here);
    }
    println!("unleash client specification: {ran} rollout cases run, by file {by_file:?}; skipped {skipped:?}");
    assert!(failures.is_empty(), "{} of {ran} cases failed:\n{}", failures.len(), failures.join("\n"));
    // @unleash/client-specification 6.1.0 (package.json pins it): a new
    // version that adds cases or skips changes these on purpose.
    assert_eq!(ran, 24, "cases run");
    assert_eq!(
        by_file.into_iter().collect::<Vec<_>>(),
        [
            ("03-gradual-rollout-user-id-strategy.json", 5),
            ("04-gradual-rollout-session-id-strategy.json", 5),
            ("05-gradual-rollout-random-strategy.json", 0),
            ("10-flexible-rollout-strategy.json", 9),
            ("12-custom-stickiness.json", 5),
        ]
    );
    assert_eq!(
        skipped.into_iter().collect::<Vec<_>>(),
        [("not exactly one strategy", 3), ("random stickiness", 3), ("toggle disabled", 1), ("variants", 4)]
    );
}

/// The adapter itself: a case it would run wrongly would pass or fail for
/// the wrong reason.
#[test]
fn the_adapter_reads_groups_ids_and_skips() {
    let toggle = |strategies: Value| serde_json::json!({ "name": "T", "enabled": true, "strategies": strategies });
    let flexible = |params: Value| toggle(serde_json::json!([{ "name": "flexibleRollout", "parameters": params }]));
    let ctx = serde_json::json!({ "userId": "u", "sessionId": "s", "properties": { "tenant": "t" } });
    let run = |percent, group: &str, id: Option<&str>| Case::Run {
        percent,
        group: String::from(group),
        id: id.map(String::from),
    };
    assert_eq!(
        case(&flexible(serde_json::json!({ "rollout": "5" })), &ctx),
        run(5, "T", Some("u")),
        "group defaults to the toggle's name"
    );
    assert_eq!(
        case(&flexible(serde_json::json!({ "rollout": 7, "stickiness": "sessionId", "groupId": "g" })), &ctx),
        run(7, "g", Some("s"))
    );
    assert_eq!(
        case(&flexible(serde_json::json!({ "rollout": "1", "stickiness": "tenant" })), &ctx),
        run(1, "T", Some("t"))
    );
    assert_eq!(case(&flexible(serde_json::json!({ "rollout": "1", "stickiness": "other" })), &ctx), run(1, "T", None));
    let only_session = serde_json::json!({ "sessionId": "s" });
    assert_eq!(case(&flexible(serde_json::json!({ "rollout": "1" })), &only_session), run(1, "T", Some("s")));
    assert_eq!(
        case(&flexible(serde_json::json!({ "rollout": "1" })), &serde_json::json!({})),
        Case::Skip("random stickiness")
    );
    assert_eq!(
        case(&flexible(serde_json::json!({ "rollout": "1", "stickiness": "random" })), &ctx),
        Case::Skip("random stickiness")
    );
    let constrained = toggle(serde_json::json!([{ "name": "flexibleRollout", "parameters": { "rollout": "1" },
        "constraints": [{ "contextName": "x", "operator": "IN", "values": ["y"] }] }]));
    assert_eq!(case(&constrained, &ctx), Case::Skip("constraints"));
    assert_eq!(case(&toggle(serde_json::json!([{ "name": "userWithId" }])), &ctx), Case::Skip("another strategy type"));
    assert_eq!(case(&toggle(serde_json::json!([])), &ctx), Case::Skip("not exactly one strategy"));
    let mut off = flexible(serde_json::json!({ "rollout": "1" }));
    off["enabled"] = Value::Bool(false);
    assert_eq!(case(&off, &ctx), Case::Skip("toggle disabled"));
}
