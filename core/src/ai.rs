//! The AI calls: summaries (one per call, or several in JSON mode) and embeddings; their
//! inputs (which depend on the code and the config alone, never on a path, user or project:
//! invariant 3) and the checks on their outputs.

use serde_json::{Value, json};

use crate::config::Config;
use crate::effect::{Effect, Reply, WRONG_REPLY};

/// The summary call for one piece of code.
pub fn summary_call(config: &Config, code: &str) -> Effect {
    Effect::AiRun {
        model: config.summary_model.clone(),
        input: json!({
            "messages": [
                { "role": "system", "content": config.summary_prompt },
                { "role": "user", "content": code },
            ],
            "max_tokens": config.summary_max_tokens,
        }),
    }
}

/// What the system prompt adds when several chunks are summarised in one call.
const BATCH_INSTRUCTION: &str = "The user sends a JSON object whose `chunks` each have an \
     `id` and some `code`. Answer with JSON: for every chunk, its `id` and its `summary`.";

/// The summary call for several pieces of code at once (`summaryBatchSize` over 1): JSON
/// mode (`response_format` json_schema), the chunks named by their place in the call.
pub fn summaries_call(config: &Config, codes: &[&str]) -> Effect {
    let chunks: Vec<Value> = codes
        .iter()
        .enumerate()
        .map(|(i, code)| json!({ "id": i.to_string(), "code": code }))
        .collect();
    let schema = json!({
        "type": "object",
        "properties": {
            "summaries": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": { "id": { "type": "string" }, "summary": { "type": "string" } },
                    "required": ["id", "summary"],
                },
            },
        },
        "required": ["summaries"],
    });
    Effect::AiRun {
        model: config.summary_model.clone(),
        input: json!({
            "messages": [
                { "role": "system", "content": format!("{} {BATCH_INSTRUCTION}", config.summary_prompt) },
                { "role": "user", "content": json!({ "chunks": chunks }).to_string() },
            ],
            "max_tokens": config.summary_max_tokens.saturating_mul(codes.len() as u32),
            "response_format": { "type": "json_schema", "json_schema": schema },
        }),
    }
}

/// The summaries of a [`summaries_call`] of `count` chunks, one per chunk in order: each the
/// summary the reply gives for its id, cut to `maxSummaryBytes`, or why there is none. A
/// reply that does not parse fails every chunk; one that lacks a chunk fails that chunk.
pub fn read_summaries(
    config: &Config,
    output: &Value,
    count: usize,
) -> Vec<Result<String, String>> {
    let response = output.get("response");
    // JSON mode answers an object; a model may still send it as text.
    let parsed = match response {
        Some(Value::String(text)) => serde_json::from_str::<Value>(text).ok(),
        Some(other) => Some(other.clone()),
        None => None,
    };
    let Some(list) = parsed
        .as_ref()
        .and_then(|r| r.get("summaries"))
        .and_then(Value::as_array)
    else {
        let why = "the summaries reply is not JSON with `summaries`".to_owned();
        return vec![Err(why); count];
    };
    (0..count)
        .map(|i| {
            let id = i.to_string();
            list.iter()
                .find(|s| s.get("id").and_then(Value::as_str) == Some(id.as_str()))
                .and_then(|s| s.get("summary").and_then(Value::as_str))
                .map(|text| truncate(text.trim(), config.max_summary_bytes).to_owned())
                .ok_or_else(|| format!("the summaries reply has no summary for chunk {id}"))
        })
        .collect()
}

/// The summary in a text-generation output `{response}`, cut to `maxSummaryBytes`.
pub fn read_summary(config: &Config, output: &Value) -> Result<String, String> {
    let text = output
        .get("response")
        .and_then(Value::as_str)
        .ok_or("summary output has no text `response`")?;
    Ok(truncate(text.trim(), config.max_summary_bytes).to_owned())
}

/// What is embedded for one piece of code: its summary, then the code itself, so a query
/// matches either the words of the summary or the identifiers of the code.
pub fn embedding_text(summary: &str, code: &str) -> String {
    format!("{summary}\n\n{code}")
}

/// What is embedded under `config`: [`embedding_text`], or the code alone when chunks are
/// not summarised.
pub fn embedding_input(config: &Config, summary: &str, code: &str) -> String {
    if config.summaries {
        embedding_text(summary, code)
    } else {
        code.to_owned()
    }
}

/// One embedding call for a batch of texts.
pub fn embedding_call(config: &Config, texts: Vec<String>) -> Effect {
    Effect::AiRun {
        model: config.embedding_model.clone(),
        input: json!({ "text": texts, "pooling": config.embedding_pooling }),
    }
}

/// The vectors of an embedding call's reply: the model's JSON output `{shape, data:
/// number[][]}`, or the rows a host read straight into floats. Exactly `count` of them,
/// each of `embeddingDimensions` finite numbers.
pub fn embeddings_of(config: &Config, reply: Reply, count: usize) -> Result<Vec<Vec<f32>>, String> {
    match reply {
        Reply::AiRun { output } => read_embeddings(config, &output, count),
        Reply::AiEmbeddings { rows } => check_embeddings(config, rows, count),
        _ => Err(WRONG_REPLY.into()),
    }
}

/// The vectors of an embedding output `{shape, data: number[][]}`, checked as by
/// [`check_embeddings`].
pub fn read_embeddings(
    config: &Config,
    output: &Value,
    count: usize,
) -> Result<Vec<Vec<f32>>, String> {
    let rows = output
        .get("data")
        .and_then(Value::as_array)
        .ok_or("embedding output has no `data` array")?;
    let rows = rows
        .iter()
        .map(|row| {
            let row = row.as_array().ok_or("an embedding is not an array")?;
            row.iter()
                .map(|x| {
                    x.as_f64()
                        .map(|x| x as f32)
                        .ok_or_else(|| "an embedding holds a non-number".to_owned())
                })
                .collect()
        })
        .collect::<Result<_, String>>()?;
    check_embeddings(config, rows, count)
}

/// `rows` if there are exactly `count` of them, each of `embeddingDimensions` finite
/// numbers.
pub fn check_embeddings(
    config: &Config,
    rows: Vec<Vec<f32>>,
    count: usize,
) -> Result<Vec<Vec<f32>>, String> {
    if rows.len() != count {
        return Err(format!("asked {count} embeddings, got {}", rows.len()));
    }
    for row in &rows {
        if row.len() != config.embedding_dimensions {
            return Err(format!(
                "an embedding has {} dimensions, not {}",
                row.len(),
                config.embedding_dimensions
            ));
        }
        if !row.iter().all(|x| x.is_finite()) {
            return Err("an embedding holds a non-number".to_owned());
        }
    }
    Ok(rows)
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
pub fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summaries_reply_is_read_by_id_as_an_object_or_as_text() {
        let c = Config::default();
        let object = json!({"response": {"summaries": [{"id": "1", "summary": " b "}, {"id": "0", "summary": "a"}]}});
        assert_eq!(
            read_summaries(&c, &object, 3)[..2],
            [Ok("a".into()), Ok("b".into())]
        );
        assert!(
            read_summaries(&c, &object, 3)[2].is_err(),
            "chunk 2 is lacking"
        );
        let text = json!({"response": r#"{"summaries": [{"id": "0", "summary": "a"}]}"#});
        assert_eq!(read_summaries(&c, &text, 1), [Ok("a".into())]);
        for garbled in [
            json!({"response": "not json"}),
            json!({}),
            json!({"response": {"summaries": 1}}),
        ] {
            assert!(
                read_summaries(&c, &garbled, 2).iter().all(Result::is_err),
                "{garbled}"
            );
        }
    }

    #[test]
    fn a_summaries_call_asks_for_json_with_every_chunk_by_its_place() {
        let c = Config::default();
        let Effect::AiRun { input, .. } = summaries_call(&c, &["x", "y"]) else {
            panic!("an AI call")
        };
        assert_eq!(input["response_format"]["type"], "json_schema");
        assert_eq!(input["max_tokens"], 512);
        let sent: Value =
            serde_json::from_str(input["messages"][1]["content"].as_str().unwrap()).unwrap();
        assert_eq!(
            sent,
            json!({"chunks": [{"id": "0", "code": "x"}, {"id": "1", "code": "y"}]})
        );
    }
}
