//! The nightly load test: k6 virtual users on the internal network, each on its own kept-alive
//! HTTP connection, with the slower answers and failures of a loaded legacy target.

use super::clients::Conn;
use super::response::{Outcome, Profile};
use super::routes::Route;
use super::timeline::day_floor;
use super::{Scenario, TAG_LOAD_VU};
use crate::generate::record::{Listener, Record, Source};
use crate::generate::rng::Rng;

pub(crate) const LOAD_TEST_CIDR: &str = "10.99.0.0/24";
pub(crate) const LOAD_TEST_UA: &str = "hosp-loadtest/1.0 (k6)";

/// Load test: requests per second while it runs.
pub(super) const LOAD_TEST_RATE: f64 = 2.5;

/// Routes the load test calls, with their relative weights.
const LOAD_ROUTES: [(Route, f64); 7] = [
    (Route::PatientsList, 20.0),
    (Route::PatientGet, 25.0),
    (Route::NotesByPatient, 20.0),
    (Route::NoteGet, 10.0),
    (Route::HospitalsList, 5.0),
    (Route::StaffsList, 5.0),
    (Route::NotePost, 15.0),
];

impl Scenario {
    pub(super) fn load_test_request(&self, rng: &mut Rng, t: i64) -> Record {
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
}
