//! The store keeps what it is given across openings, and honours expiry and the filter.

use index_sync_core::Vector;
use serde_json::json;

use super::*;

fn temp_store() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/store.sqlite");
    (dir, path)
}

#[test]
fn kv_survives_reopening_and_expires() {
    let (_dir, path) = temp_store();
    let mut store = LocalStore::open(&path).unwrap();
    store.set_now(1_000);
    store.kv_put("a", "1", Some(60), None).unwrap();
    store.kv_put("b", "2", None, None).unwrap();
    drop(store);
    let mut store = LocalStore::open(&path).unwrap();
    store.set_now(1_059);
    let keys = ["a".to_owned(), "b".to_owned(), "c".to_owned()];
    assert_eq!(
        store.kv_get(&keys).unwrap(),
        [Some("1".into()), Some("2".into()), None]
    );
    store.set_now(1_060);
    assert_eq!(store.kv_get(&keys).unwrap(), [None, Some("2".into()), None]);
    assert!(
        store.kv_put("d", "4", Some(59), None).is_err(),
        "KV refuses a TTL under 60 s"
    );
}

#[test]
fn query_ranks_within_the_filter() {
    let (_dir, path) = temp_store();
    let mut store = LocalStore::open(&path).unwrap();
    let vector = |id: &str, values: Vec<f32>, user: &str| Vector {
        id: id.into(),
        values,
        metadata: json!({"userId": user, "projectId": "p"}),
    };
    store
        .vectorize_upsert(vec![
            vector("x", vec![1.0, 0.0], "alice"),
            vector("y", vec![0.6, 0.8], "alice"),
            vector("z", vec![1.0, 0.0], "bob"),
        ])
        .unwrap();
    let filter = json!({"userId": "alice", "projectId": {"$eq": "p"}});
    let ids: Vec<String> = store
        .vectorize_query(&[1.0, 0.0], 5, &filter)
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, ["x", "y"]);
    assert_eq!(store.vectors_written(), 3);
    assert_eq!(store.vector_count().unwrap(), 3);
}

#[test]
fn lists_page_through_a_prefix_with_metadata_and_deletes_go() {
    let (_dir, path) = temp_store();
    let mut store = LocalStore::open(&path).unwrap();
    store.set_now(1_000);
    for (key, meta) in [
        ("p:a", Some(json!({"n": 1}))),
        ("p:b", None),
        ("p:c", None),
        ("q:a", None),
    ] {
        store.kv_put(key, "v", None, meta.as_ref()).unwrap();
    }
    store.kv_put("p:gone", "v", Some(60), None).unwrap();
    store.set_now(1_060);
    let (page, cursor) = store.kv_list("p:", None, 2).unwrap();
    let names: Vec<&str> = page.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(names, ["p:a", "p:b"]);
    assert_eq!(page[0].metadata, Some(json!({"n": 1})));
    let (page, cursor) = store.kv_list("p:", cursor.as_deref(), 2).unwrap();
    assert_eq!(page.len(), 1, "p:c; p:gone has expired");
    assert_eq!(cursor, None);
    store.kv_delete("p:a").unwrap();
    store.kv_delete("p:missing").unwrap();
    assert_eq!(store.kv_list("p:", None, 10).unwrap().0.len(), 2);
    assert!(
        store.kv_list("p:", None, 1001).is_err(),
        "KV lists at most 1,000 keys"
    );
    store
        .vectorize_upsert(vec![Vector {
            id: "x".into(),
            values: vec![1.0],
            metadata: json!({}),
        }])
        .unwrap();
    store
        .vectorize_delete_by_ids(&["x".into(), "y".into()])
        .unwrap();
    assert_eq!(store.vector_count().unwrap(), 0);
    let many: Vec<String> = (0..101).map(|i| i.to_string()).collect();
    assert!(
        store.vectorize_delete_by_ids(&many).is_err(),
        "at most 100 ids"
    );
}

#[test]
fn the_quotas_counters_survive_reopening_and_follow_the_fakes_rules() {
    let (_dir, path) = temp_store();
    let mut store = LocalStore::open(&path).unwrap();
    let first = store
        .coordinator_charge(
            "u",
            "p",
            Charge {
                day: 10,
                ai: 3,
                ai_limit: Some(2),
                vectors: 3,
                vectors_limit: None,
            },
        )
        .unwrap();
    assert_eq!((first.ai, first.vectors, first.ai_used), (2, 3, 2));
    store.coordinator_credit("u", "p", 10, 0, 1).unwrap();
    drop(store);
    let mut store = LocalStore::open(&path).unwrap();
    let second = store
        .coordinator_charge(
            "u",
            "q",
            Charge {
                day: 10,
                ai: 1,
                ai_limit: Some(2),
                vectors: 1,
                vectors_limit: Some(3),
            },
        )
        .unwrap();
    assert_eq!(
        (second.ai, second.vectors, second.vectors_held),
        (0, 1, 3),
        "the day's AI units are spent across projects; two vectors were held"
    );
    let usage = store.coordinator_usage("u", 10).unwrap();
    let counts: Vec<(&str, u32, u32)> = usage
        .iter()
        .map(|p| (p.project.as_str(), p.ai_today, p.vectors))
        .collect();
    assert_eq!(counts, [("p", 2, 2), ("q", 0, 1)]);
    let next_day = store
        .coordinator_charge(
            "u",
            "q",
            Charge {
                day: 11,
                ai: 1,
                ai_limit: Some(2),
                vectors: 0,
                vectors_limit: None,
            },
        )
        .unwrap();
    assert_eq!((next_day.ai, next_day.ai_used), (1, 1), "a new day");
    assert_eq!(store.coordinator_usage("v", 11).unwrap(), []);
    assert_eq!(store.calls().get("coordinator.charge"), Some(&2));
}
