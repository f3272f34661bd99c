//! Invariant (j): with `hybrid`, a marked chunk is found by its words as by its vector, and
//! words never outlive their vector.

use index_sync_core::Config;
use index_sync_core::words::words;
use serde_json::Value;

use crate::fakes::World;

/// (j) for the chunk with a live marker, under vector id `id`, made from `code`, whose vector's metadata
/// is `meta`: its entry is there, with the code's words and the same metadata (so a word
/// match names the places the vector does).
pub(super) fn check_entry(
    world: &World,
    config: &Config,
    id: &str,
    code: &str,
    meta: &Value,
) -> Option<String> {
    if !config.hybrid {
        return None;
    }
    let Some((_, _, held, entry_meta)) = world.text_index.get(id) else {
        return Some(format!("(j) marked vector {id:?} has no text-index entry"));
    };
    let expected: std::collections::BTreeSet<String> = words(code).into_iter().collect();
    if *held != expected {
        return Some(format!(
            "(j) the text-index entry {id:?} holds other words than its code's"
        ));
    }
    (entry_meta != meta).then(|| {
        format!(
            "(j) the text-index entry {id:?} has other metadata than its vector: {entry_meta} \
             against {meta}"
        )
    })
}

/// (j): a chunk's words are in the text index only while its vector is in Vectorize (they
/// are written after it and deleted before it), so a word match is always a chunk search
/// can show.
pub(super) fn words_without_vectors(world: &World) -> Vec<String> {
    world
        .text_index
        .ids()
        .filter(|id| world.vectorize.get(id).is_none())
        .map(|id| format!("(j) text-index entry {id:?} without its vector"))
        .collect()
}

/// (j) without `hybrid`: nothing is ever written to the text index.
pub(super) fn unused_index(world: &World, config: &Config) -> Option<String> {
    (!config.hybrid && !world.text_index.is_empty()).then(|| {
        format!(
            "(j) {} text-index entries without hybrid search",
            world.text_index.len()
        )
    })
}
