//! The journals after a removal: its own dropped once every vector it names is gone, older
//! ones dropped when all their chunks are settled, or rewritten smaller when some are.

use super::{Purpose, Removal};
use crate::effect::Effect;
use crate::journal::Journal;
use crate::operation::Budget;
use crate::quota::{count, credit};

impl Removal {
    /// Whether a chunk an old journal names is settled: its vector is gone, or it keeps a
    /// marker a listing found, or this removal's journal (kept) names it. A chunk with no
    /// known marker whose removal failed or was deferred is not: the old journal may be
    /// the only record of its vector.
    fn settled(&self, hash: &str) -> bool {
        if self.confirmed.contains(hash) {
            return true;
        }
        self.items.iter().any(|i| {
            i.doomed.hash == hash
                && (i.vector_gone
                    || (i.doomed.listed && i.marker_left)
                    || (i.planned && self.journal_kept))
        })
    }

    /// Gives back the vectors of the chunks whose marker was found and deleted (its call
    /// is in the plan); drops this removal's journal once its vectors are gone, and the
    /// older journals whose chunks are settled (a smaller rewrite for those partly
    /// settled).
    pub(super) fn clean_up(&mut self, budget: &Budget) -> Vec<Effect> {
        let freed = self
            .items
            .iter()
            .filter(|i| i.doomed.counted && !i.marker_left)
            .count();
        let credit = self
            .credit_to
            .as_ref()
            .and_then(|(tenant, day)| credit(tenant, *day, 0, count(freed)))
            .filter(|_| budget.calls() > 0);
        let budget = &budget.less(usize::from(credit.is_some()));
        let mut batch = Vec::new();
        let all_gone = self
            .items
            .iter()
            .filter(|i| i.planned)
            .all(|i| i.vector_gone);
        if let Some(journal) = &self.journal
            && self.journal_kept
            && all_gone
        {
            batch.push(journal.delete());
            self.awaiting.push(Purpose::Drop);
            self.journal_kept = false;
        }
        for j in 0..self.old.len() {
            if batch.len() >= budget.kv() {
                break;
            }
            // A journal this very removal wrote again (the same chunks in the same second
            // make the same key) is this removal's own: kept or dropped above.
            if self
                .journal
                .as_ref()
                .is_some_and(|own| own.key == self.old[j].key)
            {
                continue;
            }
            let left: Vec<String> = self.old[j]
                .hashes
                .iter()
                .filter(|h| !self.settled(h))
                .cloned()
                .collect();
            if left.is_empty() {
                batch.push(Effect::KvDelete {
                    key: self.old[j].key.clone(),
                });
                self.awaiting.push(Purpose::Drop);
            } else if left.len() < self.old[j].hashes.len() {
                let smaller = Journal::new(&self.names, "rewrite", self.now, left);
                batch.push(smaller.put());
                self.awaiting.push(Purpose::Rewrite(j));
            }
        }
        if let Some(credit) = credit {
            batch.push(credit);
            self.awaiting.push(Purpose::Credit);
        }
        batch
    }

    /// Deletes old journals whose smaller rewrite was written.
    pub(super) fn retire(&mut self, budget: &Budget) -> Vec<Effect> {
        let keys: Vec<Effect> = std::mem::take(&mut self.retiring)
            .into_iter()
            .take(budget.kv())
            .map(|j| Effect::KvDelete {
                key: self.old[j].key.clone(),
            })
            .collect();
        self.awaiting.extend(keys.iter().map(|_| Purpose::Drop));
        keys
    }
}
