//! What has no members to cut at (a huge literal, a block of text) is cut at line
//! boundaries, and a line longer than a chunk (minified code) at characters, after white
//! space where it can.

use super::super::lines::{Context, Piece, Rows, Size};
use super::Packer;

impl Packer<'_, '_> {
    /// Cuts `rows` at line boundaries, each chunk as many lines as fit.
    pub(super) fn cut_rows(&mut self, rows: Rows, context: &Context) {
        let (file, limit) = (self.file, self.limit);
        let fits = |size: Size| limit.admits(context.size() + size);
        let mut row = rows.first;
        while row <= rows.last {
            if file.is_blank(row) {
                row += 1;
                continue;
            }
            if !fits(file.size(Rows::new(row, row))) {
                self.cut_line(row, context);
                row += 1;
                continue;
            }
            let mut last = row;
            while last < rows.last && fits(file.size(Rows::new(row, last + 1))) {
                last += 1;
            }
            self.emit(context, Rows::new(row, last));
            row = last + 1;
        }
    }

    /// Cuts one line longer than a chunk (minified code) into parts that each fit.
    fn cut_line(&mut self, row: usize, context: &Context) {
        let mut rest = self.file.line(row);
        while !rest.trim().is_empty() {
            let (part, tail) = rest.split_at(self.fitting_prefix(rest, context));
            if !part.trim().is_empty() {
                self.out
                    .push(Piece::new(context, part, Rows::new(row, row)));
            }
            rest = tail;
        }
    }

    /// The length of the longest prefix of `text` that fits after `context` (at least one
    /// char), ended after white space when that keeps at least half of it. Pieces of a
    /// prefix are not quite monotone in its length (a word cut in two may take more), so
    /// the search may settle for a little less than the longest; what it returns fits.
    fn fitting_prefix(&self, text: &str, context: &Context) -> usize {
        let fits = |end: usize| {
            let size = Size {
                pieces: self.budget.pieces(&text[..end]),
                bytes: end + 1,
                lines: 1,
            };
            self.limit.admits(context.size() + size)
        };
        if fits(text.len()) {
            return text.len();
        }
        let ends: Vec<usize> = text.char_indices().skip(1).map(|(i, _)| i).collect();
        // ends[..lo] fit as far as the search knows; ends[hi..] do not.
        let (mut lo, mut hi) = (0, ends.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if fits(ends[mid]) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let Some(&end) = lo.checked_sub(1).and_then(|i| ends.get(i)) else {
            return text.chars().next().map_or(text.len(), char::len_utf8);
        };
        text[..end]
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_whitespace())
            .map(|(i, c)| i + c.len_utf8())
            .filter(|&after| after > end / 2)
            .unwrap_or(end)
    }
}
