//! (a) and (h) over places, files with their lines: a vector names exactly the places its
//! marker stands for, each sent for it, and its snippet is its code's first lines; a chunk
//! answered cached is held at exactly the lines asked; `unchanged` stands for a listing
//! with its lines.

use index_sync_core::location::Location;
use index_sync_core::marker::{NewMarker, locations_digest};
use index_sync_core::names::{marker_key, vector_id};
use index_sync_core::{Config, RequestKind};
use index_sync_native::checker::{Ledger, digest, listed};
use index_sync_native::fakes::World;
use serde_json::json;

use crate::{answer, vector};

/// Code whose first line is its snippet with `snippetLines` 1.
pub const CODE: &str = "fn a() {}";

/// The chunk `h` of user `u` sent at each of `places` (`path:start-end` or a path), as
/// `init` sends it.
pub fn at(places: &[&str]) -> serde_json::Value {
    let chunks: Vec<serde_json::Value> = places
        .iter()
        .map(|p| {
            let place = Location::from_metadata(p);
            let mut chunk = json!({"hash": "h", "code": CODE, "filePath": place.file_path});
            if let Some(lines) = place.lines {
                chunk["startLine"] = json!(lines.start);
                chunk["endLine"] = json!(lines.end);
            }
            chunk
        })
        .collect();
    json!({"projectId": "p", "chunks": chunks})
}

fn digest_of(places: &[&str]) -> String {
    let places: Vec<Location> = places.iter().map(|p| Location::from_metadata(p)).collect();
    locations_digest(&places)
}

/// Puts the vector of `h` at `places` (as the engine writes it) and a marker whose digest
/// is of `marked`.
fn hold(config: &Config, world: &mut World, places: &[&str], marked: &[&str]) {
    let mut v = vector(config, "u", "h", CODE);
    let files: Vec<String> = places
        .iter()
        .map(|p| Location::from_metadata(p).file_path)
        .collect();
    v.metadata["filePaths"] = json!(files);
    v.metadata["locations"] = json!(places);
    v.metadata["snippet"] = json!(CODE);
    world.vectorize.upsert(vec![v]).unwrap();
    let (value, _) = NewMarker {
        now: world.now,
        paths: Some(&digest_of(marked)),
        hash: None,
        words: false,
    }
    .encode();
    let key = marker_key(config, "u", "p", "h");
    world.kv.put(&key, &value, None, world.now).unwrap();
}

/// A world where `u` sent `h` at `sent` and holds it, vector and marker, at `held`.
pub fn lined_chunk(sent: &[&[&str]], held: &[&str]) -> (Config, World, Ledger) {
    let config = Config::default();
    let (mut world, mut ledger) = (World::new(), Ledger::default());
    for places in sent {
        ledger.record(RequestKind::Init, "u", &at(places));
    }
    hold(&config, &mut world, held, held);
    (config, world, ledger)
}

#[test]
fn a_vector_at_other_lines_than_its_marker_or_never_sent_there_breaks_a() {
    let (config, mut world, ledger) =
        lined_chunk(&[&["f.rs:1-3"], &["f.rs:5-7", "f.rs:20-22"]], &["f.rs:1-3"]);
    assert!(ledger.check_world(&world, &config).is_empty());
    // The code moved down: its marker says so, its vector still names the old lines.
    hold(
        &config,
        &mut world,
        &["f.rs:1-3"],
        &["f.rs:5-7", "f.rs:20-22"],
    );
    let broken = ledger.check_world(&world, &config);
    assert!(
        broken[0].starts_with("(a)") && broken[0].contains("names other places"),
        "{broken:?}"
    );
    hold(
        &config,
        &mut world,
        &["f.rs:20-22", "f.rs:5-7"],
        &["f.rs:5-7", "f.rs:20-22"],
    );
    assert!(
        ledger.check_world(&world, &config).is_empty(),
        "in any order"
    );
    hold(&config, &mut world, &["f.rs:9-11"], &["f.rs:9-11"]);
    let broken = ledger.check_world(&world, &config);
    assert!(broken[0].contains("never sent"), "{broken:?}");
    hold(&config, &mut world, &["f.rs"], &["f.rs"]);
    let broken = ledger.check_world(&world, &config);
    assert!(
        broken[0].contains("never sent"),
        "without lines: {broken:?}"
    );
}

#[test]
fn a_snippet_that_is_not_the_code_breaks_a() {
    let (config, mut world, ledger) = lined_chunk(&[&["f.rs:1-3"]], &["f.rs:1-3"]);
    let id = vector_id(&config, "u", "p", "h");
    let mut v = vector(&config, "u", "h", CODE);
    v.metadata = world.vectorize.get(&id).unwrap().1.clone();
    v.metadata["snippet"] = json!("fn evil() {}");
    world.vectorize.upsert(vec![v]).unwrap();
    let broken = ledger.check_world(&world, &config);
    assert!(broken[0].contains("snippet"), "{broken:?}");
}

#[test]
fn a_cached_answer_at_other_lines_breaks_h() {
    let (config, mut world, ledger) = lined_chunk(&[&["f.rs:1-3"]], &["f.rs:1-3"]);
    let cached = answer(json!({"cached": ["h"], "needed": []}));
    let check = |world: &World, places: &[&str]| {
        let mut body = at(places);
        body["phase"] = json!(1);
        ledger.check_answer(world, &config, RequestKind::Sync, "u", &body, &cached)
    };
    assert!(check(&world, &["f.rs:1-3"]).is_empty());
    let shifted = check(&world, &["f.rs:2-4"]);
    assert!(
        shifted[0].starts_with("(h)") && shifted[0].contains("its vector is at"),
        "{shifted:?}"
    );
    let twice = check(&world, &["f.rs:1-3", "f.rs:8-10"]);
    assert!(twice[0].contains("its vector is at"), "{twice:?}");
    let without = check(&world, &["f.rs"]);
    assert!(without[0].contains("its vector is at"), "{without:?}");
    // The vector at the lines asked, its marker naming others.
    hold(&config, &mut world, &["f.rs:1-3"], &["f.rs:2-4"]);
    let broken = check(&world, &["f.rs:1-3"]);
    assert!(
        broken[0].contains("marker names other places"),
        "{broken:?}"
    );
}

#[test]
fn an_unchanged_answer_for_a_listing_at_other_lines_breaks_h() {
    let (config, world, mut ledger) = lined_chunk(&[&["f.rs:1-3"]], &["f.rs:1-3"]);
    let unchanged = answer(json!({"cached": [], "needed": [], "unchanged": true}));
    let root_only = |ledger: &mut Ledger, places: &[&str]| {
        let mut full = at(places);
        full["phase"] = json!(1);
        full["complete"] = json!(true);
        ledger.record(RequestKind::Sync, "u", &full);
        let d = digest(&listed(&full["chunks"]));
        let body = json!({"phase": 1, "complete": true, "projectId": "p", "digest": d});
        ledger.check_answer(&world, &config, RequestKind::Sync, "u", &body, &unchanged)
    };
    assert!(root_only(&mut ledger, &["f.rs:1-3"]).is_empty());
    let shifted = root_only(&mut ledger, &["f.rs:2-4"]);
    assert!(
        shifted[0].starts_with("(h) unchanged") && shifted[0].contains("its vector is at"),
        "{shifted:?}"
    );
    assert_ne!(
        digest(&listed(&at(&["f.rs:1-3"])["chunks"])),
        digest(&listed(&at(&["f.rs"])["chunks"])),
        "lines are part of a listing's digest"
    );
}
