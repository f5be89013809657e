//! The package's objects as Rust types, read from JavaScript and written to
//! it through serde-wasm-bindgen, with the names its `.d.ts` gives them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Where the decision came from (`decision().source`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub enum Source {
    /// `window.MAESTRO_ENABLED`, the runbook's runtime kill.
    Window,
    /// `VITE_MAESTRO_ENABLED` in `env`, the build-time flag.
    Env,
    /// `defaultEnabled`: nothing said on or off.
    Default,
    /// The remote health document (`remote`).
    Remote,
    /// A gradual rollout.
    Rollout,
    /// The error guard.
    Guard,
    /// The gate could not answer (its wasm did not load, `init()` has not finished, or this
    /// crate could not reach the package): disabled.
    Unavailable,
    /// A source this version of the crate does not know, as the package named it.
    Other(String),
}

impl From<String> for Source {
    fn from(name: String) -> Self {
        match name.as_str() {
            "window.MAESTRO_ENABLED" => Source::Window,
            "VITE_MAESTRO_ENABLED" => Source::Env,
            "default" => Source::Default,
            "remote" => Source::Remote,
            "rollout" => Source::Rollout,
            "guard" => Source::Guard,
            "unavailable" => Source::Unavailable,
            _ => Source::Other(name),
        }
    }
}

impl Source {
    /// The name the package uses (`"window.MAESTRO_ENABLED"`, `"default"`, ...).
    pub fn as_str(&self) -> &str {
        match self {
            Source::Window => "window.MAESTRO_ENABLED",
            Source::Env => "VITE_MAESTRO_ENABLED",
            Source::Default => "default",
            Source::Remote => "remote",
            Source::Rollout => "rollout",
            Source::Guard => "guard",
            Source::Unavailable => "unavailable",
            Source::Other(name) => name,
        }
    }
}

/// A gradual rollout's answer for this browser (`decision().rollout`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Rollout {
    /// The percentage of browsers that get MAESTRO.
    pub percent: u8,
    /// This browser's bucket, 1 to 100: in when `bucket <= percent`.
    pub bucket: u8,
    /// What the bucket was hashed from: `"userId"`, `"localStorage"`, `"sessionStorage"` or `"page"`.
    pub stickiness: String,
}

/// The gate's decision (`decision()`, `init()`'s answer, what `on_change` hears).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Decision {
    /// Whether MAESTRO is enabled.
    pub enabled: bool,
    /// Which source decided.
    pub source: Source,
    /// The deciding flag value as a string, when a flag decided.
    pub value: Option<String>,
    /// The sentence the console line says (`"Disabled by window.MAESTRO_ENABLED=false"`).
    pub reason: String,
    /// The rollout's answer, when a rollout is set.
    pub rollout: Option<Rollout>,
}

impl Decision {
    /// Disabled, source [`Source::Unavailable`], with `reason`: what every function answers
    /// when the package cannot.
    pub fn unavailable(reason: impl Into<String>) -> Self {
        Decision { enabled: false, source: Source::Unavailable, value: None, reason: reason.into(), rollout: None }
    }
}

/// `init()`'s options. Only what is set is passed on; the rest is the package's default.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InitOptions {
    /// Where `VITE_MAESTRO_ENABLED` (and `VITE_MAESTRO_ROLLOUT`) is read: a Rust app passes its
    /// build's value, `option_env!("VITE_MAESTRO_ENABLED")`, here.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// The answer when no source says on or off (the package's default is `true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_enabled: Option<bool>,
    /// `"info"`, `"warn"` or `"silent"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
    /// A health document to read before the first decision and poll for a remote kill.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<String>,
    /// How often to poll `remote`, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poll_ms: Option<u32>,
    /// A URL to send the decision beacon to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
    /// A gradual rollout's percentage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollout: Option<u8>,
    /// The rollout's stickiness.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Where to load the gate's `.wasm` from (default: beside the package's entry).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wasm: Option<String>,
}

impl InitOptions {
    /// Options with `VITE_MAESTRO_ENABLED` set to `value` when there is one
    /// (`InitOptions::with_env(option_env!("VITE_MAESTRO_ENABLED"))`).
    pub fn with_env(value: Option<&str>) -> Self {
        let mut options = InitOptions::default();
        if let Some(value) = value {
            options.env.insert("VITE_MAESTRO_ENABLED".into(), value.into());
        }
        options
    }
}

/// `clear_client_state`'s and `verify_client_state`'s options (the package's defaults when unset).
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CleanupOptions {
    /// The IndexedDB database to delete (default `"maestro_secrets"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// The storage keys' prefix (default `"maestro:"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// `"prefixed"` (default), `"all"` or `"none"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_storage: Option<String>,
    /// How long to wait for a blocked delete, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_timeout_ms: Option<u32>,
    /// Ask every other open tab too (default `true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all_tabs: Option<bool>,
    /// `"info"` (default) or `"silent"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
}

/// What happened to the database.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct DatabaseReport {
    /// The database's name.
    pub name: String,
    /// `"deleted"`, `"pending"`, `"unavailable"` or `"error"`.
    pub outcome: String,
    /// Whether another connection blocked the delete.
    pub blocked: bool,
    /// Why, when it failed.
    #[serde(default)]
    pub error: Option<String>,
}

/// What happened to one storage area.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct StorageReport {
    /// `"cleared"`, `"skipped"`, `"unavailable"` or `"error"`.
    pub outcome: String,
    /// The keys removed.
    pub removed: Vec<String>,
    /// The keys whose removal failed.
    pub failed: Vec<String>,
    /// Why, when it failed.
    #[serde(default)]
    pub error: Option<String>,
}

/// `clear_client_state`'s report.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CleanupReport {
    /// Whether everything that was there is gone.
    pub ok: bool,
    /// The database.
    pub database: DatabaseReport,
    /// localStorage.
    pub local_storage: StorageReport,
    /// sessionStorage.
    pub session_storage: StorageReport,
    /// How many other tabs answered.
    pub other_tabs: u32,
}

impl CleanupReport {
    /// Nothing could be done: every part `"unavailable"`, with `why`.
    pub fn unavailable(database: &str, why: &str) -> Self {
        let area = || StorageReport {
            outcome: "unavailable".into(),
            removed: Vec::new(),
            failed: Vec::new(),
            error: Some(why.into()),
        };
        CleanupReport {
            ok: false,
            database: DatabaseReport {
                name: database.into(),
                outcome: "unavailable".into(),
                blocked: false,
                error: Some(why.into()),
            },
            local_storage: area(),
            session_storage: area(),
            other_tabs: 0,
        }
    }
}

/// Whether the database exists.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct DatabaseExists {
    /// The database's name.
    pub name: String,
    /// `None` when it could not be known.
    pub exists: Option<bool>,
}

/// `verify_client_state`'s report: what is left. `None` where it could not be known.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyReport {
    /// The database.
    pub database: DatabaseExists,
    /// The prefixed keys left in localStorage.
    pub local_storage_keys: Option<Vec<String>>,
    /// The prefixed keys left in sessionStorage.
    pub session_storage_keys: Option<Vec<String>>,
    /// Whether nothing is left.
    pub clean: Option<bool>,
}

impl VerifyReport {
    /// Nothing could be known.
    pub fn unknown(database: &str) -> Self {
        VerifyReport {
            database: DatabaseExists { name: database.into(), exists: None },
            local_storage_keys: None,
            session_storage_keys: None,
            clean: None,
        }
    }
}
