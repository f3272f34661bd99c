//! The tenant's vector for one chunk: its id and its metadata, kept within Vectorize's
//! metadata limit. One vector per chunk whatever the number of places holding its code:
//! `locations` names them all (`path:start-end`, or the path alone without lines;
//! `location.rs`), `filePaths` their files (`filePath`, the first, is the seed's field), so
//! search shows identical code once, at every place, and Vectorize stores its embedding
//! once. `snippet` is the code's first lines, for search to show. None of it reaches the AI
//! (invariant 3): the summary and embedding come from the code alone, through the cache.

use serde_json::{Value, json};

use crate::ai::truncate;
use crate::config::Config;
use crate::effect::{TextEntry, Vector};
use crate::location::Location;
use crate::names::TenantNames;
use crate::request::{Chunk, Tenant};

/// The vector of `chunk` for `tenant`, carrying the tenant's own metadata.
pub(crate) fn tenant_vector(
    config: &Config,
    tenant: &Tenant,
    names: &TenantNames,
    chunk: &Chunk,
    summary: &str,
    embedding: &[f32],
) -> Vector {
    let spelled: Vec<String> = chunk.locations.iter().map(Location::to_metadata).collect();
    let metadata = |summary: &str, snippet: &str, places: usize| -> Value {
        // Places are sorted by path, so the files of the first `places` are a prefix too.
        let mut paths: Vec<&str> = chunk.locations[..places]
            .iter()
            .map(|l| l.file_path.as_str())
            .collect();
        paths.dedup();
        json!({
            "userId": tenant.user,
            "projectId": tenant.project,
            "hash": chunk.hash,
            "filePath": paths.first().copied().unwrap_or_default(),
            "filePaths": paths,
            "locations": spelled[..places],
            "contentHash": chunk.content_hash,
            "summary": summary,
            "snippet": snippet,
        })
    };
    let fits = |meta: &Value| {
        surely_fits(meta, config.max_metadata_bytes)
            || meta.to_string().len() <= config.max_metadata_bytes
    };
    let mut kept = summary;
    let mut code = snippet(config, &chunk.code);
    let mut places = spelled.len();
    let mut meta = metadata(kept, code, places);
    // Escapes, or code held at very many places, can make the JSON longer than the limit:
    // cut the summary until it fits (an AI paraphrase), then the snippet (the code itself,
    // which a person reads first), then, if need be, the list of places (each still has
    // its marker; search then names the first ones). The JSON is only written out when its
    // bound says it might not fit (almost never).
    while !fits(&meta) && !kept.is_empty() {
        kept = truncate(kept, kept.len() / 2);
        meta = metadata(kept, code, places);
    }
    while !fits(&meta) && !code.is_empty() {
        code = truncate(code, code.len() / 2);
        meta = metadata(kept, code, places);
    }
    while !fits(&meta) && places > 1 {
        places /= 2;
        meta = metadata(kept, code, places);
    }
    Vector {
        id: names.vector_id(&chunk.hash),
        values: embedding.to_vec(),
        metadata: meta,
    }
}

/// The text index's entry of `chunk`, whose vector is `vector`: its code's words under the
/// vector's id, with the vector's metadata (a word match is answered from it).
pub(crate) fn text_entry(tenant: &Tenant, chunk: &Chunk, vector: &Vector) -> TextEntry {
    TextEntry {
        id: vector.id.clone(),
        user: tenant.user.clone(),
        project: tenant.project.clone(),
        words: crate::words::words(&chunk.code).join(" "),
        metadata: vector.metadata.clone(),
    }
}

/// The first `snippetLines` lines of `code`, cut to `maxSnippetBytes` at a character
/// boundary.
pub(crate) fn snippet<'a>(config: &Config, code: &'a str) -> &'a str {
    let end = if config.snippet_lines == 0 {
        0
    } else {
        code.match_indices('\n')
            .nth(config.snippet_lines - 1)
            .map_or(code.len(), |(at, _)| at)
    };
    truncate(&code[..end], config.max_snippet_bytes)
}

/// Whether the JSON of `meta`, an object of strings and arrays of strings, is surely at
/// most `limit` bytes: each byte of a string escapes to at most 6 (`\u001f`); each field
/// or array item adds its quotes, colon or comma (at most 6), and the braces 2.
fn surely_fits(meta: &Value, limit: usize) -> bool {
    let Some(fields) = meta.as_object() else {
        return false;
    };
    let mut bound = 2;
    for (key, value) in fields {
        bound += 6 * key.len() + 6;
        bound += match value {
            Value::String(s) => 6 * s.len(),
            Value::Array(items) => {
                2 + items
                    .iter()
                    .map(|item| item.as_str().map_or(limit, |s| 6 * s.len() + 3))
                    .sum::<usize>()
            }
            _ => limit,
        };
    }
    bound <= limit
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_bound_holds_for_the_worst_escapes() {
        let worst = json!({ "\u{1}": "\u{1}".repeat(100), "\"": "" });
        let len = worst.to_string().len();
        assert_eq!(len, 2 + (6 + 600 + 5) + 1 + (2 + 5));
        assert!(!surely_fits(&worst, len - 1));
        assert!(surely_fits(&worst, 2 + 6 * 102 + 6 * 2));
        assert!(surely_fits(&json!({ "userId": "u" }), 100));
        assert!(
            !surely_fits(&json!({ "n": 1 }), 100),
            "only strings are bounded"
        );
    }

    #[test]
    fn a_snippet_is_the_first_lines_cut_at_a_character() {
        let config = Config {
            snippet_lines: 2,
            max_snippet_bytes: 5,
            ..Config::default()
        };
        assert_eq!(snippet(&config, "ab\ncd\nef"), "ab\ncd");
        assert_eq!(snippet(&config, "a\nb"), "a\nb", "fewer lines: all of them");
        assert_eq!(snippet(&config, "abcdéf\n"), "abcd", "é does not fit whole");
        let none = Config {
            snippet_lines: 0,
            ..Config::default()
        };
        assert_eq!(snippet(&none, "code"), "");
    }

    #[test]
    fn metadata_names_every_place_and_fits_by_cutting_summary_snippet_then_places() {
        use crate::location::Lines;
        let config = Config::default();
        let tenant = Tenant {
            user: "u".into(),
            project: "p".into(),
        };
        let names = TenantNames::new(&config, "u", "p");
        let place = |path: &str, start| Location {
            file_path: path.into(),
            lines: Some(Lines {
                start,
                end: start + 2,
            }),
        };
        let chunk = |locations: Vec<Location>, code: &str| Chunk {
            hash: "h".into(),
            code: code.into(),
            locations_digest: crate::marker::locations_digest(&locations),
            locations,
            content_hash: "c".into(),
        };
        let two = chunk(
            vec![place("a.rs", 1), place("a.rs", 10)],
            "fn a() {}\n// two",
        );
        let meta = tenant_vector(&config, &tenant, &names, &two, "sum", &[0.0]).metadata;
        assert_eq!(meta["locations"], json!(["a.rs:1-3", "a.rs:10-12"]));
        assert_eq!(meta["filePaths"], json!(["a.rs"]));
        assert_eq!(meta["filePath"], "a.rs");
        assert_eq!(meta["snippet"], "fn a() {}\n// two");
        assert_eq!(meta["summary"], "sum");
        // Control characters escape six-fold: the summary goes first, then the snippet.
        let escaped = "\u{1}".repeat(1000);
        let heavy = chunk(vec![place("a.rs", 1)], &escaped);
        let meta = tenant_vector(&config, &tenant, &names, &heavy, &escaped, &[0.0]).metadata;
        assert!(meta.to_string().len() <= config.max_metadata_bytes);
        assert!(
            meta["summary"].as_str().unwrap().len() < 1000,
            "the summary is cut"
        );
        assert_eq!(meta["snippet"], escaped.as_str(), "not the snippet");
        let many: Vec<Location> = (0..200).map(|i| place(&format!("{i:0>60}"), 1)).collect();
        let crowded = chunk(many, "x");
        let meta = tenant_vector(&config, &tenant, &names, &crowded, "s", &[0.0]).metadata;
        assert!(meta.to_string().len() <= config.max_metadata_bytes);
        let kept = meta["locations"].as_array().unwrap().len();
        assert!(kept < 200 && kept > 10, "{kept} places kept");
        assert_eq!(meta["filePaths"].as_array().unwrap().len(), kept);
    }
}
