//! What `index` and `push` show of a sync: a progress bar per phase, and the summary.

use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};

use super::chunker::Walk;
use super::sync::Summary;

/// A progress bar per phase, drawn only where there is a terminal.
#[derive(Default)]
pub struct Bars {
    bar: Option<(String, ProgressBar)>,
}

impl Bars {
    /// Shows `done` of `total` for `phase`, starting a new bar when the phase changes.
    pub fn show(&mut self, phase: &str, done: usize, total: usize) {
        if self.bar.as_ref().is_none_or(|(p, _)| p != phase) {
            self.finish();
            let bar = ProgressBar::new(total as u64);
            if let Ok(style) =
                ProgressStyle::with_template(&format!("{phase} {{bar:40}} {{pos}}/{{len}}"))
            {
                bar.set_style(style);
            }
            self.bar = Some((phase.to_owned(), bar));
        }
        if let Some((_, bar)) = &self.bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    }

    /// Clears the bar.
    pub fn finish(&mut self) {
        if let Some((_, bar)) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// Prints what a sync of `dir` did, and on standard error what is left undone, for the
/// command (`index`, `push`) to run again.
pub fn print_sync(dir: &Path, walk: &Walk, summary: &Summary, command: &str) {
    println!(
        "{}: {} files read, {} skipped (binary, huge or unreadable), {} chunks ({} with the files they are in)",
        dir.display(),
        walk.files,
        walk.skipped,
        summary.chunks,
        walk.chunks.len()
    );
    println!(
        "phase 1: {} chunks needed, {} cached, {} removed (no longer in the folder), in {} requests; {} unchanged of {} parts (told by their digest alone)",
        summary.needed,
        summary.cached,
        summary.removed,
        summary.phase1_requests,
        summary.unchanged_parts,
        summary.parts
    );
    println!(
        "phase 2: {} chunks indexed, {} not indexed, in {} requests ({} chunks sent with their code, resends included)",
        summary.indexed,
        summary.not_indexed.len(),
        summary.phase2_requests,
        summary.chunks_sent
    );
    if summary.closing_requests > 0 {
        println!(
            "closing: {} phase-1 requests listed the index again so that it is recorded clean \
             (the next run of an unchanged folder is one request per part){}",
            summary.closing_requests,
            match summary.closing_unclean {
                0 => String::new(),
                n => format!(
                    "; {n} found the project changed meanwhile by another client, and are left \
                     to the next run"
                ),
            }
        );
    }
    for (hash, why) in &summary.not_indexed {
        eprintln!("not indexed: {hash}: {why}");
    }
    if summary.removal_unfinished {
        eprintln!("removal unfinished: run {command} again");
    }
}
