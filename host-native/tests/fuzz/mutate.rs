//! The fuzz loop's inputs: a seeded generator, and mutations of JSON values and of raw
//! bytes drawn from a corpus of valid inputs and of tokens that tend to break parsers.

use serde_json::Value;

/// SplitMix64: small, seeded, the same on every machine.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "null",
    "-1",
    "1e999",
    "0",
    "2",
    "1.5",
    "\"\"",
    "\"  \"",
    "\"\\u0000\"",
    "[]",
    "{}",
    "true",
    "\"a_b\"",
    "\"x:y%\"",
    "\"phase\"",
    "\"chunks\"",
    "\"hash\"",
    "\"code\"",
    "\"userId\"",
    "\"projectId\"",
    "\"topK\"",
    "18446744073709551616",
    "[[[[[[[[",
    "\"\u{1F680}\"",
];

/// A JSON-aware mutation: replace a value anywhere in the tree, drop a key, or repeat an
/// array element, so that most inputs still parse and reach the checks behind the parser.
pub fn mutate_json(rng: &mut Rng, value: &mut Value) {
    fn walk(rng: &mut Rng, value: &mut Value, depth: usize) {
        let stop = depth > 0 && rng.below(3) == 0;
        match value {
            Value::Object(map) if !stop && !map.is_empty() => {
                let key = map
                    .keys()
                    .nth(rng.below(map.len()))
                    .cloned()
                    .unwrap_or_default();
                if rng.below(8) == 0 {
                    map.remove(&key);
                } else if let Some(v) = map.get_mut(&key) {
                    walk(rng, v, depth + 1);
                }
            }
            Value::Array(items) if !stop && !items.is_empty() => {
                let i = rng.below(items.len());
                if rng.below(6) == 0 {
                    let copy = items[i].clone();
                    items.push(copy);
                } else {
                    walk(rng, &mut items[i], depth + 1);
                }
            }
            _ => {
                let token = TOKENS[rng.below(TOKENS.len())];
                *value = match rng.below(3) {
                    0 => serde_json::from_str(token).unwrap_or(Value::Null),
                    1 => Value::String("x".repeat(rng.below(600))),
                    _ => Value::String(token.trim_matches('"').to_owned()),
                };
            }
        }
    }
    walk(rng, value, 0);
}

/// One mutation of `input`, drawing on `corpus` for splices.
pub fn mutate(rng: &mut Rng, input: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(7) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 => out.insert(at, rng.next() as u8),
            2 if at < out.len() => {
                let end = (at + rng.below(16)).min(out.len());
                out.drain(at..end);
            }
            3 => out
                .splice(at..at, TOKENS[rng.below(TOKENS.len())].bytes())
                .for_each(drop),
            4 => {
                let other = &corpus[rng.below(corpus.len())];
                let from = rng.below(other.len());
                let to = (from + rng.below(64)).min(other.len());
                out.splice(at..at, other[from..to].iter().copied())
                    .for_each(drop);
            }
            5 => out.truncate(at),
            _ => {
                let end = (at + rng.below(32)).min(out.len());
                let copy = out[at..end].to_vec();
                out.splice(at..at, copy).for_each(drop);
            }
        }
    }
    out
}

pub fn execs(default: usize) -> usize {
    std::env::var("INDEX_SYNC_FUZZ_EXECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
