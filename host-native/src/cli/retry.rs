//! When to send a request again, and after how long: exponential backoff with jitter on
//! the answers that say "later" (429, and 502, 503, 504 from a busy or restarting Worker)
//! and on network errors, never sooner than the server's `Retry-After`. Shared by `push`
//! (over HTTP) and `index`/`remove` (the component over the local store).
//!
//! A `409 tenant_busy` says "later" too, but it is no failure: another request of the same
//! user and project (another client of the Worker, another run of the tool on the same
//! store) holds the tenant's lease, nothing was done, and the lease is given back within
//! seconds. Such resends back off the same way but do not use up `retries`; they stop only
//! once one request has waited [`DEFAULT_BUSY_WAIT`] in all ([`BusyWaits`]).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// Resends of one request before giving up on it.
pub const DEFAULT_RETRIES: u32 = 8;
/// The first backoff, in milliseconds; it doubles with each attempt.
pub const DEFAULT_BASE_MS: u64 = 500;
/// The longest backoff between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// The longest `Retry-After` waited for; a server asking for more is given up on, with
/// the time it asked for in the error.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);
/// The longest one request waits, in all, while other requests of its project keep it
/// busy: five times the engine's lease (`leaseSeconds`, 120 s), the most a request that
/// died holding the lease keeps others out, so a busy project is waited for through
/// several other clients' requests, and a project somebody keeps busy is given up on.
pub const DEFAULT_BUSY_WAIT: Duration = Duration::from_secs(600);

/// HTTP statuses that mean "try again later": rate limited, or the Worker (or the way to
/// it) briefly unable to answer.
pub fn retryable(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// Whether an answer is a refusal because another request holds the tenant's lease.
pub fn tenant_busy(status: u16, body: &Value) -> bool {
    status == 409 && body["error"]["code"] == "tenant_busy"
}

/// The wait a refusal's body asks for (`error.retryAfterSeconds`), when it says.
pub fn body_retry_after(body: &Value) -> Option<Duration> {
    body["error"]["retryAfterSeconds"]
        .as_u64()
        .map(Duration::from_secs)
}

/// The resends of one request refused `tenant_busy`: backed off as any resend, never sooner
/// than the refusal asks, and given up on only once they have waited `limit` in all.
#[derive(Clone, Debug)]
pub struct BusyWaits {
    limit: Duration,
    waited: Duration,
    resends: u32,
}

impl BusyWaits {
    /// No resend yet; at most `limit` of waiting in all.
    pub fn new(limit: Duration) -> Self {
        Self {
            limit,
            waited: Duration::ZERO,
            resends: 0,
        }
    }

    /// The wait before the next resend, or `None` when it would go past the limit.
    pub fn next(
        &mut self,
        backoff: &mut Backoff,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        let wait = backoff.delay(self.resends + 1, retry_after);
        if self.waited + wait > self.limit {
            return None;
        }
        self.resends += 1;
        self.waited += wait;
        Some(wait)
    }

    /// The time waited so far.
    pub fn waited(&self) -> Duration {
        self.waited
    }
}

/// The backoff policy of one run.
#[derive(Clone, Debug)]
pub struct Backoff {
    /// Resends of one request before giving up.
    pub retries: u32,
    /// The first delay.
    pub base: Duration,
    seed: u64,
}

impl Backoff {
    /// A policy with its jitter seeded from the clock.
    pub fn new(retries: u32, base: Duration) -> Self {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Self {
            retries,
            base,
            seed: now ^ u64::from(std::process::id()) | 1,
        }
    }

    /// The wait before resend `attempt` (1 for the first resend): half of
    /// `base * 2^(attempt-1)` (at most [`MAX_BACKOFF`]) plus a random share of the other
    /// half, so that clients that failed together do not come back together; at least
    /// `retry_after` when the server gave one.
    pub fn delay(&mut self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let doubled = self.base.saturating_mul(
            1u32.checked_shl(attempt.saturating_sub(1))
                .unwrap_or(u32::MAX),
        );
        let ceiling = doubled.min(MAX_BACKOFF);
        let half = ceiling / 2;
        let jitter = half.mul_f64(self.unit());
        (half + jitter).max(retry_after.unwrap_or_default())
    }

    /// A number in [0, 1) from a xorshift of the seed: jitter, not secrecy.
    fn unit(&mut self) -> f64 {
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        (self.seed >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A `Retry-After` header's wait: delay-seconds, or an HTTP date (RFC 9110 §10.2.3), as
/// seen at `now`. `None` when it is neither.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_within_its_jitter_and_stops_growing_at_the_ceiling() {
        let mut backoff = Backoff::new(8, Duration::from_millis(100));
        for attempt in 1..=12 {
            let ceiling = (Duration::from_millis(100) * 2u32.pow(attempt - 1)).min(MAX_BACKOFF);
            let wait = backoff.delay(attempt, None);
            assert!(
                wait >= ceiling / 2 && wait <= ceiling,
                "{attempt}: {wait:?}"
            );
        }
        let waits: Vec<Duration> = (0..20).map(|_| backoff.delay(3, None)).collect();
        assert!(
            waits.iter().any(|w| *w != waits[0]),
            "jitter varies the wait"
        );
    }

    #[test]
    fn a_retry_after_is_waited_for_at_least() {
        let mut backoff = Backoff::new(8, Duration::from_millis(100));
        let wait = backoff.delay(1, Some(Duration::from_secs(7)));
        assert_eq!(wait, Duration::from_secs(7));
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO),
            "a date gone by means now"
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn a_busy_tenant_is_waited_for_with_backoff_until_the_limit() {
        let mut backoff = Backoff::new(0, Duration::from_millis(100));
        let mut busy = BusyWaits::new(Duration::from_secs(10));
        let asked = Some(Duration::from_secs(1));
        let waits: Vec<Duration> = std::iter::from_fn(|| busy.next(&mut backoff, asked)).collect();
        // Backoffs of at most 0.1, 0.2, 0.4 and 0.8 s: the Retry-After rules the first four.
        assert_eq!(waits[..4], [Duration::from_secs(1); 4], "{waits:?}");
        assert!(
            waits.len() >= 5,
            "the fifth (at most 1.6 s) still fits: {waits:?}"
        );
        assert!(
            waits.last() > waits.first(),
            "the waits grow once the backoff outgrows the Retry-After: {waits:?}"
        );
        assert_eq!(busy.waited(), waits.iter().sum::<Duration>());
        assert!(busy.waited() <= Duration::from_secs(10));
    }

    #[test]
    fn tenant_busy_is_told_by_status_and_code_and_says_when() {
        let refusal = serde_json::json!({"error": {"code": "tenant_busy", "message": "m",
            "retryAfterSeconds": 3}});
        assert!(tenant_busy(409, &refusal));
        assert!(!tenant_busy(503, &refusal));
        assert!(!tenant_busy(
            409,
            &serde_json::json!({"error": {"code": "other"}})
        ));
        assert_eq!(body_retry_after(&refusal), Some(Duration::from_secs(3)));
        assert_eq!(body_retry_after(&serde_json::json!({})), None);
    }

    #[test]
    fn only_the_later_statuses_are_retried() {
        for status in [429, 502, 503, 504] {
            assert!(retryable(status));
        }
        for status in [200, 400, 401, 403, 404, 413, 500] {
            assert!(!retryable(status));
        }
    }
}
