//! Pieces the analyses share: time buckets, counts per key, rates.

use std::hash::Hasher;

use hashbrown::HashTable;
use rustc_hash::FxHasher;

use super::buckets::Merge;

const MIN: i64 = 60_000_000;

/// Bucket sizes for "over time" views, smallest first.
pub const BUCKETS: [i64; 6] = [MIN, 5 * MIN, 10 * MIN, 15 * MIN, 30 * MIN, 60 * MIN];

/// Picks a bucket from 1m to 1h so a window shows at most about 150 points.
pub fn auto_bucket(window_us: i64) -> i64 {
    BUCKETS
        .iter()
        .copied()
        .find(|b| window_us / b <= 150)
        .unwrap_or(60 * MIN)
}

/// errors / requests, or None when there are no requests.
pub fn rate(errors: u64, requests: u64) -> Option<f64> {
    (requests > 0).then(|| errors as f64 / requests as f64)
}

/// A key of optional strings, as the keyed tallies store it.
pub type Key = Vec<Option<String>>;

/// Values per key of one or more optional strings (an endpoint with its method, a client, a
/// target group). Memory follows the number of distinct keys, never the number of requests;
/// a key already seen is found without allocating.
///
/// A key is stored encoded (see [`encode`]), but looked up from its parts: hashed and compared
/// part by part, so a key already seen is found without first being copied into one buffer
/// (copying a user agent or a URL on every request cost `traffic` 8 % of its CPU time).
#[derive(Debug, Clone)]
pub struct Keyed<V> {
    table: HashTable<(Box<[u8]>, V)>,
}

impl<V> Default for Keyed<V> {
    fn default() -> Self {
        Keyed {
            table: HashTable::new(),
        }
    }
}

/// The hash of a key from its parts; [`hash_encoded`] gives the same from its encoding.
#[inline]
fn hash_parts(parts: &[Option<&str>]) -> u64 {
    let mut h = FxHasher::default();
    for p in parts {
        match p {
            None => h.write_u8(0),
            Some(s) => {
                h.write_u8(1);
                h.write_usize(s.len());
                h.write(s.as_bytes());
            }
        }
    }
    h.finish()
}

/// [`hash_parts`] of the key `encoded` encodes.
fn hash_encoded(mut b: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    while let Some((&tag, rest)) = b.split_first() {
        if tag == 0 {
            h.write_u8(0);
            b = rest;
            continue;
        }
        let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        h.write_u8(1);
        h.write_usize(len);
        h.write(&rest[4..4 + len]);
        b = &rest[4 + len..];
    }
    h.finish()
}

/// Whether `encoded` is the encoding of `parts`.
#[inline]
fn encodes(mut encoded: &[u8], parts: &[Option<&str>]) -> bool {
    for p in parts {
        let Some((&tag, rest)) = encoded.split_first() else {
            return false;
        };
        match p {
            None if tag == 0 => encoded = rest,
            Some(s) if tag == 1 && rest.len() >= 4 + s.len() => {
                let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
                if len != s.len() || &rest[4..4 + len] != s.as_bytes() {
                    return false;
                }
                encoded = &rest[4 + len..];
            }
            _ => return false,
        }
    }
    encoded.is_empty()
}

/// Each part: 0 for none; else 1, its length (u32, little-endian) and its bytes.
fn encode(buf: &mut Vec<u8>, parts: &[Option<&str>]) {
    buf.clear();
    for p in parts {
        match p {
            None => buf.push(0),
            Some(s) => {
                buf.push(1);
                buf.extend_from_slice(&(s.len() as u32).to_le_bytes());
                buf.extend_from_slice(s.as_bytes());
            }
        }
    }
}

fn decode(mut b: &[u8]) -> Key {
    let mut out = Vec::new();
    while let Some((&tag, rest)) = b.split_first() {
        if tag == 0 {
            out.push(None);
            b = rest;
            continue;
        }
        let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let text = &rest[4..4 + len];
        // encoded from &str: always UTF-8
        out.push(Some(String::from_utf8_lossy(text).into_owned()));
        b = &rest[4 + len..];
    }
    out
}

impl<V: Default> Keyed<V> {
    /// The value for a key, created empty on first sight.
    pub fn entry(&mut self, parts: &[Option<&str>]) -> &mut V {
        let hash = hash_parts(parts);
        // one lookup for a key already seen (the hot path: every request but the first of a
        // key); the borrow checker cannot yet see that the early return ends the borrow, so
        // the reference goes through a pointer
        if let Some((_, v)) = self.table.find_mut(hash, |(k, _)| encodes(k, parts)) {
            let v: *mut V = v;
            // SAFETY: `v` points into the table, which is not touched again before the
            // returned borrow of `self` ends
            return unsafe { &mut *v };
        }
        let mut key = Vec::new();
        encode(&mut key, parts);
        let entry = (key.into_boxed_slice(), V::default());
        &mut self
            .table
            .insert_unique(hash, entry, |(k, _)| hash_encoded(k))
            .into_mut()
            .1
    }

    /// Calls `add` with the value of each item's key (`key` None: skipped), looking a key up
    /// once per run of consecutive items with an equal key: one TLS protocol, one method or
    /// one target group often holds for many requests in a row.
    pub fn fold_runs<'r, T, const N: usize>(
        &mut self,
        items: &'r [T],
        key: impl Fn(&'r T) -> Option<[Option<&'r str>; N]>,
        mut add: impl FnMut(&mut V, &'r T),
    ) {
        let mut i = 0;
        while i < items.len() {
            let Some(k) = key(&items[i]) else {
                i += 1;
                continue;
            };
            let v = self.entry(&k);
            add(v, &items[i]);
            i += 1;
            while i < items.len() {
                match key(&items[i]) {
                    Some(next) if next == k => add(v, &items[i]),
                    Some(_) => break,
                    None => {}
                }
                i += 1;
            }
        }
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Every value, in no particular order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.table.iter().map(|(_, v)| v)
    }

    /// Every key (decoded) with its value, in no particular order.
    pub fn into_rows(self) -> impl Iterator<Item = (Key, V)> {
        self.table.into_iter().map(|(k, v)| (decode(&k), v))
    }
}

impl<V: Default + Merge> Keyed<V> {
    /// Adds a value for a key an engine already counted.
    pub fn add(&mut self, parts: &[Option<&str>], v: V) {
        self.entry(parts).merge(v);
    }
}

impl<V: Merge> Merge for Keyed<V> {
    fn merge(&mut self, mut other: Keyed<V>) {
        if self.table.len() < other.table.len() {
            std::mem::swap(&mut self.table, &mut other.table);
        }
        for (k, v) in other.table {
            let hash = hash_encoded(&k);
            match self.table.find_mut(hash, |(mine, _)| *mine == k) {
                Some((_, mine)) => mine.merge(v),
                None => {
                    self.table
                        .insert_unique(hash, (k, v), |(k, _)| hash_encoded(k));
                }
            }
        }
    }
}

/// Implements `Merge` for a struct of counters by adding each field.
#[macro_export]
macro_rules! merge_by_adding {
    ($t:ty { $($field:ident),* $(,)? }) => {
        impl $crate::metrics::buckets::Merge for $t {
            fn merge(&mut self, other: $t) {
                $(self.$field += other.$field;)*
            }
        }
    };
}

/// The store keeps keyed values (src/store/kept.rs) as (key parts, value) pairs.
impl<V: serde::Serialize> serde::Serialize for Keyed<V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.table.len()))?;
        for (k, v) in self.table.iter() {
            seq.serialize_element(&(decode(k), v))?;
        }
        seq.end()
    }
}

impl<'de, V: serde::Deserialize<'de> + Default> serde::Deserialize<'de> for Keyed<V> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let rows: Vec<(Key, V)> = serde::Deserialize::deserialize(d)?;
        let mut out = Keyed::default();
        for (k, v) in rows {
            let parts: Vec<Option<&str>> = k.iter().map(|p| p.as_deref()).collect();
            *out.entry(&parts) = v;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_the_window() {
        assert_eq!(auto_bucket(60 * MIN), MIN);
        assert_eq!(auto_bucket(150 * MIN), MIN);
        assert_eq!(auto_bucket(24 * 60 * MIN), 10 * MIN);
        assert_eq!(auto_bucket(7 * 24 * 60 * MIN), 60 * MIN);
    }

    /// Keys found from their parts count what a map of owned keys counts, across keys that
    /// share bytes but not parts (`["ab", "c"]`, `["a", "bc"]`, `["abc", None]`), and after
    /// merges; a key's hash from its parts is the hash of its encoding.
    #[test]
    fn keys_count_what_a_map_of_owned_keys_counts() {
        use std::collections::HashMap;
        let words = [
            None,
            Some(""),
            Some("a"),
            Some("ab"),
            Some("bc"),
            Some("c"),
            Some("abc"),
        ];
        let mut x: u64 = 11;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut parts_of = |n: usize| -> Vec<Option<&str>> {
            (0..n).map(|_| words[(next() % 7) as usize]).collect()
        };
        for n in 1..=3 {
            let mut want: HashMap<Vec<Option<String>>, u64> = HashMap::new();
            let mut halves = [Keyed::<u64>::default(), Keyed::<u64>::default()];
            for i in 0..5000 {
                let parts = parts_of(n);
                *want
                    .entry(parts.iter().map(|p| p.map(str::to_string)).collect())
                    .or_default() += 1;
                *halves[i % 2].entry(&parts) += 1;
                let mut encoded = Vec::new();
                encode(&mut encoded, &parts);
                assert_eq!(hash_parts(&parts), hash_encoded(&encoded));
                assert!(encodes(&encoded, &parts));
            }
            let [mut all, other] = halves;
            all.merge(other);
            let got: HashMap<Key, u64> = all.into_rows().collect();
            assert_eq!(got, want, "{n} parts");
        }
        assert!(!encodes(b"", &[None]));
        assert!(!encodes(&[0, 0], &[None]));
    }

    #[test]
    fn runs_count_what_one_lookup_per_item_counts() {
        let names = [
            Some("GET"),
            Some("GET"),
            None,
            Some("POST"),
            Some("GET"),
            Some("GET"),
        ];
        // (key, skipped?)
        let items: Vec<(Option<&str>, bool)> = (0..500)
            .map(|i| (names[i * i % names.len()], i % 7 == 3))
            .collect();
        let mut one: Keyed<u64> = Keyed::default();
        for (k, skip) in &items {
            if !skip {
                *one.entry(&[*k]) += 1;
            }
        }
        let mut want: Vec<(Key, u64)> = one.into_rows().collect();
        want.sort();
        for split in [1, 2, 5, 64, 500] {
            let mut runs: Keyed<u64> = Keyed::default();
            for part in items.chunks(split) {
                runs.fold_runs(part, |(k, skip)| (!skip).then_some([*k]), |n, _| *n += 1);
            }
            let mut got: Vec<(Key, u64)> = runs.into_rows().collect();
            got.sort();
            assert_eq!(got, want, "batches of {split}");
        }
    }

    #[test]
    fn keys_keep_none_apart_from_any_text() {
        let mut k: Keyed<u64> = Keyed::default();
        *k.entry(&[Some("GET"), Some("/x")]) += 1;
        *k.entry(&[Some("GET"), Some("/x")]) += 1;
        *k.entry(&[None, Some("/x")]) += 1;
        *k.entry(&[Some(""), Some("/x")]) += 1;
        // a part holding what would be a separator is still one part
        *k.entry(&[Some("GET\u{0}\u{1}"), None]) += 1;
        let mut other: Keyed<u64> = Keyed::default();
        *other.entry(&[Some("GET"), Some("/x")]) += 5;
        k.merge(other);
        let mut rows: Vec<(Key, u64)> = k.into_rows().collect();
        rows.sort();
        assert_eq!(
            rows,
            vec![
                (vec![None, Some("/x".into())], 1),
                (vec![Some("".into()), Some("/x".into())], 1),
                (vec![Some("GET".into()), Some("/x".into())], 7),
                (vec![Some("GET\u{0}\u{1}".into()), None], 1),
            ]
        );
    }
}
