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
//! - a table of its distinct rows ([`Req`]), column by column (a column of one field of
//!   every row, strings as indices into the string table, times as differences from the row
//!   before, a path that is the URL's own as a flag);
//! - the partial itself, each [`Req`] as its index in the row table, each string of a tally
//!   or a client's address as its index in the string table, a tally without its hashes
//!   (computed again when it is read: [`super::sample::hash_parts`] of the value).
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
    index: HashMap<Box<str>, u32, FxBuildHasher>,
    rows: Vec<Req>,
    row_index: HashMap<Req, u32, FxBuildHasher>,
}

impl Tables {
    /// The index of a string, added on first sight.
    pub fn string(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.strings.len() as u32;
        self.strings.push(s.into());
        self.index.insert(s.into(), i);
        i
    }

    /// 0 for none, else the string's index + 1.
    pub fn opt(&mut self, s: Option<&str>) -> u32 {
        s.map_or(0, |s| self.string(s) + 1)
    }

    /// The index of a row, added on first sight.
    pub fn row(&mut self, r: &Req) -> u32 {
        if let Some(&i) = self.row_index.get(r) {
            return i;
        }
        let i = self.rows.len() as u32;
        self.rows.push(r.clone());
        self.row_index.insert(r.clone(), i);
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
            c.trace_id.push(self.opt(r.trace_id.as_deref()));
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
    trace_id: Vec<u32>,
    classification: Vec<u32>,
    actions: Vec<u32>,
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
        for i in 0..n {
            time = time.wrapping_add(self.time[i]);
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
                trace_id: opt(self.trace_id[i])?,
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

/// Runs `f` (which reads a partial) with the tables read before it.
pub fn reading<T>(strings: Vec<Box<str>>, rows: Vec<Req>, f: impl FnOnce() -> T) -> T {
    let restore = Restore(CTX.with_borrow_mut(|c| c.replace(Ctx::Read { strings, rows })));
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
        Some(Ctx::Read { strings, rows }) => f(strings, rows),
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

/// A string (a client's address): in a compact partial, its index in the string table.
pub mod name {
    use super::*;

    pub fn serialize<S: Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
        match compact() {
            Some(true) => with_tables(|t| t.string(v)).serialize(s),
            _ => v.serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Box<str>, D::Error> {
        match compact() {
            Some(false) => {
                let i = u32::deserialize(d)?;
                with_read(|strings, _| string(strings, i).map(Into::into)).map_err(D::Error::custom)
            }
            _ => Box::<str>::deserialize(d),
        }
    }
}

/// A map keyed by address (the clients' states): in a compact partial, (index, value)
/// pairs.
pub mod names {
    use super::*;

    type Map<V> = HashMap<Box<str>, V, FxBuildHasher>;

    #[derive(Serialize)]
    struct Out<'a, V>(#[serde(with = "super::name")] &'a str, &'a V);

    #[derive(Deserialize)]
    struct In<V>(#[serde(with = "super::name")] Box<str>, V);

    pub fn serialize<V: Serialize, S: Serializer>(m: &Map<V>, s: S) -> Result<S::Ok, S::Error> {
        match compact() {
            Some(true) => s.collect_seq(m.iter().map(|(k, v)| Out(k, v))),
            _ => m.serialize(s),
        }
    }

    pub fn deserialize<'de, V: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Map<V>, D::Error> {
        match compact() {
            Some(false) => {
                let pairs: Vec<In<V>> = Vec::deserialize(d)?;
                Ok(pairs.into_iter().map(|In(k, v)| (k, v)).collect())
            }
            _ => Map::<V>::deserialize(d),
        }
    }
}

/// Times (µs): in a compact partial, each as the difference from the one before.
pub mod times {
    use super::*;

    pub fn serialize<S: Serializer>(t: &[i64], s: S) -> Result<S::Ok, S::Error> {
        match compact() {
            Some(true) => {
                let mut last = 0i64;
                s.collect_seq(t.iter().map(|&x| {
                    let d = x.wrapping_sub(last);
                    last = x;
                    d
                }))
            }
            _ => t.serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
        let mut v: Vec<i64> = Vec::deserialize(d)?;
        if compact() == Some(false) {
            let mut last = 0i64;
            for x in &mut v {
                last = last.wrapping_add(*x);
                *x = last;
            }
        }
        Ok(v)
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

/// MessagePack bytes inside a partial.
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
                    let (_, strings, columns, body): (u8, Vec<Box<str>>, Columns, Bytes) =
                        rmp_serde::from_slice(&v).unwrap();
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
