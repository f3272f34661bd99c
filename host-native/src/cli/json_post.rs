//! One attempt of a JSON `POST` with a bearer token, as `push` sends the Worker its requests
//! and `--ai workers-ai` sends Cloudflare's REST API its calls: the status, the
//! `Retry-After` the server asked for, and the body as text, or why there is none. What the
//! answer means (and whether to send again) is the caller's.

use std::time::{Duration, SystemTime};

use ureq::Agent;

use super::retry::parse_retry_after;

/// An answer, whatever its status.
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The wait the server asked for (`Retry-After`, seconds or a date), when it did.
    pub retry_after: Option<Duration>,
    /// The body, at most the limit the caller gave.
    pub text: String,
}

/// Why an attempt has no answer.
pub enum Unanswered {
    /// The network failed or timed out, sending or reading: worth sending again.
    Network(String),
    /// Anything else (a bad URL, a body over the limit): not.
    Final(String),
}

/// The agent [`post_json`] sends with: HTTP statuses are answers, not errors (the caller
/// reads them); `timeout` bounds each attempt; the tool names itself.
pub fn agent(timeout: Duration) -> Agent {
    Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .user_agent(concat!("index-sync/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// Posts `body` (JSON) to `url` with `authorization`, reading at most `limit` bytes of the
/// answer, with an [`agent`].
pub fn post_json(
    agent: &Agent,
    url: &str,
    authorization: &str,
    body: &[u8],
    limit: u64,
) -> Result<Answer, Unanswered> {
    let sent = agent
        .post(url)
        .header("authorization", authorization)
        .content_type("application/json")
        .send(body);
    let mut response = match sent {
        Ok(response) => response,
        Err(e @ (ureq::Error::Io(_) | ureq::Error::Timeout(_) | ureq::Error::ConnectionFailed)) => {
            return Err(Unanswered::Network(format!("{url}: {e}")));
        }
        Err(e) => return Err(Unanswered::Final(format!("{url}: {e}"))),
    };
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, SystemTime::now()));
    match response
        .body_mut()
        .with_config()
        .limit(limit)
        .read_to_string()
    {
        Ok(text) => Ok(Answer {
            status,
            retry_after,
            text,
        }),
        Err(e @ (ureq::Error::Io(_) | ureq::Error::Timeout(_))) => {
            Err(Unanswered::Network(format!("{url}: {e}")))
        }
        Err(e) => Err(Unanswered::Final(format!("{url}: {e}"))),
    }
}
