//! The operator's guard: per-user quotas. Whoever deploys index-sync pays for every AI call
//! and every stored vector of every user, so a deployment may cap both per user, across
//! all of that user's projects. The counters live in the coordinator (one consistent place
//! per user), changed in one atomic call each, so that overlapping requests of one user
//! never together pass a limit (`quota.rs`).

use serde::{Deserialize, Serialize};

/// `"quotas": {"aiChunksPerUserPerDay": N, "vectorsPerUser": M}`; either may be absent (no
/// limit of that kind, though it is still counted).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Quotas {
    /// Distinct pieces of code one user may send to the AI in a UTC day, all projects
    /// together: each miss of the shared cache planned for a summary and an embedding counts
    /// 1; code someone else already paid for (a cache hit) counts nothing. About $0.07 per
    /// 1,000 with summaries on Workers AI's prices, so the limit bounds a user's (or a
    /// leaked token's) daily AI spend. 0 lets no AI work through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ai_chunks_per_user_per_day: Option<u32>,
    /// Vectors one user may hold, all projects together: each chunk indexed with a marker
    /// the tenant did not have counts 1 (a chunk moved to other files or lines keeps its
    /// vector and counts nothing more); removing it gives it back at once. Bounds the share
    /// of the Vectorize index (and its bill) one user can take.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vectors_per_user: Option<u32>,
}

/// Calls the quotas add to an indexing request that needs a grant: the charge, and the
/// credit of what it did not use.
pub(crate) const QUOTA_CALLS: usize = 2;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;

    #[test]
    fn quotas_are_off_by_default_and_each_limit_is_optional() {
        assert_eq!(Config::default().quotas, None);
        let config = Config::from_json(r#"{"quotas": {"vectorsPerUser": 5}}"#).unwrap();
        assert_eq!(
            config.quotas,
            Some(Quotas {
                ai_chunks_per_user_per_day: None,
                vectors_per_user: Some(5),
            })
        );
        assert!(Config::from_json(r#"{"quotas": {"aiChunks": 5}}"#).is_err());
        assert!(Config::from_json(r#"{"quotas": {"vectorsPerUser": -1}}"#).is_err());
        let small = r#"{"quotas": {}, "operationBudget": 14}"#;
        assert!(
            Config::from_json(small).is_err(),
            "a budget that cannot fit the charge and the credit beside one new chunk"
        );
    }
}
