//! The tokenizer all-MiniLM-L6-v2 was trained with: BERT uncased WordPiece, as the
//! `tokenizer.json` of the model describes it (`BertNormalizer` with lower case,
//! `BertPreTokenizer`, `WordPiece`), written to give the very ids Hugging Face `tokenizers`
//! gives (which sentence-transformers uses), without that crate's 75 dependencies.
//!
//! Steps, in the order `tokenizers` applies them:
//! 1. the special tokens (`[CLS]`, `[SEP]`, `[PAD]`, `[UNK]`, `[MASK]`) written literally in
//!    the text are matched first, on the raw text, and become their ids (code that mentions
//!    `[CLS]` gets the special id, as it would in Python);
//! 2. normalisation of the rest: drop NUL, U+FFFD and control or format characters (Unicode
//!    category C*, but tab, CR and LF become spaces), every white space becomes ' ', CJK
//!    ideographs get spaces around them, then NFD with the non-spacing marks (accents)
//!    removed, then lower case, char by char;
//! 3. pre-tokenisation: words split on white space, every punctuation char (ASCII
//!    punctuation or Unicode P*) a word of its own;
//! 4. WordPiece: the longest piece of the vocabulary from the left, continuations prefixed
//!    `##`; a word longer than 100 chars, or with a part no piece matches, is one `[UNK]`.

use std::collections::HashMap;

use unicode_categories::UnicodeCategories;
use unicode_normalization::UnicodeNormalization;

/// Words longer than this many chars become `[UNK]` (the model's `max_input_chars_per_word`).
pub const MAX_CHARS_PER_WORD: usize = 100;

/// The special tokens matched on the raw text.
const SPECIALS: [&str; 5] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

/// A WordPiece vocabulary and its special ids.
pub struct Tokenizer {
    vocab: HashMap<String, u32>,
    unk: u32,
    cls: u32,
    sep: u32,
    specials: Vec<(&'static str, u32)>,
}

impl Tokenizer {
    /// From a `vocab.txt`: one piece a line, its id the line's number from 0.
    pub fn from_vocab_txt(text: &str) -> Result<Self, String> {
        let mut vocab = HashMap::new();
        for (id, piece) in text.lines().enumerate() {
            let id = u32::try_from(id).map_err(|_| "vocab.txt: too many lines")?;
            vocab.entry(piece.to_owned()).or_insert(id);
        }
        let id = |t: &str| {
            vocab
                .get(t)
                .copied()
                .ok_or_else(|| format!("vocab.txt: no {t}"))
        };
        let specials = SPECIALS
            .iter()
            .map(|&t| Ok((t, id(t)?)))
            .collect::<Result<_, String>>()?;
        Ok(Self {
            unk: id("[UNK]")?,
            cls: id("[CLS]")?,
            sep: id("[SEP]")?,
            specials,
            vocab,
        })
    }

    /// How many ids the vocabulary has (one past the largest).
    pub fn vocab_size(&self) -> usize {
        self.vocab.values().max().map_or(0, |&id| id as usize + 1)
    }

    /// The model's input for `text`: `[CLS]`, its first `max_pieces` word pieces, `[SEP]`.
    /// Cutting at the end is what sentence-transformers does past the model's limit.
    pub fn encode(&self, text: &str, max_pieces: usize) -> Vec<u32> {
        let mut pieces = self.pieces(text);
        pieces.truncate(max_pieces);
        let mut ids = Vec::with_capacity(pieces.len() + 2);
        ids.push(self.cls);
        ids.extend(pieces);
        ids.push(self.sep);
        ids
    }

    /// The word-piece ids of `text`, without `[CLS]`/`[SEP]` and uncut: how many there are
    /// is the length a chunker has to keep within the model's limit.
    pub fn pieces(&self, text: &str) -> Vec<u32> {
        let mut ids = Vec::with_capacity(text.len() / 3);
        // Special tokens written in the text are matched on the raw text (leftmost, then
        // longest), as the added vocabulary of `tokenizers` does; the text between them is
        // tokenised on its own.
        let mut rest = text;
        while let Some((start, len, id)) = self.find_special(rest) {
            self.encode_plain(&rest[..start], &mut ids);
            ids.push(id);
            rest = &rest[start + len..];
        }
        self.encode_plain(rest, &mut ids);
        ids
    }

    /// Where the first special token of `text` starts, its length and its id.
    fn find_special(&self, text: &str) -> Option<(usize, usize, u32)> {
        let mut from = 0;
        while let Some(pos) = text[from..].find('[') {
            let start = from + pos;
            let tail = &text[start..];
            let longest = self
                .specials
                .iter()
                .filter(|(s, _)| tail.starts_with(s))
                .max_by_key(|(s, _)| s.len());
            if let Some((s, id)) = longest {
                return Some((start, s.len(), *id));
            }
            from = start + 1;
        }
        None
    }

    /// Normalises, pre-tokenises and WordPieces text that holds no special token.
    fn encode_plain(&self, text: &str, ids: &mut Vec<u32>) {
        if text.is_empty() {
            return;
        }
        let norm = normalise(text);
        let mut word_start: Option<usize> = None;
        for (i, c) in norm.char_indices() {
            if c.is_whitespace() {
                if let Some(s) = word_start.take() {
                    self.wordpiece(&norm[s..i], ids);
                }
            } else if is_punctuation(c) {
                if let Some(s) = word_start.take() {
                    self.wordpiece(&norm[s..i], ids);
                }
                self.wordpiece(&norm[i..i + c.len_utf8()], ids);
            } else if word_start.is_none() {
                word_start = Some(i);
            }
        }
        if let Some(s) = word_start {
            self.wordpiece(&norm[s..], ids);
        }
    }

    /// The pieces of one word, longest match first.
    fn wordpiece(&self, word: &str, ids: &mut Vec<u32>) {
        if word.chars().count() > MAX_CHARS_PER_WORD {
            ids.push(self.unk);
            return;
        }
        let mark = ids.len();
        let mut start = 0;
        let mut continuation = String::with_capacity(word.len() + 2);
        while start < word.len() {
            let mut end = word.len();
            let mut found = None;
            while start < end {
                let piece = if start > 0 {
                    continuation.clear();
                    continuation.push_str("##");
                    continuation.push_str(&word[start..end]);
                    continuation.as_str()
                } else {
                    &word[start..end]
                };
                if let Some(&id) = self.vocab.get(piece) {
                    found = Some(id);
                    break;
                }
                end -= word[..end].chars().next_back().map_or(1, char::len_utf8);
            }
            let Some(id) = found else {
                ids.truncate(mark);
                ids.push(self.unk);
                return;
            };
            ids.push(id);
            start = end;
        }
    }
}

/// `BertNormalizer` with `clean_text`, `handle_chinese_chars`, `lowercase` and (since
/// `strip_accents` is unset, it follows `lowercase`) accent stripping.
fn normalise(text: &str) -> String {
    let mut clean = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c == '\0' || c == '\u{fffd}' || is_control(c) {
            continue;
        }
        let c = if is_whitespace(c) { ' ' } else { c };
        if is_chinese_char(c) {
            clean.push(' ');
            clean.push(c);
            clean.push(' ');
        } else {
            clean.push(c);
        }
    }
    if clean.is_ascii() {
        // Nothing to decompose: the common case for code, and 5 to 10 times faster.
        clean.make_ascii_lowercase();
        return clean;
    }
    clean
        .nfd()
        .filter(|c| !c.is_mark_nonspacing())
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_whitespace(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || c.is_whitespace()
}

fn is_control(c: char) -> bool {
    !matches!(c, '\t' | '\n' | '\r') && c.is_other()
}

/// The CJK ideograph blocks of the original BERT code (not Hangul, not kana).
fn is_chinese_char(c: char) -> bool {
    matches!(
        c as u32,
        0x4E00..=0x9FFF
            | 0x3400..=0x4DBF
            | 0x20000..=0x2A6DF
            | 0x2A700..=0x2B73F
            | 0x2B740..=0x2B81F
            | 0x2B920..=0x2CEAF
            | 0xF900..=0xFAFF
            | 0x2F800..=0x2FA1F
    )
}

fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation() || c.is_punctuation()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A vocabulary small enough to follow by hand.
    fn tiny() -> Tokenizer {
        let pieces = [
            "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "fn", "(", ")",
            "cafe", "##s", "中",
        ];
        Tokenizer::from_vocab_txt(&pieces.join("\n")).unwrap()
    }

    #[test]
    fn pieces_are_the_longest_match_from_the_left() {
        let t = tiny();
        assert_eq!(t.pieces("unaffable"), [5, 6, 7]);
        assert_eq!(
            t.pieces("FN()"),
            [8, 9, 10],
            "lower case, punctuation alone"
        );
        assert_eq!(t.pieces("Cafés"), [11, 12], "accents stripped");
        assert_eq!(
            t.pieces("unx fn"),
            [1, 8],
            "an unmatched part makes the word [UNK]"
        );
        assert_eq!(t.pieces("a中fn"), [1, 13, 8], "CJK ideographs are words");
    }

    #[test]
    fn special_tokens_in_the_text_keep_their_ids() {
        let t = tiny();
        assert_eq!(
            t.pieces("fn[MASK]( [cls]"),
            [8, 4, 9, 1, 1, 1],
            "[cls] is text"
        );
    }

    #[test]
    fn encode_wraps_and_cuts_at_the_limit() {
        let t = tiny();
        assert_eq!(t.encode("", 3), [2, 3]);
        assert_eq!(t.encode("fn ( ) fn", 3), [2, 8, 9, 10, 3]);
    }

    #[test]
    fn control_characters_go_and_long_words_are_unknown() {
        let t = tiny();
        assert_eq!(t.pieces("f\u{200b}n\u{0}"), [8]);
        assert_eq!(t.pieces(&"un".repeat(51)), [1]);
        assert_eq!(t.vocab_size(), 14);
    }

    #[test]
    fn a_vocabulary_without_the_special_tokens_is_refused() {
        assert!(Tokenizer::from_vocab_txt("a\nb").is_err());
    }
}
