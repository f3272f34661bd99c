//! A small project on disk, the tool run in it as a person would (from its folder, with
//! the defaults), and the check every test of locations rests on: the lines a location
//! names hold the result's code.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use index_sync_core::names::sha256_hex;
use serde_json::Value;

use super::common::write;

/// A folder of Rust, TypeScript and Markdown files, under a parent whose name is the
/// project's default: `demo`.
pub struct Project {
    _parent: tempfile::TempDir,
    /// The project's folder.
    pub root: PathBuf,
}

const RETRY: &str = "use std::time::Duration;

/// Waits twice as long after each failed attempt, up to a minute.
pub fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_millis(100);
    let wait = base * 2u32.saturating_pow(attempt);
    wait.min(Duration::from_secs(60))
}

/// Runs `f` until it succeeds or the attempts run out, waiting between them.
pub fn retry<T, E>(attempts: u32, mut f: impl FnMut() -> Result<T, E>) -> Result<T, E> {
    let mut attempt = 0;
    loop {
        match f() {
            Ok(value) => return Ok(value),
            Err(e) if attempt + 1 >= attempts => return Err(e),
            Err(_) => {
                std::thread::sleep(backoff(attempt));
                attempt += 1;
            }
        }
    }
}
";

const PARSE: &str = "/// A header line: `Name: value`.
pub struct Header {
    pub name: String,
    pub value: String,
}

impl Header {
    /// Reads one header line.
    pub fn parse(line: &str) -> Option<Header> {
        let (name, value) = line.split_once(':')?;
        Some(Header {
            name: name.trim().to_owned(),
            value: value.trim().to_owned(),
        })
    }

    /// The line again.
    pub fn render(&self) -> String {
        format!(\"{}: {}\", self.name, self.value)
    }
}
";

const RENDER: &str = "export function renderPage(title: string, body: string): string {
  return `<h1>${title}</h1>\\n<main>${body}</main>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, \"&amp;\").replace(/</g, \"&lt;\");
}
";

const NOTES: &str = "# Notes

The retry loop doubles its wait after every failure.

Headers are parsed one line at a time.
";

impl Project {
    /// The project, not yet indexed.
    pub fn new() -> Self {
        let parent = tempfile::tempdir().unwrap();
        let root = parent.path().join("demo");
        write(&root, "src/retry.rs", RETRY.as_bytes());
        write(&root, "src/parse.rs", PARSE.as_bytes());
        write(&root, "web/render.ts", RENDER.as_bytes());
        write(&root, "docs/notes.md", NOTES.as_bytes());
        Self {
            _parent: parent,
            root,
        }
    }

    /// Runs the tool in `dir` (relative to the project) with the environment of a person
    /// whose login is `alice` and whose git knows no e-mail outside a repository.
    pub fn run_in(&self, dir: &str, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_index-sync"))
            .args(args)
            .current_dir(self.root.join(dir))
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("USER", "alice")
            .env_remove("LOGNAME")
            .output()
            .expect("index-sync runs")
    }

    /// Runs the tool at the project's root; its standard output, the test failing on a
    /// non-zero exit.
    pub fn run(&self, args: &[&str]) -> String {
        succeeded(args, &self.run_in(".", args))
    }

    /// `index .` with every default.
    pub fn index(&self) -> String {
        self.run(&["index", "."])
    }

    /// `search --json` with every result the engine can give, and `extra` arguments.
    pub fn search_json(&self, query: &str, extra: &[&str]) -> Value {
        let args = [&["search", "--json", "--top-k", "50", query][..], extra].concat();
        serde_json::from_str(&self.run(&args)).expect("search --json prints JSON")
    }

    /// Edits a file of the project.
    pub fn write(&self, path: &str, text: &str) {
        write(&self.root, path, text.as_bytes());
    }

    /// A file of the project.
    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.root.join(path)).unwrap()
    }
}

/// The standard output of a run that must have succeeded.
pub fn succeeded(args: &[&str], output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "index-sync {args:?} failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Whether lines `start..=end` of the file at `path` under `root` are the code of the
/// result `hash`: the chunk's text is those lines, after the signature lines it carries in
/// from the items around it (its snippet's first lines), so some count of the snippet's
/// first lines followed by the file's lines must have the result's hash.
pub fn lines_hold(root: &Path, path: &str, start: usize, end: usize, result: &Value) -> bool {
    let Ok(text) = std::fs::read_to_string(root.join(path)) else {
        return false;
    };
    let lines: Vec<&str> = text.split('\n').collect();
    if start == 0 || start > end || end > lines.len() {
        return false;
    }
    let code = lines[start - 1..end].join("\n");
    let snippet: Vec<&str> = result["snippet"]
        .as_str()
        .unwrap_or_default()
        .lines()
        .collect();
    (0..=snippet.len()).any(|carried| {
        let mut text: String = snippet[..carried]
            .iter()
            .map(|l| format!("{l}\n"))
            .collect();
        text.push_str(&code);
        sha256_hex(&text) == result["hash"].as_str().unwrap_or_default()
    })
}

/// Every location of every result, `(path, start, end)`, each checked to hold its
/// result's code on disk; fails the test naming the first that does not.
pub fn checked_locations(root: &Path, answer: &Value) -> Vec<(String, usize, usize)> {
    let mut all = Vec::new();
    for result in answer["results"].as_array().expect("results") {
        for location in result["locations"].as_array().expect("locations") {
            let path = location["filePath"].as_str().expect("filePath").to_owned();
            let start = location["startLine"].as_u64().expect("startLine") as usize;
            let end = location["endLine"].as_u64().expect("endLine") as usize;
            assert!(
                lines_hold(root, &path, start, end, result),
                "{path}:{start}-{end} does not hold the code of {result:#}"
            );
            all.push((path, start, end));
        }
    }
    all
}
