//! The walk: every occurrence with its lines, and this repository's own sources cut
//! within the model's limit by the model's own tokenizer.

use std::collections::BTreeMap;
use std::path::Path;

use super::super::pieces::Budget;
use super::super::{Chunk, walk};
use super::{check, vocabulary, word_budget};

#[test]
fn identical_code_is_one_hash_at_each_of_its_places() {
    let dir = tempfile::tempdir().unwrap();
    let function =
        "/// Twice the input.\nfn double(x: u32) -> u32 {\n    let y = x * 2;\n    y\n}\n";
    let other = "fn unrelated() -> &'static str {\n    \"a different function, long enough to stand alone in its own chunk of the file\"\n}\n";
    let twice = format!("{function}\n{other}\n{function}");
    std::fs::write(dir.path().join("a.rs"), &twice).unwrap();
    std::fs::write(dir.path().join("b.rs"), function).unwrap();
    let found = walk(dir.path(), &Budget::new(&super::words, 30)).unwrap();
    let hash = |c: &Chunk| c.hash.clone();
    let doubles: Vec<&Chunk> = found
        .chunks
        .iter()
        .filter(|c| c.code.contains("fn double"))
        .collect();
    let places: Vec<(&str, u32, u32)> = doubles
        .iter()
        .map(|c| (c.file_path.as_str(), c.start_line, c.end_line))
        .collect();
    assert_eq!(places, [("a.rs", 1, 5), ("a.rs", 11, 15), ("b.rs", 1, 5)]);
    assert!(
        doubles.iter().all(|c| hash(c) == hash(doubles[0])),
        "one hash"
    );
    assert_eq!(found.files, 2);
}

#[test]
fn a_chunk_names_the_lines_that_hold_its_code() {
    let dir = tempfile::tempdir().unwrap();
    let code = "class Greeter:\n    def hello(self):\n        return 'hello'\n\n    def bye(self):\n        return 'bye'\n";
    std::fs::write(dir.path().join("greeter.py"), code).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "first\n\nsecond\n").unwrap();
    for budget in [word_budget(), Budget::new(&super::words, 12)] {
        let found = walk(dir.path(), &budget).unwrap();
        let by_file = found
            .chunks
            .iter()
            .fold(BTreeMap::<&str, Vec<&Chunk>>::new(), |mut m, c| {
                m.entry(c.file_path.as_str()).or_default().push(c);
                m
            });
        for (file, chunks) in by_file {
            let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
            check(file, &text, &budget, &pieces(&chunks));
        }
    }
}

#[test]
fn this_repository_is_cut_within_the_models_limit() {
    let Some(tokenizer) = vocabulary("this_repository_is_cut_within_the_models_limit") else {
        return;
    };
    let budget = Budget::model(tokenizer);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let found = walk(&root, &budget).unwrap();
    assert!(found.files > 100 && found.chunks.len() > 1000, "{found:?}");
    let mut by_file: BTreeMap<&str, Vec<&Chunk>> = BTreeMap::new();
    for chunk in &found.chunks {
        by_file.entry(&chunk.file_path).or_default().push(chunk);
    }
    for (file, chunks) in by_file {
        let Ok(text) = std::fs::read_to_string(root.join(file)) else {
            continue; // changed by someone meanwhile
        };
        check(file, &text, &budget, &pieces(&chunks));
    }
}

/// Chunks as the pieces they were made of.
fn pieces(chunks: &[&Chunk]) -> Vec<super::super::Piece> {
    chunks
        .iter()
        .map(|c| super::super::Piece {
            code: c.code.clone(),
            start_line: c.start_line,
            end_line: c.end_line,
            context_lines: c.context_lines,
        })
        .collect()
}
