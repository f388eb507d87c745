//! The kept baseline: who was seen writing, and when, over the runs of `hosp-logs security`,
//! so a run over the last 24 hours knows who wrote before without re-reading a week of logs.
//!
//! Kept per source: one small JSON file (`writers.json`) in a folder of its own under the
//! state folder, named after the identity of the logs it describes ([`source_key`]: the load
//! balancer, the CloudFront distribution, else the source paths), so a test file or another
//! site's logs never change the answers of production runs. It holds per client address its
//! first and last write and how many writes were seen, and the spans of time the runs actually
//! read: runs of requests no more than [`GAP_US`] apart, not the first and last line of a run
//! (one stray line of 2006 in a damaged log claims one second of 2006, not twenty years). It
//! is versioned, written atomically (a temporary file in the same folder, then a rename), and a
//! file that cannot be read or parsed is reported and ignored, never fatal: the run falls
//! back to reading the baseline period from the logs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The state file's format; a file of another version is ignored (and rewritten). Version 1
/// kept one file for every source, covering the first to the last line of every run.
pub const VERSION: u32 = 2;

/// The file in a source's state folder.
pub const FILE: &str = "writers.json";

/// Writers not seen writing for this long are forgotten, so the file stays small.
pub const RETENTION_US: i64 = 90 * 24 * 3600 * 1_000_000;

/// Requests further apart than this are in different spans of what a run read: a quiet
/// hour splits the coverage (the next run reads the logs of that hour again), a stray line
/// of another year covers nothing but itself.
pub const GAP_US: i64 = 3600 * 1_000_000;

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

/// A span of time a run read, [start, end) in µs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Span {
    pub start_us: i64,
    pub end_us: i64,
}

/// The kept baseline of one source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KeptWriters {
    pub version: u32,
    /// The identity of the logs it describes ([`source_key`]).
    pub key: String,
    /// The spans of time the recorded runs read, sorted, disjoint, none touching.
    pub spans: Vec<Span>,
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
    #[error("{} holds the state of {found:?}, not of {key:?}; it is ignored and will be rewritten", path.display())]
    OtherSource {
        path: PathBuf,
        key: String,
        found: String,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The folder of one source's state under the state folder: the key made safe for a file
/// name (at most 64 characters of it) and a hash of the whole key, so two keys never share a
/// folder and a key is never a path.
pub fn folder(dir: &Path, key: &str) -> PathBuf {
    let mut slug: String = key
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' => c,
            _ => '-',
        })
        .collect();
    slug.truncate(64);
    let slug = slug.trim_matches('-');
    // BLAKE3 (the store's object hash): fixed, so a folder's name does not change with the
    // Rust version
    let hash = blake3::hash(key.as_bytes()).to_hex();
    dir.join(format!("{slug}-{}", &hash[..16]))
}

impl KeptWriters {
    /// An empty state for the source `key`.
    pub fn new(key: &str) -> KeptWriters {
        KeptWriters {
            version: VERSION,
            key: key.to_string(),
            ..KeptWriters::default()
        }
    }

    /// The state file of the source `key` in the state folder `dir`.
    pub fn path(dir: &Path, key: &str) -> PathBuf {
        folder(dir, key).join(FILE)
    }

    /// The state of the source `key` in the state folder `dir`: Ok(None) when there is none
    /// yet.
    pub fn load(dir: &Path, key: &str) -> Result<Option<KeptWriters>, KeptError> {
        let path = KeptWriters::path(dir, key);
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
        let k: KeptWriters = serde_json::from_str(&text).map_err(corrupt)?;
        if k.key != key {
            return Err(KeptError::OtherSource {
                path,
                key: key.to_string(),
                found: k.key,
            });
        }
        Ok(Some(k))
    }

    /// Writes the state to its folder under `dir` atomically: readers see the old file or
    /// the new one.
    pub fn save(&self, dir: &Path) -> Result<(), KeptError> {
        let folder = folder(dir, &self.key);
        let path = folder.join(FILE);
        let err = |source| KeptError::Write {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(&folder).map_err(err)?;
        let tmp = folder.join(format!(".{FILE}.{}.tmp", std::process::id()));
        let mut text = serde_json::to_string_pretty(self).expect("plain data serialises");
        text.push('\n');
        std::fs::write(&tmp, text).map_err(err)?;
        std::fs::rename(&tmp, &path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            err(e)
        })
    }

    /// Records a run that read these spans and saw these writers.
    pub fn record(&mut self, spans: &[Span], writers: impl IntoIterator<Item = (String, Writer)>) {
        self.version = VERSION;
        self.runs += 1;
        self.spans = union(self.spans.iter().chain(spans).copied());
        for (ip, w) in writers {
            match self.writers.get_mut(&ip) {
                Some(x) => x.merge(w),
                None => {
                    self.writers.insert(ip, w);
                }
            }
        }
        let Some(newest) = self.spans.last().map(|s| s.end_us) else {
            return;
        };
        let oldest = newest.saturating_sub(RETENTION_US);
        self.spans.retain(|s| s.end_us >= oldest);
        self.writers.retain(|_, w| w.last_us >= oldest);
    }

    /// Whether one recorded span reaches from `from` to `since`: then the logs before
    /// `since` need not be read.
    pub fn covers(&self, from: i64, since: i64) -> bool {
        self.spans
            .iter()
            .any(|s| s.start_us <= from && s.end_us >= since)
    }

    /// The recorded spans within [from, start), cut to it: what the state knows of the
    /// baseline period (the new-writer check can run when there is any).
    pub fn within(&self, from: i64, start: i64) -> Vec<Span> {
        self.spans
            .iter()
            .filter(|s| s.start_us < start && s.end_us > from)
            .map(|s| Span {
                start_us: s.start_us.max(from),
                end_us: s.end_us.min(start),
            })
            .collect()
    }

    /// The clients seen writing before `start` and no earlier than `from`.
    pub fn writers_before(&self, from: Option<i64>, start: i64) -> impl Iterator<Item = &str> {
        self.writers
            .iter()
            .filter(move |(_, w)| w.first_us < start && from.is_none_or(|f| w.last_us >= f))
            .map(|(ip, _)| ip.as_str())
    }
}

/// Spans merged: sorted, overlapping or touching ones joined.
pub fn union(spans: impl IntoIterator<Item = Span>) -> Vec<Span> {
    let mut all: Vec<Span> = spans
        .into_iter()
        .filter(|s| s.end_us > s.start_us)
        .collect();
    all.sort_unstable();
    let mut out: Vec<Span> = Vec::with_capacity(all.len());
    for s in all {
        match out.last_mut() {
            Some(l) if s.start_us <= l.end_us => l.end_us = l.end_us.max(s.end_us),
            _ => out.push(s),
        }
    }
    out
}

/// The spans a run read, reaching out to the bounds it was asked to read from (`starts`: the
/// window's start, the baseline period's) and to (`ends`) where its requests come within
/// [`GAP_US`] of them: the quiet minutes at the edges of a window were read too. A span
/// further from a bound is left as it is.
pub fn to_bounds(spans: Vec<Span>, starts: &[i64], ends: &[i64]) -> Vec<Span> {
    let spans = spans.into_iter().map(|mut s| {
        for &b in starts {
            if b <= s.start_us && s.start_us - b <= GAP_US {
                s.start_us = b;
            }
        }
        for &b in ends {
            if b >= s.end_us && b - s.end_us <= GAP_US {
                s.end_us = b;
            }
        }
        s
    });
    union(spans)
}

/// What one log file's name says of its source: the load balancer of an ALB log
/// (`alb/ACCOUNT/REGION/NAME`), the distribution of a CloudFront log
/// (`cloudfront/DISTRIBUTION`); None for any other name.
pub fn identity_of_name(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    // ACCOUNT_elasticloadbalancing_REGION_app.NAME.ID_TIME_IP_RANDOM.log[.gz]
    let parts: Vec<&str> = base.split('_').collect();
    if parts.len() >= 5
        && parts[1] == "elasticloadbalancing"
        && parts[0].len() == 12
        && parts[0].bytes().all(|b| b.is_ascii_digit())
    {
        let lb: Vec<&str> = parts[3].split('.').collect();
        if lb.len() == 3 && !lb[1].is_empty() {
            return Some(format!("alb/{}/{}/{}", parts[0], parts[2], lb[1]));
        }
    }
    // DISTRIBUTION.YYYY-MM-DD-HH.UNIQUE[.gz]
    let parts: Vec<&str> = base.split('.').collect();
    let dist = parts[0];
    let hour = parts.get(1).copied().unwrap_or("");
    if parts.len() >= 3
        && (8..=20).contains(&dist.len())
        && dist
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && hour.len() == 13
        && hour.bytes().enumerate().all(|(i, b)| {
            matches!(i, 4 | 7 | 10) == (b == b'-') && (b == b'-' || b.is_ascii_digit())
        })
    {
        return Some(format!("cloudfront/{dist}"));
    }
    None
}

/// The identity of what a run reads, its state's key: the load balancers and distributions
/// its files' names give, and for files whose names give none (nginx, renamed files) the
/// sources as given, made absolute. `files` are the names of the inputs read; None when the
/// run reads standard input (which has no identity: nothing is kept for it).
pub fn source_key<'a>(
    files: impl IntoIterator<Item = &'a str>,
    sources: &[String],
) -> Option<String> {
    if sources.iter().any(|s| s == "-") {
        return None;
    }
    let mut ids = std::collections::BTreeSet::new();
    let mut unnamed = false;
    for f in files {
        match identity_of_name(f) {
            Some(id) => {
                ids.insert(id);
            }
            None => unnamed = true,
        }
    }
    if unnamed || ids.is_empty() {
        for s in sources {
            let id = match s.strip_prefix("s3://") {
                Some(_) => s.trim_end_matches('/').to_string(),
                None => {
                    let p = Path::new(s);
                    let abs = std::fs::canonicalize(p)
                        .or_else(|_| std::path::absolute(p))
                        .unwrap_or_else(|_| p.to_path_buf());
                    format!("path:{}", abs.display())
                }
            };
            ids.insert(id);
        }
    }
    let ids: Vec<String> = ids.into_iter().collect();
    Some(ids.join(" + "))
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
    const KEY: &str = "alb/123456789012/eu-west-1/hosp-alb";

    fn span(s: i64, e: i64) -> Span {
        Span {
            start_us: s,
            end_us: e,
        }
    }

    #[test]
    fn records_merge_and_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(KeptWriters::load(dir.path(), KEY).unwrap(), None);
        let w = |f, l, n| Writer {
            first_us: f,
            last_us: l,
            writes: n,
        };
        let mut k = KeptWriters::new(KEY);
        k.record(
            &[span(0, 24 * H)],
            [("192.0.2.1".to_string(), w(H, 2 * H, 3))],
        );
        k.record(
            &[span(24 * H, 48 * H)],
            [
                ("192.0.2.1".to_string(), w(30 * H, 31 * H, 2)),
                ("203.0.113.9".to_string(), w(40 * H, 40 * H, 1)),
            ],
        );
        // touching spans are one
        assert_eq!(k.spans, vec![span(0, 48 * H)]);
        assert_eq!(k.writers["192.0.2.1"], w(H, 31 * H, 5));
        k.save(dir.path()).unwrap();
        let back = KeptWriters::load(dir.path(), KEY).unwrap().unwrap();
        assert_eq!(back, k);
        // who wrote before hour 35, and no earlier than hour 10
        let before: Vec<&str> = back.writers_before(Some(10 * H), 35 * H).collect();
        assert_eq!(before, vec!["192.0.2.1"]);
        assert!(back.covers(0, 48 * H) && !back.covers(0, 49 * H) && !back.covers(-H, 24 * H));
        // no temporary file left behind; the file is in the source's own folder
        let folder = folder(dir.path(), KEY);
        let names: Vec<String> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec![FILE]);
        let name = folder.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("alb-123456789012-eu-west-1-hosp-alb-"),
            "{name}"
        );
        // another source's state is elsewhere, and empty
        assert_eq!(
            KeptWriters::load(dir.path(), "cloudfront/E2X").unwrap(),
            None
        );
    }

    #[test]
    fn a_stray_old_line_covers_itself_not_the_years_between() {
        let mut k = KeptWriters::new(KEY);
        let now = 20 * 365 * 24 * H;
        let day = 24 * H;
        // a line 60 days old and one 20 years old in a log of the last two days
        k.record(
            &[
                span(0, 1_000_000),
                span(now - 60 * day, now - 60 * day + 1_000_000),
                span(now - 2 * day, now),
            ],
            [],
        );
        // the 20-year-old one is past the retention at once; the other covers one second
        assert_eq!(k.spans.len(), 2);
        assert_eq!(k.spans[0], span(now - 60 * day, now - 60 * day + 1_000_000));
        // a baseline week before `now - 24h` knows only the day that was read
        let from = now - day - 7 * day;
        assert_eq!(
            k.within(from, now - day),
            vec![span(now - 2 * day, now - day)]
        );
        assert!(!k.covers(from, now - day));
        assert!(k.within(from, now - 2 * day).is_empty());
    }

    #[test]
    fn spans_reach_the_window_bounds_they_are_near() {
        let spans = vec![span(10 * H + 5, 11 * H), span(20 * H, 22 * H - 7)];
        assert_eq!(
            to_bounds(spans.clone(), &[10 * H], &[22 * H]),
            vec![span(10 * H, 11 * H), span(20 * H, 22 * H)]
        );
        // bounds more than an hour away are not claimed; a nearer one is (the window's
        // start, after a baseline period with nothing in it)
        assert_eq!(to_bounds(spans.clone(), &[8 * H], &[24 * H]), spans);
        assert_eq!(
            to_bounds(spans.clone(), &[3 * H, 10 * H], &[]),
            vec![span(10 * H, 11 * H), span(20 * H, 22 * H - 7)]
        );
        assert_eq!(to_bounds(spans.clone(), &[], &[]), spans);
        assert_eq!(to_bounds(vec![], &[0], &[H]), vec![]);
    }

    #[test]
    fn spans_union() {
        assert_eq!(
            union([span(5, 6), span(0, 2), span(1, 3), span(3, 4), span(7, 7)]),
            vec![span(0, 4), span(5, 6)]
        );
    }

    #[test]
    fn corrupt_and_foreign_files_are_errors_that_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = KeptWriters::path(dir.path(), KEY);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "{\"version\": 2, \"writers\": 7").unwrap();
        let e = KeptWriters::load(dir.path(), KEY).unwrap_err();
        assert!(matches!(e, KeptError::Corrupt { .. }), "{e}");
        assert!(e.to_string().contains(&path.display().to_string()), "{e}");
        std::fs::write(&path, "{\"version\": 99}").unwrap();
        let e = KeptWriters::load(dir.path(), KEY).unwrap_err();
        assert!(matches!(e, KeptError::Version { found: 99, .. }), "{e}");
        let mut other = KeptWriters::new("cloudfront/E2X");
        other.record(&[span(0, H)], []);
        std::fs::write(&path, serde_json::to_string(&other).unwrap()).unwrap();
        let e = KeptWriters::load(dir.path(), KEY).unwrap_err();
        assert!(matches!(e, KeptError::OtherSource { .. }), "{e}");
    }

    #[test]
    fn old_writers_are_forgotten() {
        let mut k = KeptWriters::new(KEY);
        let old = Writer {
            first_us: 0,
            last_us: H,
            writes: 1,
        };
        k.record(&[span(0, 2 * H)], [("198.51.100.1".to_string(), old)]);
        k.record(&[span(RETENTION_US + 2 * H, RETENTION_US + 3 * H)], []);
        assert!(k.writers.is_empty());
        assert_eq!(k.spans.len(), 1);
    }

    #[test]
    fn identities_from_log_names() {
        assert_eq!(
            identity_of_name("logs/123456789012_elasticloadbalancing_eu-west-1_app.hosp-alb.5e4f3a2b1c0d9e8f_20261120T0005Z_34.246.120.5_45cn1h1d.log.gz").as_deref(),
            Some("alb/123456789012/eu-west-1/hosp-alb")
        );
        assert_eq!(
            identity_of_name("s3://b/cf/E2HOSP0EXAMPLE.2026-11-20-00.7XC5MP1R.gz").as_deref(),
            Some("cloudfront/E2HOSP0EXAMPLE")
        );
        for other in [
            "access.log",
            "access.log.1.gz",
            "E2X.2026-11-20.gz",
            "a_b_c_d_e.log",
        ] {
            assert_eq!(identity_of_name(other), None, "{other}");
        }
        let alb =
            "x/123456789012_elasticloadbalancing_eu-west-1_app.a.1_20261120T0005Z_1.2.3.4_x.log";
        let alb2 =
            "x/123456789012_elasticloadbalancing_eu-west-1_app.b.2_20261120T0005Z_1.2.3.4_x.log";
        let srcs = ["/nonexistent/logs".to_string()];
        assert_eq!(
            source_key([alb, alb], &srcs).as_deref(),
            Some("alb/123456789012/eu-west-1/a")
        );
        assert_ne!(source_key([alb], &srcs), source_key([alb2], &srcs));
        // nginx: the sources as given
        assert_eq!(
            source_key(["/nonexistent/logs/access.log"], &srcs).as_deref(),
            Some("path:/nonexistent/logs")
        );
        assert_eq!(source_key([], &["-".to_string()]), None);
    }
}
