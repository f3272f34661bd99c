//! The results as Markdown tables, and per question as JSON.

use std::fmt::Write;

use index_sync_retrieval::scoring::{Hits, Metrics};
use serde_json::{Value, json};

/// The score of one ranker over one corpus cut by one chunker.
pub struct Row {
    /// The corpus's name.
    pub corpus: &'static str,
    /// How many questions.
    pub questions: usize,
    /// The chunker's name.
    pub chunker: &'static str,
    /// How many chunks it cut.
    pub chunks: usize,
    /// The ranker's name.
    pub ranker: &'static str,
    /// File level.
    pub file: Metrics,
    /// Chunk level.
    pub chunk: Metrics,
    /// Per question: its id and ranks.
    pub hits: Vec<(String, Hits)>,
}

/// One batch of chunks embedded by the model.
pub struct Throughput {
    /// The corpus's name.
    pub corpus: &'static str,
    /// The chunker's name.
    pub chunker: &'static str,
    /// Texts embedded (those not embedded before in the run).
    pub texts: usize,
    /// Their word pieces as the model reads them (at most 254 each; `[CLS]` and `[SEP]`
    /// not counted).
    pub pieces_read: usize,
    /// How many had more pieces than the model reads, and were cut.
    pub cut: usize,
    /// Wall time of the batch.
    pub seconds: f64,
    /// The machine's load average over the last minute when the batch ended (Linux), to
    /// tell a shared machine's other work from the model's speed.
    pub load: Option<f64>,
}

fn metric_cells(m: &Metrics) -> String {
    format!(
        "{:.3} | {:.3} | {:.3}",
        m.recall_at_1, m.recall_at_10, m.mrr_at_10
    )
}

/// The main table: one row per corpus, chunker and ranker.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| corpus (questions) | chunker | chunks | ranker | file R@1 | file R@10 | file MRR@10 \
         | chunk R@1 | chunk R@10 | chunk MRR@10 |\n\
         |---|---|---:|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "| {} ({}) | {} | {} | {} | {} | {} |",
            r.corpus,
            r.questions,
            r.chunker,
            r.chunks,
            r.ranker,
            metric_cells(&r.file),
            metric_cells(&r.chunk)
        );
    }
    out
}

/// Resamples of the paired bootstrap behind the confidence intervals.
const RESAMPLES: usize = 2_000;

/// The hybrid against the model alone, MRR@10, per corpus and chunker: the difference, its
/// 95% interval by a paired bootstrap over the questions, and how many questions the
/// hybrid ranks better or worse (file level, within the first ten).
pub fn hybrid_against_model(rows: &[Row]) -> String {
    let mut out = String::from(
        "| corpus | chunker | file MRR@10 model → hybrid (95% CI of the difference) | chunk \
         MRR@10 model → hybrid (95% CI) | questions better / worse (file) |\n\
         |---|---|---:|---:|---:|\n",
    );
    for model in rows.iter().filter(|r| r.ranker == "model") {
        let Some(hybrid) = rows.iter().find(|r| {
            r.ranker == "hybrid" && r.corpus == model.corpus && r.chunker == model.chunker
        }) else {
            continue;
        };
        let cell = |level: fn(&Hits) -> Option<usize>, a: f64, b: f64| {
            let differences: Vec<f64> = model
                .hits
                .iter()
                .zip(&hybrid.hits)
                .map(|((_, m), (_, h))| reciprocal(level(h)) - reciprocal(level(m)))
                .collect();
            let (low, high) = bootstrap_interval(&differences);
            format!("{a:.3} → {b:.3} ({:+.3}; {low:+.3} to {high:+.3})", b - a)
        };
        let (mut better, mut worse) = (0, 0);
        for ((_, m), (_, h)) in model.hits.iter().zip(&hybrid.hits) {
            let (m, h) = (reciprocal(m.file), reciprocal(h.file));
            better += usize::from(h > m);
            worse += usize::from(h < m);
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {better} / {worse} |",
            model.corpus,
            model.chunker,
            cell(|h| h.file, model.file.mrr_at_10, hybrid.file.mrr_at_10),
            cell(|h| h.chunk, model.chunk.mrr_at_10, hybrid.chunk.mrr_at_10),
        );
    }
    out
}

/// 1/rank within the first ten, else 0.
fn reciprocal(rank: Option<usize>) -> f64 {
    rank.filter(|&r| r <= 10).map_or(0.0, |r| 1.0 / r as f64)
}

/// The 2.5th and 97.5th percentiles of the mean of `values` resampled with replacement
/// ([`RESAMPLES`] times, a fixed seed: the same table every run).
fn bootstrap_interval(values: &[f64]) -> (f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = || {
        // xorshift64*
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let n = values.len();
    let mut means: Vec<f64> = (0..RESAMPLES)
        .map(|_| {
            (0..n)
                .map(|_| values[(next() % n as u64) as usize])
                .sum::<f64>()
                / n as f64
        })
        .collect();
    means.sort_by(f64::total_cmp);
    (means[RESAMPLES * 25 / 1000], means[RESAMPLES * 975 / 1000])
}

/// The embedding throughput measured while embedding the chunks.
pub fn throughput(runs: &[Throughput], workers: usize) -> String {
    let mut out = format!(
        "| corpus | chunker | chunks embedded | mean word pieces read | cut at 254 | seconds \
         | chunks/s ({workers} threads) | load average |\n|---|---|---:|---:|---:|---:|---:|---:|\n"
    );
    let mut total = (0, 0, 0, 0.0);
    for t in runs {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.0} | {} | {:.1} | {:.1} | {} |",
            t.corpus,
            t.chunker,
            t.texts,
            t.pieces_read as f64 / t.texts as f64,
            t.cut,
            t.seconds,
            t.texts as f64 / t.seconds,
            t.load.map_or("n/a".into(), |l| format!("{l:.1}"))
        );
        total = (
            total.0 + t.texts,
            total.1 + t.pieces_read,
            total.2 + t.cut,
            total.3 + t.seconds,
        );
    }
    let (texts, pieces, cut, seconds) = total;
    if texts > 0 {
        let _ = writeln!(
            out,
            "| all | | {texts} | {:.0} | {cut} | {seconds:.1} | {:.1} | |",
            pieces as f64 / texts as f64,
            texts as f64 / seconds
        );
    }
    out
}

/// Whether the default (the model over the code-aware chunker) reaches `goal` MRR@10.
pub fn done_when(rows: &[Row], default_chunker: &str, default_ranker: &str, goal: f64) -> String {
    let mut out = String::new();
    for r in rows
        .iter()
        .filter(|r| r.ranker == default_ranker && r.chunker == default_chunker)
    {
        let verdict = |m: f64| if m >= goal { "reaches" } else { "misses" };
        let _ = writeln!(
            out,
            "- {}: file MRR@10 {:.3} ({} {goal:.2}), chunk MRR@10 {:.3} ({} {goal:.2})",
            r.corpus,
            r.file.mrr_at_10,
            verdict(r.file.mrr_at_10),
            r.chunk.mrr_at_10,
            verdict(r.chunk.mrr_at_10),
        );
    }
    out
}

/// Every row with its per-question ranks, as JSON.
pub fn json(rows: &[Row], answers: &str) -> Vec<Value> {
    rows.iter()
        .map(|r| {
            let metrics = |m: &Metrics| {
                json!({"R@1": m.recall_at_1, "R@10": m.recall_at_10, "MRR@10": m.mrr_at_10})
            };
            json!({
                "corpus": r.corpus,
                "answers": answers,
                "chunker": r.chunker,
                "chunks": r.chunks,
                "ranker": r.ranker,
                "file": metrics(&r.file),
                "chunk": metrics(&r.chunk),
                "questions": r.hits.iter().map(|(id, h)| json!({
                    "id": id, "fileRank": h.file, "chunkRank": h.chunk
                })).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// The load average over the last minute, from `/proc/loadavg`.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}
