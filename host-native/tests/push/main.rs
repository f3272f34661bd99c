//! `index-sync push` against a stand-in Worker: the engine with the in-memory fakes behind a
//! loopback HTTP server that knows two tokens and can be told to answer "later" (429 with
//! Retry-After, 503) or to drop the connection, or to serve while another client holds the
//! project (the engine's `409 tenant_busy`). A push indexes a folder; an edit is pushed as
//! removals, moves and the one changed chunk; resends carry a push through the faults and
//! through another client's turn; a wrong token changes nothing; `--dry-run` sends nothing.

#[path = "../common/mod.rs"]
mod common;
mod worker;

use common::{figure, index_sync_with, succeeded, two_file_project, write};
use serde_json::Value;
use worker::{Fault, Worker};

/// The two-file project with a third file, which a later push no longer holds.
fn folder() -> tempfile::TempDir {
    let dir = two_file_project();
    write(dir.path(), "src/old.rs", b"fn legacy_export() {}\n");
    dir
}

fn push(
    worker: &Worker,
    dir: &std::path::Path,
    token: &str,
    extra: &[&str],
) -> std::process::Output {
    let dir = dir.to_str().unwrap();
    let mut args = vec![
        "push",
        dir,
        "--url",
        &worker.url,
        "--project",
        "demo",
        "--retry-base-ms",
        "10",
    ];
    if !extra.contains(&"--timeout") {
        args.extend(["--timeout", "20"]);
    }
    args.extend_from_slice(extra);
    index_sync_with(&args, &[("INDEX_SYNC_TOKEN", token)])
}

fn files(results: &[Value]) -> Vec<&str> {
    let mut files: Vec<&str> = results
        .iter()
        .filter_map(|r| r["filePath"].as_str())
        .collect();
    files.sort_unstable();
    files
}

#[test]
fn a_push_indexes_a_folder_and_a_second_push_sends_only_the_edit() {
    let worker = Worker::start();
    let dir = folder();
    let first = succeeded(&["push"], &push(&worker, dir.path(), "tok-alice", &[]));
    assert_eq!(figure(&first, "phase 1:"), 3, "{first}");
    assert_eq!(figure(&first, "phase 2:"), 3, "{first}");
    assert_eq!(
        files(&worker.search("alice", "parse header")),
        ["src/old.rs", "src/parse.rs", "src/render.rs"]
    );
    assert!(
        worker.search("bob", "parse header").is_empty(),
        "bob sees none of alice's code"
    );

    // Phase 2 leaves no record state; the push's closing listing, all cached, writes it.
    assert!(first.contains("\nclosing: 1 phase-1 requests"), "{first}");
    worker.seen();
    let unchanged = succeeded(&["push"], &push(&worker, dir.path(), "tok-alice", &[]));
    assert_eq!(
        worker.seen(),
        [
            ("/v1/index/sync".to_owned(), 200),
            ("/v1/index/usage".to_owned(), 200)
        ],
        "one digest, answered unchanged, then the user's usage:\n{unchanged}"
    );

    std::fs::remove_file(dir.path().join("src/old.rs")).unwrap();
    std::fs::rename(
        dir.path().join("src/render.rs"),
        dir.path().join("lib/render.rs"),
    )
    .ok();
    write(
        dir.path(),
        "lib/render.rs",
        b"fn render_page(page: Page) -> String {\n    page.title\n}\n",
    );
    std::fs::remove_file(dir.path().join("src/render.rs")).ok();
    write(
        dir.path(),
        "src/parse.rs",
        b"fn parse_header(input: &str) -> Header {\n    parse(input)\n}\n",
    );
    worker.seen();
    let ai_before = worker.calls("ai.run");
    let edit = succeeded(&["push"], &push(&worker, dir.path(), "tok-alice", &[]));
    assert!(
        edit.contains("2 chunks needed, 0 cached, 2 removed"),
        "{edit}"
    );
    // The moved chunk is sent again for its new file; the shared cache spares it the AI.
    assert_eq!(figure(&edit, "phase 2:"), 2, "{edit}");
    assert_eq!(
        worker.calls("ai.run") - ai_before,
        2,
        "one summary and one embedding, for the changed chunk"
    );
    assert_eq!(
        files(&worker.search("alice", "render page")),
        ["lib/render.rs", "src/parse.rs"]
    );
    assert!(worker.seen().iter().all(|(path, status)| {
        ["/v1/index/sync", "/v1/index/usage"].contains(&path.as_str()) && *status == 200
    }));
}

#[test]
fn resends_carry_a_push_through_429_503_and_a_stalled_answer() {
    let worker = Worker::start();
    let dir = folder();
    worker.fail_next(&[
        Fault::Status(429, Some("1")),
        Fault::Status(503, None),
        Fault::Stall,
    ]);
    let started = std::time::Instant::now();
    let out = succeeded(
        &["push"],
        &push(&worker, dir.path(), "tok-alice", &["--timeout", "2"]),
    );
    assert!(
        started.elapsed().as_secs_f64() >= 3.0,
        "the Retry-After of 1 s, and the 2 s of the stalled answer"
    );
    assert!(out.contains("(3 resends"), "{out}");
    assert_eq!(figure(&out, "phase 2:"), 3, "{out}");
    let seen = worker.seen();
    let statuses: Vec<u16> = seen.iter().map(|(_, s)| *s).collect();
    assert_eq!(statuses[..4], [429, 503, 0, 200], "{seen:?}");
    assert_eq!(files(&worker.search("alice", "parse")).len(), 3);
}

#[test]
fn a_push_waits_while_another_client_holds_the_project_and_completes() {
    let worker = Worker::start();
    let dir = folder();
    // The first request, the listing's digest, only reads the record state (there is none
    // yet): it takes no lease and is served. The listing is refused three times.
    worker.fail_next(&[Fault::Busy; 4]);
    let started = std::time::Instant::now();
    // One resend allowed for failures: the three refusals are not failures.
    let out = push(&worker, dir.path(), "tok-alice", &["--retries", "1"]);
    let stdout = succeeded(&["push"], &out);
    assert!(
        started.elapsed().as_secs_f64() >= 3.0,
        "each 409 asks for 1 s (Retry-After), and is waited for"
    );
    assert!(
        stdout.contains("(3 resends, 3 of them while another client held the project"),
        "{stdout}"
    );
    assert_eq!(figure(&stdout, "phase 2:"), 3, "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr
            .matches("answered 409: tenant_busy (another request of this user and project is changing its index; resend in 1 s); another client is changing the project; again in")
            .count(),
        3,
        "{stderr}"
    );
    let seen = worker.seen();
    let statuses: Vec<u16> = seen.iter().map(|(_, s)| *s).collect();
    assert_eq!(statuses[..5], [200, 409, 409, 409, 200], "{seen:?}");
    assert_eq!(files(&worker.search("alice", "parse")).len(), 3);

    // A project kept busy longer than --busy-wait is given up on, and says so.
    worker.fail_next(&[Fault::Busy; 4]);
    write(dir.path(), "src/new.rs", b"fn brand_new() {}\n");
    let out = push(&worker, dir.path(), "tok-alice", &["--busy-wait", "2"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("other clients kept the project busy for 2 s: giving up"),
        "{stderr}"
    );
    let statuses: Vec<u16> = worker.seen().iter().map(|(_, s)| *s).collect();
    assert_eq!(
        statuses,
        [200, 409, 409, 409],
        "the digest, then the listing refused: waited 1 s, 1 s, and a third wait would pass 2 s"
    );
}

#[test]
fn a_push_gives_up_clearly_when_the_worker_stays_busy() {
    let worker = Worker::start();
    let dir = folder();
    worker.fail_next(&[Fault::Status(503, None); 3]);
    let out = push(&worker, dir.path(), "tok-alice", &["--retries", "2"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("answered 503: later (busy); giving up after 2 resends"),
        "{stderr}"
    );
    assert_eq!(worker.seen().len(), 3);
    assert_eq!(
        worker.calls("kv.get") + worker.calls("kv.put"),
        0,
        "nothing ran"
    );

    worker.fail_next(&[Fault::Status(429, Some("3600"))]);
    let out = push(&worker, dir.path(), "tok-alice", &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the Worker asks to wait 3600 s: giving up"),
        "{stderr}"
    );
}

#[test]
fn a_wrong_or_missing_token_changes_nothing() {
    let worker = Worker::start();
    let dir = folder();
    let out = push(&worker, dir.path(), "tok-mallory", &[]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("answered 401: unauthenticated"), "{stderr}");
    assert_eq!(worker.seen().len(), 1, "a 401 is not resent");
    let out = push(&worker, dir.path(), "", &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no token"));
    assert_eq!(worker.seen().len(), 0);
    assert!(
        worker.stand.lock().unwrap().world.calls().is_empty(),
        "nothing ran"
    );
}

#[test]
fn a_dry_run_sends_nothing_and_says_what_would_go() {
    let worker = Worker::start();
    let dir = folder();
    let out = succeeded(&["push"], &push(&worker, dir.path(), "", &["--dry-run"]));
    assert!(
        out.contains("3 chunks (3 with the files they are in); nothing is sent"),
        "{out}"
    );
    assert!(out.contains("a complete listing in 1 parts"), "{out}");
    assert!(out.contains("at most 3 chunks in 1 requests"), "{out}");
    assert!(worker.seen().is_empty());
}

#[test]
fn plain_http_is_refused_beyond_this_machine() {
    let dir = folder();
    let args = [
        "push",
        dir.path().to_str().unwrap(),
        "--url",
        "http://index.example.com",
        "--project",
        "demo",
    ];
    let out = index_sync_with(&args, &[("INDEX_SYNC_TOKEN", "tok-alice")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("clear text"));
}

#[test]
fn a_worker_that_cannot_be_reached_is_retried_then_given_up_on() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port(); // closed again at once: nothing listens there
    let dir = folder();
    let url = format!("http://127.0.0.1:{port}");
    let args = [
        "push",
        dir.path().to_str().unwrap(),
        "--url",
        &url,
        "--project",
        "demo",
        "--retries",
        "2",
        "--retry-base-ms",
        "10",
    ];
    let out = index_sync_with(&args, &[("INDEX_SYNC_TOKEN", "tok-alice")]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("giving up after 2 resends"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(figure(&stdout, "requests:"), 3, "{stdout}");
}

#[test]
fn a_quota_stops_a_push_with_status_3_and_its_reset_and_nothing_is_resent() {
    let worker = Worker::with_config(r#"{"quotas": {"aiChunksPerUserPerDay": 2}}"#);
    let dir = folder();
    let out = push(&worker, dir.path(), "tok-alice", &[]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(3), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("stopped by a quota") && stderr.contains("aiChunksPerUserPerDay (2)"),
        "{stderr}"
    );
    assert!(stderr.contains("resets at "), "{stderr}");
    assert!(
        stdout.contains("usage: 2 AI chunks today and 2 vectors held in demo"),
        "{stdout}"
    );
    assert!(stdout.contains("quotas: 2 AI chunks a day"), "{stdout}");
    let paths: Vec<String> = worker.seen().into_iter().map(|(path, _)| path).collect();
    // Phase 1 (its digest, then its listing), one phase 2 (two indexed, one refused), no
    // resend and no closing listing, then the usage.
    assert_eq!(
        paths,
        [
            "/v1/index/sync",
            "/v1/index/sync",
            "/v1/index/sync",
            "/v1/index/usage"
        ],
        "{stdout}"
    );

    // Another user pushing the same code pays only for what the shared cache lacks: one
    // chunk of the three, within the same quota of 2.
    let other = push(&worker, dir.path(), "tok-bob", &[]);
    let stdout = String::from_utf8_lossy(&other.stdout);
    assert_eq!(other.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("phase 2: 3 chunks indexed"), "{stdout}");
    assert!(
        stdout.contains("usage: 1 AI chunks today and 3 vectors held in demo"),
        "{stdout}"
    );
}
