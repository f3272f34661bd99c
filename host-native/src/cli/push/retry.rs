//! When to send a request again, and after how long: exponential backoff with jitter on
//! the answers that say "later" (429, and 502, 503, 504 from a busy or restarting Worker)
//! and on network errors, never sooner than the server's `Retry-After`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Resends of one request before giving up on it.
pub const DEFAULT_RETRIES: u32 = 8;
/// The first backoff, in milliseconds; it doubles with each attempt.
pub const DEFAULT_BASE_MS: u64 = 500;
/// The longest backoff between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// The longest `Retry-After` waited for; a server asking for more is given up on, with
/// the time it asked for in the error.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// HTTP statuses that mean "try again later": rate limited, or the Worker (or the way to
/// it) briefly unable to answer.
pub fn retryable(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
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
    fn only_the_later_statuses_are_retried() {
        for status in [429, 502, 503, 504] {
            assert!(retryable(status));
        }
        for status in [200, 400, 401, 403, 404, 413, 500] {
            assert!(!retryable(status));
        }
    }
}
