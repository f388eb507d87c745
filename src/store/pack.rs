//! Packs: the kept partials of every object of one hour and analysis in one deflate stream.
//!
//! A collect writes each new object's partials as its own row in `partials` (one blob per
//! object × analysis, written in the object's transaction: a killed collect leaves whole
//! objects only). At its end [`compact`] moves them into `packs`: one row per hour (of the
//! object's first minute) × analysis, whose blob is the members — (object id, the object's
//! per-minute partials as MessagePack) — one after another, deflated together. An ALB object
//! covers 5 minutes and each load balancer node writes its own, so the keys (endpoints,
//! target groups, clients, user agents) and latencies of an hour repeat across a dozen
//! objects or more: deflated apart, every object paid for them again (the fixture day: 3.9 MB
//! of partials); packed by hour, deflate keeps them once (2.4 MB).
//!
//! Each object stays a member of its own, so an object whose content changed (or that
//! `store prune` drops) is taken out of its pack exactly ([`remove`]), and an answer over
//! some objects only (`--source`) reads their members only: a pack is a compression unit,
//! never a merge.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::{Read, Write};

use rusqlite::{params, OptionalExtension, Transaction};

/// Minutes per pack.
pub const PACK_MINUTES: i64 = 60;

/// One object's partials of one analysis, as MessagePack (not deflated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub object_id: i64,
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

/// The members, in object order, deflated together: for each, its object id and its length
/// (varints), then its bytes.
pub fn encode(members: &[Member]) -> Result<Vec<u8>, String> {
    let mut raw = Vec::new();
    for m in members {
        put_varint(&mut raw, m.object_id.max(0) as u64);
        put_varint(&mut raw, m.raw.len() as u64);
        raw.extend_from_slice(&m.raw);
    }
    // level 6: the fixture day's packs are 3 % larger than at level 9, written 2.6× faster
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(6));
    z.write_all(&raw).map_err(|e| e.to_string())?;
    z.finish().map_err(|e| e.to_string())
}

/// [`encode`] undone. A blob that inflates past `limit` bytes, or whose members do not add
/// up, is damaged.
pub fn decode(blob: &[u8], limit: u64) -> Result<Vec<Member>, String> {
    let raw = inflate(blob, limit)?;
    let mut out = Vec::new();
    let mut at = 0;
    while at < raw.len() {
        let damaged = || "a member cut short".to_string();
        let id = get_varint(&raw, &mut at).ok_or_else(damaged)?;
        let len = get_varint(&raw, &mut at).ok_or_else(damaged)? as usize;
        let end = at.checked_add(len).filter(|e| *e <= raw.len());
        let end = end.ok_or_else(damaged)?;
        out.push(Member {
            object_id: i64::try_from(id).map_err(|_| damaged())?,
            raw: raw[at..end].to_vec(),
        });
        at = end;
    }
    Ok(out)
}

/// A deflated blob inflated; one that inflates past `limit` bytes is damaged (never cut).
pub fn inflate(blob: &[u8], limit: u64) -> Result<Vec<u8>, String> {
    let mut raw = Vec::new();
    flate2::read::DeflateDecoder::new(blob)
        .take(limit.saturating_add(1))
        .read_to_end(&mut raw)
        .map_err(|e| e.to_string())?;
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

/// The members of pack (`hour`, `analysis`), empty when there is none.
fn read(tx: &Transaction<'_>, hour: i64, analysis: &str) -> Result<Vec<Member>, PackError> {
    let blob: Option<Vec<u8>> = tx
        .query_row(
            "SELECT data FROM packs WHERE hour = ?1 AND analysis = ?2",
            params![hour, analysis],
            |r| r.get(0),
        )
        .optional()?;
    match blob {
        None => Ok(Vec::new()),
        Some(b) => decode(&b, super::kept::MAX_INFLATE)
            .map_err(|e| PackError::Damaged(format!("packs: hour {hour}, {analysis}: {e}"))),
    }
}

fn write(
    tx: &Transaction<'_>,
    hour: i64,
    analysis: &str,
    members: &[Member],
) -> Result<(), PackError> {
    if members.is_empty() {
        tx.execute(
            "DELETE FROM packs WHERE hour = ?1 AND analysis = ?2",
            params![hour, analysis],
        )?;
        return Ok(());
    }
    let blob = encode(members).map_err(PackError::Damaged)?;
    tx.execute(
        "INSERT INTO packs (hour, analysis, data) VALUES (?1, ?2, ?3)
         ON CONFLICT (hour, analysis) DO UPDATE SET data = excluded.data",
        params![hour, analysis, blob],
    )?;
    Ok(())
}

/// Moves every object's rows of `partials` into its packs: each pack touched is read,
/// given its new members and written again, in one transaction (a collect killed meanwhile
/// leaves the rows where they were, answered from there). Returns the objects moved.
pub fn compact(tx: &Transaction<'_>) -> Result<u64, PackError> {
    // (hour, analysis) → the object rows waiting
    let mut waiting: BTreeMap<(i64, String), Vec<(i64, Vec<u8>)>> = BTreeMap::new();
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
                .entry((pack_of(first), analysis))
                .or_default()
                .push((id, blob));
        }
    }
    for ((hour, analysis), rows) in waiting {
        let mut members = read(tx, hour, &analysis)?;
        let new: HashSet<i64> = rows.iter().map(|(id, _)| *id).collect();
        // a member of an object written again (a collect killed after its compaction
        // committed cannot leave one, but a pack is never trusted to be unique)
        members.retain(|m| !new.contains(&m.object_id));
        for (id, blob) in rows {
            let raw = inflate(&blob, super::kept::MAX_INFLATE).map_err(|e| {
                PackError::Damaged(format!("partials: {analysis} of object {id}: {e}"))
            })?;
            members.push(Member { object_id: id, raw });
        }
        members.sort_by_key(|m| m.object_id);
        write(tx, hour, &analysis, &members)?;
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
        let analyses: Vec<String> = {
            let mut stmt = tx.prepare_cached("SELECT analysis FROM packs WHERE hour = ?1")?;
            let rows = stmt.query_map([hour], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        for analysis in analyses {
            let mut members = read(tx, hour, &analysis)?;
            let before = members.len();
            members.retain(|m| !gone.contains(&m.object_id));
            if members.len() != before {
                write(tx, hour, &analysis, &members)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_round_trip_and_a_damaged_pack_is_named() {
        let members = vec![
            Member {
                object_id: 3,
                raw: vec![1, 2, 3],
            },
            Member {
                object_id: 300,
                raw: Vec::new(),
            },
            Member {
                object_id: 1 << 40,
                raw: vec![0x80; 200],
            },
        ];
        let blob = encode(&members).unwrap();
        assert_eq!(decode(&blob, 1 << 20).unwrap(), members);
        // a member longer than what is left, and a pack inflating past its limit
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&[1, 9, 0, 0]).unwrap();
        assert!(decode(&z.finish().unwrap(), 1 << 20).is_err());
        assert!(decode(&blob, 10).is_err());
        assert_eq!(pack_of(59), 0);
        assert_eq!(pack_of(60), 1);
    }
}
