//! Which AI a command runs, and what it does about the AI a project's index was built with
//! (the store records it: `store::IndexedWith`). The vectors of one index must all come
//! from one model, and a query must be embedded by that model too:
//!
//! - every command runs `--ai` (or `$INDEX_SYNC_AI`), else the AI the project was indexed
//!   with, else `local`;
//! - `index` with another AI than the one that built the project's vectors (or a project
//!   indexed before the tool recorded it) removes the project's chunks first, through the
//!   engine as `remove --all` does, then indexes it whole with the new AI, which it
//!   records; the shared cache, keyed by the config's identity, never serves one model's
//!   vectors for another's;
//! - `search` and `mcp` with another AI than the index's refuse, saying how to rebuild.

use index_sync_native::store::{IndexedWith, LocalStore};

use super::{AiArgs, AiBackend};

/// Where the AI a command runs came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chosen {
    /// `--ai`, or `$INDEX_SYNC_AI`.
    Asked,
    /// The AI the project was indexed with.
    Recorded,
    /// Nothing said: `local`.
    Default,
}

impl Chosen {
    /// How `index` says it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Asked => "--ai",
            Self::Recorded => "the project's index",
            Self::Default => "default",
        }
    }
}

/// What an index built with `ai` is recorded as.
pub fn record_of(ai: AiBackend) -> IndexedWith {
    IndexedWith {
        ai: ai.name().to_owned(),
        identity: ai.config().cache_identity(),
    }
}

/// The AI a command runs, and why.
pub fn choose(args: &AiArgs, recorded: Option<&IndexedWith>) -> (AiBackend, Chosen) {
    if let Some(ai) = args.ai {
        return (ai, Chosen::Asked);
    }
    match recorded.and_then(|r| AiBackend::from_name(&r.ai)) {
        Some(ai) => (ai, Chosen::Recorded),
        None => (AiBackend::Local, Chosen::Default),
    }
}

/// How a record reads in a message.
fn describe(recorded: &IndexedWith) -> String {
    format!("--ai {} (config {})", recorded.ai, recorded.identity)
}

/// What `index` does about the record of a project before indexing it with an AI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// The project's vectors are the AI's own: add to them.
    Keep,
    /// The project has no vector yet: index it, and record the AI once done (a write to
    /// the store as late as can be, so that a run waiting for another writer waits in its
    /// engine requests, which say so and resend).
    Record,
    /// The project's vectors were built by what this says: remove them, record the AI,
    /// then index the project whole.
    Rebuild(String),
}

/// For `index`: what to do before indexing `user`'s `project` with `ai`.
pub fn plan(store: &LocalStore, user: &str, project: &str, ai: AiBackend) -> Result<Plan, String> {
    Ok(match store.indexed_with(user, project)? {
        Some(recorded) if recorded == record_of(ai) => Plan::Keep,
        Some(recorded) => Plan::Rebuild(describe(&recorded)),
        None if store.holds_vectors_of(user, project)? => Plan::Rebuild(
            "an earlier version of the tool, which recorded no AI (the deterministic fake)".into(),
        ),
        None => Plan::Record,
    })
}

/// For `search` and `mcp`: an error when the project's vectors were built with another AI
/// or config than `ai`'s, so that a query would be compared with another model's vectors.
pub fn comparable(
    recorded: Option<&IndexedWith>,
    ai: AiBackend,
    project: &str,
) -> Result<(), String> {
    match recorded {
        Some(recorded) if *recorded != record_of(ai) => Err(format!(
            "the index of {project} was built with {}, not --ai {} (config {}): its vectors \
             are another model's; search without --ai, or run `index-sync index . --ai {}` \
             to rebuild it",
            describe(recorded),
            ai.name(),
            record_of(ai).identity,
            ai.name()
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins_then_the_record_then_local() {
        let fake = record_of(AiBackend::Fake);
        let asked = AiArgs {
            ai: Some(AiBackend::WorkersAi),
        };
        assert_eq!(
            choose(&asked, Some(&fake)),
            (AiBackend::WorkersAi, Chosen::Asked)
        );
        let none = AiArgs::default();
        assert_eq!(
            choose(&none, Some(&fake)),
            (AiBackend::Fake, Chosen::Recorded)
        );
        assert_eq!(choose(&none, None), (AiBackend::Local, Chosen::Default));
    }

    #[test]
    fn a_search_with_another_model_than_the_index_is_refused() {
        let fake = record_of(AiBackend::Fake);
        assert!(comparable(Some(&fake), AiBackend::Fake, "p").is_ok());
        assert!(comparable(None, AiBackend::Local, "p").is_ok());
        let refused = comparable(Some(&fake), AiBackend::Local, "p").unwrap_err();
        assert!(refused.contains("--ai fake"), "{refused}");
        let older = IndexedWith {
            identity: "another config".into(),
            ..record_of(AiBackend::Local)
        };
        assert!(comparable(Some(&older), AiBackend::Local, "p").is_err());
    }
}
