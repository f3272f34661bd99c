//! How much of a request fits the invocation's budget. The plan is made twice: before the
//! cache lookup with the cheapest possible cost per chunk (to bound the lookup itself), and
//! after it with the exact cost. Chunks that do not fit are deferred, never failed.

use crate::config::{Config, QUOTA_CALLS};
use crate::operation::Budget;

/// Host operations that indexing a set of chunks will take.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Cost {
    /// Chunks whose vector is upserted and marker written.
    pub chunks: usize,
    /// Distinct pieces of code that need the AI (a summary and an embedding each).
    pub new_contents: usize,
    /// Distinct pieces of code to read from the shared cache.
    pub lookups: usize,
    /// Chunks whose markers are read (before the plan; counted when bounding that read).
    pub marker_reads: usize,
    /// Chunks without a marker key, which a journal names: its write and delete.
    pub journaled: usize,
    /// Markers that name other places, deleted before their vectors change.
    pub unmarks: usize,
}

impl Cost {
    /// Operations: cache reads in bulk; per new content a cache write, the summary calls
    /// (`summaryBatchSize` contents each, none when `summaries` is off) and the embedding
    /// calls in batches, and once the lease's renewal; per chunk a marker write, plus the
    /// upserts in batches (and the text index's, with `hybrid`); the journal's write and delete, the markers deleted first, and
    /// the record state's removal from the coordinator; the quotas' charge and credit.
    pub(crate) fn operations(&self, config: &Config) -> usize {
        let summaries = if config.summaries {
            self.new_contents.div_ceil(config.summary_batch_size)
        } else {
            0
        };
        self.marker_reads.div_ceil(config.kv_bulk_get_size)
            + self.lookups.div_ceil(config.kv_bulk_get_size)
            + summaries
            + self.new_contents
            + self.new_contents.div_ceil(config.embedding_batch_size)
            + usize::from(self.new_contents > 0)
            + self.chunks
            + config.vector_writes(self.chunks)
            + self.journal_operations()
            + usize::from(self.chunks > 0)
            + self.quota_calls(config)
    }

    /// With quotas configured, indexing anything may take the charge and the credit of
    /// what it did not use.
    fn quota_calls(&self, config: &Config) -> usize {
        match config.quotas {
            Some(_) if self.chunks > 0 => QUOTA_CALLS,
            _ => 0,
        }
    }

    /// The KV operations among them: cache reads, cache writes, marker writes, journal.
    pub(crate) fn kv_operations(&self, config: &Config) -> usize {
        self.marker_reads.div_ceil(config.kv_bulk_get_size)
            + self.lookups.div_ceil(config.kv_bulk_get_size)
            + self.new_contents
            + self.chunks
            + self.journal_operations()
    }

    fn journal_operations(&self) -> usize {
        let journal = if self.journaled > 0 { 2 } else { 0 };
        journal + self.unmarks
    }

    fn fits(&self, config: &Config, budget: &Budget) -> bool {
        self.operations(config) <= budget.calls() && self.kv_operations(config) <= budget.kv()
    }
}

/// Takes items in order while the cost of all taken so far fits `budget`; returns how many.
/// `add` adds one item's cost to the running total.
pub(crate) fn fitting<T>(
    config: &Config,
    budget: &Budget,
    items: impl IntoIterator<Item = T>,
    mut add: impl FnMut(&mut Cost, T),
) -> usize {
    let mut cost = Cost::default();
    let mut taken = 0;
    for item in items {
        let mut next = cost;
        add(&mut next, item);
        if !next.fits(config, budget) {
            break;
        }
        cost = next;
        taken += 1;
    }
    taken
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thousand_new_chunks_cost_what_the_platform_floor_says() {
        let c = Config::default();
        let cost = Cost {
            chunks: 1000,
            new_contents: 1000,
            lookups: 1000,
            journaled: 1000,
            unmarks: 0,
            marker_reads: 0,
        };
        // 10 reads + 1,000 summaries + 10 embedding batches + 1,000 cache writes + the
        // lease's renewal + 1 upsert + 1,000 markers + a journal written and deleted + the
        // record state's removal.
        assert_eq!(cost.operations(&c), 3025);
    }

    #[test]
    fn with_quotas_indexing_keeps_two_calls_for_the_charge_and_the_credit() {
        let with_quotas = Config {
            quotas: Some(crate::config::Quotas::default()),
            ..Config::default()
        };
        let one = Cost {
            chunks: 1,
            ..Cost::default()
        };
        assert_eq!(
            one.operations(&with_quotas),
            one.operations(&Config::default()) + QUOTA_CALLS
        );
        assert_eq!(
            Cost::default().operations(&with_quotas),
            0,
            "nothing to index, nothing to charge"
        );
        assert_eq!(
            one.kv_operations(&with_quotas),
            one.kv_operations(&Config::default()),
            "coordinator calls are not KV operations"
        );
    }

    #[test]
    fn fitting_stops_at_the_first_item_over_budget() {
        let c = Config::default();
        let n = fitting(&c, &Budget::new(10, 10), 0..10, |cost, _| {
            cost.chunks += 1;
            cost.new_contents += 1;
            cost.lookups += 1;
            cost.journaled += 1;
        });
        // One chunk: 1 read + 2 AI + 1 cache write + 1 renewal + 1 marker + 1 upsert + 2
        // journal + 1 state = 10; two: 1 + 4 + 2 + 1 + 2 + 1 + 2 + 1 = 14.
        assert_eq!(n, 1);
    }
}
