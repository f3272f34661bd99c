//! Invariants (f) and (g): what a tenant removed stays removed, and every vector stays
//! reachable for removal.

use std::collections::{BTreeSet, HashMap};

use index_sync_core::journal::read_journal;
use index_sync_core::location::Location;
use index_sync_core::names::{TenantNames, vector_id};
use index_sync_core::{Config, RequestKind, Response};
use serde_json::Value;

use super::Ledger;
use super::places::{listed, spelled, vector_places};
use crate::fakes::World;

/// (g): every vector, and every text-index entry, belongs by its metadata and its id to one
/// (user, project, hash) whose marker key exists or which a journal of the tenant names.
pub(super) fn unreachable_vectors(world: &World, config: &Config) -> Vec<String> {
    let vectors = world.vectorize.ids().filter_map(|id| {
        world
            .vectorize
            .get(id)
            .map(|(_, meta)| ("vector", id, meta))
    });
    let words = world.text_index.ids().filter_map(|id| {
        world
            .text_index
            .get(id)
            .map(|(.., meta)| ("text entry", id.as_str(), meta))
    });
    vectors
        .chain(words)
        .filter_map(|(what, id, meta)| unreachable(world, config, what, id, meta))
        .collect()
}

fn unreachable(
    world: &World,
    config: &Config,
    what: &str,
    id: &str,
    meta: &Value,
) -> Option<String> {
    let field = |name: &str| meta.get(name).and_then(Value::as_str);
    let (Some(user), Some(project), Some(hash)) =
        (field("userId"), field("projectId"), field("hash"))
    else {
        return Some(format!("(g) {what} {id:?} names no tenant and chunk"));
    };
    if vector_id(config, user, project, hash) != id {
        return Some(format!(
            "(g) {what} {id:?} is not the id of {user}/{project}/{hash}: no record finds it"
        ));
    }
    let names = TenantNames::new(config, user, project);
    let marked = world.kv.read(&names.marker_key(hash), world.now).is_some();
    (!marked && !journaled(world, &names, hash)).then(|| {
        format!("(g) {what} {id:?} of {user}/{project}/{hash} has no marker and no journal")
    })
}

fn journaled(world: &World, names: &TenantNames, hash: &str) -> bool {
    let root = names.journal_root();
    world
        .kv
        .keys(world.now)
        .filter(|k| k.starts_with(root.as_str()))
        .filter_map(|k| world.kv.read(k, world.now).and_then(read_journal))
        .any(|hashes| hashes.iter().any(|h| h == hash))
}

/// The (hash, places) of every vector of a tenant.
pub(super) fn tenant_vectors(
    world: &World,
    user: &str,
    project: &str,
) -> Vec<(String, BTreeSet<Location>)> {
    world
        .vectorize
        .ids()
        .filter_map(|id| world.vectorize.get(id))
        .filter(|(_, meta)| meta["userId"] == user && meta["projectId"] == project)
        .map(|(_, meta)| {
            let hash = meta["hash"].as_str().unwrap_or_default().to_owned();
            (hash, vector_places(meta))
        })
        .collect()
}

/// The hashes of every text-index entry of a tenant.
pub(super) fn tenant_words(world: &World, user: &str, project: &str) -> Vec<String> {
    world
        .text_index
        .ids()
        .filter_map(|id| world.text_index.get(id))
        .filter(|(u, p, ..)| *u == user && *p == project)
        .map(|(.., meta)| meta["hash"].as_str().unwrap_or_default().to_owned())
        .collect()
}

pub(super) fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

impl Ledger {
    /// (f) over one request's response, right after it: a complete sync that finished
    /// (`moreToRemove` false) leaves no vector of the tenant in its scope that its listing
    /// does not name, and each chunk it answered cached has its vector at exactly the
    /// listed places; a `remove` leaves no marker or vector of what it answered removed,
    /// and one of `all` that finished leaves the tenant nothing.
    pub fn check_step(
        &self,
        world: &World,
        config: &Config,
        kind: RequestKind,
        user: &str,
        body: &Value,
        response: &Response,
    ) -> Vec<String> {
        let project = body["projectId"].as_str().unwrap_or_default();
        let finished = response.status == 200 && response.body["moreToRemove"] == false;
        let mut broken = Vec::new();
        match kind {
            // A root-only phase 1 sends no listing: its answer is the lie detector's.
            RequestKind::Sync
                if body["phase"] == 1
                    && body["complete"] == true
                    && body["chunks"].is_array()
                    && finished =>
            {
                let prefixes = strings(&body["hashPrefixes"]);
                let in_scope =
                    |h: &str| prefixes.is_empty() || prefixes.iter().any(|p| h.starts_with(p));
                let listed = listed(&body["chunks"]);
                let vectors: HashMap<String, BTreeSet<Location>> =
                    tenant_vectors(world, user, project).into_iter().collect();
                for hash in vectors.keys() {
                    if in_scope(hash) && !listed.contains_key(hash) {
                        broken.push(format!(
                            "(f) {user}/{project}: the vector of {hash}, which the listing no longer holds, remains"
                        ));
                    }
                }
                for hash in tenant_words(world, user, project) {
                    if in_scope(&hash) && !listed.contains_key(&hash) {
                        broken.push(format!(
                            "(f) {user}/{project}: the words of {hash}, which the listing no longer holds, remain"
                        ));
                    }
                }
                for cached in strings(&response.body["cached"]) {
                    let Some(Some(wanted)) = listed.get(cached) else {
                        continue;
                    };
                    let held = vectors.get(cached);
                    if held != Some(wanted) {
                        broken.push(format!(
                            "(f) {user}/{project}: {cached} answered cached, its vector at {:?}, the listing at {:?}",
                            held.map(spelled),
                            spelled(wanted)
                        ));
                    }
                }
            }
            RequestKind::Remove if response.status == 200 => {
                let names = TenantNames::new(config, user, project);
                for hash in strings(&response.body["removed"]) {
                    let marker = world.kv.read(&names.marker_key(hash), world.now).is_some();
                    let id = names.vector_id(hash);
                    let vector = world.vectorize.get(&id).is_some();
                    let words = world.text_index.contains(&id);
                    if marker || vector || words {
                        broken.push(format!(
                            "(f) {user}/{project}: {hash} answered removed, marker {marker}, vector {vector}, words {words}"
                        ));
                    }
                }
                if body["all"] == true && finished {
                    let left = tenant_vectors(world, user, project).len()
                        + tenant_words(world, user, project).len();
                    let keys = world
                        .kv
                        .keys(world.now)
                        .filter(|k| names.roots().iter().any(|r| k.starts_with(r.as_str())))
                        .count();
                    if left + keys > 0 {
                        broken.push(format!(
                            "(f) {user}/{project}: remove all finished with {left} vectors and entries and {keys} keys left"
                        ));
                    }
                }
            }
            _ => {}
        }
        broken
    }
}
