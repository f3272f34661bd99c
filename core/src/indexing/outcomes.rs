//! What indexing makes of each outcome: a failure marks only the chunks it touches.

use super::*;

impl Indexing {
    pub(super) fn fail_content(&mut self, c: usize, code: &'static str, message: String) {
        self.contents[c].failed = Some(ChunkError::new(code, message));
    }

    pub(super) fn handle_one(&mut self, purpose: Purpose, outcome: Outcome) {
        match purpose {
            Purpose::MarkerRead(range) => {
                match kv_values(outcome, range.len()) {
                    Ok(values) => {
                        for (i, value) in range.zip(values) {
                            self.has_key[i] = value.is_some();
                            self.vector_held[i] = value.is_some();
                            let wanted = Some(self.chunks[i].locations_digest.as_str());
                            match value.and_then(|v| read_marker(&self.config, &v, self.now)) {
                                Some(read) if read.holds(wanted) => {
                                    self.status[i] = Status::Cached(read);
                                }
                                // A live marker of other places (other files, or the
                                // same files at other lines): a phase 1 naming those would
                                // answer cached while the vector changes, so it goes
                                // first, and the journal keeps the chunk reachable.
                                Some(read) if read.paths.is_some() => {
                                    self.has_key[i] = false;
                                    self.unmark[i] = true;
                                }
                                _ => {}
                            }
                        }
                    }
                    Err(e) => {
                        for i in range {
                            self.status[i] = Status::Failed(ChunkError::new(
                                ChunkError::KV_READ,
                                e.message.clone(),
                            ));
                        }
                    }
                }
            }
            Purpose::CacheRead(group) => match kv_values(outcome, group.len()) {
                Ok(values) => {
                    for (c, value) in group.into_iter().zip(values) {
                        let content_hash = &self.chunks[self.contents[c].chunk].content_hash;
                        let entry = value.and_then(|v| {
                            CacheEntry::decode(&self.config, &self.identity, content_hash, &v)
                        });
                        if let Some(entry) = entry {
                            let content = &mut self.contents[c];
                            content.summary = Some(entry.summary);
                            content.embedding = Some(entry.embedding);
                            content.from_cache = true;
                        }
                    }
                }
                Err(e) => {
                    for c in group {
                        self.fail_content(c, ChunkError::KV_READ, e.message.clone());
                    }
                }
            },
            Purpose::Summaries(group) => {
                let read: Vec<Result<String, String>> = match ai_output(outcome) {
                    Ok(output) if self.config.summary_batch_size == 1 => {
                        vec![read_summary(&self.config, &output)]
                    }
                    Ok(output) => read_summaries(&self.config, &output, group.len()),
                    Err(message) => vec![Err(message); group.len()],
                };
                // A reply that lacks a chunk fails that chunk alone.
                for (c, summary) in group.into_iter().zip(read) {
                    match summary {
                        Ok(summary) => self.contents[c].summary = Some(summary),
                        Err(message) => self.fail_content(c, ChunkError::AI, message),
                    }
                }
            }
            Purpose::Embedding(group) => {
                let read = outcome
                    .map_err(|e| failure(Err(e)))
                    .and_then(|reply| embeddings_of(&self.config, reply, group.len()));
                match read {
                    Ok(embeddings) => {
                        for (c, embedding) in group.into_iter().zip(embeddings) {
                            self.contents[c].embedding = Some(embedding);
                        }
                    }
                    Err(message) => {
                        for c in group {
                            self.fail_content(c, ChunkError::AI, message.clone());
                        }
                    }
                }
            }
            // A lost cache write costs a later AI call, not a chunk: the vector is still
            // upserted with the embedding in hand. A journal left behind costs a read at a
            // later listing.
            Purpose::CacheWrite | Purpose::Refresh => {}
            // A credit that failed leaves the user's counters that much high: the user's
            // loss (a lower limit until the day ends, or until a removal), never the
            // operator's.
            Purpose::Credit => {}
            Purpose::Charge(ai, vectors) => self.admit(ai, vectors, outcome),
            Purpose::StateDrop => {
                if !state_written(&outcome) {
                    // The state may still vouch for what is about to change, or the lease
                    // ran out: change nothing.
                    let message = match outcome {
                        Ok(Reply::CoordinatorWriteState { .. }) => {
                            "the tenant's lease ran out and another request took it".into()
                        }
                        other => format!("record state: {}", failure(other)),
                    };
                    let error = ChunkError::new(ChunkError::TENANT_BUSY, message);
                    for i in 0..self.chunks.len() {
                        if self.status[i] == Status::Planned {
                            self.status[i] = Status::Failed(error.clone());
                        }
                    }
                }
            }
            Purpose::Unmark(i) => {
                self.unmarked[i] = matches!(outcome, Ok(Reply::KvDelete));
                if !self.unmarked[i] {
                    // Its marker may still name the old files: its vector must too.
                    self.status[i] = Status::Failed(ChunkError::new(
                        ChunkError::KV_DELETE,
                        format!("marker of other places: {}", failure(outcome)),
                    ));
                }
            }
            Purpose::Journal => {
                if !matches!(outcome, Ok(Reply::KvPut)) {
                    let error = ChunkError::new(
                        ChunkError::KV_WRITE,
                        format!("journal: {}", failure(outcome)),
                    );
                    for i in 0..self.chunks.len() {
                        if self.journaled[i] {
                            self.status[i] = Status::Failed(error.clone());
                        }
                    }
                    // Nothing it names was written: nothing is left to settle.
                    self.journaled.fill(false);
                    self.journal = None;
                }
            }
            Purpose::Words(group) => {
                if !matches!(outcome, Ok(Reply::TextIndexPut)) {
                    let error = ChunkError::new(ChunkError::TEXT_INDEX, failure(outcome));
                    for i in group {
                        self.status[i] = Status::Failed(error.clone());
                    }
                }
            }
            Purpose::Upsert(group) => {
                let next = match outcome {
                    Ok(Reply::VectorizeUpsert) => Status::Upserted,
                    other => Status::Failed(ChunkError::new(ChunkError::VECTORIZE, failure(other))),
                };
                for i in group {
                    self.status[i] = next.clone();
                }
            }
            Purpose::MarkerWrite(i) => {
                self.status[i] = match outcome {
                    Ok(Reply::KvPut) => Status::Indexed,
                    other => Status::Failed(ChunkError::new(ChunkError::KV_WRITE, failure(other))),
                };
            }
        }
    }
}

/// The values of a bulk read of `count` keys, or why there are none.
fn kv_values(outcome: Outcome, count: usize) -> Result<Vec<Option<String>>, HostError> {
    match outcome {
        Ok(Reply::KvGet { values }) if values.len() == count => Ok(values),
        Ok(_) => Err(HostError::new(
            "protocol",
            "the host answered a KV read with something else",
        )),
        Err(e) => Err(e),
    }
}

fn ai_output(outcome: Outcome) -> Result<serde_json::Value, String> {
    match outcome {
        Ok(Reply::AiRun { output }) => Ok(output),
        other => Err(failure(other)),
    }
}

/// The message of a failed outcome, or of an answer of the wrong kind.
fn failure(outcome: Outcome) -> String {
    match outcome {
        Err(e) => format!("{}: {}", e.code, e.message),
        Ok(_) => WRONG_REPLY.into(),
    }
}
