//! The globs of search's `include` and `exclude` filters, matched against a location's path
//! as `.gitignore` matches them: `*` any run of characters but `/`, `?` one character but
//! `/`, `[abc]`, `[a-z]` and `[!a]` (or `[^a]`) one character of a class, `\x` the
//! character `x`, and `**` as a whole segment any number of folders. A pattern without a
//! `/` (a trailing one aside) matches a name in any folder; one with a `/` is anchored at
//! the project's root (a leading `/` only says so). A pattern that matches a folder matches
//! everything inside it, and a trailing `/` (or `/**`) matches folders only.
//!
//! Written here rather than taken from a crate: a regex engine would weigh more than the
//! rest of the engine's WebAssembly. Matching is linear in practice and at worst the
//! product of the pattern's and the path's lengths (one backtracking point per star level),
//! both bounded by the config (`maxFilterPatternBytes`, `maxFilePathBytes`).

/// One element of a segment's pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    /// This character.
    Literal(char),
    /// `?`: any one character.
    Any,
    /// `*`: any run of characters, none included.
    Star,
    /// `[...]`: one character in (or, negated, not in) these ranges.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// One segment of a pattern: a name pattern, or `**`.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Name(Vec<Token>),
    /// `**`: any number of segments, none included.
    Globstar,
}

/// A compiled pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob {
    segments: Vec<Segment>,
    /// Matches folders only (a trailing `/` or `/**`): the path itself is no candidate.
    folders_only: bool,
}

impl Glob {
    /// Compiles `pattern`, or says why it is no pattern (empty, an empty segment, a `[`
    /// that is not closed, a range backwards, a `\` at the end).
    pub fn new(pattern: &str) -> Result<Self, String> {
        let rooted = pattern.starts_with('/');
        let mut text = pattern.strip_prefix('/').unwrap_or(pattern);
        let mut folders_only = false;
        if let Some(rest) = text.strip_suffix('/') {
            text = rest;
            folders_only = true;
        }
        if text.is_empty() {
            return Err(format!(
                "{pattern:?} matches nothing: a pattern names a path"
            ));
        }
        let anchored = rooted || text.contains('/');
        let mut segments = Vec::new();
        if !anchored {
            segments.push(Segment::Globstar);
        }
        for part in text.split('/') {
            if part.is_empty() {
                return Err(format!("{pattern:?} has an empty segment (`//`)"));
            }
            segments.push(if part == "**" {
                Segment::Globstar
            } else {
                Segment::Name(tokens(part).map_err(|why| format!("{pattern:?}: {why}"))?)
            });
        }
        // `dir/**` is everything inside `dir`: the folder `dir` and what it holds.
        while segments.len() > 1 && segments.last() == Some(&Segment::Globstar) && anchored {
            segments.pop();
            folders_only = true;
        }
        Ok(Self {
            segments,
            folders_only,
        })
    }

    /// Whether `path` (relative, `/` between folders) or one of its folders matches.
    pub fn matches(&self, path: &str) -> bool {
        let names: Vec<&str> = path.split('/').collect();
        let last = if self.folders_only {
            names.len() - 1
        } else {
            names.len()
        };
        (1..=last).any(|n| matches_segments(&self.segments, &names[..n]))
    }
}

/// Reads the tokens of one segment's pattern.
fn tokens(part: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = part.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        i += 1;
        let token = match c {
            '*' if out.last() == Some(&Token::Star) => continue,
            '*' => Token::Star,
            '?' => Token::Any,
            '\\' => Token::Literal(escaped(&chars, &mut i).ok_or("a `\\` ends the pattern")?),
            '[' => class(&chars, &mut i)?,
            c => Token::Literal(c),
        };
        out.push(token);
    }
    Ok(out)
}

/// The character after a `\` at `i - 1`.
fn escaped(chars: &[char], i: &mut usize) -> Option<char> {
    let c = *chars.get(*i)?;
    *i += 1;
    Some(c)
}

/// Reads a class from after its `[` (at `i`) through its `]`. A `]` first (after any `!`
/// or `^`) is a member, as in POSIX; so is a `-` first or last.
fn class(chars: &[char], i: &mut usize) -> Result<Token, String> {
    let unclosed = || "a `[` is not closed".to_owned();
    let negated = matches!(chars.get(*i), Some('!' | '^'));
    if negated {
        *i += 1;
    }
    let member = |i: &mut usize| -> Result<char, String> {
        let c = *chars.get(*i).ok_or_else(unclosed)?;
        *i += 1;
        if c == '\\' {
            escaped(chars, i).ok_or_else(unclosed)
        } else {
            Ok(c)
        }
    };
    let mut ranges = Vec::new();
    loop {
        if chars.get(*i) == Some(&']') && !ranges.is_empty() {
            *i += 1;
            return Ok(Token::Class { negated, ranges });
        }
        let low = member(i)?;
        let high = match (chars.get(*i), chars.get(*i + 1)) {
            (Some('-'), Some(&end)) if end != ']' => {
                *i += 1;
                let high = member(i)?;
                if high < low {
                    return Err(format!("the range {low}-{high} runs backwards"));
                }
                high
            }
            _ => low,
        };
        ranges.push((low, high));
    }
}

impl Token {
    fn admits(&self, c: char) -> bool {
        match self {
            Token::Literal(l) => *l == c,
            Token::Any => true,
            Token::Star => false,
            Token::Class { negated, ranges } => {
                ranges.iter().any(|&(low, high)| low <= c && c <= high) != *negated
            }
        }
    }
}

/// Whether `names` (a path's first segments) match `segments` whole: `**` backtracks, the
/// last one only (which is enough, as for `*` in a name).
fn matches_segments(segments: &[Segment], names: &[&str]) -> bool {
    let (mut p, mut n) = (0, 0);
    let mut retry: Option<(usize, usize)> = None;
    while n < names.len() {
        match segments.get(p) {
            Some(Segment::Globstar) => {
                retry = Some((p + 1, n));
                p += 1;
                continue;
            }
            Some(Segment::Name(tokens)) if matches_name(tokens, names[n]) => {
                p += 1;
                n += 1;
                continue;
            }
            _ => {}
        }
        match retry {
            Some((after, from)) => {
                retry = Some((after, from + 1));
                (p, n) = (after, from + 1);
            }
            None => return false,
        }
    }
    segments[p..].iter().all(|s| *s == Segment::Globstar)
}

/// Whether one name matches a segment's tokens whole: `*` backtracks, the last one only.
fn matches_name(tokens: &[Token], name: &str) -> bool {
    let (mut t, mut at) = (0, 0);
    let mut retry: Option<(usize, usize)> = None;
    while let Some(c) = name[at..].chars().next() {
        match tokens.get(t) {
            Some(Token::Star) => {
                retry = Some((t + 1, at));
                t += 1;
                continue;
            }
            Some(token) if token.admits(c) => {
                t += 1;
                at += c.len_utf8();
                continue;
            }
            _ => {}
        }
        match retry {
            Some((after, from)) => {
                let next = from + name[from..].chars().next().map_or(1, char::len_utf8);
                retry = Some((after, next));
                (t, at) = (after, next);
            }
            None => return false,
        }
    }
    tokens[t..].iter().all(|token| *token == Token::Star)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, path: &str) -> bool {
        Glob::new(pattern).unwrap().matches(path)
    }

    #[test]
    fn a_star_stays_within_one_name_and_two_cross_folders() {
        assert!(matches("src/*.rs", "src/lib.rs"));
        assert!(!matches("src/*.rs", "src/a/lib.rs"), "* crosses no /");
        assert!(matches("src/**/*.rs", "src/lib.rs"), "** may be no folder");
        assert!(matches("src/**/*.rs", "src/a/b/lib.rs"));
        assert!(!matches("src/**/*.rs", "lib/a.rs"));
        assert!(matches("**/test/*.py", "a/b/test/x.py"));
        assert!(matches("**", "any/thing.at/all"));
        assert!(matches("src/**", "src/a/b.rs"), "everything inside");
        assert!(!matches("src/**", "src"), "not the name itself");
        assert!(matches("a**b", "axxb"), "** inside a name is a star");
        assert!(!matches("a**b", "ax/xb"));
        assert!(matches("*", "a/b"));
    }

    #[test]
    fn a_question_mark_and_classes_take_one_character() {
        assert!(matches("src/?.ts", "src/a.ts"));
        assert!(!matches("src/?.ts", "src/ab.ts"));
        assert!(matches("file[0-9].txt", "file7.txt"));
        assert!(!matches("file[0-9].txt", "filex.txt"));
        assert!(matches("[abc].md", "b.md"));
        assert!(!matches("[abc].md", "d.md"));
        assert!(matches("[!abc].md", "d.md"), "negated");
        assert!(!matches("[!abc].md", "a.md"));
        assert!(matches("[^a].md", "b.md"));
        assert!(matches("[]x].md", "].md"), "a ] first is a member");
        assert!(matches("[a-].md", "-.md"), "a - last is a member");
        assert!(matches("é?.rs", "éü.rs"), "characters, not bytes");
        assert!(matches(r"\*.rs", "*.rs"));
        assert!(!matches(r"\*.rs", "a.rs"));
        assert!(!matches("a?b", "a/b"), "? crosses no /");
    }

    #[test]
    fn a_pattern_without_a_slash_matches_a_name_in_any_folder() {
        assert!(matches("*.rs", "main.rs"));
        assert!(matches("*.rs", "deep/in/side.rs"));
        assert!(!matches("*.rs", "main.rs.bak"));
        assert!(
            matches("vendor", "a/vendor/lib.js"),
            "a folder: what it holds"
        );
        assert!(matches("vendor/", "vendor/lib.js"));
        assert!(
            !matches("vendor/", "a/vendor"),
            "a trailing / names folders only"
        );
        assert!(matches("/src/*.rs", "src/a.rs"), "a leading / anchors");
        assert!(!matches("/main.rs", "src/main.rs"));
        assert!(
            !matches("src/*.rs", "x/src/a.rs"),
            "a / anchors at the root"
        );
        assert!(matches("src", "src/a/b.rs"));
        assert!(!matches("src", "source/a.rs"));
    }

    #[test]
    fn malformed_patterns_are_refused() {
        for bad in ["", "/", "[abc", "a/[!", "[z-a]", "a//b", "x\\", "[a\\"] {
            assert!(Glob::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn adversarial_patterns_stay_within_the_product_of_the_lengths() {
        let pattern = format!("{}b", "*a".repeat(100));
        let path = "a".repeat(1000);
        assert!(!matches(&pattern, &path));
        let deep = format!("{}/x", vec!["**/a"; 50].join("/"));
        let path = vec!["a"; 200].join("/");
        assert!(!matches(&deep, &path));
    }
}
