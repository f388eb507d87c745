//! How a forwarded request ends: the outcome, the target group (legacy, or Lambda after the
//! migration), processing times, sizes and the log record; shared helpers for trace ids.

use super::clients::Conn;
use super::deployment::LEGACY_TARGETS;
use super::routes::Route;
use super::timeline::US;
use super::Scenario;
use crate::generate::record::{Record, Source, TargetGroup};
use crate::generate::rng::Rng;

/// How a request ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
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

/// Which latency distribution a legacy target's answer draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Profile {
    Normal,
    Slow,
    LoadTest,
}

pub(super) fn floor_ms(us: i64) -> i64 {
    us.div_euclid(1000) * 1000
}

/// Keep totals away from the 3 s threshold so every reader classifies them alike.
fn avoid_threshold(times: &mut [u32; 3]) {
    let total = times[0] + times[1] + times[2];
    if (2_990..=3_010).contains(&total) {
        times[1] += 25;
    }
}

impl Scenario {
    pub(super) fn target_group(&self, route: Route, t: i64) -> TargetGroup {
        if route.is_hospitals() && t >= self.migration_us() {
            TargetGroup::Lambda
        } else {
            TargetGroup::Legacy
        }
    }

    /// A request that matched a forwarding rule.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn forwarded(
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
                        // a few answer after CloudFront's 30 s origin timeout: the ALB
                        // records a success, the user got a 504 at the edge
                        Profile::Slow if rng.chance(0.8) => {
                            if u > 0.985 {
                                30_500.0 + 1_000_000.0 * (u - 0.985)
                            } else {
                                2_000.0 + 18_000.0 * u * u
                            }
                        }
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
            edge_id: None,
            viewer_ip: None,
            source,
            endpoint: route.endpoint().to_string(),
            truth_method: route.method(),
        }
    }
}

pub(super) fn trace_id(rng: &mut Rng, rct_us: i64) -> String {
    format!("Root=1-{:08x}-{}", rct_us.div_euclid(US), rng.hex(24))
}
