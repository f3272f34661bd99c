//! What each stage of a removal asks of the host: the journal, then the markers, the words
//! (with `hybrid`) and the vectors of the planned chunks, in batches sized to the
//! platform's limits.

use super::*;

impl Removal {
    pub(super) fn write_journal(&mut self) -> Vec<Effect> {
        let hashes: Vec<String> = self
            .items
            .iter()
            .filter(|i| i.planned)
            .map(|i| i.doomed.hash.clone())
            .collect();
        if hashes.is_empty() {
            return Vec::new();
        }
        let journal = Journal::new(&self.names, "remove", self.now, hashes);
        let mut batch = vec![journal.put()];
        self.journal = Some(journal);
        self.awaiting.push(Purpose::Journal);
        for call in &self.invalidate {
            batch.push(call.clone());
            self.awaiting.push(Purpose::Invalidate(if call.is_kv() {
                ChunkError::KV_DELETE
            } else {
                ChunkError::TENANT_BUSY
            }));
        }
        batch
    }

    pub(super) fn delete_markers(&mut self) -> Vec<Effect> {
        if !self.journal_kept || self.delete_nothing {
            return Vec::new();
        }
        let mut batch = Vec::new();
        for (i, item) in self.items.iter().enumerate().filter(|(_, i)| i.planned) {
            batch.push(Effect::KvDelete {
                key: item.doomed.marker.clone(),
            });
            self.awaiting.push(Purpose::Marker(i));
        }
        batch
    }

    /// The chunks whose marker is gone, and (with `hybrid`) whose words are.
    fn unmarked(&self) -> Vec<usize> {
        (0..self.items.len())
            .filter(|&i| {
                let item = &self.items[i];
                item.planned
                    && self.journal_kept
                    && !self.delete_nothing
                    && !item.marker_left
                    && item.words_left.is_none()
            })
            .collect()
    }

    /// With `hybrid`: the unmarked chunks' words, before their vectors.
    pub(super) fn delete_words(&mut self) -> Vec<Effect> {
        if !self.config.hybrid {
            return Vec::new();
        }
        let mut batch = Vec::new();
        for group in self.unmarked().chunks(self.config.delete_batch_size) {
            let ids = self.ids_of(group);
            batch.push(Effect::TextIndexDelete { ids });
            self.awaiting.push(Purpose::Words(group.to_vec()));
        }
        batch
    }

    pub(super) fn delete_vectors(&mut self) -> Vec<Effect> {
        let mut batch = Vec::new();
        for group in self.unmarked().chunks(self.config.delete_batch_size) {
            let ids = self.ids_of(group);
            batch.push(Effect::VectorizeDeleteByIds { ids });
            self.awaiting.push(Purpose::Vectors(group.to_vec()));
        }
        batch
    }

    fn ids_of(&self, group: &[usize]) -> Vec<String> {
        group
            .iter()
            .map(|&i| self.names.vector_id(&self.items[i].doomed.hash))
            .collect()
    }
}
