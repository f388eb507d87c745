//! Collecting: each source object read once, by identity, into the store.
//!
//! A local object's identity is the BLAKE3 hash of its bytes (as stored: a `.gz` is hashed
//! compressed) with its size, never its path: the same file under another path is the same
//! object. An S3 object's is its bucket, key, ETag and size, as listed: known objects cost a
//! LIST, no GET. Known objects are not read again; a path whose content changed points at the new
//! object, and the old one, when no other path holds it, is removed with its rows. Every new
//! object is parsed on its own (one partial per object) and written with its rows in ONE
//! transaction, so a collect killed at any moment leaves whole objects only.

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;

use rusqlite::{params, OptionalExtension};

use super::kept::{self, Keep, KeptSet};
use super::slo::{self as store_slo, MinuteRow, StoreSlo};
use super::{Store, StoreError};
use crate::engine::local::{self, LoadError};
use crate::engine::local::{ChunkText, FoldSink, Folded, Scan, Sink};
use crate::engine::{fold_sink, Analysis, InputStats, Job, LocalSettings};
use crate::filter::ClientFilter;
use crate::format::{FileFormat, FormatSettings, LineFormat, Routes};
use crate::metrics::slo::SloConfig;
use crate::source::{InputFile, Location};
use crate::window::Window;

/// Objects recorded between two compactions into packs ([`super::pack`]): an hour of one
/// load balancer of 2 nodes is 24 objects, so a pack is rewritten a few times at most.
const COMPACT_EVERY: u64 = 64;

/// Inputs read with one set of settings (the run's, or a hop's).
pub struct Group {
    pub files: Vec<InputFile>,
    pub settings: LocalSettings,
}

/// What a collect did (`collect --format json`).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Summary {
    pub store: String,
    pub objects: ObjectCounts,
    /// Requests in the objects ingested by this run.
    pub requests: u64,
    /// The first and last minute the ingested objects touched.
    pub minutes: Minutes,
    pub complete_through: Option<String>,
    /// Requests ingested by this run into minutes an answer had already covered.
    pub late_rows: u64,
    /// Objects that could not be read whole: not recorded, read again by the next collect.
    pub failed: Vec<Failed>,
    /// The objects the inputs of this run hold (known or ingested; not the failed ones): an
    /// answer over `--source` reads these only.
    #[serde(skip)]
    pub object_ids: Vec<i64>,
    /// Lines read from the ingested objects, and those that were malformed.
    pub lines: u64,
    pub malformed: u64,
    /// The kinds ([`kept::KEEP_NAMES`]) the store's objects held and no longer all do: this
    /// run kept less ([`kept::record_kinds`]).
    #[serde(skip)]
    pub kinds_dropped: Vec<&'static str>,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ObjectCounts {
    /// Objects found in the sources.
    pub seen: u64,
    /// Objects read and recorded by this run.
    pub ingested: u64,
    /// Objects the store had already (by identity), not read again.
    pub unchanged: u64,
    /// Earlier objects whose contribution was removed: their path now holds other content.
    pub replaced: u64,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Minutes {
    pub first: Option<String>,
    pub last: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Failed {
    pub source: String,
    pub reason: String,
}

/// Why a collect stopped.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("{path}: {reason}")]
    Unreadable { path: String, reason: String },
}

impl CollectError {
    /// Whether the user can fix it (exit 2): a store refused, an input that cannot be read or
    /// is not in its format, `--strict` on a bad line.
    pub fn is_usage(&self) -> bool {
        match self {
            CollectError::Store(e) => e.is_usage(),
            CollectError::Load(e) => matches!(e, LoadError::Input(_) | LoadError::Usage(_)),
            CollectError::Unreadable { .. } => true,
        }
    }
}

/// A local object's identity: `blake3:HEX:SIZE`.
pub fn identity(path: &std::path::Path) -> std::io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((
        format!("blake3:{}:{size}", hasher.finalize().to_hex()),
        size,
    ))
}

/// An S3 object's identity, from its listing: `s3:ETAG:SIZE:s3://bucket/key`.
fn s3_identity(f: &InputFile) -> Option<String> {
    let Location::S3 { etag, .. } = &f.location else {
        return None;
    };
    Some(format!("s3:{etag}:{}:{}", f.size.unwrap_or(0), f.name))
}

/// A file's size and modification time (ns), as last recorded at its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub size: u64,
    pub mtime_ns: i64,
}

fn stamp(path: &std::path::Path) -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    Some(Stamp {
        size: m.len(),
        mtime_ns: m.mtime().checked_mul(1_000_000_000)? + m.mtime_nsec(),
    })
}

/// Every recorded path: its object's id, identity and size, and the file's stamp then.
type Recorded = HashMap<String, (i64, String, u64, Option<Stamp>)>;

fn recorded_locations(store: &Store) -> Result<Recorded, StoreError> {
    let mut stmt = store
        .conn
        .prepare(
            "SELECT l.path, o.id, o.identity, o.size, l.size, l.mtime_ns
             FROM locations l JOIN objects o ON o.id = l.object_id",
        )
        .map_err(|e| store.sql(e))?;
    let rows = stmt
        .query_map([], |r| {
            let size: Option<i64> = r.get(4)?;
            let mtime: Option<i64> = r.get(5)?;
            Ok((
                r.get::<_, String>(0)?,
                (
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    super::count(r, 3)?,
                    size.zip(mtime).map(|(s, m)| Stamp {
                        size: s as u64,
                        mtime_ns: m,
                    }),
                ),
            ))
        })
        .map_err(|e| store.sql(e))?;
    rows.collect::<Result<Recorded, _>>()
        .map_err(|e| store.sql(e))
}

/// One object, parsed.
struct Parsed {
    rows: Vec<MinuteRow>,
    /// Every other analysis' per-minute partials (src/store/kept.rs).
    kept: kept::Rows,
    stats: InputStats,
}

/// Collects `groups` into `store`: hashes every input, reads the new ones (`threads` at a
/// time, one partial each, of the analyses `keep` keeps) and records each with its rows in
/// one transaction.
#[allow(clippy::too_many_arguments)]
pub fn collect(
    store: &mut Store,
    groups: &[Group],
    routes: &Routes,
    exclude: &ClientFilter,
    slo: SloConfig,
    security: &crate::metrics::security::Settings,
    keep: &Keep,
    now_s: i64,
    threads: usize,
) -> Result<Summary, CollectError> {
    let mut summary = Summary {
        store: store.dir.display().to_string(),
        ..Summary::default()
    };
    // every input, with the settings of its group; each path once
    let mut inputs: Vec<(&InputFile, &LocalSettings, PathBuf)> = Vec::new();
    let mut paths = std::collections::HashSet::new();
    for g in groups {
        for f in &g.files {
            let abs = match &f.location {
                Location::Path(p) => std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()),
                // its location: s3://bucket/key
                Location::S3 { .. } => PathBuf::from(&f.name),
                Location::Stdin => {
                    return Err(StoreError::Unsupported {
                        path: summary.store.clone(),
                        reason: format!("{}: collect reads files and S3, not stdin", f.name),
                    }
                    .into())
                }
                // events have no object identity to record once (the CLI refuses cwlogs:// first)
                Location::CloudWatch { .. } => {
                    return Err(StoreError::Unsupported {
                        path: summary.store.clone(),
                        reason: format!(
                            "{}: collect reads files and S3, not CloudWatch Logs (export the group to S3 and collect the export)",
                            f.name
                        ),
                    }
                    .into())
                }
            };
            if paths.insert(abs.clone()) {
                inputs.push((f, &g.settings, abs));
            }
        }
    }
    summary.objects.seen = inputs.len() as u64;

    // identities: a path whose size and modification time are those recorded holds the
    // object recorded; every other input is hashed (in parallel)
    let recorded = recorded_locations(store)?;
    use rayon::prelude::*;
    type Ident = (Option<i64>, String, u64, Option<Stamp>);
    let ids: Vec<Result<Ident, CollectError>> = inputs
        .par_iter()
        .map(|(f, _, abs)| {
            let unreadable = |e: std::io::Error| CollectError::Unreadable {
                path: f.name.clone(),
                reason: e.to_string(),
            };
            if let Some(ident) = s3_identity(f) {
                return Ok((None, ident, f.size.unwrap_or(0), None));
            }
            let stamp = stamp(abs);
            if let (Some(st), Some((id, ident, size, Some(was)))) =
                (stamp, recorded.get(&abs.to_string_lossy().into_owned()))
            {
                if st == *was {
                    return Ok((Some(*id), ident.clone(), *size, stamp));
                }
            }
            let (ident, size) = identity(abs).map_err(unreadable)?;
            Ok((None, ident, size, stamp))
        })
        .collect();
    let mut idents: Vec<(String, u64)> = Vec::with_capacity(ids.len());
    let mut stamps: Vec<Option<Stamp>> = Vec::with_capacity(ids.len());
    let mut same_path: Vec<Option<i64>> = Vec::with_capacity(ids.len());
    for id in ids {
        let (known, ident, size, st) = id?;
        idents.push((ident, size));
        stamps.push(st);
        same_path.push(known);
    }

    // known objects: only their paths are recorded (one transaction); new ones are read
    // once each
    let mut todo: Vec<usize> = Vec::new();
    let mut first_of: HashMap<String, usize> = HashMap::new();
    let mut copies: HashMap<usize, Vec<usize>> = HashMap::new();
    {
        let db = store.db_path();
        let sql = |e: rusqlite::Error| StoreError::Sql {
            path: db.clone(),
            source: e,
        };
        let tx = store.conn.transaction().map_err(sql)?;
        for (i, (ident, _)) in idents.iter().enumerate() {
            let known: Option<i64> = match same_path[i] {
                Some(id) => Some(id),
                None => tx
                    .query_row("SELECT id FROM objects WHERE identity = ?1", [ident], |r| {
                        r.get(0)
                    })
                    .optional()
                    .map_err(sql)?,
            };
            match known {
                Some(id) => {
                    summary.objects.unchanged += 1;
                    summary.object_ids.push(id);
                    if same_path[i].is_none() {
                        summary.objects.replaced += locate_in(&tx, &inputs[i].2, id, stamps[i])
                            .map_err(|e| super::pack_error(&db, e))?;
                    }
                }
                None => match first_of.get(ident) {
                    // a copy of an object this run reads is recorded once it is in
                    Some(&first) => copies.entry(first).or_default().push(i),
                    None => {
                        first_of.insert(ident.clone(), i);
                        todo.push(i);
                    }
                },
            }
        }
        tx.commit().map_err(sql)?;
    }

    let answered: i64 = store
        .setting("answered_through")?
        .and_then(|v| v.parse().ok())
        .unwrap_or(i64::MIN);
    let analysis = (
        StoreSlo { config: slo },
        KeptSet {
            kept: kept::registry(slo, security)
                .into_iter()
                .filter(|k| keep.keeps(k.key()))
                .collect(),
        },
    );
    let keys: Vec<&str> = analysis.1.kept.iter().map(|k| k.key()).collect();
    // the kinds every object holds, narrowed before the first new object is recorded
    let mut kinds_recorded = false;
    let none = ClientFilter::default();
    // the new S3 objects are downloaded ahead of the parsers, in their order
    let new: Vec<InputFile> = todo.iter().map(|&i| inputs[i].0.clone()).collect();
    let _ahead = crate::source::prefetch(&new);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (tx, rx) = crossbeam_channel::bounded::<(usize, Result<Parsed, LoadError>)>(threads * 2);
    let mut first_min = i64::MAX;
    let mut last_min = i64::MIN;
    let outcome: Result<(), CollectError> = std::thread::scope(|s| {
        // owned here: an early return drops it, and the readers stop at their next send
        let rx = rx;
        for _ in 0..threads.max(1) {
            let tx = tx.clone();
            let (todo, inputs, next, analysis, none) = (&todo, &inputs, &next, &analysis, &none);
            s.spawn(move || loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&i) = todo.get(k) else { break };
                let (file, settings, _) = &inputs[i];
                let parsed = parse(file, settings, routes, exclude, analysis, none);
                if tx.send((i, parsed)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        for (i, parsed) in rx.iter() {
            let parsed = match parsed {
                Ok(p) => p,
                // an object none of whose lines is in its format: named, not recorded (a
                // raw read of many files names it too, and reads the others)
                Err(LoadError::Input(e @ crate::error::InputError::WrongFormat { .. })) => {
                    summary.failed.push(Failed {
                        source: inputs[i].0.name.clone(),
                        reason: e.to_string(),
                    });
                    continue;
                }
                Err(e) => {
                    // stop the readers: nothing more is taken
                    next.store(usize::MAX / 2, std::sync::atomic::Ordering::Relaxed);
                    return Err(e.into());
                }
            };
            let (file, _, abs) = &inputs[i];
            if let Some(err) = parsed.stats.source_errors.first() {
                summary.failed.push(Failed {
                    source: file.name.clone(),
                    reason: err.reason.clone(),
                });
                continue;
            }
            let (ident, size) = &idents[i];
            let late: u64 = parsed
                .rows
                .iter()
                .filter(|r| r.minute < answered)
                .map(|r| r.counts.total)
                .sum();
            let requests: u64 = parsed.rows.iter().map(|r| r.counts.total).sum();
            let format = parsed
                .stats
                .formats
                .keys()
                .next()
                .cloned()
                .unwrap_or_else(|| "none".into());
            if !kinds_recorded {
                for k in &kept::record_kinds(store, &keys)? {
                    let name = kept::keep_name(k);
                    if !summary.kinds_dropped.contains(&name) {
                        summary.kinds_dropped.push(name);
                    }
                }
                kinds_recorded = true;
            }
            let (id, replaced) = record(
                store, abs, stamps[i], ident, *size, &format, now_s, &parsed, requests, late,
            )?;
            summary.objects.replaced += replaced;
            // the copies of this object met in this run
            for &j in copies.get(&i).map_or(&[][..], |v| v.as_slice()) {
                summary.objects.unchanged += 1;
                summary.objects.replaced += locate(store, &inputs[j].2, id, stamps[j])?;
            }
            summary.object_ids.push(id);
            summary.objects.ingested += 1;
            // the rows waiting to be packed stay few: their pages are reused by the next
            if summary.objects.ingested.is_multiple_of(COMPACT_EVERY) {
                store.compact()?;
            }
            summary.requests += requests;
            summary.late_rows += late;
            summary.lines += parsed.stats.lines;
            summary.malformed += parsed.stats.malformed;
            if let (Some(f), Some(l)) = (parsed.rows.first(), parsed.rows.last()) {
                first_min = first_min.min(f.minute);
                last_min = last_min.max(l.minute);
            }
        }
        Ok(())
    });
    outcome?;
    store.compact()?;
    if first_min <= last_min {
        summary.minutes = Minutes {
            first: Some(super::minute_text(first_min)),
            last: Some(super::minute_text(last_min)),
        };
    }
    store.set_setting("collected_at", &now_s.to_string())?;
    summary.complete_through = store.complete_through(None)?.map(super::minute_text);
    Ok(summary)
}

/// Reads one object on its own: its SLO partial and every kept analysis' partials as rows,
/// and its input accounting.
fn parse(
    file: &InputFile,
    settings: &LocalSettings,
    routes: &Routes,
    exclude: &ClientFilter,
    analysis: &(StoreSlo, KeptSet),
    none: &ClientFilter,
) -> Result<Parsed, LoadError> {
    let one = LocalSettings {
        threads: 1,
        readers: Some(1),
        progress: false,
        ..settings.clone()
    };
    let job = Job {
        window: Window::default(),
        routes,
        exclude,
    };
    let opts = one.load_options(
        Window::default(),
        routes,
        Some(("collect", crate::engine::Analysis::required(analysis))),
        Some(1),
    );
    let fold = fold_sink(analysis, &job, none);
    let sink = CollectSink {
        slo: analysis.0.config,
        set: &analysis.1,
        fold,
        formats: &one.formats,
    };
    let (parts, stats) = local::load(std::slice::from_ref(file), &opts, &sink)?;
    let mut partial = crate::engine::Analysis::partial(analysis);
    for p in parts {
        crate::engine::Analysis::merge(analysis, &mut partial, p.partial);
    }
    // the object's format, for the analyses it can answer
    let roles = stats.formats.keys().next().and_then(|name| {
        crate::format::FormatId::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .map(|id| crate::format::FileFormat::for_file(id, &[], &one.formats).roles())
    });
    let kept = kept::rows(&analysis.1, partial.1, roles).map_err(|e| {
        crate::error::UsageError(format!("{}: its partials cannot be kept: {e}", file.name))
    })?;
    Ok(Parsed {
        rows: store_slo::minute_rows(&partial.0),
        kept,
        stats,
    })
}

/// The collect's sink: the SLO counts and the kept analyses folded as [`fold_sink`] folds
/// them, each chunk's requests into the kept analyses whose required roles its format has
/// only (the others' partials would be dropped by [`kept::rows`], which judges the object's
/// format the same way).
struct CollectSink<'a> {
    slo: SloConfig,
    set: &'a KeptSet,
    fold: FoldSink<'a, (StoreSlo, KeptSet)>,
    formats: &'a FormatSettings,
}

impl Sink for CollectSink<'_> {
    type Acc = Folded<<(StoreSlo, KeptSet) as Analysis>::Partial>;

    fn init(&self) -> Self::Acc {
        self.fold.init()
    }

    fn chunk<F: LineFormat>(
        &self,
        acc: &mut Self::Acc,
        format: &F,
        text: ChunkText<'_>,
        scan: &mut Scan<'_>,
    ) -> Result<(), polars::prelude::PolarsError> {
        let roles = FileFormat::for_file(format.id(), &[], self.formats).roles();
        let analysis = (StoreSlo { config: self.slo }, self.set.for_roles(roles));
        FoldSink {
            analysis: &analysis,
            roles: self.fold.roles,
            routes: self.fold.routes,
            exclude: self.fold.exclude,
        }
        .chunk(acc, format, text, scan)
    }
}

/// Records a new object, its rows and its path in one transaction; returns its id and
/// whether it replaced the path's earlier object (see [`locate`]).
#[allow(clippy::too_many_arguments)]
fn record(
    store: &mut Store,
    at: &std::path::Path,
    stamp: Option<Stamp>,
    ident: &str,
    size: u64,
    format: &str,
    now_s: i64,
    parsed: &Parsed,
    requests: u64,
    late: u64,
) -> Result<(i64, u64), StoreError> {
    let path = store.db_path();
    let sql = |e: rusqlite::Error| StoreError::Sql {
        path: path.clone(),
        source: e,
    };
    let tx = store.conn.transaction().map_err(sql)?;
    let st = &parsed.stats;
    tx.execute(
        "INSERT INTO objects (identity, size, format, ingested_at, first_minute, last_minute,
         requests, lines, malformed, blank_lines, header_lines, bytes, late_rows)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            ident,
            size as i64,
            format,
            now_s,
            parsed.rows.first().map(|r| r.minute),
            parsed.rows.last().map(|r| r.minute),
            requests as i64,
            st.lines as i64,
            st.malformed as i64,
            st.blank_lines as i64,
            st.header_lines as i64,
            st.bytes as i64,
            late as i64,
        ],
    )
    .map_err(sql)?;
    let id = tx.last_insert_rowid();
    store_slo::insert(&tx, id, &parsed.rows).map_err(sql)?;
    kept::insert(&tx, id, &parsed.kept).map_err(sql)?;
    let replaced = locate_in(&tx, at, id, stamp).map_err(|e| super::pack_error(&path, e))?;
    // the test suite kills a collect here, between an object's rows and its commit (debug
    // builds only)
    if cfg!(debug_assertions) && std::env::var_os("HOSP_LOGS_TEST_STALL_COLLECT").is_some() {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    tx.commit().map_err(sql)?;
    Ok((id, replaced))
}

/// Points `path` at object `id`, in a transaction of its own.
fn locate(
    store: &mut Store,
    path: &std::path::Path,
    id: i64,
    stamp: Option<Stamp>,
) -> Result<u64, StoreError> {
    let db = store.db_path();
    let sql = |e: rusqlite::Error| StoreError::Sql {
        path: db.clone(),
        source: e,
    };
    let tx = store.conn.transaction().map_err(sql)?;
    let replaced = locate_in(&tx, path, id, stamp).map_err(|e| super::pack_error(&db, e))?;
    tx.commit().map_err(sql)?;
    Ok(replaced)
}

/// Points `path` at object `id`. The object the path held before, when another and held by
/// no other path now, is removed with its rows: returns 1 then (replaced), else 0.
fn locate_in(
    tx: &rusqlite::Transaction<'_>,
    path: &std::path::Path,
    id: i64,
    stamp: Option<Stamp>,
) -> Result<u64, super::pack::PackError> {
    let key = path.to_string_lossy().into_owned();
    let before: Option<i64> = tx
        .query_row(
            "SELECT object_id FROM locations WHERE path = ?1",
            [&key],
            |r| r.get(0),
        )
        .optional()?;
    tx.execute(
        "INSERT INTO locations (path, object_id, size, mtime_ns) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (path) DO UPDATE SET object_id = excluded.object_id,
         size = excluded.size, mtime_ns = excluded.mtime_ns",
        params![
            key,
            id,
            stamp.map(|s| s.size as i64),
            stamp.map(|s| s.mtime_ns)
        ],
    )?;
    let mut replaced = 0;
    if let Some(old) = before.filter(|o| *o != id) {
        let held: i64 = tx.query_row(
            "SELECT count(*) FROM locations WHERE object_id = ?1",
            [old],
            |r| r.get(0),
        )?;
        if held == 0 {
            super::pack::remove(tx, &[old])?;
            for table in super::PARTIAL_TABLES {
                tx.execute(&format!("DELETE FROM {table} WHERE object_id = ?1"), [old])?;
            }
            tx.execute("DELETE FROM objects WHERE id = ?1", [old])?;
            replaced = 1;
        }
    }
    Ok(replaced)
}

#[cfg(test)]
mod tests {
    use std::any::Any;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;
    use crate::format::{LogFormat, Request, Role, RoleSet};
    use crate::store::kept::KeptDyn;

    /// A kept analysis that counts the requests folded into it.
    struct Counting {
        key: &'static str,
        required: RoleSet,
        folded: Arc<AtomicUsize>,
    }

    impl KeptDyn for Counting {
        fn key(&self) -> &'static str {
            self.key
        }
        fn required(&self) -> RoleSet {
            self.required
        }
        fn roles(&self) -> RoleSet {
            self.required
        }
        fn excludes(&self) -> bool {
            true
        }
        fn part(&self) -> Box<dyn Any + Send> {
            Box::new(())
        }
        fn fold(&self, _: &mut (dyn Any + Send), batch: &[Request<'_>], _: &[(i64, usize, usize)]) {
            self.folded.fetch_add(batch.len(), Ordering::Relaxed);
        }
        fn merge(&self, _: &mut (dyn Any + Send), _: Box<dyn Any + Send>) {}
        fn encode(&self, _: Box<dyn Any + Send>) -> Result<Vec<u8>, String> {
            Ok(vec![1])
        }
    }

    /// One object of the fixture day's load balancer logs, read as a collect reads it (its
    /// format recognised): the analysis needing a role ALB lacks (CloudFront's edge result)
    /// is never folded, nor kept; the one ALB has every role of gets every request.
    #[test]
    fn an_alb_object_folds_no_analysis_whose_required_roles_alb_lacks() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/day");
        let mut stack = vec![root];
        let mut path = None;
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.to_string_lossy().contains("elasticloadbalancing_") && path.is_none() {
                    path = Some(p);
                }
            }
        }
        let path = path.expect("an ALB object in fixtures/day");
        let lines = {
            let mut text = String::new();
            flate2::read::MultiGzDecoder::new(std::fs::File::open(&path).unwrap())
                .read_to_string(&mut text)
                .unwrap();
            text.lines().count()
        };
        assert!(lines > 0);
        let (edge, latency) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let edge_role = Role::EdgeResult;
        assert!(!crate::format::FormatId::Alb.roles().contains(edge_role));
        let analysis = (
            StoreSlo {
                config: SloConfig {
                    target: 0.99,
                    latency_threshold_ms: None,
                },
            },
            KeptSet {
                kept: vec![
                    Box::new(Counting {
                        key: "edge",
                        required: RoleSet::of(&[Role::Time, edge_role]),
                        folded: Arc::clone(&edge),
                    }),
                    Box::new(Counting {
                        key: "latency.total",
                        required: RoleSet::of(&[Role::Time, Role::LatencyMs]),
                        folded: Arc::clone(&latency),
                    }),
                ],
            },
        );
        let settings = LocalSettings {
            threads: 1,
            readers: None,
            progress: false,
            strict: false,
            log_format: LogFormat::Auto,
            formats: FormatSettings::default(),
            max_line_bytes: local::DEFAULT_MAX_LINE_BYTES,
            max_inflate: local::InflateLimit::Ratio(local::DEFAULT_MAX_INFLATE_RATIO),
            now_us: i64::MAX / 2,
            mmap: false,
        };
        let file = InputFile {
            name: path.display().to_string(),
            location: Location::Path(path.clone()),
            size: None,
        };
        let none = ClientFilter::default();
        let parsed = parse(
            &file,
            &settings,
            &Routes::default(),
            &none,
            &analysis,
            &none,
        )
        .unwrap();
        assert_eq!(parsed.stats.lines as usize, lines);
        assert_eq!(edge.load(Ordering::Relaxed), 0, "edge folded over ALB");
        assert_eq!(latency.load(Ordering::Relaxed), lines);
        let keys: Vec<&str> = parsed.kept.partials.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["latency.total"]);
    }
}
