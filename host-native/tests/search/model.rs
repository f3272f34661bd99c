//! The default AI is the real model: `index` and `search` with every default embed with
//! all-MiniLM-L6-v2 in the process, make no summary, and a question in a person's own
//! words (none of the code's identifiers) finds the file that answers it first. `--ai
//! fake` for a search of that index is refused, and `index --ai fake` rebuilds it.

use serde_json::Value;

use super::common::figure;
use super::project::Project;

/// Questions a person would ask, and the file that answers each.
const QUESTIONS: [(&str, &str); 4] = [
    ("how long to sleep before trying again", "src/retry.rs"),
    ("split a header into its name and its value", "src/parse.rs"),
    ("make text safe to put inside a web page", "web/render.ts"),
    (
        "documentation about how failures are handled",
        "docs/notes.md",
    ),
];

fn first_file(answer: &Value) -> &str {
    answer["results"][0]["locations"][0]["filePath"]
        .as_str()
        .unwrap_or_default()
}

#[test]
fn a_question_in_plain_words_finds_the_right_file_first_with_the_real_model() {
    let project = Project::new();
    let report = project.index();
    assert!(
        report.contains("AI: local (default): local/all-MiniLM-L6-v2 in this process"),
        "{report}"
    );
    let chunks = figure(&report, "vectors written:");
    assert!(chunks >= 4, "{report}");
    assert_eq!(
        figure(&report, "embedded:"),
        chunks,
        "every chunk embedded by the model:\n{report}"
    );
    for (question, file) in QUESTIONS {
        let answer = project.search_json(question, &[]);
        assert_eq!(first_file(&answer), file, "{question}: {answer:#}");
        let summaries: Vec<&Value> = answer["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| &r["summary"])
            .collect();
        assert!(
            summaries.iter().all(|s| *s == ""),
            "no summary pretends to be one: {summaries:?}"
        );
    }

    let refused = project.run_in(".", &["search", "--ai", "fake", "retry"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        stderr.contains("built with --ai local") && stderr.contains("index . --ai fake"),
        "{stderr}"
    );

    let fake = project.run(&["index", ".", "--ai", "fake"]);
    assert!(
        fake.contains("rebuilt: the index was built with --ai local (config ")
            && fake.contains(&format!("its {chunks} chunks were removed")),
        "{fake}"
    );
    assert_eq!(figure(&fake, "vectors written:"), chunks, "{fake}");
    let again = project.index();
    assert!(
        again.contains("AI: fake (the project's index)"),
        "index follows the project's AI:\n{again}"
    );
    assert_eq!(figure(&again, "AI calls:"), 0, "{again}");
}
