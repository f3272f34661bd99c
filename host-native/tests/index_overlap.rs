//! Two runs of `index-sync index` on one store overlap: the store's coordinator table lends
//! the project's lease to one request at a time, and a run refused `409 tenant_busy` waits
//! the time it is told (with backoff) and sends again, never counting it a failure; one
//! refused `503 coordinator_unavailable` (the store locked by another writer longer than
//! SQLite's busy timeout) is sent again too. Whatever the interleaving, every run completes
//! and the index follows the folder.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{figure, index_sync, succeeded, two_file_project};
use index_sync_core::Lease;
use index_sync_native::backend::Backend;
use index_sync_native::store::LocalStore;

/// How long the test waits for a run to say it was refused, or to finish.
const PATIENCE: Duration = Duration::from_secs(120);
/// The lease the test holds, as another run would: far longer than the test waits.
const HELD_SECONDS: u64 = 600;

/// Runs started at once on one new store: each opens it (one of them makes its tables)
/// while the others do, and most often one is refused `tenant_busy` by another.
const RUNS_TOGETHER: usize = 3;

const USER: &str = "alice@example.com";
const PROJECT: &str = "demo";

fn index_args<'a>(dir: &'a str, store: &'a str) -> [&'a str; 8] {
    [
        "index",
        dir,
        "--user",
        USER,
        "--project",
        PROJECT,
        "--store",
        store,
    ]
}

/// Starts an index run, and a thread passing on each line of its standard error.
fn start_run(dir: &str, store: &str) -> (Child, mpsc::Receiver<String>, JoinHandle<()>) {
    let mut run = Command::new(env!("CARGO_BIN_EXE_index-sync"))
        .args(index_args(dir, store))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("index-sync runs");
    let stderr = run.stderr.take().unwrap();
    let (lines, said) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    (run, said, reader)
}

/// The lines of standard error up to the first that holds `code`.
fn until_refused(said: &mpsc::Receiver<String>, code: &str) -> Vec<String> {
    let mut told: Vec<String> = Vec::new();
    while !told.iter().any(|l| l.contains(code)) {
        told.push(
            said.recv_timeout(PATIENCE)
                .unwrap_or_else(|_| panic!("the run was never refused {code}: {told:?}")),
        );
    }
    told
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The index follows the folder: a run finds both chunks cached at their files and nothing
/// to send, and search finds each file.
fn index_follows(dir: &str, store: &str) {
    let again = index_sync(&index_args(dir, store));
    assert!(
        again.contains("0 chunks needed, 2 cached, 0 removed"),
        "{again}"
    );
    assert_eq!(figure(&again, "AI calls:"), 0, "{again}");
    let tenant = ["--user", USER, "--project", PROJECT, "--store", store];
    for (query, file) in [
        ("parse header", "src/parse.rs"),
        ("render page", "src/render.rs"),
    ] {
        let found = index_sync(&[&["search", query][..], &tenant].concat());
        let best = found.lines().next().unwrap_or_default();
        assert!(best.contains(file), "{query}:\n{found}");
    }
}

#[test]
fn a_run_waits_while_another_holds_the_project_then_completes() {
    let folder = two_file_project();
    let store_dir = tempfile::tempdir().unwrap();
    let store_path = store_dir.path().join("store.sqlite");
    let (dir, store) = (
        folder.path().to_str().unwrap(),
        store_path.to_str().unwrap(),
    );

    // Another run holds the project's lease, in the store's coordinator table.
    let mut other = LocalStore::open(&store_path).unwrap();
    other.set_now(unix_now());
    let lease = other
        .coordinator_acquire(USER, PROJECT, HELD_SECONDS, None)
        .unwrap();
    let Lease::Granted(token) = lease else {
        panic!("a fresh store's project is free: {lease:?}");
    };

    let (run, said, reader) = start_run(dir, store);
    let mut told = until_refused(&said, "tenant_busy");
    // Refused at least once: the other run ends, giving the lease back.
    other.coordinator_release(USER, PROJECT, token).unwrap();
    let output = run.wait_with_output().expect("the run ends");
    reader.join().unwrap();
    told.extend(said.try_iter());
    let stdout = succeeded(&["index"], &output);

    assert!(
        told[0].starts_with(
            "sync answered 409: tenant_busy (another request of this user and project is \
             changing its index; resend in "
        ) && told[0].contains("); another run is changing the project; again in "),
        "{told:?}"
    );
    let refusals = told.iter().filter(|l| l.contains("tenant_busy")).count() as u64;
    assert_eq!(
        figure(&stdout, "resends:"),
        refusals,
        "each refusal resent once, and reported:\n{stdout}"
    );
    assert!(
        stdout.contains("while another run held the project, 0 while the coordinator"),
        "{stdout}"
    );
    assert!(stdout.contains("2 chunks needed"), "{stdout}");
    assert!(
        stdout.contains("phase 2: 2 chunks indexed, 0 not indexed"),
        "{stdout}"
    );
    index_follows(dir, store);
}

#[test]
fn a_run_resends_while_the_coordinator_cannot_be_asked_then_completes() {
    let folder = two_file_project();
    let store_dir = tempfile::tempdir().unwrap();
    let store_path = store_dir.path().join("store.sqlite");
    let (dir, store) = (
        folder.path().to_str().unwrap(),
        store_path.to_str().unwrap(),
    );
    drop(LocalStore::open(&store_path).unwrap()); // the tables, made before the lock
    // Another writer holds the file: the run's reads go on (WAL), its lease cannot be taken.
    let writer = rusqlite::Connection::open(&store_path).unwrap();
    writer.execute_batch("BEGIN IMMEDIATE").unwrap();
    let (run, said, reader) = start_run(dir, store);
    let mut told = until_refused(&said, "coordinator_unavailable");
    writer.execute_batch("COMMIT").unwrap();
    let output = run.wait_with_output().expect("the run ends");
    reader.join().unwrap();
    told.extend(said.try_iter());
    let stdout = succeeded(&["index"], &output);
    assert!(
        told.iter()
            .any(|l| l.starts_with("sync answered 503: coordinator_unavailable (")),
        "{told:?}"
    );
    assert!(
        stdout.contains(
            "resends: 0 while another run held the project, 1 while the coordinator was unavailable"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("phase 2: 2 chunks indexed, 0 not indexed"),
        "{stdout}"
    );
    index_follows(dir, store);
}

#[test]
fn runs_started_together_all_complete_and_the_index_follows_the_folder() {
    let folder = two_file_project();
    let store_dir = tempfile::tempdir().unwrap();
    let store_path = store_dir.path().join("store.sqlite");
    let (dir, store) = (
        folder.path().to_str().unwrap(),
        store_path.to_str().unwrap(),
    );
    let runs: Vec<_> = (0..RUNS_TOGETHER)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_index-sync"))
                .args(index_args(dir, store))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("index-sync runs")
        })
        .collect();
    for run in runs {
        let output = run.wait_with_output().expect("the run ends");
        let stdout = succeeded(&["index"], &output);
        assert!(
            stdout.contains("0 not indexed"),
            "whichever went first, each run completes:\n{stdout}"
        );
    }
    index_follows(dir, store);
}
