//! Packing units (the items of a file or of a body, or blocks of text) into chunks within
//! the limit, in file order, never reordering.
//!
//! The rules, and why:
//! - **A unit that fits is never cut.** An item the model can read whole is one chunk (a
//!   class with its methods, when all of them fit), or part of one.
//! - **Big enough to stand alone means alone.** Among items (of a file, or the members of
//!   an impl, class, trait or module), one of at least [`STANDALONE_PIECES`] is a chunk of
//!   its own; only smaller ones are packed, and only with the small items next to them (a
//!   run between two standalone items), greedily up to the limit. An edit then changes the
//!   chunk of the item edited and, when that item is small, the chunks of its run from its
//!   own on (a run is packed from its start, so an item that grows can push the ones after
//!   it into the next chunk); a standalone item's chunk never holds anything else, so it
//!   keeps its hash whatever happens around it.
//! - **A unit too big is cut at its members** (`syntax::members`: the methods of an impl,
//!   class, trait or interface, the statements of a function, the arms of a match). The
//!   rows before the first member (the item's docs, attributes and signature) go with the
//!   first member when both fit; the chunks after that start with the signature, carried
//!   in as context, so that a method cut out of `impl<T> Cache<T> for Lru<T> {` still says
//!   where it lives. A closing line of brackets alone is left out (it says nothing, and
//!   would tie the last member's chunk to being last).
//! - **A function's statements are packed evenly**: the fewest chunks that hold them, as
//!   even as can be (a function a little over the limit is two halves, not a chunk and a
//!   line). An edit inside a function may then move all of its chunks' boundaries, but no
//!   other item's.
//! - **What has no members** is cut at lines (`cut.rs`).

mod cut;

use tree_sitter::Node;

use super::lines::{Context, FileLines, Limit, Piece, Rows};
use super::pieces::Budget;
use super::syntax;

/// Word pieces from which an item is a chunk of its own, never packed: about a short
/// function with its doc comment (the budget is 254). On this repository's sources, 64
/// makes 21% more chunks than packing everything greedily, for the same pieces in all.
pub const STANDALONE_PIECES: usize = 64;
/// Carried signatures take at most this share of a chunk (1/4), so the code always has
/// three quarters of the limit.
const CARRIED_SHARE: usize = 4;
/// How deep cuts nest before the rest is cut at lines: far deeper than code nests, and
/// shallow enough that a pathological tree cannot exhaust the stack.
const MAX_DEPTH: usize = 24;

/// A thing to pack: rows of the file, and the syntax node to cut them at when they are too
/// big (none for text, comments alone and the rest of an item after its members).
#[derive(Clone, Copy, Debug)]
pub struct Unit<'t> {
    /// The rows.
    pub rows: Rows,
    /// The node.
    pub node: Option<Node<'t>>,
}

/// Where a sequence of units is.
#[derive(Clone, Copy, Debug, Default)]
pub struct Level {
    /// How many cuts it is inside of.
    pub depth: usize,
    /// Whether it is inside a function's body: statements, packed evenly.
    pub in_function: bool,
}

/// One thing of a sequence, and the context its chunk gets when the chunk starts there.
#[derive(Clone, Copy)]
struct Item<'c, 't> {
    unit: Unit<'t>,
    context: &'c Context,
    /// For the rows of an item before its first member (its docs, attributes and
    /// signature): whether they are the signature and nothing else, which makes no chunk
    /// alone, since the members' chunks carry it.
    header: Option<bool>,
}

/// The chunk being packed.
#[derive(Clone, Copy)]
struct Run<'c> {
    rows: Rows,
    context: &'c Context,
    /// A header with nothing packed after it yet: see [`Item::header`].
    lone_header: Option<bool>,
}

/// Packs units into [`Piece`]s.
pub struct Packer<'a, 't> {
    file: &'a FileLines<'t>,
    budget: &'a Budget<'a>,
    limit: Limit,
    standalone: usize,
    out: Vec<Piece>,
}

impl<'a, 't> Packer<'a, 't> {
    /// A packer of `file`'s rows into chunks within `limit`, items of at least `standalone`
    /// pieces alone.
    pub fn new(
        file: &'a FileLines<'t>,
        budget: &'a Budget<'a>,
        limit: Limit,
        standalone: usize,
    ) -> Self {
        Self {
            file,
            budget,
            limit,
            standalone,
            out: Vec::new(),
        }
    }

    /// The chunks, in file order.
    pub fn finish(self) -> Vec<Piece> {
        self.out
    }

    /// Packs `units`, each under `context`.
    pub fn sequence(&mut self, units: &[Unit<'t>], context: &Context, level: Level) {
        let items: Vec<Item<'_, 't>> = units
            .iter()
            .map(|&unit| Item {
                unit,
                context,
                header: None,
            })
            .collect();
        self.pack(&items, level);
    }

    fn pack(&mut self, items: &[Item<'_, 't>], level: Level) {
        if level.in_function {
            self.evenly(items, level);
        } else {
            self.greedily(items, level);
        }
    }

    /// Items in runs: a standalone item alone, the small ones between them packed from the
    /// start of their run; a header with the first member, whatever its size, if both fit.
    fn greedily(&mut self, items: &[Item<'_, 't>], level: Level) {
        let mut run: Option<Run<'_>> = None;
        for item in items {
            let rows = item.unit.rows;
            if !self.fits(item.context, rows) {
                self.close(&mut run);
                self.split(&item.unit, item.context, level);
                continue;
            }
            let alone = self.file.size(rows).pieces >= self.standalone;
            if let Some(open) = run.as_mut() {
                let joined = Rows::new(open.rows.first, rows.last);
                if (!alone || open.lone_header.is_some()) && self.fits(open.context, joined) {
                    open.rows = joined;
                    open.lone_header = None;
                    if alone {
                        self.close(&mut run);
                    }
                    continue;
                }
                self.close(&mut run);
            }
            if alone && item.header.is_none() {
                self.emit(item.context, rows);
            } else {
                run = Some(Run {
                    rows,
                    context: item.context,
                    lone_header: item.header,
                });
            }
        }
        self.close(&mut run);
    }

    /// Items evenly: between the items too big for one chunk (cut on their own), the
    /// fewest chunks, and of those the most even (least sum of squared sizes).
    fn evenly(&mut self, items: &[Item<'_, 't>], level: Level) {
        let mut start = 0;
        for (i, item) in items.iter().enumerate() {
            if !self.fits(item.context, item.unit.rows) {
                self.even_segment(&items[start..i]);
                self.split(&item.unit, item.context, level);
                start = i + 1;
            }
        }
        self.even_segment(&items[start..]);
    }

    /// Packs `items`, each of which fits alone, into the fewest and most even chunks.
    fn even_segment(&mut self, items: &[Item<'_, 't>]) {
        // best[i]: the best packing of items[..i], as (chunks, sum of squares, where its
        // last chunk starts).
        let mut best: Vec<(usize, usize, usize)> = vec![(0, 0, 0)];
        for end in 1..=items.len() {
            let mut choice = (usize::MAX, usize::MAX, end - 1);
            for start in (0..end).rev() {
                let rows = Rows::new(items[start].unit.rows.first, items[end - 1].unit.rows.last);
                let context = items[start].context;
                if !self.fits(context, rows) {
                    break;
                }
                let size = context.size().pieces + self.file.size(rows).pieces;
                let (chunks, squares, _) = best[start];
                let candidate = (chunks + 1, squares + size * size, start);
                if (candidate.0, candidate.1) < (choice.0, choice.1) {
                    choice = candidate;
                }
            }
            best.push(choice);
        }
        let mut chunks = Vec::new();
        let mut end = items.len();
        while end > 0 {
            let start = best[end].2;
            chunks.push((start, end));
            end = start;
        }
        for (start, end) in chunks.into_iter().rev() {
            let first = items[start];
            if end - start == 1 && first.header == Some(true) {
                continue;
            }
            let rows = Rows::new(first.unit.rows.first, items[end - 1].unit.rows.last);
            self.emit(first.context, rows);
        }
    }

    /// Whether `rows` after `context` make a chunk within the limit.
    fn fits(&self, context: &Context, rows: Rows) -> bool {
        self.limit.admits(context.size() + self.file.size(rows))
    }

    /// Emits the run, unless it is a signature alone.
    fn close(&mut self, run: &mut Option<Run<'_>>) {
        if let Some(run) = run.take()
            && run.lone_header != Some(true)
        {
            self.emit(run.context, run.rows);
        }
    }

    /// Cuts a unit too big for one chunk: at its members, else at lines.
    fn split(&mut self, unit: &Unit<'t>, context: &Context, level: Level) {
        let node = unit.node.filter(|_| level.depth < MAX_DEPTH);
        let Some((node, found)) = node.and_then(|n| Some((n, syntax::members(n, self.file)?)))
        else {
            return self.cut_rows(unit.rows, context);
        };
        let members = found.units;
        let first = members[0].rows.first;
        let last = members[members.len() - 1].rows.last;
        let signature = syntax::signature_start(node).max(unit.rows.first);
        let signature_rows = (signature < first)
            .then(|| self.file.trimmed(Rows::new(signature, first - 1)))
            .flatten();
        let (inner, carried_whole) = match signature_rows {
            Some(rows) => context.with(rows, self.file, self.limit.share(CARRIED_SHARE)),
            None => (context.clone(), false),
        };
        let mut items = Vec::with_capacity(members.len() + 2);
        if first > unit.rows.first {
            items.push(Item {
                unit: Unit {
                    rows: Rows::new(unit.rows.first, first - 1),
                    node: None,
                },
                context,
                header: Some(carried_whole && signature == unit.rows.first),
            });
        }
        items.extend(members.into_iter().map(|unit| Item {
            unit,
            context: &inner,
            header: None,
        }));
        if last < unit.rows.last {
            let rest = Rows::new(last + 1, unit.rows.last);
            if !self.closing_only(rest) {
                items.push(Item {
                    unit: Unit {
                        rows: rest,
                        node: None,
                    },
                    context: &inner,
                    header: None,
                });
            }
        }
        let level = Level {
            depth: level.depth + 1,
            in_function: level.in_function || found.in_function,
        };
        self.pack(&items, level);
    }

    /// Whether `rows` hold nothing but closing brackets and separators (`}`, `});`).
    fn closing_only(&self, rows: Rows) -> bool {
        (rows.first..=rows.last).all(|r| {
            self.file
                .line(r)
                .chars()
                .all(|c| c.is_whitespace() || ")]};,>".contains(c))
        })
    }

    /// One chunk of `rows` (without blank rows at either end) after `context`.
    fn emit(&mut self, context: &Context, rows: Rows) {
        if let Some(rows) = self.file.trimmed(rows) {
            self.out
                .push(Piece::new(context, &self.file.text(rows), rows));
        }
    }
}
