//! Steps out: JSON text, with the bulk of it beside: KV keys and the response body as one
//! text, KV values as UTF-8 bytes (KV stores bytes: a value need not become a JavaScript
//! string on its way there), vector numbers as floats.

use serde::Serialize;
use serde_json::Value;

use super::Span;
use crate::effect::{Effect, Step};

/// A step as it crosses the boundary: JSON text and the arrays its spans point into.
#[derive(Debug, Default, PartialEq)]
pub struct WireStep {
    /// The step as JSON text.
    pub json: String,
    /// Every vector's values, end to end.
    pub floats: Vec<f32>,
    /// Every KV key and the response body, end to end. Its spans count UTF-16 code
    /// units, as a JavaScript string's indices do: a host decodes it once and slices.
    pub text: String,
    /// Every KV value written, as UTF-8, end to end; its spans count bytes.
    pub bytes: Vec<u8>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
enum StepForm<'a> {
    Io(Vec<EffectForm<'a>>),
    Respond { status: u16, body_at: Span },
    Done(bool),
}

/// [`Effect`] as the wire writes it: the same fields, with bulk data as spans.
#[derive(Serialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
enum EffectForm<'a> {
    KvGet {
        keys: TextRun,
    },
    KvPut {
        key_at: Span,
        value_at: Span,
        #[serde(skip_serializing_if = "Option::is_none")]
        ttl_seconds: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        metadata: Option<&'a Value>,
    },
    KvDelete {
        key_at: Span,
    },
    KvList {
        prefix: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        cursor: Option<&'a str>,
        limit: usize,
    },
    AiRun {
        model: &'a str,
        input: &'a Value,
    },
    VectorizeUpsert {
        vectors: Vec<VectorForm<'a>>,
    },
    VectorizeQuery {
        vector_at: Span,
        top_k: u32,
        filter: &'a Value,
    },
    VectorizeDeleteByIds {
        ids: &'a [String],
    },
    /// The coordinator's and the text index's calls: every field inline, in [`Effect`]'s
    /// own form.
    #[serde(untagged)]
    Inline(&'a Effect),
}

/// Strings one after another in the step's text, from unit `at`, each of its length.
#[derive(Serialize)]
struct TextRun {
    at: usize,
    lengths: Vec<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VectorForm<'a> {
    id: &'a str,
    values_at: Span,
    metadata: &'a Value,
}

/// Appends `items` to `array`; returns where they went.
fn push(array: &mut Vec<f32>, items: &[f32]) -> Span {
    let start = array.len();
    array.extend_from_slice(items);
    [start, array.len()]
}

/// The step's text, counted in UTF-16 code units as it grows.
#[derive(Default)]
struct Text {
    text: String,
    units: usize,
}

impl Text {
    fn push(&mut self, s: &str) -> Span {
        let start = self.units;
        self.text.push_str(s);
        self.units += if s.is_ascii() {
            s.len()
        } else {
            s.encode_utf16().count()
        };
        [start, self.units]
    }

    fn push_run(&mut self, strings: &[String]) -> TextRun {
        TextRun {
            at: self.units,
            lengths: strings
                .iter()
                .map(|s| {
                    let [start, end] = self.push(s);
                    end - start
                })
                .collect(),
        }
    }
}

/// A step in wire form, written straight from the step: no `Value` tree in between.
pub fn step_to_wire(step: &Step) -> WireStep {
    let mut floats = Vec::new();
    let mut text = Text::default();
    let mut bytes = Vec::new();
    let form = match step {
        Step::Io(batch) => StepForm::Io(
            batch
                .iter()
                .map(|effect| effect_form(effect, &mut floats, &mut text, &mut bytes))
                .collect(),
        ),
        Step::Respond(response) => StepForm::Respond {
            status: response.status,
            body_at: text.push(&response.body.to_string()),
        },
        Step::Done => StepForm::Done(true),
    };
    // Serializing these types cannot fail: every map key is a string.
    let json = serde_json::to_string(&form).unwrap_or_default();
    WireStep {
        json,
        floats,
        text: text.text,
        bytes,
    }
}

/// Appends `value`'s UTF-8 to `bytes`; returns where it went.
fn push_bytes(bytes: &mut Vec<u8>, value: &str) -> Span {
    let start = bytes.len();
    bytes.extend_from_slice(value.as_bytes());
    [start, bytes.len()]
}

fn effect_form<'a>(
    effect: &'a Effect,
    floats: &mut Vec<f32>,
    text: &mut Text,
    bytes: &mut Vec<u8>,
) -> EffectForm<'a> {
    match effect {
        Effect::KvGet { keys } => EffectForm::KvGet {
            keys: text.push_run(keys),
        },
        Effect::KvPut {
            key,
            value,
            ttl_seconds,
            metadata,
        } => EffectForm::KvPut {
            key_at: text.push(key),
            value_at: push_bytes(bytes, value),
            ttl_seconds: *ttl_seconds,
            metadata: metadata.as_ref(),
        },
        Effect::KvDelete { key } => EffectForm::KvDelete {
            key_at: text.push(key),
        },
        Effect::KvList {
            prefix,
            cursor,
            limit,
        } => EffectForm::KvList {
            prefix,
            cursor: cursor.as_deref(),
            limit: *limit,
        },
        Effect::AiRun { model, input } => EffectForm::AiRun { model, input },
        Effect::VectorizeUpsert { vectors } => EffectForm::VectorizeUpsert {
            vectors: vectors
                .iter()
                .map(|v| VectorForm {
                    id: &v.id,
                    values_at: push(floats, &v.values),
                    metadata: &v.metadata,
                })
                .collect(),
        },
        Effect::VectorizeQuery {
            vector,
            top_k,
            filter,
        } => EffectForm::VectorizeQuery {
            vector_at: push(floats, vector),
            top_k: *top_k,
            filter,
        },
        Effect::VectorizeDeleteByIds { ids } => EffectForm::VectorizeDeleteByIds { ids },
        Effect::CoordinatorAcquire { .. }
        | Effect::CoordinatorRelease { .. }
        | Effect::CoordinatorReadState { .. }
        | Effect::CoordinatorWriteState { .. }
        | Effect::CoordinatorCharge { .. }
        | Effect::CoordinatorCredit { .. }
        | Effect::CoordinatorUsage { .. }
        | Effect::TextIndexPut { .. }
        | Effect::TextIndexQuery { .. }
        | Effect::TextIndexDelete { .. } => EffectForm::Inline(effect),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::effect::{Response, Vector};
    use serde_json::json;

    #[test]
    fn steps_have_a_stable_json_form() {
        let step = Step::Io(vec![
            Effect::KvGet {
                keys: vec!["a".into(), "😀b".into()],
            },
            Effect::KvPut {
                key: "k".into(),
                value: "vé".into(),
                ttl_seconds: Some(60),
                metadata: None,
            },
        ]);
        assert_eq!(
            step_to_wire(&step),
            WireStep {
                json: concat!(
                    r#"{"io":[{"kind":"kvGet","keys":{"at":0,"lengths":[1,3]}},"#,
                    r#"{"kind":"kvPut","keyAt":[4,5],"valueAt":[0,3],"ttlSeconds":60}]}"#
                )
                .into(),
                floats: vec![],
                text: "a😀bk".into(),
                bytes: "vé".as_bytes().to_vec(),
            },
            "text spans count UTF-16 units: 😀 is two; value spans count bytes: é is two"
        );
        assert_eq!(step_to_wire(&Step::Done).json, r#"{"done":true}"#);
        let respond = step_to_wire(&Step::Respond(Response {
            status: 400,
            body: json!({"error": "é"}),
        }));
        assert_eq!(
            respond.json,
            r#"{"respond":{"status":400,"bodyAt":[0,13]}}"#
        );
        assert_eq!(respond.text, r#"{"error":"é"}"#);
    }

    #[test]
    fn removal_and_listing_effects_have_a_stable_json_form() {
        let step = Step::Io(vec![
            Effect::KvPut {
                key: "k".into(),
                value: "v".into(),
                ttl_seconds: None,
                metadata: Some(json!({"writtenAt": 1})),
            },
            Effect::KvDelete { key: "gone".into() },
            Effect::KvList {
                prefix: "chunkHash:u:p:".into(),
                cursor: Some("c".into()),
                limit: 1000,
            },
            Effect::VectorizeDeleteByIds {
                ids: vec!["a".into(), "b".into()],
            },
        ]);
        let wire = step_to_wire(&step);
        assert_eq!(
            wire.json,
            concat!(
                r#"{"io":[{"kind":"kvPut","keyAt":[0,1],"valueAt":[0,1],"metadata":{"writtenAt":1}},"#,
                r#"{"kind":"kvDelete","keyAt":[1,5]},"#,
                r#"{"kind":"kvList","prefix":"chunkHash:u:p:","cursor":"c","limit":1000},"#,
                r#"{"kind":"vectorizeDeleteByIds","ids":["a","b"]}]}"#
            )
        );
        assert_eq!(
            (wire.text.as_str(), wire.bytes.as_slice()),
            ("kgone", b"v".as_slice())
        );
    }

    #[test]
    fn vectors_travel_as_spans_of_the_floats() {
        let vector = |id: &str, values: Vec<f32>| Vector {
            id: id.into(),
            values,
            metadata: json!({"userId": "u"}),
        };
        let step = Step::Io(vec![
            Effect::VectorizeUpsert {
                vectors: vec![vector("a", vec![0.5, 1.5]), vector("b", vec![2.5, 3.5])],
            },
            Effect::VectorizeQuery {
                vector: vec![7.0, 8.0],
                top_k: 3,
                filter: json!({}),
            },
        ]);
        let wire = step_to_wire(&step);
        assert_eq!(wire.floats, vec![0.5, 1.5, 2.5, 3.5, 7.0, 8.0]);
        assert_eq!(
            wire.json,
            concat!(
                r#"{"io":[{"kind":"vectorizeUpsert","vectors":["#,
                r#"{"id":"a","valuesAt":[0,2],"metadata":{"userId":"u"}},"#,
                r#"{"id":"b","valuesAt":[2,4],"metadata":{"userId":"u"}}]},"#,
                r#"{"kind":"vectorizeQuery","vectorAt":[4,6],"topK":3,"filter":{}}]}"#
            )
        );
    }

    #[test]
    fn coordinator_effects_travel_inline_in_their_own_form() {
        let step = Step::Io(vec![
            Effect::CoordinatorAcquire {
                user: "u".into(),
                project: "p".into(),
                seconds: 120,
                token: Some(7),
            },
            Effect::CoordinatorWriteState {
                user: "u".into(),
                project: "p".into(),
                token: 7,
                state: None,
            },
            Effect::CoordinatorCharge {
                user: "u".into(),
                project: "p".into(),
                day: 20_454,
                ai: 3,
                ai_limit: Some(2),
                vectors: 3,
                vectors_limit: None,
            },
            Effect::CoordinatorCredit {
                user: "u".into(),
                project: "p".into(),
                day: 20_454,
                ai: 1,
                vectors: 0,
            },
            Effect::CoordinatorUsage {
                user: "u".into(),
                day: 20_454,
            },
        ]);
        assert_eq!(
            step_to_wire(&step).json,
            concat!(
                r#"{"io":[{"kind":"coordinatorAcquire","user":"u","project":"p","seconds":120,"token":7},"#,
                r#"{"kind":"coordinatorWriteState","user":"u","project":"p","token":7},"#,
                r#"{"kind":"coordinatorCharge","user":"u","project":"p","day":20454,"ai":3,"aiLimit":2,"vectors":3},"#,
                r#"{"kind":"coordinatorCredit","user":"u","project":"p","day":20454,"ai":1,"vectors":0},"#,
                r#"{"kind":"coordinatorUsage","user":"u","day":20454}]}"#
            )
        );
    }
}
