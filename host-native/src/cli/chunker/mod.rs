//! The client side of `index`: walk a folder and cut its text files into chunks that the
//! embedding model reads whole, each with the lines it spans in its file.
//!
//! The walk respects `.gitignore` (and `.ignore`, and skips hidden files), as `git` and
//! ripgrep do, through the `ignore` crate, in file-name order so two runs cut the same
//! chunks. Binary files (a NUL byte early on, or not UTF-8) and huge ones are skipped.
//!
//! Source code in Rust, TypeScript, JavaScript, Python, Go and Java is cut along its syntax
//! (`syntax.rs` finds the items, `pack.rs` sizes the chunks): an item the model can read
//! whole is one chunk, or packed with small neighbours; a bigger one is cut at its children
//! (the methods of an impl or a class, the statements of a function), each of those chunks
//! starting with the signature of the item it was cut out of, so that it says where it
//! lives. Other text files are blocks separated by blank lines, packed (`text.rs`). Either
//! way a chunk holds at most [`Budget::max_pieces`] word pieces of the embedding model: past
//! that the model would not read the rest.
//!
//! A chunk's hash is the SHA-256 (hex) of its text, and its text depends on the code of the
//! item alone (and the signatures around it), never on its position: an unchanged item
//! keeps its hash wherever the edits around it happen, and a line added at the top of a
//! file changes the chunks' lines, not their hashes.

mod language;
mod lines;
mod pack;
mod pieces;
mod syntax;
mod text;

#[cfg(test)]
mod tests;

use std::path::Path;

use ignore::WalkBuilder;
use index_sync_core::names::sha256_hex;

pub use lines::Piece;
pub use pieces::{Budget, model_vocabulary};

/// Most lines in one chunk of a text file that is not code: about a screenful.
pub const MAX_CHUNK_LINES: usize = 60;
/// Most bytes in one chunk, well under the engine's `maxCodeBytes` (64 KiB): only a text
/// of words the vocabulary lacks (each one piece, `[UNK]`) gets near it within the budget.
pub const MAX_CHUNK_BYTES: usize = 8 * 1024;
/// Files over this are skipped: generated or vendored code, data dumps.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// Longest file path the engine takes (its `maxFilePathBytes` default).
pub const MAX_PATH_BYTES: usize = 1024;
/// Bytes looked at for a NUL to call a file binary, as `git` does (its first 8,000).
const BINARY_SNIFF_BYTES: usize = 8 * 1024;

/// One chunk as the client sends it in phase 2: one occurrence of the code, at its lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    /// SHA-256 hex of `code`: the chunk's id within the tenant.
    pub hash: String,
    /// The text: the lines `start_line..=end_line` of the file, after `context_lines`
    /// signature lines carried in from the items around them.
    pub code: String,
    /// The file it comes from, relative to the folder, with `/` separators.
    pub file_path: String,
    /// The first line of the file the code comes from, 1-based.
    pub start_line: u32,
    /// The last line, inclusive.
    pub end_line: u32,
    /// How many leading lines of `code` are not from `start_line..=end_line` but the
    /// signatures of the items it was cut out of (`impl<T> Cache<T> for Lru<T> {`); 0 for
    /// most chunks. They are part of the text, and so of the hash.
    pub context_lines: u32,
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walk {
    /// Chunks in walk order, every occurrence: identical code in several files once per
    /// file, and twice in one file twice, each at its own lines.
    pub chunks: Vec<Chunk>,
    /// Text files read.
    pub files: usize,
    /// Files skipped: binary, not UTF-8, over [`MAX_FILE_BYTES`], or unreadable.
    pub skipped: usize,
}

/// Walks `dir` and chunks every text file in it, within `budget`.
pub fn walk(dir: &Path, budget: &Budget<'_>) -> Result<Walk, String> {
    if !dir.is_dir() {
        return Err(format!("{} is not a folder", dir.display()));
    }
    let mut found = Walk::default();
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
        for piece in chunk_file(&file_path, &text, budget) {
            found.chunks.push(Chunk {
                hash: sha256_hex(&piece.code),
                code: piece.code,
                file_path: file_path.clone(),
                start_line: piece.start_line,
                end_line: piece.end_line,
                context_lines: piece.context_lines,
            });
        }
    }
    Ok(found)
}

/// Cuts the text of the file at `path` into chunks, in file order: along its syntax when
/// the file's extension names a language the chunker knows and it parses, else as a text
/// file. Chunks of white space only are dropped.
pub fn chunk_file(path: &str, text: &str, budget: &Budget<'_>) -> Vec<Piece> {
    language::of_path(path)
        .and_then(|language| syntax::chunk(language, text, budget))
        .unwrap_or_else(|| text::chunk(text, budget))
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
