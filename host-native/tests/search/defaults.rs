//! The defaults of the local tool: the user from `git config user.email` of the folder,
//! else the login name, else an error asking for `--user`; the project from the folder's
//! name; the store in the folder's `.index-sync/`; `search` from anywhere inside the
//! project finds both; `index` says what it took and from where.

use std::process::Command;

use super::common::figure;
use super::project::{Project, succeeded};

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

#[test]
fn user_project_and_store_default_to_the_folders_and_index_says_so() {
    let project = Project::new();
    let first = project.index();
    assert_eq!(
        first_line(&first),
        "user alice ($USER), project demo (folder name)"
    );
    assert!(project.root.join(".index-sync/store.sqlite").is_file());

    // From a subfolder, search finds the project's store and name.
    let args = ["search", "--json", "exponential backoff"];
    let found = succeeded(&args, &project.run_in("src/", &args));
    assert!(found.contains("\"src/retry.rs\""), "{found}");

    // In a repository with an e-mail, the e-mail is the user: another tenant, whose
    // vectors come from the shared cache.
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(args)
            .current_dir(&project.root)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["config", "user.email", "bob@example.com"]);
    let bob = project.index();
    assert_eq!(
        first_line(&bob),
        "user bob@example.com (git config user.email), project demo (folder name)"
    );
    assert_eq!(figure(&bob, "AI calls:"), 0, "{bob}");
    assert_eq!(
        figure(&bob, "vectors written:"),
        figure(&first, "vectors written:")
    );

    let named = project.run(&["index", ".", "--user", "carol", "--project", "other"]);
    assert_eq!(
        first_line(&named),
        "user carol (--user), project other (--project)"
    );
}

#[test]
fn without_any_user_or_index_the_tool_says_what_to_pass_or_run() {
    let project = Project::new();
    let output = Command::new(env!("CARGO_BIN_EXE_index-sync"))
        .args(["index", "."])
        .current_dir(&project.root)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("USER")
        .env_remove("LOGNAME")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("pass --user"), "{stderr}");

    let never = project.run_in("src", &["search", "backoff"]);
    let stderr = String::from_utf8_lossy(&never.stderr);
    assert!(!never.status.success());
    assert!(
        stderr.contains("no index at ") && stderr.contains("run `index-sync index .`"),
        "{stderr}"
    );
    assert!(
        !project.root.join(".index-sync").exists(),
        "search made no store"
    );
}
