//! Python: a class cut at its methods, decorators and docstrings kept with what they
//! belong to.

use super::{carried, check_stability, chunks, holding, line_of, testdata, word_budget};

const PATH: &str = "inventory.py";

#[test]
fn a_class_too_big_is_cut_at_its_methods_each_saying_where_it_lives() {
    let text = testdata("inventory.py");
    let pieces = chunks(PATH, &text, &word_budget());
    // The class line and its docstring open the first chunk.
    let first = holding(&pieces, "class Inventory:");
    assert!(first.code.contains("Quantities of items per location"));
    assert!(carried(first).is_empty());
    let receive = holding(
        &pieces,
        "def receive(self, item: Item, location: str, quantity: int)",
    );
    assert_eq!(carried(receive), ["class Inventory:"]);
    assert_eq!(receive.start_line, line_of(&text, "def receive("));
    assert_eq!(
        receive.end_line,
        line_of(&text, "self._journal.append((self._clock(), item.sku")
    );
}

#[test]
fn decorators_stay_with_their_function() {
    let text = testdata("inventory.py");
    let pieces = chunks(PATH, &text, &word_budget());
    let items = holding(&pieces, "def items(self) -> list[Item]:");
    assert_eq!(items.start_line, line_of(&text, "def items(self)") - 1);
    assert_eq!(carried(items), ["class Inventory:"]);
    assert!(items.code.contains("    @property\n    def items(self)"));
    let key = holding(&pieces, "def location_key(location: str)");
    assert!(key.code.contains("    @staticmethod\n    def location_key"));
    let item = holding(&pieces, "class Item:");
    assert!(item.code.contains("@dataclass(frozen=True)\nclass Item:"));
}

#[test]
fn a_method_too_big_is_cut_at_its_statements_under_both_signatures() {
    let text = testdata("inventory.py");
    let small = super::Budget::new(&super::words, 120);
    let pieces = chunks(PATH, &text, &small);
    let rest = holding(
        &pieces,
        "self._stock[(sku, target)] = self._stock.get((sku, target), 0) + quantity",
    );
    assert_eq!(
        carried(rest),
        [
            "class Inventory:",
            "    def move(self, sku: str, source: str, target: str, quantity: int) -> None:"
        ]
    );
}

#[test]
fn an_edit_changes_only_its_methods_chunk_and_a_shift_changes_no_hash() {
    check_stability(
        PATH,
        &testdata("inventory.py"),
        &word_budget(),
        (
            "direction = \"in\" if target == location else \"out\"",
            "direction = \"in\" if location == target else \"out\"",
        ),
    );
}
