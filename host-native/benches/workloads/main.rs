//! The Rust side of the benchmarks (BENCHMARKS.md): host calls by kind, invocations under
//! the free and paid budgets, and the engine's time per chunk, natively and as the
//! component in Wasmtime, over W1–W5; the component's size and the time to load and
//! instantiate it. Writes `target/bench/rust.json` (and W4's chunks, `target/bench/w4.json`,
//! for the Node side), and prints a summary.
//!
//! ```sh
//! cargo bench -p index-sync-native --bench workloads -- [--reps N] [--only W1,W2] [DIR_A DIR_B]
//! ```
//! `DIR_A DIR_B`: two versions of one source tree for W4 (skipped without them).
//! `host-native/benches/run.sh` runs this and the Node side and writes the tables.

mod client;
mod data;
mod w6;
mod workloads;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use index_sync_core::RequestKind;
use index_sync_native::component::{COMPONENT_BYTES, ComponentIndexer, compiled};
use serde_json::{Value, json};

use crate::client::Timed;

struct Args {
    reps: usize,
    only: Option<Vec<String>>,
    trees: Option<(PathBuf, PathBuf)>,
}

fn args() -> Args {
    let mut reps = 3;
    let mut only = None;
    let mut dirs = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            // `cargo bench` passes `--bench` to harness-less benches.
            "--bench" => {}
            "--reps" => reps = it.next().and_then(|n| n.parse().ok()).expect("--reps N"),
            "--only" => {
                only = Some(
                    it.next()
                        .expect("--only W1,W2")
                        .split(',')
                        .map(str::to_owned)
                        .collect(),
                )
            }
            dir => dirs.push(PathBuf::from(dir)),
        }
    }
    let trees = match dirs.as_slice() {
        [] => None,
        [a, b] => Some((a.clone(), b.clone())),
        _ => panic!("W4 takes two folders: two versions of one source tree"),
    };
    Args { reps, only, trees }
}

fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir).expect("creating target/bench");
    dir
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The component's size, and the times to compile it from bytes, to load it (the process's
/// first `compiled()`: the on-disk cache, else a compile), to link it, and to serve a
/// request on a fresh instance (a new `Store`, instantiation, the config read, a request
/// refused before any call: what every request pays in `ComponentHost`).
fn component_figures() -> Value {
    let start = Instant::now();
    let (engine, _) = compiled().expect("the component");
    let load = start.elapsed();
    let start = Instant::now();
    wasmtime::component::Component::new(engine, COMPONENT_BYTES).expect("compiles");
    let compile = start.elapsed();
    let start = Instant::now();
    let indexer = ComponentIndexer::<Timed>::new("{}").expect("links");
    let link = start.elapsed();
    let mut best = Duration::MAX;
    let mut backend = Timed::default();
    for _ in 0..200 {
        let start = Instant::now();
        let (back, response) = indexer.serve(backend, RequestKind::Sync, "u", b"{}", 0);
        best = best.min(start.elapsed());
        assert_eq!(response.status, 400);
        backend = back;
    }
    json!({
        "bytes": COMPONENT_BYTES.len(),
        "gzipBytes": gzip_len(COMPONENT_BYTES),
        "loadMillis": millis(load),
        "compileMillis": millis(compile),
        "linkMillis": millis(link),
        "instanceMillis": millis(best),
    })
}

/// `gzip -9` size, by the system's gzip (nothing to add to the build).
fn gzip_len(bytes: &[u8]) -> Option<usize> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("gzip")
        .arg("-9c")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(bytes).ok()?;
    Some(child.wait_with_output().ok()?.stdout.len())
}

fn main() {
    let args = args();
    let out = out_dir();
    let component = component_figures();
    eprintln!("component: {component}");
    let trees = args.trees.as_ref().map(|(a, b)| {
        let chunk = |dir: &PathBuf| data::tree(dir).unwrap_or_else(|e| panic!("{e}"));
        let (ca, cb) = (chunk(a), chunk(b));
        let w4 = json!({
            "a": {"dir": a, "chunks": data::to_json(&ca)},
            "b": {"dir": b, "chunks": data::to_json(&cb)},
        });
        std::fs::write(out.join("w4.json"), w4.to_string()).expect("writing w4.json");
        (ca, cb)
    });
    let mut records = Vec::new();
    let mut about = serde_json::Map::new();
    for workload in workloads::all(trees) {
        if args
            .only
            .as_ref()
            .is_some_and(|o| !o.iter().any(|w| w == workload.name))
        {
            continue;
        }
        eprintln!("{}: {}", workload.name, workload.about);
        about.insert(workload.name.into(), workload.about.clone().into());
        for r in workload.measure(args.reps) {
            eprintln!(
                "  {:<9} {:<18} {:>3} inv  kv.get {:>5} kv.put {:>5} ai {:>5} vec {:>3}  {:>8.2} µs/chunk",
                r.host,
                r.budget,
                r.invocations,
                r.calls.get("kv.get").unwrap_or(&0),
                r.calls.get("kv.put").unwrap_or(&0),
                r.calls.get("ai.run").unwrap_or(&0),
                r.calls.get("vectorize.upsert").unwrap_or(&0),
                r.engine_time.as_secs_f64() * 1e6 / r.chunks.max(1) as f64,
            );
            records.push(r.to_json());
        }
    }
    let mut month = Vec::new();
    if args
        .only
        .as_ref()
        .is_none_or(|o| o.iter().any(|w| w == "W6"))
    {
        eprintln!("W6: a month of edits (100 complete syncs of a 2,000-chunk project)");
        for (name, mut host) in [
            (
                "native",
                Box::new(client::Native::new("{}")) as Box<dyn client::Measured>,
            ),
            ("component", Box::new(client::Component::new("{}"))),
        ] {
            let figures = w6::run(name, host.as_mut());
            eprintln!("  {figures}");
            month.push(figures);
        }
    }
    let report = json!({
        "component": component,
        "workloads": about,
        "records": records,
        "w6": month,
        "trees": args.trees.map(|(a, b)| json!([a, b])),
        "reps": args.reps,
    });
    let path = out.join("rust.json");
    std::fs::write(&path, serde_json::to_string_pretty(&report).expect("json"))
        .expect("writing rust.json");
    eprintln!("wrote {}", path.display());
}
