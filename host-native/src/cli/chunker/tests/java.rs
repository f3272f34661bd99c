//! Java: a class cut at its methods, annotations and Javadoc kept with them, the class
//! signature (without its annotation) carried.

use super::{carried, check_stability, chunks, holding, line_of, testdata, word_budget};

const PATH: &str = "src/main/java/com/example/shop/orders/OrderService.java";
const CLASS: [&str; 2] = [
    "public class OrderService extends AbstractService",
    "        implements OrderOperations {",
];

#[test]
fn a_class_too_big_is_cut_at_its_methods_each_saying_where_it_lives() {
    let text = testdata("OrderService.java");
    let pieces = chunks(PATH, &text, &word_budget());
    let first = holding(&pieces, "public class OrderService extends AbstractService");
    assert_eq!(
        first.start_line,
        line_of(&text, "* Places, pays and cancels orders.") - 1
    );
    assert!(first.code.contains("@Service\npublic class"));
    let pay = holding(
        &pieces,
        "public void pay(String orderId, Payment payment) {",
    );
    assert_eq!(carried(pay), CLASS);
    assert_eq!(pay.start_line, line_of(&text, "/** Marks an order paid"));
    assert!(pay.code.contains("    @Override\n    public void pay("));
    let status = holding(&pieces, "public enum OrderStatus {");
    assert_eq!(carried(status), CLASS);
}

#[test]
fn a_method_too_big_is_cut_at_its_statements_under_both_signatures() {
    let text = testdata("OrderService.java");
    let pieces = chunks(PATH, &text, &word_budget());
    let loop_ = holding(&pieces, "for (OrderLine line : lines) {");
    let mut expected = CLASS.to_vec();
    expected.push("    public Order place(String customerId, List<OrderLine> lines) {");
    assert_eq!(carried(loop_), expected);
}

#[test]
fn an_edit_changes_only_its_methods_chunk_and_a_shift_changes_no_hash() {
    check_stability(
        PATH,
        &testdata("OrderService.java"),
        &word_budget(),
        (
            "order.markCancelled(Instant.now(clock));",
            "order.markCancelled(clock.instant());",
        ),
    );
}
