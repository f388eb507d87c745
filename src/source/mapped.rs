//! Plain local files read through memory maps, one window at a time.
//!
//! Reading a cached file with `read` copies every byte from the page cache into the reader's
//! buffer: about a fifth of `slo`'s CPU time on a plain file. A window mapped read-only shares
//! the page-cache pages instead, and a parser reads them where they are.
//!
//! Two things make a mapping unsafe to read naively, and both are handled here:
//! - **A file that shrinks while mapped** (logrotate's `copytruncate` on a proxy's log): a read
//!   of a page past the new end raises SIGBUS, which kills the process. A SIGBUS handler
//!   (installed once, chaining to whatever was there before) looks the faulting address up in
//!   the table of live windows; inside one, it maps zero pages over the rest of that window
//!   and marks it [`MappedWindow::truncated`], so the read goes on and the caller names the file.
//!   An address outside every window gets the previous disposition back (the default kills,
//!   as before).
//! - **Memory use**: a window is unmapped when its last reader drops it, so at most the
//!   windows in flight are mapped (the page cache holds the file either way).
//!
//! Only regular files are mapped; the caller streams anything else (stdin, S3, gzip).

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::os::unix::io::AsRawFd;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Once, OnceLock};

/// Live windows the SIGBUS handler knows of. The engine holds a few per reader and parser
/// (its channel is bounded); a reader that finds none free waits for one.
const SLOTS: usize = 256;

/// One live window's address range (`end` 0: free), and whether a read past the file's end
/// hit it.
struct Slot {
    start: AtomicUsize,
    end: AtomicUsize,
    hit: AtomicBool,
}

#[allow(clippy::declare_interior_mutable_const)]
const FREE: Slot = Slot {
    start: AtomicUsize::new(0),
    end: AtomicUsize::new(0),
    hit: AtomicBool::new(false),
};
static GUARD: [Slot; SLOTS] = [FREE; SLOTS];
static PAGE: AtomicUsize = AtomicUsize::new(4096);
static INSTALL: Once = Once::new();
/// The SIGBUS disposition before ours (Rust's runtime has one for stack overflows).
static PREVIOUS: OnceLock<libc::sigaction> = OnceLock::new();

/// The SIGBUS handler: only atomics and two system calls (async-signal-safe).
extern "C" fn on_sigbus(_sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo_t for a SA_SIGINFO handler
    let addr = unsafe { (*info).si_addr() } as usize;
    let page = PAGE.load(Ordering::Relaxed);
    for slot in &GUARD {
        let end = slot.end.load(Ordering::SeqCst);
        let start = slot.start.load(Ordering::SeqCst);
        if start != 0 && start <= addr && addr < end {
            let from = addr & !(page - 1);
            // SAFETY: [from, end) lies inside a live window of ours, mapped read-only; zero
            // pages replace the file's vanished ones, and munmap of the window removes both
            let p = unsafe {
                libc::mmap(
                    from as *mut libc::c_void,
                    end - from,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                    -1,
                    0,
                )
            };
            if p != libc::MAP_FAILED {
                slot.hit.store(true, Ordering::SeqCst);
                return;
            }
        }
    }
    // not a window of ours (or no memory for the zero pages): the fault happens again under
    // the previous disposition
    // SAFETY: restoring a disposition read from sigaction(2) (or the default)
    unsafe {
        if let Some(prev) = PREVIOUS.get() {
            libc::sigaction(libc::SIGBUS, prev, std::ptr::null_mut());
        } else {
            libc::signal(libc::SIGBUS, libc::SIG_DFL);
        }
    }
}

fn install_guard() {
    INSTALL.call_once(|| {
        // SAFETY: plain libc calls with zero-initialised, then filled, sigaction structs
        unsafe {
            let size = libc::sysconf(libc::_SC_PAGESIZE);
            if size > 0 {
                PAGE.store(size as usize, Ordering::Relaxed);
            }
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigbus as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut action.sa_mask);
            let mut previous: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGBUS, &action, &mut previous) == 0 {
                let _ = PREVIOUS.set(previous);
            }
        }
    });
}

/// A plain regular file opened for mapping, with its size when opened: bytes appended later
/// are not read (a snapshot, as a `read` to the end would take at that moment).
pub struct MappedFile {
    file: File,
    len: u64,
}

impl MappedFile {
    /// `None` when `path` is not a non-empty regular file, starts with the gzip magic, or
    /// cannot be mapped (some file systems): the caller streams it instead.
    pub fn open(path: &Path) -> io::Result<Option<MappedFile>> {
        let file = File::open(path)?;
        let meta = file.metadata()?;
        if !meta.is_file() || meta.len() == 0 {
            return Ok(None);
        }
        let mut magic = [0u8; 2];
        if file.read_at(&mut magic, 0)? == 2 && magic == [0x1f, 0x8b] {
            return Ok(None);
        }
        install_guard();
        let file = MappedFile {
            file,
            len: meta.len(),
        };
        // a file system without mmap support fails here, not halfway through
        Ok(file.map(0, 1).ok().map(|_| file))
    }

    /// The size when opened.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The size now (a file that shrank is cut short and named by the caller).
    pub fn current_len(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    /// Maps `len` bytes from `offset` (both within the size when opened), read-only. Pages
    /// come in as they are first read (the kernel maps 16 cached pages a fault); paging in
    /// the window at once (`MAP_POPULATE`) measured no faster and holds every page of the
    /// windows in flight in the resident set.
    pub fn map(&self, offset: u64, len: usize) -> io::Result<MappedWindow> {
        if len == 0 || offset.saturating_add(len as u64) > self.len {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "window {offset}+{len} outside the file's {} bytes",
                    self.len
                ),
            ));
        }
        let page = PAGE.load(Ordering::Relaxed) as u64;
        let aligned = offset & !(page - 1);
        let skip = (offset - aligned) as usize;
        let map_len = skip + len;
        let slot = claim_slot();
        // SAFETY: a fresh read-only private mapping of an open file, at an offset aligned to
        // the page size; the kernel picks the address
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                map_len,
                libc::PROT_READ,
                libc::MAP_PRIVATE,
                self.file.as_raw_fd(),
                aligned as libc::off_t,
            )
        };
        if base == libc::MAP_FAILED {
            let e = io::Error::last_os_error();
            GUARD[slot].start.store(0, Ordering::SeqCst);
            return Err(e);
        }
        let base = base as usize;
        // the range goes live when `end` is set, after `start` (the handler reads `end` first)
        GUARD[slot].hit.store(false, Ordering::SeqCst);
        GUARD[slot].start.store(base, Ordering::SeqCst);
        GUARD[slot].end.store(base + map_len, Ordering::SeqCst);
        Ok(MappedWindow {
            base,
            skip,
            len,
            slot,
        })
    }
}

/// Reserves a slot (its `start` set to 1, its `end` still 0: no address matches it yet).
fn claim_slot() -> usize {
    loop {
        for (i, slot) in GUARD.iter().enumerate() {
            if slot
                .start
                .compare_exchange(0, 1, Ordering::SeqCst, Ordering::Relaxed)
                .is_ok()
            {
                return i;
            }
        }
        // every slot is a window in flight: one is unmapped as soon as a parser is done
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// A mapped, read-only part of a file; unmapped on drop.
pub struct MappedWindow {
    base: usize,
    /// Bytes between the page boundary the mapping starts on and the offset asked for.
    skip: usize,
    len: usize,
    slot: usize,
}

// SAFETY: the mapping is read-only and owned by the window alone until it is dropped
unsafe impl Send for MappedWindow {}
unsafe impl Sync for MappedWindow {}

impl MappedWindow {
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: [base + skip, base + skip + len) is mapped readable for the window's life;
        // a page the file lost is replaced by zeros (the guard), never left unmapped
        unsafe { std::slice::from_raw_parts((self.base + self.skip) as *const u8, self.len) }
    }

    /// Whether a read hit a page past the file's end (the file shrank while mapped): the
    /// bytes from there on read as zeros, not as the file's.
    pub fn truncated(&self) -> bool {
        GUARD[self.slot].hit.load(Ordering::SeqCst)
    }
}

impl Drop for MappedWindow {
    fn drop(&mut self) {
        let slot = &GUARD[self.slot];
        slot.end.store(0, Ordering::SeqCst);
        // SAFETY: the window's own mapping, unmapped once; nothing borrows it past `drop`
        unsafe {
            libc::munmap(self.base as *mut libc::c_void, self.skip + self.len);
        }
        slot.hit.store(false, Ordering::SeqCst);
        slot.start.store(0, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_of(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        f.flush().unwrap();
        f
    }

    #[test]
    fn windows_read_the_files_bytes_at_any_offset() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let f = file_of(&data);
        let m = MappedFile::open(f.path()).unwrap().unwrap();
        assert_eq!(m.len(), data.len() as u64);
        for (off, len) in [
            (0, 1),
            (0, 200_000),
            (1, 4095),
            (4095, 2),
            (4096, 8192),
            (123_457, 76_543),
        ] {
            let w = m.map(off as u64, len).unwrap();
            assert_eq!(w.bytes(), &data[off..off + len], "{off}+{len}");
            assert!(!w.truncated());
        }
        assert!(m.map(199_999, 2).is_err());
        assert!(m.map(0, 0).is_err());
    }

    #[test]
    fn gzip_empty_and_non_regular_files_are_not_mapped() {
        assert!(MappedFile::open(file_of(&[0x1f, 0x8b, 8, 0]).path())
            .unwrap()
            .is_none());
        assert!(MappedFile::open(file_of(b"").path()).unwrap().is_none());
        let dir = tempfile::tempdir().unwrap();
        // a folder opens on Linux; it is not a regular file, so it is streamed (and fails there)
        assert!(matches!(MappedFile::open(dir.path()), Ok(None)));
        assert!(MappedFile::open(Path::new("/nonexistent/x.log")).is_err());
    }

    #[test]
    fn a_file_truncated_while_mapped_reads_zeros_and_is_marked_not_killed() {
        let page = PAGE.load(Ordering::Relaxed).max(4096);
        let data = vec![b'x'; 8 * page];
        let f = file_of(&data);
        let m = MappedFile::open(f.path()).unwrap().unwrap();
        let w = m.map(0, data.len()).unwrap();
        assert_eq!(w.bytes()[5 * page], b'x');
        // the file loses its last six pages while mapped (copytruncate, then a short write)
        f.as_file().set_len(2 * page as u64).unwrap();
        let bytes = w.bytes();
        assert_eq!(bytes[page], b'x', "pages still in the file read as before");
        let past: u64 = bytes[3 * page..].iter().map(|&b| b as u64).sum();
        assert_eq!(past, 0, "pages past the new end read as zeros");
        assert!(w.truncated());
        assert_eq!(m.current_len().unwrap(), 2 * page as u64);
        // the slot is free again, its mark cleared, once the window is gone
        let slot = w.slot;
        drop(w);
        assert_eq!(GUARD[slot].end.load(Ordering::SeqCst), 0);
        assert!(!GUARD[slot].hit.load(Ordering::SeqCst));
    }
}
