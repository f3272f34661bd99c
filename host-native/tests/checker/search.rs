//! (c) and (i): a search shows the tenant's own chunks at places it sent, and each result
//! at exactly the places its vector holds that the search's filter admits, none missing.

use index_sync_core::Config;
use index_sync_native::checker::Ledger;
use index_sync_native::fakes::World;
use serde_json::json;

use crate::answer;
use crate::places::{CODE, lined_chunk};

/// A search by `u` with `filter` (fields of the body), answered `results`.
fn search(
    ledger: &Ledger,
    world: &World,
    config: &Config,
    filter: serde_json::Value,
    results: serde_json::Value,
) -> Vec<String> {
    let mut body = json!({"projectId": "p", "query": "a", "topK": 5});
    body.as_object_mut()
        .unwrap()
        .extend(filter.as_object().unwrap().clone());
    let response = answer(json!({ "results": results }));
    let mut broken = ledger.check_search("u", "p", &response);
    broken.extend(ledger.check_results(world, config, "u", &body, &response));
    broken
}

/// A result of `h` at `places` (`(path, lines)`), with its files.
fn result(places: &[(&str, Option<(u32, u32)>)]) -> serde_json::Value {
    let locations: Vec<serde_json::Value> = places
        .iter()
        .map(|(path, lines)| match lines {
            Some((start, end)) => json!({"filePath": path, "startLine": start, "endLine": end}),
            None => json!({"filePath": path}),
        })
        .collect();
    let mut files: Vec<&str> = places.iter().map(|(path, _)| *path).collect();
    files.dedup();
    json!({"hash": "h", "score": 0.5, "summary": "", "snippet": CODE,
        "filePath": files.first(), "filePaths": files, "locations": locations})
}

#[test]
fn a_search_result_outside_its_filter_or_the_index_breaks_i() {
    let both = ["src/a.rs:1-3", "tests/c.py:4-6"];
    let (config, world, ledger) = lined_chunk(&[&both, &["src/a.rs:9-11"]], &both);
    let src = json!({"pathPrefix": "src/"});
    let (a, c) = (("src/a.rs", Some((1, 3))), ("tests/c.py", Some((4, 6))));
    let check = |filter: &serde_json::Value, results| {
        search(&ledger, &world, &config, filter.clone(), results)
    };
    assert!(check(&json!({}), json!([result(&[a, c])])).is_empty());
    assert!(check(&src, json!([result(&[a])])).is_empty());
    let outside = check(&src, json!([result(&[a, c])]));
    assert!(
        outside[0].starts_with("(i)") && outside[0].contains("the filter admits"),
        "{outside:?}"
    );
    let excluded = json!({"exclude": ["*.py"], "lang": ["RS", "py"]});
    assert!(check(&excluded, json!([result(&[a])])).is_empty());
    assert!(!check(&excluded, json!([result(&[c])])).is_empty());
    let narrowed_away = check(&json!({}), json!([result(&[a])]));
    assert!(narrowed_away[0].contains("(i)"), "{narrowed_away:?}");
    let old_lines = check(&src, json!([result(&[("src/a.rs", Some((9, 11)))])]));
    assert!(
        old_lines[0].contains("its vector at"),
        "sent once, no longer in the index: {old_lines:?}"
    );
    let missing = check(&json!({"include": ["tests/"]}), json!([]));
    assert!(missing[0].contains("1 of its 1 vectors"), "{missing:?}");
    assert!(check(&json!({"lang": "ts"}), json!([])).is_empty());
    let mut twisted = result(&[a]);
    twisted["filePath"] = json!("tests/c.py");
    assert!(check(&src, json!([twisted]))[0].contains("filePath"));
    let never = check(&json!({}), json!([result(&[("src/z.rs", None)])]));
    assert!(never.iter().any(|b| b.starts_with("(c)")), "{never:?}");
}
