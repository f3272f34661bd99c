//! What each stage of indexing asks of the host: the batches, sized to the platform's limits
//! and to the invocation's budget.

use super::*;

impl Indexing {
    /// Step 1: read this tenant's markers in bulk: as many as can be read while what is
    /// left can still index one chunk whose code needs the AI (its cache lookup, summary,
    /// embedding, the lease's renewal, its cache entry, journal, marker and upsert). With a
    /// large budget that is every chunk; with a small one, reading every marker (and then
    /// every cache entry) would leave nothing to index with, and the request would be
    /// deferred whole however often it is resent.
    pub(super) fn read_markers(&mut self, budget: &Budget) -> Vec<Effect> {
        let size = self.config.kv_bulk_get_size;
        let mut looked_up = vec![false; self.contents.len()];
        let content_of = &self.content_of;
        let readable = fitting(&self.config, budget, 0..self.chunks.len(), |cost, i| {
            cost.marker_reads += 1;
            if !std::mem::replace(&mut looked_up[content_of[i]], true) {
                cost.lookups += 1;
            }
            (cost.chunks, cost.journaled, cost.new_contents) = (1, 1, 1);
        });
        self.defer_open(readable..self.chunks.len());
        let mut batch = Vec::new();
        for start in (0..readable).step_by(size) {
            let range = start..(start + size).min(readable);
            batch.push(Effect::KvGet {
                keys: self.markers[range.clone()].to_vec(),
            });
            self.awaiting.push(Purpose::MarkerRead(range));
        }
        batch
    }

    /// Step 2: read the shared cache for the open chunks that could fit the budget.
    pub(super) fn read_cache(&mut self, budget: &Budget) -> Vec<Effect> {
        let open: Vec<usize> = self.open().collect();
        let mut looked_up = vec![false; self.contents.len()];
        let has_key = &self.has_key;
        let unmark = &self.unmark;
        let fits = fitting(&self.config, budget, &open, |cost, &i| {
            cost.chunks += 1;
            cost.journaled += usize::from(!has_key[i]);
            cost.unmarks += usize::from(unmark[i]);
            let c = self.content_of[i];
            if !looked_up[c] {
                looked_up[c] = true;
                cost.lookups += 1;
            }
        });
        self.defer_open(open[fits..].to_vec());
        let wanted: Vec<usize> = {
            let mut seen = vec![false; self.contents.len()];
            open[..fits]
                .iter()
                .map(|&i| self.content_of[i])
                .filter(|&c| !std::mem::replace(&mut seen[c], true))
                .collect()
        };
        let mut batch = Vec::new();
        for group in wanted.chunks(self.config.kv_bulk_get_size) {
            batch.push(Effect::KvGet {
                keys: group
                    .iter()
                    .map(|&c| self.contents[c].key.clone())
                    .collect(),
            });
            self.awaiting.push(Purpose::CacheRead(group.to_vec()));
        }
        batch
    }

    /// Step 3: with the cache read, admit open chunks in order while the exact cost fits.
    pub(super) fn plan(&mut self, budget: &Budget) {
        self.fail_chunks_of_failed_contents();
        let open: Vec<usize> = self.open().collect();
        let mut counted = vec![false; self.contents.len()];
        let contents = &self.contents;
        let has_key = &self.has_key;
        let unmark = &self.unmark;
        let fits = fitting(&self.config, budget, &open, |cost, &i| {
            cost.chunks += 1;
            cost.journaled += usize::from(!has_key[i]);
            cost.unmarks += usize::from(unmark[i]);
            let c = self.content_of[i];
            if contents[c].embedding.is_none() && !counted[c] {
                counted[c] = true;
                cost.new_contents += 1;
            }
        });
        let fits = self.aligned(&open, fits);
        for &i in &open[..fits] {
            self.status[i] = Status::Planned;
            let content = &mut self.contents[self.content_of[i]];
            content.planned |= content.embedding.is_none();
            // Not summarised: the code alone is embedded, with an empty summary.
            if content.planned && !self.config.summaries {
                content.summary.get_or_insert_with(String::new);
            }
        }
        self.defer_open(open[fits..].to_vec());
    }

    /// When the budget defers part of the request anyway, the admitted chunks cut so that
    /// their new contents fill whole AI batches (embeddings, and summaries in JSON mode):
    /// the deferred rest then fills whole batches of its own in the next invocations, and
    /// the request as a whole makes no more AI calls than one invocation would.
    fn aligned(&self, open: &[usize], fits: usize) -> usize {
        if fits == open.len() {
            return fits;
        }
        let mut whole = self.config.embedding_batch_size;
        if self.config.summaries && self.config.summary_batch_size > 1 {
            let summaries = self.config.summary_batch_size;
            whole = whole / gcd(whole, summaries) * summaries;
        }
        let mut new = vec![false; self.contents.len()];
        let fresh: Vec<usize> = open[..fits]
            .iter()
            .map(|&i| self.content_of[i])
            .filter(|&c| {
                self.contents[c].embedding.is_none() && !std::mem::replace(&mut new[c], true)
            })
            .collect();
        let keep = fresh.len() / whole * whole;
        if keep == 0 || keep == fresh.len() {
            return fits;
        }
        // Admit chunks in order up to the one that brings the (keep + 1)-th new content.
        let mut seen = vec![false; self.contents.len()];
        let mut count = 0;
        for (n, &i) in open[..fits].iter().enumerate() {
            let c = self.content_of[i];
            if self.contents[c].embedding.is_none() && !std::mem::replace(&mut seen[c], true) {
                count += 1;
                if count > keep {
                    return n;
                }
            }
        }
        fits
    }

    /// Step 4a: the next few summary calls, each of up to `summaryBatchSize` contents.
    pub(super) fn ask_summaries(&mut self) -> Vec<Effect> {
        let per_call = self.config.summary_batch_size;
        let next: Vec<usize> = (0..self.contents.len())
            .filter(|&c| {
                let content = &self.contents[c];
                content.planned
                    && !content.asked
                    && content.summary.is_none()
                    && content.failed.is_none()
            })
            .take(self.config.summary_concurrency.saturating_mul(per_call))
            .collect();
        next.chunks(per_call)
            .map(|group| {
                let codes: Vec<&str> = group
                    .iter()
                    .map(|&c| self.chunks[self.contents[c].chunk].code.as_str())
                    .collect();
                let call = if per_call == 1 {
                    summary_call(&self.config, codes[0])
                } else {
                    summaries_call(&self.config, &codes)
                };
                for &c in group {
                    self.contents[c].asked = true;
                }
                self.awaiting.push(Purpose::Summaries(group.to_vec()));
                call
            })
            .collect()
    }

    /// Step 4b: embeddings of every summarised content, in batches.
    pub(super) fn ask_embeddings(&mut self) -> Vec<Effect> {
        let ready: Vec<usize> = (0..self.contents.len())
            .filter(|&c| {
                let content = &self.contents[c];
                content.summary.is_some() && content.embedding.is_none() && content.failed.is_none()
            })
            .collect();
        let mut batch = Vec::new();
        for group in ready.chunks(self.config.embedding_batch_size) {
            let texts = group
                .iter()
                .map(|&c| {
                    let content = &self.contents[c];
                    embedding_input(
                        &self.config,
                        content.summary.as_deref().unwrap_or_default(),
                        &self.chunks[content.chunk].code,
                    )
                })
                .collect();
            batch.push(embedding_call(&self.config, texts));
            self.awaiting.push(Purpose::Embedding(group.to_vec()));
        }
        batch
    }

    /// Step 5: new cache entries, the journal of the chunks about to be upserted that have
    /// no marker key or one that names other places (cache writes first: a fault aimed at
    /// "the next KV write" meets the shared cache, as it did before journals), and the
    /// record state's removal.
    pub(super) fn write_entries_and_journal(&mut self) -> Vec<Effect> {
        self.fail_chunks_of_failed_contents();
        let mut batch = Vec::new();
        for content in &self.contents {
            if let (false, Some(summary), Some(embedding)) =
                (content.from_cache, &content.summary, &content.embedding)
            {
                let entry = CacheEntry {
                    summary: summary.clone(),
                    embedding: embedding.clone(),
                    identity: self.identity.clone(),
                    content_hash: self.chunks[content.chunk].content_hash.clone(),
                };
                batch.push(Effect::KvPut {
                    key: content.key.clone(),
                    value: entry.encode(),
                    ttl_seconds: self.config.cache_ttl_seconds,
                    metadata: None,
                });
                self.awaiting.push(Purpose::CacheWrite);
            }
        }
        let hashes: Vec<String> = (0..self.chunks.len())
            .filter(|&i| self.status[i] == Status::Planned && !self.has_key[i])
            .map(|i| {
                self.journaled[i] = true;
                self.chunks[i].hash.clone()
            })
            .collect();
        if !hashes.is_empty() {
            let journal = Journal::new(&self.names, "index", self.now, hashes);
            batch.push(journal.put());
            self.journal = Some(journal);
            self.awaiting.push(Purpose::Journal);
        }
        if let (true, Some(token)) = (self.status.contains(&Status::Planned), self.token) {
            batch.push(write_state(&self.tenant, token, None));
            self.awaiting.push(Purpose::StateDrop);
        }
        batch
    }

    /// Step 6: the markers of planned chunks that name other places, deleted before the
    /// vectors change (the journal names these chunks meanwhile).
    pub(super) fn unmark(&mut self) -> Vec<Effect> {
        let mut batch = Vec::new();
        for i in 0..self.chunks.len() {
            if self.unmark[i] && self.status[i] == Status::Planned {
                batch.push(Effect::KvDelete {
                    key: self.markers[i].clone(),
                });
                self.awaiting.push(Purpose::Unmark(i));
            }
        }
        batch
    }

    /// Step 7: the tenant's vectors, in batches (with `hybrid`, each one's text-index entry
    /// is made beside it, for step 7b).
    pub(super) fn upsert(&mut self) -> Vec<Effect> {
        let mut batch = Vec::new();
        let planned: Vec<usize> = (0..self.chunks.len())
            .filter(|&i| self.status[i] == Status::Planned)
            .collect();
        for group in planned.chunks(self.config.upsert_batch_size) {
            let vectors: Vec<Vector> = group
                .iter()
                .map(|&i| {
                    let content = &self.contents[self.content_of[i]];
                    vector::tenant_vector(
                        &self.config,
                        &self.tenant,
                        &self.names,
                        &self.chunks[i],
                        content.summary.as_deref().unwrap_or_default(),
                        content.embedding.as_deref().unwrap_or_default(),
                    )
                })
                .collect();
            if self.config.hybrid {
                for (&i, v) in group.iter().zip(&vectors) {
                    let entry = vector::text_entry(&self.tenant, &self.chunks[i], v);
                    self.words.push((i, entry));
                }
            }
            batch.push(Effect::VectorizeUpsert { vectors });
            self.awaiting.push(Purpose::Upsert(group.to_vec()));
        }
        batch
    }

    /// Step 7b, with `hybrid`: the words of each chunk whose vector was stored, as many a
    /// call as an upsert. After the vectors, so that a chunk's words are in the text index
    /// only while its vector is in Vectorize (removal deletes them first): a word match is
    /// always a chunk search can show.
    pub(super) fn put_words(&mut self) -> Vec<Effect> {
        let mut stored = std::mem::take(&mut self.words)
            .into_iter()
            .filter(|(i, _)| self.status[*i] == Status::Upserted)
            .peekable();
        let mut batch = Vec::new();
        while stored.peek().is_some() {
            let group = stored.by_ref().take(self.config.upsert_batch_size);
            let (chunks, entries): (Vec<usize>, Vec<TextEntry>) = group.unzip();
            batch.push(Effect::TextIndexPut { entries });
            self.awaiting.push(Purpose::Words(chunks));
        }
        batch
    }

    /// Step 8: a marker for each upserted vector, naming its files.
    pub(super) fn write_markers(&mut self) -> Vec<Effect> {
        let upserted: Vec<usize> = (0..self.chunks.len())
            .filter(|&i| self.status[i] == Status::Upserted)
            .collect();
        upserted
            .into_iter()
            .map(|i| {
                self.awaiting.push(Purpose::MarkerWrite(i));
                let chunk = &self.chunks[i];
                let key = &self.markers[i];
                let (value, metadata) = NewMarker {
                    now: self.now,
                    paths: Some(&chunk.locations_digest),
                    hash: self.names.key_is_cut(key).then_some(chunk.hash.as_str()),
                    words: self.config.hybrid,
                }
                .encode();
                Effect::KvPut {
                    key: key.clone(),
                    value,
                    ttl_seconds: None,
                    metadata: Some(metadata),
                }
            })
            .collect()
    }

    /// Step 9, after the response: credit the quotas with what was not used (its call is
    /// in the plan); rewrite due markers of chunks the tenant already had, with the budget
    /// left; delete the journal once every chunk it names is indexed.
    pub(super) fn finish(&mut self, budget: &Budget) -> Vec<Effect> {
        let mut batch = Vec::new();
        if let Some(credit) = self.credit().filter(|_| budget.calls() > 0) {
            batch.push(credit);
            self.awaiting.push(Purpose::Credit);
        }
        let budget = &budget.less(batch.len());
        let settled = (0..self.chunks.len())
            .filter(|&i| self.journaled[i])
            .all(|i| self.status[i] == Status::Indexed);
        if let Some(journal) = &self.journal
            && settled
            && budget.kv() > 0
        {
            batch.push(journal.delete());
            self.awaiting.push(Purpose::Refresh);
        }
        let due: Vec<usize> = (0..self.chunks.len())
            .filter(|&i| matches!(&self.status[i], Status::Cached(read) if read.due))
            .take(budget.kv().saturating_sub(batch.len()))
            .collect();
        for i in due {
            if let Status::Cached(read) = &self.status[i] {
                batch.push(refresh_marker(
                    &self.names,
                    &self.chunks[i].hash,
                    read,
                    self.now,
                ));
                self.awaiting.push(Purpose::Refresh);
            }
        }
        batch
    }

    pub(super) fn fail_chunks_of_failed_contents(&mut self) {
        for i in 0..self.chunks.len() {
            if let Some(error) = &self.contents[self.content_of[i]].failed
                && matches!(self.status[i], Status::Open | Status::Planned)
            {
                self.status[i] = Status::Failed(error.clone());
            }
        }
    }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}
