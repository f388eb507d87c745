//! Following local logs as they grow, for `watch`: files, folders (recursive) and globs,
//! polled once per interval.
//!
//! - A file is known by its device and inode, never by its name: a rotated file (renamed) is
//!   the same file, read on from where it was; a new file at the old name is a new file, read
//!   from its start.
//! - A plain file is read from an offset that only moves past whole lines: a partial line at
//!   the end of a growing file waits for its newline (nothing is buffered in between).
//! - A file that shrank was truncated (copytruncate): it restarts at 0. A file rewritten past
//!   its old length is caught by the bytes just before the offset, which no longer match.
//! - A file whose name stops naming it (rotated away) is followed for [`GRACE_POLLS`] more
//!   polls through its open handle, so lines its writer adds before reopening are not lost,
//!   then closed.
//! - A compressed file is read whole, once. Met at the start, or named with a delivery time
//!   (ALB's `…_20261120T1405Z_…`: new data by construction), it is read once its size stops
//!   changing; met later without such a name it is a rotated copy of a log already followed
//!   (logrotate's `access.log.2.gz`) and is not read again.
//! - Idle cost: a stat per followed file and per folder; a folder is listed again only when
//!   its modification time moved.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::local::skip_reason;
use super::{outside_window, InputFile, Location};
use crate::error::InputError;
use crate::format::FileFormat;
use crate::window::Window;

/// Bytes read from a file at a time.
const CHUNK_BYTES: usize = 4 << 20;
/// Bytes before the offset compared at each poll, to tell growth from a rewrite.
const TAIL_BYTES: usize = 64;
/// Polls a file is still read through its handle after its name stopped naming it.
pub const GRACE_POLLS: u32 = 2;
/// Polls without growth after which a file's handle is closed (reopened when it grows), so a
/// folder of many quiet logs does not hold a descriptor each.
const IDLE_POLLS: u32 = 10;

/// What a source names.
#[derive(Debug, Clone)]
enum Root {
    File(PathBuf),
    Dir(PathBuf),
    Glob(String),
}

/// A file's identity: device and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct FileKey {
    dev: u64,
    ino: u64,
}

impl FileKey {
    fn of(m: &fs::Metadata) -> FileKey {
        FileKey {
            dev: m.dev(),
            ino: m.ino(),
        }
    }
}

/// One followed file.
#[derive(Debug)]
struct Followed {
    /// The name it was first met under (what reports show).
    name: String,
    /// Where it was last seen.
    path: PathBuf,
    /// Polls since its path last named it (0: it does).
    detached: u32,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Plain(Plain),
    /// Read whole once; `size` from the last poll, to wait for it to settle.
    Compressed {
        size: u64,
        state: Whole,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Whole {
    /// To read once its size settles.
    Pending,
    Read,
    /// Met after the start without a delivery time: a rotated copy of a followed log.
    RotatedCopy,
}

#[derive(Debug, Default)]
struct Plain {
    file: Option<File>,
    /// Bytes consumed: always just after a newline (or a skipped line).
    offset: u64,
    /// Lines before `offset`, for line numbers.
    lines: u64,
    format: Option<FileFormat>,
    /// Bytes of a line longer than `--max-line-bytes` skipped so far (waiting for its end).
    skipping: Option<u64>,
    /// The bytes just before `offset` (at most [`TAIL_BYTES`]).
    tail: Vec<u8>,
    /// Size at discovery (stat of the path), for a file whose handle is closed.
    seen_size: u64,
    /// Polls without growth.
    idle: u32,
    /// An open or read error already reported.
    failed: bool,
}

/// A run of whole lines read from a followed file.
#[derive(Debug)]
pub struct Piece<'a> {
    pub name: &'a str,
    pub format: &'a FileFormat,
    /// The file's first piece (its format was decided on it).
    pub first: bool,
    /// Lines of the file before `data` (blank ones included).
    pub first_line: u64,
    pub data: &'a [u8],
}

/// What one poll found besides the lines handed over.
#[derive(Debug, Default)]
pub struct Polled {
    /// Compressed files to read whole.
    pub whole: Vec<InputFile>,
    /// Lines longer than `--max-line-bytes`: (file, line number, bytes), each malformed.
    pub long_lines: Vec<(String, u64, u64)>,
    /// Files that could not be opened or read: (file, reason), reported once each.
    pub errors: Vec<(String, String)>,
}

/// What the followed sources hold now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FollowCounts {
    /// Plain files followed since the start (compressed ones are read whole, as inputs).
    pub files: u64,
    /// Files followed now.
    pub following: usize,
    /// Rotations seen (a followed file's name came to name another file).
    pub rotated: u64,
    /// Truncations seen (a file shrank or was rewritten): read again from its start.
    pub truncated: u64,
    /// Files met in folders that are not access logs, or compressed rotated copies.
    pub skipped: usize,
    /// Files whose name puts them wholly outside the window.
    pub pruned: usize,
}

/// A folder as last listed.
#[derive(Debug)]
struct DirSeen {
    mtime: Option<SystemTime>,
    /// Listed again at the next poll whatever its time says: the listing fell in the same
    /// second as the folder's last change, which a later change could share.
    recheck: bool,
    files: Vec<PathBuf>,
    dirs: Vec<PathBuf>,
}

/// Follows local sources.
#[derive(Debug)]
pub struct Follower {
    roots: Vec<Root>,
    files: HashMap<FileKey, Followed>,
    dirs: HashMap<PathBuf, DirSeen>,
    started: bool,
    counts: FollowCounts,
    max_line_bytes: usize,
}

impl Follower {
    /// Follows files, folders and globs (stdin cannot be followed: refused by the caller).
    pub fn new(sources: &[String], max_line_bytes: usize) -> Result<Follower, InputError> {
        let mut roots = Vec::new();
        for src in sources {
            let path = Path::new(src);
            if path.is_dir() {
                roots.push(Root::Dir(path.to_path_buf()));
            } else if path.is_file() {
                roots.push(Root::File(path.to_path_buf()));
            } else if src.contains(['*', '?', '[']) {
                glob::Pattern::new(src).map_err(|e| InputError::Unreadable {
                    path: src.clone(),
                    reason: format!("bad glob pattern: {e}"),
                })?;
                // a glob that matches nothing yet is fine: its files may come
                roots.push(Root::Glob(src.clone()));
            } else {
                return Err(InputError::NotFound { path: src.clone() });
            }
        }
        Ok(Follower {
            roots,
            files: HashMap::new(),
            dirs: HashMap::new(),
            started: false,
            counts: FollowCounts::default(),
            max_line_bytes,
        })
    }

    pub fn counts(&self) -> FollowCounts {
        FollowCounts {
            following: self
                .files
                .values()
                .filter(|f| matches!(f.kind, Kind::Plain(_)))
                .count(),
            ..self.counts
        }
    }

    /// One poll: finds files, hands every new run of whole lines to `each` (a file's format
    /// decided from its first bytes by `decide`), and returns the compressed files to read
    /// whole. `window` prunes files by the time in their names.
    pub fn poll(
        &mut self,
        window: &Window,
        decide: &dyn Fn(&[u8]) -> FileFormat,
        each: &mut dyn FnMut(Piece<'_>),
    ) -> Polled {
        let mut out = Polled::default();
        let mut seen: HashSet<FileKey> = HashSet::new();
        let (mut skipped, mut pruned) = (0, 0);
        for (path, in_folder) in self.candidates() {
            let name = path.display().to_string();
            if skip_reason(&name, in_folder).is_some() {
                skipped += 1;
                continue;
            }
            if outside_window(&name, window) {
                pruned += 1;
                continue;
            }
            // gone between listing and stat, or not a file: the next poll sees it settled
            let Some(meta) = fs::metadata(&path).ok().filter(fs::Metadata::is_file) else {
                continue;
            };
            let key = FileKey::of(&meta);
            if !seen.insert(key) {
                continue; // two names (a glob and a folder, a hard link) for one file
            }
            if let Some(f) = self.files.get_mut(&key) {
                f.path = path;
                f.detached = 0;
                match &mut f.kind {
                    Kind::Plain(p) => p.seen_size = meta.len(),
                    Kind::Compressed { size, state } => {
                        // a compressed file is read once its size held for a poll
                        if *state == Whole::Pending && *size == meta.len() {
                            *state = Whole::Read;
                            out.whole.push(InputFile {
                                name: f.name.clone(),
                                location: Location::Path(f.path.clone()),
                                size: Some(*size),
                            });
                        }
                        *size = meta.len();
                    }
                }
                continue;
            }
            let kind = if is_compressed(&path) {
                let delivered = crate::format::file_time_range(&name).is_some();
                let state = match (self.started, delivered) {
                    // at the start, the files are as they will stay
                    (false, _) => Whole::Read,
                    (true, true) => Whole::Pending,
                    (true, false) => Whole::RotatedCopy,
                };
                if state == Whole::Read {
                    out.whole.push(InputFile {
                        name: name.clone(),
                        location: Location::Path(path.clone()),
                        size: Some(meta.len()),
                    });
                }
                Kind::Compressed {
                    size: meta.len(),
                    state,
                }
            } else {
                Kind::Plain(Plain {
                    seen_size: meta.len(),
                    ..Plain::default()
                })
            };
            self.counts.files += u64::from(matches!(kind, Kind::Plain(_)));
            self.files.insert(
                key,
                Followed {
                    name,
                    path,
                    detached: 0,
                    kind,
                },
            );
        }
        let mut reading = Reading {
            max_line: self.max_line_bytes,
            decide,
            each,
            out: &mut out,
            truncated: 0,
        };
        let mut rotated = 0;
        self.files.retain(|key, f| {
            if !seen.contains(key) {
                f.detached += 1;
                rotated += u64::from(f.detached == 1 && matches!(f.kind, Kind::Plain(_)));
            }
            match &mut f.kind {
                // a compressed file that left its name is forgotten
                Kind::Compressed { .. } => f.detached == 0,
                Kind::Plain(p) => {
                    if let Err(e) = reading.plain(f.name.as_str(), &f.path, f.detached, p) {
                        if !p.failed {
                            reading.out.errors.push((f.name.clone(), e.to_string()));
                        }
                        p.failed = true;
                        p.file = None;
                    }
                    f.detached <= GRACE_POLLS
                }
            }
        });
        self.counts.truncated += reading.truncated;
        self.counts.rotated += rotated;
        let copies = self
            .files
            .values()
            .filter(|f| {
                matches!(
                    f.kind,
                    Kind::Compressed {
                        state: Whole::RotatedCopy,
                        ..
                    }
                )
            })
            .count();
        self.counts.skipped = skipped + copies;
        self.counts.pruned = pruned;
        self.started = true;
        out
    }

    /// Every path the roots name now, with whether it was met in a folder.
    fn candidates(&mut self) -> Vec<(PathBuf, bool)> {
        let mut out = Vec::new();
        let mut visited = HashSet::new();
        for root in self.roots.clone() {
            match root {
                Root::File(p) => out.push((p, false)),
                Root::Glob(g) => {
                    if let Ok(paths) = glob::glob(&g) {
                        out.extend(paths.filter_map(Result::ok).map(|p| (p, false)));
                    }
                }
                Root::Dir(d) => {
                    let mut stack = vec![d];
                    while let Some(dir) = stack.pop() {
                        if !visited.insert(dir.clone()) {
                            continue;
                        }
                        let (files, dirs) = self.list_dir(&dir);
                        out.extend(files.into_iter().map(|p| (p, true)));
                        stack.extend(dirs);
                    }
                }
            }
        }
        // folders that are gone are forgotten
        self.dirs.retain(|d, _| visited.contains(d));
        out
    }

    /// A folder's files and subfolders: listed again only when its modification time moved.
    fn list_dir(&mut self, dir: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
        let mtime = fs::metadata(dir).and_then(|m| m.modified()).ok();
        if let Some(d) = self.dirs.get(dir) {
            if !d.recheck && d.mtime.is_some() && d.mtime == mtime {
                return (d.files.clone(), d.dirs.clone());
            }
        }
        let listed_at = SystemTime::now();
        let (mut files, mut dirs) = (Vec::new(), Vec::new());
        if let Ok(entries) = fs::read_dir(dir) {
            for e in entries.flatten() {
                let p = e.path();
                match e.file_type() {
                    Ok(t) if t.is_dir() => dirs.push(p),
                    Ok(t) if t.is_file() || t.is_symlink() => files.push(p),
                    _ => {}
                }
            }
        }
        files.sort();
        dirs.sort();
        // a change within the same couple of seconds as this listing may not move the time
        // the listing saw (coarse timestamps): look again next time
        let recheck = mtime.is_none_or(|m| {
            listed_at
                .duration_since(m)
                .map_or(true, |d| d.as_secs() < 2)
        });
        self.dirs.insert(
            dir.to_path_buf(),
            DirSeen {
                mtime,
                recheck,
                files: files.clone(),
                dirs: dirs.clone(),
            },
        );
        (files, dirs)
    }
}

/// What reading the plain files of one poll shares.
struct Reading<'a, 'b> {
    max_line: usize,
    decide: &'a dyn Fn(&[u8]) -> FileFormat,
    each: &'a mut dyn FnMut(Piece<'_>),
    out: &'b mut Polled,
    truncated: u64,
}

impl Reading<'_, '_> {
    /// Reads what a plain file gained since the last poll, whole lines only.
    fn plain(&mut self, name: &str, path: &Path, detached: u32, p: &mut Plain) -> io::Result<()> {
        if p.file.is_none() {
            // closed while idle: reopened only when its name shows it changed
            if detached > 0 || (p.seen_size == p.offset && p.offset > 0) {
                return Ok(());
            }
            p.file = Some(File::open(path)?);
            p.failed = false;
        }
        let Some(file) = p.file.as_ref() else {
            return Ok(());
        };
        let size = file.metadata()?.len();
        if size < p.offset || (size > p.offset && !tail_holds(file, p.offset, &p.tail)?) {
            // truncated, or rewritten past where it was: read again from the start
            *p = Plain {
                file: p.file.take(),
                format: p.format.take(),
                ..Plain::default()
            };
            self.truncated += 1;
        }
        let Some(file) = p.file.as_ref() else {
            return Ok(());
        };
        if size == p.offset {
            p.idle += 1;
            if p.idle >= IDLE_POLLS && detached == 0 {
                p.file = None;
                p.seen_size = size;
            }
            return Ok(());
        }
        p.idle = 0;
        let chunk = CHUNK_BYTES.max(self.max_line + 1);
        let mut buf = Vec::new();
        while p.offset < size {
            let want = (size - p.offset).min(chunk as u64) as usize;
            buf.resize(want, 0);
            let n = read_full_at(file, &mut buf, p.offset)?;
            buf.truncate(n);
            if n == 0 {
                break; // shrank while being read: the next poll sees the truncation
            }
            let first = p.format.is_none();
            let format = p.format.get_or_insert_with(|| (self.decide)(&buf));
            if let Some(skipped) = p.skipping {
                match memchr::memchr(b'\n', &buf) {
                    Some(pos) => {
                        self.out.long_lines.push((
                            name.to_string(),
                            p.lines + 1,
                            skipped + pos as u64,
                        ));
                        p.lines += 1;
                        p.skipping = None;
                        p.offset += pos as u64 + 1;
                    }
                    None => {
                        p.skipping = Some(skipped + n as u64);
                        p.offset += n as u64;
                    }
                }
                continue;
            }
            match memchr::memrchr(b'\n', &buf) {
                Some(pos) => {
                    let data = &buf[..=pos];
                    (self.each)(Piece {
                        name,
                        format,
                        first,
                        first_line: p.lines,
                        data,
                    });
                    p.lines += memchr::memchr_iter(b'\n', data).count() as u64;
                    p.offset += pos as u64 + 1;
                }
                // no newline in more than a line may hold: skip the line, never hold it whole
                None if size - p.offset > self.max_line as u64 => {
                    p.skipping = Some(n as u64);
                    p.offset += n as u64;
                }
                // a partial line: it waits for its newline
                None => break,
            }
        }
        p.tail = tail(file, p.offset)?;
        Ok(())
    }
}

/// Whether the bytes before `offset` are still the ones read there: when they changed, the
/// file was rewritten (truncated and written past its old length between two polls).
fn tail_holds(file: &File, offset: u64, was: &[u8]) -> io::Result<bool> {
    Ok(tail(file, offset)? == was)
}

/// The bytes just before `offset`, at most [`TAIL_BYTES`].
fn tail(file: &File, offset: u64) -> io::Result<Vec<u8>> {
    let len = (offset as usize).min(TAIL_BYTES);
    let mut buf = vec![0u8; len];
    let n = read_full_at(file, &mut buf, offset - len as u64)?;
    buf.truncate(n);
    Ok(buf)
}

/// Reads from `offset` until `buf` is full or the file ends; returns the bytes read.
fn read_full_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read_at(&mut buf[n..], offset + n as u64) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn is_compressed(path: &Path) -> bool {
    let mut magic = [0u8; 2];
    File::open(path).is_ok_and(|f| read_full_at(&f, &mut magic, 0).is_ok_and(|n| n == 2))
        && magic == [0x1f, 0x8b]
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::time::Duration;

    use super::*;

    /// What the follower handed over: (file name, first line, text).
    type Got = Vec<(String, u64, String)>;

    fn poll(f: &mut Follower) -> (Got, Polled) {
        let mut got = Vec::new();
        let polled = f.poll(&Window::default(), &|_| FileFormat::Alb, &mut |p| {
            got.push((
                p.name.to_string(),
                p.first_line,
                String::from_utf8_lossy(p.data).into_owned(),
            ))
        });
        (got, polled)
    }

    fn text(got: &Got) -> String {
        got.iter().map(|g| g.2.as_str()).collect()
    }

    fn append(path: &Path, s: &str) {
        let mut f = fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .unwrap();
        f.write_all(s.as_bytes()).unwrap();
    }

    fn follower(src: &Path) -> Follower {
        Follower::new(&[src.display().to_string()], 1024).unwrap()
    }

    #[test]
    fn appended_lines_come_once_and_a_partial_line_waits_for_its_newline() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("access.log");
        append(&log, "one\ntwo\nthr");
        let mut f = follower(&log);
        let (got, _) = poll(&mut f);
        assert_eq!(text(&got), "one\ntwo\n");
        assert_eq!(poll(&mut f).0, vec![], "nothing new: nothing read");
        append(&log, "ee\nfour\n");
        let (got, _) = poll(&mut f);
        assert_eq!(
            got,
            vec![(log.display().to_string(), 2, "three\nfour\n".into())]
        );
        assert_eq!(f.counts().files, 1);
    }

    #[test]
    fn a_rotated_file_is_read_to_its_end_then_the_new_one_from_its_start() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("access.log");
        append(&log, "1\n2\n");
        let mut f = follower(&log);
        assert_eq!(text(&poll(&mut f).0), "1\n2\n");
        // logrotate: rename; the writer still has the old file open and adds a line to it
        let rotated = dir.path().join("access.log.1");
        fs::rename(&log, &rotated).unwrap();
        append(&rotated, "3\n");
        append(&log, "4\n5\n");
        let (got, _) = poll(&mut f);
        let all = text(&got);
        let mut lines: Vec<&str> = all.lines().collect();
        lines.sort_unstable();
        assert_eq!(lines, ["3", "4", "5"], "{got:?}");
        // the old file, read through its handle, keeps its line numbers
        assert!(
            got.contains(&(log.display().to_string(), 2, "3\n".into())),
            "{got:?}"
        );
        assert_eq!(f.counts().rotated, 1);
        // the writer reopened: the old file gets nothing more and is let go after the grace
        for _ in 0..=GRACE_POLLS {
            assert_eq!(poll(&mut f).0, vec![]);
        }
        assert_eq!(f.counts().following, 1);
        append(&log, "6\n");
        assert_eq!(text(&poll(&mut f).0), "6\n");
        assert_eq!(f.counts().files, 2);
    }

    #[test]
    fn a_truncated_or_rewritten_file_restarts_at_its_start() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("app.log");
        append(&log, "a\nb\nc\n");
        let mut f = follower(&log);
        assert_eq!(text(&poll(&mut f).0), "a\nb\nc\n");
        // copytruncate: the same file, emptied, then written again
        fs::OpenOptions::new()
            .write(true)
            .open(&log)
            .unwrap()
            .set_len(0)
            .unwrap();
        append(&log, "d\n");
        let (got, _) = poll(&mut f);
        assert_eq!(got, vec![(log.display().to_string(), 0, "d\n".into())]);
        assert_eq!(f.counts().truncated, 1);
        // emptied and written past its old length between two polls: the bytes before the
        // offset changed, so it is read from the start again
        fs::write(&log, "eeeeeeeeee\nf\n").unwrap();
        let (got, _) = poll(&mut f);
        assert_eq!(text(&got), "eeeeeeeeee\nf\n");
        assert_eq!(f.counts().truncated, 2);
        append(&log, "g\n");
        assert_eq!(text(&poll(&mut f).0), "g\n");
    }

    #[test]
    fn folders_pick_up_new_logs_and_leave_rotated_copies() {
        let dir = tempfile::tempdir().unwrap();
        append(&dir.path().join("a.log"), "a1\n");
        append(&dir.path().join("notes.txt"), "not a log\n");
        let gz = |name: &str, body: &str| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(body.as_bytes()).unwrap();
            fs::write(dir.path().join(name), e.finish().unwrap()).unwrap();
        };
        gz("old.log.gz", "o1\n");
        let mut f = follower(dir.path());
        let (got, polled) = poll(&mut f);
        assert_eq!(text(&got), "a1\n");
        // compressed files at the start are read whole, by the loader
        assert_eq!(polled.whole.len(), 1);
        assert_eq!(f.counts().skipped, 1, "notes.txt");
        std::thread::sleep(Duration::from_millis(10));
        fs::create_dir(dir.path().join("sub")).unwrap();
        append(&dir.path().join("sub/b.log"), "b1\n");
        // a rotated copy (no delivery time in its name) and a delivered ALB file
        gz("a.log.2.gz", "a0\n");
        let alb = "123456789012_elasticloadbalancing_eu-west-1_app.hosp.1_20261120T1405Z_10.0.0.1_x.log.gz";
        gz(alb, "x1\n");
        let (got, polled) = poll(&mut f);
        assert_eq!(text(&got), "b1\n");
        assert!(
            polled.whole.is_empty(),
            "a compressed file waits a poll for its size to hold"
        );
        let (_, polled) = poll(&mut f);
        let names: Vec<&str> = polled.whole.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(names.len(), 1);
        assert!(names[0].ends_with(alb), "{names:?}");
        assert_eq!(f.counts().skipped, 2, "notes.txt and the rotated copy");
        assert!(poll(&mut f).1.whole.is_empty(), "read once");
    }

    #[test]
    fn a_line_past_the_limit_is_skipped_and_named_without_being_held() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("x.log");
        append(&log, "ok\n");
        append(&log, &"y".repeat(3000));
        let mut f = follower(&log);
        let (got, polled) = poll(&mut f);
        assert_eq!(text(&got), "ok\n");
        assert!(polled.long_lines.is_empty(), "its end is not there yet");
        append(&log, "yyy\nnext\n");
        let (got, polled) = poll(&mut f);
        assert_eq!(
            polled.long_lines,
            vec![(log.display().to_string(), 2, 3003)]
        );
        assert_eq!(got, vec![(log.display().to_string(), 2, "next\n".into())]);
    }
}
