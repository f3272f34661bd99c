//! The JSON wire form of steps and outcomes, for hosts that cross a boundary as text (the
//! wasm-bindgen module): one string out per poll, one string in per batch.
//!
//! - a step: `{"io": [effect, ...]}`, `{"respond": {"status", "body"}}` or `{"done": true}`,
//!   each effect as [`Effect`]'s serde form (`{"kind": "kvGet", "keys": [...]}`, ...);
//! - outcomes: an array, one per effect in order, each `{"ok": value}` or
//!   `{"error": {"code", "message"}}`, where `value` is, by the effect's kind: kvGet, an
//!   array of string-or-null; kvPut and vectorizeUpsert, anything; aiRun, the model's JSON
//!   output; vectorizeQuery, `{"matches": [{"id", "score", "metadata"}]}`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::effect::{Effect, HostError, Match, Outcome, Reply, Response, Step};

/// A step as it goes out: `{"io": [...]}`, `{"respond": {...}}` or `{"done": true}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
enum WireStep<'a> {
    Io(&'a [Effect]),
    Respond(&'a Response),
    Done(bool),
}

/// A step as JSON text, written straight from the step: no `Value` tree in between, and
/// floats in their shortest `f32` form.
pub fn step_to_json(step: &Step) -> String {
    let wire = match step {
        Step::Io(batch) => WireStep::Io(batch),
        Step::Respond(response) => WireStep::Respond(response),
        Step::Done => WireStep::Done(true),
    };
    // Serializing these types cannot fail: every map key is a string.
    serde_json::to_string(&wire).unwrap_or_default()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
enum WireOutcome {
    Ok(#[serde(default)] Value),
    Error(HostError),
}

#[derive(Deserialize)]
struct WireMatches {
    matches: Vec<Match>,
}

/// Reads the outcomes of `batch` from JSON text. An outcome that does not parse, or whose
/// value does not fit its effect, becomes a failed call: the engine then reports the chunk
/// as failed, never as done.
pub fn outcomes_from_json(batch: &[Effect], json: &str) -> Result<Vec<Outcome>, String> {
    let raw: Vec<Value> = serde_json::from_str(json).map_err(|e| e.to_string())?;
    Ok(batch
        .iter()
        .zip(raw.into_iter().chain(std::iter::repeat(Value::Null)))
        .map(|(effect, raw)| outcome_for(effect, raw))
        .collect())
}

fn outcome_for(effect: &Effect, raw: Value) -> Outcome {
    let bad = |what: String| HostError::new("protocol", what);
    let value = match serde_json::from_value::<WireOutcome>(raw) {
        Ok(WireOutcome::Ok(v)) => v,
        Ok(WireOutcome::Error(e)) => return Err(e),
        Err(e) => return Err(bad(format!("outcome of {}: {e}", effect.call_name()))),
    };
    match effect {
        Effect::KvGet { .. } => serde_json::from_value(value)
            .map(|values| Reply::KvGet { values })
            .map_err(|e| bad(format!("kv.get values: {e}"))),
        Effect::KvPut { .. } => Ok(Reply::KvPut),
        Effect::AiRun { .. } => Ok(Reply::AiRun { output: value }),
        Effect::VectorizeUpsert { .. } => Ok(Reply::VectorizeUpsert),
        Effect::VectorizeQuery { .. } => serde_json::from_value::<WireMatches>(value)
            .map(|m| Reply::VectorizeQuery { matches: m.matches })
            .map_err(|e| bad(format!("vectorize.query matches: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn outcomes_round_trip_by_effect_kind() {
        let batch = vec![
            Effect::KvGet {
                keys: vec!["a".into(), "b".into()],
            },
            Effect::KvPut {
                key: "a".into(),
                value: "1".into(),
                ttl_seconds: Some(60),
            },
            Effect::AiRun {
                model: "m".into(),
                input: json!({}),
            },
        ];
        let outcomes = outcomes_from_json(
            &batch,
            r#"[{"ok": ["x", null]}, {"error": {"code": "timeout", "message": "slow"}}]"#,
        )
        .unwrap();
        assert_eq!(
            outcomes[0],
            Ok(Reply::KvGet {
                values: vec![Some("x".into()), None]
            })
        );
        assert_eq!(outcomes[1], Err(HostError::new("timeout", "slow")));
        assert!(outcomes[2].is_err(), "a missing outcome is a failed call");
    }

    #[test]
    fn steps_have_a_stable_json_form() {
        let step = Step::Io(vec![Effect::KvPut {
            key: "k".into(),
            value: "v".into(),
            ttl_seconds: Some(60),
        }]);
        assert_eq!(
            step_to_json(&step),
            r#"{"io":[{"kind":"kvPut","key":"k","value":"v","ttlSeconds":60}]}"#
        );
    }
}
