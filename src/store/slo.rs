//! The SLO's partial in the store: `slo_minutes`, one row per object × minute.
//!
//! A row has the minute's counts as columns (total, excluded, no_status, good, and valid
//! requests by status class: what a tool reading the database sums) and `seconds`, the same
//! counts per second of the minute (a blob of varints: offset, total, excluded, no_status,
//! good for each second holding requests). The SLO sums its burn-rate windows and periods
//! from the window's end, which falls mid-minute whenever the window ends at the last
//! request; kept per second, the answer from the store equals a raw read exactly.
//!
//! `good` depends on the SLO's latency threshold and every count on the `[exclude]` rules:
//! both are recorded with the store ([`fingerprint`]) and an answer under other settings is
//! refused. (A per-second latency histogram, which would free the threshold, is nearly as
//! large as the rows themselves; the latency analysis' per-minute histogram will be its own
//! table.)

use std::collections::{BTreeMap, HashMap};

use rusqlite::params;

use super::{Store, StoreError};
use crate::engine::{Analysis, Finish};
use crate::format::{Request, RoleSet};
use crate::metrics::slo::{default_pairs, BurnPair, Counts, SloConfig, SloCounts};
use crate::window::Window;

const SEC: i64 = 1_000_000;

/// Valid requests by status class: 1xx, 2xx, 3xx, 4xx, and 5xx (500 and above: what the SLO
/// counts as bad).
pub type Classes = [u64; 5];

fn class(code: u16) -> usize {
    (code / 100).clamp(1, 5) as usize - 1
}

/// What the store keeps of one object for the SLO: counts per second, valid requests by
/// status class per minute.
#[derive(Debug, Default)]
pub struct Partial {
    pub counts: SloCounts,
    pub classes: HashMap<i64, Classes>,
}

/// The SLO's store partial as an analysis: folded by the local engine like any other.
pub struct StoreSlo {
    pub config: SloConfig,
}

impl Analysis for StoreSlo {
    type Partial = Partial;
    type Report = Partial;

    fn name(&self) -> &'static str {
        "collect"
    }

    fn required(&self) -> RoleSet {
        self.config.roles()
    }

    fn partial(&self) -> Partial {
        Partial::default()
    }

    fn fold(&self, part: &mut Partial, batch: &[Request<'_>]) {
        part.counts.fold(batch, &self.config);
        let mut run_min = i64::MIN;
        let mut run = Classes::default();
        for r in batch {
            let Some(code) = r.status.filter(|_| !r.excluded) else {
                continue;
            };
            let m = r.time_us.div_euclid(60 * SEC);
            if m != run_min {
                flush(&mut part.classes, run_min, &run);
                run_min = m;
                run = Classes::default();
            }
            run[class(code)] += 1;
        }
        flush(&mut part.classes, run_min, &run);
    }

    fn merge(&self, into: &mut Partial, from: Partial) {
        into.counts.merge(from.counts);
        for (m, c) in from.classes {
            flush(&mut into.classes, m, &c);
        }
    }

    fn finish(&self, part: Partial, _end: &Finish) -> Partial {
        part
    }
}

fn flush(into: &mut HashMap<i64, Classes>, minute: i64, c: &Classes) {
    if c.iter().any(|n| *n > 0) {
        let e = into.entry(minute).or_default();
        for (a, b) in e.iter_mut().zip(c) {
            *a += b;
        }
    }
}

/// One `slo_minutes` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinuteRow {
    /// Epoch minute.
    pub minute: i64,
    pub counts: Counts,
    pub classes: Classes,
    pub seconds: Vec<u8>,
}

/// The partial's rows, in minute order.
pub fn minute_rows(p: &Partial) -> Vec<MinuteRow> {
    let seconds: BTreeMap<i64, Counts> = p.counts.seconds().collect();
    let mut rows: Vec<MinuteRow> = Vec::new();
    for (sec, c) in seconds {
        let minute = sec.div_euclid(60);
        if rows.last().is_none_or(|r| r.minute != minute) {
            rows.push(MinuteRow {
                minute,
                counts: Counts::default(),
                classes: p.classes.get(&minute).copied().unwrap_or_default(),
                seconds: Vec::new(),
            });
        }
        let row = rows.last_mut().expect("pushed above");
        row.counts.add(&c);
        for n in [
            sec.rem_euclid(60) as u64,
            c.total,
            c.excluded,
            c.no_status,
            c.good,
        ] {
            put_varint(&mut row.seconds, n);
        }
    }
    rows
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

/// A row's seconds: (epoch second, counts). None when the blob is damaged.
pub fn decode_seconds(minute: i64, blob: &[u8]) -> Option<Vec<(i64, Counts)>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < blob.len() {
        let mut v = [0u64; 5];
        for x in &mut v {
            *x = get_varint(blob, &mut at)?;
        }
        if v[0] >= 60 || v[2] + v[3] + v[4] > v[1] {
            return None;
        }
        out.push((
            minute * 60 + v[0] as i64,
            Counts {
                total: v[1],
                excluded: v[2],
                no_status: v[3],
                good: v[4],
            },
        ));
    }
    Some(out)
}

/// What the stored counts depend on: the latency threshold and the `[exclude]` rules.
pub fn fingerprint(cfg: &SloConfig, user_agents: &[String], client_cidrs: &[String]) -> String {
    serde_json::json!({
        "latency_threshold_ms": cfg.latency_threshold_ms,
        "exclude_user_agents": user_agents,
        "exclude_client_cidrs": client_cidrs,
    })
    .to_string()
}

/// A fingerprint in words, for messages.
pub fn describe_fingerprint(f: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(f).unwrap_or_default();
    let threshold = match v["latency_threshold_ms"].as_f64() {
        Some(ms) => format!("latency threshold {ms} ms"),
        None => "no latency threshold".to_string(),
    };
    format!(
        "{threshold}, [exclude] user_agents {}, client_cidrs {}",
        v["exclude_user_agents"], v["exclude_client_cidrs"]
    )
}

/// Inserts an object's rows (inside the caller's transaction).
pub(crate) fn insert(
    tx: &rusqlite::Transaction<'_>,
    object_id: i64,
    rows: &[MinuteRow],
) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO slo_minutes (object_id, minute, total, excluded, no_status, good,
         status_1xx, status_2xx, status_3xx, status_4xx, status_5xx, seconds)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    for r in rows {
        let c = &r.counts;
        let k = &r.classes;
        stmt.execute(params![
            object_id,
            r.minute,
            c.total as i64,
            c.excluded as i64,
            c.no_status as i64,
            c.good as i64,
            k[0] as i64,
            k[1] as i64,
            k[2] as i64,
            k[3] as i64,
            k[4] as i64,
            r.seconds,
        ])?;
    }
    Ok(())
}

/// What an answer read from the store.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Read {
    /// Objects holding requests of the window.
    pub objects: u64,
    pub lines: u64,
    pub malformed: u64,
    pub blank_lines: u64,
    pub header_lines: u64,
    pub bytes: u64,
    /// Rows of the window's minutes collected after an answer had covered them.
    pub late_rows: u64,
}

/// The window's per-second counts of the objects in `format` (`only`: of these objects
/// only), from the store, and what they were read from. `window` must be in whole seconds.
pub fn load(
    store: &Store,
    format: &str,
    window: &Window,
    only: Option<&[i64]>,
) -> Result<(SloCounts, Read), StoreError> {
    load_with(store, format, window, only, &default_pairs())
}

/// [`load`] for an SLO with its own burn-rate alerts: exact at their windows' starts too.
pub fn load_with(
    store: &Store,
    format: &str,
    window: &Window,
    only: Option<&[i64]>,
    pairs: &[BurnPair],
) -> Result<(SloCounts, Read), StoreError> {
    let scope = scope(store, only)?;
    let from_min = window.since_us.map_or(i64::MIN, |s| s.div_euclid(60 * SEC));
    let to_min = window
        .until_us
        .map_or(i64::MAX, |u| (u + 60 * SEC - 1).div_euclid(60 * SEC));
    let mut stmt = store
        .conn
        .prepare(&format!(
            "SELECT s.minute, s.total, s.excluded, s.no_status, s.good, s.seconds
             FROM slo_minutes s JOIN objects o ON o.id = s.object_id
             WHERE o.format = ?1 AND s.minute >= ?2 AND s.minute < ?3 AND {scope}
             ORDER BY s.minute"
        ))
        .map_err(|e| store.sql(e))?;
    let mut rows = stmt
        .query(params![format, from_min, to_min])
        .map_err(|e| store.sql(e))?;
    let mut minutes: Vec<MinuteData> = Vec::new();
    while let Some(row) = rows.next().map_err(|e| store.sql(e))? {
        let minute: i64 = row.get(0).map_err(|e| store.sql(e))?;
        let sum = Counts {
            total: super::count(row, 1).map_err(|e| store.sql(e))?,
            excluded: super::count(row, 2).map_err(|e| store.sql(e))?,
            no_status: super::count(row, 3).map_err(|e| store.sql(e))?,
            good: super::count(row, 4).map_err(|e| store.sql(e))?,
        };
        let blob: Vec<u8> = row.get(5).map_err(|e| store.sql(e))?;
        match minutes.last_mut() {
            Some(m) if m.minute == minute => {
                m.sum.add(&sum);
                m.blobs.push(blob);
            }
            _ => minutes.push(MinuteData {
                minute,
                sum,
                blobs: vec![blob],
            }),
        }
    }
    let counts = window_counts(&minutes, window, pairs).ok_or_else(|| StoreError::Corrupt {
        path: store.db_path(),
        reason: "slo_minutes: the seconds of a minute cannot be read".into(),
    })?;
    let read = read(store, format, from_min, to_min, scope)?;
    Ok((counts, read))
}

/// The objects an answer reads, as an SQL condition on `o.id`: every one (of the format), or
/// the ones given (kept in a temporary table).
pub(crate) fn scope(store: &Store, only: Option<&[i64]>) -> Result<&'static str, StoreError> {
    // the objects answered over: every one of the format, or the ones given
    store
        .conn
        .execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS answer_objects (id INTEGER PRIMARY KEY);
             DELETE FROM temp.answer_objects;",
        )
        .map_err(|e| store.sql(e))?;
    Ok(match only {
        None => "1",
        Some(ids) => {
            let mut stmt = store
                .conn
                .prepare("INSERT OR IGNORE INTO temp.answer_objects (id) VALUES (?1)")
                .map_err(|e| store.sql(e))?;
            for id in ids {
                stmt.execute([id]).map_err(|e| store.sql(e))?;
            }
            "o.id IN (SELECT id FROM temp.answer_objects)"
        }
    })
}

/// What the objects of `format` in scope that touch minutes `[from_min, to_min)` were read
/// from.
pub(crate) fn read(
    store: &Store,
    format: &str,
    from_min: i64,
    to_min: i64,
    scope: &str,
) -> Result<Read, StoreError> {
    store
        .conn
        .query_row(
            &format!(
                "SELECT count(*), coalesce(sum(lines), 0), coalesce(sum(malformed), 0),
                 coalesce(sum(blank_lines), 0), coalesce(sum(header_lines), 0),
                 coalesce(sum(bytes), 0), coalesce(sum(late_rows), 0)
                 FROM objects o WHERE format = ?1 AND last_minute >= ?2 AND first_minute < ?3
                 AND {scope}"
            ),
            params![format, from_min, to_min],
            |r| {
                Ok(Read {
                    objects: super::count(r, 0)?,
                    lines: super::count(r, 1)?,
                    malformed: super::count(r, 2)?,
                    blank_lines: super::count(r, 3)?,
                    header_lines: super::count(r, 4)?,
                    bytes: super::count(r, 5)?,
                    late_rows: super::count(r, 6)?,
                })
            },
        )
        .map_err(|e| store.sql(e))
}

/// One minute's rows (of every object in scope): their summed columns and their seconds.
struct MinuteData {
    minute: i64,
    sum: Counts,
    blobs: Vec<Vec<u8>>,
}

impl MinuteData {
    /// The minute's seconds inside `window`, summed over its rows; None when damaged.
    fn seconds(&self, window: &Window) -> Option<Vec<(i64, Counts)>> {
        let mut out: BTreeMap<i64, Counts> = BTreeMap::new();
        for blob in &self.blobs {
            for (sec, c) in decode_seconds(self.minute, blob)? {
                if window.contains(sec * SEC) {
                    out.entry(sec).or_default().add(&c);
                }
            }
        }
        Some(out.into_iter().collect())
    }
}

/// The counts the SLO's report is computed from: per second in the minutes where it needs
/// seconds (the window's first and last, the minutes the window's ends and every sum's start
/// fall inside — [`crate::metrics::slo::boundaries`]), and each other minute as one count
/// at its first second. Every sum the report makes starts and ends on a minute there, so it
/// equals the sum over per-second counts, with a map of minutes instead of seconds (28 days:
/// 40,320 entries, not 2.4 million).
fn window_counts(minutes: &[MinuteData], window: &Window, pairs: &[BurnPair]) -> Option<SloCounts> {
    const MIN: i64 = 60 * SEC;
    let mut counts = SloCounts::default();
    // the first and last second with requests in the window
    let mut first = None;
    for m in minutes {
        if let Some((s, _)) = m.seconds(window)?.first() {
            first = Some(*s);
            break;
        }
    }
    let mut last = None;
    for m in minutes.iter().rev() {
        if let Some((s, _)) = m.seconds(window)?.last() {
            last = Some(*s);
            break;
        }
    }
    let (Some(first), Some(last)) = (first, last) else {
        return Some(counts);
    };
    let start = window.since_us.unwrap_or(first * SEC);
    let end = window.until_us.unwrap_or((last + 1) * SEC);
    let mut exact: std::collections::HashSet<i64> =
        crate::metrics::slo::boundaries_with(start, end, pairs)
            .into_iter()
            .chain(window.since_us)
            .chain(window.until_us)
            .filter(|t| t % MIN != 0)
            .map(|t| t.div_euclid(MIN))
            .collect();
    exact.insert(first.div_euclid(60));
    exact.insert(last.div_euclid(60));
    for m in minutes {
        if exact.contains(&m.minute) {
            for (sec, c) in m.seconds(window)? {
                counts.add(sec, c);
            }
        } else if window.contains(m.minute * MIN) && window.contains((m.minute + 1) * MIN - 1) {
            counts.add(m.minute * 60, m.sum);
        }
    }
    Some(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minutes_seconds_round_trip_through_the_blob() {
        let mut p = Partial::default();
        // seconds 0, 59 and 61 of epoch minute 29_000_000: two rows
        let base = 29_000_000 * 60;
        let c = |t, e, n, g| Counts {
            total: t,
            excluded: e,
            no_status: n,
            good: g,
        };
        p.counts.add(base, c(300, 1, 2, 200));
        p.counts.add(base + 59, c(1, 0, 0, 1));
        p.counts.add(base + 61, c(7, 0, 7, 0));
        let rows = minute_rows(&p);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].minute, 29_000_000);
        assert_eq!(rows[0].counts, c(301, 1, 2, 201));
        assert_eq!(
            decode_seconds(rows[0].minute, &rows[0].seconds).unwrap(),
            vec![(base, c(300, 1, 2, 200)), (base + 59, c(1, 0, 0, 1))]
        );
        assert_eq!(
            decode_seconds(rows[1].minute, &rows[1].seconds).unwrap(),
            vec![(base + 61, c(7, 0, 7, 0))]
        );
        // a cut blob, an offset past the minute, more parts than the total: damaged
        assert_eq!(decode_seconds(1, &rows[0].seconds[..3]), None);
        assert_eq!(decode_seconds(1, &[60, 1, 0, 0, 0]), None);
        assert_eq!(decode_seconds(1, &[0, 1, 1, 1, 0]), None);
    }

    /// The report from minute counts (seconds only where needed) equals the report from every
    /// second, for windows open or closed, on or off the minute.
    #[test]
    fn the_report_from_minutes_equals_the_report_from_seconds() {
        use crate::metrics::slo::compute;
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let base = 29_000_000 * 60; // an epoch second on a minute
        for round in 0..40 {
            // two objects over up to 30 hours, sparse or dense
            let span = 60 + next(30 * 3600) as i64;
            let dense = next(4) + 1;
            let mut all = SloCounts::default();
            let mut minutes: Vec<MinuteData> = Vec::new();
            for _ in 0..2 {
                let mut p = Partial::default();
                for sec in 0..span {
                    if next(dense) != 0 {
                        continue;
                    }
                    let total = 1 + next(5);
                    let excluded = next(total + 1);
                    let no_status = next(total - excluded + 1);
                    let good = next(total - excluded - no_status + 1);
                    let c = Counts {
                        total,
                        excluded,
                        no_status,
                        good,
                    };
                    p.counts.add(base + sec, c);
                    all.add(base + sec, c);
                }
                for r in minute_rows(&p) {
                    minutes.push(MinuteData {
                        minute: r.minute,
                        sum: r.counts,
                        blobs: vec![r.seconds],
                    });
                }
            }
            minutes.sort_by_key(|m| m.minute);
            let mut merged: Vec<MinuteData> = Vec::new();
            for m in minutes {
                match merged.last_mut() {
                    Some(l) if l.minute == m.minute => {
                        l.sum.add(&m.sum);
                        l.blobs.extend(m.blobs);
                    }
                    _ => merged.push(m),
                }
            }
            let at = |n: u64| Some((base + n as i64) * SEC);
            let window = match round % 4 {
                0 => Window::default(),
                1 => Window {
                    since_us: at(next(span as u64 / 2)),
                    until_us: at(span as u64 / 2 + next(span as u64 / 2 + 1)),
                },
                2 => Window {
                    since_us: at(next(span as u64 / 60 + 1) * 60),
                    until_us: None,
                },
                _ => Window {
                    since_us: None,
                    until_us: at(1 + next(span as u64)),
                },
            };
            let cfg = SloConfig {
                target: 0.99,
                latency_threshold_ms: None,
            };
            let mut in_window = SloCounts::default();
            for (sec, c) in all.seconds() {
                if window.contains(sec * SEC) {
                    in_window.add(sec, c);
                }
            }
            let from_seconds = compute(&in_window, &window, &cfg, Default::default());
            let from_minutes = compute(
                &window_counts(&merged, &window, &default_pairs()).unwrap(),
                &window,
                &cfg,
                Default::default(),
            );
            assert_eq!(
                serde_json::to_value(&from_seconds).unwrap(),
                serde_json::to_value(&from_minutes).unwrap(),
                "round {round}: {window:?}"
            );
        }
    }

    #[test]
    fn status_classes_put_600_and_above_with_the_5xx() {
        assert_eq!(
            [100, 204, 302, 404, 460, 500, 561, 999].map(class),
            [0, 1, 2, 3, 3, 4, 4, 4]
        );
    }
}
