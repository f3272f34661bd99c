//! Locations after edits: the JSON form, and every location's lines holding its result's
//! code on disk, after a line is added at the top of a file, a file is moved, and a file is
//! copied; and the text a person reads, its code from the files on disk.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::common::figure;
use super::project::{Project, checked_locations};

/// The lines of each hash at `path`.
fn at(answer: &Value, path: &str) -> BTreeMap<String, Vec<(u64, u64)>> {
    let mut found: BTreeMap<String, Vec<(u64, u64)>> = BTreeMap::new();
    for result in answer["results"].as_array().unwrap() {
        for location in result["locations"].as_array().unwrap() {
            if location["filePath"] == path {
                found
                    .entry(result["hash"].as_str().unwrap().to_owned())
                    .or_default()
                    .push((
                        location["startLine"].as_u64().unwrap(),
                        location["endLine"].as_u64().unwrap(),
                    ));
            }
        }
    }
    found
}

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn the_json_form_names_lines_that_hold_the_code_after_shifts_moves_and_copies() {
    let project = Project::new();
    project.index();
    let before = project.search_json("retry with exponential backoff", &[]);
    assert_eq!(keys(&before), BTreeSet::from(["results"]));
    for result in before["results"].as_array().unwrap() {
        assert_eq!(
            keys(result),
            BTreeSet::from(["score", "hash", "summary", "locations", "snippet"]),
            "{result}"
        );
        for location in result["locations"].as_array().unwrap() {
            assert_eq!(
                keys(location),
                BTreeSet::from(["filePath", "startLine", "endLine"])
            );
        }
    }
    let files: BTreeSet<String> = checked_locations(&project.root, &before)
        .into_iter()
        .map(|(path, _, _)| path)
        .collect();
    assert_eq!(
        files,
        BTreeSet::from(
            [
                "docs/notes.md",
                "src/parse.rs",
                "src/retry.rs",
                "web/render.ts"
            ]
            .map(String::from)
        ),
        "every chunk is a result: topK exceeds the project"
    );

    // A line added at the top of one file, another file moved, a third copied.
    let retry = project.read("src/retry.rs");
    project.write("src/retry.rs", &format!("\n{retry}"));
    std::fs::create_dir_all(project.root.join("lib")).unwrap();
    std::fs::rename(
        project.root.join("src/parse.rs"),
        project.root.join("lib/parse.rs"),
    )
    .unwrap();
    std::fs::copy(
        project.root.join("web/render.ts"),
        project.root.join("web/render_copy.ts"),
    )
    .unwrap();
    let edit = project.index();
    assert_eq!(
        figure(&edit, "AI calls:"),
        0,
        "shifted, moved and copied code costs no AI call:\n{edit}"
    );
    assert!(edit.contains("\nclosing: 1 phase-1 requests"), "{edit}");

    let after = project.search_json("retry with exponential backoff", &[]);
    let places = checked_locations(&project.root, &after);
    assert!(places.iter().all(|(path, _, _)| path != "src/parse.rs"));
    assert_eq!(
        at(&after, "lib/parse.rs").len(),
        at(&before, "src/parse.rs").len()
    );
    let (shifted, was) = (at(&after, "src/retry.rs"), at(&before, "src/retry.rs"));
    assert!(!was.is_empty());
    for (hash, lines) in &was {
        let moved_down: Vec<(u64, u64)> = lines.iter().map(|(s, e)| (s + 1, e + 1)).collect();
        assert_eq!(shifted.get(hash), Some(&moved_down), "{hash}");
    }
    let (original, copy) = (
        at(&after, "web/render.ts"),
        at(&after, "web/render_copy.ts"),
    );
    assert_eq!(
        original, copy,
        "each copied chunk at both files, at the same lines"
    );
    assert_eq!(original, at(&before, "web/render.ts"));

    let again = project.index();
    assert!(
        again.contains(" in 1 requests; 1 unchanged of 1 parts"),
        "the closing phase 1 recorded the index clean: one request tells it unchanged:\n{again}"
    );
}

/// `search`'s blocks: `path:start-end  score`, then indented code.
fn blocks(text: &str) -> Vec<(String, usize, usize, Vec<&str>)> {
    let mut blocks = Vec::new();
    for block in text.split("\n\n") {
        let mut lines = block.lines();
        let head = lines.next().unwrap();
        let (place, score) = head.split_once("  ").expect("path:lines  score");
        // Three decimals; a real model's cosine may be below 0 (`-0.040`).
        let digits = score.strip_prefix('-').unwrap_or(score);
        assert!(score.parse::<f64>().is_ok() && digits.len() == 5, "{head}");
        let (path, range) = place.rsplit_once(':').unwrap();
        let (start, end) = range.split_once('-').unwrap();
        let code = lines.filter_map(|l| l.strip_prefix("    ")).collect();
        blocks.push((
            path.to_owned(),
            start.parse().unwrap(),
            end.parse().unwrap(),
            code,
        ));
    }
    blocks
}

#[test]
fn text_shows_each_location_with_its_code_from_the_file_and_says_when_it_changed() {
    let project = Project::new();
    project.index();
    let text = project.run(&["search", "parse a header line", "--top-k", "50"]);
    let found = blocks(&text);
    assert!(found.len() >= 4, "{text}");
    for (path, start, end, code) in &found {
        let file = project.read(path);
        let lines: Vec<&str> = file.split('\n').collect();
        let shown: Vec<&str> = code
            .iter()
            .copied()
            .filter(|l| !l.starts_with('…'))
            .collect();
        let last = (*end).min(start - 1 + shown.len());
        let expected = &lines[start - 1..last];
        assert_eq!(shown, expected, "{path}:{start}-{end}:\n{text}");
        if end - start + 1 > shown.len() {
            assert_eq!(
                code.last().copied(),
                Some(format!("… {} more lines", end - start + 1 - shown.len()).as_str())
            );
        }
    }

    // The file changes and is not indexed again: the index's copy is shown, and why.
    project.write("src/parse.rs", &"// replaced\n".repeat(40));
    let stale = project.run(&["search", "parse a header line", "--path", "src/parse.rs"]);
    assert!(stale.starts_with("src/parse.rs:"), "{stale}");
    assert!(
        stale.contains("(as indexed: the file has changed since"),
        "{stale}"
    );
    assert!(!stale.contains("// replaced"), "{stale}");
}
