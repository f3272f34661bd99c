//! The protocol over HTTP: each request a `POST {url}/v1/index/{request}` with the token
//! as a bearer credential, sent again (with backoff) while the Worker says "later" or the
//! network fails, or while another client holds the project (`409 tenant_busy`), and
//! counted.

use std::thread::sleep;
use std::time::{Duration, Instant};

use index_sync_core::RequestKind;
use serde_json::Value;
use ureq::Agent;

use crate::cli::json_post::{self, Answer, Unanswered, post_json};
use crate::cli::retry::{
    Backoff, BusyWaits, DEFAULT_BUSY_WAIT, MAX_RETRY_AFTER, body_retry_after, retryable,
    tenant_busy,
};
use crate::cli::sync::Transport;

/// The largest response body read: a phase-1 answer names at most the engine's
/// `maxChunksPerRequest` hashes, far below this.
pub const MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

/// What the requests of a run cost.
#[derive(Debug, Default, Clone, Copy)]
pub struct Traffic {
    /// Requests answered or attempted, resends included.
    pub requests: u64,
    /// Resends after a "later" answer, a network error or a `409 tenant_busy`.
    pub retries: u64,
    /// Of those, resends after a `409 tenant_busy`: another client held the project.
    pub busy: u64,
    /// Bytes of request bodies sent, resends included.
    pub bytes_sent: u64,
    /// Bytes of response bodies received.
    pub bytes_received: u64,
    /// Time spent waiting between attempts.
    pub waited: Duration,
}

/// The Worker at `url`, as a [`Transport`].
pub struct Http {
    agent: Agent,
    url: String,
    authorization: String,
    backoff: Backoff,
    busy_wait: Duration,
    /// What the requests so far cost.
    pub traffic: Traffic,
}

/// One attempt's outcome, when it is not the answer.
enum Failure {
    /// Try again, after at least this long when the server said so.
    Later(String, Option<Duration>),
    /// Another request holds the project's lease: try again, after at least this long.
    Busy(String, Option<Duration>),
    /// Do not try again.
    Final(String),
}

impl Http {
    /// A client of the Worker at `url` (its origin, or the prefix before `/v1/index`),
    /// sending `token` on every request; `timeout` bounds each attempt.
    pub fn new(url: &str, token: &str, backoff: Backoff, timeout: Duration) -> Self {
        let agent = json_post::agent(timeout);
        Self {
            agent,
            url: url.trim_end_matches('/').to_owned(),
            authorization: format!("Bearer {token}"),
            backoff,
            busy_wait: DEFAULT_BUSY_WAIT,
            traffic: Traffic::default(),
        }
    }

    /// Waits at most `limit` in all, for one request, while other clients keep its project
    /// busy ([`BusyWaits`]).
    pub fn waiting_while_busy(mut self, limit: Duration) -> Self {
        self.busy_wait = limit;
        self
    }

    fn attempt(&mut self, route: &str, body: &[u8]) -> Result<Value, Failure> {
        self.traffic.requests += 1;
        self.traffic.bytes_sent += body.len() as u64;
        let Answer {
            status,
            retry_after,
            text,
        } = match post_json(
            &self.agent,
            route,
            &self.authorization,
            body,
            MAX_RESPONSE_BYTES,
        ) {
            Ok(answer) => answer,
            Err(Unanswered::Network(why)) => return Err(Failure::Later(why, None)),
            Err(Unanswered::Final(why)) => return Err(Failure::Final(why)),
        };
        self.traffic.bytes_received += text.len() as u64;
        let refusal = || format!("{route} answered {status}: {}", describe(&text));
        let parsed = serde_json::from_str::<Value>(&text);
        match status {
            200 => parsed
                .map_err(|e| Failure::Final(format!("{route} answered 200 with no JSON: {e}"))),
            401 | 403 => Err(Failure::Final(format!(
                "{}; check the token (--token or INDEX_SYNC_TOKEN)",
                refusal()
            ))),
            409 if parsed.as_ref().is_ok_and(|body| tenant_busy(status, body)) => {
                let asked = parsed.as_ref().ok().and_then(body_retry_after);
                Err(Failure::Busy(refusal(), retry_after.or(asked)))
            }
            s if retryable(s) => Err(Failure::Later(refusal(), retry_after)),
            _ => Err(Failure::Final(refusal())),
        }
    }
}

/// A refusal's `error.code` and `error.message` when it has them, else its first bytes.
fn describe(text: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(text).ok();
    match parsed.as_ref().map(|v| &v["error"]) {
        Some(error) if error["code"].is_string() => format!(
            "{} ({})",
            error["code"].as_str().unwrap_or_default(),
            error["message"].as_str().unwrap_or_default()
        ),
        _ => text.chars().take(200).collect(),
    }
}

impl Transport for Http {
    fn send(&mut self, kind: RequestKind, body: &Value) -> Result<Value, String> {
        let route = format!("{}/v1/index/{}", self.url, kind.as_str());
        let bytes = serde_json::to_vec(body).map_err(|e| e.to_string())?;
        let mut resends = 0;
        let mut busy = BusyWaits::new(self.busy_wait);
        loop {
            let (why, wait) = match self.attempt(&route, &bytes) {
                Ok(answer) => return Ok(answer),
                Err(Failure::Final(why)) => return Err(why),
                Err(Failure::Busy(why, retry_after)) => {
                    let Some(wait) = busy.next(&mut self.backoff, retry_after) else {
                        return Err(format!(
                            "{why}; other clients kept the project busy for {} s: giving up, \
                             push again later",
                            busy.waited().as_secs()
                        ));
                    };
                    self.traffic.busy += 1;
                    (
                        format!("{why}; another client is changing the project"),
                        wait,
                    )
                }
                Err(Failure::Later(why, retry_after)) => {
                    if retry_after.is_some_and(|wait| wait > MAX_RETRY_AFTER) {
                        let wait = retry_after.unwrap_or_default().as_secs();
                        return Err(format!(
                            "{why}; the Worker asks to wait {wait} s: giving up"
                        ));
                    }
                    if resends >= self.backoff.retries {
                        return Err(format!("{why}; giving up after {} resends", resends));
                    }
                    resends += 1;
                    (why, self.backoff.delay(resends, retry_after))
                }
            };
            self.traffic.retries += 1;
            eprintln!("{why}; again in {} ms", wait.as_millis());
            let started = Instant::now();
            sleep(wait);
            self.traffic.waited += started.elapsed();
        }
    }
}
