//! `index-sync index` end to end on a small folder: the real two-phase sync through the
//! component into a SQLite file. Unchanged code is never sent to the AI twice, neither by
//! the same tenant (its markers) nor by another user (the shared embedding cache).

use std::path::Path;
use std::process::Command;

/// Runs the binary; returns its standard output, failing the test on a non-zero exit.
fn index_sync(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_index-sync"))
        .args(args)
        .output()
        .expect("index-sync runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "index-sync {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The number after `label` on its line of the report.
fn figure(report: &str, label: &str) -> u64 {
    let line = report
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no {label:?} in\n{report}"));
    line[label.len()..]
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number in {line:?}"))
}

fn write(dir: &Path, path: &str, text: &[u8]) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A folder of two source files, one ignored file and one binary file.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".gitignore", b"secret.rs\n");
    write(
        dir.path(),
        "src/parse.rs",
        b"fn parse_header(input: &str) -> Header {\n    todo()\n}\n\nfn parse_body() {}\n",
    );
    write(
        dir.path(),
        "src/render.rs",
        b"fn render_page(page: Page) -> String {\n    page.title\n}\n",
    );
    write(dir.path(), "secret.rs", b"fn leaked_secret_token() {}\n");
    write(dir.path(), "logo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    dir
}

#[test]
fn a_second_run_and_a_second_user_make_no_ai_call() {
    let folder = project();
    let store_dir = tempfile::tempdir().unwrap();
    let store = store_dir.path().join("store.sqlite");
    let (dir, store) = (folder.path().to_str().unwrap(), store.to_str().unwrap());
    let run = |user: &str| {
        index_sync(&[
            "index",
            dir,
            "--user",
            user,
            "--project",
            "demo",
            "--store",
            store,
        ])
    };

    let first = run("alice@example.com");
    assert!(
        first.contains("2 files read, 1 skipped (binary, huge or unreadable), 2 chunks"),
        "the ignored file is not read, the binary one is skipped:\n{first}"
    );
    assert_eq!(figure(&first, "phase 1:"), 2, "{first}");
    assert!(figure(&first, "AI calls:") > 0, "{first}");
    assert_eq!(figure(&first, "vectors written:"), 2, "{first}");

    let again = run("alice@example.com");
    assert_eq!(
        figure(&again, "phase 1:"),
        0,
        "nothing needed the second time:\n{again}"
    );
    assert_eq!(figure(&again, "AI calls:"), 0, "{again}");
    assert_eq!(figure(&again, "vectors written:"), 0, "{again}");

    let bob = run("bob@example.com");
    assert_eq!(
        figure(&bob, "phase 1:"),
        2,
        "bob has no marker of his own:\n{bob}"
    );
    assert_eq!(
        figure(&bob, "AI calls:"),
        0,
        "the shared cache serves bob:\n{bob}"
    );
    assert_eq!(
        figure(&bob, "vectors written:"),
        2,
        "bob gets vectors of his own:\n{bob}"
    );

    let found = index_sync(&[
        "search",
        "parse header",
        "--user",
        "bob@example.com",
        "--project",
        "demo",
        "--store",
        store,
    ]);
    assert!(
        found
            .lines()
            .next()
            .is_some_and(|l| l.contains("src/parse.rs")),
        "{found}"
    );
    let other = index_sync(&[
        "search",
        "parse header",
        "--user",
        "carol@example.com",
        "--project",
        "demo",
        "--store",
        store,
    ]);
    assert!(
        other.starts_with("no results"),
        "carol indexed nothing:\n{other}"
    );
}
