//! Splitting a complete listing into parts that each fit a request: by hash prefix, as the
//! engine's `hashPrefixes` scope asks (no prefix a prefix of another, every hash under one).

use std::collections::BTreeMap;

use super::super::chunker::Chunk;

/// The engine's `maxHashPrefixes` default: prefixes one part may name.
pub const MAX_PREFIXES_PER_PART: usize = 256;

/// One phase-1 request's share of the listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// The hash prefixes it covers; empty for a part that is the whole project.
    prefixes: Vec<String>,
}

impl Part {
    /// Its `hashPrefixes`, or `None` when it is the whole project.
    pub fn prefixes(&self) -> Option<&[String]> {
        (!self.prefixes.is_empty()).then_some(self.prefixes.as_slice())
    }

    /// The hashes of `by_hash` it covers.
    pub fn hashes<'a>(
        &'a self,
        by_hash: &'a BTreeMap<&'a str, Vec<&'a Chunk>>,
    ) -> impl Iterator<Item = (&'a str, &'a Vec<&'a Chunk>)> + 'a {
        by_hash
            .iter()
            .filter(|(h, _)| {
                self.prefixes.is_empty() || self.prefixes.iter().any(|p| h.starts_with(p.as_str()))
            })
            .map(|(h, c)| (*h, c))
    }
}

/// Parts of at most `limit` occurrences for `counts` (each distinct hash, sorted, with its
/// number of occurrences). One part when everything fits; else prefixes one character
/// longer until each group fits, packed into parts. A hash that is itself a prefix of a
/// group that must be split cannot be covered, and is an error (never for hex digests).
pub fn partition(counts: &[(&str, usize)], limit: usize) -> Result<Vec<Part>, String> {
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    if total <= limit {
        return Ok(vec![Part {
            prefixes: Vec::new(),
        }]);
    }
    let mut groups: Vec<(String, usize)> = Vec::new();
    split(counts, "", limit, &mut groups)?;
    let mut parts: Vec<Part> = Vec::new();
    let mut size = 0;
    for (prefix, n) in groups {
        let full = parts
            .last()
            .is_none_or(|p| size + n > limit || p.prefixes.len() >= MAX_PREFIXES_PER_PART);
        if full {
            parts.push(Part {
                prefixes: Vec::new(),
            });
            size = 0;
        }
        parts.last_mut().expect("pushed").prefixes.push(prefix);
        size += n;
    }
    Ok(parts)
}

fn split(
    counts: &[(&str, usize)],
    prefix: &str,
    limit: usize,
    out: &mut Vec<(String, usize)>,
) -> Result<(), String> {
    let mut by_next: BTreeMap<String, Vec<(&str, usize)>> = BTreeMap::new();
    for &(hash, n) in counts {
        let Some(next) = hash[prefix.len()..].chars().next() else {
            return Err(format!(
                "hash {hash:?} is also the prefix of {} chunks: the listing cannot be split",
                counts.len()
            ));
        };
        by_next
            .entry(format!("{prefix}{next}"))
            .or_default()
            .push((hash, n));
    }
    for (longer, group) in by_next {
        let n: usize = group.iter().map(|(_, n)| n).sum();
        if n <= limit || group.len() == 1 {
            out.push((longer, n));
        } else {
            split(&group, &longer, limit, out)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_listing_is_one_part_and_a_large_one_splits_by_prefix() {
        assert_eq!(
            partition(&[("a", 1), ("b", 2)], 10).unwrap(),
            [Part { prefixes: vec![] }]
        );
        let hashes: Vec<String> = (0..64).map(|i| format!("{:02x}", i * 4)).collect();
        let counts: Vec<(&str, usize)> = hashes.iter().map(|h| (h.as_str(), 1)).collect();
        let parts = partition(&counts, 10).unwrap();
        assert!(parts.len() >= 7);
        let mut covered = 0;
        for part in &parts {
            let prefixes = part.prefixes().unwrap();
            let n = hashes
                .iter()
                .filter(|h| prefixes.iter().any(|p| h.starts_with(p.as_str())))
                .count();
            assert!(n <= 10, "{prefixes:?}");
            covered += n;
        }
        assert_eq!(covered, 64, "every hash in exactly one part");
    }

    #[test]
    fn a_hash_that_prefixes_others_cannot_be_split() {
        assert!(partition(&[("a", 2), ("ab", 2)], 3).is_err());
    }
}
