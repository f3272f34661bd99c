//! The answer of an `init` or phase 2: each chunk's outcome, and, when the request was
//! charged to the user's quotas, what they leave.

use super::*;

impl Indexing {
    /// Each chunk's outcome, and the user's quotas' figures when a charge was made.
    pub(super) fn response(&self) -> Response {
        let hashes = |want: fn(&Status) -> bool| -> Vec<&str> {
            self.chunks
                .iter()
                .zip(&self.status)
                .filter(|(_, s)| want(s))
                .map(|(c, _)| c.hash.as_str())
                .collect()
        };
        let failed: Vec<_> = self
            .chunks
            .iter()
            .zip(&self.status)
            .filter_map(|(c, s)| match s {
                Status::Failed(e) => Some(json!({
                    "hash": c.hash,
                    "error": { "code": e.code, "message": e.message },
                })),
                _ => None,
            })
            .collect();
        let mut body = json!({
            "indexed": hashes(|s| *s == Status::Indexed),
            "cached": hashes(|s| matches!(s, Status::Cached(_))),
            "failed": failed,
            // Anything not finished and not failed is safe to resend as is.
            "deferred": hashes(|s| matches!(s, Status::Deferred | Status::Open | Status::Planned | Status::Upserted)),
        });
        if let Some(quota) = self.quota_left() {
            body["quota"] = quota;
        }
        Response { status: 200, body }
    }
}
