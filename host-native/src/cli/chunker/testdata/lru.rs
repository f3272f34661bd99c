//! A least-recently-used cache: a map from keys to slots of an arena, and a doubly linked
//! list through the slots that orders them from the most to the least recently used.

use std::collections::HashMap;
use std::hash::Hash;

/// Slots are addressed by index into the arena; `NIL` ends a list.
const NIL: usize = usize::MAX;

/// What every cache of this crate offers.
pub trait Cache<K, V> {
    /// The value of `key`, marking it the most recently used.
    fn get(&mut self, key: &K) -> Option<&V>;

    /// Puts `value` under `key`; returns the entry it evicted to make room, if any.
    fn put(&mut self, key: K, value: V) -> Option<(K, V)>;

    /// Removes `key`, returning its value (taken out of its slot, which is reused).
    fn remove(&mut self, key: &K) -> Option<V>
    where
        V: Default;

    /// How many entries the cache holds.
    fn len(&self) -> usize;

    /// Whether the cache holds nothing.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One entry and its neighbours in the recency list.
#[derive(Debug)]
struct Slot<K, V> {
    key: K,
    value: V,
    newer: usize,
    older: usize,
}

/// A cache of at most `capacity` entries that evicts the least recently used one.
#[derive(Debug)]
pub struct Lru<K, V> {
    capacity: usize,
    index: HashMap<K, usize>,
    slots: Vec<Slot<K, V>>,
    free: Vec<usize>,
    newest: usize,
    oldest: usize,
}

impl<K: Hash + Eq + Clone, V> Lru<K, V> {
    /// An empty cache that holds at most `capacity` entries (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            index: HashMap::with_capacity(capacity),
            slots: Vec::with_capacity(capacity),
            free: Vec::new(),
            newest: NIL,
            oldest: NIL,
        }
    }

    /// Takes slot `at` out of the recency list, joining its neighbours.
    fn unlink(&mut self, at: usize) {
        let (newer, older) = (self.slots[at].newer, self.slots[at].older);
        match newer {
            NIL => self.newest = older,
            n => self.slots[n].older = older,
        }
        match older {
            NIL => self.oldest = newer,
            o => self.slots[o].newer = newer,
        }
    }

    /// Puts slot `at` at the front of the recency list: the most recently used.
    fn push_front(&mut self, at: usize) {
        self.slots[at].older = self.newest;
        self.slots[at].newer = NIL;
        if self.newest != NIL {
            let newest = self.newest;
            self.slots[newest].newer = at;
        }
        self.newest = at;
        if self.oldest == NIL {
            self.oldest = at;
        }
    }
}

impl<K: Hash + Eq + Clone, V> Cache<K, V> for Lru<K, V> {
    fn get(&mut self, key: &K) -> Option<&V> {
        let at = *self.index.get(key)?;
        self.unlink(at);
        self.push_front(at);
        Some(&self.slots[at].value)
    }

    /// Puts `value` under `key`, as the most recently used entry. When the cache is full,
    /// the least recently used entry makes room: its slot is reused for the new one, so a
    /// full cache never allocates, and the entry is handed back to the caller.
    fn put(&mut self, key: K, value: V) -> Option<(K, V)> {
        if let Some(&at) = self.index.get(&key) {
            self.slots[at].value = value;
            self.unlink(at);
            self.push_front(at);
            return None;
        }
        let mut evicted = None;
        let at = if self.index.len() >= self.capacity {
            let at = self.oldest;
            self.unlink(at);
            let slot = &mut self.slots[at];
            let old_key = std::mem::replace(&mut slot.key, key.clone());
            let old_value = std::mem::replace(&mut slot.value, value);
            self.index.remove(&old_key);
            evicted = Some((old_key, old_value));
            at
        } else if let Some(at) = self.free.pop() {
            self.slots[at].key = key.clone();
            self.slots[at].value = value;
            at
        } else {
            self.slots.push(Slot {
                key: key.clone(),
                value,
                newer: NIL,
                older: NIL,
            });
            self.slots.len() - 1
        };
        self.index.insert(key, at);
        self.push_front(at);
        evicted
    }

    fn remove(&mut self, key: &K) -> Option<V>
    where
        V: Default,
    {
        let at = self.index.remove(key)?;
        self.unlink(at);
        self.free.push(at);
        Some(std::mem::take(&mut self.slots[at].value))
    }

    fn len(&self) -> usize {
        self.index.len()
    }
}

/// The keys of `cache` from the most to the least recently used.
pub fn keys_by_recency<K: Clone, V>(cache: &Lru<K, V>) -> Vec<K> {
    let mut keys = Vec::with_capacity(cache.slots.len());
    let mut at = cache.newest;
    while at != NIL {
        keys.push(cache.slots[at].key.clone());
        at = cache.slots[at].older;
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_used_entry_is_evicted() {
        let mut cache = Lru::with_capacity(2);
        cache.put("a", 1);
        cache.put("b", 2);
        assert_eq!(cache.get(&"a"), Some(&1));
        assert_eq!(cache.put("c", 3), Some(("b", 2)));
        assert_eq!(keys_by_recency(&cache), ["c", "a"]);
    }

    #[test]
    fn a_removed_slot_is_reused() {
        let mut cache = Lru::with_capacity(3);
        cache.put(1, "one".to_owned());
        cache.put(2, "two".to_owned());
        assert_eq!(cache.remove(&1).as_deref(), Some("one"));
        cache.put(3, "three".to_owned());
        assert_eq!(cache.slots.len(), 2, "the freed slot holds the new entry");
        assert_eq!(cache.len(), 2);
    }
}
