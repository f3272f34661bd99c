//! Outcomes in: JSON text, with KV values and embedding numbers beside it, each read
//! straight into the reply its effect expects (no `Value` tree for them).

use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::Value;
use serde_json::value::RawValue;

use super::arrays::{RowsForm, TextsForm, float_rows, texts};
use crate::effect::{
    Charged, Effect, HostError, Lease, ListedKey, Match, Outcome, ProjectUsage, Reply,
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
enum OutcomeForm<T> {
    Ok(T),
    Error(HostError),
    Texts(TextsForm),
    Embeddings(RowsForm),
}

#[derive(Deserialize)]
struct WireMatches {
    matches: Vec<Match>,
}

#[derive(Deserialize)]
struct WirePage {
    keys: Vec<ListedKey>,
    #[serde(default)]
    cursor: Option<String>,
}

/// Reads the outcomes of `batch` from JSON text and the batch's arrays: `floats` for
/// embeddings, `text` for KV values. An outcome that is missing or does not parse, or
/// whose value does not fit its effect, becomes a failed call: the engine then reports the
/// chunk as failed, never as done. Only text that is not a JSON array is an error.
pub fn outcomes_from_wire(
    batch: &[Effect],
    json: &str,
    floats: &[f32],
    text: &[u8],
) -> Result<Vec<Outcome>, String> {
    let raw: Vec<&RawValue> = serde_json::from_str(json).map_err(|e| e.to_string())?;
    Ok(batch
        .iter()
        .enumerate()
        .map(|(i, effect)| {
            let call = effect.call_name();
            let outcome = match raw.get(i) {
                Some(raw) => outcome_for(effect, raw.get(), floats, text),
                None => Err("no outcome".to_owned()),
            };
            // A host's own error passes as it is; anything else unreadable is `protocol`.
            outcome.unwrap_or_else(|what| Err(protocol(format!("outcome of {call}: {what}"))))
        })
        .collect())
}

fn protocol(what: String) -> HostError {
    HostError::new("protocol", what)
}

/// One outcome; `Err` when it cannot be read at all.
fn outcome_for(effect: &Effect, raw: &str, floats: &[f32], text: &[u8]) -> Result<Outcome, String> {
    Ok(match effect {
        Effect::KvGet { .. } => match parse::<Vec<Option<String>>>(raw)? {
            OutcomeForm::Ok(values) => Ok(Reply::KvGet { values }),
            OutcomeForm::Texts(form) => Ok(Reply::KvGet {
                values: texts(&form, text)?,
            }),
            other => other_form(other)?,
        },
        Effect::KvPut { .. } => parse::<IgnoredAny>(raw)?.or_form(Reply::KvPut)?,
        Effect::KvDelete { .. } => parse::<IgnoredAny>(raw)?.or_form(Reply::KvDelete)?,
        Effect::KvList { .. } => match parse::<WirePage>(raw)? {
            OutcomeForm::Ok(page) => Ok(Reply::KvList {
                keys: page.keys,
                cursor: page.cursor,
            }),
            other => other_form(other)?,
        },
        Effect::AiRun { .. } => match parse::<Value>(raw)? {
            OutcomeForm::Ok(output) => Ok(Reply::AiRun { output }),
            OutcomeForm::Embeddings(rows) => Ok(Reply::AiEmbeddings {
                rows: float_rows(&rows, floats)?,
            }),
            other => other_form(other)?,
        },
        Effect::VectorizeUpsert { .. } => {
            parse::<IgnoredAny>(raw)?.or_form(Reply::VectorizeUpsert)?
        }
        Effect::VectorizeQuery { .. } => match parse::<WireMatches>(raw)? {
            OutcomeForm::Ok(m) => Ok(Reply::VectorizeQuery { matches: m.matches }),
            other => other_form(other)?,
        },
        Effect::VectorizeDeleteByIds { .. } => {
            parse::<IgnoredAny>(raw)?.or_form(Reply::VectorizeDeleteByIds)?
        }
        Effect::TextIndexPut { .. } => parse::<IgnoredAny>(raw)?.or_form(Reply::TextIndexPut)?,
        Effect::TextIndexQuery { .. } => match parse::<WireMatches>(raw)? {
            OutcomeForm::Ok(m) => Ok(Reply::TextIndexQuery { matches: m.matches }),
            other => other_form(other)?,
        },
        Effect::TextIndexDelete { .. } => {
            parse::<IgnoredAny>(raw)?.or_form(Reply::TextIndexDelete)?
        }
        Effect::CoordinatorAcquire { .. } => match parse::<Lease>(raw)? {
            OutcomeForm::Ok(lease) => Ok(Reply::CoordinatorAcquire { lease }),
            other => other_form(other)?,
        },
        Effect::CoordinatorRelease { .. } => {
            parse::<IgnoredAny>(raw)?.or_form(Reply::CoordinatorRelease)?
        }
        Effect::CoordinatorReadState { .. } => match parse::<Option<String>>(raw)? {
            OutcomeForm::Ok(state) => Ok(Reply::CoordinatorReadState { state }),
            other => other_form(other)?,
        },
        Effect::CoordinatorWriteState { .. } => match parse::<bool>(raw)? {
            OutcomeForm::Ok(written) => Ok(Reply::CoordinatorWriteState { written }),
            other => other_form(other)?,
        },
        Effect::CoordinatorCharge { .. } => match parse::<Charged>(raw)? {
            OutcomeForm::Ok(charged) => Ok(Reply::CoordinatorCharge { charged }),
            other => other_form(other)?,
        },
        Effect::CoordinatorCredit { .. } => {
            parse::<IgnoredAny>(raw)?.or_form(Reply::CoordinatorCredit)?
        }
        Effect::CoordinatorUsage { .. } => match parse::<Vec<ProjectUsage>>(raw)? {
            OutcomeForm::Ok(projects) => Ok(Reply::CoordinatorUsage { projects }),
            other => other_form(other)?,
        },
    })
}

fn parse<T: DeserializeOwned>(raw: &str) -> Result<OutcomeForm<T>, String> {
    serde_json::from_str(raw).map_err(|e| e.to_string())
}

impl OutcomeForm<IgnoredAny> {
    /// `reply` for any `ok` value.
    fn or_form(self, reply: Reply) -> Result<Outcome, String> {
        match self {
            OutcomeForm::Ok(_) => Ok(Ok(reply)),
            other => other_form(other),
        }
    }
}

/// A host error, or a form that does not fit the effect.
fn other_form<T>(form: OutcomeForm<T>) -> Result<Outcome, String> {
    match form {
        OutcomeForm::Error(e) => Ok(Err(e)),
        OutcomeForm::Texts(_) => Err("texts answer only a KV read".into()),
        OutcomeForm::Embeddings(_) => Err("float rows answer only an AI call".into()),
        OutcomeForm::Ok(_) => Err("an ok value of the wrong shape".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ai_run() -> Effect {
        Effect::AiRun {
            model: "m".into(),
            input: json!({}),
        }
    }

    fn kv_get() -> Effect {
        Effect::KvGet {
            keys: vec!["a".into(), "b".into()],
        }
    }

    fn kv_put() -> Effect {
        Effect::KvPut {
            key: "a".into(),
            value: "1".into(),
            ttl_seconds: Some(60),
            metadata: None,
        }
    }

    #[test]
    fn list_pages_and_deletes_read_back() {
        let batch = vec![
            Effect::KvList {
                prefix: "p".into(),
                cursor: None,
                limit: 2,
            },
            Effect::KvDelete { key: "a".into() },
            Effect::VectorizeDeleteByIds { ids: vec![] },
            Effect::KvList {
                prefix: "p".into(),
                cursor: None,
                limit: 2,
            },
        ];
        let outcomes = outcomes_from_wire(
            &batch,
            r#"[{"ok": {"keys": [{"name": "pa", "metadata": {"w": 1}}, {"name": "pb"}], "cursor": "pb"}},
                {"ok": null}, {"ok": null}, {"ok": {"keys": 1}}]"#,
            &[],
            &[],
        )
        .unwrap();
        assert_eq!(
            outcomes[0],
            Ok(Reply::KvList {
                keys: vec![
                    ListedKey {
                        name: "pa".into(),
                        metadata: Some(json!({"w": 1}))
                    },
                    ListedKey {
                        name: "pb".into(),
                        metadata: None
                    }
                ],
                cursor: Some("pb".into())
            })
        );
        assert_eq!(outcomes[1], Ok(Reply::KvDelete));
        assert_eq!(outcomes[2], Ok(Reply::VectorizeDeleteByIds));
        assert!(is_protocol(&outcomes[3]), "a page of the wrong shape");
    }

    fn is_protocol(outcome: &Outcome) -> bool {
        matches!(outcome, Err(e) if e.code == "protocol")
    }

    #[test]
    fn outcomes_round_trip_by_effect_kind() {
        let batch = vec![kv_get(), kv_put(), ai_run(), ai_run()];
        let outcomes = outcomes_from_wire(
            &batch,
            r#"[{"ok": ["x", null]}, {"error": {"code": "timeout", "message": "slow"}},
                {"ok": {"response": "r"}}]"#,
            &[],
            &[],
        )
        .unwrap();
        assert_eq!(
            outcomes[0],
            Ok(Reply::KvGet {
                values: vec![Some("x".into()), None]
            })
        );
        assert_eq!(outcomes[1], Err(HostError::new("timeout", "slow")));
        assert_eq!(
            outcomes[2],
            Ok(Reply::AiRun {
                output: json!({"response": "r"})
            })
        );
        assert!(
            is_protocol(&outcomes[3]),
            "a missing outcome is a failed call"
        );
        assert!(outcomes_from_wire(&batch, "{}", &[], &[]).is_err());
    }

    #[test]
    fn kv_values_come_in_order_from_the_text() {
        let batch = vec![kv_get(), kv_get(), kv_get(), kv_get()];
        let text = "xxvéy".as_bytes();
        let outcomes = outcomes_from_wire(
            &batch,
            r#"[{"texts": {"at": 2, "lengths": [3, null, 1, 0]}},
                {"texts": {"at": 0, "lengths": [9]}},
                {"texts": {"at": 3, "lengths": [1]}},
                {"texts": {"at": 18446744073709551615, "lengths": [2]}}]"#,
            &[],
            text,
        )
        .unwrap();
        assert_eq!(
            outcomes[0],
            Ok(Reply::KvGet {
                values: vec![
                    Some("vé".into()),
                    None,
                    Some("y".into()),
                    Some(String::new())
                ]
            })
        );
        assert!(is_protocol(&outcomes[1]), "past the end");
        assert!(is_protocol(&outcomes[2]), "half a character");
        assert!(is_protocol(&outcomes[3]), "overflow");
        let texts = r#"[{"texts": {"at": 0, "lengths": []}}]"#;
        let outcomes = outcomes_from_wire(&[kv_put()], texts, &[], &[]).unwrap();
        assert!(is_protocol(&outcomes[0]), "texts answer only a KV read");
    }

    #[test]
    fn embeddings_come_as_rows_of_the_floats() {
        let batch = vec![ai_run(), ai_run()];
        let floats = [9.0, 1.0, 2.0, 3.0, 4.0];
        let outcomes = outcomes_from_wire(
            &batch,
            r#"[{"embeddings": {"rows": 2, "at": [1, 5]}}, {"embeddings": {"rows": 1, "at": [1, 6]}}]"#,
            &floats,
            &[],
        )
        .unwrap();
        assert_eq!(
            outcomes[0],
            Ok(Reply::AiEmbeddings {
                rows: vec![vec![1.0, 2.0], vec![3.0, 4.0]]
            })
        );
        assert!(is_protocol(&outcomes[1]), "out of range");
        for bad in [
            r#"[{"embeddings": {"rows": 3, "at": [1, 5]}}]"#,
            r#"[{"embeddings": {"rows": 5, "at": [0, 0]}}]"#,
            r#"[{"embeddings": {"rows": 0, "at": [0, 1]}}]"#,
            r#"[{"embeddings": {"rows": 1, "at": [3, 1]}}]"#,
        ] {
            let outcomes = outcomes_from_wire(&batch[..1], bad, &floats, &[]).unwrap();
            assert!(is_protocol(&outcomes[0]), "{bad}");
        }
        let outcomes = outcomes_from_wire(
            &[kv_put()],
            r#"[{"embeddings": {"rows": 1, "at": [0, 1]}}]"#,
            &floats,
            &[],
        )
        .unwrap();
        assert!(
            is_protocol(&outcomes[0]),
            "float rows answer only an AI call"
        );
    }

    #[test]
    fn quota_answers_read_back() {
        let charge = Effect::CoordinatorCharge {
            user: "u".into(),
            project: "p".into(),
            day: 1,
            ai: 2,
            ai_limit: None,
            vectors: 2,
            vectors_limit: Some(1),
        };
        let usage = Effect::CoordinatorUsage {
            user: "u".into(),
            day: 1,
        };
        let credit = Effect::CoordinatorCredit {
            user: "u".into(),
            project: "p".into(),
            day: 1,
            ai: 0,
            vectors: 1,
        };
        let batch = [charge.clone(), usage, credit, charge];
        let outcomes = outcomes_from_wire(
            &batch,
            r#"[{"ok": {"ai": 2, "vectors": 1, "aiUsed": 5, "vectorsHeld": 1}},
                {"ok": [{"project": "p", "aiToday": 5, "vectors": 1}]},
                {"ok": null}, {"ok": {"ai": -1}}]"#,
            &[],
            &[],
        )
        .unwrap();
        assert_eq!(
            outcomes[0],
            Ok(Reply::CoordinatorCharge {
                charged: Charged {
                    ai: 2,
                    vectors: 1,
                    ai_used: 5,
                    vectors_held: 1
                }
            })
        );
        assert_eq!(
            outcomes[1],
            Ok(Reply::CoordinatorUsage {
                projects: vec![ProjectUsage {
                    project: "p".into(),
                    ai_today: 5,
                    vectors: 1
                }]
            })
        );
        assert_eq!(outcomes[2], Ok(Reply::CoordinatorCredit));
        assert!(is_protocol(&outcomes[3]), "a charge of the wrong shape");
    }
}
