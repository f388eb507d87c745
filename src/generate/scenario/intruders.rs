//! The unwelcome clients: the intruder writing and reading notes at night, and the scanner
//! probing well-known paths (answered by the default 404 rule, never forwarded).

use super::response::{floor_ms, trace_id, Outcome, Profile};
use super::routes::Route;
use super::Scenario;
use crate::generate::record::{Listener, Record, Source};
use crate::generate::rng::Rng;

pub(crate) const INTRUDER_IP: &str = "203.0.113.66";
pub(crate) const INTRUDER_UA: &str = "python-requests/2.31.0";
pub(crate) const SCANNER_IP: &str = "198.51.100.23";
pub(crate) const SCANNER_UA: &str = "Mozilla/5.0 zgrab/0.x";

/// Intruder: POST /notes and GET /notes?patient_id=N per minute.
pub(super) const INTRUDER_WRITES_PER_MIN: f64 = 10.0;
pub(super) const INTRUDER_READS_PER_MIN: f64 = 3.0;
/// Scanner: probes per minute.
pub(super) const SCANNER_PER_MIN: f64 = 10.0;

pub(super) const SCANNER_PATHS: [&str; 46] = [
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

impl Scenario {
    pub(super) fn intruder_request(&self, rng: &mut Rng, t: i64, write: bool) -> Record {
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

    pub(super) fn scanner_request(&self, rng: &mut Rng, t: i64, path: &str, ua: &str) -> Record {
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
            edge_id: None,
            viewer_ip: None,
            source: Source::Scanner,
            endpoint: path.to_string(),
            truth_method: "GET",
        }
    }
}
