//! The in-process S3 server the tests read from: s3s + s3s-fs on 127.0.0.1, SigV4 checked,
//! wrapped to count requests and inject faults (throttling, failing objects, a delay per
//! request, SlowDown above a number of GETs in flight). Shared by the tests that read `s3://`
//! sources (`mod s3_server;`) and by scripts/bench-s3.sh (`bench_server`, in tests/s3.rs).
#![allow(dead_code)] // each test binary uses its own subset

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use s3s::auth::SimpleAuth;
use s3s::dto::*;
use s3s::service::S3ServiceBuilder;
use s3s::{s3_error, S3Request, S3Response, S3Result, S3};
use s3s_fs::FileSystem;
use serde_json::Value;

pub const BUCKET: &str = "alb-logs";
pub const PREFIX: &str = "hosp/AWSLogs/123456789012/elasticloadbalancing/eu-west-1";

#[derive(Default)]
pub struct Faults {
    /// Keys whose GET always fails with a 500.
    pub broken: HashSet<String>,
    /// Keys that already got their one SlowDown (when throttling is on).
    pub throttled: HashSet<String>,
    pub throttle_first_get: bool,
    /// Held before every request is answered (LIST and GET): a network's round trip.
    pub delay: std::time::Duration,
    /// A GET that arrives while this many GETs are already in flight is answered 503
    /// SlowDown (S3's own throttling of a prefix, made deterministic).
    pub slowdown_above: Option<u64>,
    /// GETs answered 503 SlowDown by their arrival: (first, count), numbered from 0.
    pub slowdown_arrivals: Option<(u64, u64)>,
    /// At most this many keys a LIST page (S3 may answer fewer than asked for).
    pub list_page: Option<i32>,
}

/// A request as the server saw it, in the order of [`Server::log`].
#[derive(Debug, Clone)]
pub enum Logged {
    /// A LIST page answered (after the delay): its prefix, and whether more pages follow.
    ListAnswered {
        at: std::time::Instant,
        prefix: String,
        truncated: bool,
    },
    /// A GET arrived (before the delay).
    GetArrived { at: std::time::Instant, key: String },
}

/// GETs in flight right now, the most seen at once, and the SlowDowns answered.
#[derive(Default)]
pub struct InFlight {
    pub now: AtomicU64,
    pub peak: AtomicU64,
    pub slowdowns: AtomicU64,
}

/// Counts a GET in flight until dropped.
struct Flying<'a>(&'a InFlight);

impl Drop for Flying<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

struct Store {
    inner: FileSystem,
    gets: Arc<AtomicU64>,
    lists: Arc<AtomicU64>,
    faults: Arc<Mutex<Faults>>,
    in_flight: Arc<InFlight>,
    listing: Arc<InFlight>,
    /// Every key asked for by a GET, in order.
    got: Arc<Mutex<Vec<String>>>,
    log: Arc<Mutex<Vec<Logged>>>,
}

impl Store {
    fn delay(&self) -> std::time::Duration {
        self.faults.lock().unwrap().delay
    }
}

#[async_trait::async_trait]
impl S3 for Store {
    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        self.lists.fetch_add(1, Ordering::SeqCst);
        let before = self.listing.now.fetch_add(1, Ordering::SeqCst);
        let _listing = Flying(&self.listing);
        self.listing.peak.fetch_max(before + 1, Ordering::SeqCst);
        let delay = self.delay();
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let mut req = req;
        if let Some(n) = self.faults.lock().unwrap().list_page {
            req.input.max_keys = Some(req.input.max_keys.unwrap_or(1000).min(n));
        }
        let prefix = req.input.prefix.clone().unwrap_or_default();
        let answer = self.inner.list_objects_v2(req).await;
        if let Ok(a) = &answer {
            self.log.lock().unwrap().push(Logged::ListAnswered {
                at: std::time::Instant::now(),
                prefix,
                truncated: a.output.is_truncated == Some(true),
            });
        }
        answer
    }

    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        let arrival = self.gets.fetch_add(1, Ordering::SeqCst);
        let key = req.input.key.clone();
        self.got.lock().unwrap().push(key.clone());
        self.log.lock().unwrap().push(Logged::GetArrived {
            at: std::time::Instant::now(),
            key: key.clone(),
        });
        let before = self.in_flight.now.fetch_add(1, Ordering::SeqCst);
        let _flying = Flying(&self.in_flight);
        self.in_flight.peak.fetch_max(before + 1, Ordering::SeqCst);
        let delay = self.delay();
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        {
            let mut f = self.faults.lock().unwrap();
            let burst = f
                .slowdown_arrivals
                .is_some_and(|(first, n)| (first..first + n).contains(&arrival));
            if burst || f.slowdown_above.is_some_and(|n| before >= n) {
                self.in_flight.slowdowns.fetch_add(1, Ordering::SeqCst);
                return Err(s3_error!(
                    SlowDown,
                    "injected throttling above the GETs in flight"
                ));
            }
            if f.broken.contains(&key) {
                return Err(s3_error!(InternalError, "injected failure"));
            }
            if f.throttle_first_get && f.throttled.insert(key) {
                return Err(s3_error!(SlowDown, "injected throttling"));
            }
        }
        self.inner.get_object(req).await
    }
}

pub struct Server {
    pub endpoint: String,
    pub root: tempfile::TempDir,
    pub gets: Arc<AtomicU64>,
    pub lists: Arc<AtomicU64>,
    pub faults: Arc<Mutex<Faults>>,
    pub in_flight: Arc<InFlight>,
    /// LISTs in flight (`slowdowns` unused).
    pub listing: Arc<InFlight>,
    /// Every key asked for by a GET, in order.
    pub got: Arc<Mutex<Vec<String>>>,
    /// Every LIST page answered and every GET arrived, in order.
    pub log: Arc<Mutex<Vec<Logged>>>,
    _rt: tokio::runtime::Runtime,
}

impl Server {
    /// Serves a fresh copy of the fixture day under s3://alb-logs/hosp/AWSLogs/….
    pub fn start() -> Server {
        let root = tempfile::tempdir().unwrap();
        let src = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/day/AWSLogs/123456789012/elasticloadbalancing/eu-west-1");
        crate::common::copy_tree(&src, &root.path().join(BUCKET).join(PREFIX));
        let gets = Arc::new(AtomicU64::new(0));
        let lists = Arc::new(AtomicU64::new(0));
        let faults = Arc::new(Mutex::new(Faults::default()));
        let in_flight = Arc::new(InFlight::default());
        let listing = Arc::new(InFlight::default());
        let got = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::new(Mutex::new(Vec::new()));
        let store = Store {
            inner: FileSystem::new(root.path()).unwrap(),
            gets: gets.clone(),
            lists: lists.clone(),
            faults: faults.clone(),
            in_flight: in_flight.clone(),
            listing: listing.clone(),
            got: got.clone(),
            log: log.clone(),
        };
        let service = {
            let mut b = S3ServiceBuilder::new(store);
            b.set_auth(SimpleAuth::from_single("test-key", "test-secret"));
            b.build()
        };
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        rt.spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                let svc = service.clone();
                tokio::spawn(async move {
                    let _ = ConnBuilder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(socket), svc)
                        .await;
                });
            }
        });
        Server {
            endpoint,
            root,
            gets,
            lists,
            faults,
            in_flight,
            listing,
            got,
            log,
            _rt: rt,
        }
    }

    /// Serves `total` objects (at least the fixture day's): copies of the fixture day's objects
    /// delivered on the days before it, a day at a time and the last day's only in part (in key
    /// order). Each copy's delivery folder and the end time in its name move back a whole
    /// number of days, its bytes are the fixture's object's (hard links when the file system
    /// allows; every line is still dated 2026-11-20). 16,129 objects: 28 days of one load
    /// balancer (ALB's one object per node per 5 minutes) and one more. Returns the objects
    /// served and the delivery days they span back from 2026-11-20 (the fixture day: 1).
    pub fn add_objects(&self, total: usize) -> (usize, u32) {
        let base = self.root.path().join(BUCKET).join(PREFIX);
        let mut objects = Vec::new();
        files_under(&base, &mut objects);
        objects.sort();
        let mut served = objects.len();
        let mut days = 1;
        while served < total {
            let back = i64::from(days);
            days += 1;
            for path in objects.iter().take(total - served) {
                let rel = path.strip_prefix(&base).unwrap();
                let name = rel.file_name().unwrap().to_str().unwrap();
                let folder = rel.parent().unwrap().to_str().unwrap();
                let day = |text: &str, fmt: &str| {
                    chrono::NaiveDate::parse_from_str(text, fmt).unwrap()
                        - chrono::Duration::days(back)
                };
                let folder = day(folder, "%Y/%m/%d").format("%Y/%m/%d").to_string();
                let mut parts: Vec<String> = name.split('_').map(str::to_string).collect();
                // account, service, region, load balancer, end time, node, unique part
                let end = &parts[4];
                parts[4] = format!("{}{}", day(&end[..8], "%Y%m%d").format("%Y%m%d"), &end[8..]);
                let to = base.join(folder).join(parts.join("_"));
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                if std::fs::hard_link(path, &to).is_err() {
                    std::fs::copy(path, &to).unwrap();
                }
                served += 1;
            }
        }
        (served, days)
    }

    pub fn day_dir(&self, day: &str) -> PathBuf {
        self.root.path().join(BUCKET).join(PREFIX).join(day)
    }

    /// The binary with the store's credentials, a clean AWS environment (`home` as HOME) and
    /// the store's endpoint; the command and its arguments go first. Nothing of the
    /// developer's environment reaches it (stricter than the shared helper's clean one).
    pub fn command(&self, home: &Path, args: &[&str]) -> std::process::Command {
        let mut cmd = crate::common::hosp_logs_std();
        cmd.env_clear()
            .env("HOSP_LOGS_STATE", "off")
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("AWS_ACCESS_KEY_ID", "test-key")
            .env("AWS_SECRET_ACCESS_KEY", "test-secret")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", home.join("no-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", home.join("no-credentials"))
            .args(args)
            .args([
                "--endpoint-url",
                &self.endpoint,
                "--path-style",
                "--region",
                "eu-west-1",
            ]);
        cmd
    }

    pub fn run(&self, cache: &Path, args: &[&str]) -> (i32, Value, String) {
        let out = self
            .command(cache, args)
            .args(["--format", "json", "-q"])
            .args(if args.contains(&"--no-cache") {
                vec![]
            } else {
                vec!["--cache-dir".to_string(), cache.display().to_string()]
            })
            .output()
            .unwrap();
        let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        (
            out.status.code().unwrap_or(-1),
            json,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// Every file below `dir`, in no particular order.
fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}
