//! What sizes a chunk: the word pieces the embedding model reads, counted by its own
//! tokenizer, so that a chunk is never cut by the model (it reads at most
//! [`index_sync_embed::MAX_PIECES`] of a text and drops the rest).

use index_sync_embed::fetch;
use index_sync_embed::tokenizer::Tokenizer;

/// Counts the word pieces of a text. The chunker counts each line once and adds the counts
/// up, so a count must be additive over lines: the pieces of `a + "\n" + b` are those of
/// `a` plus those of `b`. WordPiece is (it splits at every white space); so is any count of
/// words.
pub trait Pieces {
    /// How many word pieces `text` has.
    fn pieces(&self, text: &str) -> usize;
}

impl<F: Fn(&str) -> usize> Pieces for F {
    fn pieces(&self, text: &str) -> usize {
        self(text)
    }
}

impl Pieces for Tokenizer {
    fn pieces(&self, text: &str) -> usize {
        Tokenizer::pieces(self, text).len()
    }
}

/// A counter and the most pieces one chunk may hold.
#[derive(Clone, Copy)]
pub struct Budget<'a> {
    counter: &'a dyn Pieces,
    max_pieces: usize,
}

impl<'a> Budget<'a> {
    /// At most `max_pieces` pieces, as `counter` counts them.
    pub fn new(counter: &'a dyn Pieces, max_pieces: usize) -> Self {
        Self {
            counter,
            max_pieces,
        }
    }

    /// The embedding model's own limit ([`index_sync_embed::MAX_PIECES`]: 256 positions
    /// less `[CLS]` and `[SEP]`), counted by `counter`.
    pub fn model(counter: &'a dyn Pieces) -> Self {
        Self::new(counter, index_sync_embed::MAX_PIECES)
    }

    /// The pieces of `text`.
    pub fn pieces(&self, text: &str) -> usize {
        self.counter.pieces(text)
    }

    /// The most pieces one chunk holds.
    pub fn max_pieces(&self) -> usize {
        self.max_pieces
    }
}

/// The embedding model's tokenizer, from its folder ([`fetch::default_dir`]), which is
/// fetched first if need be (once, the weights with it: the model needs them next). The
/// chunks' hashes depend on this count, so no estimate stands in for it.
pub fn model_vocabulary() -> Result<Tokenizer, String> {
    let dir = fetch::ready().map_err(|e| e.to_string())?;
    let path = dir.join("vocab.txt");
    let vocabulary =
        std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    Tokenizer::from_vocab_txt(&vocabulary).map_err(|e| format!("{}: {e}", path.display()))
}
