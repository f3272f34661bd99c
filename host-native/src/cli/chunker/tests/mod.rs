//! The chunker's tests: per language on a realistic file of each (`testdata/`), the text
//! fallback, and the whole repository with the model's own tokenizer.
//!
//! Two counters: [`words`], simple and deterministic (a run of letters and digits, or one
//! punctuation mark, is a piece: WordPiece before it splits words), so the structural
//! tests need nothing fetched; and the model's tokenizer ([`vocabulary`]), whose
//! `vocab.txt` is fetched by the embed crate's `fetch` into `target/tmp/models/` as that
//! crate's own tests do (with `INDEX_SYNC_OFFLINE=1` the tests that need it are skipped,
//! and say so).

mod go;
mod java;
mod python;
mod repository;
mod rust;
mod text;
mod typescript;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use index_sync_embed::fetch;
use index_sync_embed::tokenizer::Tokenizer;

use super::pieces::Budget;
use super::{Piece, chunk_file};

/// A piece per run of letters and digits and per punctuation mark: additive over lines.
pub fn words(text: &str) -> usize {
    let mut count = 0;
    let mut in_word = false;
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            count += usize::from(!in_word);
            in_word = true;
        } else {
            in_word = false;
            count += usize::from(!c.is_whitespace());
        }
    }
    count
}

/// The model's budget, counted in [`words`].
pub fn word_budget() -> Budget<'static> {
    Budget::model(&words)
}

/// Set to `1`, the tests that need the model's vocabulary are skipped instead of fetching.
const OFFLINE: &str = "INDEX_SYNC_OFFLINE";

/// The model's tokenizer, from `target/tmp/models/` (fetched there once); `None`, said on
/// stderr, when offline.
pub fn vocabulary(test: &str) -> Option<&'static Tokenizer> {
    if std::env::var_os(OFFLINE).is_some_and(|v| v == "1") {
        // On the process's stderr itself: the harness captures a passing test's output,
        // and a skip must never go unseen.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED {test}: {OFFLINE}=1, so the model's vocabulary is not fetched"
        );
        return None;
    }
    static TOKENIZER: OnceLock<Tokenizer> = OnceLock::new();
    Some(TOKENIZER.get_or_init(|| {
        let dir = target_dir()
            .join("tmp")
            .join("models")
            .join(fetch::DIR_NAME);
        fetch::ensure(&dir, &mut |_, _| {}).unwrap_or_else(|e| {
            panic!("{e}\n(with {OFFLINE}=1 the tests that need the vocabulary are skipped)")
        });
        let vocabulary = std::fs::read_to_string(dir.join("vocab.txt")).expect("vocab.txt");
        Tokenizer::from_vocab_txt(&vocabulary).expect("the fetched vocabulary loads")
    }))
}

/// Cargo's target folder: the test binary is `<target>/<profile>/deps/<name>`
/// (`CARGO_TARGET_TMPDIR` is given to integration tests only).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// A file's text: `testdata/<name>`.
pub fn testdata(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/cli/chunker/testdata")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The chunks of `text` as the file `path`, checked against what every chunking promises
/// ([`check`]).
pub fn chunks(path: &str, text: &str, budget: &Budget<'_>) -> Vec<Piece> {
    let pieces = chunk_file(path, text, budget);
    check(path, text, budget, &pieces);
    pieces
}

/// What every chunking promises: each chunk within the budget (its whole text counted at
/// once); its code after the carried lines exactly the file's lines `start..=end` (or a
/// part of that one line, when a line was cut); chunks in file order, never overlapping
/// (but for the parts of one cut line); no chunk blank; every line that holds text in
/// some chunk, but closing brackets and signatures that chunks carry instead.
pub fn check(path: &str, text: &str, budget: &Budget<'_>, pieces: &[Piece]) {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let mut covered = BTreeSet::new();
    let carried_lines: BTreeSet<&str> = pieces.iter().flat_map(carried).collect();
    let mut previous_end = 0;
    for piece in pieces {
        let pieces = budget.pieces(&piece.code);
        assert!(
            pieces <= budget.max_pieces(),
            "{path}:{}-{}: {pieces} pieces:\n{}",
            piece.start_line,
            piece.end_line,
            piece.code
        );
        assert!(!piece.code.trim().is_empty(), "{path}: a blank chunk");
        let (start, end) = (piece.start_line as usize, piece.end_line as usize);
        assert!(
            1 <= start && start <= end && end <= lines.len(),
            "{path}: {piece:?}"
        );
        let one_line = start == end && previous_end == end;
        assert!(
            previous_end < start || one_line,
            "{path}: out of order: {piece:?}"
        );
        previous_end = end;
        let code: Vec<&str> = piece
            .code
            .split('\n')
            .skip(piece.context_lines as usize)
            .collect();
        let file = &lines[start - 1..end];
        if code != file {
            assert!(
                start == end && code.len() == 1 && file[0].contains(code[0]),
                "{path}:{start}-{end} does not hold the chunk's code:\n{}",
                piece.code
            );
        }
        covered.extend(start..=end);
    }
    for (i, line) in lines.iter().enumerate() {
        let closing = line
            .chars()
            .all(|c| c.is_whitespace() || ")]};,>".contains(c));
        assert!(
            closing || covered.contains(&(i + 1)) || carried_lines.contains(line),
            "{path}:{}: in no chunk: {line}",
            i + 1
        );
    }
}

/// The chunk whose code (not its carried lines) holds `needle`.
pub fn holding<'p>(pieces: &'p [Piece], needle: &str) -> &'p Piece {
    let mut found = pieces.iter().filter(|p| code_of(p).contains(needle));
    let piece = found
        .next()
        .unwrap_or_else(|| panic!("no chunk holds {needle:?}"));
    assert!(found.next().is_none(), "several chunks hold {needle:?}");
    piece
}

/// A chunk's code without its carried lines.
pub fn code_of(piece: &Piece) -> String {
    piece
        .code
        .split('\n')
        .skip(piece.context_lines as usize)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The carried lines of a chunk.
pub fn carried(piece: &Piece) -> Vec<&str> {
    piece
        .code
        .split('\n')
        .take(piece.context_lines as usize)
        .collect()
}

/// The 1-based line of `text` that holds `needle` (the only one).
pub fn line_of(text: &str, needle: &str) -> u32 {
    let mut found = text
        .split('\n')
        .enumerate()
        .filter(|(_, l)| l.contains(needle));
    let (i, _) = found
        .next()
        .unwrap_or_else(|| panic!("no line holds {needle:?}"));
    assert!(found.next().is_none(), "several lines hold {needle:?}");
    u32::try_from(i + 1).unwrap()
}

/// The hashes (texts) of chunks.
pub fn texts(pieces: &[Piece]) -> BTreeSet<&str> {
    pieces.iter().map(|p| p.code.as_str()).collect()
}

/// `text` with the only occurrence of `from` replaced by `to`.
pub fn edited(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from:?} is not unique");
    text.replacen(from, to, 1)
}

/// What every language's file must show under an edit and a shift:
/// - editing the line holding `edit.0` into `edit.1` changes only the chunks that hold
///   that line (one, or the run it was packed in), and every other chunk keeps its text
///   and its lines;
/// - a blank line added at the top changes no chunk's text, and moves every chunk one line
///   down.
pub fn check_stability(path: &str, text: &str, budget: &Budget<'_>, edit: (&str, &str)) {
    let before = chunks(path, text, budget);
    let edited_line = line_of(text, edit.0);
    let after = chunks(path, &edited(text, edit.0, edit.1), budget);
    let touched: Vec<&Piece> = before
        .iter()
        .filter(|p| (p.start_line..=p.end_line).contains(&edited_line))
        .collect();
    assert_eq!(touched.len(), 1, "{path}: one chunk holds the edited line");
    let kept: Vec<&Piece> = before
        .iter()
        .filter(|p| !(p.start_line..=p.end_line).contains(&edited_line))
        .collect();
    for piece in &kept {
        assert!(
            after.contains(piece),
            "{path}: a chunk away from the edit changed:\n{}",
            piece.code
        );
    }
    assert_eq!(after.len(), before.len(), "{path}");
    assert!(!texts(&after).contains(touched[0].code.as_str()));

    let shifted = chunks(path, &format!("\n{text}"), budget);
    assert_eq!(
        texts(&shifted),
        texts(&before),
        "{path}: a shift changes no text"
    );
    for (a, b) in before.iter().zip(&shifted) {
        assert_eq!(
            (a.start_line + 1, a.end_line + 1),
            (b.start_line, b.end_line),
            "{path}: lines follow the shift"
        );
    }
}
