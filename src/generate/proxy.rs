//! The nginx proxies behind the ALB (`hosp-logs generate --hops`): the ALB's two legacy
//! targets (10.0.1.10:3000, 10.0.1.11:3000) are nginx reverse proxies in front of HOSP's five
//! application servers, retrying failed requests (`proxy_next_upstream error timeout http_502
//! http_503 http_504; proxy_next_upstream_tries 5;`). Each logs, in [`LOG_FORMAT`], every
//! request the ALB forwarded to it, with the ALB's trace id and CloudFront's request id as the
//! headers carried them, so the three logs join.
//!
//! What nginx logged is decided from the ALB record alone ([`proxy_line`], its own random
//! stream), so the edge's ground truth knows the proxy's answer when it decides a request, and
//! the ALB and CloudFront lines are the same bytes as without `--hops`:
//! - the target answered 502/503/504: every one of 5 attempts failed (exhausted);
//! - the target answered 500: one attempt (nginx does not retry a 500);
//! - the target answered < 500: usually one attempt; 3 % of the time (20 % in the day's slow
//!   hours) one to three attempts failed first, fast (a refused connection, a 502): recovered;
//! - the ALB closed the connection (460, the client left): nginx logs 499, its attempt
//!   unanswered; the ALB timed out (504 after 60 s): nginx gave up at 59.9 s with a 504;
//! - the target closed the connection (an ALB 502 with no target status): nginx logged nothing.
//!
//! A request's nginx line is written when its time (the end of nginx's work, to the second)
//! falls in the window.

use std::fmt::Write as _;

use super::record::{fmt_secs, Record, TargetGroup};
use super::rng::Rng;
use super::scenario::{in_daily, LEGACY_TARGETS, SLOW, US};

/// Where the nginx logs go under `--out`: `nginx/<proxy address>/access.log-<YYYYMMDDHH>.gz`.
pub const NGINX_DIR: &str = "nginx";

/// The proxies' `log_format` (nginx's `combined`, then the request time, the upstream lists and
/// the two id headers).
pub const LOG_FORMAT: &str = r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for" rt=$request_time ua="$upstream_addr" us="$upstream_status" urt="$upstream_response_time" cfid="$http_x_amz_cf_id" trace="$http_x_amzn_trace_id""#;

/// HOSP's application servers behind each proxy.
pub(crate) const UPSTREAMS: [&str; 5] = [
    "10.0.3.11:8080",
    "10.0.3.12:8080",
    "10.0.3.13:8080",
    "10.0.3.14:8080",
    "10.0.3.15:8080",
];
/// `proxy_next_upstream_tries`.
pub(crate) const TRIES: usize = 5;
/// The ALB nodes' private addresses, as nginx sees them (`$remote_addr`).
const NODE_PRIVATE: [&str; 2] = ["10.0.0.77", "10.0.0.140"];
/// Response headers HOSP writes (sent bytes minus these is the body).
const ORIGIN_HEADERS: u64 = 230;
/// Chances that an answered request needed retries first: normally, and in the slow hours.
const P_RECOVERED: f64 = 0.03;
const P_RECOVERED_SLOW: f64 = 0.20;

// this module's stream tag (the scenario's are 1 to 6, the edge's 7 to 9)
const TAG_PROXY: u64 = 10;

/// One upstream attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Attempt {
    pub upstream: usize,
    /// None: no answer (`-`).
    pub status: Option<u16>,
    pub ms: u32,
}

impl Attempt {
    pub(crate) fn failed(&self) -> bool {
        self.status.is_none_or(|s| s >= 500)
    }
}

/// One nginx line, with what truth.json needs.
#[derive(Debug, Clone)]
pub(crate) struct ProxyLine {
    /// When nginx finished (µs; written to the second).
    pub time_us: i64,
    /// Which proxy (index into the ALB's legacy targets).
    pub proxy: usize,
    pub node: usize,
    pub method: &'static str,
    pub path: String,
    pub status: u16,
    pub body_bytes: u64,
    pub user_agent: String,
    pub forwarded_for: String,
    pub request_ms: u32,
    pub attempts: Vec<Attempt>,
    pub cf_id: Option<String>,
    pub trace_id: Option<String>,
    // ---- ground truth only ----
    pub excluded: bool,
}

impl ProxyLine {
    pub(crate) fn failed_attempt(&self) -> bool {
        self.attempts.iter().any(Attempt::failed)
    }

    /// Appends the line (without newline) in [`LOG_FORMAT`].
    pub(crate) fn write_line(&self, out: &mut String) {
        let dt = chrono::DateTime::from_timestamp_micros(self.time_us).expect("time in range");
        let list = |f: &dyn Fn(&Attempt) -> String| {
            if self.attempts.is_empty() {
                "-".to_string()
            } else {
                self.attempts.iter().map(f).collect::<Vec<_>>().join(", ")
            }
        };
        let _ = write!(
            out,
            "{} - - [{}] \"{} {} HTTP/1.1\" {} {} \"-\" \"{}\" \"{}\" rt={} ua=\"{}\" us=\"{}\" urt=\"{}\" cfid=\"{}\" trace=\"{}\"",
            NODE_PRIVATE[self.node],
            dt.format("%d/%b/%Y:%H:%M:%S +0000"),
            self.method,
            self.path,
            self.status,
            self.body_bytes,
            self.user_agent,
            self.forwarded_for,
            fmt_secs(self.request_ms),
            list(&|a| UPSTREAMS[a.upstream].to_string()),
            list(&|a| a.status.map_or("-".into(), |s| s.to_string())),
            list(&|a| fmt_secs(a.ms)),
            self.cf_id.as_deref().unwrap_or("-"),
            self.trace_id.as_deref().unwrap_or("-"),
        );
    }
}

/// Splits `total` ms over `n` attempts: each failed one takes a share, the last the rest.
fn spread(rng: &mut Rng, total: u32, n: usize) -> Vec<u32> {
    let mut left = total;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let take = if i + 1 == n {
            left
        } else {
            let share = left / (n - i) as u32;
            rng.range(u64::from(share / 2), u64::from(share)) as u32
        };
        out.push(take);
        left -= take;
    }
    out
}

/// What the proxy logged for a request the ALB logged, or None when the request never reached
/// a proxy (Lambda, no target) or the proxy logged nothing.
pub(crate) fn proxy_line(seed: u64, r: &Record) -> Option<ProxyLine> {
    let target = r.target?;
    if r.target_group != Some(TargetGroup::Legacy) {
        return None;
    }
    let proxy = LEGACY_TARGETS.iter().position(|t| *t == target)?;
    let mut rng = Rng::from_parts(&[seed, TAG_PROXY, r.time_us as u64, r.rct_us as u64]);
    let first = rng.below(UPSTREAMS.len() as u64) as usize;
    let upstream = |i: usize| (first + i) % UPSTREAMS.len();
    let (start_us, request_ms, status, body, attempts) = match (r.target_status, r.times_ms) {
        (Some(s), Some([rpt, tpt, _])) => {
            let start = r.rct_us + i64::from(rpt) * 1000;
            let attempts: Vec<Attempt> = match s {
                502..=504 => {
                    let ms = spread(&mut rng, tpt, TRIES);
                    (0..TRIES)
                        .map(|i| Attempt {
                            upstream: upstream(i),
                            status: Some(if i + 1 == TRIES {
                                s
                            } else {
                                [502, 503, 504][rng.below(3) as usize]
                            }),
                            ms: ms[i],
                        })
                        .collect()
                }
                500 => vec![Attempt {
                    upstream: upstream(0),
                    status: Some(500),
                    ms: tpt,
                }],
                _ => {
                    let p = if in_daily(r.time_us, SLOW) {
                        P_RECOVERED_SLOW
                    } else {
                        P_RECOVERED
                    };
                    let failed = if rng.chance(p) {
                        rng.weighted(&[0.7, 0.2, 0.1]) + 1
                    } else {
                        0
                    };
                    let mut left = tpt;
                    let mut v = Vec::with_capacity(failed + 1);
                    for i in 0..failed {
                        // a refused connection, or a 502 from a server restarting
                        let (st, ms) = if rng.chance(0.5) {
                            (None, rng.range(0, 3) as u32)
                        } else {
                            (Some(502), rng.range(1, 30) as u32)
                        };
                        let ms = ms.min(left);
                        left -= ms;
                        v.push(Attempt {
                            upstream: upstream(i),
                            status: st,
                            ms,
                        });
                    }
                    v.push(Attempt {
                        upstream: upstream(failed),
                        status: Some(s),
                        ms: left,
                    });
                    v
                }
            };
            let body = r.sent_bytes.saturating_sub(ORIGIN_HEADERS);
            (start, tpt, s, body, attempts)
        }
        (None, _) if r.elb_status == 460 => {
            // the client left; the ALB closed its connection to nginx, which logs 499
            let ms = ((r.time_us - r.rct_us) / 1000).max(1) as u32;
            let a = Attempt {
                upstream: upstream(0),
                status: None,
                ms: ms - 1,
            };
            (r.rct_us, ms, 499, 0, vec![a])
        }
        (None, _) if r.elb_status == 504 => {
            // proxy_read_timeout (59.9 s) fired just before the ALB's idle timeout
            let a = Attempt {
                upstream: upstream(0),
                status: Some(504),
                ms: 59_900,
            };
            (r.rct_us, 59_901, 504, 160, vec![a])
        }
        _ => return None,
    };
    let viewer = r.viewer_ip.as_deref();
    let forwarded_for = match viewer {
        Some(v) => format!("{v}, {}", r.client_ip),
        None => r.client_ip.clone(),
    };
    Some(ProxyLine {
        time_us: start_us + i64::from(request_ms) * 1000,
        proxy,
        node: usize::from(r.node),
        method: r.method,
        path: r.path.clone(),
        status,
        body_bytes: body,
        user_agent: r.user_agent.clone(),
        forwarded_for,
        request_ms,
        attempts,
        cf_id: r.edge_id.clone(),
        trace_id: r.trace_id.clone(),
        excluded: r.source == super::record::Source::LoadTest,
    })
}

/// `nginx/<proxy address>/access.log-<YYYYMMDDHH>.gz` for the hour starting at `hour_us`
/// (logrotate's hourly `dateext` names, compressed).
pub(crate) fn file_path(proxy: usize, hour_us: i64) -> std::path::PathBuf {
    let dt = chrono::DateTime::from_timestamp_micros(hour_us).expect("time in range");
    let addr = LEGACY_TARGETS[proxy].split(':').next().unwrap_or("proxy");
    std::path::PathBuf::from(NGINX_DIR)
        .join(addr)
        .join(format!("access.log-{}.gz", dt.format("%Y%m%d%H")))
}

/// How long after an ALB line's time its nginx line can be (never: nginx finishes first) and
/// before (the longest request: the ALB's 60 s timeout), for flushing hours.
pub(crate) const MAX_LEAD: i64 = 61 * US;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_adds_up() {
        let mut rng = Rng::new(1);
        for total in [0, 1, 7, 1000, 30_500] {
            for n in 1..=5 {
                let v = spread(&mut rng, total, n);
                assert_eq!(v.len(), n);
                assert_eq!(v.iter().sum::<u32>(), total);
            }
        }
    }
}
