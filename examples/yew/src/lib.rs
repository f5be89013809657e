//! A Yew app over maestro-gate's Rust binding: MAESTRO's component is mounted
//! while the gate says on and unmounted on a live kill
//! (`window.MAESTRO_ENABLED = false`); a button rolls back MAESTRO's client
//! state and shows the report. It counts the component's mounts on
//! `window.maestroMounts`, for the test to read.

use maestro_gate_js::{clear_client_state, decision, init, on_change, CleanupOptions, Decision, InitOptions};
use wasm_bindgen::prelude::*;
use yew::platform::spawn_local;
use yew::prelude::*;

// Adds one to `window.maestroMounts[field]`.
fn count(field: &str) {
    let global = js_sys::global();
    let key = JsValue::from_str("maestroMounts");
    let counts = js_sys::Reflect::get(&global, &key).ok().filter(|v| v.is_object()).unwrap_or_else(|| {
        let counts = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&counts, &"mounted".into(), &0.into());
        let _ = js_sys::Reflect::set(&counts, &"unmounted".into(), &0.into());
        let _ = js_sys::Reflect::set(&global, &key, &counts);
        counts.into()
    });
    let now = js_sys::Reflect::get(&counts, &field.into()).ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
    let _ = js_sys::Reflect::set(&counts, &field.into(), &(now + 1.0).into());
}

/// MAESTRO's component (a stand-in).
#[function_component]
fn Maestro() -> Html {
    use_effect_with((), |_| {
        count("mounted");
        || count("unmounted")
    });
    html! { <div id="maestro">{ "MAESTRO" }</div> }
}

/// The app: the decision as state, kept current by `on_change`.
#[function_component]
fn App() -> Html {
    let current = use_state(decision);
    let cleared = use_state(|| None::<String>);
    {
        let current = current.clone();
        use_effect_with((), move |_| {
            let subscription = on_change(move |d: Decision| current.set(d));
            move || drop(subscription)
        });
    }
    let clear = {
        let cleared = cleared.clone();
        Callback::from(move |_| {
            let cleared = cleared.clone();
            spawn_local(async move {
                let report = clear_client_state(&CleanupOptions::default()).await;
                cleared.set(Some(format!(
                    "ok {} database {} localStorage {} removed {}",
                    report.ok,
                    report.database.outcome,
                    report.local_storage.outcome,
                    report.local_storage.removed.len()
                )));
            });
        })
    };
    html! {
        <>
            <p id="status">{ format!("{} {}", current.enabled, current.source.as_str()) }</p>
            if current.enabled {
                <Maestro />
            } else {
                <p id="fallback">{ "MAESTRO is off" }</p>
            }
            <button id="clear" onclick={clear}>{ "Roll back MAESTRO's client state" }</button>
            if let Some(text) = &*cleared {
                <p id="cleared">{ text.clone() }</p>
            }
        </>
    }
}

/// Decides first (the build's `VITE_MAESTRO_ENABLED`, if any), then renders.
#[wasm_bindgen(start)]
pub fn main() {
    spawn_local(async {
        init(&InitOptions::with_env(option_env!("VITE_MAESTRO_ENABLED"))).await;
        yew::Renderer::<App>::new().render();
    });
}
