//! `search`'s filters: `--path` (a folder, a file or a glob; one folder is the engine's
//! `pathPrefix`), `--exclude`, `--lang`; results narrowed to the places they admit, none at
//! all an empty list, and a filter the engine refuses exit status 2 with its message.

use serde_json::Value;

use super::project::{Project, checked_locations, succeeded};

fn paths(project: &Project, answer: &Value) -> Vec<String> {
    checked_locations(&project.root, answer)
        .into_iter()
        .map(|(path, _, _)| path)
        .collect()
}

#[test]
fn filters_narrow_results_to_the_places_they_admit() {
    let project = Project::new();
    project.index();
    let query = "retry with exponential backoff";
    let all = paths(&project, &project.search_json(query, &[]));
    assert!(
        all.iter().any(|p| p.starts_with("src/")) && all.iter().any(|p| !p.starts_with("src/"))
    );

    for (args, admitted) in [
        (
            vec!["--path", "src"],
            &(|p: &str| p.starts_with("src/")) as &dyn Fn(&str) -> bool,
        ),
        (vec!["--path", "src/retry.rs"], &|p| p == "src/retry.rs"),
        (vec!["--path", "src/*.rs", "--path", "web"], &|p| {
            p.starts_with("web/") || (p.starts_with("src/") && p.ends_with(".rs"))
        }),
        (vec!["--lang", "ts", "--lang", "md"], &|p| {
            p.ends_with(".ts") || p.ends_with(".md")
        }),
        (vec!["--exclude", "src", "--exclude", "*.md"], &|p| {
            !p.starts_with("src/") && !p.ends_with(".md")
        }),
    ] {
        let found = paths(&project, &project.search_json(query, &args));
        assert!(!found.is_empty(), "{args:?}");
        assert!(found.iter().all(|p| admitted(p)), "{args:?}: {found:?}");
        let expected: Vec<&String> = all.iter().filter(|p| admitted(p)).collect();
        assert_eq!(found.iter().collect::<Vec<_>>(), expected, "{args:?}");
    }

    // A folder is named from the current folder, as a shell completes it.
    let args = ["search", "--json", "--top-k", "50", query, "--path", "."];
    let from_src = succeeded(&args, &project.run_in("src", &args));
    let found = paths(&project, &serde_json::from_str(&from_src).unwrap());
    assert!(
        !found.is_empty() && found.iter().all(|p| p.starts_with("src/")),
        "{found:?}"
    );

    assert_eq!(
        project.search_json(query, &["--path", "nowhere/"]),
        serde_json::json!({"results": []})
    );
}

#[test]
fn a_filter_the_engine_refuses_exits_2_with_its_message() {
    let project = Project::new();
    project.index();
    for bad in [
        ["--path", "src/["],
        ["--lang", ".rs"],
        ["--exclude", "a//b"],
    ] {
        let args = [&["search", "retry"][..], &bad[..]].concat();
        let output = project.run_in(".", &args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{bad:?}: {stderr}");
        assert!(
            stderr.starts_with("index-sync search: invalid_filter: "),
            "{stderr}"
        );
        assert!(output.stdout.is_empty(), "{bad:?}");
    }
}
