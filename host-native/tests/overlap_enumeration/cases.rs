//! The small cases of overlap, one per class that broke an index before invariant 9: what
//! the tenant holds first, the two requests that overlap, what a client asks afterwards, the project its
//! final sync brings the index to, and the checks that must see the case break when
//! nothing orders the requests. Most chunks are sent with their lines, as the command-line
//! tool sends them; one case sends none (an old client), and one moves a chunk to other
//! lines of its file while another request puts it at two places of that file.

use index_sync_core::{Config, RequestKind};
use serde_json::{Value, json};

use crate::clients::{Ask, PROJECT, listing_entry};

pub struct Case {
    pub name: &'static str,
    /// Sent one after another first.
    pub setup: Vec<Ask>,
    /// Seconds the clock moves after the setup.
    pub advance: u64,
    /// Started together; their calls are ordered every way.
    pub together: Vec<Ask>,
    /// Sent one after another afterwards, each answer checked.
    pub after: Vec<Ask>,
    /// The chunks (with code) the final sync brings the index to.
    pub project: Vec<Value>,
    /// Faults are placed at the first this many calls of each name.
    pub fault_positions: usize,
    /// The checks that must see it break without an order between requests.
    pub caught_by: &'static [&'static str],
}

impl Case {
    /// The engine's config: the defaults, summaries off (fewer calls to order).
    pub fn config(&self) -> Value {
        json!({"summaries": false})
    }
}

/// Chunk `hash` with its code, in `file`, from line `start` to `end` when given.
fn chunk(hash: &str, file: &str, lines: Option<(u32, u32)>) -> Value {
    let mut chunk = json!({"hash": hash, "code": format!("export function chunk_{hash}() {{ return {hash:?}; }}"), "filePath": file});
    if let Some((start, end)) = lines {
        chunk["startLine"] = json!(start);
        chunk["endLine"] = json!(end);
    }
    chunk
}

fn init(chunks: &[Value]) -> Ask {
    (
        RequestKind::Init,
        json!({"projectId": PROJECT, "chunks": chunks}),
    )
}

fn phase_2(chunks: &[Value]) -> Ask {
    (
        RequestKind::Sync,
        json!({"phase": 2, "projectId": PROJECT, "chunks": chunks}),
    )
}

/// Phase 1 of `chunks`, at their files.
fn phase_1(chunks: &[Value]) -> Ask {
    (
        RequestKind::Sync,
        json!({"phase": 1, "projectId": PROJECT, "chunks": listing(chunks)}),
    )
}

fn complete(chunks: &[Value]) -> Ask {
    (
        RequestKind::Sync,
        json!({"phase": 1, "complete": true, "projectId": PROJECT, "chunks": listing(chunks)}),
    )
}

/// A complete phase 1 that sends the digest of `chunks`' listing alone (the checker knows
/// the listing: `complete` of it was sent before).
fn root_only(chunks: &[Value]) -> Ask {
    let listed = index_sync_native::checker::listed(&Value::from(listing(chunks)));
    let digest = index_sync_native::checker::digest(&listed);
    (
        RequestKind::Sync,
        json!({"phase": 1, "complete": true, "projectId": PROJECT, "digest": digest}),
    )
}

fn remove(hashes: &[&str]) -> Ask {
    (
        RequestKind::Remove,
        json!({"projectId": PROJECT, "hashes": hashes}),
    )
}

fn remove_all() -> Ask {
    (
        RequestKind::Remove,
        json!({"projectId": PROJECT, "all": true}),
    )
}

fn listing(chunks: &[Value]) -> Vec<Value> {
    chunks.iter().map(listing_entry).collect()
}

pub fn cases() -> Vec<Case> {
    let x = chunk("x", "src/x.ts", Some((1, 3)));
    let y = chunk("y", "src/y.ts", Some((4, 9)));
    let d = chunk("d", "src/d.ts", Some((2, 2)));
    // An old client's: no lines.
    let (h_a, h_b) = (chunk("h", "src/a.ts", None), chunk("h", "src/b.ts", None));
    // One chunk at other lines of one file: moved down, and twice.
    let at = |start: u32| chunk("h", "src/a.ts", Some((start, start + 2)));
    let (h_1, h_5, h_9) = (at(1), at(5), at(9));
    let due = Config::default().marker_refresh_after();
    vec![
        Case {
            name: "phase 2 of d vs a complete sync without d",
            setup: vec![init(std::slice::from_ref(&x))],
            advance: 0,
            together: vec![
                phase_2(std::slice::from_ref(&d)),
                complete(std::slice::from_ref(&x)),
            ],
            after: vec![phase_1(std::slice::from_ref(&d))],
            project: vec![x.clone(), d.clone()],
            fault_positions: 2,
            caught_by: &["(a)", "(h)", "final sync"],
        },
        Case {
            name: "phase 2 vs remove all",
            setup: vec![init(std::slice::from_ref(&x))],
            advance: 0,
            together: vec![phase_2(std::slice::from_ref(&d)), remove_all()],
            after: vec![phase_1(&[x.clone(), d.clone()])],
            project: vec![x.clone(), d.clone()],
            fault_positions: 2,
            caught_by: &["(a)", "(f)", "(h)", "final sync"],
        },
        Case {
            name: "phase 1 with a due refresh vs remove",
            setup: vec![init(&[x.clone(), y.clone()])],
            advance: due,
            together: vec![phase_1(&[x.clone(), y.clone()]), remove(&["x"])],
            after: vec![phase_1(std::slice::from_ref(&x))],
            project: vec![y.clone()],
            fault_positions: 2,
            caught_by: &["(a)", "(h)"],
        },
        Case {
            name: "a complete sync writing its record state vs phase 2",
            setup: vec![init(std::slice::from_ref(&x))],
            advance: 0,
            together: vec![
                complete(std::slice::from_ref(&x)),
                phase_2(std::slice::from_ref(&d)),
            ],
            after: vec![root_only(std::slice::from_ref(&x))],
            project: vec![x.clone(), d],
            fault_positions: 2,
            caught_by: &["(h)", "final sync"],
        },
        Case {
            name: "two phase 2 of one hash with different files",
            setup: vec![init(std::slice::from_ref(&x))],
            advance: 0,
            together: vec![
                phase_2(std::slice::from_ref(&h_a)),
                phase_2(std::slice::from_ref(&h_b)),
            ],
            after: vec![
                phase_1(std::slice::from_ref(&h_a)),
                phase_1(std::slice::from_ref(&h_b)),
            ],
            project: vec![x.clone(), h_b],
            fault_positions: 2,
            caught_by: &["(g)", "(h)", "final sync"],
        },
        Case {
            name: "two phase 2 of one chunk at other lines of its file, one at two places",
            setup: vec![init(&[x.clone(), h_1.clone()])],
            advance: 0,
            together: vec![
                phase_2(std::slice::from_ref(&h_5)),
                phase_2(&[h_1.clone(), h_9.clone()]),
            ],
            after: vec![
                phase_1(std::slice::from_ref(&h_5)),
                phase_1(&[h_1.clone(), h_9.clone()]),
            ],
            project: vec![x, h_1, h_9],
            fault_positions: 2,
            caught_by: &["(a)", "(h)", "final sync"],
        },
    ]
}
