//! What the integration tests share: running the command-line tool, reading its report,
//! writing folders for it, and reading the hashes a response names.
#![allow(dead_code)] // each test file uses its own share of these

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// Runs the binary with `args` and the environment variables `env`.
pub fn index_sync_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_index-sync"))
        .args(args)
        .env_remove("INDEX_SYNC_TOKEN")
        .envs(env.iter().copied())
        .output()
        .expect("index-sync runs")
}

/// Runs the binary; returns its standard output, failing the test on a non-zero exit.
pub fn index_sync(args: &[&str]) -> String {
    succeeded(args, &index_sync_with(args, &[]))
}

/// The standard output of a run that must have succeeded.
pub fn succeeded(args: &[&str], output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "index-sync {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The number after `label` on its line of the report.
pub fn figure(report: &str, label: &str) -> u64 {
    let line = report
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no {label:?} in\n{report}"));
    line[label.len()..]
        .split_whitespace()
        .next()
        .and_then(|n| n.trim_end_matches(',').parse().ok())
        .unwrap_or_else(|| panic!("no number in {line:?}"))
}

/// Writes `text` at `path` under `dir`, making folders as needed.
pub fn write(dir: &Path, path: &str, text: &[u8]) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A small project of two Rust files, `src/parse.rs` and `src/render.rs`, one function
/// each, in a folder of its own.
pub fn two_file_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "src/parse.rs",
        b"fn parse_header(input: &str) -> Header {\n    todo()\n}\n",
    );
    write(
        dir.path(),
        "src/render.rs",
        b"fn render_page(page: Page) -> String {\n    page.title\n}\n",
    );
    dir
}

/// The hashes a response lists under `field`: plain strings (`needed`, `cached`) or objects
/// with a `hash` (`failed`, `deferred`).
pub fn hashes(body: &Value, field: &str) -> BTreeSet<String> {
    body[field]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().or(v["hash"].as_str()).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
