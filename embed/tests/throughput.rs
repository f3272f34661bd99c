//! Embedding throughput on this machine, in chunks per second and CPU seconds per chunk:
//!
//! ```sh
//! cargo test --profile tool -p index-sync-embed --test throughput -- --ignored --nocapture
//! ```
//!
//! The chunks: the first 200 pieces of 17 lines of `core/src/**/*.rs` (files in path
//! order), about 180 tokens each, the size of chunk the tool is to embed (the mean tokens per
//! chunk, as fed and before the cut, are printed).
//! Ignored by default: it measures, it does not check, and it takes about 20 s of CPU.
//! On a shared machine the wall-clock rate depends on the other load; CPU seconds per chunk
//! do not, and `2 / (CPU s per chunk)` is the rate on two idle cores.

mod common;

use std::path::{Path, PathBuf};
use std::time::Instant;

use index_sync_embed::MAX_PIECES;

/// Chunks measured.
const CHUNKS: usize = 200;
/// Lines per chunk.
const LINES: usize = 17;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn chunks() -> Vec<String> {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/src"),
        &mut files,
    );
    let mut chunks = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        chunks.extend(lines.chunks(LINES).map(|c| c.join("\n")));
    }
    chunks.retain(|c| !c.trim().is_empty());
    chunks.truncate(CHUNKS);
    chunks
}

/// CPU seconds (user + system) this process has used, all threads, joined ones included;
/// `None` off Linux. `/proc/self/stat` counts in ticks of 1/100 s (USER_HZ).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // After the command name: state is field 3, utime 14, stime 15.
    let ticks = |i: usize| fields.get(i - 3)?.parse::<f64>().ok();
    Some((ticks(14)? + ticks(15)?) / 100.0)
}

#[test]
#[ignore = "a measurement: run with --ignored --nocapture"]
fn chunks_per_second() {
    let Some(model) = common::model("chunks_per_second") else {
        return;
    };
    let chunks = chunks();
    assert_eq!(chunks.len(), CHUNKS, "core/src has enough code");
    let pieces: Vec<usize> = chunks.iter().map(|c| model.pieces(c)).collect();
    let fed: usize = pieces.iter().map(|&p| p.min(MAX_PIECES) + 2).sum();
    let whole: usize = pieces.iter().map(|&p| p + 2).sum();
    let cut = pieces.iter().filter(|&&p| p > MAX_PIECES).count();
    model.embed(&chunks[..4]);
    let (cpu, start) = (cpu_seconds(), Instant::now());
    let vectors = model.embed(&chunks);
    let wall = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds().zip(cpu).map(|(end, start)| end - start);
    assert_eq!(vectors.len(), CHUNKS);
    let n = CHUNKS as f64;
    println!(
        "{CHUNKS} chunks of {LINES} lines, {:.1} tokens as fed (mean; {:.1} before the cut at \
         {}; {cut} cut), {} workers",
        fed as f64 / n,
        whole as f64 / n,
        MAX_PIECES + 2,
        model.workers()
    );
    println!(
        "wall {wall:.2} s: {:.1} chunks/s, {:.0} tokens/s",
        n / wall,
        fed as f64 / wall
    );
    if let Some(cpu) = cpu {
        println!(
            "CPU {cpu:.2} s: {:.4} CPU s/chunk, {:.2} cores busy; on 2 idle cores {:.1} chunks/s",
            cpu / n,
            cpu / wall,
            2.0 * n / cpu
        );
    }
}
