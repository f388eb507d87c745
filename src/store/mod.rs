//! The store: per-minute partials of every object collected, in one SQLite database, so an
//! SLO's whole window (28 days, a month, a project) is answered without re-reading the logs.
//!
//! Layout (schema version [`SCHEMA_VERSION`], in `DIR/store.sqlite`):
//! - `schema_version`: one row, the version this build writes. Another version is refused.
//! - `settings`: what the stored counts depend on (the SLO's latency threshold, the
//!   `[exclude]` rules), so an answer under other settings is refused instead of wrong;
//!   and `answered_through`, the end of the latest minute an answer covered (for
//!   `late_rows`).
//! - `objects`: one row per source object, by identity (local: BLAKE3 of the content and its
//!   size, never the path), with its format, the minutes it touched, its input accounting
//!   (lines, malformed, blank, header, bytes) and the rows that arrived late.
//! - `locations`: every path an object was seen at, with the file's size and modification
//!   time then (a file whose size and time are unchanged is not hashed again); a path whose
//!   content changed points at the new object, and an object no path points at any more is
//!   removed with its rows.
//! - `slo_minutes`: the SLO's counts per object × minute, with per-second detail ([`slo`]).
//! - `minutes` and `partials`: every other analysis' own mergeable partial per object ×
//!   analysis × minute, serialised, and each object-minute's extent ([`kept`]). An object's
//!   rows of every table are written in the one transaction that records the object.
//! - `packs`: the `partials` rows moved, at the end of a collect (and every 64 objects), into
//!   one deflate stream per hour × family of analyses, each object a member of its own
//!   ([`pack`]): what keeps the store small.
//!
//! Version 2 (no `packs`) is migrated in place by whoever opens it first; version 1 (SLO
//! counts only) is refused with what to do: `hosp-logs store rebuild`.
//!
//! A collect holds `DIR/collect.lock` (flock) for its whole run: a second one waits a
//! bounded time, then is refused. The lock dies with the process, so a killed collect
//! never blocks the next one.

pub mod collect;
pub mod kept;
pub mod pack;
pub mod slo;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

/// The schema this build reads and writes.
pub const SCHEMA_VERSION: i64 = 3;

/// The database file inside the store folder.
pub const DB_FILE: &str = "store.sqlite";
const LOCK_FILE: &str = "collect.lock";

const SCHEMA: &str = "
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE objects (
    id INTEGER PRIMARY KEY,
    identity TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    format TEXT NOT NULL,
    ingested_at INTEGER NOT NULL,
    first_minute INTEGER,
    last_minute INTEGER,
    requests INTEGER NOT NULL,
    lines INTEGER NOT NULL,
    malformed INTEGER NOT NULL,
    blank_lines INTEGER NOT NULL,
    header_lines INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    late_rows INTEGER NOT NULL
);
CREATE TABLE locations (
    path TEXT PRIMARY KEY,
    object_id INTEGER NOT NULL,
    size INTEGER,
    mtime_ns INTEGER
);
CREATE INDEX locations_object ON locations (object_id);
CREATE TABLE slo_minutes (
    object_id INTEGER NOT NULL,
    minute INTEGER NOT NULL,
    total INTEGER NOT NULL,
    excluded INTEGER NOT NULL,
    no_status INTEGER NOT NULL,
    good INTEGER NOT NULL,
    status_1xx INTEGER NOT NULL,
    status_2xx INTEGER NOT NULL,
    status_3xx INTEGER NOT NULL,
    status_4xx INTEGER NOT NULL,
    status_5xx INTEGER NOT NULL,
    seconds BLOB NOT NULL,
    PRIMARY KEY (object_id, minute)
) WITHOUT ROWID;
CREATE INDEX slo_minutes_minute ON slo_minutes (minute);
CREATE TABLE minutes (
    object_id INTEGER NOT NULL,
    minute INTEGER NOT NULL,
    first_us INTEGER NOT NULL,
    last_us INTEGER NOT NULL,
    seen_first_us INTEGER,
    seen_last_us INTEGER,
    excluded INTEGER NOT NULL,
    requests INTEGER NOT NULL,
    PRIMARY KEY (object_id, minute)
) WITHOUT ROWID;
CREATE INDEX minutes_minute ON minutes (minute);
CREATE TABLE partials (
    object_id INTEGER NOT NULL,
    analysis TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (object_id, analysis)
);
CREATE TABLE packs (
    hour INTEGER NOT NULL,
    family TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (hour, family)
);
";

/// What version 3 added to version 2 (whose `partials` rows are version 3's rows waiting to
/// be packed): a version 2 store is migrated by adding it.
const V2_TO_V3: &str = "
CREATE TABLE packs (
    hour INTEGER NOT NULL,
    family TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (hour, family)
);
UPDATE schema_version SET version = 3;
";

/// Why the store cannot be used. All but [`StoreError::Sql`] are the user's to fix (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store {path}: not a hosp-logs store, or damaged ({reason}); `hosp-logs store rebuild` moves it aside and collects again from the sources")]
    Corrupt { path: String, reason: String },
    #[error("store {path}: cannot be opened: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("store {path}: written by schema version {found}, this hosp-logs reads version {SCHEMA_VERSION}; use the hosp-logs that wrote it, or collect into a new --store folder, or `hosp-logs store rebuild` (moves it aside and collects again from the sources)")]
    Version { path: String, found: i64 },
    #[error("store {path}: another collect is writing to it (waited {waited_s} s); run this one when it has finished")]
    Busy { path: String, waited_s: u64 },
    #[error("store {path}: its counts were collected with {stored}, this run asks for {asked}; collect into another --store folder with these settings, or run with --no-store")]
    Settings {
        path: String,
        stored: String,
        asked: String,
    },
    #[error("store {path}: {reason}")]
    Unsupported { path: String, reason: String },
    #[error("store {path}: {source}")]
    Sql {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
}

impl StoreError {
    /// Whether the user can fix it (exit 2), rather than a runtime failure (exit 1).
    pub fn is_usage(&self) -> bool {
        !matches!(self, StoreError::Sql { .. })
    }
}

/// The default store folder: `$XDG_DATA_HOME/hosp-logs/store`, else
/// `~/.local/share/hosp-logs/store`.
pub fn default_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .map(|d| d.join("hosp-logs").join("store"))
}

/// An open store.
pub struct Store {
    pub dir: PathBuf,
    pub(crate) conn: Connection,
    /// Held while collecting (see the module's notes).
    _lock: Option<std::fs::File>,
}

impl Store {
    /// Opens the store at `dir` to read it: refused when it does not exist.
    pub fn open_read(dir: &Path) -> Result<Store, StoreError> {
        let db = dir.join(DB_FILE);
        if !db.is_file() {
            return Err(StoreError::Unsupported {
                path: dir.display().to_string(),
                reason: "no store here yet: run `hosp-logs collect --store DIR` first".into(),
            });
        }
        Store::open(dir, None)
    }

    /// Opens (creating) the store at `dir` to collect into it, holding its collect lock:
    /// waits up to `wait` for another collect to finish, then refuses.
    pub fn open_collect(dir: &Path, wait: Duration) -> Result<Store, StoreError> {
        let path = dir.display().to_string();
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Unreadable {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let lock = lock(dir, wait)?;
        Store::open(dir, Some(lock))
    }

    fn open(dir: &Path, lock: Option<std::fs::File>) -> Result<Store, StoreError> {
        let path = dir.display().to_string();
        let db = dir.join(DB_FILE);
        let corrupt = |e: rusqlite::Error| StoreError::Corrupt {
            path: db.display().to_string(),
            reason: e.to_string(),
        };
        let new = std::fs::metadata(&db).map_or(true, |m| m.len() == 0);
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&db, flags).map_err(|e| StoreError::Unreadable {
            path: db.display().to_string(),
            reason: e.to_string(),
        })?;
        if new {
            // before WAL, which writes the file's first page: the rows a compaction moves into
            // packs free their pages, given back to the file system by `incremental_vacuum`
            // ([`Store::compact`])
            conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")
                .map_err(corrupt)?;
        }
        // a reader (slo) waits for a collect's object transaction, which is short
        conn.busy_timeout(Duration::from_secs(30))
            .map_err(|e| StoreError::Sql {
                path: path.clone(),
                source: e,
            })?;
        // WAL: answers read while a collect writes; synchronous=NORMAL keeps every committed
        // object across a crash of the process (a power loss may lose the last ones, never
        // half of one)
        conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
            .map_err(corrupt)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(corrupt)?;
        let store = Store {
            dir: dir.to_path_buf(),
            conn,
            _lock: lock,
        };
        store.check_schema()?;
        Ok(store)
    }

    /// Creates the schema in an empty database; refuses another version or a database that is
    /// not a store.
    fn check_schema(&self) -> Result<(), StoreError> {
        let path = self.db_path();
        let corrupt = |reason: String| StoreError::Corrupt {
            path: path.clone(),
            reason,
        };
        let tables: i64 = self
            .conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|e| corrupt(e.to_string()))?;
        if tables == 0 {
            let tx = self.conn.unchecked_transaction().map_err(|e| self.sql(e))?;
            tx.execute_batch(SCHEMA).map_err(|e| self.sql(e))?;
            tx.execute(
                "INSERT INTO schema_version (version) VALUES (?1)",
                [SCHEMA_VERSION],
            )
            .map_err(|e| self.sql(e))?;
            tx.commit().map_err(|e| self.sql(e))?;
            return Ok(());
        }
        let found: Option<i64> = self
            .conn
            .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
            .optional()
            .map_err(|e| corrupt(format!("no schema_version table: {e}")))?;
        if found == Some(2) {
            // version 2's `partials` are version 3's rows waiting to be packed: packs are
            // added (the next collect packs them). Whoever opens it first migrates it (a
            // reader has no collect lock): the version is read again inside the write
            // transaction
            let migrate = || -> rusqlite::Result<()> {
                let tx = rusqlite::Transaction::new_unchecked(
                    &self.conn,
                    rusqlite::TransactionBehavior::Immediate,
                )?;
                let still: i64 =
                    tx.query_row("SELECT version FROM schema_version", [], |r| r.get(0))?;
                if still == 2 {
                    tx.execute_batch(V2_TO_V3)?;
                }
                tx.commit()
            };
            migrate().map_err(|e| StoreError::Unsupported {
                path: self.dir.display().to_string(),
                reason: format!("written by schema version 2, which this hosp-logs migrates to version {SCHEMA_VERSION} in place, but it could not ({e}): run it where the store can be written, or `hosp-logs store rebuild` (moves it aside and collects again from the sources)"),
            })?;
            return self.check_schema();
        }
        match found {
            Some(SCHEMA_VERSION) => {
                // a quick check of the pages: a damaged file is named here, not mid-answer
                let ok: String = self
                    .conn
                    .query_row("PRAGMA quick_check", [], |r| r.get(0))
                    .map_err(|e| corrupt(e.to_string()))?;
                if ok != "ok" {
                    return Err(corrupt(ok));
                }
                Ok(())
            }
            Some(v) => Err(StoreError::Version {
                path: self.dir.display().to_string(),
                found: v,
            }),
            None => Err(corrupt("schema_version is empty".into())),
        }
    }

    pub fn db_path(&self) -> String {
        self.dir.join(DB_FILE).display().to_string()
    }

    pub(crate) fn sql(&self, e: rusqlite::Error) -> StoreError {
        StoreError::Sql {
            path: self.db_path(),
            source: e,
        }
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.sql(e))
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// Checks that the store's counts were made with `fingerprint` (see
    /// [`slo::fingerprint`]); an empty store takes it.
    pub fn check_settings(&self, fingerprint: &str, describe: &str) -> Result<(), StoreError> {
        self.check_fingerprint("slo", fingerprint, slo::describe_fingerprint, describe)
    }

    /// Checks that the kept partials were made with `fingerprint` (see
    /// [`kept::fingerprint`]); an empty store takes it.
    pub fn check_kept_settings(&self, fingerprint: &str) -> Result<(), StoreError> {
        self.check_fingerprint(
            "kept",
            fingerprint,
            describe_json,
            &describe_json(fingerprint),
        )
    }

    fn check_fingerprint(
        &self,
        key: &str,
        fingerprint: &str,
        stored_words: fn(&str) -> String,
        describe: &str,
    ) -> Result<(), StoreError> {
        match self.setting(key)? {
            Some(f) if f == fingerprint => Ok(()),
            Some(f) => Err(StoreError::Settings {
                path: self.dir.display().to_string(),
                stored: stored_words(&f),
                asked: describe.to_string(),
            }),
            None => {
                let objects: i64 = self
                    .conn
                    .query_row("SELECT count(*) FROM objects", [], |r| r.get(0))
                    .map_err(|e| self.sql(e))?;
                if objects > 0 {
                    return Err(StoreError::Corrupt {
                        path: self.db_path(),
                        reason: "objects without the settings they were counted with".into(),
                    });
                }
                Ok(())
            }
        }
    }

    /// The formats of the objects stored.
    pub fn formats(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT format FROM objects ORDER BY format")
            .map_err(|e| self.sql(e))?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(|e| self.sql(e))?;
        rows.collect::<Result<Vec<String>, _>>()
            .map_err(|e| self.sql(e))
    }

    /// The formats of the objects `ids`.
    pub fn formats_of(&self, ids: &[i64]) -> Result<Vec<String>, StoreError> {
        let mut out = std::collections::BTreeSet::new();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT format FROM objects WHERE id = ?1")
            .map_err(|e| self.sql(e))?;
        for id in ids {
            let f: Option<String> = stmt
                .query_row([id], |r| r.get(0))
                .optional()
                .map_err(|e| self.sql(e))?;
            out.extend(f);
        }
        Ok(out.into_iter().collect())
    }

    /// Records that an answer covered every minute before `minute` (epoch minutes): rows
    /// collected into them from now on are late.
    pub fn mark_answered(&self, minute: i64) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO settings (key, value) VALUES ('answered_through', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = max(CAST(value AS INTEGER), ?1)",
                [minute],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// What `store info` prints.
    pub fn info(&self) -> Result<Info, StoreError> {
        let (objects, first, last): (u64, Option<i64>, Option<i64>) = self
            .conn
            .query_row(
                "SELECT count(*), min(first_minute), max(last_minute) FROM objects",
                [],
                |r| Ok((count(r, 0)?, r.get(1)?, r.get(2)?)),
            )
            .map_err(|e| self.sql(e))?;
        let minutes: u64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM (SELECT DISTINCT minute FROM slo_minutes)",
                [],
                |r| count(r, 0),
            )
            .map_err(|e| self.sql(e))?;
        let (requests, late_rows): (u64, u64) = self
            .conn
            .query_row(
                "SELECT coalesce(sum(requests), 0), coalesce(sum(late_rows), 0) FROM objects",
                [],
                |r| Ok((count(r, 0)?, count(r, 1)?)),
            )
            .map_err(|e| self.sql(e))?;
        let mut size = 0;
        for f in [DB_FILE, "store.sqlite-wal"] {
            size += std::fs::metadata(self.dir.join(f)).map_or(0, |m| m.len());
        }
        Ok(Info {
            store: self.dir.display().to_string(),
            schema_version: SCHEMA_VERSION,
            objects,
            requests,
            minutes,
            size_bytes: size,
            first_minute: first.map(minute_text),
            last_minute: last.map(minute_text),
            complete_through: self.complete_through(None)?.map(minute_text),
            late_rows,
            keep: kept::held_kinds(self)?
                .map(|k| {
                    kept::keep_names(k.iter().map(String::as_str))
                        .into_iter()
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            bytes: self.bytes()?,
        })
    }

    /// [`Bytes`]: from SQLite's `dbstat` (every page of the file, by the table it belongs to)
    /// and the packs' lengths.
    fn bytes(&self) -> Result<Bytes, StoreError> {
        let mut out = Bytes::default();
        let pairs = |sql: &str| -> Result<Vec<(String, u64)>, StoreError> {
            let mut stmt = self.conn.prepare(sql).map_err(|e| self.sql(e))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, count(r, 1)?)))
                .map_err(|e| self.sql(e))?;
            rows.collect::<Result<_, _>>().map_err(|e| self.sql(e))
        };
        out.tables.extend(pairs(
            "SELECT coalesce(m.tbl_name, d.name), sum(d.pgsize) FROM dbstat d
             LEFT JOIN sqlite_master m ON m.name = d.name GROUP BY 1",
        )?);
        let free = pairs(
            "SELECT 'free', (SELECT freelist_count FROM pragma_freelist_count)
                          * (SELECT page_size FROM pragma_page_size)",
        )?;
        out.tables.extend(free.into_iter().filter(|(_, n)| *n > 0));
        // the pages of no table: auto_vacuum's pointer maps
        let file = pairs(
            "SELECT 'file', (SELECT page_count FROM pragma_page_count)
                          * (SELECT page_size FROM pragma_page_size)",
        )?;
        let counted: u64 = out.tables.values().sum();
        if let Some(other) = file.first().and_then(|(_, n)| n.checked_sub(counted)) {
            if other > 0 {
                out.tables.insert("other".into(), other);
            }
        }
        out.packs.extend(pairs(
            "SELECT family, sum(length(data)) FROM packs GROUP BY family",
        )?);
        out.packs.extend(
            pairs("SELECT 'waiting', coalesce(sum(length(data)), 0) FROM partials")?
                .into_iter()
                .filter(|(_, n)| *n > 0),
        );
        Ok(out)
    }

    /// The last minute after which, by each format's delivery delay, no more objects are
    /// expected: per format, the latest collect's time less the format's delay (a minute
    /// ends before it), capped at
    /// the format's last stored minute; the earliest over the formats (`format`: one only).
    pub fn complete_through(&self, format: Option<&str>) -> Result<Option<i64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT format, max(ingested_at), max(last_minute) FROM objects
                 WHERE last_minute IS NOT NULL AND (?1 IS NULL OR format = ?1) GROUP BY format",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([format], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(|e| self.sql(e))?;
        let rows: Vec<(String, i64, i64)> =
            rows.collect::<Result<_, _>>().map_err(|e| self.sql(e))?;
        // the latest collect, even one that found nothing new
        let last_collect: i64 = self
            .setting("collected_at")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(i64::MIN);
        let mut through: Option<i64> = None;
        for (format, ingested_s, last) in rows {
            let collected_s = ingested_s.max(last_collect);
            let expected = (collected_s - delivery_delay_s(&format)).div_euclid(60) - 1;
            let m = expected.min(last);
            through = Some(through.map_or(m, |t| t.min(m)));
        }
        Ok(through)
    }

    /// Removes every object whose last minute is before `before_minute`, with its rows, in
    /// one transaction. Returns the objects removed.
    pub fn prune(&mut self, before_minute: i64) -> Result<u64, StoreError> {
        let path = self.db_path();
        let sql = |e: rusqlite::Error| StoreError::Sql {
            path: path.clone(),
            source: e,
        };
        let db = self.db_path();
        let tx = self.conn.transaction().map_err(sql)?;
        let ids = "SELECT id FROM objects WHERE last_minute < ?1 OR last_minute IS NULL AND ingested_at / 60 < ?1";
        let gone: Vec<i64> = {
            let mut stmt = tx.prepare(ids).map_err(sql)?;
            let rows = stmt.query_map([before_minute], |r| r.get(0)).map_err(sql)?;
            rows.collect::<Result<_, _>>().map_err(sql)?
        };
        pack::remove(&tx, &gone).map_err(|e| pack_error(&db, e))?;
        for table in PARTIAL_TABLES {
            tx.execute(
                &format!("DELETE FROM {table} WHERE object_id IN ({ids})"),
                [before_minute],
            )
            .map_err(sql)?;
        }
        tx.execute(
            &format!("DELETE FROM locations WHERE object_id IN ({ids})"),
            [before_minute],
        )
        .map_err(sql)?;
        let n = tx
            .execute(
                &format!("DELETE FROM objects WHERE id IN ({ids})"),
                [before_minute],
            )
            .map_err(sql)?;
        tx.commit().map_err(sql)?;
        self.vacuum()?;
        Ok(n as u64)
    }

    /// Moves the objects' rows waiting in `partials` into their packs ([`pack::compact`]), in
    /// one transaction, and gives the pages they held back. Returns the objects moved.
    pub fn compact(&mut self) -> Result<u64, StoreError> {
        // the test suite keeps the rows where they are, to make a version 2 store of them
        // (debug builds only)
        if cfg!(debug_assertions) && std::env::var_os("HOSP_LOGS_TEST_NO_COMPACT").is_some() {
            return Ok(0);
        }
        let db = self.db_path();
        let tx = self.conn.transaction().map_err(|e| StoreError::Sql {
            path: db.clone(),
            source: e,
        })?;
        let n = pack::compact(&tx).map_err(|e| pack_error(&db, e))?;
        tx.commit().map_err(|e| StoreError::Sql {
            path: db.clone(),
            source: e,
        })?;
        if n > 0 {
            self.vacuum()?;
        }
        Ok(n)
    }

    /// Gives the free pages back to the file system. A store whose file was made without
    /// `auto_vacuum` (by version 2) is rewritten with it once, when most of its pages are free
    /// (after its first compaction: the `partials` rows moved into packs).
    fn vacuum(&self) -> Result<(), StoreError> {
        let pragma = |name: &str| -> Result<i64, StoreError> {
            self.conn
                .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
                .map_err(|e| self.sql(e))
        };
        // 2: incremental
        if pragma("auto_vacuum")? != 2 {
            if pragma("freelist_count")? * 2 > pragma("page_count")? {
                self.conn
                    .execute_batch("PRAGMA auto_vacuum = INCREMENTAL; VACUUM;")
                    .map_err(|e| self.sql(e))?;
            }
            return Ok(());
        }
        // each step frees one page: stepped to its end
        let mut stmt = self
            .conn
            .prepare("PRAGMA incremental_vacuum")
            .map_err(|e| self.sql(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.sql(e))?;
        while rows.next().map_err(|e| self.sql(e))?.is_some() {}
        Ok(())
    }
}

/// A pack that could not be rewritten, as the store's error.
pub(crate) fn pack_error(db: &str, e: pack::PackError) -> StoreError {
    match e {
        pack::PackError::Sql(source) => StoreError::Sql {
            path: db.to_string(),
            source,
        },
        pack::PackError::Damaged(reason) => StoreError::Corrupt {
            path: db.to_string(),
            reason,
        },
    }
}

/// A count column (SQLite integers are signed; counts are never negative).
pub(crate) fn count(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<u64> {
    r.get::<_, i64>(i).map(|n| n.max(0) as u64)
}

/// Moves the store's database at `dir` aside (`store.sqlite.broken-STAMP`, with its WAL),
/// holding the collect lock while it does: the next collect starts an empty store. Returns
/// where it went (None: there was none).
pub fn move_aside(dir: &Path, stamp: &str, wait: Duration) -> Result<Option<PathBuf>, StoreError> {
    let db = dir.join(DB_FILE);
    if !db.exists() {
        return Ok(None);
    }
    let _lock = lock(dir, wait)?;
    let to = dir.join(format!("{DB_FILE}.broken-{stamp}"));
    for suffix in ["", "-wal", "-shm"] {
        let from = dir.join(format!("{DB_FILE}{suffix}"));
        if from.exists() {
            std::fs::rename(&from, dir.join(format!("{DB_FILE}.broken-{stamp}{suffix}"))).map_err(
                |e| StoreError::Unreadable {
                    path: from.display().to_string(),
                    reason: e.to_string(),
                },
            )?;
        }
    }
    Ok(Some(to))
}

/// The per-minute partial tables: every one keyed by `object_id`, emptied with its object.
pub(crate) const PARTIAL_TABLES: [&str; 3] = ["slo_minutes", "minutes", "partials"];

/// How late a format's objects may arrive after their minutes (seconds): the format's
/// descriptor says (ALB an hour, CloudFront 24 hours, a local nginx log none); 0 for a name
/// no format has.
pub fn delivery_delay_s(format: &str) -> i64 {
    crate::format::FormatId::from_name(format).map_or(0, |f| f.delivery_delay_s())
}

/// A JSON fingerprint in words: its keys and values.
fn describe_json(f: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(f).unwrap_or_default();
    match v.as_object() {
        Some(o) => o
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", "),
        None => f.to_string(),
    }
}

/// `2026-11-20T00:05:00Z` for an epoch minute.
pub fn minute_text(minute: i64) -> String {
    crate::window::format_us(minute * 60_000_000)
}

/// `store info`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Info {
    pub store: String,
    pub schema_version: i64,
    pub objects: u64,
    pub requests: u64,
    /// Minutes holding at least one request.
    pub minutes: u64,
    pub size_bytes: u64,
    pub first_minute: Option<String>,
    pub last_minute: Option<String>,
    pub complete_through: Option<String>,
    pub late_rows: u64,
    /// The analyses every object keeps the partials of (`slo` first, always kept), as
    /// `[store] keep` names them; empty for a store with no objects.
    pub keep: Vec<String>,
    /// Where the bytes are.
    pub bytes: Bytes,
}

/// The store file's bytes by table and by pack family.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Bytes {
    /// Pages per table, its indexes included (`free`: pages not given back yet; `other`:
    /// pages of no table, auto_vacuum's pointer maps).
    pub tables: std::collections::BTreeMap<String, u64>,
    /// The packs' deflated bytes per family ([`pack::family`]), and the rows still waiting
    /// in `partials` under `waiting`.
    pub packs: std::collections::BTreeMap<String, u64>,
}

/// Takes the collect lock, waiting up to `wait`.
fn lock(dir: &Path, wait: Duration) -> Result<std::fs::File, StoreError> {
    use std::os::fd::AsRawFd;
    let path = dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| StoreError::Unreadable {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
    let start = std::time::Instant::now();
    loop {
        // SAFETY: flock on a descriptor this function owns
        let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if r == 0 {
            return Ok(file);
        }
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::EWOULDBLOCK) {
            return Err(StoreError::Unreadable {
                path: path.display().to_string(),
                reason: err.to_string(),
            });
        }
        if start.elapsed() >= wait {
            return Err(StoreError::Busy {
                path: dir.display().to_string(),
                waited_s: wait.as_secs(),
            });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
