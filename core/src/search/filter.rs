//! Search's filters: which places a result may be found at. A place passes when its path
//! starts with `pathPrefix`, matches one of the `include` globs (when given), none of the
//! `exclude` globs, and ends with one of the `lang` extensions (when given, compared without
//! regard to case). A result is kept when one of its places passes, and is shown at those
//! places only.
//!
//! Applied by the engine to what Vectorize returns, not by a Vectorize metadata filter:
//! globs and extensions over a list of paths are beyond Vectorize's filters (equality and
//! ranges over one indexed value), and a metadata index per field would cost every
//! deployment a migration. So with any filter the query asks for `maxTopK` candidates (the
//! most Vectorize returns with metadata) and the filtered best `topK` of those are kept:
//! the same single query, but only the 50 nearest can match.

use crate::glob::Glob;

/// The filters of one search; built by the request's parser (`request/search.rs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    /// The start every path must have.
    pub(crate) path_prefix: Option<String>,
    /// Globs one of which a path must match; `None`: any path.
    pub(crate) include: Option<Vec<Glob>>,
    /// Globs no path may match.
    pub(crate) exclude: Vec<Glob>,
    /// Extensions, lower-case, each with its leading `.`; `None`: any.
    pub(crate) lang: Option<Vec<String>>,
}

impl Filter {
    /// Whether a place at `path` passes.
    pub(crate) fn admits(&self, path: &str) -> bool {
        self.path_prefix
            .as_deref()
            .is_none_or(|prefix| path.starts_with(prefix))
            && self
                .include
                .as_ref()
                .is_none_or(|globs| globs.iter().any(|g| g.matches(path)))
            && !self.exclude.iter().any(|g| g.matches(path))
            && self.lang.as_ref().is_none_or(|extensions| {
                let name = path.rsplit('/').next().unwrap_or(path);
                extensions
                    .iter()
                    .any(|ext| ends_with_ignoring_case(name, ext))
            })
    }
}

/// Whether `name` ends with `suffix` (lower-case), ASCII letters compared without case.
fn ends_with_ignoring_case(name: &str, suffix: &str) -> bool {
    name.len() >= suffix.len()
        && name.as_bytes()[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(
        prefix: Option<&str>,
        include: Option<&[&str]>,
        exclude: &[&str],
        lang: Option<&[&str]>,
    ) -> Filter {
        let globs = |patterns: &[&str]| -> Vec<Glob> {
            patterns.iter().map(|p| Glob::new(p).unwrap()).collect()
        };
        Filter {
            path_prefix: prefix.map(str::to_owned),
            include: include.map(globs),
            exclude: globs(exclude),
            lang: lang.map(|l| l.iter().map(|e| format!(".{e}")).collect()),
        }
    }

    #[test]
    fn a_place_passes_every_filter_given() {
        let f = filter(
            Some("src/"),
            Some(&["**/*.ts", "*.rs"]),
            &["*.test.ts"],
            Some(&["ts", "rs"]),
        );
        assert!(f.admits("src/a/b.ts"));
        assert!(f.admits("src/lib.rs"));
        assert!(!f.admits("src/lib.RS"), "globs with regard to case");
        let upper = filter(None, None, &[], Some(&["rs"]));
        assert!(upper.admits("src/lib.RS"), "extensions without");
        assert!(!f.admits("lib/a.ts"), "outside the prefix");
        assert!(!f.admits("src/a.test.ts"), "excluded");
        assert!(!f.admits("src/a.py"), "included by no glob");
        let lang = filter(None, None, &[], Some(&["d.ts"]));
        assert!(lang.admits("types/x.d.ts") && !lang.admits("x.ts"));
        let none = filter(None, Some(&[]), &[], None);
        assert!(!none.admits("a.rs"), "an empty include admits nothing");
        assert!(filter(None, None, &[], None).admits("anything"));
        assert!(
            !filter(None, None, &[], Some(&["ts"])).admits("ts"),
            "a name is no extension"
        );
    }
}
