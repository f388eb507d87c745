//! The kept baseline: who was seen writing, and when, over the runs of `hosp-logs security`,
//! so a run over the last 24 hours knows who wrote before without re-reading a week of logs.
//!
//! One small JSON file per folder (`writers.json`): per client address its first and last
//! write and how many writes were seen, and the span of time the runs covered. It is
//! versioned, written atomically (a temporary file in the same folder, then a rename), and a
//! file that cannot be read or parsed is reported and ignored, never fatal: the run falls
//! back to reading the baseline period from the logs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The state file's format; a file of another version is ignored (and rewritten).
pub const VERSION: u32 = 1;

/// The file in the state folder.
pub const FILE: &str = "writers.json";

/// Writers not seen writing for this long are forgotten, so the file stays small.
pub const RETENTION_US: i64 = 90 * 24 * 3600 * 1_000_000;

/// One writer: when it was first and last seen writing (µs since the epoch), how often.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Writer {
    pub first_us: i64,
    pub last_us: i64,
    pub writes: u64,
}

impl Writer {
    fn merge(&mut self, o: Writer) {
        self.first_us = self.first_us.min(o.first_us);
        self.last_us = self.last_us.max(o.last_us);
        self.writes += o.writes;
    }
}

/// The kept baseline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KeptWriters {
    pub version: u32,
    /// The earliest and latest instants the recorded runs read (µs), None before any run.
    pub covered: Option<(i64, i64)>,
    /// How many runs were recorded.
    pub runs: u64,
    pub writers: BTreeMap<String, Writer>,
}

/// Why a state file could not be used or written.
#[derive(Debug, thiserror::Error)]
pub enum KeptError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a hosp-logs security state file ({reason}); it is ignored and will be rewritten", path.display())]
    Corrupt { path: PathBuf, reason: String },
    #[error("{} has state version {found}, this hosp-logs reads version {VERSION}; it is ignored and will be rewritten", path.display())]
    Version { path: PathBuf, found: u32 },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl KeptWriters {
    /// The state in `dir`: Ok(None) when there is none yet.
    pub fn load(dir: &Path) -> Result<Option<KeptWriters>, KeptError> {
        let path = dir.join(FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(KeptError::Read { path, source }),
        };
        // the version first, so a newer layout is named as such rather than as corrupt
        #[derive(Deserialize)]
        struct Head {
            version: u32,
        }
        let corrupt = |e: serde_json::Error| KeptError::Corrupt {
            path: path.clone(),
            reason: e.to_string(),
        };
        let head: Head = serde_json::from_str(&text).map_err(corrupt)?;
        if head.version != VERSION {
            return Err(KeptError::Version {
                path,
                found: head.version,
            });
        }
        serde_json::from_str(&text).map(Some).map_err(corrupt)
    }

    /// Writes the state to `dir` atomically: readers see the old file or the new one.
    pub fn save(&self, dir: &Path) -> Result<(), KeptError> {
        let path = dir.join(FILE);
        let err = |source| KeptError::Write {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(err)?;
        let tmp = dir.join(format!(".{FILE}.{}.tmp", std::process::id()));
        let mut text = serde_json::to_string_pretty(self).expect("plain data serialises");
        text.push('\n');
        std::fs::write(&tmp, text).map_err(err)?;
        std::fs::rename(&tmp, &path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            err(e)
        })
    }

    /// Records a run that read `[start, end)` and saw these writers.
    pub fn record(
        &mut self,
        start: i64,
        end: i64,
        writers: impl IntoIterator<Item = (String, Writer)>,
    ) {
        self.version = VERSION;
        self.runs += 1;
        self.covered = Some(match self.covered {
            None => (start, end),
            Some((s, e)) => (s.min(start), e.max(end)),
        });
        for (ip, w) in writers {
            match self.writers.get_mut(&ip) {
                Some(x) => x.merge(w),
                None => {
                    self.writers.insert(ip, w);
                }
            }
        }
        let newest = self.covered.map_or(end, |c| c.1);
        self.writers
            .retain(|_, w| w.last_us >= newest.saturating_sub(RETENTION_US));
    }

    /// Whether the recorded runs reach up to `since` with no gap after the baseline period's
    /// start: then the logs before `since` need not be read.
    pub fn covers(&self, from: i64, since: i64) -> bool {
        self.covered.is_some_and(|(s, e)| s <= from && e >= since)
    }

    /// Whether anything was recorded before `start` (the new-writer check can run).
    pub fn before(&self, start: i64) -> bool {
        self.covered.is_some_and(|(s, _)| s < start)
    }

    /// The clients seen writing before `start` and no earlier than `from`.
    pub fn writers_before(&self, from: Option<i64>, start: i64) -> impl Iterator<Item = &str> {
        self.writers
            .iter()
            .filter(move |(_, w)| w.first_us < start && from.is_none_or(|f| w.last_us >= f))
            .map(|(ip, _)| ip.as_str())
    }
}

/// The default state folder: `$XDG_STATE_HOME/hosp-logs/security`, else
/// `~/.local/state/hosp-logs/security`; None when neither variable is set.
pub fn default_dir() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_STATE_HOME").filter(|v| !v.is_empty()) {
        Some(x) => PathBuf::from(x),
        None => {
            PathBuf::from(std::env::var_os("HOME").filter(|v| !v.is_empty())?).join(".local/state")
        }
    };
    Some(base.join("hosp-logs").join("security"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3600 * 1_000_000;

    #[test]
    fn records_merge_and_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(KeptWriters::load(dir.path()).unwrap(), None);
        let w = |f, l, n| Writer {
            first_us: f,
            last_us: l,
            writes: n,
        };
        let mut k = KeptWriters::default();
        k.record(0, 24 * H, [("192.0.2.1".to_string(), w(H, 2 * H, 3))]);
        k.record(
            24 * H,
            48 * H,
            [
                ("192.0.2.1".to_string(), w(30 * H, 31 * H, 2)),
                ("203.0.113.9".to_string(), w(40 * H, 40 * H, 1)),
            ],
        );
        assert_eq!(k.covered, Some((0, 48 * H)));
        assert_eq!(k.writers["192.0.2.1"], w(H, 31 * H, 5));
        k.save(dir.path()).unwrap();
        let back = KeptWriters::load(dir.path()).unwrap().unwrap();
        assert_eq!(back, k);
        // who wrote before hour 35, and no earlier than hour 10
        let before: Vec<&str> = back.writers_before(Some(10 * H), 35 * H).collect();
        assert_eq!(before, vec!["192.0.2.1"]);
        assert!(back.covers(0, 48 * H) && !back.covers(0, 49 * H) && !back.covers(-H, 24 * H));
        // no temporary file left behind
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec![FILE]);
    }

    #[test]
    fn corrupt_and_foreign_files_are_errors_that_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        std::fs::write(&path, "{\"version\": 1, \"writers\": 7").unwrap();
        let e = KeptWriters::load(dir.path()).unwrap_err();
        assert!(matches!(e, KeptError::Corrupt { .. }), "{e}");
        assert!(e.to_string().contains(&path.display().to_string()), "{e}");
        std::fs::write(&path, "{\"version\": 99}").unwrap();
        let e = KeptWriters::load(dir.path()).unwrap_err();
        assert!(matches!(e, KeptError::Version { found: 99, .. }), "{e}");
    }

    #[test]
    fn old_writers_are_forgotten() {
        let mut k = KeptWriters::default();
        let old = Writer {
            first_us: 0,
            last_us: H,
            writes: 1,
        };
        k.record(0, 2 * H, [("198.51.100.1".to_string(), old)]);
        k.record(RETENTION_US + 2 * H, RETENTION_US + 3 * H, []);
        assert!(k.writers.is_empty());
    }
}
