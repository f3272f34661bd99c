//! The words of code and of questions, as the text index keeps and matches them: what makes
//! a word match find `did_you_mean` for a question about "did you mean".
//!
//! Identifiers are split at `snake_case` and `camelCase` (`did_you_mean` → `did you mean
//! did_you_mean`, `ArgAction` → `arg action argaction`), the whole identifier kept beside
//! its parts, lower-cased. Without the split a question's words never meet a code's
//! compound names. The engine computes the words, so every host's index matches the same
//! terms; a host may stem them further (the SQLite stores' FTS5 tables do, Porter).

/// Words too common in questions to say anything (the reference harness's list).
pub const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "do", "does", "for", "from",
    "has", "have", "how", "i", "if", "in", "into", "is", "it", "its", "of", "on", "or", "so",
    "that", "the", "their", "then", "there", "these", "this", "to", "was", "what", "when", "where",
    "which", "while", "who", "why", "will", "with", "would", "you", "your", "me", "my", "we",
    "our", "should", "did",
];

/// The words of a text: every run of letters, digits and `_`, split into its parts at `_`
/// and at case changes (`HTTPServer2` → `http server 2`), lower-cased, followed by the
/// whole run (without leading or trailing `_`) when it has more than one part.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for run in text.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
        let parts: Vec<String> = run
            .split('_')
            .flat_map(case_parts)
            .map(|p| p.to_lowercase())
            .collect();
        let compound = (parts.len() > 1).then(|| run.trim_matches('_').to_lowercase());
        out.extend(parts);
        out.extend(compound);
    }
    out
}

/// A `_`-free identifier cut where its case or its kind of character changes: `parseJSON`
/// → `parse`, `JSON`; `JSONValue` → `JSON`, `Value`; `utf8` → `utf`, `8`.
fn case_parts(word: &str) -> Vec<&str> {
    #[derive(Clone, Copy, PartialEq)]
    enum Kind {
        Upper,
        Lower,
        Digit,
    }
    let kind = |c: char| {
        if c.is_numeric() {
            Kind::Digit
        } else if c.is_uppercase() {
            Kind::Upper
        } else {
            Kind::Lower
        }
    };
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    let mut parts = Vec::new();
    let mut start = 0;
    for i in 1..chars.len() {
        let (at, c) = chars[i];
        let (before, now) = (kind(chars[i - 1].1), kind(c));
        let next_lower = chars
            .get(i + 1)
            .is_some_and(|&(_, n)| kind(n) == Kind::Lower);
        let cut = match (before, now) {
            (Kind::Lower, Kind::Upper) => true,
            (Kind::Upper, Kind::Upper) => next_lower,
            (Kind::Digit, k) | (k, Kind::Digit) => k != Kind::Digit,
            _ => false,
        };
        if cut {
            parts.push(&word[start..at]);
            start = at;
        }
    }
    if start < word.len() {
        parts.push(&word[start..]);
    }
    parts
}

/// The terms of a question: its [`words`] less [`STOP_WORDS`], each once, in order.
pub fn query_terms(question: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for word in words(question) {
        if !STOP_WORDS.contains(&word.as_str()) && !terms.contains(&word) {
            terms.push(word);
        }
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_split_and_kept_whole() {
        assert_eq!(
            words("fn did_you_mean(v: &str) -> ArgAction"),
            [
                "fn",
                "did",
                "you",
                "mean",
                "did_you_mean",
                "v",
                "str",
                "arg",
                "action",
                "argaction"
            ]
        );
        assert_eq!(
            words("HTTPServer2 utf8"),
            ["http", "server", "2", "httpserver2", "utf", "8", "utf8"]
        );
    }

    #[test]
    fn a_question_loses_its_stop_words_and_repeats() {
        assert_eq!(
            query_terms("How do I retry a request, and retry with backoff?"),
            ["retry", "request", "backoff"]
        );
        assert!(query_terms("what is it").is_empty());
    }
}
