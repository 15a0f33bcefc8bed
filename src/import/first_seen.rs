//! Where each key of a file was first seen, for the checks across rows (duplicate codes and
//! ID numbers, a household in one building), in little memory: a file of millions of rows
//! must be checked — and its problems counted — without holding its text.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

/// The first line (and a small value) of each key, keyed by a 128-bit hash of it: 24 bytes
/// a key however long it is. Exact in practice: two of a billion keys share a hash with odds
/// of about 10⁻²¹.
pub struct FirstSeen<V: Copy = ()> {
    hashers: (RandomState, RandomState),
    seen: HashMap<[u64; 2], (u32, V)>,
}

impl<V: Copy> Default for FirstSeen<V> {
    fn default() -> Self {
        Self::with_capacity(0)
    }
}

impl<V: Copy> FirstSeen<V> {
    /// Room for `keys` keys at once.
    pub fn with_capacity(keys: usize) -> Self {
        FirstSeen {
            hashers: (RandomState::new(), RandomState::new()),
            seen: HashMap::with_capacity(keys),
        }
    }

    fn hash(&self, key: impl std::hash::Hash) -> [u64; 2] {
        [self.hashers.0.hash_one(&key), self.hashers.1.hash_one(&key)]
    }

    /// Where `key` was first seen, if it was, without remembering it.
    pub fn seen(&self, key: impl std::hash::Hash) -> Option<(u64, V)> {
        self.seen
            .get(&self.hash(key))
            .map(|(line, value)| (u64::from(*line), *value))
    }

    /// Remembers `key` at `line` with `value`; when it was seen before, answers where
    /// first, with the value it had then.
    pub fn first(&mut self, key: impl std::hash::Hash, line: u64, value: V) -> Option<(u64, V)> {
        let hash = self.hash(key);
        let line = u32::try_from(line).unwrap_or(u32::MAX);
        match self.seen.entry(hash) {
            std::collections::hash_map::Entry::Occupied(first) => {
                let (line, value) = *first.get();
                Some((u64::from(line), value))
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert((line, value));
                None
            }
        }
    }
}

/// Names kept once each (the buildings of a file), numbered in order of first sight.
#[derive(Default)]
pub struct Names {
    numbers: HashMap<String, u32>,
    names: Vec<String>,
}

impl Names {
    pub fn number(&mut self, name: &str) -> u32 {
        if let Some(n) = self.numbers.get(name) {
            return *n;
        }
        let n = self.names.len() as u32;
        self.names.push(name.to_string());
        self.numbers.insert(name.to_string(), n);
        n
    }

    pub fn name(&self, number: u32) -> &str {
        &self.names[number as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_the_first_line_and_value() {
        let mut seen = FirstSeen::default();
        assert_eq!(seen.first("R1", 2, 7u32), None);
        assert_eq!(seen.first("R2", 3, 8), None);
        assert_eq!(seen.first("R1", 9, 9), Some((2, 7)));
        let mut names = Names::default();
        assert_eq!(
            (names.number("B1"), names.number("B2"), names.number("B1")),
            (0, 1, 0)
        );
        assert_eq!(names.name(1), "B2");
    }
}
