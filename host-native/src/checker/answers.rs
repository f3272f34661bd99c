//! (h), the lie detector: an answer that vouches for the tenant's index is true when it is
//! given, whatever other requests of the tenant do before and after.
//!
//! A chunk answered `cached` (init, phase 1, phase 2, a complete phase 1) or `indexed` is
//! a promise that the tenant holds, right then, a live marker and a vector for it, at exactly
//! the places the request named: its files, with their lines when the request gave them
//! (the vector's `locations`, and the digest of them its marker keeps). A client that
//! believes it never sends the chunk again, and search names those places. `unchanged: true` is a
//! promise that the tenant's index in the request's scope (its project, or its
//! `hashPrefixes`) is exactly the listing, the one a root-only phase 1 sent the digest of
//! included: the client then skips its phase 2 and any removal.
//!
//! The checks read the world as it is when the response is given (`Step::Respond`), before
//! the work after it and before any other request's next call (`watch.rs`).

use std::collections::BTreeMap;

use index_sync_core::marker::{locations_digest, read_marker};
use index_sync_core::names::TenantNames;
use index_sync_core::{Config, RequestKind, Response};
use serde_json::Value;

use super::Ledger;
use super::places::{Places, listed, spelled, vector_places};
use super::removal::{strings, tenant_vectors};
use crate::fakes::World;

/// The fields of a response whose chunks are said to be in the index at the files asked.
const VOUCHING: [&str; 2] = ["cached", "indexed"];

impl Ledger {
    /// (h) over one response of `user`'s request, on the world as it is when it is given.
    pub fn check_answer(
        &self,
        world: &World,
        config: &Config,
        kind: RequestKind,
        user: &str,
        body: &Value,
        response: &Response,
    ) -> Vec<String> {
        if response.status != 200 || kind == RequestKind::Search {
            return Vec::new();
        }
        let project = body["projectId"].as_str().unwrap_or_default();
        let names = TenantNames::new(config, user, project);
        // A root-only phase 1 stands for the listing it sent the digest of.
        let listing = match body["digest"].as_str() {
            Some(digest) => self.listings.get(digest).cloned(),
            None => Some(listed(&body["chunks"])),
        };
        let mut broken = Vec::new();
        for field in VOUCHING {
            for hash in strings(&response.body[field]) {
                let Some(files) = listing.as_ref().and_then(|l| l.get(hash)) else {
                    broken.push(format!(
                        "(h) {user}/{project}: {hash} answered {field}, which was not asked"
                    ));
                    continue;
                };
                if let Some(wrong) = held(world, config, &names, hash, files) {
                    broken.push(format!(
                        "(h) {user}/{project}: {hash} answered {field}, yet {wrong}"
                    ));
                }
            }
        }
        if response.body["unchanged"] == true {
            match &listing {
                Some(listing) => {
                    let prefixes = strings(&body["hashPrefixes"]);
                    let differs =
                        self.check_index(world, config, user, project, &prefixes, listing);
                    broken.extend(
                        differs
                            .into_iter()
                            .map(|d| format!("(h) unchanged, yet {d}")),
                    );
                }
                None => broken.push(format!(
                    "(h) {user}/{project}: unchanged, for a digest of no listing ever sent"
                )),
            }
        }
        broken
    }

    /// What keeps `user`'s index of `project` in the scope of `prefixes` (all of it when
    /// none) from being exactly `listing`: a vector or a live marker of a chunk it does not
    /// name, or a chunk it names that is not held at its places.
    pub fn check_index(
        &self,
        world: &World,
        config: &Config,
        user: &str,
        project: &str,
        prefixes: &[&str],
        listing: &BTreeMap<String, Places>,
    ) -> Vec<String> {
        let in_scope = |h: &str| prefixes.is_empty() || prefixes.iter().any(|p| h.starts_with(p));
        let names = TenantNames::new(config, user, project);
        let mut broken = Vec::new();
        let vectors = tenant_vectors(world, user, project);
        for (hash, _) in vectors.iter().filter(|(h, _)| in_scope(h)) {
            if !listing.contains_key(hash) {
                broken.push(format!(
                    "{user}/{project}: the vector of {hash}, not listed, is in the index"
                ));
            }
        }
        let sent = self
            .sent
            .keys()
            .filter(|(u, p, h)| u == user && p == project && in_scope(h));
        for (_, _, hash) in sent {
            if !listing.contains_key(hash) && live_marker(world, config, &names, hash).is_some() {
                broken.push(format!(
                    "{user}/{project}: {hash}, not listed, has a live marker"
                ));
            }
        }
        for (hash, files) in listing {
            if let Some(wrong) = held(world, config, &names, hash, files) {
                broken.push(format!("{user}/{project}: listed {hash}, yet {wrong}"));
            }
        }
        broken
    }
}

/// The marker of `hash`, when it is there and not past its lifetime.
fn live_marker(
    world: &World,
    config: &Config,
    names: &TenantNames,
    hash: &str,
) -> Option<index_sync_core::marker::MarkerRead> {
    let value = world.kv.read(&names.marker_key(hash), world.now)?;
    read_marker(config, value, world.now)
}

/// What is wrong with saying the tenant holds `hash` at `places` (at any places for
/// `None`): its vector must name exactly those, and its marker keep their digest.
fn held(
    world: &World,
    config: &Config,
    names: &TenantNames,
    hash: &str,
    places: &Places,
) -> Option<String> {
    let Some(marker) = live_marker(world, config, names, hash) else {
        return Some("it has no live marker".into());
    };
    let Some((_, meta)) = world.vectorize.get(&names.vector_id(hash)) else {
        return Some("it has no vector".into());
    };
    let places = places.as_ref()?;
    let held = vector_places(meta);
    if &held != places {
        return Some(format!(
            "its vector is at {:?}, asked at {:?}",
            spelled(&held),
            spelled(places)
        ));
    }
    let digest = locations_digest(&places.iter().cloned().collect::<Vec<_>>());
    if marker.paths.as_deref() != Some(digest.as_str()) {
        return Some(format!(
            "its marker names other places than {:?}",
            spelled(places)
        ));
    }
    None
}
