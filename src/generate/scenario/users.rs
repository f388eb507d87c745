//! The clinics' staff: their daily traffic shape, what they ask for, and how their requests end
//! (the slow hours, the outage and the Lambda target change the odds).

use super::response::{Outcome, Profile};
use super::routes::Route;
use super::timeline::{day_floor, in_daily, HOUR, OUTAGE, SLOW};
use super::Scenario;
use crate::generate::record::{Record, Source, TargetGroup};
use crate::generate::rng::Rng;

/// Relative user traffic per UTC hour (clinics open ~07–19 UTC); normalised to mean 1.
const HOUR_WEIGHTS: [f64; 24] = [
    0.15, 0.12, 0.10, 0.10, 0.12, 0.20, 0.45, 0.90, 1.50, 1.80, 1.90, 1.90, 1.60, 1.80, 1.90, 1.80,
    1.70, 1.50, 1.10, 0.80, 0.55, 0.40, 0.30, 0.20,
];

/// Routes users call, with their relative weights.
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

impl Scenario {
    /// Relative user traffic at `t` (mean 1 over a day), linear between hour midpoints.
    pub(super) fn shape(t: i64) -> f64 {
        let sum: f64 = HOUR_WEIGHTS.iter().sum();
        let hours = (t - day_floor(t)) as f64 / HOUR as f64 - 0.5;
        let base = hours.floor();
        let f = hours - base;
        let i = (base as i64).rem_euclid(24) as usize;
        let w = HOUR_WEIGHTS[i] * (1.0 - f) + HOUR_WEIGHTS[(i + 1) % 24] * f;
        w * 24.0 / sum
    }

    pub(super) fn user_request(&self, rng: &mut Rng, t: i64) -> Record {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::scenario::timeline::{MINUTE, US};

    #[test]
    fn shape_has_mean_one() {
        let mut s = 0.0;
        for m in 0..1440 {
            s += Scenario::shape(m * MINUTE + 30 * US);
        }
        assert!((s / 1440.0 - 1.0).abs() < 0.01, "{}", s / 1440.0);
    }
}
