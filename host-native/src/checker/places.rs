//! Where clients say a chunk's code is, and where the index says it is: the places of a
//! request's chunks (a file, with its lines when the client gives them, `startLine` and
//! `endLine`), of a vector (its `locations` metadata) and of a search result. Compared as
//! sets of core's [`Location`]s, and digested with core's own functions, so that the
//! checker and the engine cannot disagree on a byte format.

use std::collections::{BTreeMap, BTreeSet};

use index_sync_core::location::{Lines, Location};
use index_sync_core::record_state::listing_digest;
use serde_json::Value;

/// The places a request names for one hash; `None` when an occurrence names no file (phase
/// 1 then asks about the chunk at any places).
pub type Places = Option<BTreeSet<Location>>;

/// The place one occurrence names (a request's chunk, or a search result's location): its
/// `filePath`, with `startLine` and `endLine` when both are there as line numbers. Lines of
/// any other form are refused whole by the engine (`invalid_lines`), which writes nothing.
pub fn place(occurrence: &Value) -> Option<Location> {
    let file_path = occurrence["filePath"].as_str()?.to_owned();
    let line = |name: &str| {
        occurrence[name]
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
    };
    let lines = match (line("startLine"), line("endLine")) {
        (Some(start), Some(end)) => Some(Lines { start, end }),
        _ => None,
    };
    Some(Location { file_path, lines })
}

/// Each hash of a list of chunks with the places named for it.
pub fn listed(chunks: &Value) -> BTreeMap<String, Places> {
    let mut listed: BTreeMap<String, Places> = BTreeMap::new();
    for c in chunks.as_array().into_iter().flatten() {
        let Some(hash) = c["hash"].as_str() else {
            continue;
        };
        let entry = listed
            .entry(hash.to_owned())
            .or_insert_with(|| Some(BTreeSet::new()));
        match (entry.as_mut(), place(c)) {
            (Some(places), Some(place)) => {
                places.insert(place);
            }
            _ => *entry = None,
        }
    }
    listed
}

/// The digest a root-only phase 1 sends for a listing (core's `listing_digest`).
pub fn digest(listing: &BTreeMap<String, Places>) -> String {
    let places: Vec<(&str, Vec<Location>)> = listing
        .iter()
        .map(|(hash, places)| (hash.as_str(), places.iter().flatten().cloned().collect()))
        .collect();
    listing_digest(
        places
            .iter()
            .map(|(hash, places)| (*hash, places.as_slice())),
    )
}

/// The places a vector's metadata names: its `locations`; for a vector written before lines
/// existed, its `filePaths` without lines; for the seed's, its `filePath` alone.
pub fn vector_places(meta: &Value) -> BTreeSet<Location> {
    let strings = |name: &str| -> Option<Vec<&str>> {
        let items = meta.get(name)?.as_array()?;
        Some(items.iter().filter_map(Value::as_str).collect())
    };
    if let Some(spelled) = strings("locations") {
        return spelled.into_iter().map(Location::from_metadata).collect();
    }
    let paths = strings("filePaths").unwrap_or_else(|| {
        meta.get("filePath")
            .and_then(Value::as_str)
            .into_iter()
            .collect()
    });
    paths
        .into_iter()
        .map(|path| Location {
            file_path: path.to_owned(),
            lines: None,
        })
        .collect()
}

/// Whether a vector's `locations` may be a cut list: the engine cuts them only when the
/// metadata would not fit Vectorize's limit even without summary and snippet, so a vector
/// whose snippet is there names every place.
pub fn places_may_be_cut(meta: &Value) -> bool {
    meta.get("locations").is_some() && meta["snippet"].as_str().is_none_or(str::is_empty)
}

/// How a place is written in a message: `path:start-end`, or the path alone.
pub fn spelled(places: &BTreeSet<Location>) -> Vec<String> {
    places.iter().map(Location::to_metadata).collect()
}

/// What is wrong with a vector's `snippet` for `code` (none when it is absent: a vector
/// written before snippets existed): it must be the code's first lines, at most
/// `snippetLines` of them and `maxSnippetBytes`, cut at a character boundary.
pub fn wrong_snippet(meta: &Value, code: &str, lines: usize, bytes: usize) -> Option<String> {
    let snippet = meta.get("snippet")?.as_str().unwrap_or("\u{0}not a string");
    let newlines = snippet.matches('\n').count();
    let too_many = if lines == 0 {
        !snippet.is_empty()
    } else {
        newlines >= lines
    };
    if !code.starts_with(snippet) || snippet.len() > bytes || too_many {
        return Some(format!(
            "its snippet {snippet:?} is not the first lines (at most {lines}, {bytes} bytes) of {code:?}"
        ));
    }
    None
}
