//! TypeScript: a class cut at its methods, with decorators-free JSDoc kept on each; and
//! the JavaScript and TSX extensions parsed.

use super::super::chunk_file;
use super::{carried, check_stability, chunks, holding, line_of, testdata, word_budget};

const PATH: &str = "src/parser.ts";
const CLASS: &str = "export class Parser extends Base {";

#[test]
fn a_class_too_big_is_cut_at_its_methods_each_saying_where_it_lives() {
    let text = testdata("parser.ts");
    let pieces = chunks(PATH, &text, &word_budget());
    // The class's doc comment and line open the chunk of its first members.
    let first = holding(&pieces, CLASS);
    assert_eq!(first.start_line, line_of(&text, "* A Pratt parser") - 1);
    assert!(
        first
            .code
            .contains("static fromSource(source: string): Parser {")
    );
    // A later method: the class line carried, the method's JSDoc and lines its own.
    let arguments = holding(&pieces, "private arguments(): Expr[] {");
    assert_eq!(carried(arguments), [CLASS]);
    assert_eq!(
        arguments.start_line,
        line_of(&text, "/** The arguments of a call")
    );
    assert_eq!(
        arguments.end_line,
        line_of(&text, "private expect(kind") - 2
    );
}

#[test]
fn a_method_too_big_is_cut_at_its_statements_under_both_signatures() {
    let text = testdata("parser.ts");
    let pieces = chunks(PATH, &text, &word_budget());
    let switch = holding(&pieces, "switch (token.kind) {");
    assert_eq!(carried(switch), [CLASS, "  private prefix(): Expr {"]);
    assert_eq!(switch.start_line, line_of(&text, "switch (token.kind) {"));
    // The statements before the switch go with the method's own line and doc.
    let head = holding(&pieces, "  private prefix(): Expr {");
    assert_eq!(head.start_line, line_of(&text, "/** A number, a name"));
}

#[test]
fn small_top_level_items_are_packed_and_a_class_that_fits_is_whole() {
    let text = testdata("parser.ts");
    let pieces = chunks(PATH, &text, &word_budget());
    let base = holding(&pieces, "abstract class Base {");
    assert!(base.code.contains("protected peek(): Token {"));
    assert!(carried(base).is_empty());
    let imports = holding(&pieces, "import type { Diagnostic }");
    assert!(
        imports
            .code
            .starts_with("import { Token, TokenKind, tokenize }")
    );
}

#[test]
fn an_edit_changes_only_its_methods_chunk_and_a_shift_changes_no_hash() {
    check_stability(
        PATH,
        &testdata("parser.ts"),
        &word_budget(),
        (
            "this.diagnostics.push({ message, offset: this.peek().offset });",
            "this.diagnostics.push({ message, offset: this.peek().offset, severity: 1 });",
        ),
    );
}

#[test]
fn javascript_and_tsx_are_cut_along_their_syntax_too() {
    let budget = super::Budget::new(&super::words, 40);
    let method = |name: &str| {
        format!(
            "  {name}(items) {{\n    const total = items.reduce((sum, item) => sum + item.price, 0);\n    return total > 100 ? total * 0.9 : total;\n  }}\n"
        )
    };
    let class = format!(
        "class Basket {{\n{}\n{}}}\n",
        method("total"),
        method("discounted")
    );
    for path in [
        "basket.js",
        "basket.mjs",
        "basket.cjs",
        "basket.jsx",
        "basket.tsx",
        "basket.mts",
    ] {
        let pieces = chunk_file(path, &class, &budget);
        super::check(path, &class, &budget, &pieces);
        let second = holding(&pieces, "  discounted(items) {");
        assert_eq!(carried(second), ["class Basket {"], "{path}");
    }
}
