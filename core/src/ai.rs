//! The two AI calls: their inputs (which depend on the code and the config alone, never on a
//! path, user or project: invariant 3) and the checks on their outputs.

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
