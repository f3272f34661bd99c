//! A file as lines, and what chunks are made of: ranges of rows, their sizes, and the
//! signature lines carried into a chunk from the items around it.

use std::ops::Add;

use super::pieces::Budget;

/// Rows of a file, 0-based (tree-sitter's rows) and inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rows {
    /// The first row.
    pub first: usize,
    /// The last row.
    pub last: usize,
}

impl Rows {
    /// `first..=last`.
    pub fn new(first: usize, last: usize) -> Self {
        Self { first, last }
    }
}

/// How big a text is, in each thing a chunk is limited by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Size {
    /// Word pieces.
    pub pieces: usize,
    /// Bytes, a line break counted after every line.
    pub bytes: usize,
    /// Lines.
    pub lines: usize,
}

impl Add for Size {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        Self {
            pieces: self.pieces + other.pieces,
            bytes: self.bytes + other.bytes,
            lines: self.lines + other.lines,
        }
    }
}

/// The most one chunk holds.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    /// Word pieces: what the model reads.
    pub pieces: usize,
    /// Bytes.
    pub bytes: usize,
    /// Lines.
    pub lines: usize,
}

impl Limit {
    /// Whether a chunk of `size` is within the limit.
    pub fn admits(&self, size: Size) -> bool {
        size.pieces <= self.pieces && size.bytes <= self.bytes && size.lines <= self.lines
    }

    /// The same limit shrunk to one `nth` of it: what carried signatures may take.
    pub fn share(&self, nth: usize) -> Self {
        Self {
            pieces: self.pieces / nth,
            bytes: self.bytes / nth,
            lines: self.lines / nth,
        }
    }
}

/// A file's lines, each counted once: the size of any range of rows is a difference of
/// running sums.
pub struct FileLines<'t> {
    lines: Vec<&'t str>,
    /// `pieces[i]`: the pieces of the rows before row `i`.
    pieces: Vec<usize>,
    /// `bytes[i]`: the bytes of the rows before row `i`.
    bytes: Vec<usize>,
}

impl<'t> FileLines<'t> {
    /// The rows of `text` as tree-sitter numbers them (a row per `\n`, plus the last), a
    /// `\r` before the `\n` dropped.
    pub fn new(text: &'t str, budget: &Budget<'_>) -> Self {
        let lines: Vec<&str> = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .collect();
        let mut pieces = Vec::with_capacity(lines.len() + 1);
        let mut bytes = Vec::with_capacity(lines.len() + 1);
        let (mut p, mut b) = (0, 0);
        pieces.push(0);
        bytes.push(0);
        for line in &lines {
            if !line.trim().is_empty() {
                p += budget.pieces(line);
            }
            b += line.len() + 1;
            pieces.push(p);
            bytes.push(b);
        }
        Self {
            lines,
            pieces,
            bytes,
        }
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// The text of `row`.
    pub fn line(&self, row: usize) -> &'t str {
        self.lines[row]
    }

    /// Whether `row` holds only white space.
    pub fn is_blank(&self, row: usize) -> bool {
        self.lines[row].trim().is_empty()
    }

    /// The size of `rows`.
    pub fn size(&self, rows: Rows) -> Size {
        let end = rows.last + 1;
        Size {
            pieces: self.pieces[end] - self.pieces[rows.first],
            bytes: self.bytes[end] - self.bytes[rows.first],
            lines: end - rows.first,
        }
    }

    /// `rows` without the blank rows at either end; `None` when all are blank.
    pub fn trimmed(&self, rows: Rows) -> Option<Rows> {
        let first = (rows.first..=rows.last).find(|&r| !self.is_blank(r))?;
        let last = (first..=rows.last).rev().find(|&r| !self.is_blank(r))?;
        Some(Rows::new(first, last))
    }

    /// The last row that is not blank, if any.
    pub fn last_text_row(&self) -> Option<usize> {
        (0..self.len()).rev().find(|&r| !self.is_blank(r))
    }

    /// The lines of `rows`, joined by `\n`.
    pub fn text(&self, rows: Rows) -> String {
        self.lines[rows.first..=rows.last].join("\n")
    }
}

/// Lines carried into a chunk from the items it was cut out of: their signatures, outer
/// first, verbatim (indentation included).
#[derive(Clone, Debug, Default)]
pub struct Context {
    lines: Vec<String>,
    size: Size,
}

impl Context {
    /// What the carried lines take of a chunk.
    pub fn size(&self) -> Size {
        self.size
    }

    /// This context and then the signature at `rows`, as long as all of it stays within
    /// `cap`: the whole signature, else its first line, else nothing more. Also whether
    /// the whole signature was taken.
    pub fn with(&self, rows: Rows, file: &FileLines<'_>, cap: Limit) -> (Self, bool) {
        let whole = self.size + file.size(rows);
        let first = self.size + file.size(Rows::new(rows.first, rows.first));
        let last = if cap.admits(whole) {
            rows.last
        } else if cap.admits(first) {
            rows.first
        } else {
            return (self.clone(), false);
        };
        let taken = Rows::new(rows.first, last);
        let mut lines = self.lines.clone();
        lines.extend((taken.first..=taken.last).map(|r| file.line(r).to_owned()));
        let context = Self {
            lines,
            size: self.size + file.size(taken),
        };
        (context, last == rows.last)
    }
}

/// A chunk before it has a hash and a file: its text and the lines it comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    /// The carried lines, then the code.
    pub code: String,
    /// The code's first line in the file, 1-based.
    pub start_line: u32,
    /// Its last line, inclusive.
    pub end_line: u32,
    /// How many lines of `code` were carried in ([`Context`]).
    pub context_lines: u32,
}

impl Piece {
    /// `code`, from `rows` of the file, after the lines of `context`.
    pub fn new(context: &Context, code: &str, rows: Rows) -> Self {
        let mut text = String::with_capacity(context.size.bytes + code.len());
        for line in &context.lines {
            text.push_str(line);
            text.push('\n');
        }
        text.push_str(code);
        Self {
            code: text,
            start_line: line_number(rows.first),
            end_line: line_number(rows.last),
            context_lines: u32::try_from(context.lines.len()).unwrap_or(u32::MAX),
        }
    }
}

/// The 1-based line number of a row (files are at most 1 MiB, so it fits).
fn line_number(row: usize) -> u32 {
    u32::try_from(row + 1).unwrap_or(u32::MAX)
}
