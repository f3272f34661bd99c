//! The client side of `index`: walk a folder and cut its text files into chunks.
//!
//! The walk respects `.gitignore` (and `.ignore`, and skips hidden files), as `git` and
//! ripgrep do, through the `ignore` crate, in file-name order so two runs cut the same
//! chunks. Binary files (a NUL byte early on, or not UTF-8) and huge ones are skipped.
//!
//! Chunking is deliberately simple: a file is a sequence of blocks separated by blank lines
//! (functions, paragraphs of statements); consecutive blocks are packed into one chunk while
//! it stays within [`MAX_CHUNK_LINES`] lines and [`MAX_CHUNK_BYTES`] bytes, and a block
//! larger than that is cut at those limits. A chunk's hash is the SHA-256 (hex) of its text,
//! so an unchanged chunk keeps its hash wherever the edits around it happen.

use std::path::Path;

use ignore::WalkBuilder;
use index_sync_core::names::sha256_hex;

/// Most lines in one chunk: about a screenful, a function or two.
pub const MAX_CHUNK_LINES: usize = 60;
/// Most bytes in one chunk, well under the engine's `maxCodeBytes` (64 KiB): a long chunk
/// only costs summary tokens, and the embedding model reads 512 tokens anyway.
pub const MAX_CHUNK_BYTES: usize = 8 * 1024;
/// Files over this are skipped: generated or vendored code, data dumps.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// Longest file path the engine takes (its `maxFilePathBytes` default).
pub const MAX_PATH_BYTES: usize = 1024;
/// Bytes looked at for a NUL to call a file binary, as `git` does (its first 8,000).
const BINARY_SNIFF_BYTES: usize = 8 * 1024;

/// One chunk as the client sends it in phase 2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    /// SHA-256 hex of `code`: the chunk's id within the tenant.
    pub hash: String,
    /// The text.
    pub code: String,
    /// The file it comes from, relative to the folder, with `/` separators.
    pub file_path: String,
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walk {
    /// Chunks in walk order: identical code in several files once per file (a file that
    /// repeats a block holds it once).
    pub chunks: Vec<Chunk>,
    /// Text files read.
    pub files: usize,
    /// Files skipped: binary, not UTF-8, over [`MAX_FILE_BYTES`], or unreadable.
    pub skipped: usize,
}

/// Walks `dir` and chunks every text file in it.
pub fn walk(dir: &Path) -> Result<Walk, String> {
    if !dir.is_dir() {
        return Err(format!("{} is not a folder", dir.display()));
    }
    let mut found = Walk::default();
    let mut seen = std::collections::HashSet::new();
    let walker = WalkBuilder::new(dir)
        // A folder that is not a git repository still has its .gitignore honoured.
        .require_git(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        let Ok(entry) = entry else {
            found.skipped += 1;
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
            found.skipped += 1;
            continue;
        };
        found.files += 1;
        for code in chunk_text(&text) {
            let hash = sha256_hex(&code);
            if seen.insert((hash.clone(), file_path.clone())) {
                found.chunks.push(Chunk {
                    hash,
                    code,
                    file_path: file_path.clone(),
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

/// Cuts `text` into chunks of blank-line-separated blocks (see the module doc). Chunks of
/// white space only are dropped.
pub fn chunk_text(text: &str) -> Vec<String> {
    let mut chunks = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut current_bytes = 0;
    for block in blocks(text) {
        let bytes: usize = block.iter().map(|l| l.len() + 1).sum();
        if !current.is_empty()
            && (current.len() + 1 + block.len() > MAX_CHUNK_LINES
                || current_bytes + 1 + bytes > MAX_CHUNK_BYTES)
        {
            chunks.push(current.join("\n"));
            current.clear();
            current_bytes = 0;
        }
        if !current.is_empty() {
            current.push("");
            current_bytes += 1;
        }
        for piece in block.into_iter().flat_map(split_long_line) {
            if current.len() >= MAX_CHUNK_LINES
                || (!current.is_empty() && current_bytes + piece.len() + 1 > MAX_CHUNK_BYTES)
            {
                chunks.push(current.join("\n"));
                current.clear();
                current_bytes = 0;
            }
            current.push(piece);
            current_bytes += piece.len() + 1;
        }
    }
    if !current.is_empty() {
        chunks.push(current.join("\n"));
    }
    chunks.retain(|c| !c.trim().is_empty());
    chunks
}

/// Runs of non-blank lines.
fn blocks(text: &str) -> impl Iterator<Item = Vec<&str>> {
    let mut lines = text.lines().peekable();
    std::iter::from_fn(move || {
        while lines.next_if(|l| l.trim().is_empty()).is_some() {}
        let block: Vec<&str> =
            std::iter::from_fn(|| lines.next_if(|l| !l.trim().is_empty())).collect();
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

    #[test]
    fn blocks_are_packed_up_to_the_line_limit() {
        let block = "fn a() {\n    1\n}\n";
        let text = std::iter::repeat_n(block, 40)
            .collect::<Vec<_>>()
            .join("\n");
        let chunks = chunk_text(&text);
        assert!(chunks.len() > 1);
        for chunk in &chunks {
            assert!(chunk.lines().count() <= MAX_CHUNK_LINES, "{chunk}");
            assert!(
                chunk.starts_with("fn a()"),
                "cut between blocks, not inside one"
            );
        }
    }

    #[test]
    fn a_long_block_and_a_long_line_are_cut_within_the_limits() {
        let long_block = "x\n".repeat(3 * MAX_CHUNK_LINES);
        let long_line = "é".repeat(MAX_CHUNK_BYTES);
        for text in [long_block, long_line] {
            let chunks = chunk_text(&text);
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
        assert!(chunk_text("\n  \n\t\n").is_empty());
        assert_eq!(chunk_text("\n\na\n\n"), ["a"]);
    }
}
