//! `index-sync index` end to end on a small folder: the real two-phase sync through the
//! component into a SQLite file. Unchanged code is never sent to the AI twice, neither by
//! the same tenant (its markers) nor by another user (the shared embedding cache).

mod common;

use common::{figure, index_sync, write};

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

/// The figure after `label` and before `word` on the report line that starts with `start`.
fn figure_before(report: &str, start: &str, word: &str) -> u64 {
    let line = report
        .lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no {start:?} in\n{report}"));
    let words: Vec<&str> = line.split([' ', ',']).filter(|w| !w.is_empty()).collect();
    let at = words
        .iter()
        .position(|w| *w == word)
        .unwrap_or_else(|| panic!("no {word:?} in {line:?}"));
    words[at - 1]
        .parse()
        .unwrap_or_else(|_| panic!("no number before {word:?} in {line:?}"))
}

#[test]
fn deleted_moved_and_copied_files_leave_search_naming_only_files_that_hold_the_code() {
    let folder = project();
    let store_dir = tempfile::tempdir().unwrap();
    let store = store_dir.path().join("store.sqlite");
    let (dir, store) = (folder.path(), store.to_str().unwrap());
    let tenant = [
        "--user",
        "alice@example.com",
        "--project",
        "demo",
        "--store",
        store,
    ];
    let run = |args: &[&str]| index_sync(&[args, &tenant[..]].concat());
    let first = run(&["index", dir.to_str().unwrap()]);
    assert_eq!(figure(&first, "phase 1:"), 2, "{first}");

    // Delete one file, move the other, and copy it.
    std::fs::remove_file(dir.join("src/parse.rs")).unwrap();
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::rename(dir.join("src/render.rs"), dir.join("lib/render.rs")).unwrap();
    std::fs::copy(dir.join("lib/render.rs"), dir.join("lib/copy.rs")).unwrap();
    let second = run(&["index", dir.to_str().unwrap()]);
    assert_eq!(
        figure_before(&second, "phase 1:", "removed"),
        1,
        "the deleted file's chunk:\n{second}"
    );
    assert_eq!(
        figure_before(&second, "phase 1:", "chunks"),
        1,
        "the moved chunk:\n{second}"
    );
    assert_eq!(
        figure(&second, "AI calls:"),
        0,
        "moves and copies come from the cache:\n{second}"
    );

    let found = run(&["search", "render page title"]);
    let best = found.lines().next().unwrap_or_default();
    let (place, score) = best.split_once("  ").unwrap_or_default();
    assert_eq!(place, "lib/copy.rs:1-3", "{found}");
    assert!(
        found.contains(&format!("\n\nlib/render.rs:1-3  {score}\n")),
        "every place holding it, a block each:\n{found}"
    );
    assert!(
        !found.contains("src/"),
        "no file that no longer holds the code:\n{found}"
    );
    let gone = run(&["search", "parse header body"]);
    assert!(
        !gone.contains("parse.rs"),
        "the deleted file is not found:\n{gone}"
    );

    assert!(
        second.contains("\nclosing: 1 phase-1 requests"),
        "the run that changed the index listed it again, to record it clean:\n{second}"
    );
    let third = run(&["index", dir.to_str().unwrap()]);
    assert_eq!(figure_before(&third, "phase 1:", "cached"), 1, "{third}");
    assert_eq!(figure(&third, "vectors written:"), 0, "{third}");
    assert_eq!(
        figure_before(&third, "phase 1:", "unchanged"),
        1,
        "the second run's closing listing proved the listing is the index: the digest \
         tells the rest:\n{third}"
    );
    assert_eq!(figure_before(&third, "phase 1:", "requests;"), 1, "{third}");
    assert!(!third.contains("closing:"), "nothing changed: {third}");

    let removed = run(&["remove", "--all"]);
    assert!(removed.starts_with("1 chunks removed"), "{removed}");
    let none = run(&["search", "render page title"]);
    assert!(none.starts_with("no results"), "{none}");
}
