//! Text files that are not code the chunker parses: a file is a sequence of blocks
//! separated by blank lines (paragraphs, sections, functions of a language without a
//! grammar here); consecutive blocks are packed into one chunk while it stays within the
//! model's word pieces, [`MAX_CHUNK_LINES`] lines and [`MAX_CHUNK_BYTES`] bytes, and a block
//! larger than that is cut at lines (a line larger than that, at characters).

use super::lines::{Context, FileLines, Limit, Piece, Rows};
use super::pack::{Level, Packer, Unit};
use super::pieces::Budget;
use super::{MAX_CHUNK_BYTES, MAX_CHUNK_LINES};

/// Cuts `text` into chunks of blank-line-separated blocks.
pub fn chunk(text: &str, budget: &Budget<'_>) -> Vec<Piece> {
    let file = FileLines::new(text, budget);
    let limit = Limit {
        pieces: budget.max_pieces(),
        bytes: MAX_CHUNK_BYTES,
        lines: MAX_CHUNK_LINES,
    };
    let units: Vec<Unit<'_>> = blocks(&file)
        .into_iter()
        .map(|rows| Unit { rows, node: None })
        .collect();
    // Every block is packed with its neighbours, as before code was parsed: text has no
    // items to keep apart.
    let mut packer = Packer::new(&file, budget, limit, usize::MAX);
    packer.sequence(&units, &Context::default(), Level::default());
    packer.finish()
}

/// The runs of rows that are not blank.
fn blocks(file: &FileLines<'_>) -> Vec<Rows> {
    let mut blocks: Vec<Rows> = Vec::new();
    for row in (0..file.len()).filter(|&r| !file.is_blank(r)) {
        match blocks.last_mut() {
            Some(block) if block.last + 1 == row => block.last = row,
            _ => blocks.push(Rows::new(row, row)),
        }
    }
    blocks
}
