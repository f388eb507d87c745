//! The sources followed for `serve`: the live engine ([`LiveSources`]) folding into the live
//! view ([`Live`]) and, beside it, the counters `/metrics` exposes ([`Totals`]), which only
//! ever grow (Prometheus counters), where the view's counts roll out of their windows.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::engine::live::{LiveError, LiveSources};
use crate::engine::{Analysis, Finish, Job, LocalSettings};
use crate::error::InputError;
use crate::filter::ClientFilter;
use crate::format::{Request, RoleSet, Routes};
use crate::metrics::live::{Live, LivePartial, Snapshot};
use crate::metrics::slo::{SloCounts, Verdict};

/// `hosp_request_duration_seconds` buckets (upper bounds, seconds): Prometheus' defaults
/// with HOSP's 3 s threshold added.
pub const DURATION_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 3.0, 5.0, 10.0,
];
/// Endpoints given their own `hosp_endpoint_requests_total` series; the others are `other`.
pub const MAX_ENDPOINTS: usize = 50;
/// The label of the endpoints past [`MAX_ENDPOINTS`].
pub const OTHER: &str = "other";
/// Status classes: `1xx` … `5xx`, and `none` (no status).
pub const CODE_CLASSES: [&str; 6] = ["none", "1xx", "2xx", "3xx", "4xx", "5xx"];

/// Counts since `serve` started (the window read at the start included): they only grow.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    /// Requests (not excluded) per status class, indexed like [`CODE_CLASSES`].
    pub by_class: [u64; 6],
    /// The SLO's valid and good requests.
    pub valid: u64,
    pub good: u64,
    /// Requests with a latency, per [`DURATION_BUCKETS`] bound (not cumulative), and above.
    pub duration: [u64; 13],
    pub duration_sum_s: f64,
    /// Per templated endpoint (at most [`MAX_ENDPOINTS`], then [`OTHER`]), per status class.
    pub endpoints: BTreeMap<String, [u64; 6]>,
    /// The newest request time read.
    pub last_us: Option<i64>,
}

fn class(status: Option<u16>) -> usize {
    match status {
        Some(s @ 100..=599) => (s / 100) as usize,
        _ => 0,
    }
}

impl Totals {
    fn endpoint(&mut self, name: &str) -> &mut [u64; 6] {
        if !self.endpoints.contains_key(name) && self.endpoints.len() >= MAX_ENDPOINTS {
            return self.endpoints.entry(OTHER.to_string()).or_default();
        }
        self.endpoints.entry(name.to_string()).or_default()
    }

    fn fold(&mut self, slo: &crate::metrics::slo::SloConfig, batch: &[Request<'_>]) {
        for r in batch {
            self.last_us = self.last_us.max(Some(r.time_us));
            match slo.verdict(r) {
                Verdict::Excluded => continue,
                Verdict::Good => {
                    self.valid += 1;
                    self.good += 1;
                }
                Verdict::Bad => self.valid += 1,
                Verdict::NoStatus => {}
            }
            let c = class(r.status);
            self.by_class[c] += 1;
            if let Some(ms) = r.latency_ms.filter(|ms| *ms >= 0.0) {
                let s = ms / 1000.0;
                let i = DURATION_BUCKETS
                    .iter()
                    .position(|b| s <= *b)
                    .unwrap_or(DURATION_BUCKETS.len());
                self.duration[i] += 1;
                self.duration_sum_s += s;
            }
            let name = r.endpoint.as_deref().unwrap_or("unknown");
            self.endpoint(name)[c] += 1;
        }
    }

    fn merge(&mut self, from: Totals) {
        for (a, b) in self.by_class.iter_mut().zip(from.by_class) {
            *a += b;
        }
        self.valid += from.valid;
        self.good += from.good;
        for (a, b) in self.duration.iter_mut().zip(from.duration) {
            *a += b;
        }
        self.duration_sum_s += from.duration_sum_s;
        for (name, counts) in from.endpoints {
            let into = self.endpoint(&name);
            for (a, b) in into.iter_mut().zip(counts) {
                *a += b;
            }
        }
        self.last_us = self.last_us.max(from.last_us);
    }

    /// Requests (all classes).
    pub fn requests(&self) -> u64 {
        self.by_class.iter().sum()
    }

    /// Requests with a latency.
    pub fn duration_count(&self) -> u64 {
        self.duration.iter().sum()
    }
}

/// The live view and the counters, folded from the same batches.
pub struct Served {
    pub live: Live,
}

impl Analysis for Served {
    type Partial = (LivePartial, Totals);
    type Report = Snapshot;

    fn name(&self) -> &'static str {
        "serve"
    }

    fn required(&self) -> RoleSet {
        self.live.required()
    }

    fn optional(&self) -> RoleSet {
        self.live.optional()
    }

    fn partial(&self) -> Self::Partial {
        (self.live.partial(), Totals::default())
    }

    fn fold(&self, p: &mut Self::Partial, batch: &[Request<'_>]) {
        self.live.fold(&mut p.0, batch);
        p.1.fold(&self.live.config.slo, batch);
    }

    fn merge(&self, into: &mut Self::Partial, from: Self::Partial) {
        self.live.merge(&mut into.0, from.0);
        into.1.merge(from.1);
    }

    fn finish(&self, p: Self::Partial, end: &Finish) -> Snapshot {
        self.live.finish(p.0, end)
    }
}

/// One hop's part of a poll: its name and what `/metrics` and "where failures happened" show
/// of it.
#[derive(Debug, Clone)]
pub struct HopView {
    pub name: String,
    pub totals: Totals,
    /// The past hour's requests, 5XX, and 5XX answered by the hop itself and by its backends.
    pub requests_hour: u64,
    pub errors_hour: u64,
    pub generated_hour: (u64, u64),
    pub lines: u64,
    pub malformed: u64,
}

/// One poll's result: what the page, `/api/snapshot` and `/metrics` show until the next.
/// `snapshot` and `totals` are the hop the SLO is measured at (the first: with `[[hops]]`,
/// the outermost); `hops` lists every hop followed, that one first.
#[derive(Debug, Clone)]
pub struct Polled {
    pub snapshot: Snapshot,
    pub totals: Totals,
    pub hops: Vec<HopView>,
}

/// One hop followed: its live view and counters, its sources and its reading settings.
pub struct FollowHop {
    /// The hop's name (`[[hops]]`); empty: the format its sources are recognised in.
    pub name: String,
    /// Set on the snapshot's `hop` key (`{name, log_format}`) when the config has `[[hops]]`,
    /// as `slo` does.
    pub measured_at: Option<crate::metrics::slo::MeasuredAt>,
    pub served: Served,
    pub sources: LiveSources,
    pub settings: LocalSettings,
}

/// What follows the sources: [`Follow::run`] polls each interval until `stop` is set.
pub struct Follow {
    /// The hops followed, the one the SLO is measured at first.
    pub hops: Vec<FollowHop>,
    pub routes: Routes,
    pub exclude: ClientFilter,
    /// The clock (microseconds), moving on with the real time.
    pub now_us: Box<dyn Fn() -> i64 + Send>,
    pub interval: Duration,
    pub stop: Arc<AtomicBool>,
    /// With a store: where it is complete through (µs). The first hop's sources are read from
    /// there on, the store's counts before it are the backfill: nothing is counted twice.
    pub read_from_us: Option<i64>,
    /// With a store: what was read from it (the first hop's snapshots' `input.store`).
    pub store: Option<crate::engine::stats::StoreInput>,
}

#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    #[error(transparent)]
    Live(#[from] LiveError),
    #[error(transparent)]
    Input(#[from] InputError),
}

impl Follow {
    /// Polls, snapshots and hands each poll to `publish`, until `stop` is set. The first
    /// poll's failures and, with --strict, a malformed line are errors. `backfill` is the
    /// first hop's.
    pub fn run(
        mut self,
        backfill: Option<SloCounts>,
        mut publish: impl FnMut(Polled),
    ) -> Result<(), FollowError> {
        let mut partials: Vec<_> = self.hops.iter().map(|h| h.served.partial()).collect();
        if let (Some(counts), Some(first), Some(p)) =
            (backfill, self.hops.first(), partials.first_mut())
        {
            let t = &mut p.1;
            for (sec, c) in counts.seconds() {
                t.valid += c.valid();
                t.good += c.good;
                t.last_us = t.last_us.max(Some(sec * 1_000_000));
            }
            first
                .served
                .live
                .add_slo_seconds(&mut p.0, counts.seconds());
        }
        let started = (self.now_us)();
        let mut next = Instant::now();
        loop {
            let now_us = (self.now_us)();
            let mut polled: Option<Polled> = None;
            for (i, (hop, partial)) in self.hops.iter_mut().zip(&mut partials).enumerate() {
                let live = &hop.served.live;
                let mut since = now_us - live.retention_us();
                if i == 0 {
                    since = since.max(self.read_from_us.unwrap_or(i64::MIN));
                }
                let mut settings = hop.settings.clone();
                settings.now_us = now_us;
                let job = Job {
                    window: crate::window::Window {
                        since_us: Some(since),
                        until_us: None,
                    },
                    routes: &self.routes,
                    exclude: &self.exclude,
                };
                hop.sources.poll(&hop.served, partial, &job, &settings)?;
                let mut stats = hop.sources.stats();
                if i == 0 {
                    stats.store = self.store.clone();
                }
                if settings.strict {
                    if let Some(m) = stats.malformed_samples.first() {
                        return Err(InputError::Malformed {
                            source_name: m.source.clone(),
                            line: m.line,
                            reason: m.reason.clone(),
                        }
                        .into());
                    }
                }
                live.prune(&mut partial.0, now_us);
                let covered_from = started - live.retention_us();
                let mut snapshot = live.snapshot(&partial.0, now_us, covered_from, stats);
                snapshot.slo.hop = hop.measured_at.clone();
                let name = match hop.name.is_empty() {
                    true => super::panel::hop_name("", &snapshot),
                    false => hop.name.clone(),
                };
                let view = HopView {
                    name,
                    totals: partial.1.clone(),
                    requests_hour: snapshot.requests_hour,
                    errors_hour: snapshot.errors_hour,
                    generated_hour: snapshot.generated_hour,
                    lines: snapshot.slo.input.lines,
                    malformed: snapshot.slo.input.malformed,
                };
                match &mut polled {
                    None => {
                        polled = Some(Polled {
                            snapshot,
                            totals: partial.1.clone(),
                            hops: vec![view],
                        })
                    }
                    Some(p) => p.hops.push(view),
                }
            }
            if let Some(p) = polled {
                publish(p);
            }
            next += self.interval;
            // sleeps in short steps so a stop is seen within 100 ms
            while !self.stop.load(Ordering::Relaxed) {
                let left = next.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                std::thread::sleep(left.min(Duration::from_millis(100)));
            }
            if self.stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            next = next.max(Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::live::test_util::*;
    use crate::metrics::slo::SloConfig;

    #[test]
    fn totals_count_classes_slo_durations_and_cap_endpoints() {
        let slo = SloConfig {
            target: 0.99,
            latency_threshold_ms: Some(3000.0),
        };
        let mut batch = reqs(3, 10, "GET", "/notes", 200, 4.0);
        batch.extend(reqs(2, 20, "GET", "/notes", 503, 3.0));
        // good by status, bad by the 3 s threshold; 2.9 s falls in the 3 s bucket
        batch.push(req(30, "GET", "/slow", 200, 3500.0));
        batch.push(req(31, "GET", "/slow", 200, 2900.0));
        let mut t = Totals::default();
        t.fold(&slo, &batch);
        assert_eq!(t.by_class, [0, 0, 5, 0, 0, 2]);
        assert_eq!((t.valid, t.good), (7, 4));
        assert_eq!(t.duration[0], 5, "five requests at 3-4 ms are under 5 ms");
        assert_eq!(t.duration[9], 1, "2.9 s is in the 3 s bucket");
        assert_eq!(t.duration[10], 1, "3.5 s is in the 5 s bucket");
        assert_eq!(t.duration_count(), 7);
        assert_eq!(t.endpoints["/notes"], [0, 0, 3, 0, 0, 2]);
        assert_eq!(t.last_us, Some(NOW - 10 * 1_000_000));

        // past the cap, new endpoints count as `other`, in folds and in merges alike
        let mut many = Totals::default();
        for i in 0..MAX_ENDPOINTS + 5 {
            let name = format!("/e{i}");
            many.endpoint(&name)[2] += 1;
        }
        assert_eq!(many.endpoints.len(), MAX_ENDPOINTS + 1);
        assert_eq!(many.endpoints[OTHER][2], 5);
        let mut merged = Totals::default();
        merged.merge(many.clone());
        merged.merge(t);
        assert_eq!(merged.endpoints.len(), MAX_ENDPOINTS + 1);
        // /notes (3 good, 2 bad) and /slow (2) arrive past the cap
        assert_eq!(merged.endpoints[OTHER], [0, 0, 5 + 3 + 2, 0, 0, 2]);
        assert_eq!(merged.requests(), 7);
    }
}
