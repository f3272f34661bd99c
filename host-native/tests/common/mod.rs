//! What the tests of the command-line tool share: running it, reading its report, writing
//! folders for it.
#![allow(dead_code)] // each test file uses its own share of these

use std::path::Path;
use std::process::{Command, Output};

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
