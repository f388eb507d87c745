//! Packs: the kept partials of every object of one hour, analyses of one family together, in
//! one compressed stream (zstd).
//!
//! A collect writes each new object's partials as its own row in `partials` (one blob per
//! object × analysis, written in the object's transaction: a killed collect leaves whole
//! objects only). At its end [`compact`] moves them into `packs`: one row per hour (of the
//! object's first minute) × family, whose blob is the members — (object id, analysis, the
//! object's per-minute partials of that analysis as MessagePack) — one after another, in
//! object order, compressed together (zstd; a store written before zstd has deflate packs,
//! read as they are and rewritten in zstd when a compaction touches them).
//!
//! Why by hour: an ALB object covers 5 minutes and each load balancer node writes its own, so
//! the keys (endpoints, target groups, clients, user agents) and latencies of an hour repeat
//! across a dozen objects or more: compressed apart, every object paid for them again (the
//! fixture day, in deflate: 3.9 MB of partials); packed by hour, they are kept once (2.55 MB).
//!
//! Why by family ([`family`]): the analyses that keep latencies (`latency.*`, `gate`,
//! `backends`, `errors`, `edge`, `retries`) hold the same requests' values and keys, each in
//! its own arrangement; an object's members of all of them side by side let the compressor's
//! window (deflate's 32 KiB when this was measured) find one in the other (the fixture day: 2.15 MB of packs where one pack per analysis
//! took 2.55 MB). Traffic's keys (clients, user agents) share little with them and keep a
//! family of their own, as does an analysis the list does not name. An answer inflates its
//! analysis' family and decodes its own members only.
//!
//! Each object stays a member of its own, so an object whose content changed (or that
//! `store prune` drops) is taken out of its pack exactly ([`remove`]), and an answer over
//! some objects only (`--source`) reads their members only: a pack is a compression unit,
//! never a merge.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Read;

use rusqlite::{params, OptionalExtension, Transaction};

/// Minutes per pack.
pub const PACK_MINUTES: i64 = 60;

/// The analyses packed together: they keep the same requests' latencies and keys.
const TIMINGS: &[&str] = &[
    "latency.total",
    "latency.target",
    "latency.request",
    "latency.response",
    "gate",
    "backends",
    "errors",
    "edge",
    "retries",
];

/// The family an analysis' partials are packed in: `timings` for the analyses keeping
/// latencies, else the analysis' own key.
pub fn family(analysis: &str) -> &str {
    if TIMINGS.contains(&analysis) {
        "timings"
    } else {
        analysis
    }
}

/// One object's partials of one analysis, as MessagePack (not deflated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub object_id: i64,
    pub analysis: String,
    pub raw: Vec<u8>,
}

/// The pack an object's partials go to: the hour of its first minute.
pub fn pack_of(first_minute: i64) -> i64 {
    first_minute.div_euclid(PACK_MINUTES)
}

fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn get_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut n = 0u64;
    let mut shift = 0;
    loop {
        let b = *bytes.get(*at)?;
        *at += 1;
        if shift > 63 {
            return None;
        }
        n |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(n);
        }
        shift += 7;
    }
}

/// The first bytes of a zstd frame. No raw deflate stream (the packs and waiting rows of
/// stores written before zstd) starts with them: 0x28 opens a stored block whose length
/// (0x2FB5) would have to be followed by its complement (0x4A first), not 0xFD.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];

/// zstd's level for a pack. Measured on a generated day's packs (390 MB of MessagePack):
/// level 3 gives the bytes deflate gave at level 6 (33.1 MB against 32.7 MB) in a seventh of
/// the time; a longer window (long-distance matching) found nothing more.
const PACK_LEVEL: i32 = 3;

/// zstd's level for an object's row waiting for the next compaction (inflated there).
pub const WAITING_LEVEL: i32 = 1;

/// `raw` compressed (zstd at `level`).
pub fn compress(raw: &[u8], level: i32) -> Result<Vec<u8>, String> {
    zstd::bulk::compress(raw, level).map_err(|e| e.to_string())
}

/// The members compressed together: for each, its object id (varint), its analysis' key and
/// its bytes (each a varint length, then the bytes).
pub fn encode(members: &[Member]) -> Result<Vec<u8>, String> {
    let mut raw = Vec::new();
    for m in members {
        put_varint(&mut raw, m.object_id.max(0) as u64);
        put_varint(&mut raw, m.analysis.len() as u64);
        raw.extend_from_slice(m.analysis.as_bytes());
        put_varint(&mut raw, m.raw.len() as u64);
        raw.extend_from_slice(&m.raw);
    }
    compress(&raw, PACK_LEVEL)
}

/// [`encode`] undone. A blob that inflates past `limit` bytes, or whose members do not add
/// up, is damaged.
pub fn decode(blob: &[u8], limit: u64) -> Result<Vec<Member>, String> {
    decode_where(blob, limit, |_, _| true)
}

/// [`decode`], keeping the members `keep(object id, analysis)` wants only (the others are
/// checked, not copied).
pub fn decode_where(
    blob: &[u8],
    limit: u64,
    keep: impl Fn(i64, &str) -> bool,
) -> Result<Vec<Member>, String> {
    let raw = inflate(blob, limit)?;
    let mut out = Vec::new();
    let mut at = 0;
    let damaged = || "a member cut short".to_string();
    // the next `len`-prefixed bytes
    let bytes = |at: &mut usize| -> Result<std::ops::Range<usize>, String> {
        let len = get_varint(&raw, at).ok_or_else(damaged)?;
        let start = *at;
        let end = usize::try_from(len)
            .ok()
            .and_then(|l| start.checked_add(l))
            .filter(|e| *e <= raw.len())
            .ok_or_else(damaged)?;
        *at = end;
        Ok(start..end)
    };
    while at < raw.len() {
        let id = get_varint(&raw, &mut at).ok_or_else(damaged)?;
        let name = bytes(&mut at)?;
        let analysis =
            std::str::from_utf8(&raw[name]).map_err(|_| "an analysis key not UTF-8".to_string())?;
        let data = bytes(&mut at)?;
        let object_id = i64::try_from(id).map_err(|_| damaged())?;
        if keep(object_id, analysis) {
            out.push(Member {
                object_id,
                analysis: analysis.to_string(),
                raw: raw[data].to_vec(),
            });
        }
    }
    Ok(out)
}

/// A compressed blob (zstd, or deflate as stores before zstd wrote it) inflated; one that
/// inflates past `limit` bytes is damaged (never cut).
pub fn inflate(blob: &[u8], limit: u64) -> Result<Vec<u8>, String> {
    let mut raw = Vec::new();
    let read = if blob.starts_with(&ZSTD_MAGIC) {
        zstd::stream::read::Decoder::with_buffer(blob)
            .map_err(|e| e.to_string())?
            .take(limit.saturating_add(1))
            .read_to_end(&mut raw)
    } else {
        flate2::read::DeflateDecoder::new(blob)
            .take(limit.saturating_add(1))
            .read_to_end(&mut raw)
    };
    read.map_err(|e| e.to_string())?;
    if raw.len() as u64 > limit {
        return Err(format!("inflates past {limit} bytes"));
    }
    Ok(raw)
}

/// Why a pack could not be rewritten.
#[derive(Debug)]
pub enum PackError {
    Sql(rusqlite::Error),
    Damaged(String),
}

impl From<rusqlite::Error> for PackError {
    fn from(e: rusqlite::Error) -> Self {
        PackError::Sql(e)
    }
}

/// Where a pack's damage is named: its table, family and hour.
pub fn describe(hour: i64, family: &str) -> String {
    format!(
        "packs: {family} of hour {}",
        super::minute_text(hour * PACK_MINUTES)
    )
}

/// The members of pack (`hour`, `family`), empty when there is none.
fn read(tx: &Transaction<'_>, hour: i64, family: &str) -> Result<Vec<Member>, PackError> {
    let blob: Option<Vec<u8>> = tx
        .query_row(
            "SELECT data FROM packs WHERE hour = ?1 AND family = ?2",
            params![hour, family],
            |r| r.get(0),
        )
        .optional()?;
    match blob {
        None => Ok(Vec::new()),
        Some(b) => decode(&b, super::kept::MAX_INFLATE)
            .map_err(|e| PackError::Damaged(format!("{}: {e}", describe(hour, family)))),
    }
}

fn write(
    tx: &Transaction<'_>,
    hour: i64,
    family: &str,
    members: &[Member],
) -> Result<(), PackError> {
    if members.is_empty() {
        tx.execute(
            "DELETE FROM packs WHERE hour = ?1 AND family = ?2",
            params![hour, family],
        )?;
        return Ok(());
    }
    let blob = encode(members).map_err(PackError::Damaged)?;
    tx.execute(
        "INSERT INTO packs (hour, family, data) VALUES (?1, ?2, ?3)
         ON CONFLICT (hour, family) DO UPDATE SET data = excluded.data",
        params![hour, family, blob],
    )?;
    Ok(())
}

/// A row of `partials`: object, analysis, compressed partials.
type Waiting = (i64, String, Vec<u8>);

/// Moves every object's rows of `partials` into its packs: each pack touched is read,
/// given its new members and written again, in one transaction (a collect killed meanwhile
/// leaves the rows where they were, answered from there). Returns the objects moved.
pub fn compact(tx: &Transaction<'_>) -> Result<u64, PackError> {
    // (hour, family) → the object rows waiting
    let mut waiting: BTreeMap<(i64, String), Vec<Waiting>> = BTreeMap::new();
    let mut objects = BTreeSet::new();
    {
        let mut stmt = tx.prepare(
            "SELECT p.object_id, p.analysis, p.data, o.first_minute
             FROM partials p JOIN objects o ON o.id = p.object_id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (id, analysis): (i64, String) = (r.get(0)?, r.get(1)?);
            objects.insert(id);
            // an object without requests has no minute any answer reads
            let Some(first) = r.get::<_, Option<i64>>(3)? else {
                continue;
            };
            let blob: Vec<u8> = r.get(2)?;
            waiting
                .entry((pack_of(first), family(&analysis).to_string()))
                .or_default()
                .push((id, analysis, blob));
        }
    }
    for ((hour, family), rows) in waiting {
        let mut members = read(tx, hour, &family)?;
        let new: HashSet<i64> = rows.iter().map(|(id, _, _)| *id).collect();
        // a member of an object written again (a collect killed after its compaction
        // committed cannot leave one, but a pack is never trusted to be unique)
        members.retain(|m| !new.contains(&m.object_id));
        for (id, analysis, blob) in rows {
            let raw = inflate(&blob, super::kept::MAX_INFLATE).map_err(|e| {
                PackError::Damaged(format!("partials: {analysis} of object {id}: {e}"))
            })?;
            members.push(Member {
                object_id: id,
                analysis,
                raw,
            });
        }
        // an object's members side by side (what the compressor finds in one another), in a
        // fixed order: the same objects give the same pack
        members.sort_by(|a, b| (a.object_id, &a.analysis).cmp(&(b.object_id, &b.analysis)));
        write(tx, hour, &family, &members)?;
    }
    tx.execute("DELETE FROM partials", [])?;
    Ok(objects.len() as u64)
}

/// Takes the objects `ids` out of their packs (before their `objects` rows are deleted: their
/// first minute says which packs).
pub fn remove(tx: &Transaction<'_>, ids: &[i64]) -> Result<(), PackError> {
    let mut hours: BTreeMap<i64, HashSet<i64>> = BTreeMap::new();
    {
        let mut stmt = tx.prepare_cached("SELECT first_minute FROM objects WHERE id = ?1")?;
        for id in ids {
            let first: Option<Option<i64>> = stmt.query_row([id], |r| r.get(0)).optional()?;
            if let Some(Some(first)) = first {
                hours.entry(pack_of(first)).or_default().insert(*id);
            }
        }
    }
    for (hour, gone) in hours {
        let families: Vec<String> = {
            let mut stmt = tx.prepare_cached("SELECT family FROM packs WHERE hour = ?1")?;
            let rows = stmt.query_map([hour], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        for family in families {
            let mut members = read(tx, hour, &family)?;
            let before = members.len();
            members.retain(|m| !gone.contains(&m.object_id));
            if members.len() != before {
                write(tx, hour, &family, &members)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn member(object_id: i64, analysis: &str, raw: Vec<u8>) -> Member {
        Member {
            object_id,
            analysis: analysis.into(),
            raw,
        }
    }

    #[test]
    fn members_round_trip_and_a_damaged_pack_is_named() {
        let members = vec![
            member(3, "latency.total", vec![1, 2, 3]),
            member(3, "gate", Vec::new()),
            member(300, "", Vec::new()),
            member(1 << 40, "errors", vec![0x80; 200]),
        ];
        let blob = encode(&members).unwrap();
        assert_eq!(decode(&blob, 1 << 20).unwrap(), members);
        let deflate = |raw: &[u8]| {
            let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
            z.write_all(raw).unwrap();
            z.finish().unwrap()
        };
        // a member's bytes longer than what is left, a key longer than what is left, a key
        // not UTF-8, and a pack inflating past its limit
        assert!(decode(&deflate(&[1, 1, b'a', 9, 0, 0]), 1 << 20).is_err());
        assert!(decode(&deflate(&[1, 5, b'a']), 1 << 20).is_err());
        assert!(decode(&deflate(&[1, 1, 0xff, 0]), 1 << 20).is_err());
        assert!(decode(&blob, 10).is_err());
        // a pack as stores before zstd wrote it (deflate) reads the same members
        assert!(blob.starts_with(&ZSTD_MAGIC));
        let mut raw = Vec::new();
        for m in &members {
            put_varint(&mut raw, m.object_id as u64);
            put_varint(&mut raw, m.analysis.len() as u64);
            raw.extend_from_slice(m.analysis.as_bytes());
            put_varint(&mut raw, m.raw.len() as u64);
            raw.extend_from_slice(&m.raw);
        }
        assert_eq!(decode(&deflate(&raw), 1 << 20).unwrap(), members);
        // a zstd frame cut short, or damaged after its magic, is named, never read in part
        assert!(decode(&blob[..blob.len() - 3], 1 << 20).is_err());
        let mut bad = blob.clone();
        bad.truncate(6);
        bad.extend_from_slice(&[0xff; 20]);
        assert!(decode(&bad, 1 << 20).is_err());
        assert_eq!(pack_of(59), 0);
        assert_eq!(pack_of(60), 1);
        assert_eq!(pack_of(-1), -1);
    }

    #[test]
    fn the_analyses_keeping_latencies_share_a_family_and_any_other_has_its_own() {
        for a in [
            "latency.total",
            "latency.response",
            "gate",
            "backends",
            "errors",
        ] {
            assert_eq!(family(a), "timings", "{a}");
        }
        assert_eq!(family("traffic"), "traffic");
        assert_eq!(family("security"), "security");
    }

    /// A pack rewritten: a compaction adds an object's rows to the members already packed,
    /// a member of the same object is replaced (never doubled), `remove` takes an object out
    /// and the last one out deletes the pack.
    #[test]
    fn compact_and_remove_keep_each_object_once() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE objects (id INTEGER PRIMARY KEY, first_minute INTEGER);
             CREATE TABLE partials (object_id INTEGER, analysis TEXT, data BLOB);
             CREATE TABLE packs (hour INTEGER, family TEXT, data BLOB, PRIMARY KEY (hour, family));
             INSERT INTO objects VALUES (1, 5), (2, 65), (3, 10), (4, NULL);",
        )
        .unwrap();
        let deflated = |raw: &[u8]| {
            let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
            z.write_all(raw).unwrap();
            z.finish().unwrap()
        };
        let add = |conn: &rusqlite::Connection, id: i64, analysis: &str, raw: &[u8]| {
            conn.execute(
                "INSERT INTO partials VALUES (?1, ?2, ?3)",
                params![id, analysis, deflated(raw)],
            )
            .unwrap();
        };
        let packs = |conn: &rusqlite::Connection| -> Vec<(i64, String, Vec<Member>)> {
            let mut stmt = conn
                .prepare("SELECT hour, family, data FROM packs ORDER BY hour, family")
                .unwrap();
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, Vec<u8>>(2)?)))
                .unwrap();
            rows.map(|r| {
                let (h, f, b) = r.unwrap();
                (h, f, decode(&b, 1 << 20).unwrap())
            })
            .collect()
        };
        add(&conn, 3, "gate", b"g3");
        add(&conn, 1, "latency.total", b"t1");
        add(&conn, 1, "traffic", b"x1");
        add(&conn, 4, "gate", b"none");
        let tx = conn.transaction().unwrap();
        assert_eq!(compact(&tx).unwrap(), 3);
        tx.commit().unwrap();
        // object 2 (the next hour) and object 3 again, its content changed
        add(&conn, 2, "gate", b"g2");
        add(&conn, 3, "gate", b"g3 again");
        let tx = conn.transaction().unwrap();
        assert_eq!(compact(&tx).unwrap(), 2);
        tx.commit().unwrap();
        let waiting: i64 = conn
            .query_row("SELECT count(*) FROM partials", [], |r| r.get(0))
            .unwrap();
        assert_eq!(waiting, 0);
        assert_eq!(
            packs(&conn),
            vec![
                (
                    0,
                    "timings".to_string(),
                    vec![
                        member(1, "latency.total", b"t1".to_vec()),
                        member(3, "gate", b"g3 again".to_vec()),
                    ]
                ),
                (
                    0,
                    "traffic".to_string(),
                    vec![member(1, "traffic", b"x1".to_vec())]
                ),
                (
                    1,
                    "timings".to_string(),
                    vec![member(2, "gate", b"g2".to_vec())]
                ),
            ]
        );
        let tx = conn.transaction().unwrap();
        remove(&tx, &[1, 2]).unwrap();
        tx.commit().unwrap();
        assert_eq!(
            packs(&conn),
            vec![(
                0,
                "timings".to_string(),
                vec![member(3, "gate", b"g3 again".to_vec())]
            )]
        );
    }
}

#[cfg(test)]
mod measure {
    /// Bytes per analysis of the packs of a store: MessagePack, and deflated alone (as one pack
    /// per hour and analysis would keep it). `HOSP_LOGS_MEASURE=path/store.sqlite cargo test
    /// --lib store::pack::measure -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn bytes_per_analysis() {
        use std::io::Write;
        let Some(db) = std::env::var_os("HOSP_LOGS_MEASURE") else {
            return;
        };
        let conn = rusqlite::Connection::open(db).unwrap();
        let mut stmt = conn.prepare("SELECT hour, data FROM packs").unwrap();
        let rows: Vec<(i64, Vec<u8>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut raw: std::collections::BTreeMap<(String, i64), Vec<u8>> = Default::default();
        for (hour, blob) in rows {
            for m in super::decode(&blob, 1 << 32).unwrap() {
                raw.entry((m.analysis, hour)).or_default().extend(m.raw);
            }
        }
        let mut sums: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
        for ((a, _), bytes) in raw {
            let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(6));
            z.write_all(&bytes).unwrap();
            let s = sums.entry(a).or_default();
            s.0 += bytes.len();
            s.1 += z.finish().unwrap().len();
        }
        for (a, (raw, alone)) in sums {
            println!("{a:18} MessagePack {raw:9}  deflated alone {alone:8}");
        }
    }
}
