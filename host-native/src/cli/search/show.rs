//! `search`'s output for a person at a terminal: one block per location, best result first,
//!
//! ```text
//! src/retry.rs:40-61  0.812
//!     pub fn backoff(attempt: u32) -> Duration {
//!         ...
//!     … 12 more lines
//!   summary: Doubles the wait after each failed attempt.
//! ```
//!
//! so that the code is seen without opening a file. The lines come from the file on disk
//! when the project is this folder's and the file still holds the indexed code at those
//! lines (the index's copy is its first lines only, and may open with the signature of the
//! item the chunk was cut from); else from the index's copy, with a word on why. The
//! summary follows when there is one (the local tool makes none unless asked).

use std::collections::HashMap;
use std::fmt::Write;
use std::path::Path;

use super::results::{Found, Place};

/// Lines of code shown under each location.
pub const SHOWN_LINES: usize = 10;
/// The indent of code under a location.
const INDENT: &str = "    ";

/// The text of `found`; `root` is the project's folder when its files are on this machine.
pub fn human(found: &[Found], root: Option<&Path>) -> String {
    let mut files = Files {
        root,
        read: HashMap::new(),
    };
    let mut out = String::new();
    for result in found {
        for place in &result.locations {
            if !out.is_empty() {
                out.push('\n');
            }
            block(&mut out, result, place, &mut files);
        }
    }
    out
}

fn block(out: &mut String, result: &Found, place: &Place, files: &mut Files<'_>) {
    let _ = writeln!(out, "{}  {:.3}", place.label(), result.score);
    let snippet: Vec<&str> = result.snippet.lines().collect();
    let (code, total, note) = match (place.lines, files.lines(&place.file_path)) {
        (Some((start, end)), Some(Some(text))) => {
            let lines = text.lines().collect::<Vec<_>>();
            match at(&lines, start, end) {
                Some(held) if holds(&snippet, held) => (held.to_vec(), held.len(), None),
                Some(_) => (
                    snippet.clone(),
                    snippet.len(),
                    Some("the file has changed since"),
                ),
                None => (
                    snippet.clone(),
                    snippet.len(),
                    Some("the file is shorter now"),
                ),
            }
        }
        (Some(_), Some(None)) => (snippet.clone(), snippet.len(), Some("the file is gone")),
        _ => (snippet.clone(), snippet.len(), None),
    };
    for line in code.iter().take(SHOWN_LINES) {
        let _ = writeln!(out, "{INDENT}{line}");
    }
    if total > SHOWN_LINES {
        let _ = writeln!(out, "{INDENT}… {} more lines", total - SHOWN_LINES);
    }
    if code.is_empty() {
        let _ = writeln!(out, "{INDENT}(the index keeps no code for this result)");
    }
    if let Some(why) = note {
        let _ = writeln!(
            out,
            "{INDENT}(as indexed: {why}; run `index-sync index` to bring the index up to date)"
        );
    }
    if !result.summary.is_empty() {
        let _ = writeln!(out, "  summary: {}", result.summary);
    }
}

/// The files of the project on disk, each read once.
struct Files<'a> {
    root: Option<&'a Path>,
    read: HashMap<String, Option<String>>,
}

impl Files<'_> {
    /// `None` when the project's files are not here; `Some(None)` for a file that is gone
    /// or unreadable.
    fn lines(&mut self, path: &str) -> Option<Option<&str>> {
        let root = self.root?;
        let text = self
            .read
            .entry(path.to_owned())
            .or_insert_with(|| std::fs::read_to_string(root.join(path)).ok());
        Some(text.as_deref())
    }
}

/// Lines `start..=end` (1-based) of `lines`, if it has them all.
fn at<'a, 'b>(lines: &'a [&'b str], start: u32, end: u32) -> Option<&'a [&'b str]> {
    let (start, end) = (usize::try_from(start).ok()?, usize::try_from(end).ok()?);
    (1 <= start && start <= end && end <= lines.len()).then(|| &lines[start - 1..end])
}

/// Whether `held` (the file's lines now) is the code the index's `snippet` starts: the
/// snippet, after any signature lines carried in before the code, goes on as `held` does,
/// as far as both go (its last line may be cut short, but is no match alone). An empty
/// snippet (an older vector) cannot tell, and is taken as agreeing.
fn holds(snippet: &[&str], held: &[&str]) -> bool {
    if snippet.is_empty() {
        return true;
    }
    let last = snippet.len() - 1;
    (0..snippet.len()).any(|skip| {
        snippet[skip..]
            .iter()
            .zip(held)
            .enumerate()
            .all(|(i, (s, h))| s == h || (i > 0 && skip + i == last && h.starts_with(s)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(path: &str, lines: Option<(u32, u32)>, snippet: &str) -> Found {
        Found {
            score: 0.5,
            hash: "h".into(),
            summary: String::new(),
            locations: vec![Place {
                file_path: path.into(),
                lines,
            }],
            snippet: snippet.into(),
        }
    }

    #[test]
    fn code_comes_from_the_file_when_it_still_holds_it_else_from_the_index() {
        let dir = tempfile::tempdir().unwrap();
        let body: Vec<String> = (1..=14).map(|i| format!("    step({i});")).collect();
        let text = format!("// top\nfn run() {{\n{}\n}}\n", body.join("\n"));
        std::fs::write(dir.path().join("a.rs"), &text).unwrap();
        // Indexed with a signature line before the code, cut at 12 lines, the last cut short.
        let snippet = format!("mod m {{\nfn run() {{\n{}\n    ste", body[..9].join("\n"));
        let shown = human(&[found("a.rs", Some((2, 17)), &snippet)], Some(dir.path()));
        assert!(
            shown.starts_with("a.rs:2-17  0.500\n    fn run() {\n"),
            "{shown}"
        );
        assert!(
            shown.contains("    step(9);\n    … 6 more lines\n"),
            "{shown}"
        );
        assert!(!shown.contains("as indexed"), "{shown}");

        let moved_on = human(&[found("a.rs", Some((1, 3)), &snippet)], Some(dir.path()));
        assert!(moved_on.contains("    mod m {\n"), "{moved_on}");
        assert!(
            moved_on.contains("the file has changed since"),
            "{moved_on}"
        );
        let gone = human(&[found("b.rs", Some((1, 3)), "x")], Some(dir.path()));
        assert!(
            gone.contains("    x\n    (as indexed: the file is gone"),
            "{gone}"
        );
        let short = human(&[found("a.rs", Some((17, 40)), "}")], Some(dir.path()));
        assert!(short.contains("the file is shorter now"), "{short}");
        let elsewhere = human(&[found("a.rs", Some((2, 17)), "fn other() {}")], None);
        assert_eq!(elsewhere, "a.rs:2-17  0.500\n    fn other() {}\n");
        let unlined = human(&[found("a.rs", None, "")], Some(dir.path()));
        assert_eq!(
            unlined,
            "a.rs  0.500\n    (the index keeps no code for this result)\n"
        );
    }

    #[test]
    fn every_location_is_a_block_and_the_summary_follows_the_code() {
        let mut result = found("a.rs", Some((1, 1)), "fn a() {}");
        result.locations.push(Place {
            file_path: "b.rs".into(),
            lines: Some((5, 5)),
        });
        result.summary = "Does a.".into();
        assert_eq!(
            human(&[result], None),
            "a.rs:1-1  0.500\n    fn a() {}\n  summary: Does a.\n\n\
             b.rs:5-5  0.500\n    fn a() {}\n  summary: Does a.\n"
        );
    }
}
