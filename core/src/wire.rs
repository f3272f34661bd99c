//! The JSON wire form of steps and outcomes, for hosts that cross a boundary as text (the
//! wasm-bindgen module): one string out per poll, one string in per batch.
//!
//! - a step: `{"io": [effect, ...]}`, `{"respond": {"status", "body"}}` or `{"done": true}`,
//!   each effect as [`Effect`]'s serde form (`{"kind": "kvGet", "keys": [...]}`, ...);
//! - outcomes: an array, one per effect in order, each `{"ok": value}` or
//!   `{"error": {"code", "message"}}`, where `value` is, by the effect's kind: kvGet, an
//!   array of string-or-null; kvPut and vectorizeUpsert, anything; aiRun, the model's JSON
//!   output; vectorizeQuery, `{"matches": [{"id", "score", "metadata"}]}`.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::effect::{Effect, HostError, Match, Outcome, Reply, Step};

/// A step as JSON text.
pub fn step_to_json(step: &Step) -> String {
    let value = match step {
        Step::Io(batch) => json!({ "io": batch }),
        Step::Respond(response) => json!({ "respond": response }),
        Step::Done => json!({ "done": true }),
    };
    value.to_string()
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
            r#"{"io":[{"key":"k","kind":"kvPut","ttlSeconds":60,"value":"v"}]}"#
        );
    }
}
