//! The baseline: the command-line tool's chunker before it was code-aware,
//! `host-native/src/cli/chunker.rs` at commit 1dccac5, copied rule for rule. Two changes,
//! neither in where it cuts: each chunk carries the lines it spans (the old chunker did not
//! send them; the benchmark scores by them), and the hash import is this workspace's.
//!
//! The old module's documentation: chunking is deliberately simple: a file is a sequence
//! of blocks separated by blank lines (functions, paragraphs of statements); consecutive
//! blocks are packed into one chunk while it stays within [`MAX_CHUNK_LINES`] lines and
//! [`MAX_CHUNK_BYTES`] bytes, and a block larger than that is cut at those limits. The walk
//! respects `.gitignore` (and `.ignore`, and skips hidden files), in file-name order;
//! binary files (a NUL byte early on, or not UTF-8) and huge ones are skipped. A file that
//! repeats a chunk holds it once (at its first lines).

use std::path::Path;

use ignore::WalkBuilder;
use index_sync_core::names::sha256_hex;

use crate::Chunk;
use crate::scoring::Place;

/// Most lines in one chunk: about a screenful, a function or two.
pub const MAX_CHUNK_LINES: usize = 60;
/// Most bytes in one chunk.
pub const MAX_CHUNK_BYTES: usize = 8 * 1024;
/// Files over this are skipped: generated or vendored code, data dumps.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// Longest file path the engine takes (its `maxFilePathBytes` default).
pub const MAX_PATH_BYTES: usize = 1024;
/// Bytes looked at for a NUL to call a file binary, as `git` does (its first 8,000).
const BINARY_SNIFF_BYTES: usize = 8 * 1024;

/// Walks `dir` and chunks every text file in it.
pub fn walk(dir: &Path) -> Result<Vec<Chunk>, String> {
    if !dir.is_dir() {
        return Err(format!("{} is not a folder", dir.display()));
    }
    let mut found = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let walker = WalkBuilder::new(dir)
        .require_git(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        let Ok(entry) = entry else {
            continue;
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        let relative = path.strip_prefix(dir).unwrap_or(path);
        let file_path = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let Some(text) = read_text(path).filter(|_| file_path.len() <= MAX_PATH_BYTES) else {
            continue;
        };
        for (code, start_line, end_line) in chunk_text(&text) {
            if seen.insert((sha256_hex(&code), file_path.clone())) {
                found.push(Chunk {
                    code,
                    place: Place {
                        file: file_path.clone(),
                        start_line,
                        end_line,
                    },
                });
            }
        }
    }
    Ok(found)
}

/// The file's text, or `None` for a binary, non-UTF-8, huge or unreadable file.
fn read_text(path: &Path) -> Option<String> {
    let size = std::fs::metadata(path).ok()?.len();
    if size > MAX_FILE_BYTES {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    if bytes[..bytes.len().min(BINARY_SNIFF_BYTES)].contains(&0) {
        return None;
    }
    String::from_utf8(bytes).ok()
}

/// A chunk being packed: its lines, each with its 1-based line number.
#[derive(Default)]
struct Current<'a> {
    lines: Vec<(&'a str, u32)>,
    bytes: usize,
}

impl<'a> Current<'a> {
    fn flush(&mut self, chunks: &mut Vec<(String, u32, u32)>) {
        let (Some(&(_, first)), Some(&(_, last))) = (self.lines.first(), self.lines.last()) else {
            return;
        };
        let text: Vec<&str> = self.lines.iter().map(|(l, _)| *l).collect();
        chunks.push((text.join("\n"), first, last));
        self.lines.clear();
        self.bytes = 0;
    }
}

/// Cuts `text` into chunks of blank-line-separated blocks (see the module doc), each with
/// its first and last line. Chunks of white space only are dropped.
pub fn chunk_text(text: &str) -> Vec<(String, u32, u32)> {
    let mut chunks = Vec::new();
    let mut current = Current::default();
    for block in blocks(text) {
        let bytes: usize = block.iter().map(|(l, _)| l.len() + 1).sum();
        if !current.lines.is_empty()
            && (current.lines.len() + 1 + block.len() > MAX_CHUNK_LINES
                || current.bytes + 1 + bytes > MAX_CHUNK_BYTES)
        {
            current.flush(&mut chunks);
        }
        if let Some(&(_, line)) = current.lines.last() {
            // The blank line between two blocks; it takes the line number of the block
            // before it, so that a chunk's last line is never a blank one past its text.
            current.lines.push(("", line));
            current.bytes += 1;
        }
        for (line, number) in block {
            for piece in split_long_line(line) {
                if current.lines.len() >= MAX_CHUNK_LINES
                    || (!current.lines.is_empty()
                        && current.bytes + piece.len() + 1 > MAX_CHUNK_BYTES)
                {
                    current.flush(&mut chunks);
                }
                current.lines.push((piece, number));
                current.bytes += piece.len() + 1;
            }
        }
    }
    current.flush(&mut chunks);
    chunks.retain(|(c, _, _)| !c.trim().is_empty());
    chunks
}

/// Runs of non-blank lines, each line with its 1-based number.
fn blocks(text: &str) -> impl Iterator<Item = Vec<(&str, u32)>> {
    let mut lines = (1u32..).zip(text.lines()).map(|(n, l)| (l, n)).peekable();
    std::iter::from_fn(move || {
        while lines.next_if(|(l, _)| l.trim().is_empty()).is_some() {}
        let block: Vec<(&str, u32)> =
            std::iter::from_fn(|| lines.next_if(|(l, _)| !l.trim().is_empty())).collect();
        (!block.is_empty()).then_some(block)
    })
}

/// A line longer than a chunk (minified code) in pieces that each fit, cut at characters.
fn split_long_line(line: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = line;
    while rest.len() > MAX_CHUNK_BYTES {
        let mut cut = MAX_CHUNK_BYTES - 1;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        pieces.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    pieces.push(rest);
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        chunk_text(text).into_iter().map(|(c, _, _)| c).collect()
    }

    #[test]
    fn blocks_are_packed_up_to_the_line_limit() {
        let block = "fn a() {\n    1\n}\n";
        let text = std::iter::repeat_n(block, 40)
            .collect::<Vec<_>>()
            .join("\n");
        let chunks = texts(&text);
        assert!(chunks.len() > 1);
        for chunk in &chunks {
            assert!(chunk.lines().count() <= MAX_CHUNK_LINES, "{chunk}");
            assert!(chunk.starts_with("fn a()"), "cut between blocks");
        }
    }

    #[test]
    fn a_long_block_and_a_long_line_are_cut_within_the_limits() {
        let long_block = "x\n".repeat(3 * MAX_CHUNK_LINES);
        let long_line = "é".repeat(MAX_CHUNK_BYTES);
        for text in [long_block, long_line] {
            let chunks = texts(&text);
            assert!(chunks.len() >= 2);
            assert!(
                chunks
                    .iter()
                    .all(|c| c.len() <= MAX_CHUNK_BYTES && c.lines().count() <= MAX_CHUNK_LINES)
            );
        }
    }

    #[test]
    fn white_space_makes_no_chunk() {
        assert!(texts("\n  \n\t\n").is_empty());
        assert_eq!(texts("\n\na\n\n"), ["a"]);
    }

    #[test]
    fn chunks_know_their_lines() {
        let mut text = String::from("\n\nfn a() {}\n\n");
        for i in 0..70 {
            text.push_str(&format!("let x{i} = {i};\n"));
        }
        // Block 1 is line 3; block 2, lines 5-74, does not fit beside it and is cut
        // after 60 lines.
        assert_eq!(
            chunk_text(&text)
                .iter()
                .map(|(_, a, b)| (*a, *b))
                .collect::<Vec<_>>(),
            [(3, 3), (5, 64), (65, 74)]
        );
    }
}
