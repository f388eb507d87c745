//! `hosp-logs serve`: the control panel as a web page, its numbers as JSON (`/api/snapshot`,
//! one `watch` NDJSON snapshot) and in the Prometheus format (`/metrics`), on one port.
//!
//! Secure by default: loopback only unless asked ([`check_listen`]); every request but
//! `/healthz` carries the token (a cookie the `?token=` link sets, or `Authorization:
//! Bearer`), compared in constant time and never written into a page; a request whose `Host`
//! is not the listen address or `localhost` is refused (DNS rebinding); GET only, no body,
//! bounded headers, connections and requests per second; the page is embedded, its script and
//! style are files of this origin (the CSP allows nothing inline), and log text reaches it only
//! as JSON the script places as text.

pub mod exposition;
pub mod follow;
pub mod history;
pub mod http;
pub mod panel;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use crate::error::UsageError;
use crate::metrics::slo::SloCounts;
use crate::store::{Store, StoreError};
use crate::window::Window;
use follow::{Follow, FollowError, Polled};

/// Connections served at once; more wait in the listen queue.
pub const MAX_CONNECTIONS: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Usage(#[from] UsageError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("--token-file {path}: {reason}")]
    TokenFile { path: String, reason: String },
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Follow(#[from] FollowError),
}

/// Refuses a listen address off the loopback without `--allow-remote`: plain HTTP carries the
/// token.
pub fn check_listen(addr: &SocketAddr, allow_remote: bool) -> Result<(), UsageError> {
    if addr.ip().is_loopback() || allow_remote {
        return Ok(());
    }
    Err(UsageError(format!(
        "--listen {addr} is not a loopback address: serve speaks plain HTTP, which would carry \
         the token and the numbers to anyone on the network. Put a TLS proxy in front and add \
         --allow-remote, or listen on 127.0.0.1"
    )))
}

/// The access token: 128 random bits in hex, or the first line of `--token-file`.
#[derive(Clone)]
pub struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(…)")
    }
}

impl Token {
    pub fn random() -> Result<Token, std::io::Error> {
        use std::io::Read;
        let mut b = [0u8; 16];
        std::fs::File::open("/dev/urandom")?.read_exact(&mut b)?;
        Ok(Token(b.iter().map(|x| format!("{x:02x}")).collect()))
    }

    pub fn from_file(path: &std::path::Path) -> Result<Token, ServeError> {
        let err = |reason: String| ServeError::TokenFile {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let t = text.lines().next().unwrap_or("").trim().to_string();
        if t.len() < 16
            || !t
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b))
        {
            return Err(err(
                "expected a token of at least 16 letters, digits or - _ . ~ on its first line"
                    .into(),
            ));
        }
        Ok(Token(t))
    }

    /// Whether `given` is the token, in time that does not depend on where they differ.
    pub fn matches(&self, given: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), given.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        let diff = a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y));
        std::hint::black_box(diff) == 0
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// What the store holds for a live view: the SLO's per-second counts from `since_us` up to
/// where the store is complete, and that time.
pub struct Backfill {
    pub counts: SloCounts,
    /// The end of the store's last complete minute (µs): the sources are read from here.
    pub through_us: i64,
    pub objects: u64,
    /// What the view read from the store (its snapshots' `input.store`).
    pub store: crate::engine::stats::StoreInput,
}

/// The store's counts of `format` from `since_us` to its `complete_through`; None when it
/// holds nothing of that format complete. `fingerprint` is the SLO settings the store must
/// have been collected with.
pub fn backfill(
    dir: &std::path::Path,
    format: &str,
    fingerprint: &str,
    since_us: i64,
) -> Result<Option<Backfill>, StoreError> {
    let store = Store::open_read(dir)?;
    store.check_settings(
        fingerprint,
        &crate::store::slo::describe_fingerprint(fingerprint),
    )?;
    let Some(minute) = store.complete_through(Some(format))? else {
        return Ok(None);
    };
    let through_us = (minute + 1) * 60_000_000;
    // whole seconds, as the store keeps
    let since_us = since_us.div_euclid(1_000_000) * 1_000_000;
    if through_us <= since_us {
        return Ok(None);
    }
    let window = Window {
        since_us: Some(since_us),
        until_us: Some(through_us),
    };
    let (counts, read) = crate::store::slo::load(&store, format, &window, None)?;
    Ok(Some(Backfill {
        counts,
        through_us,
        objects: read.objects,
        store: crate::engine::stats::StoreInput {
            path: dir.display().to_string(),
            objects: read.objects,
            ingested: 0,
            complete_through: Some(crate::store::minute_text(minute)),
            late_rows: read.late_rows,
        },
    }))
}

/// How `serve` runs.
pub struct Options {
    pub listen: SocketAddr,
    pub token: Token,
    /// Host names besides the listen address and `localhost` (behind a proxy).
    pub allowed_hosts: Vec<String>,
    /// The SLOs' names (today one: `availability`).
    pub slos: Vec<String>,
    pub window_us: i64,
    /// The store's `complete_through`, when a store is configured.
    pub complete_through: Option<String>,
    /// The SLO's counts read from the store before the sources are followed.
    pub backfill: Option<SloCounts>,
    /// Requests per second served (beyond: 429).
    pub max_rps: u32,
}

/// What the server shows: the newest poll as the page, the JSON and the exposition.
pub struct Shared {
    pub latest: Arc<RwLock<exposition::Latest>>,
    pub panel_json: RwLock<String>,
    pub snapshot_json: RwLock<String>,
    pub failed: Mutex<Option<FollowError>>,
}

impl Shared {
    fn publish(&self, p: Polled, opts: &Options) {
        let panel = panel::panel(
            &p,
            &opts.slos,
            opts.window_us,
            opts.complete_through.clone(),
        );
        if let Ok(j) = serde_json::to_string(&panel) {
            *self.panel_json.write().unwrap_or_else(|e| e.into_inner()) = j;
        }
        if let Ok(j) = serde_json::to_string(&p.snapshot) {
            *self
                .snapshot_json
                .write()
                .unwrap_or_else(|e| e.into_inner()) = j;
        }
        let mut l = self.latest.write().unwrap_or_else(|e| e.into_inner());
        l.polled = Some(p);
    }
}

/// Binds (a failure is an error before anything is printed), calls `ready` with the bound
/// address, follows the sources in a thread and serves until `interrupted` is set. A failure
/// of the sources ends the serve with that error.
pub fn run(
    mut opts: Options,
    follow: Follow,
    interrupted: Arc<AtomicBool>,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), ServeError> {
    let listener = std::net::TcpListener::bind(opts.listen).map_err(|source| ServeError::Bind {
        addr: opts.listen,
        source,
    })?;
    listener.set_nonblocking(true)?;
    let bound = listener.local_addr()?;
    let latest = Arc::new(RwLock::new(exposition::Latest {
        polled: None,
        slos: opts.slos.clone(),
        window_us: opts.window_us,
    }));
    let shared = Arc::new(Shared {
        latest: Arc::clone(&latest),
        panel_json: RwLock::new("null".into()),
        snapshot_json: RwLock::new("null".into()),
        failed: Mutex::new(None),
    });
    let app = Arc::new(http::App::new(
        &opts,
        bound,
        Arc::clone(&shared),
        exposition::registry(latest),
    ));
    let stop = Arc::clone(&follow.stop);
    let backfill = opts.backfill.take();
    let opts = Arc::new(opts);
    let reader = {
        let shared = Arc::clone(&shared);
        let opts = Arc::clone(&opts);
        std::thread::spawn(move || {
            let res = follow.run(backfill, |p| shared.publish(p, &opts));
            if let Err(e) = res {
                *shared.failed.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
            }
        })
    };
    ready(bound);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let served = rt.block_on(http::serve(listener, app, || {
        interrupted.load(Ordering::Relaxed)
            || shared.failed.lock().map(|f| f.is_some()).unwrap_or(true)
    }));
    stop.store(true, Ordering::Relaxed);
    rt.shutdown_timeout(Duration::from_millis(500));
    let _ = reader.join();
    served?;
    if let Some(e) = shared
        .failed
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
    {
        return Err(e.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_without_allow_remote() {
        let ok = |a: &str, remote| check_listen(&a.parse().unwrap(), remote).is_ok();
        assert!(ok("127.0.0.1:8087", false));
        assert!(ok("[::1]:8087", false));
        assert!(!ok("0.0.0.0:8087", false));
        assert!(!ok("192.168.1.5:80", false));
        assert!(ok("0.0.0.0:8087", true));
        let e = check_listen(&"0.0.0.0:1".parse().unwrap(), false).unwrap_err();
        assert!(e.0.contains("--allow-remote") && e.0.contains("TLS"), "{e}");
    }

    #[test]
    fn tokens_are_128_bits_and_compared_whole() {
        let a = Token::random().unwrap();
        let b = Token::random().unwrap();
        assert_eq!(a.expose().len(), 32);
        assert_ne!(a.expose(), b.expose());
        assert!(a.matches(a.expose()));
        assert!(!a.matches(b.expose()));
        assert!(!a.matches(&a.expose()[..31]));
        assert!(!a.matches(""));
        assert_eq!(format!("{a:?}"), "Token(…)");
    }
}
