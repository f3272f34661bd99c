//! Rust: an impl of a trait cut at its methods, a trait, attributes and docs.

use super::super::pieces::Budget;
use super::{
    carried, check_stability, chunks, holding, line_of, testdata, vocabulary, word_budget,
};

const PATH: &str = "src/lru.rs";
const IMPL_CACHE: &str = "impl<K: Hash + Eq + Clone, V> Cache<K, V> for Lru<K, V> {";

#[test]
fn items_are_chunks_with_their_docs_and_attributes() {
    let text = testdata("lru.rs");
    let pieces = chunks(PATH, &text, &word_budget());
    // The trait fits: one chunk, from its doc comment to its closing brace.
    let cache = holding(&pieces, "pub trait Cache<K, V> {");
    assert_eq!(
        cache.start_line,
        line_of(&text, "/// What every cache of this crate offers.")
    );
    assert_eq!(cache.end_line, line_of(&text, "self.len() == 0") + 2);
    assert!(carried(cache).is_empty());
    // A struct with its doc and `#[derive]`.
    let lru = holding(&pieces, "pub struct Lru<K, V> {");
    assert_eq!(
        lru.start_line,
        line_of(&text, "/// A cache of at most `capacity`")
    );
    // The test module with its `#[cfg(test)]`, a test with its `#[test]`.
    let tests = holding(&pieces, "mod tests {");
    assert_eq!(tests.start_line, line_of(&text, "mod tests {") - 1);
    let test = holding(&pieces, "fn a_removed_slot_is_reused()");
    assert!(
        test.code
            .contains("    #[test]\n    fn a_removed_slot_is_reused()")
    );
}

#[test]
fn an_impl_too_big_is_cut_at_its_methods_each_saying_where_it_lives() {
    let text = testdata("lru.rs");
    let pieces = chunks(PATH, &text, &word_budget());
    // The impl's own line opens the chunk of its first method.
    let get = holding(&pieces, "fn get(&mut self, key: &K) -> Option<&V> {");
    assert_eq!(get.start_line, line_of(&text, IMPL_CACHE));
    assert!(carried(get).is_empty());
    // Every later method's chunk starts with it, carried; its lines are the method's own.
    let remove = holding(&pieces, "let at = self.index.remove(key)?;");
    assert_eq!(carried(remove), [IMPL_CACHE]);
    assert_eq!(
        remove.start_line,
        line_of(&text, "Some(std::mem::take(") - 7
    );
    assert_eq!(remove.end_line, line_of(&text, "Some(std::mem::take(") + 1);
    let len = holding(&pieces, "        self.index.len()");
    assert_eq!(carried(len), [IMPL_CACHE]);
    // A method's doc comment stays with it.
    let put = holding(
        &pieces,
        "/// Puts `value` under `key`, as the most recently used",
    );
    assert!(
        put.code
            .contains("    fn put(&mut self, key: K, value: V) -> Option<(K, V)> {")
    );
    // `put` itself is too big: its statements are cut, under the impl's and its own line.
    let evicting = holding(&pieces, "let at = if self.index.len() >= self.capacity {");
    assert_eq!(
        carried(evicting),
        [
            IMPL_CACHE,
            "    fn put(&mut self, key: K, value: V) -> Option<(K, V)> {"
        ]
    );
}

#[test]
fn a_trait_too_big_is_cut_at_its_methods_under_its_signature() {
    let text = testdata("lru.rs");
    let small = Budget::new(&super::words, 60);
    let pieces = chunks(PATH, &text, &small);
    let remove = holding(&pieces, "        V: Default;");
    assert_eq!(carried(remove), ["pub trait Cache<K, V> {"]);
    assert_eq!(
        remove.start_line,
        line_of(&text, "/// Removes `key`, returning its value")
    );
}

#[test]
fn an_edit_changes_only_its_methods_chunk_and_a_shift_changes_no_hash() {
    let text = testdata("lru.rs");
    check_stability(
        PATH,
        &text,
        &word_budget(),
        (
            "NIL => self.newest = older,",
            "NIL => self.newest = older, // the list is empty",
        ),
    );
}

#[test]
fn the_models_own_count_keeps_every_chunk_within_its_limit() {
    let Some(tokenizer) = vocabulary("the_models_own_count_keeps_every_chunk_within_its_limit")
    else {
        return;
    };
    for name in [
        "lru.rs",
        "parser.ts",
        "inventory.py",
        "ratelimit.go",
        "OrderService.java",
    ] {
        // `chunks` checks the limit, counting each chunk's whole text at once.
        let pieces = chunks(name, &testdata(name), &Budget::model(tokenizer));
        assert!(pieces.len() > 5, "{name}");
    }
}
