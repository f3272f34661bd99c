//! Hybrid ranking: the vectors' similarity and the words' BM25, fused by reciprocal rank.
//!
//! Each ranking gives a result `1 / (rrfK + rank)` (rank from 1), summed over the rankings
//! that hold it; best first, ties in order of first appearance (the vectors' ranking, then
//! the words'). Ranks, not scores, are fused: cosine similarities and BM25 scores are on
//! scales that cannot be added, and a rank needs no calibration per model or per corpus.

use crate::effect::Match;

/// `rankings`, best first each, fused into one, best first; every match of any of them is
/// in it once, with its fused score and the metadata of its first appearance.
pub(super) fn fuse(rrf_k: u32, rankings: Vec<Vec<Match>>) -> Vec<Match> {
    let mut fused: Vec<Match> = Vec::new();
    for ranking in rankings {
        for (rank, m) in (1u32..).zip(ranking) {
            let share = 1.0 / f64::from(rrf_k.saturating_add(rank));
            match fused.iter_mut().find(|f| f.id == m.id) {
                Some(f) => {
                    f.score += share;
                    if f.metadata.is_none() {
                        f.metadata = m.metadata;
                    }
                }
                None => fused.push(Match { score: share, ..m }),
            }
        }
    }
    // Stable: equal scores keep their order of first appearance.
    fused.sort_by(|a, b| b.score.total_cmp(&a.score));
    fused
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ranking(ids: &[&str]) -> Vec<Match> {
        ids.iter()
            .map(|id| Match {
                id: (*id).into(),
                score: 0.5,
                metadata: Some(json!({ "id": id })),
            })
            .collect()
    }

    #[test]
    fn a_result_high_in_both_rankings_comes_first() {
        let fused = fuse(
            60,
            vec![ranking(&["a", "b", "c"]), ranking(&["c", "b", "d"])],
        );
        let ids: Vec<&str> = fused.iter().map(|m| m.id.as_str()).collect();
        // c: 1/63 + 1/61 = 0.032266; b: 2/62 = 0.032258; a: 1/61; d: 1/63.
        assert_eq!(ids, ["c", "b", "a", "d"]);
        assert!((fused[1].score - 2.0 / 62.0).abs() < 1e-12);
    }

    #[test]
    fn equal_scores_keep_the_order_of_first_appearance() {
        let fused = fuse(60, vec![ranking(&["a"]), ranking(&["z"])]);
        let ids: Vec<&str> = fused.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["a", "z"]);
    }

    #[test]
    fn a_ranking_alone_keeps_its_order() {
        let fused = fuse(60, vec![ranking(&["x", "y"]), Vec::new()]);
        let ids: Vec<&str> = fused.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["x", "y"]);
    }

    #[test]
    fn metadata_missing_from_one_ranking_comes_from_the_other() {
        let mut dense = ranking(&["a"]);
        dense[0].metadata = None;
        let fused = fuse(60, vec![dense, ranking(&["a"])]);
        assert_eq!(fused[0].metadata, Some(json!({ "id": "a" })));
    }
}
