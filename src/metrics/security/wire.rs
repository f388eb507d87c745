//! The store's compact form of the kept security state and audit rows (src/store/kept.rs
//! keeps each object's partial of every minute as MessagePack, deflated).
//!
//! A kept partial repeats itself: the same write is evidence in three or four lists of its
//! client ([`Earliest`](super::sample::Earliest)s), the same user agents, addresses and
//! endpoints come back in every row and tally, and a tally's values are kept by their hash
//! (eight random bytes each, which nothing compresses). In its compact form a partial is
//! written as
//!
//! - a table of its distinct strings, each once;
//! - a table of its distinct times (a request's time comes back as its client's first and
//!   last, its bucket's, its kind's), each as the difference from the one before;
//! - a table of its distinct rows ([`Req`]), column by column (a column of one field of
//!   every row, strings as indices into the string table, times as differences from the row
//!   before, a path that is the URL's own as a flag, an ALB trace id as its seconds from the
//!   row's and its 12 other bytes);
//! - the partial itself (security's: MessagePack inside it, written before the tables are
//!   known), each [`Req`] as its index in the row table, each time as its index in the time
//!   table, the clients' addresses in order as the string table's first strings, each string
//!   of a tally as its index, a tally without its hashes (computed again when it is read:
//!   [`super::sample::hash_parts`] of the value).
//!
//! The tables are built while the partial is written and read before it: the partial's own
//! (derived) serde asks the thread's [`Ctx`] for an index, or for the string or row at one.
//! Outside a compact form (no context), every type is written and read as it always was:
//! a store collected before the compact form is read as it was written ([`Head`]).
//!
//! The form is lossless: a partial read back equals the one written, so every answer from
//! the store is the one a raw read gives.

use std::cell::RefCell;
use std::collections::HashMap;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;
use serde::de::{Error as _, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::finding::Req;
use crate::format::text::url_path;

/// The first element of a compact partial (an older partial starts with a map or an array).
pub const COMPACT: u8 = 2;

/// The strings and rows of one compact partial, as it is written.
#[derive(Default)]
pub struct Tables {
    strings: Vec<Box<str>>,
    /// Indices into `strings`, by the hash of the string.
    index: HashTable<u32>,
    rows: Vec<Req>,
    /// Indices into `rows`, by the hash of the row.
    row_index: HashTable<u32>,
    times: Vec<i64>,
    time_index: HashMap<i64, u32, FxBuildHasher>,
}

fn fx<T: std::hash::Hash + ?Sized>(v: &T) -> u64 {
    use std::hash::BuildHasher;
    FxBuildHasher.hash_one(v)
}

impl Tables {
    /// The index of a time, added on first sight.
    pub fn time(&mut self, t: i64) -> u32 {
        if let Some(&i) = self.time_index.get(&t) {
            return i;
        }
        let i = self.times.len() as u32;
        self.times.push(t);
        self.time_index.insert(t, i);
        i
    }

    /// The time table, each as the difference from the one before.
    pub fn time_deltas(&self) -> Vec<i64> {
        let mut last = 0i64;
        self.times
            .iter()
            .map(|&t| {
                let d = t.wrapping_sub(last);
                last = t;
                d
            })
            .collect()
    }

    /// The index of a string, added on first sight.
    pub fn string(&mut self, s: &str) -> u32 {
        let h = fx(s);
        let strings = &self.strings;
        if let Some(&i) = self.index.find(h, |&i| &*strings[i as usize] == s) {
            return i;
        }
        let i = self.strings.len() as u32;
        self.strings.push(s.into());
        let strings = &self.strings;
        self.index
            .insert_unique(h, i, |&i| fx(&*strings[i as usize]));
        i
    }

    /// 0 for none, else the string's index + 1.
    pub fn opt(&mut self, s: Option<&str>) -> u32 {
        s.map_or(0, |s| self.string(s) + 1)
    }

    /// The index of a row, added on first sight.
    pub fn row(&mut self, r: &Req) -> u32 {
        let h = fx(r);
        let rows = &self.rows;
        if let Some(&i) = self.row_index.find(h, |&i| rows[i as usize] == *r) {
            return i;
        }
        let i = self.rows.len() as u32;
        self.rows.push(r.clone());
        let rows = &self.rows;
        self.row_index
            .insert_unique(h, i, |&i| fx(&rows[i as usize]));
        i
    }

    /// Adds a row that is not looked up again (the audit's rows are listed in order).
    pub fn push_row(&mut self, r: &Req) {
        self.rows.push(r.clone());
    }

    /// The rows, column by column (their strings added to the table): call before
    /// [`Tables::into_strings`].
    pub fn columns(&mut self) -> Columns {
        let rows = std::mem::take(&mut self.rows);
        let mut c = Columns::default();
        let mut last = 0i64;
        for r in &rows {
            c.time.push(r.time_us.wrapping_sub(last));
            last = r.time_us;
            c.client_ip.push(self.opt(r.client_ip.as_deref()));
            c.user_agent.push(self.opt(r.user_agent.as_deref()));
            c.method.push(self.opt(r.method.as_deref()));
            c.url.push(self.opt(r.url.as_deref()));
            let own = r.url.as_deref().and_then(url_path);
            c.path.push(match r.path.as_deref() {
                None => 0,
                Some(p) if Some(p) == own => 1,
                Some(p) => self.string(p) + 2,
            });
            c.endpoint.push(self.opt(r.endpoint.as_deref()));
            c.status.push(r.status.map_or(0, |s| u32::from(s) + 1));
            c.target_status
                .push(r.target_status.map_or(0, |s| u32::from(s) + 1));
            match r.trace_id.as_deref().and_then(alb_trace) {
                Some((secs, rest)) => {
                    c.trace_id.push(1);
                    c.trace_secs
                        .push(i64::from(secs) - r.time_us.div_euclid(1_000_000));
                    c.trace_rest.0.extend_from_slice(&rest);
                }
                None => c
                    .trace_id
                    .push(r.trace_id.as_deref().map_or(0, |t| self.string(t) + 2)),
            }
            c.classification.push(self.opt(r.classification.as_deref()));
            c.actions.push(self.opt(r.actions.as_deref()));
        }
        c
    }

    pub fn into_strings(self) -> Vec<Box<str>> {
        self.strings
    }
}

/// A table of rows, one field of every row after another (see [`Tables::columns`]).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Columns {
    /// µs since the row before (the first: since the epoch).
    time: Vec<i64>,
    client_ip: Vec<u32>,
    user_agent: Vec<u32>,
    method: Vec<u32>,
    url: Vec<u32>,
    /// 0: none; 1: the URL's own path; else the string's index + 2.
    path: Vec<u32>,
    endpoint: Vec<u32>,
    /// 0: none; else the status + 1.
    status: Vec<u32>,
    target_status: Vec<u32>,
    /// 0: none; 1: an ALB trace id (`Root=1-` 8 and 24 hexadecimal digits: its seconds and
    /// bytes are the next of `trace_secs` and `trace_rest`); else the string's index + 2.
    trace_id: Vec<u32>,
    classification: Vec<u32>,
    actions: Vec<u32>,
    /// An ALB trace id's seconds, from the row's.
    trace_secs: Vec<i64>,
    /// An ALB trace id's 12 bytes (its 24 hexadecimal digits), one after another.
    trace_rest: Bytes,
}

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{} bytes", self.0.len())
    }
}

/// An ALB trace id's parts: `Root=1-` then 8 lower-case hexadecimal digits (seconds since
/// the epoch), `-` and 24 more (Some only when written back exactly by [`alb_trace_text`]).
fn alb_trace(t: &str) -> Option<(u32, [u8; 12])> {
    let b = t.strip_prefix("Root=1-")?.as_bytes();
    if b.len() != 33 || b[8] != b'-' {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut secs = 0u32;
    for &c in &b[..8] {
        secs = (secs << 4) | u32::from(digit(c)?);
    }
    let mut rest = [0u8; 12];
    for (i, pair) in b[9..].chunks(2).enumerate() {
        rest[i] = (digit(pair[0])? << 4) | digit(pair[1])?;
    }
    Some((secs, rest))
}

fn alb_trace_text(secs: u32, rest: &[u8]) -> String {
    use std::fmt::Write;
    let mut t = format!("Root=1-{secs:08x}-");
    for b in rest {
        let _ = write!(t, "{b:02x}");
    }
    t
}

impl Columns {
    /// The rows, their strings looked up in `strings`.
    pub fn rows(&self, strings: &[Box<str>]) -> Result<Vec<Req>, String> {
        let n = self.time.len();
        let lens = [
            self.client_ip.len(),
            self.user_agent.len(),
            self.method.len(),
            self.url.len(),
            self.path.len(),
            self.endpoint.len(),
            self.status.len(),
            self.target_status.len(),
            self.trace_id.len(),
            self.classification.len(),
            self.actions.len(),
        ];
        if lens.iter().any(|&l| l != n) {
            return Err(format!("row columns of unequal lengths ({n}, {lens:?})"));
        }
        let opt = |i: u32| -> Result<Option<String>, String> {
            match i {
                0 => Ok(None),
                i => string(strings, i - 1).map(|s| Some(s.to_string())),
            }
        };
        let status = |s: u32| -> Result<Option<u16>, String> {
            match s {
                0 => Ok(None),
                s => u16::try_from(s - 1)
                    .map(Some)
                    .map_err(|_| format!("status {s} out of range")),
            }
        };
        let mut out = Vec::with_capacity(n);
        let mut time = 0i64;
        let (mut secs, mut rest) = (self.trace_secs.iter(), self.trace_rest.0.chunks(12));
        for i in 0..n {
            time = time.wrapping_add(self.time[i]);
            let trace_id = match self.trace_id[i] {
                0 => None,
                1 => {
                    let (Some(s), Some(r)) = (secs.next(), rest.next()) else {
                        return Err("trace ids cut short".into());
                    };
                    let s = u32::try_from(s.wrapping_add(time.div_euclid(1_000_000)))
                        .map_err(|_| "a trace id's seconds out of range")?;
                    if r.len() != 12 {
                        return Err("trace ids cut short".into());
                    }
                    Some(alb_trace_text(s, r))
                }
                t => Some(string(strings, t - 2)?.to_string()),
            };
            let url = opt(self.url[i])?;
            let path = match self.path[i] {
                0 => None,
                1 => Some(
                    url.as_deref()
                        .and_then(url_path)
                        .ok_or("a path of the URL, with no path in the URL")?
                        .to_string(),
                ),
                p => Some(string(strings, p - 2)?.to_string()),
            };
            out.push(Req {
                time_us: time,
                client_ip: opt(self.client_ip[i])?,
                user_agent: opt(self.user_agent[i])?,
                method: opt(self.method[i])?,
                url,
                path,
                endpoint: opt(self.endpoint[i])?,
                status: status(self.status[i])?,
                target_status: status(self.target_status[i])?,
                trace_id,
                classification: opt(self.classification[i])?,
                actions: opt(self.actions[i])?,
            });
        }
        Ok(out)
    }
}

/// The string at an index of the table.
pub fn string(strings: &[Box<str>], i: u32) -> Result<&str, String> {
    strings
        .get(i as usize)
        .map(|s| &**s)
        .ok_or_else(|| format!("string {i} of a table of {}", strings.len()))
}

/// What the thread is writing or reading, if a compact partial.
enum Ctx {
    Write(Tables),
    Read {
        strings: Vec<Box<str>>,
        rows: Vec<Req>,
        times: Vec<i64>,
    },
}

thread_local! {
    static CTX: RefCell<Option<Ctx>> = const { RefCell::new(None) };
}

/// Puts back the context there was when it drops (a panic or an error included).
struct Restore(Option<Ctx>);

impl Drop for Restore {
    fn drop(&mut self) {
        let before = self.0.take();
        CTX.with_borrow_mut(|c| *c = before);
    }
}

/// Runs `f` (which writes a partial) with its strings and rows gathered into tables.
pub fn writing<T>(f: impl FnOnce() -> T) -> (T, Tables) {
    let restore = Restore(CTX.with_borrow_mut(|c| c.replace(Ctx::Write(Tables::default()))));
    let out = f();
    let tables = match CTX.with_borrow_mut(|c| c.take()) {
        Some(Ctx::Write(t)) => t,
        _ => Tables::default(),
    };
    drop(restore);
    (out, tables)
}

/// Runs `f` (which reads a partial) with the tables read before it (`time_deltas`: as
/// [`Tables::time_deltas`] wrote them).
pub fn reading<T>(
    strings: Vec<Box<str>>,
    rows: Vec<Req>,
    time_deltas: Vec<i64>,
    f: impl FnOnce() -> T,
) -> T {
    let mut times = time_deltas;
    let mut last = 0i64;
    for t in &mut times {
        last = last.wrapping_add(*t);
        *t = last;
    }
    let restore = Restore(CTX.with_borrow_mut(|c| {
        c.replace(Ctx::Read {
            strings,
            rows,
            times,
        })
    }));
    let out = f();
    drop(restore);
    out
}

/// Whether the thread writes (Some(true)) or reads (Some(false)) a compact partial.
fn compact() -> Option<bool> {
    CTX.with_borrow(|c| c.as_ref().map(|c| matches!(c, Ctx::Write(_))))
}

fn with_tables<T>(f: impl FnOnce(&mut Tables) -> T) -> T {
    CTX.with_borrow_mut(|c| match c {
        Some(Ctx::Write(t)) => f(t),
        _ => unreachable!("written outside a compact partial"),
    })
}

fn with_read<T>(f: impl FnOnce(&[Box<str>], &[Req]) -> T) -> T {
    CTX.with_borrow(|c| match c {
        Some(Ctx::Read { strings, rows, .. }) => f(strings, rows),
        _ => unreachable!("read outside a compact partial"),
    })
}

/// A list of rows ([`Earliest`](super::sample::Earliest)'s): in a compact partial, their
/// indices in its row table.
pub mod rows {
    use super::*;

    pub fn serialize<S: Serializer>(rows: &[Req], s: S) -> Result<S::Ok, S::Error> {
        match compact() {
            Some(true) => {
                let ix: Vec<u32> = with_tables(|t| rows.iter().map(|r| t.row(r)).collect());
                ix.serialize(s)
            }
            _ => rows.serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Req>, D::Error> {
        match compact() {
            Some(false) => {
                let ix: Vec<u32> = Vec::deserialize(d)?;
                with_read(|_, rows| {
                    ix.iter()
                        .map(|&i| {
                            rows.get(i as usize).cloned().ok_or_else(|| {
                                D::Error::custom(format!("row {i} of a table of {}", rows.len()))
                            })
                        })
                        .collect()
                })
            }
            _ => Vec::deserialize(d),
        }
    }
}

/// Addresses (the clients' keys): in a compact partial, their indices in the string table,
/// each as the difference from the one before (the clients, written first and in order, are
/// the table's first strings, 1 apart).
pub fn write_names<'a>(keys: impl Iterator<Item = &'a str>) -> Vec<i64> {
    let mut last = -1i64;
    with_tables(|t| {
        keys.map(|k| {
            let i = i64::from(t.string(k));
            let d = i - last;
            last = i;
            d
        })
        .collect()
    })
}

/// [`write_names`] undone.
pub fn read_names(deltas: &[i64]) -> Result<Vec<Box<str>>, String> {
    let mut at = -1i64;
    with_read(|strings, _| {
        deltas
            .iter()
            .map(|&k| {
                at = at.wrapping_add(k);
                let i = u32::try_from(at).map_err(|_| format!("string {at}"))?;
                string(strings, i).map(Into::into)
            })
            .collect()
    })
}

/// A map keyed by address (the clients' states): in a compact partial, the addresses in
/// order ([`write_names`]), then the values in the same order.
pub mod names {
    use super::*;

    type Map<V> = HashMap<Box<str>, V, FxBuildHasher>;

    pub fn serialize<V: Serialize, S: Serializer>(m: &Map<V>, s: S) -> Result<S::Ok, S::Error> {
        match compact() {
            Some(true) => {
                // in address order: the addresses, the table's first strings, compress
                // better
                let mut pairs: Vec<(&Box<str>, &V)> = m.iter().collect();
                pairs.sort_unstable_by(|a, b| a.0.cmp(b.0));
                let keys = write_names(pairs.iter().map(|(k, _)| &***k));
                let values: Vec<&V> = pairs.iter().map(|(_, v)| *v).collect();
                (keys, values).serialize(s)
            }
            _ => m.serialize(s),
        }
    }

    pub fn deserialize<'de, V: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Map<V>, D::Error> {
        match compact() {
            Some(false) => {
                let (keys, values): (Vec<i64>, Vec<V>) = Deserialize::deserialize(d)?;
                if keys.len() != values.len() {
                    return Err(D::Error::custom("a map with more keys than values"));
                }
                let keys = read_names(&keys).map_err(D::Error::custom)?;
                Ok(keys.into_iter().zip(values).collect())
            }
            _ => Map::<V>::deserialize(d),
        }
    }
}

/// The time at an index of the read table.
fn read_time<E: serde::de::Error>(i: u32) -> Result<i64, E> {
    CTX.with_borrow(|c| match c {
        Some(Ctx::Read { times, .. }) => times
            .get(i as usize)
            .copied()
            .ok_or_else(|| E::custom(format!("time {i} of a table of {}", times.len()))),
        _ => unreachable!("read outside a compact partial"),
    })
}

/// A time (µs): in a compact partial, its index in the time table (a request's time comes
/// back as a client's first and last, its bucket's, its kind's).
pub mod time {
    use super::*;

    pub fn serialize<S: Serializer>(t: &i64, s: S) -> Result<S::Ok, S::Error> {
        match compact() {
            Some(true) => with_tables(|x| x.time(*t)).serialize(s),
            _ => t.serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        match compact() {
            Some(false) => read_time(u32::deserialize(d)?),
            _ => i64::deserialize(d),
        }
    }
}

/// An optional time: see [`time`].
pub mod opt_time {
    use super::*;

    pub fn serialize<S: Serializer>(t: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match compact() {
            Some(true) => t.map(|t| with_tables(|x| x.time(t))).serialize(s),
            _ => t.serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        match compact() {
            Some(false) => Option::<u32>::deserialize(d)?.map(read_time).transpose(),
            _ => Option::<i64>::deserialize(d),
        }
    }
}

/// Times: see [`time`].
pub mod times {
    use super::*;

    pub fn serialize<S: Serializer>(t: &[i64], s: S) -> Result<S::Ok, S::Error> {
        match compact() {
            Some(true) => {
                let ix: Vec<u32> = with_tables(|x| t.iter().map(|&t| x.time(t)).collect());
                ix.serialize(s)
            }
            _ => t.serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
        match compact() {
            Some(false) => Vec::<u32>::deserialize(d)?
                .into_iter()
                .map(read_time)
                .collect(),
            _ => Vec::<i64>::deserialize(d),
        }
    }
}

/// A map keyed by time (the write buckets): see [`time`].
pub mod time_keys {
    use std::collections::BTreeMap;

    use super::*;

    #[derive(Serialize)]
    struct Out<'a, V>(#[serde(with = "super::time")] &'a i64, &'a V);

    #[derive(Deserialize)]
    struct In<V>(#[serde(with = "super::time")] i64, V);

    pub fn serialize<V: Serialize, S: Serializer>(
        m: &BTreeMap<i64, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match compact() {
            Some(true) => s.collect_seq(m.iter().map(|(k, v)| Out(k, v))),
            _ => m.serialize(s),
        }
    }

    pub fn deserialize<'de, V: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<i64, V>, D::Error> {
        match compact() {
            Some(false) => {
                let pairs: Vec<In<V>> = Vec::deserialize(d)?;
                Ok(pairs.into_iter().map(|In(k, v)| (k, v)).collect())
            }
            _ => BTreeMap::<i64, V>::deserialize(d),
        }
    }
}

/// What a kept partial starts with: the compact form's marker, or (a store collected before
/// it) the first field of the partial as it was written then.
pub enum Head<T> {
    Compact,
    Old(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Head<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Head<T>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a kept partial")
            }

            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Head<T>, E> {
                match v {
                    v if v == u64::from(COMPACT) => Ok(Head::Compact),
                    v => Err(E::custom(format!("a kept partial of unknown form {v}"))),
                }
            }

            fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<Head<T>, A::Error> {
                T::deserialize(serde::de::value::SeqAccessDeserializer::new(a)).map(Head::Old)
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, a: A) -> Result<Head<T>, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(a)).map(Head::Old)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// Bytes inside a partial (MessagePack, trace ids' bytes).
#[derive(Default)]
pub struct Bytes(pub Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Bytes;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("bytes")
            }

            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Bytes, E> {
                Ok(Bytes(v.to_vec()))
            }

            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Bytes, E> {
                Ok(Bytes(v))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Bytes, A::Error> {
                let mut out = Vec::new();
                while let Some(b) = a.next_element::<u8>()? {
                    out.push(b);
                }
                Ok(Bytes(out))
            }
        }
        d.deserialize_bytes(V)
    }
}

/// A tally's values and counts ([`Tally`](super::sample::Tally)'s): in a compact partial,
/// (string index, count) pairs in hash order, the hashes computed again when read.
pub mod tally {
    use std::collections::BTreeMap;

    use super::*;
    use crate::metrics::security::sample::hash_parts;

    type Kept = BTreeMap<u64, (Box<str>, u64)>;

    pub fn serialize<S: Serializer>(m: &Kept, s: S) -> Result<S::Ok, S::Error> {
        match compact() {
            Some(true) => {
                let pairs: Vec<(u32, u64)> =
                    with_tables(|t| m.values().map(|(v, n)| (t.string(v), *n)).collect());
                pairs.serialize(s)
            }
            _ => m.serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Kept, D::Error> {
        match compact() {
            Some(false) => {
                let pairs: Vec<(u32, u64)> = Vec::deserialize(d)?;
                with_read(|strings, _| {
                    pairs
                        .iter()
                        .map(|&(i, n)| {
                            let v = string(strings, i)?;
                            Ok((hash_parts(&[v]), (v.into(), n)))
                        })
                        .collect::<Result<Kept, String>>()
                })
                .map_err(D::Error::custom)
            }
            _ => Kept::deserialize(d),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use super::super::state::SecurityPartial;
    use super::super::test_util::*;
    use super::super::{Security, Severity};
    use super::*;
    use crate::engine::{Analysis, Finish};
    use crate::format::Request;

    /// Ten minutes of four clients that repeat their user agents and URLs, with every kind of
    /// row field: ALB trace ids and others (one of them almost an ALB one), none; a path that
    /// is not the URL's; no URL; no user agent, no method, no status; WAF blocks and
    /// classifications; requests at the same microsecond.
    pub fn requests() -> Vec<Req> {
        let mut out = Vec::new();
        for i in 0..600i64 {
            let ip =
                ["203.0.113.66", "192.0.2.14", "198.51.100.7", "2001:db8::1"][(i % 4) as usize];
            let ua = [BROWSER, "python-requests/2.31.0", "curl/8"][(i % 3) as usize];
            let (method, path, status) = match i % 8 {
                0 => ("POST", "/notes", 201),
                1 => ("GET", "/notes?patient_id=3", 200),
                2 => ("PATCH", "/hospitals/4", 403),
                3 => ("GET", "/.env", 404),
                4 => ("DELETE", "/notes/9", 401),
                5 => ("GET", "/search?q=1%27%20OR%201=1", 200),
                6 => ("POST", "/patients/7?x=${jndi:ldap://x}", 200),
                _ => ("PUT", "/notes/3", 500),
            };
            let mut r = req((i * 37) % 600, ip, ua, method, path, status);
            r.time_us += (i % 5) * 1_000;
            r.trace_id = match i % 6 {
                0 => None,
                1 => Some(format!(
                    "Root=1-{:08x}-{:024x}",
                    1_795_132_800 + i,
                    i * 7919
                )),
                2 => Some(format!("Root=1-{:08X}-{:024x}", 1_795_132_800 + i, i)),
                3 => Some(format!("Self=1-00000001-{i:024x};Root=1-6b00ddd5-{i:024x}")),
                4 => Some(format!("Root=1-{:08x}-{:024x}", 0, u64::MAX - i as u64)),
                _ => r.trace_id,
            };
            match i % 11 {
                0 => r.path = Some("/not-the-urls".into()),
                1 => r.url = None,
                2 => r.user_agent = None,
                3 => r.method = None,
                4 => r.status = None,
                5 => r.target_status = None,
                6 => {
                    r.status = Some(403);
                    r.actions = Some("waf,forward".into());
                }
                7 => r.classification = Some("Severe".into()),
                8 => r.classification = Some("Ambiguous".into()),
                _ => {}
            }
            out.push(r);
        }
        out.sort_by_key(|r| r.time_us);
        out
    }

    /// The partials of each minute, as the store folds them.
    pub fn per_minute<A: Analysis>(a: &A, reqs: &[Req]) -> BTreeMap<i64, A::Partial> {
        let mut out = BTreeMap::new();
        for r in reqs {
            let p = out
                .entry(r.time_us.div_euclid(MIN))
                .or_insert_with(|| a.partial());
            a.fold(p, &[r.request()]);
        }
        out
    }

    fn security() -> Security {
        let s = settings(
            "[security]\nworking_hours = \"07:00-19:00\"\ncdn_only = true\ncdn_ranges = [\"130.176.0.0/16\"]\nevidence = 3\n",
        );
        Security::overall(s, Severity::Info, None)
    }

    fn sorted(p: &SecurityPartial) -> String {
        let c: BTreeMap<&str, String> = p
            .clients
            .iter()
            .map(|(k, v)| (&**k, format!("{v:?}")))
            .collect();
        format!(
            "{c:?} {} {:?} {:?} {:?} {:?}",
            p.requests, p.first, p.last, p.before, p.seen
        )
    }

    #[test]
    fn alb_trace_ids_round_trip_and_others_are_left_alone() {
        for t in [
            "Root=1-6b00ddd5-9cc19bc57a2a1c7543279bec",
            "Root=1-00000000-000000000000000000000000",
            "Root=1-ffffffff-ffffffffffffffffffffffff",
        ] {
            let (s, r) = alb_trace(t).unwrap();
            assert_eq!(alb_trace_text(s, &r), t);
        }
        for t in [
            "Root=1-6B00DDD5-9cc19bc57a2a1c7543279bec",
            "Root=1-6b00ddd5-9cc19bc57a2a1c7543279be",
            "Root=1-6b00ddd5-9cc19bc57a2a1c7543279becc",
            "Root=1-6b00ddd5_9cc19bc57a2a1c7543279bec",
            "Root=1-6b00ddd5-9cc19bc57a2a1c7543279beg",
            "Self=1-6b00ddd5-9cc19bc57a2a1c7543279bec",
            "",
        ] {
            assert_eq!(alb_trace(t), None, "{t}");
        }
    }

    /// The compact form reads back the partial it wrote, field for field, and the findings
    /// from it are a raw read's; a partial written as the store did before the compact form
    /// reads back as well.
    #[test]
    fn security_partials_read_back_as_written_and_answer_as_a_raw_read() {
        let a = security();
        let reqs = requests();
        let minutes = per_minute(&a, &reqs);
        assert_eq!(minutes.len(), 10);
        let bytes = rmp_serde::to_vec(&minutes).unwrap();
        let back: BTreeMap<i64, SecurityPartial> = rmp_serde::from_slice(&bytes).unwrap();
        // the form before: the fields as derived, every string and row in place
        let mut old = Vec::new();
        {
            use serde::ser::SerializeMap;
            let mut s = rmp_serde::Serializer::new(&mut old);
            let mut m = s.serialize_map(Some(minutes.len())).unwrap();
            struct Old<'a>(&'a SecurityPartial);
            impl Serialize for Old<'_> {
                fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    SecurityPartial::serialize(self.0, s)
                }
            }
            for (k, v) in &minutes {
                m.serialize_entry(k, &Old(v)).unwrap();
            }
            m.end().unwrap();
        }
        assert!(bytes.len() * 2 < old.len(), "{} {}", bytes.len(), old.len());
        let from_old: BTreeMap<i64, SecurityPartial> = rmp_serde::from_slice(&old).unwrap();
        for (m, p) in &minutes {
            assert!(p.clients.len() == 4, "{m}");
            assert_eq!(sorted(&back[m]), sorted(p), "minute {m}");
            assert_eq!(sorted(&from_old[m]), sorted(p), "minute {m}");
        }
        // the answer over the minutes read back is the one over the requests
        let mut whole = a.partial();
        let batch: Vec<Request<'_>> = reqs.iter().map(Req::request).collect();
        a.fold(&mut whole, &batch);
        let mut merged = a.partial();
        for (_, p) in back {
            a.merge(&mut merged, p);
        }
        let want = a.finish(whole, &Finish::default());
        let got = a.finish(merged, &Finish::default());
        assert!(
            want.report.findings.len() >= 4,
            "{:?}",
            want.report.findings
        );
        assert_eq!(
            serde_json::to_value(&got.report).unwrap(),
            serde_json::to_value(&want.report).unwrap()
        );
        assert_eq!(got.writers, want.writers);
    }

    /// A damaged compact partial is an error, never a panic nor a wrong partial.
    #[test]
    fn a_damaged_compact_partial_is_an_error() {
        let minutes = per_minute(&security(), &requests());
        let bytes = rmp_serde::to_vec(&minutes).unwrap();
        for cut in [1, bytes.len() / 3, bytes.len() / 2, bytes.len() - 1] {
            let r: Result<BTreeMap<i64, SecurityPartial>, _> = rmp_serde::from_slice(&bytes[..cut]);
            assert!(r.is_err(), "cut at {cut}");
        }
    }
}

#[cfg(test)]
mod measure {
    use std::collections::BTreeMap;
    use std::io::Write;

    use super::super::state::SecurityPartial;
    use super::*;

    fn z(b: &[u8]) -> usize {
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(6));
        z.write_all(b).unwrap();
        z.finish().unwrap().len()
    }

    /// Bytes of the security packs of a store by part (each part deflated alone by hour):
    /// `HOSP_LOGS_MEASURE=path/store.sqlite cargo test --lib metrics::security::wire::measure
    /// -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn security_bytes() {
        let Some(db) = std::env::var_os("HOSP_LOGS_MEASURE") else {
            return;
        };
        let conn = rusqlite::Connection::open(db).unwrap();
        let mut stmt = conn
            .prepare("SELECT hour, data FROM packs WHERE family = 'security'")
            .unwrap();
        let rows: Vec<(i64, Vec<u8>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut sums: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        let mut n = (0, 0);
        for (_, blob) in rows {
            let mut parts: BTreeMap<String, Vec<u8>> = BTreeMap::new();
            for m in crate::store::pack::decode(&blob, 1 << 32).unwrap() {
                let per: BTreeMap<i64, SecurityPartial> = rmp_serde::from_slice(&m.raw).unwrap();
                parts.entry("all".into()).or_default().extend(&m.raw);
                for p in per.values() {
                    n.0 += p.clients.len();
                    let v = rmp_serde::to_vec(p).unwrap();
                    let (_, strings, times, columns, body): (
                        u8,
                        Vec<Box<str>>,
                        Vec<i64>,
                        Columns,
                        Bytes,
                    ) = rmp_serde::from_slice(&v).unwrap();
                    for st in &strings {
                        let kind = if st.starts_with("Root=") {
                            "s.trace"
                        } else if st.starts_with("http") {
                            "s.url"
                        } else if st.parse::<std::net::IpAddr>().is_ok() {
                            "s.ip"
                        } else if st.starts_with('/') {
                            "s.path"
                        } else if st.contains(' ') && st.len() < 60 && !st.contains('(') {
                            "s.route"
                        } else {
                            "s.other"
                        };
                        let e = parts.entry(kind.into()).or_default();
                        e.extend(st.as_bytes());
                        e.push(b'\n');
                    }
                    parts
                        .entry("times".into())
                        .or_default()
                        .extend(rmp_serde::to_vec(&times).unwrap());
                    let ips: Vec<&str> = p.clients.keys().map(|k| &**k).collect();
                    parts
                        .entry("ips".into())
                        .or_default()
                        .extend(rmp_serde::to_vec(&ips).unwrap());
                    let cj = serde_json::to_value(&columns).unwrap();
                    for (k, v) in cj.as_object().unwrap() {
                        parts
                            .entry(format!("col.{k}"))
                            .or_default()
                            .extend(rmp_serde::to_vec(&v).unwrap());
                    }
                    n.1 += columns.time.len();
                    parts
                        .entry("strings".into())
                        .or_default()
                        .extend(rmp_serde::to_vec(&strings).unwrap());
                    parts
                        .entry("columns".into())
                        .or_default()
                        .extend(rmp_serde::to_vec(&columns).unwrap());
                    parts.entry("body".into()).or_default().extend(&body.0);
                    for (ip, c) in &p.clients {
                        let ((), mut t) = writing(|| {
                            for (k, x) in [
                                ("requests", rmp_serde::to_vec(&c.requests).unwrap()),
                                ("sensitive", rmp_serde::to_vec(&c.sensitive).unwrap()),
                                ("writes", rmp_serde::to_vec(&c.writes).unwrap()),
                                ("off_hours", rmp_serde::to_vec(&c.off_hours).unwrap()),
                                ("fails", rmp_serde::to_vec(&c.fails).unwrap()),
                                ("scan", rmp_serde::to_vec(&c.scan).unwrap()),
                                ("attack", rmp_serde::to_vec(&c.attack).unwrap()),
                                ("all_", rmp_serde::to_vec(&c.all).unwrap()),
                            ] {
                                parts.entry(format!("c.{k}")).or_default().extend(x);
                            }
                        });
                        let _ = ip;
                        let _ = t.columns();
                    }
                }
            }
            for (k, v) in parts {
                let e = sums.entry(k).or_default();
                e.0 += v.len();
                e.1 += z(&v);
            }
        }
        println!("client-minutes {} rows {}", n.0, n.1);
        for (k, (raw, zz)) in sums {
            println!("{k:16} raw {raw:9} deflated {zz:8}");
        }
    }
}
