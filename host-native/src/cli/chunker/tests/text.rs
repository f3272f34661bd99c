//! Files that are not code the chunker parses: blocks separated by blank lines, packed, as
//! before code was parsed.

use super::super::pieces::Budget;
use super::super::{MAX_CHUNK_BYTES, MAX_CHUNK_LINES, chunk_file, text};
use super::{check, chunks, word_budget, words};

#[test]
fn other_files_fall_back_to_blocks_between_blank_lines() {
    let text = "# Notes\n\nfn looks_like_rust() {\n    1\n}\n\nA paragraph.\n";
    let budget = word_budget();
    for path in [
        "README.md",
        "Makefile",
        "config.toml",
        "lib.rs.orig",
        "noextension",
    ] {
        let pieces = chunk_file(path, text, &budget);
        assert_eq!(pieces, text::chunk(text, &budget), "{path}");
        check(path, text, &budget, &pieces);
    }
}

#[test]
fn blocks_are_packed_up_to_the_line_limit() {
    let block = "fn a() {\n    1\n}\n";
    let text = std::iter::repeat_n(block, 40)
        .collect::<Vec<_>>()
        .join("\n");
    let pieces = chunks("blocks.txt", &text, &word_budget());
    assert!(pieces.len() > 1);
    for piece in &pieces {
        assert!(
            piece.code.lines().count() <= MAX_CHUNK_LINES,
            "{}",
            piece.code
        );
        assert!(
            piece.code.starts_with("fn a()"),
            "cut between blocks, not inside one"
        );
        assert_eq!(
            (piece.start_line - 1) % 4,
            0,
            "a block starts every 4 lines"
        );
    }
}

#[test]
fn blocks_are_packed_up_to_the_models_pieces() {
    let paragraph = "one two three four five six seven eight nine ten\n";
    let text = std::iter::repeat_n(paragraph, 12)
        .collect::<Vec<_>>()
        .join("\n");
    let budget = Budget::new(&words, 35);
    let pieces = chunks("words.md", &text, &budget);
    // Three paragraphs (30 pieces) fit, a fourth would not.
    assert_eq!(pieces.len(), 4);
    assert!(pieces.iter().all(|p| words(&p.code) == 30));
    assert_eq!((pieces[1].start_line, pieces[1].end_line), (7, 11));
}

#[test]
fn a_long_block_and_a_long_line_are_cut_within_the_limits() {
    let long_block = "x\n".repeat(3 * MAX_CHUNK_LINES);
    let long_line = "é".repeat(MAX_CHUNK_BYTES);
    let long_words = "word ".repeat(1000);
    for text in [long_block, long_line, long_words] {
        let pieces = chunks("long.txt", &text, &word_budget());
        assert!(pieces.len() >= 2);
        assert!(
            pieces
                .iter()
                .all(|p| p.code.len() <= MAX_CHUNK_BYTES
                    && p.code.lines().count() <= MAX_CHUNK_LINES)
        );
    }
}

#[test]
fn a_long_line_of_code_is_cut_after_white_space() {
    let line = format!("const WORDS = [{}];\n", "\"word\", ".repeat(400));
    let pieces = chunks("words.js", &line, &word_budget());
    assert!(pieces.len() >= 2);
    for piece in &pieces[..pieces.len() - 1] {
        assert!(
            piece.code.ends_with(' '),
            "cut after white space: {}",
            piece.code
        );
        assert_eq!((piece.start_line, piece.end_line), (1, 1));
    }
    let joined: String = pieces.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(joined, line.trim_end(), "the parts make the line");
}

#[test]
fn white_space_makes_no_chunk() {
    let budget = word_budget();
    assert!(chunk_file("a.txt", "\n  \n\t\n", &budget).is_empty());
    assert!(chunk_file("a.rs", "\n  \n\t\n", &budget).is_empty());
    let pieces = chunk_file("a.txt", "\n\na\n\n", &budget);
    assert_eq!(pieces.len(), 1);
    assert_eq!(
        (
            pieces[0].code.as_str(),
            pieces[0].start_line,
            pieces[0].end_line
        ),
        ("a", 3, 3)
    );
}
