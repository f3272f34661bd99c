//! Questions, rankings and their scores.
//!
//! A ranking is every chunk of a corpus (indices into its chunk list), best first. For
//! each question:
//! - **chunk level**: the rank of the first chunk that lies in an answer's file and whose
//!   lines (`start_line..=end_line`, the file's own lines; signature lines a chunk carries
//!   from around it do not count) overlap the answer's range;
//! - **file level**: the files in the order of their best-ranked chunk; the rank of the
//!   first that is an answer's file.
//!
//! Any one of a question's answers counts. Recall@1 and Recall@10 are the share of
//! questions whose rank is 1, or at most 10; MRR@10 the mean of 1/rank over questions,
//! 0 for a rank past 10 or none.

use std::collections::HashSet;

use serde::Deserialize;

/// The constant of reciprocal-rank fusion: a chunk scores Σ 1 / (K + rank) over the
/// rankings that hold it (Cormack et al. 2009, and what hybrid code search tools use): the
/// engine's own (`rrfK`, 60).
pub const RRF_K: f64 = 60.0;

#[cfg(test)]
#[test]
fn the_fusion_constant_is_the_engines() {
    assert_eq!(RRF_K, f64::from(index_sync_core::Config::default().rrf_k));
}

/// A question with its known answers.
#[derive(Clone, Debug, Deserialize)]
pub struct Question {
    /// `HumanEval/12`, `clap/018`.
    pub id: String,
    /// What a person would type.
    pub question: String,
    /// Places that answer it; any one counts.
    pub answers: Vec<Answer>,
}

/// One place that answers a question.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Answer {
    /// The file, relative to the corpus folder, `/`-separated.
    pub file: String,
    /// First line, 1-based.
    pub start_line: u32,
    /// Last line, inclusive.
    pub end_line: u32,
    /// The function's name (HumanEval).
    #[serde(default)]
    pub symbol: Option<String>,
    /// Added after reading the top results of every ranker (pooled relevance judgement)
    /// rather than written with the question.
    #[serde(default)]
    pub pooled: bool,
}

/// Where a chunk is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// Its file.
    pub file: String,
    /// The first line of the file it holds, 1-based.
    pub start_line: u32,
    /// The last, inclusive.
    pub end_line: u32,
}

impl Place {
    /// Whether this chunk answers `answer`: same file, overlapping lines.
    pub fn answers(&self, answer: &Answer) -> bool {
        self.file == answer.file
            && self.start_line <= answer.end_line
            && self.end_line >= answer.start_line
    }
}

/// The 1-based ranks at which a ranking first answers a question, if it ever does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hits {
    /// Among files ordered by their best chunk.
    pub file: Option<usize>,
    /// Among chunks.
    pub chunk: Option<usize>,
}

/// Where `ranking` (indices into `places`) first answers one of `answers`.
pub fn first_hits(ranking: &[usize], places: &[Place], answers: &[&Answer]) -> Hits {
    let files: HashSet<&str> = answers.iter().map(|a| a.file.as_str()).collect();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut hits = Hits::default();
    for (rank, &i) in (1..).zip(ranking) {
        let place = &places[i];
        if hits.chunk.is_none() && answers.iter().any(|a| place.answers(a)) {
            hits.chunk = Some(rank);
        }
        if seen.insert(place.file.as_str())
            && hits.file.is_none()
            && files.contains(place.file.as_str())
        {
            hits.file = Some(seen.len());
        }
        if hits.file.is_some() && hits.chunk.is_some() {
            break;
        }
    }
    hits
}

/// Recall@1, Recall@10 and MRR@10 over a set of questions.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Metrics {
    /// Share of questions answered first.
    pub recall_at_1: f64,
    /// Share answered within the first ten.
    pub recall_at_10: f64,
    /// Mean reciprocal rank, 0 past ten.
    pub mrr_at_10: f64,
}

impl Metrics {
    /// The metrics of one rank per question.
    pub fn of(ranks: &[Option<usize>]) -> Self {
        if ranks.is_empty() {
            return Self::default();
        }
        let n = ranks.len() as f64;
        let within = |limit: usize| ranks.iter().flatten().filter(|&&r| r <= limit).count();
        let reciprocal: f64 = ranks
            .iter()
            .flatten()
            .filter(|&&r| r <= 10)
            .map(|&r| 1.0 / r as f64)
            .sum();
        Self {
            recall_at_1: within(1) as f64 / n,
            recall_at_10: within(10) as f64 / n,
            mrr_at_10: reciprocal / n,
        }
    }
}

/// Indices of `scores`, highest first; ties keep index order (walk order).
pub fn by_score(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    order
}

/// The chunks ranked by cosine to `query`: vectors are unit length, so a dot product.
pub fn by_cosine(vectors: &[Vec<f32>], query: &[f32]) -> Vec<usize> {
    let scores: Vec<f64> = vectors
        .iter()
        .map(|v| {
            v.iter()
                .zip(query)
                .map(|(a, b)| f64::from(*a) * f64::from(*b))
                .sum()
        })
        .collect();
    by_score(&scores)
}

/// Reciprocal-rank fusion of `rankings` over `count` items: each item scores
/// Σ 1 / ([`RRF_K`] + its rank) over the rankings that hold it (a ranking may hold only
/// some, as BM25's holds the chunks sharing a word with the question); then highest first,
/// ties in index order. Every item is in the result.
pub fn fuse(rankings: &[&[usize]], count: usize) -> Vec<usize> {
    let mut scores = vec![0.0; count];
    for ranking in rankings {
        for (rank, &i) in (1..).zip(ranking.iter()) {
            scores[i] += 1.0 / (RRF_K + f64::from(rank));
        }
    }
    by_score(&scores)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(file: &str, start_line: u32, end_line: u32) -> Place {
        Place {
            file: file.into(),
            start_line,
            end_line,
        }
    }

    fn answer(file: &str, start_line: u32, end_line: u32) -> Answer {
        Answer {
            file: file.into(),
            start_line,
            end_line,
            symbol: None,
            pooled: false,
        }
    }

    #[test]
    fn a_chunk_answers_when_its_lines_overlap_the_answer_in_its_file() {
        let a = answer("a.rs", 10, 20);
        assert!(place("a.rs", 20, 30).answers(&a));
        assert!(place("a.rs", 1, 10).answers(&a));
        assert!(!place("a.rs", 21, 30).answers(&a));
        assert!(!place("b.rs", 10, 20).answers(&a));
    }

    #[test]
    fn file_ranks_count_files_by_their_best_chunk() {
        let places = [
            place("a.rs", 1, 5),
            place("a.rs", 6, 9),
            place("b.rs", 1, 9),
            place("c.rs", 1, 9),
        ];
        let c = answer("c.rs", 3, 3);
        let b = answer("b.rs", 30, 40);
        // a, a, c: c is the second file and the third chunk.
        let hits = first_hits(&[0, 1, 3, 2], &places, &[&c]);
        assert_eq!(
            hits,
            Hits {
                file: Some(2),
                chunk: Some(3)
            }
        );
        // b's file comes first among files after a, but no chunk overlaps its lines.
        let hits = first_hits(&[0, 2, 1, 3], &places, &[&b]);
        assert_eq!(
            hits,
            Hits {
                file: Some(2),
                chunk: None
            }
        );
        // Any answer counts.
        assert_eq!(first_hits(&[2, 3], &places, &[&b, &c]).chunk, Some(2));
    }

    #[test]
    fn metrics_cut_at_ten() {
        let m = Metrics::of(&[Some(1), Some(2), Some(11), None]);
        assert_eq!(m.recall_at_1, 0.25);
        assert_eq!(m.recall_at_10, 0.5);
        assert!((m.mrr_at_10 - 1.5 / 4.0).abs() < 1e-12);
    }

    #[test]
    fn fusion_sums_reciprocal_ranks_and_keeps_every_item() {
        // 1/63 + 1/61 (item 1) > 2/62 (item 2) > 1/61 (item 0, first in one only) > 1/64.
        let dense = [0, 2, 1, 3];
        let sparse = [1, 2];
        assert_eq!(fuse(&[&dense, &sparse], 4), [1, 2, 0, 3]);
        assert_eq!(by_score(&[0.5, 0.9, 0.5]), [1, 0, 2]);
        let vectors = [vec![1.0, 0.0], vec![0.6, 0.8]];
        assert_eq!(by_cosine(&vectors, &[0.0, 1.0]), [1, 0]);
    }
}
