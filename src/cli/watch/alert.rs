//! `--on-alert CMD`: the events a live view raises, and running CMD for each.
//!
//! An event is raised when a burn-rate alert starts firing (`firing`), stops (`resolved`), or
//! when a security finding at or above `--alert-severity` first appears (`finding`, once per
//! rule and client while it keeps being found). CMD runs through `sh -c` with the event as
//! one JSON document on its stdin, one event at a time, on a thread of its own so a slow
//! command never holds the view. A CMD that fails (exit status, cannot start, 30 s timeout)
//! is reported and the event kept: it is tried again at the next event or interval, before
//! anything newer, so nothing is lost or reordered; at most [`MAX_PENDING`] wait.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use serde::Serialize;

use crate::metrics::live::{alert_name, Snapshot};
use crate::metrics::security::{Finding, Rule, Severity};
use crate::metrics::slo::BurnRateAlert;

/// Events kept for a command that keeps failing; the oldest are dropped beyond it.
pub const MAX_PENDING: usize = 100;
/// How long CMD may run before it is killed (and counted as failed).
pub const CMD_TIMEOUT: Duration = Duration::from_secs(30);
/// A finding not seen for this long may be raised again when it comes back.
const FORGET_FINDING_US: i64 = 24 * 3_600_000_000;

/// What CMD receives on stdin.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// `firing`, `resolved` or `finding`.
    pub event: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert: Option<NamedAlert>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding: Option<Finding>,
    /// The snapshot's time, RFC 3339.
    pub at: String,
    /// Over the panel's window (`--since`), a fraction; null with no valid request.
    pub success_rate: Option<f64>,
    /// The error budget left over that window, a fraction of the allowed (negative when
    /// overspent; null when nothing is allowed).
    pub budget_remaining: Option<f64>,
}

/// A burn-rate alert with its name (`page 1h/5m`).
#[derive(Debug, Clone, Serialize)]
pub struct NamedAlert {
    pub name: String,
    #[serde(flatten)]
    pub alert: BurnRateAlert,
}

/// What has been raised so far: the alerts firing, the findings seen (and when last).
#[derive(Debug, Default)]
pub struct Raised {
    firing: BTreeSet<String>,
    findings: HashMap<(Rule, String), i64>,
}

impl Raised {
    /// The events of a new snapshot against what was raised before.
    pub fn events(&mut self, snap: &Snapshot, min_severity: Severity) -> Vec<Event> {
        let base = |event: &'static str| Event {
            event,
            alert: None,
            finding: None,
            at: snap.at.clone(),
            success_rate: snap.slo.success_rate,
            budget_remaining: snap.slo.error_budget.remaining_fraction,
        };
        let mut out = Vec::new();
        let mut now_firing = BTreeSet::new();
        for a in &snap.slo.burn_rate_alerts {
            let name = alert_name(a);
            let was = self.firing.contains(&name);
            if a.firing {
                now_firing.insert(name.clone());
            }
            if a.firing != was {
                out.push(Event {
                    alert: Some(NamedAlert {
                        name,
                        alert: a.clone(),
                    }),
                    ..base(if a.firing { "firing" } else { "resolved" })
                });
            }
        }
        self.firing = now_firing;
        for f in snap.findings.iter().filter(|f| f.severity >= min_severity) {
            let key = (f.rule, f.client_ip.clone());
            if self.findings.insert(key, snap.at_us).is_none() {
                out.push(Event {
                    finding: Some(f.clone()),
                    ..base("finding")
                });
            }
        }
        // memory stays flat: findings long gone are forgotten
        self.findings
            .retain(|_, seen| snap.at_us - *seen < FORGET_FINDING_US);
        out
    }
}

/// What the pager thread is told.
pub enum Page {
    Event(Box<Event>),
    /// An interval passed: events that failed are tried again.
    Tick,
}

/// Runs CMD for events on its own thread; failures come back as messages on `report`.
pub fn pager(
    cmd: String,
    rx: Receiver<Page>,
    report: Sender<String>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut pending: VecDeque<Event> = VecDeque::new();
        let mut dropped = 0u64;
        for msg in rx {
            if let Page::Event(e) = msg {
                if pending.len() == MAX_PENDING {
                    pending.pop_front();
                    dropped += 1;
                    let _ = report.send(format!(
                        "--on-alert: {dropped} event(s) dropped: the command kept failing"
                    ));
                }
                pending.push_back(*e);
            }
            while let Some(e) = pending.front() {
                match run(&cmd, e) {
                    Ok(()) => {
                        pending.pop_front();
                    }
                    Err(why) => {
                        let _ = report.send(format!(
                            "--on-alert failed for the {} event at {}: {why}; tried again at the next event or interval",
                            e.event, e.at
                        ));
                        break;
                    }
                }
            }
        }
    })
}

/// Runs CMD once with the event on stdin.
fn run(cmd: &str, e: &Event) -> Result<(), String> {
    let json = serde_json::to_vec(e).map_err(|e| e.to_string())?;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start sh: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // a command that does not read its stdin is not a failure
        let _ = stdin.write_all(&json).and_then(|_| stdin.write_all(b"\n"));
    }
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("the command exited with {status}")),
            Ok(None) if start.elapsed() > CMD_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "the command ran past {}s and was stopped",
                    CMD_TIMEOUT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::live::test_util::{live, req, reqs, snapshot_of};

    #[test]
    fn alerts_are_raised_when_they_start_and_stop_never_while_they_last() {
        let live = live();
        let burst = [
            reqs(20, 10, "GET", "/notes", 200, 5.0),
            reqs(5, 40, "POST", "/notes", 503, 5.0),
            vec![req(50, "GET", "/search?q=1' OR 1=1--", 200, 5.0)],
        ]
        .concat();
        let (_, firing) = snapshot_of(&live, &burst);
        let mut raised = Raised::default();
        let events = raised.events(&firing, Severity::High);
        let kinds: Vec<(&str, String)> = events
            .iter()
            .map(|e| {
                let what = match (&e.alert, &e.finding) {
                    (Some(a), _) => a.name.clone(),
                    (_, Some(f)) => f.rule.as_str().to_string(),
                    _ => String::new(),
                };
                (e.event, what)
            })
            .collect();
        // 5 bad of 26: 19.2× burns every pair; the injection is a high finding
        assert_eq!(
            kinds,
            [
                ("firing", "page 1h/5m".to_string()),
                ("firing", "page 6h/30m".into()),
                ("firing", "ticket 24h/2h".into()),
                ("firing", "ticket 3d/6h".into()),
                ("finding", "attack-signature".into()),
            ]
        );
        let json = serde_json::to_value(&events[0]).unwrap();
        assert_eq!(json["event"], "firing");
        assert_eq!(json["alert"]["name"], "page 1h/5m");
        assert_eq!(json["alert"]["threshold"], 14.4);
        assert_eq!(json["success_rate"], 21.0 / 26.0);
        // (1 − target) as the SLO computes it
        let allowed = (1.0 - 0.99) * 26.0;
        assert_eq!(json["budget_remaining"], (allowed - 5.0) / allowed);
        assert!(json.get("finding").is_none());
        // the same state again: nothing new
        assert!(raised.events(&firing, Severity::High).is_empty());
        // all good: each alert resolves once
        let calm = reqs(50, 0, "GET", "/notes", 200, 5.0);
        let (_, calm) = snapshot_of(&live, &calm);
        let resolved = raised.events(&calm, Severity::High);
        assert_eq!(resolved.len(), 4);
        assert!(resolved.iter().all(|e| e.event == "resolved"));
        assert!(raised.events(&calm, Severity::High).is_empty());
        // above the finding's severity, no finding event
        let mut strict = Raised::default();
        let events = strict.events(&firing, Severity::Critical);
        assert!(events.iter().all(|e| e.finding.is_none()));
    }

    #[test]
    fn a_failing_command_is_reported_and_its_event_delivered_later() {
        let dir = tempfile::tempdir().unwrap();
        let flag = dir.path().join("up");
        let got = dir.path().join("got");
        // fails until the flag file exists, then appends its stdin
        let cmd = format!(
            "test -e {f} && cat >> {g}",
            f = flag.display(),
            g = got.display()
        );
        let (tx, rx) = crossbeam_channel::unbounded();
        let (ntx, nrx) = crossbeam_channel::unbounded();
        let handle = pager(cmd, rx, ntx);
        let event = |at: &str| Event {
            event: "firing",
            alert: None,
            finding: None,
            at: at.into(),
            success_rate: Some(0.5),
            budget_remaining: None,
        };
        tx.send(Page::Event(Box::new(event("t1")))).unwrap();
        let notice = nrx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert!(
            notice.contains("--on-alert failed") && notice.contains("t1"),
            "{notice}"
        );
        assert!(!got.exists());
        std::fs::write(&flag, "").unwrap();
        // the next event delivers the pending one first, then itself
        tx.send(Page::Event(Box::new(event("t2")))).unwrap();
        tx.send(Page::Tick).unwrap();
        drop(tx);
        handle.join().unwrap();
        let lines: Vec<serde_json::Value> = std::fs::read_to_string(&got)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let ats: Vec<&str> = lines.iter().map(|l| l["at"].as_str().unwrap()).collect();
        assert_eq!(ats, ["t1", "t2"]);
        assert!(
            nrx.try_recv().is_err(),
            "no failure after the command came back"
        );
    }
}
