//! Search's filters read by the checker on its own, as README writes them: a place passes
//! when its path starts with `pathPrefix`, matches one of the `include` globs (when given),
//! none of the `exclude` globs, and ends with `.` and one of the `lang` extensions (when
//! given, letters compared without regard to case).
//!
//! The globs are matched by the `ignore` crate's `.gitignore` matcher (the command-line
//! tool's walker uses it), not by the engine's own: the spec says "as `.gitignore` does",
//! so a second implementation of it, written and tested elsewhere, is the oracle. Each
//! pattern is added as a line of a `.gitignore` whose special lines are escaped (a leading
//! `!` or `#`, trailing spaces), and a place passes a list of globs when the place or one
//! of its folders is matched, as the engine's matcher says a folder's pattern covers what
//! is inside it.

use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use serde_json::Value;

/// One search's filter.
pub struct SearchFilter {
    path_prefix: Option<String>,
    include: Option<Gitignore>,
    exclude: Option<Gitignore>,
    /// Lower-case, each with its leading `.`.
    lang: Option<Vec<String>>,
}

impl SearchFilter {
    /// The filter of a search body: `Ok(None)` when it gives none; `Err` when it is not one
    /// the checker can read (of the wrong form, which the engine must refuse, or a pattern
    /// the oracle does not compile).
    pub fn of(body: &Value) -> Result<Option<Self>, String> {
        let field = |name: &str| body.get(name).filter(|v| !v.is_null());
        let (prefix, include, exclude, lang) = (
            field("pathPrefix"),
            field("include"),
            field("exclude"),
            field("lang"),
        );
        if prefix.is_none() && include.is_none() && exclude.is_none() && lang.is_none() {
            return Ok(None);
        }
        let path_prefix = match prefix {
            None => None,
            Some(Value::String(prefix)) => Some(prefix.clone()),
            Some(other) => return Err(format!("pathPrefix {other}")),
        };
        let lang = match lang {
            None => None,
            Some(Value::String(one)) => Some(vec![one.clone()]),
            Some(many) => Some(strings("lang", many)?),
        };
        Ok(Some(Self {
            path_prefix,
            include: include.map(|v| globs("include", v)).transpose()?,
            exclude: exclude.map(|v| globs("exclude", v)).transpose()?,
            lang: lang.map(|l| l.iter().map(|e| format!(".{}", e.to_lowercase())).collect()),
        }))
    }

    /// Whether a place at `path` passes; `None` for a path from the root (`/…`), which a
    /// `.gitignore` matcher does not take.
    pub fn admits(&self, path: &str) -> Option<bool> {
        if path.starts_with('/') {
            return None;
        }
        let matched = |globs: &Gitignore| {
            matches!(
                globs.matched_path_or_any_parents(path, false),
                Match::Ignore(_)
            )
        };
        let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        Some(
            self.path_prefix
                .as_deref()
                .is_none_or(|prefix| path.starts_with(prefix))
                && self.include.as_ref().is_none_or(matched)
                && !self.exclude.as_ref().is_some_and(matched)
                && self
                    .lang
                    .as_ref()
                    .is_none_or(|extensions| extensions.iter().any(|e| name.ends_with(e))),
        )
    }
}

fn strings(name: &str, value: &Value) -> Result<Vec<String>, String> {
    let items = value.as_array().ok_or_else(|| format!("{name} {value}"))?;
    items
        .iter()
        .map(|item| item.as_str().map(str::to_owned))
        .collect::<Option<_>>()
        .ok_or_else(|| format!("{name} {value}"))
}

/// A matcher of any of `value`'s patterns. An include list that is empty matches nothing,
/// as a `.gitignore` of no lines ignores nothing.
fn globs(name: &str, value: &Value) -> Result<Gitignore, String> {
    let mut builder = GitignoreBuilder::new(".");
    for pattern in strings(name, value)? {
        builder
            .add_line(None, &as_gitignore_line(&pattern))
            .map_err(|e| format!("{name} {pattern:?}: {e}"))?;
    }
    builder.build().map_err(|e| format!("{name}: {e}"))
}

/// `pattern` as a `.gitignore` line that means the pattern itself: a leading `!` (negation)
/// or `#` (comment) escaped, and trailing spaces (trimmed by `.gitignore`) escaped.
fn as_gitignore_line(pattern: &str) -> String {
    let body = pattern.trim_end_matches(' ');
    let spaces = pattern.len() - body.len();
    let lead = if body.starts_with(['!', '#']) {
        "\\"
    } else {
        ""
    };
    format!("{lead}{body}{}", "\\ ".repeat(spaces))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn admits(filter: Value, path: &str) -> bool {
        let filter = SearchFilter::of(&filter).unwrap().unwrap();
        filter.admits(path).unwrap()
    }

    #[test]
    fn globs_read_as_gitignore_reads_them() {
        let include = |glob: &str, path: &str| admits(json!({"include": [glob]}), path);
        assert!(include("*.rs", "src/a.rs"), "a name in any folder");
        assert!(!include("*.rs", "src/a.RS"), "with regard to case");
        assert!(
            include("ui", "src/ui/b.ts"),
            "a folder covers what it holds"
        );
        assert!(include("tests/", "tests/c.py") && !include("tests/", "src/tests"));
        assert!(include("src/**", "src/ui/b.ts") && !include("src/**", "lib/src/a.rs"));
        assert!(include("/src/*.rs", "src/a.rs") && !include("/src/*.rs", "src/ui/a.rs"));
        assert!(include("**/b.*", "src/ui/b.ts") && include("[a-c].*", "tests/c.py"));
        assert!(include("[!a].rs", "b.rs") && !include("[!a].rs", "a.rs"));
        assert!(include("!x", "!x") && include("#x", "d/#x") && include("x ", "x "));
        assert!(!admits(json!({"include": []}), "a.rs"), "no glob: nothing");
        assert!(!admits(json!({"exclude": ["src/"]}), "src/a.rs"));
        assert!(admits(json!({"lang": "rs"}), "lib/x:1-2.RS"));
        assert!(admits(json!({"lang": ["py", "D.TS"]}), "t/x.d.ts"));
        assert!(
            !admits(json!({"lang": "ts"}), "ts"),
            "a name is no extension"
        );
        assert!(admits(json!({"pathPrefix": "src/u"}), "src/ui/b.ts"));
        assert!(SearchFilter::of(&json!({"query": "q"})).unwrap().is_none());
        assert!(SearchFilter::of(&json!({"include": "*.rs"})).is_err());
    }
}
