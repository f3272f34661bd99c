//! The files of the random tests' projects, and random search filters written for them: a
//! path prefix, include and exclude globs, languages, each given or not, and now and then
//! a filter the engine must refuse (400 `invalid_filter`, before any call). What a search
//! with a filter must answer is the checker's (i), against its own reading of the filter.
#![allow(dead_code)] // each test file uses its own share of these

use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Files a chunk can be in: few, so that code moves and copies between them; in folders
/// and languages for filters to tell apart, one of them named as metadata could misread
/// (`path:start-end` is read from the right) and with an extension in capitals.
pub const FILES: &[&str] = &["src/a.rs", "src/ui/b.ts", "tests/c.py", "lib/x:1-2.RS"];

const PREFIXES: &[&str] = &["src/", "src/ui/", "tests", "lib/x:1", "", "docs/"];
const GLOBS: &[&str] = &[
    "*.rs",
    "*.RS",
    "**/*.ts",
    "src/**",
    "tests/",
    "ui",
    "[a-c].*",
    "?.py",
    "src/*/b.*",
    "/lib/**",
    "[!a].*",
    "docs/*.md",
];
const LANGS: &[&str] = &["rs", "TS", "py", "md"];
/// Patterns the engine refuses: an unclosed class, an empty segment, a `\` at the end.
const BAD_GLOBS: &[&str] = &["src/[a", "src//a.rs", "x\\"];

/// Indexes into the lists above, some of them given.
#[derive(Clone, Debug)]
pub struct Filter {
    prefix: Option<usize>,
    include: Option<Vec<usize>>,
    exclude: Vec<usize>,
    lang: Option<(Vec<usize>, bool)>,
    bad: Option<usize>,
}

impl Filter {
    /// Whether the engine must refuse it.
    pub fn is_bad(&self) -> bool {
        self.bad.is_some()
    }

    /// The filter's fields, to add to a search body (none for no filter).
    pub fn fields(&self) -> Map<String, Value> {
        let pick = |list: &[&str], at: &[usize]| -> Vec<String> {
            at.iter().map(|&i| list[i].to_owned()).collect()
        };
        let mut fields = Map::new();
        if let Some(p) = self.prefix {
            fields.insert("pathPrefix".into(), json!(PREFIXES[p]));
        }
        let mut include = self.include.as_ref().map(|i| pick(GLOBS, i));
        if let Some(bad) = self.bad {
            include
                .get_or_insert_with(Vec::new)
                .push(BAD_GLOBS[bad].into());
        }
        if let Some(include) = include {
            fields.insert("include".into(), json!(include));
        }
        if !self.exclude.is_empty() {
            fields.insert("exclude".into(), json!(pick(GLOBS, &self.exclude)));
        }
        match &self.lang {
            Some((one, true)) if one.len() == 1 => {
                fields.insert("lang".into(), json!(LANGS[one[0]]));
            }
            Some((many, _)) => {
                fields.insert("lang".into(), json!(pick(LANGS, many)));
            }
            None => {}
        }
        fields
    }
}

/// A search filter, or none (a third of the time); with `bad`, now and then one the engine
/// must refuse.
pub fn filter(bad: bool) -> impl Strategy<Value = Filter> {
    let globs = || prop::collection::vec(0..GLOBS.len(), 0..3);
    let given = |weight: u32| prop::bool::weighted(f64::from(weight) / 10.0);
    (
        given(7),
        (given(4), 0..PREFIXES.len()),
        (given(4), globs()),
        (given(3), globs()),
        (
            given(3),
            prop::collection::vec(0..LANGS.len(), 1..3),
            any::<bool>(),
        ),
        (given(u32::from(bad)), 0..BAD_GLOBS.len()),
    )
        .prop_map(
            |(any, (p, prefix), (i, include), (e, exclude), (l, lang, one), (b, bad))| Filter {
                prefix: (any && p).then_some(prefix),
                include: (any && i).then_some(include),
                exclude: if any && e { exclude } else { Vec::new() },
                lang: (any && l).then_some((lang, one)),
                bad: (any && b).then_some(bad),
            },
        )
}

/// A search body: `query`, `topK`, and the filter's fields.
pub fn search_body(project: &str, query: &str, top_k: u32, filter: &Filter) -> Value {
    let mut body = json!({"projectId": project, "query": query, "topK": top_k});
    if let Some(object) = body.as_object_mut() {
        object.extend(filter.fields());
    }
    body
}
