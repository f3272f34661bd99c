//! `--ai workers-ai`: Workers AI over its REST API, the other backend of the local tool.
//! Each `ai.run` of the engine is one `POST {base}/accounts/{account}/ai/run/{model}` whose
//! body is exactly the input the engine gives (`{"text": [...], "pooling"}` for embeddings,
//! `{"messages": [...], "max_tokens"}` for summaries, with `response_format` in JSON mode),
//! the token as a bearer credential; the answer's `result` is the model's output, as
//! `env.AI.run` gives it in a Worker. The engine runs with the Worker's config defaults, so
//! the models and batch sizes are the Worker's (100 texts per embedding call).
//!
//! A call answered 429 or 5xx, or lost to the network, is sent again after an exponential
//! backoff with jitter, never sooner than its `Retry-After` (`cli/retry.rs`, as `push`
//! does), at most [`RETRIES`] times; a `Retry-After` over `MAX_RETRY_AFTER` is given up on
//! at once. Any other refusal (401, 403, 400) is the call's failure, with Cloudflare's
//! message: the engine reports its chunks failed, and `index` sends them again.

use std::thread::sleep;
use std::time::Duration;

use index_sync_core::HostError;
use index_sync_native::store::Models;
use serde_json::Value;
use ureq::Agent;

use super::{Embedded, embedding_texts};
use crate::cli::json_post::{self, Answer, Unanswered, post_json};
use crate::cli::retry::{Backoff, DEFAULT_BASE_MS, MAX_RETRY_AFTER};

/// The account whose Workers AI runs the models.
pub const ACCOUNT_VAR: &str = "CLOUDFLARE_ACCOUNT_ID";
/// An API token allowed to run Workers AI on that account.
pub const TOKEN_VAR: &str = "CLOUDFLARE_API_TOKEN";
/// Where the API is, when not at [`DEFAULT_BASE_URL`] (a proxy, or a stand-in in tests);
/// the same variable `wrangler` reads.
pub const BASE_URL_VAR: &str = "CLOUDFLARE_API_BASE_URL";
/// Cloudflare's API (developers.cloudflare.com/workers-ai/get-started/rest-api).
pub const DEFAULT_BASE_URL: &str = "https://api.cloudflare.com/client/v4";
/// Resends of one call before it fails.
pub const RETRIES: u32 = 8;
/// The bound on one attempt: a batch of 100 embeddings, or a summary of up to
/// `summaryMaxTokens`, answers within seconds.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(120);
/// The largest answer read: 100 vectors of 1,024 numbers as JSON are about 2 MB.
pub const MAX_ANSWER_BYTES: u64 = 64 * 1024 * 1024;

/// Workers AI of one account, over REST.
pub struct WorkersAi {
    agent: Agent,
    /// `{base}/accounts/{account}/ai/run/`.
    run_url: String,
    authorization: String,
    backoff: Backoff,
    embedded: Embedded,
}

/// One attempt's outcome, when it is not the output.
enum Failure {
    /// Send again, after at least this long when the API said so.
    Later(String, Option<Duration>),
    /// Do not send again.
    Final(HostError),
}

/// Whether an answer means "try again later": rate limited, or the service failing for
/// now.
pub fn later(status: u16) -> bool {
    status == 429 || (500..=599).contains(&status)
}

impl WorkersAi {
    /// The account of [`ACCOUNT_VAR`] with the token of [`TOKEN_VAR`], at [`BASE_URL_VAR`]
    /// or [`DEFAULT_BASE_URL`].
    pub fn from_env(embedded: Embedded) -> Result<Self, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let (Some(account), Some(token)) = (var(ACCOUNT_VAR), var(TOKEN_VAR)) else {
            return Err(format!(
                "--ai workers-ai needs ${ACCOUNT_VAR} and ${TOKEN_VAR} (a token allowed to \
                 run Workers AI)"
            ));
        };
        let base = var(BASE_URL_VAR).unwrap_or_else(|| DEFAULT_BASE_URL.into());
        let backoff = Backoff::new(RETRIES, Duration::from_millis(DEFAULT_BASE_MS));
        Ok(Self::new(
            &base,
            account.trim(),
            token.trim(),
            backoff,
            embedded,
        ))
    }

    /// The account `account` at `base`, with `token`.
    pub fn new(
        base: &str,
        account: &str,
        token: &str,
        backoff: Backoff,
        embedded: Embedded,
    ) -> Self {
        let agent = json_post::agent(ATTEMPT_TIMEOUT);
        Self {
            agent,
            run_url: format!("{}/accounts/{account}/ai/run/", base.trim_end_matches('/')),
            authorization: format!("Bearer {token}"),
            backoff,
            embedded,
        }
    }

    fn attempt(&self, url: &str, body: &[u8]) -> Result<Value, Failure> {
        let Answer {
            status,
            retry_after,
            text,
        } = match post_json(
            &self.agent,
            url,
            &self.authorization,
            body,
            MAX_ANSWER_BYTES,
        ) {
            Ok(answer) => answer,
            Err(Unanswered::Network(why)) => return Err(Failure::Later(why, None)),
            Err(Unanswered::Final(why)) => {
                return Err(Failure::Final(HostError::new("ai_unreachable", why)));
            }
        };
        let answer: Option<Value> = serde_json::from_str(&text).ok();
        let why = || {
            format!(
                "{url} answered {status}: {}",
                describe(answer.as_ref(), &text)
            )
        };
        match (status, &answer) {
            (200, Some(answer)) if answer["success"] != false => match answer.get("result") {
                Some(result) => Ok(result.clone()),
                None => Err(Failure::Final(HostError::new("ai_output", why()))),
            },
            (s, _) if later(s) => Err(Failure::Later(why(), retry_after)),
            (401 | 403, _) => Err(Failure::Final(HostError::new(
                "unauthorized",
                format!("{}; check ${TOKEN_VAR} and ${ACCOUNT_VAR}", why()),
            ))),
            _ => Err(Failure::Final(HostError::new("ai_refused", why()))),
        }
    }
}

/// Cloudflare's errors of an answer (`errors: [{code, message}]`), else its first bytes.
fn describe(answer: Option<&Value>, text: &str) -> String {
    let errors: Vec<String> = answer
        .and_then(|a| a["errors"].as_array())
        .into_iter()
        .flatten()
        .map(|e| match (&e["code"], e["message"].as_str()) {
            (Value::Null, Some(message)) => message.to_owned(),
            (code, Some(message)) => format!("{code}: {message}"),
            _ => e.to_string(),
        })
        .collect();
    if errors.is_empty() {
        text.chars().take(200).collect()
    } else {
        errors.join("; ")
    }
}

impl Models for WorkersAi {
    fn run(&mut self, model: &str, input: &Value) -> Result<Value, HostError> {
        let url = format!("{}{model}", self.run_url);
        let body =
            serde_json::to_vec(input).map_err(|e| HostError::new("ai_input", e.to_string()))?;
        let mut resends = 0;
        loop {
            let (why, retry_after) = match self.attempt(&url, &body) {
                Ok(output) => {
                    if let Some(texts) = embedding_texts(input) {
                        (self.embedded)(texts.len());
                    }
                    return Ok(output);
                }
                Err(Failure::Final(error)) => return Err(error),
                Err(Failure::Later(why, retry_after)) => (why, retry_after),
            };
            if let Some(asked) = retry_after.filter(|wait| *wait > MAX_RETRY_AFTER) {
                return Err(HostError::new(
                    "throttled",
                    format!(
                        "{why}; Workers AI asks to wait {} s: giving up",
                        asked.as_secs()
                    ),
                ));
            }
            if resends >= self.backoff.retries {
                return Err(HostError::new(
                    "throttled",
                    format!("{why}; giving up after {resends} resends"),
                ));
            }
            resends += 1;
            let wait = self.backoff.delay(resends, retry_after);
            eprintln!("{why}; again in {} ms", wait.as_millis());
            sleep(wait);
        }
    }
}

#[cfg(test)]
mod tests;
