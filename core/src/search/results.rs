//! A search's results from Vectorize's matches: the caller's own vectors only, each read
//! from its metadata (whatever version of the engine wrote it), at the places the filter
//! admits, the best `topK`.

use serde_json::{Map, Value, json};

use crate::effect::{Match, Response};
use crate::location::Location;
use crate::request::{SearchRequest, Tenant};

/// The response to `request` from `matches`, best first as Vectorize returns them.
///
/// Only vectors whose metadata names this tenant exactly are kept. The query's filter
/// already asks for that; this also guards against an index whose metadata index truncates
/// long values (Vectorize indexes 64 bytes per field).
pub(super) fn response(request: &SearchRequest, matches: Vec<Match>) -> Response {
    let results: Vec<Value> = matches
        .into_iter()
        .filter_map(|m| result(request, m))
        .take(request.top_k as usize)
        .collect();
    Response {
        status: 200,
        body: json!({ "results": results }),
    }
}

fn result(request: &SearchRequest, m: Match) -> Option<Value> {
    let Tenant { user, project } = &request.tenant;
    let meta = m.metadata?;
    let field = |name: &str| meta.get(name).and_then(Value::as_str);
    if field("userId")? != user || field("projectId")? != project {
        return None;
    }
    let mut locations = locations(&meta);
    let mut file_path = field("filePath").unwrap_or_default();
    if let Some(filter) = &request.filter {
        locations.retain(|l| filter.admits(&l.file_path));
        file_path = locations.first()?.file_path.as_str();
    }
    let mut file_paths: Vec<&str> = locations.iter().map(|l| l.file_path.as_str()).collect();
    file_paths.dedup();
    let places: Vec<Value> = locations.iter().map(place).collect();
    Some(json!({
        "filePath": file_path,
        "filePaths": file_paths,
        "locations": places,
        "hash": field("hash").unwrap_or_default(),
        "summary": field("summary").unwrap_or_default(),
        "snippet": field("snippet").unwrap_or_default(),
        "score": m.score,
    }))
}

/// The places a vector's metadata names: its `locations`; for a vector written before lines
/// existed its `filePaths`, without lines; for the seed's, its `filePath` alone.
fn locations(meta: &Value) -> Vec<Location> {
    let strings = |name: &str| -> Option<Vec<&str>> {
        let items = meta.get(name)?.as_array()?;
        Some(items.iter().filter_map(Value::as_str).collect())
    };
    if let Some(spelled) = strings("locations") {
        return spelled.into_iter().map(Location::from_metadata).collect();
    }
    let paths = strings("filePaths").unwrap_or_else(|| {
        vec![
            meta.get("filePath")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        ]
    });
    paths
        .into_iter()
        .map(|path| Location {
            file_path: path.to_owned(),
            lines: None,
        })
        .collect()
}

/// A place as the response names it: `startLine` and `endLine` only when known.
fn place(location: &Location) -> Value {
    let mut place = Map::new();
    place.insert("filePath".into(), json!(location.file_path));
    if let Some(lines) = location.lines {
        place.insert("startLine".into(), json!(lines.start));
        place.insert("endLine".into(), json!(lines.end));
    }
    Value::Object(place)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::request::parse_search;

    fn request(extra: &str) -> SearchRequest {
        let body = format!(r#"{{"projectId": "p", "query": "q", "topK": 2{extra}}}"#);
        parse_search(&Config::default(), "u", body.as_bytes()).unwrap()
    }

    fn found(id: &str, meta: Value) -> Match {
        Match {
            id: id.into(),
            score: 0.5,
            metadata: Some(meta),
        }
    }

    fn results(request: &SearchRequest, matches: Vec<Match>) -> Vec<Value> {
        let body = response(request, matches).body;
        body["results"].as_array().unwrap().clone()
    }

    #[test]
    fn vectors_written_before_lines_existed_answer_their_files_without_lines() {
        let older = json!({"userId": "u", "projectId": "p", "hash": "h", "filePath": "a.rs",
                           "filePaths": ["a.rs", "b.rs"], "summary": "s"});
        let seeds = json!({"userId": "u", "projectId": "p", "hash": "g", "filePath": "c.rs"});
        let got = results(&request(""), vec![found("1", older), found("2", seeds)]);
        assert_eq!(
            got[0]["locations"],
            json!([{"filePath": "a.rs"}, {"filePath": "b.rs"}])
        );
        assert_eq!(got[0]["filePaths"], json!(["a.rs", "b.rs"]));
        assert_eq!(got[0]["snippet"], "");
        assert_eq!(got[1]["locations"], json!([{"filePath": "c.rs"}]));
        assert_eq!(got[1]["filePaths"], json!(["c.rs"]));
    }

    #[test]
    fn a_filter_narrows_places_drops_results_without_one_and_then_takes_top_k() {
        let meta = |hash: &str, places: &[&str]| {
            json!({"userId": "u", "projectId": "p", "hash": hash, "filePath": "x",
                   "locations": places, "snippet": "code"})
        };
        let matches = vec![
            found("1", meta("outside", &["lib/a.rs:1-2"])),
            found(
                "2",
                meta("both", &["lib/b.rs:3-4", "src/b.rs:5-6", "src/b.rs:9-9"]),
            ),
            found(
                "3",
                json!({"userId": "other", "projectId": "p", "locations": ["src/z.rs:1-1"]}),
            ),
            found("4", meta("inside", &["src/c.rs"])),
            found("5", meta("third", &["src/d.rs:1-1"])),
        ];
        let got = results(&request(r#", "pathPrefix": "src/""#), matches);
        let hashes: Vec<&str> = got.iter().map(|r| r["hash"].as_str().unwrap()).collect();
        assert_eq!(
            hashes,
            ["both", "inside"],
            "another tenant's never, then topK"
        );
        assert_eq!(
            got[0]["locations"],
            json!([{"filePath": "src/b.rs", "startLine": 5, "endLine": 6},
                   {"filePath": "src/b.rs", "startLine": 9, "endLine": 9}])
        );
        assert_eq!(got[0]["filePaths"], json!(["src/b.rs"]));
        assert_eq!(got[0]["filePath"], "src/b.rs");
        assert_eq!(got[1]["locations"], json!([{"filePath": "src/c.rs"}]));
    }
}
