//! What the random schedules (`random_schedules/`) found, cut down to plain sequences of
//! one client's requests: no overlap is needed for any. Each test states a promise of
//! README's invariants that the engine broke before its fix (a removal's clean-up counted
//! a chunk named by a journal alone as keeping a marker; indexing read every marker and
//! cache entry before planning, leaving a small budget nothing to index with).

#[path = "clients/mod.rs"]
mod clients;

use clients::{Clients, PROJECT, hashes};
use index_sync_core::RequestKind;
use index_sync_core::config::MIN_OPERATION_BUDGET;
use index_sync_native::fakes::FaultMode;
use index_sync_native::runner::EngineHost;
use serde_json::{Value, json};

fn chunk(hash: &str) -> Value {
    json!({"hash": hash, "code": format!("fn {hash}() {{}}"), "filePath": format!("src/{hash}.rs")})
}

/// Indexes `z` with its marker write failing: its vector is written and its journal is the
/// only record that reaches it (invariant 8), until a removal removes it.
fn vector_reached_by_its_journal_alone(clients: &mut Clients) {
    clients.world.fail_after("kv.put", 2, FaultMode::Error);
    let body = json!({"projectId": PROJECT, "chunks": [chunk("z")]});
    let r = clients.send(&(RequestKind::Init, body)).expect("served");
    assert_eq!(hashes(&r.body, "failed").len(), 1, "{}", r.body);
    assert!(
        clients
            .ledger
            .check_world(&clients.world, &clients.config)
            .is_empty()
    );
}

/// Invariant 8: a removal whose own journal cannot be written deletes nothing, and so must
/// keep the older journal that is the only record of a chunk's vector. It dropped it: the
/// vector was then reachable by nothing, and no complete sync or `remove all` removed it.
#[test]
fn a_removal_whose_journal_write_fails_keeps_the_older_journal() {
    let mut clients = Clients::new(&json!({"summaries": false}), false);
    vector_reached_by_its_journal_alone(&mut clients);
    clients.world.fail_after("kv.put", 0, FaultMode::Error);
    let remove_all = json!({"projectId": PROJECT, "all": true});
    let sent = clients.send(&(RequestKind::Remove, remove_all));
    assert!(sent.is_ok(), "{:?}", sent.err());
}

/// Invariant 8: a complete sync whose budget defers the removal of a chunk that only a
/// journal reaches must keep that journal. At 13 to 15 calls it dropped it (the chunk
/// counted as "keeping its marker", which it never had), and the vector was lost to removal.
#[test]
fn a_removal_that_defers_a_chunk_keeps_the_journal_that_reaches_it() {
    let mut clients = Clients::new(&json!({"summaries": false}), false);
    let chunks: Vec<Value> = ["a", "b", "c", "d"].into_iter().map(chunk).collect();
    let body = json!({"projectId": PROJECT, "chunks": chunks});
    clients.send(&(RequestKind::Init, body)).expect("served");
    vector_reached_by_its_journal_alone(&mut clients);
    let small = json!({"summaries": false, "operationBudget": MIN_OPERATION_BUDGET});
    clients.host = EngineHost::from_json(&small.to_string()).expect("config");
    let empty = json!({"phase": 1, "complete": true, "projectId": PROJECT, "chunks": []});
    let sent = clients.send(&(RequestKind::Sync, empty));
    assert!(sent.is_ok(), "{:?}", sent.err());
}

/// Invariant 6: resending what came back deferred completes the index. At the smallest
/// budget, a phase 2 of two new chunks read one key at a time spent the budget on reads
/// and deferred both, however often it was sent.
#[test]
fn a_phase_2_sent_again_while_deferred_indexes_its_chunks() {
    let config =
        json!({"operationBudget": MIN_OPERATION_BUDGET, "kvBulkGetSize": 1, "summaries": false});
    let mut clients = Clients::new(&config, false);
    let body = json!({"phase": 2, "projectId": PROJECT, "chunks": [chunk("a"), chunk("b")]});
    let mut indexed = 0;
    for _ in 0..5 {
        let r = clients
            .send(&(RequestKind::Sync, body.clone()))
            .expect("served");
        indexed += hashes(&r.body, "indexed").len();
        if hashes(&r.body, "deferred").is_empty() {
            break;
        }
    }
    assert!(indexed > 0, "five sends, nothing indexed");
}
