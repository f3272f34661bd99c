//! (c) and (i): what a search shows. (c): only the asking tenant's own chunks, at places it
//! sent for them. (i): each result names exactly the places its vector holds when the
//! answer is given, narrowed to those the search's filter admits (`filter.rs`), with the
//! vector's snippet; and, when every vector of the tenant was a candidate, no result is
//! missing: as many as `topK` allows of the vectors with a place the filter admits.

use std::collections::{BTreeSet, HashSet};

use index_sync_core::location::Location;
use index_sync_core::names::TenantNames;
use index_sync_core::{Config, Response};
use serde_json::Value;

use super::Ledger;
use super::filter::SearchFilter;
use super::places::{place, spelled, vector_places};
use super::removal::tenant_vectors;
use crate::fakes::World;

fn results(response: &Response) -> Vec<Value> {
    response.body["results"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The places a result names (`locations`).
fn result_places(result: &Value) -> BTreeSet<Location> {
    result["locations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(place)
        .collect()
}

impl Ledger {
    /// Invariant (c) over one search response of `user` in `project`: each result is a
    /// chunk the tenant sent, at a file and places it sent for it.
    pub fn check_search(&self, user: &str, project: &str, response: &Response) -> Vec<String> {
        let mut broken = Vec::new();
        for r in results(response) {
            let triple = (
                user.to_owned(),
                project.to_owned(),
                r["hash"].as_str().unwrap_or_default().to_owned(),
            );
            let sent: Vec<&Location> = self
                .sent
                .get(&triple)
                .into_iter()
                .flatten()
                .map(|(_, place)| place)
                .collect();
            let file_sent = sent.iter().any(|p| r["filePath"] == p.file_path.as_str());
            let unsent: Vec<Location> = result_places(&r)
                .into_iter()
                .filter(|p| !sent.contains(&p))
                .collect();
            if !file_sent || !unsent.is_empty() {
                broken.push(format!(
                    "(c) {user}/{project} was shown {r}, which it never sent (there: {unsent:?})"
                ));
            }
        }
        broken
    }

    /// Invariant (i) over one search of `user` (its `body`), on the world as it is when the
    /// answer is given.
    pub fn check_results(
        &self,
        world: &World,
        config: &Config,
        user: &str,
        body: &Value,
        response: &Response,
    ) -> Vec<String> {
        if response.status != 200 {
            return Vec::new();
        }
        let project = body["projectId"].as_str().unwrap_or_default();
        let filter = match SearchFilter::of(body) {
            Ok(filter) => filter,
            Err(why) => return vec![format!("(i) {user}/{project}: answered the filter {why}")],
        };
        let admitted = |places: &BTreeSet<Location>| -> Option<BTreeSet<Location>> {
            let Some(filter) = &filter else {
                return Some(places.clone());
            };
            let mut kept = BTreeSet::new();
            for p in places {
                if filter.admits(&p.file_path)? {
                    kept.insert(p.clone());
                }
            }
            Some(kept)
        };
        let names = TenantNames::new(config, user, project);
        let mut broken = Vec::new();
        let mut seen = HashSet::new();
        let results = results(response);
        for r in &results {
            let hash = r["hash"].as_str().unwrap_or_default();
            let at = |what: String| format!("(i) {user}/{project}: result {hash}: {what}");
            if !seen.insert(hash) {
                broken.push(at("shown twice".into()));
            }
            let Some((_, meta)) = world.vectorize.get(&names.vector_id(hash)) else {
                broken.push(at("it has no vector".into()));
                continue;
            };
            let shown = result_places(r);
            let held = vector_places(meta);
            match admitted(&held) {
                Some(wanted) if wanted != shown => broken.push(at(format!(
                    "shown at {:?}, its vector at {:?}, of which the filter admits {:?}",
                    spelled(&shown),
                    spelled(&held),
                    spelled(&wanted)
                ))),
                _ => {}
            }
            let paths: Vec<&str> = shown.iter().map(|p| p.file_path.as_str()).collect();
            let mut files = paths.clone();
            files.dedup();
            if r["filePaths"] != serde_json::json!(files)
                || r["filePath"] != files.first().copied().unwrap_or_default()
            {
                broken.push(at(format!(
                    "filePath {} and filePaths {} are not the files of its locations",
                    r["filePath"], r["filePaths"]
                )));
            }
            let snippet = meta["snippet"].as_str().unwrap_or_default();
            if r["snippet"] != snippet {
                broken.push(at(format!("its snippet is not its vector's {snippet:?}")));
            }
        }
        let top_k = body["topK"]
            .as_u64()
            .unwrap_or(u64::from(config.default_top_k));
        let findable = |p: &BTreeSet<Location>| admitted(p).map(|kept| !kept.is_empty());
        let candidates = tenant_vectors(world, user, project);
        if let Some(missing) = missing(config, &candidates, top_k, results.len(), findable) {
            broken.push(format!("(i) {user}/{project}: {missing}"));
        }
        broken
    }
}

/// When every vector of the tenant (`vectors`, with their places) was a candidate (no more
/// than Vectorize returns with metadata), `shown` results are as many as `topK` allows of
/// those with a place the filter admits (`findable`; `None`: it cannot tell).
fn missing(
    config: &Config,
    vectors: &[(String, BTreeSet<Location>)],
    top_k: u64,
    shown: usize,
    findable: impl Fn(&BTreeSet<Location>) -> Option<bool>,
) -> Option<String> {
    if vectors.len() > config.max_top_k as usize {
        return None;
    }
    let mut found = 0;
    for (_, places) in vectors {
        found += usize::from(findable(places)?);
    }
    let wanted = found.min(usize::try_from(top_k).unwrap_or(usize::MAX));
    (shown != wanted).then(|| {
        format!(
            "{shown} results, yet {found} of its {} vectors are at a place the filter admits (topK {top_k})",
            vectors.len()
        )
    })
}
