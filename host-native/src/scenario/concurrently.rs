//! The `concurrently` step of a scenario file: its named requests, in the order the file
//! lists them, and its schedule of grants.

use serde::Deserialize;
use serde_json::Value;

use super::{Concurrently, RequestStep, ScenarioStep};
use crate::concurrent::Grant;

/// Reads a `concurrently` step. Its requests keep the order of the JSON object only when
/// read from the file's text (`Scenario::load` puts them back in order): a `Value` sorts
/// its keys.
pub(super) fn concurrently(step: &Value) -> Result<ScenarioStep, String> {
    let requests = step
        .get("requests")
        .and_then(Value::as_object)
        .ok_or("concurrently needs `requests`, an object of named request steps")?
        .iter()
        .map(|(name, r)| {
            RequestStep::deserialize(r)
                .map(|r| (name.clone(), r))
                .map_err(|e| format!("concurrently request {name:?}: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let schedule = step
        .get("schedule")
        .and_then(Value::as_array)
        .ok_or("concurrently needs `schedule`, a list")?
        .iter()
        .map(grant)
        .collect::<Result<Vec<_>, _>>()?;
    for g in &schedule {
        if !requests.iter().any(|(name, _)| name == g.request()) {
            return Err(format!("the schedule names no request {:?}", g.request()));
        }
    }
    Ok(ScenarioStep::Concurrently(Concurrently {
        requests,
        schedule,
    }))
}

fn grant(entry: &Value) -> Result<Grant, String> {
    if let Some(name) = entry.as_str() {
        return Ok(match name.strip_suffix('*') {
            Some(name) => Grant::ToEnd(name.to_owned()),
            None => Grant::Next(name.to_owned()),
        });
    }
    let request = entry["request"]
        .as_str()
        .ok_or_else(|| format!("a schedule entry needs `request`: {entry}"))?
        .to_owned();
    if let Some(n) = entry.get("calls") {
        let n = n
            .as_u64()
            .ok_or_else(|| format!("`calls` must be a whole number: {entry}"))?;
        return Ok(Grant::Calls(request, n as usize));
    }
    if let Some(name) = entry.get("before").and_then(Value::as_str) {
        return Ok(Grant::Before(request, name.to_owned()));
    }
    Err(format!(
        "a schedule entry needs `calls` or `before`: {entry}"
    ))
}

/// The order of the requests of each `concurrently` step, as the file's text lists them.
pub(super) fn request_orders(text: &str) -> Result<Vec<Vec<String>>, String> {
    use serde::de::{IgnoredAny, MapAccess, Visitor};

    /// The keys of an object, in order.
    struct Keys(Vec<String>);
    impl<'de> Deserialize<'de> for Keys {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Keys;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                    let mut keys = Vec::new();
                    while let Some(key) = map.next_key::<String>()? {
                        map.next_value::<IgnoredAny>()?;
                        keys.push(key);
                    }
                    Ok(Keys(keys))
                }
            }
            d.deserialize_map(V)
        }
    }
    #[derive(Deserialize)]
    struct Step {
        concurrently: Option<Requests>,
    }
    #[derive(Deserialize)]
    struct Requests {
        requests: Keys,
    }
    #[derive(Deserialize)]
    struct Steps {
        steps: Vec<Step>,
    }
    let steps: Steps = serde_json::from_str(text).map_err(|e| e.to_string())?;
    Ok(steps
        .steps
        .into_iter()
        .filter_map(|s| s.concurrently.map(|c| c.requests.0))
        .collect())
}
