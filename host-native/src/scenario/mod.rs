//! Conformance scenario files, read as `tests/README.md` describes them. Unknown fields are
//! ignored (hosts may add fields); missing required ones are named in the error.

use std::collections::BTreeMap;
use std::path::Path;

use index_sync_core::RequestKind;
use serde::Deserialize;
use serde_json::Value;

use crate::concurrent::Grant;
use crate::fakes::FaultMode;
use concurrently::{concurrently, request_orders};

mod concurrently;

/// One scenario.
#[derive(Debug, Deserialize)]
pub struct Scenario {
    /// Its name.
    pub name: String,
    /// What it proves.
    #[serde(default)]
    pub about: String,
    /// Engine config overrides.
    #[serde(default)]
    pub config: Option<Value>,
    /// The steps, in order.
    pub steps: Vec<ScenarioStep>,
    /// Checks on the world at the end.
    #[serde(default, rename = "final")]
    pub final_state: FinalState,
}

/// One step.
#[derive(Debug)]
pub enum ScenarioStep {
    /// A request and what to expect of it.
    Request(RequestStep),
    /// Move the clock.
    Advance(u64),
    /// Write a KV entry directly, as another version of the code or a person might (not
    /// counted as a call). This host's addition, for values of a foreign shape.
    KvPut {
        /// Key.
        key: String,
        /// Value.
        value: String,
        /// Lifetime in seconds, if any.
        ttl_seconds: Option<u64>,
    },
    /// Overlapping requests, replayed call by call (`concurrently`).
    Concurrently(Concurrently),
    /// Make the next calls of a name fail.
    FailNext {
        /// Call name (`kv.get`, ...).
        call: String,
        /// How many.
        times: usize,
        /// Calls of that name to let through first (this host's addition).
        skip: usize,
        /// How they fail (`"mode": "timeout"` is this host's addition).
        mode: FaultMode,
    },
}

/// A request step.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestStep {
    /// `init`, `sync` or `search`.
    pub request: String,
    /// The authenticated user.
    pub user: String,
    /// The body as JSON.
    #[serde(default)]
    pub body: Value,
    /// This host's addition: a body sent verbatim (for malformed JSON).
    #[serde(default)]
    pub raw_body: Option<String>,
    /// What to expect.
    #[serde(default)]
    pub expect: Expect,
}

impl RequestStep {
    /// The request kind.
    pub fn kind(&self) -> Result<RequestKind, String> {
        self.request.parse()
    }

    /// The body bytes as a client sends them.
    pub fn body_bytes(&self) -> Vec<u8> {
        match &self.raw_body {
            Some(raw) => raw.clone().into_bytes(),
            None => self.body.to_string().into_bytes(),
        }
    }
}

/// A `concurrently` step: named requests, in the order listed, and the schedule.
#[derive(Debug)]
pub struct Concurrently {
    /// The requests, in the order listed.
    pub requests: Vec<(String, RequestStep)>,
    /// The grants, in order.
    pub schedule: Vec<Grant>,
}

/// An expected status: one, or a list any of which passes (the body is then checked only
/// when the status is the list's first).
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Statuses {
    /// Exactly this one.
    One(u16),
    /// Any of these.
    Any(Vec<u16>),
}

impl Statuses {
    /// Whether `status` passes.
    pub fn allows(&self, status: u16) -> bool {
        match self {
            Statuses::One(s) => *s == status,
            Statuses::Any(list) => list.contains(&status),
        }
    }

    /// Whether the body is checked when the response has `status`.
    pub fn checks_body_of(&self, status: u16) -> bool {
        match self {
            Statuses::One(_) => true,
            Statuses::Any(list) => list.first() == Some(&status),
        }
    }
}

/// Expectations of a request step; absent ones are not checked.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Expect {
    /// HTTP status.
    pub status: Option<Statuses>,
    /// A subset of the body.
    pub body: Option<Value>,
    /// Exact call counts by name.
    pub calls: Option<BTreeMap<String, u64>>,
    /// Search results' file paths, best first.
    pub file_paths: Option<Vec<String>>,
}

/// Keys and ids that must or must not exist at the end.
#[derive(Debug, Default, Deserialize)]
pub struct FinalState {
    /// KV keys.
    #[serde(default)]
    pub kv: HasLacks,
    /// Vector ids.
    #[serde(default)]
    pub vectors: HasLacks,
    /// Text-index entry ids (this project's addition).
    #[serde(default, rename = "textIndex")]
    pub text_index: HasLacks,
}

/// Present and absent names.
#[derive(Debug, Default, Deserialize)]
pub struct HasLacks {
    /// Must exist.
    #[serde(default)]
    pub has: Vec<String>,
    /// Must not exist.
    #[serde(default)]
    pub lacks: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KvPutBody {
    key: String,
    value: String,
    #[serde(default)]
    ttl_seconds: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FailNextBody {
    call: String,
    times: usize,
    #[serde(default)]
    skip: usize,
    #[serde(default)]
    mode: Option<String>,
}

impl<'de> Deserialize<'de> for ScenarioStep {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = Value::deserialize(d)?;
        if value.get("request").is_some() {
            return RequestStep::deserialize(value)
                .map(ScenarioStep::Request)
                .map_err(D::Error::custom);
        }
        if let Some(seconds) = value.get("advanceSeconds") {
            let seconds = seconds
                .as_u64()
                .ok_or_else(|| D::Error::custom("advanceSeconds must be a whole number"))?;
            return Ok(ScenarioStep::Advance(seconds));
        }
        if let Some(put) = value.get("kvPut") {
            let p = KvPutBody::deserialize(put).map_err(D::Error::custom)?;
            return Ok(ScenarioStep::KvPut {
                key: p.key,
                value: p.value,
                ttl_seconds: p.ttl_seconds,
            });
        }
        if let Some(step) = value.get("concurrently") {
            return concurrently(step).map_err(D::Error::custom);
        }
        if let Some(fail) = value.get("failNext") {
            let f = FailNextBody::deserialize(fail).map_err(D::Error::custom)?;
            let mode = match f.mode.as_deref() {
                None | Some("error") => FaultMode::Error,
                Some("timeout") => FaultMode::Timeout,
                Some(other) => {
                    return Err(D::Error::custom(format!("unknown failNext mode {other:?}")));
                }
            };
            return Ok(ScenarioStep::FailNext {
                call: f.call,
                times: f.times,
                skip: f.skip,
                mode,
            });
        }
        Err(D::Error::custom(
            "a step needs `request`, `advanceSeconds`, `failNext`, `kvPut` or `concurrently`",
        ))
    }
}

impl Scenario {
    /// Reads a scenario file.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Reads a scenario from its text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut scenario: Scenario = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut orders = request_orders(text)?.into_iter();
        for step in &mut scenario.steps {
            if let ScenarioStep::Concurrently(c) = step
                && let Some(order) = orders.next()
            {
                c.requests
                    .sort_by_key(|(name, _)| order.iter().position(|o| o == name));
            }
        }
        Ok(scenario)
    }

    /// The config as JSON text for the engine (`{}` when absent).
    pub fn config_json(&self) -> String {
        self.config
            .as_ref()
            .map_or_else(|| "{}".to_owned(), Value::to_string)
    }
}

/// The project's own scenarios: `tests/scenarios/` at the repository root.
pub fn project_scenarios_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios")
}

/// Every `*.json` file in a folder, sorted.
pub fn scenario_files(dir: &Path) -> Result<Vec<std::path::PathBuf>, String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_requests_keep_the_order_the_file_lists_them_in() {
        let text = r#"{"name": "n", "steps": [
            {"advanceSeconds": 1},
            {"concurrently": {"requests": {
                "zeta": {"request": "search", "user": "u", "body": {}},
                "alpha": {"request": "search", "user": "u", "body": {}}},
             "schedule": ["alpha*"]}}]}"#;
        let scenario = Scenario::parse(text).expect("a scenario");
        let ScenarioStep::Concurrently(c) = &scenario.steps[1] else {
            panic!("a concurrently step")
        };
        let names: Vec<&str> = c.requests.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["zeta", "alpha"]);
    }
}
