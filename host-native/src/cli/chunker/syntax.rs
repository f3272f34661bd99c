//! What the syntax tree says about where to cut: the items of a file or of a body, each
//! with the comments and attributes that precede it; the members an item too big for one
//! chunk is cut at; and where its signature starts.
//!
//! All of it is in whole rows: a chunk is a range of lines, so nodes that share a row
//! (`} else {`, two statements on one line) are one unit.

use tree_sitter::{Language, Node, Parser};

use super::MAX_CHUNK_BYTES;
use super::lines::{Context, FileLines, Limit, Piece, Rows};
use super::pack::{Level, Packer, STANDALONE_PIECES, Unit};
use super::pieces::Budget;

/// How many single-child steps (`let x = match y {` → the match → its arms) the search for
/// an item's members takes before it gives up and the item is cut at lines.
const MAX_DESCENT: usize = 12;

/// The kinds of node, in the grammars here, whose body is statements: functions, methods,
/// closures.
const FUNCTIONS: &[&str] = &[
    // Rust
    "function_item",
    "closure_expression",
    // TypeScript and JavaScript
    "function_declaration",
    "function_expression",
    "generator_function_declaration",
    "generator_function",
    "arrow_function",
    "method_definition",
    // Python
    "function_definition",
    // Go (and `function_declaration` above)
    "method_declaration",
    "func_literal",
    // Java (and `method_declaration` above)
    "constructor_declaration",
    "compact_constructor_declaration",
    "lambda_expression",
];

/// `text` cut along the syntax of `language`; `None` when it does not parse (the parser
/// gave up), so that the caller cuts it as text. A tree with errors is used as it is: the
/// grammar recovers around them, and error nodes have rows like any other.
pub fn chunk(language: Language, text: &str, budget: &Budget<'_>) -> Option<Vec<Piece>> {
    let mut parser = Parser::new();
    parser.set_language(&language).ok()?;
    let tree = parser.parse(text, None)?;
    let file = FileLines::new(text, budget);
    let limit = Limit {
        pieces: budget.max_pieces(),
        bytes: MAX_CHUNK_BYTES,
        lines: usize::MAX,
    };
    let mut packer = Packer::new(&file, budget, limit, STANDALONE_PIECES);
    let Some(last) = file.last_text_row() else {
        return Some(Vec::new());
    };
    let mut units = units(tree.root_node(), &file);
    match (units.first_mut(), file.trimmed(Rows::new(0, last))) {
        (Some(first), Some(text)) => {
            // Text the tree leaves out at either end still belongs to a chunk.
            first.rows.first = first.rows.first.min(text.first);
            let end = units.len() - 1;
            units[end].rows.last = units[end].rows.last.max(text.last);
        }
        _ => units.push(Unit {
            rows: Rows::new(0, last),
            node: None,
        }),
    }
    packer.sequence(&units, &Context::default(), Level::default());
    Some(packer.finish())
}

/// The rows of `node`. A node that ends at the start of a row (a line comment takes its
/// line break) ends on the row before.
fn rows_of(node: Node<'_>) -> Rows {
    let (start, end) = (node.start_position(), node.end_position());
    let last = if end.column == 0 && end.row > start.row {
        end.row - 1
    } else {
        end.row
    };
    Rows::new(start.row, last)
}

/// Comments, attributes and decorators: they belong to the item after them.
fn is_attachment(node: Node<'_>) -> bool {
    node.is_extra() || matches!(node.kind(), "attribute_item" | "decorator")
}

/// The children of `parent` as units, in order: children that share a row are one unit,
/// comments and attributes on the rows just before an item are the item's, and rows
/// between units that the tree gives to no named child (a line holding only `),`) are the
/// unit's before them. A unit's node is its child with the most rows (not a comment).
pub fn units<'t>(parent: Node<'t>, file: &FileLines<'_>) -> Vec<Unit<'t>> {
    let mut units: Vec<Unit<'t>> = Vec::new();
    let mut cursor = parent.walk();
    for child in parent.named_children(&mut cursor) {
        if child.start_byte() == child.end_byte() {
            continue;
        }
        let rows = rows_of(child);
        let attachment = is_attachment(child);
        match units.last_mut() {
            Some(last)
                if rows.first <= last.rows.last
                    || (last.node.is_none() && rows.first == last.rows.last + 1) =>
            {
                last.rows.last = last.rows.last.max(rows.last);
                let taller = last.node.is_none_or(|n| height(n) < height(child));
                if !attachment && taller {
                    last.node = Some(child);
                }
            }
            _ => units.push(Unit {
                rows,
                node: (!attachment).then_some(child),
            }),
        }
    }
    for i in 1..units.len() {
        let (gap_first, next) = (units[i - 1].rows.last + 1, units[i].rows.first);
        if let Some(text) = (gap_first..next).rev().find(|&r| !file.is_blank(r)) {
            units[i - 1].rows.last = text;
        }
    }
    units
}

fn height(node: Node<'_>) -> usize {
    let rows = rows_of(node);
    rows.last - rows.first
}

/// What an item too big for one chunk is cut at.
pub struct Members<'t> {
    /// Its members, two at least.
    pub units: Vec<Unit<'t>>,
    /// Whether they are a function's statements (the search passed a function).
    pub in_function: bool,
}

/// The members `node` is cut at when it is too big for one chunk: the units of its body
/// (the `body` field, which every grammar here gives impls, classes, traits, interfaces,
/// functions and loops), or of its only child when it has one unit (`let x = match y {`,
/// `export class`, `describe("…", () => {`), followed down until there are at least two.
/// `None` when there are none: the node is cut at lines.
pub fn members<'t>(node: Node<'t>, file: &FileLines<'_>) -> Option<Members<'t>> {
    let mut current = node;
    let mut in_function = false;
    for _ in 0..MAX_DESCENT {
        in_function |= FUNCTIONS.contains(&current.kind());
        if let Some(body) = current
            .child_by_field_name("body")
            .filter(|b| height(*b) > 0)
        {
            current = body;
        }
        let units = flattened(current, units(current, file), file);
        match units.as_slice() {
            [] => return None,
            [only] => current = only.node?,
            _ => return Some(Members { units, in_function }),
        }
    }
    None
}

/// `units` of `parent` with every unit that is a node of the parent's own kind replaced by
/// its units, and theirs in turn: a left-nested chain (`A | B | C` is `(A | B) | C`, and
/// so is `a + b + c`) becomes the one flat list it reads as, instead of a cut per level.
fn flattened<'t>(parent: Node<'t>, units: Vec<Unit<'t>>, file: &FileLines<'_>) -> Vec<Unit<'t>> {
    let nested = |unit: &Unit<'t>| {
        unit.node
            .filter(|n| n.kind() == parent.kind() && rows_of(*n) == unit.rows)
    };
    if !units.iter().any(|u| nested(u).is_some()) {
        return units;
    }
    let mut flat = Vec::with_capacity(units.len());
    let mut pending: Vec<Unit<'t>> = units.into_iter().rev().collect();
    while let Some(unit) = pending.pop() {
        let inner = nested(&unit).map(|node| self::units(node, file));
        match inner {
            Some(mut inner) if !inner.is_empty() => {
                // The nested node's own rows before and after its units (`(a` of `(a | b)`)
                // stay in its first and last.
                let last = inner.len() - 1;
                inner[0].rows.first = unit.rows.first;
                inner[last].rows.last = unit.rows.last;
                pending.extend(inner.into_iter().rev());
            }
            _ => flat.push(unit),
        }
    }
    flat
}

/// The row where `node`'s signature starts: its first row that is not a comment,
/// attribute, decorator or annotation (`class Parser` under `@Entity`).
pub fn signature_start(node: Node<'_>) -> usize {
    first_token_row(node).unwrap_or(node.start_position().row)
}

fn first_token_row(node: Node<'_>) -> Option<usize> {
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        if is_attachment(child) || matches!(child.kind(), "annotation" | "marker_annotation") {
            continue;
        }
        if child.kind() == "modifiers" {
            match first_token_row(child) {
                Some(row) => return Some(row),
                None => continue,
            }
        }
        return Some(child.start_position().row);
    }
    None
}
