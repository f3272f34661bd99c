//! `index_status`: what the local store holds of one project, read from the store itself,
//! exactly: its chunks (the tenant's vectors, what search can find), the files they are in
//! (every place those vectors name), and when a chunk of it was last written (the newest
//! of its markers' `writtenAt`: a chunk indexed, moved, or its marker renewed). Read through
//! the store's KV and Vectorize calls as the engine would make them (`Backend`), not its
//! tables, so that it reads what the engine wrote whatever the store's layout.

use std::collections::BTreeSet;

use index_sync_core::Config;
use index_sync_core::location::Location;
use index_sync_core::marker::read_marker_metadata;
use index_sync_core::names::{ListedName, TenantNames};
use index_sync_native::backend::Backend;
use index_sync_native::fakes::kv::MAX_LIST_KEYS;
use serde_json::{Value, json};

/// What the store holds of a project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// Chunks in the index.
    pub chunks: u64,
    /// Distinct files holding them.
    pub files: u64,
    /// Unix seconds of the newest marker; `None` when the project has none.
    pub last_indexed: Option<u64>,
}

/// Reads `user`'s `project` from `store`.
pub fn read(store: &mut dyn Backend, user: &str, project: &str) -> Result<Status, String> {
    let filter = json!({"userId": user, "projectId": project});
    let vectors = store
        .vectorize_query(&[], u32::MAX, &filter)
        .map_err(|e| format!("reading the vectors: {e:?}"))?;
    let mut files: BTreeSet<String> = BTreeSet::new();
    for found in &vectors {
        if let Some(meta) = &found.metadata {
            files.extend(paths(meta));
        }
    }
    let config = Config::default();
    let names = TenantNames::new(&config, user, project);
    let mut last_indexed = None;
    for root in names.roots() {
        let mut cursor: Option<String> = None;
        loop {
            let (keys, next) = store
                .kv_list(&root, cursor.as_deref(), MAX_LIST_KEYS)
                .map_err(|e| format!("listing the markers: {e:?}"))?;
            for key in keys {
                let marker = matches!(
                    names.read_listed(&key.name),
                    ListedName::Marker(_) | ListedName::CutMarker
                );
                let written = key
                    .metadata
                    .as_ref()
                    .filter(|_| marker)
                    .and_then(|meta| read_marker_metadata(&config, meta, 0))
                    .and_then(|read| read.written_at);
                last_indexed = last_indexed.max(written);
            }
            match next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
    }
    Ok(Status {
        chunks: vectors.len() as u64,
        files: files.len() as u64,
        last_indexed,
    })
}

/// The files a vector's metadata names: its `locations`, else (older vectors) `filePaths`,
/// else (the seed's) `filePath`.
fn paths(meta: &Value) -> Vec<String> {
    let strings = |field: &str| -> Option<Vec<&str>> {
        Some(
            meta.get(field)?
                .as_array()?
                .iter()
                .filter_map(Value::as_str)
                .collect(),
        )
    };
    if let Some(spelled) = strings("locations") {
        return spelled
            .into_iter()
            .map(|s| Location::from_metadata(s).file_path)
            .collect();
    }
    strings("filePaths")
        .or_else(|| Some(vec![meta.get("filePath")?.as_str()?]))
        .unwrap_or_default()
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// Unix seconds as RFC 3339 in UTC (`2026-12-07T05:31:08Z`).
pub fn timestamp(unix: u64) -> String {
    let (days, seconds) = (unix / 86_400, unix % 86_400);
    // Days to a civil date (Howard Hinnant's algorithm), for dates from 1970 on.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        seconds / 3_600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// The tool's structured result.
pub fn to_json(user: &str, project: &str, status: &Status) -> Value {
    json!({
        "userId": user,
        "projectId": project,
        "chunks": status.chunks,
        "files": status.files,
        "lastIndexedAt": status.last_indexed.map(timestamp),
    })
}

/// The JSON Schema of [`to_json`]'s form: `index_status`'s `outputSchema`.
pub fn json_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "userId": {"type": "string"},
            "projectId": {"type": "string"},
            "chunks": {"type": "integer", "minimum": 0, "description": "Chunks in the index: what search can find."},
            "files": {"type": "integer", "minimum": 0, "description": "Distinct files holding them."},
            "lastIndexedAt": {
                "type": ["string", "null"],
                "description": "When a chunk of the project was last written to the index (RFC 3339, UTC); null when none is."
            }
        },
        "required": ["userId", "projectId", "chunks", "files", "lastIndexedAt"],
        "additionalProperties": false
    })
}

/// The tool's text for a reader.
pub fn text(user: &str, project: &str, status: &Status) -> String {
    match status.last_indexed {
        Some(at) => format!(
            "project {project} of {user}: {} chunks in {} files, last indexed {}",
            status.chunks,
            status.files,
            timestamp(at)
        ),
        None => format!(
            "project {project} of {user}: nothing indexed (run `index-sync index` in its folder)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc_3339_in_utc() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(timestamp(1_796_621_468), "2026-12-07T05:31:08Z");
    }

    #[test]
    fn files_come_from_locations_else_the_older_fields() {
        let lined = json!({"locations": ["a.rs:1-3", "a.rs:9-12", "b:c.rs:", "d.rs"]});
        assert_eq!(paths(&lined), ["a.rs", "a.rs", "b:c.rs", "d.rs"]);
        assert_eq!(paths(&json!({"filePaths": ["x", "y"]})), ["x", "y"]);
        assert_eq!(paths(&json!({"filePath": "z"})), ["z"]);
        assert!(paths(&json!({})).is_empty());
    }
}
