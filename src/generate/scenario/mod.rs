//! The simulated HOSP day: who sends what, when, and how the ALB and the targets answer.
//!
//! All randomness comes from streams derived from `(seed, tag, time)`, one per wall-clock
//! minute, so a minute's traffic does not depend on the generation window (a 15-minute run
//! reproduces the first 15 minutes of the 24-hour run). Incident windows are times of day
//! (UTC) and repeat on every day of the window; the migration happens once, at 12:00 on the
//! day of `start`.
//!
//! One module per concern: `deployment` (account, load balancer, targets), `timeline` (time
//! units, incident windows, migration), `clients` (the clinics and their connections), `routes`
//! (the HOSP API), one module per kind of traffic (`users`, `load_test`, `intruders` with the
//! scanner, `specials`) and `response` (how a forwarded request ends). This module holds the
//! `Scenario` and `minute`, which decides what traffic each minute gets.

mod clients;
mod deployment;
mod intruders;
mod load_test;
mod response;
mod routes;
mod specials;
mod timeline;
mod users;

pub(crate) use self::deployment::{
    ACCOUNT, CERT_ARN, HOST, LB_FILE_ID, LB_RESOURCE_ID, LEGACY_TARGETS, NODE_IPS, REGION,
};
pub(crate) use self::intruders::{INTRUDER_IP, INTRUDER_UA, SCANNER_IP, SCANNER_UA};
pub(crate) use self::load_test::{LOAD_TEST_CIDR, LOAD_TEST_UA};
pub(crate) use self::specials::{LOG4SHELL_UA, MALFORMED_IP, SPACE_PATH};
pub(crate) use self::timeline::{
    day_floor, in_daily, DailyWindow, HOUR, INTRUDER, LOAD_TEST, MINUTE, OUTAGE, SCANNER, SLOW, US,
};

use self::clients::Clinic;
use self::intruders::{
    INTRUDER_READS_PER_MIN, INTRUDER_WRITES_PER_MIN, SCANNER_PATHS, SCANNER_PER_MIN,
};
use self::load_test::LOAD_TEST_RATE;
use self::specials::SPECIALS;
use self::timeline::MIGRATION_S;
use super::record::Record;
use super::rng::{mix, Rng};

// Stream tags: one per kind of random stream, so no two streams share their parts (6 is
// `file_suffix`'s).
const TAG_ROSTER: u64 = 1;
const TAG_MINUTE: u64 = 2;
const TAG_CONN: u64 = 3;
const TAG_LOAD_VU: u64 = 4;
const TAG_SPECIAL: u64 = 5;

pub(crate) struct Scenario {
    seed: u64,
    /// UTC midnight of the day of `start`.
    day0_us: i64,
    rate: f64,
    clinics: Vec<Clinic>,
    clinic_weights: Vec<f64>,
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

impl Scenario {
    pub(crate) fn new(seed: u64, start_us: i64, rate: f64) -> Self {
        let clinics = clients::roster(seed);
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

    /// Seed-derived random part of a log file name.
    pub(crate) fn file_suffix(&self, end_us: i64, node: usize) -> String {
        Rng::new(mix(&[self.seed, 6, end_us as u64, node as u64])).alnum(8)
    }
}
