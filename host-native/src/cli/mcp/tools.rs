//! The two tools, apart from the protocol: their descriptions and schemas as `tools/list`
//! gives them, their arguments read, and their results, each as structured content (the
//! form of its `outputSchema`) and as text a model or a person reads.
//!
//! - `search_code` `{query, topK?, path?, lang?}`: `search`'s results, structured exactly as
//!   `search --json` prints them; the text is `search`'s own output, `path:start-end` and
//!   the code. `path` and `lang` are `search`'s `--path` and `--lang`, from the project's
//!   root.
//! - `index_status` `{}`: the project's chunks, files and last indexing (`status.rs`).
//!
//! Arguments that do not fit the input schema are the protocol's error (invalid params); a
//! search the engine refuses as asked (a bad glob, a `topK` out of range) is the tool's
//! error, with the engine's message, for the model to correct.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use super::super::client::Client;
use super::super::search::filters::Filters;
use super::super::search::{Answer, DEFAULT_TOP_K, results, search, show};
use super::super::tenant::Tenant;
use super::status;

/// The search tool's name.
pub const SEARCH_CODE: &str = "search_code";
/// The status tool's name.
pub const INDEX_STATUS: &str = "index_status";

/// A tool's definition: name, title, description, input and output schemas.
pub struct Definition {
    /// The name a call gives.
    pub name: &'static str,
    /// For people.
    pub title: &'static str,
    /// For the model: when to use it.
    pub description: String,
    /// The JSON Schema of its arguments.
    pub input: Value,
    /// The JSON Schema of its structured result.
    pub output: Value,
}

/// What a call gave back: structured content and text, or the tool's error.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// The result.
    Done {
        /// Of the tool's `outputSchema`.
        structured: Value,
        /// For a reader.
        text: String,
    },
    /// The tool ran and could not do it: why.
    Failed(String),
}

/// The tools, for `tools/list`.
pub fn definitions(tenant: &Tenant) -> Vec<Definition> {
    let strings = |what: &str| {
        json!({
            "description": what,
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
        })
    };
    vec![
        Definition {
            name: SEARCH_CODE,
            title: "Search code",
            description: format!(
                "Semantic search over the indexed code of project {} (user {}): the best \
                 matches for a description of what the code does, each at every place it is \
                 (path:start-end, lines 1-based and inclusive) with its first lines. Narrow \
                 it with path (folders, files or globs from the project's root) and lang \
                 (file extensions).",
                tenant.project, tenant.user
            ),
            input: json!({
                "type": "object",
                "properties": {
                    "query": {"type": "string", "minLength": 1, "description": "What the code does, in words or code."},
                    "topK": {"type": "integer", "minimum": 1, "description": format!("How many results; {DEFAULT_TOP_K} unless given.")},
                    "path": strings("Only results at these paths: folders (src/cli), files, or globs (**/*_test.go), from the project's root; any of several."),
                    "lang": strings("Only results in files with these extensions, without the dot (rs, ts)."),
                },
                "required": ["query"],
                "additionalProperties": false
            }),
            output: results::json_schema(),
        },
        Definition {
            name: INDEX_STATUS,
            title: "Index status",
            description: format!(
                "How much of project {} (user {}) is indexed: its chunks, the files they are \
                 in, and when it was last indexed.",
                tenant.project, tenant.user
            ),
            input: json!({"type": "object", "properties": {}, "additionalProperties": false}),
            output: status::json_schema(),
        },
    ]
}

/// A call's arguments that do not fit the tool's input schema: why.
#[derive(Debug, PartialEq, Eq)]
pub struct BadArguments(pub String);

/// `search_code`'s arguments.
#[derive(Debug, PartialEq)]
pub struct SearchArguments {
    query: String,
    top_k: u32,
    filters: Filters,
}

/// Reads `search_code`'s arguments.
pub fn search_arguments(arguments: &Map<String, Value>) -> Result<SearchArguments, BadArguments> {
    let bad = |why: String| Err(BadArguments(why));
    if let Some(unknown) = arguments
        .keys()
        .find(|k| !["query", "topK", "path", "lang"].contains(&k.as_str()))
    {
        return bad(format!(
            "unknown argument {unknown:?}: query, topK, path and lang"
        ));
    }
    let query = match arguments.get("query") {
        Some(Value::String(query)) if !query.is_empty() => query.clone(),
        Some(other) => return bad(format!("query is a non-empty string, not {other}")),
        None => return bad("query is required".to_owned()),
    };
    let top_k = match arguments.get("topK") {
        None | Some(Value::Null) => DEFAULT_TOP_K,
        Some(n) => match n.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) if n >= 1 => n,
            _ => return bad(format!("topK is a positive integer, not {n}")),
        },
    };
    Ok(SearchArguments {
        query,
        top_k,
        filters: Filters {
            paths: strings(arguments, "path")?,
            excludes: Vec::new(),
            langs: strings(arguments, "lang")?,
        },
    })
}

/// A string or an array of strings, as a list; none when absent.
fn strings(arguments: &Map<String, Value>, name: &str) -> Result<Vec<String>, BadArguments> {
    match arguments.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(one)) => Ok(vec![one.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| BadArguments(format!("{name} holds strings only, not {item}")))
            })
            .collect(),
        Some(other) => Err(BadArguments(format!(
            "{name} is a string or an array of strings, not {other}"
        ))),
    }
}

/// Runs `search_code`.
pub fn search_code(
    client: &mut Client,
    tenant: &Tenant,
    arguments: &SearchArguments,
) -> Result<Outcome, String> {
    // Relative paths name the project's files from its root, as the results do.
    let answer = search(
        client,
        tenant,
        &arguments.query,
        arguments.top_k,
        &arguments.filters,
        &tenant.root,
    )?;
    Ok(match answer {
        Answer::Found(found) => {
            let text = if found.is_empty() {
                format!(
                    "no results for {:?} in project {}",
                    arguments.query, tenant.project
                )
            } else {
                let root = tenant.is_local_folder().then_some(tenant.root.as_path());
                show::human(&found, root)
            };
            Outcome::Done {
                structured: results::to_json(&found),
                text,
            }
        }
        Answer::Refused { code, message, .. } => Outcome::Failed(format!("{code}: {message}")),
    })
}

/// Runs `index_status`.
pub fn index_status(client: &mut Client, tenant: &Tenant) -> Result<Outcome, String> {
    let store = client.store_mut();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    store.set_now(now);
    let found = status::read(store, &tenant.user, &tenant.project)?;
    Ok(Outcome::Done {
        structured: status::to_json(&tenant.user, &tenant.project, &found),
        text: status::text(&tenant.user, &tenant.project, &found),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arguments(value: Value) -> Result<SearchArguments, BadArguments> {
        search_arguments(value.as_object().unwrap())
    }

    #[test]
    fn search_arguments_take_one_or_several_paths_and_languages() {
        let read =
            arguments(json!({"query": "retry", "topK": 3, "path": "src", "lang": ["rs", "ts"]}))
                .unwrap();
        assert_eq!(read.query, "retry");
        assert_eq!(read.top_k, 3);
        assert_eq!(read.filters.paths, ["src"]);
        assert_eq!(read.filters.langs, ["rs", "ts"]);
        let plain = arguments(json!({"query": "retry"})).unwrap();
        assert_eq!(plain.top_k, DEFAULT_TOP_K);
        assert!(plain.filters.is_empty());
    }

    #[test]
    fn arguments_outside_the_schema_are_refused_with_why() {
        for (wrong, why) in [
            (json!({}), "query is required"),
            (json!({"query": ""}), "query is a non-empty string"),
            (json!({"query": 3}), "query is a non-empty string"),
            (
                json!({"query": "q", "topK": 0}),
                "topK is a positive integer",
            ),
            (
                json!({"query": "q", "topK": 2.5}),
                "topK is a positive integer",
            ),
            (
                json!({"query": "q", "path": 1}),
                "path is a string or an array",
            ),
            (
                json!({"query": "q", "lang": [1]}),
                "lang holds strings only",
            ),
            (
                json!({"query": "q", "top_k": 1}),
                "unknown argument \"top_k\"",
            ),
        ] {
            let BadArguments(message) = arguments(wrong.clone()).unwrap_err();
            assert!(message.starts_with(why), "{wrong}: {message}");
        }
    }
}
