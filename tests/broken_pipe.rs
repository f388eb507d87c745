//! A closed stdout (`hosp-logs … | head -1`) is a normal end: no panic, nothing on stderr,
//! status 0 (as ripgrep ends there).

mod common;

use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Command, Stdio};

/// The binary with a clean environment (`common::hosp_logs_std`), as a std
/// command: its stdout is given here (assert_cmd's `output` would pipe it).
fn command() -> Command {
    common::hosp_logs_std()
}

/// The write end of a pipe whose read end is already closed: every write fails with EPIPE.
fn closed_pipe() -> Stdio {
    let mut fds = [0; 2];
    // SAFETY: two fds written by pipe(2)
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both fds are ours; the read end is closed once, the write end owned once
    unsafe {
        libc::close(fds[0]);
        Stdio::from(OwnedFd::from_raw_fd(fds[1]))
    }
}

#[test]
fn every_command_ends_quietly_with_0_into_a_closed_pipe() {
    let day = common::fixture_day();
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["completions", "bash"],
        vec!["completions", "zsh"],
        vec!["man"],
        vec!["slo", "--source", &day],
        vec!["slo", "--source", &day, "--format", "json"],
        vec!["errors", "--source", &day],
        vec![
            "query",
            "--source",
            &day,
            "SELECT elb_status_code, count(*) AS n FROM logs GROUP BY 1",
        ],
        vec!["export", "--source", &day, "--to", "csv", "--out", "-"],
        vec!["export", "--source", &day, "--to", "ndjson", "--out", "-"],
        vec!["schema"],
    ];
    for args in cases {
        let out = command()
            .args(&args)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(closed_pipe())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
    }
}

#[test]
fn a_closed_pipe_is_not_taken_for_a_failure_that_is_not_stdouts() {
    // the same commands into an open pipe give their data; a missing input is still exit 2
    let out = common::hosp_logs()
        .args(["slo", "--source", "/nonexistent/hosp-logs"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = common::hosp_logs()
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert!(common::stdout_ok(&out).contains("hosp-logs"));
}
