//! The user's quotas in indexing (`quota.rs`): the charge of what the planned chunks need,
//! their admission in request order within the grant, and what goes back once the work is
//! done.

use super::*;
use crate::quota::count;

impl Indexing {
    /// What the planned chunks ask of the quotas: one AI unit per distinct piece of code
    /// planned for the AI (a cache miss; a cache hit costs none), one vector per chunk
    /// whose marker key held nothing (a chunk whose marker names other places keeps its
    /// vector).
    fn asks(&self) -> (u32, u32) {
        let planned = (0..self.chunks.len()).filter(|&i| self.status[i] == Status::Planned);
        let ai = self.contents.iter().filter(|c| c.planned).count();
        let vectors = planned.filter(|&i| !self.vector_held[i]).count();
        (count(ai), count(vectors))
    }

    /// Step 3b: the charge, when quotas are configured and the planned chunks need
    /// something (a no-change or all-cached request makes no call).
    pub(super) fn charge(&mut self) -> Vec<Effect> {
        let (ai, vectors) = self.asks();
        let Some(charge) = self.allowance.as_ref().and_then(|a| a.charge(ai, vectors)) else {
            return Vec::new();
        };
        self.awaiting.push(Purpose::Charge(ai, vectors));
        vec![charge]
    }

    /// The charge's outcome: planned chunks are admitted in request order while the grant
    /// lasts (a chunk that needs nothing always is); the others fail, and code that no
    /// admitted chunk holds is never sent to the AI.
    pub(super) fn admit(&mut self, ai: u32, vectors: u32, outcome: Outcome) {
        let Some(allowance) = self.allowance.as_mut() else {
            return;
        };
        allowance.charged(ai, vectors, outcome);
        let mut admitted = vec![false; self.contents.len()];
        for i in 0..self.chunks.len() {
            if self.status[i] != Status::Planned {
                continue;
            }
            let c = self.content_of[i];
            let needs_ai = self.contents[c].planned && !admitted[c];
            match allowance.admit(needs_ai, !self.vector_held[i]) {
                Ok(()) => admitted[c] |= needs_ai,
                Err(refused) => self.status[i] = Status::Failed(refused),
            }
        }
        for (content, admitted) in self.contents.iter_mut().zip(admitted) {
            if content.planned && !admitted {
                content.planned = false;
                // Unsummarised code had an empty summary in hand: it is not embedded either.
                content.summary = None;
            }
        }
    }

    /// What goes back to the quotas once the work is done: AI units granted whose code got
    /// no embedding (its AI call failed), and vectors of chunks that end without their
    /// marker (granted and not indexed, or whose marker of other places was deleted and
    /// not written again).
    pub(super) fn unused(&self) -> (u32, u32) {
        let Some(allowance) = &self.allowance else {
            return (0, 0);
        };
        let (ai, vectors) = allowance.granted();
        let embedded = self
            .contents
            .iter()
            .filter(|c| c.planned && c.embedding.is_some())
            .count();
        let indexed = |i: &usize| self.status[*i] == Status::Indexed;
        let new_kept = (0..self.chunks.len())
            .filter(|&i| !self.vector_held[i])
            .filter(indexed)
            .count();
        let unmarked_lost = (0..self.chunks.len())
            .filter(|&i| self.vector_held[i] && self.unmarked[i])
            .filter(|i| !indexed(i))
            .count();
        (
            ai.saturating_sub(count(embedded)),
            vectors
                .saturating_sub(count(new_kept))
                .saturating_add(count(unmarked_lost)),
        )
    }

    /// The response's `quota`, once a charge was made.
    pub(super) fn quota_left(&self) -> Option<serde_json::Value> {
        let (ai, vectors) = self.unused();
        self.allowance.as_ref()?.left(ai, vectors)
    }

    /// The credit of what was not used, if anything.
    pub(super) fn credit(&self) -> Option<Effect> {
        let (ai, vectors) = self.unused();
        self.allowance.as_ref()?.credit(ai, vectors)
    }
}
