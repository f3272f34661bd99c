//! Search results as the local tool hands them on: read from the engine's response, and
//! written as the one JSON form `search --json` prints and `mcp`'s `search_code` returns as
//! its structured content: `{"results": [{"score", "hash", "summary", "locations":
//! [{"filePath", "startLine", "endLine"}], "snippet"}]}`, best first. A location without
//! lines (a vector written before lines were kept) has no `startLine` nor `endLine`.
//! Nothing else: the engine's `filePath` and `filePaths` say again what `locations` says.

use serde_json::{Map, Value, json};

/// One place of a result's code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// The file, from the project's root.
    pub file_path: String,
    /// Its first and last lines (1-based, inclusive), when the index knows them.
    pub lines: Option<(u32, u32)>,
}

impl Place {
    /// `path:start-end`, or the path alone without lines.
    pub fn label(&self) -> String {
        match self.lines {
            Some((start, end)) => format!("{}:{start}-{end}", self.file_path),
            None => self.file_path.clone(),
        }
    }
}

/// One result.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    /// Similarity to the query, higher is better.
    pub score: f64,
    /// The chunk's hash.
    pub hash: String,
    /// The AI's summary; empty when summaries are off.
    pub summary: String,
    /// Every place holding the code that the filters admit.
    pub locations: Vec<Place>,
    /// The code's first lines as the index keeps them; empty for an older vector.
    pub snippet: String,
}

/// The results of a search's 200 body, best first.
pub fn read(answer: &Value) -> Vec<Found> {
    let text = |v: &Value, field: &str| v[field].as_str().unwrap_or_default().to_owned();
    answer["results"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| Found {
            score: r["score"].as_f64().unwrap_or(0.0),
            hash: text(r, "hash"),
            summary: text(r, "summary"),
            locations: r["locations"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|l| Place {
                    file_path: text(l, "filePath"),
                    lines: line(l, "startLine").zip(line(l, "endLine")),
                })
                .collect(),
            snippet: text(r, "snippet"),
        })
        .collect()
}

fn line(location: &Value, field: &str) -> Option<u32> {
    location[field].as_u64().and_then(|n| u32::try_from(n).ok())
}

/// The JSON form (see the module doc).
pub fn to_json(found: &[Found]) -> Value {
    let results: Vec<Value> = found
        .iter()
        .map(|f| {
            let locations: Vec<Value> = f
                .locations
                .iter()
                .map(|p| {
                    let mut place = Map::new();
                    place.insert("filePath".into(), json!(p.file_path));
                    if let Some((start, end)) = p.lines {
                        place.insert("startLine".into(), json!(start));
                        place.insert("endLine".into(), json!(end));
                    }
                    Value::Object(place)
                })
                .collect();
            json!({
                "score": f.score,
                "hash": f.hash,
                "summary": f.summary,
                "locations": locations,
                "snippet": f.snippet,
            })
        })
        .collect();
    json!({ "results": results })
}

/// The JSON Schema of [`to_json`]'s form: `mcp`'s `outputSchema` for `search_code`.
pub fn json_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "results": {
                "type": "array",
                "description": "Best first.",
                "items": {
                    "type": "object",
                    "properties": {
                        "score": {"type": "number", "description": "Similarity to the query, higher is better."},
                        "hash": {"type": "string", "description": "The chunk's SHA-256."},
                        "summary": {"type": "string", "description": "What the code does; empty when summaries are off."},
                        "locations": {
                            "type": "array",
                            "description": "Every place holding this code.",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "filePath": {"type": "string", "description": "From the project's root."},
                                    "startLine": {"type": "integer", "minimum": 1},
                                    "endLine": {"type": "integer", "minimum": 1}
                                },
                                "required": ["filePath"],
                                "additionalProperties": false
                            }
                        },
                        "snippet": {"type": "string", "description": "The code's first lines."}
                    },
                    "required": ["score", "hash", "summary", "locations", "snippet"],
                    "additionalProperties": false
                }
            }
        },
        "required": ["results"],
        "additionalProperties": false
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_form_keeps_exactly_its_keys_and_lines_only_where_known() {
        let answer = json!({"results": [{
            "score": 0.8125, "hash": "h", "summary": "", "filePath": "a.rs",
            "filePaths": ["a.rs", "b.rs"],
            "locations": [{"filePath": "a.rs", "startLine": 3, "endLine": 9},
                          {"filePath": "b.rs"}],
            "snippet": "fn a() {}"
        }]});
        let found = read(&answer);
        assert_eq!(found[0].locations[0].label(), "a.rs:3-9");
        assert_eq!(found[0].locations[1].label(), "b.rs");
        assert_eq!(
            to_json(&found),
            json!({"results": [{
                "score": 0.8125, "hash": "h", "summary": "",
                "locations": [{"filePath": "a.rs", "startLine": 3, "endLine": 9},
                              {"filePath": "b.rs"}],
                "snippet": "fn a() {}"
            }]})
        );
        assert_eq!(
            to_json(&read(&json!({"results": []}))),
            json!({"results": []})
        );
    }
}
