//! Go: functions and methods (declared at the top level, with their receiver), each with
//! its comment.

use super::{carried, check_stability, chunks, holding, line_of, testdata, word_budget};

const PATH: &str = "ratelimit/limiter.go";
const ALLOW: &str = "func (l *Limiter) Allow(client string) (time.Duration, error) {";

#[test]
fn each_method_is_a_chunk_with_its_comment() {
    let text = testdata("ratelimit.go");
    let pieces = chunks(PATH, &text, &word_budget());
    for (comment, signature) in [
        ("// Allow takes one token", ALLOW),
        (
            "// refill adds the tokens",
            "func (l *Limiter) refill(b *bucket, now time.Time) {",
        ),
        (
            "// Sweep drops the buckets",
            "func (l *Limiter) Sweep() int {",
        ),
    ] {
        let method = holding(&pieces, signature);
        assert_eq!(method.start_line, line_of(&text, comment), "{signature}");
        assert!(carried(method).is_empty());
        assert_eq!(
            method.code.matches("\nfunc ").count() + usize::from(method.code.starts_with("func ")),
            1,
            "one method per chunk: {signature}"
        );
    }
    let limiter = holding(&pieces, "type Limiter struct {");
    assert_eq!(
        limiter.start_line,
        line_of(&text, "// Limiter hands out tokens")
    );
}

#[test]
fn a_method_too_big_is_cut_at_its_statements_under_its_signature() {
    let text = testdata("ratelimit.go");
    let small = super::Budget::new(&super::words, 100);
    let pieces = chunks(PATH, &text, &small);
    let wait = holding(
        &pieces,
        "wait := time.Duration(missing / l.Rate * float64(time.Second))",
    );
    assert_eq!(carried(wait), [ALLOW]);
    let head = holding(&pieces, ALLOW);
    assert_eq!(head.start_line, line_of(&text, "// Allow takes one token"));
}

#[test]
fn an_edit_changes_only_its_methods_chunk_and_a_shift_changes_no_hash() {
    check_stability(
        PATH,
        &testdata("ratelimit.go"),
        &word_budget(),
        (
            "b.tokens += elapsed * l.Rate",
            "b.tokens += l.Rate * elapsed",
        ),
    );
}
