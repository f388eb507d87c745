//! A small gzip never takes the memory its content asks for: a whole-file inflate stops at a
//! cap and the input is streamed instead. Peak memory is measured on the child itself.

mod common;

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;

/// 256 MiB: what no input may make a command hold, whatever its ratio.
const PEAK_LIMIT_KIB: i64 = 256 * 1024;

/// Runs the binary (its environment cleared by `common::hosp_logs_std`) and returns its
/// exit code, stderr and peak resident memory in KiB (`ru_maxrss` from `wait4`).
fn run_measured(args: &[&str]) -> (Option<i32>, String, i64) {
    let mut cmd = common::hosp_logs_std();
    // waited for below with wait4 (for its rusage), not with Child::wait
    #[allow(clippy::zombie_processes)]
    let child = cmd
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut stderr = child.stderr.unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut s).unwrap();
        s
    });
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: our own child, waited for once (std's Child is not waited on afterwards)
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid);
    let code = std::process::ExitStatus::from_raw(status).code();
    (code, reader.join().unwrap(), usage.ru_maxrss)
}

#[test]
fn a_gzip_of_2gb_of_nul_bytes_is_named_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("nul.log.gz");
    // 32 gzip members of 64 MiB of NUL bytes each (2 GiB inflated), written as they are made
    let mut member = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        member.write_all(&zeros).unwrap();
    }
    let member = member.finish().unwrap();
    let mut file = std::io::BufWriter::new(std::fs::File::create(&bomb).unwrap());
    for _ in 0..32 {
        file.write_all(&member).unwrap();
    }
    file.flush().unwrap();
    drop(file);
    let size = std::fs::metadata(&bomb).unwrap().len();
    assert!(size < 4_000_000, "{size} bytes");
    let src = bomb.display().to_string();
    let (code, err, peak_kib) = run_measured(&["slo", "--format", "json", "--source", &src]);
    // named, and refused as today: not one line of it is a log line
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(&src), "{err}");
    eprintln!("peak RSS {} MiB", peak_kib / 1024);
    assert!(
        peak_kib < PEAK_LIMIT_KIB,
        "peak RSS {} MiB for a {size}-byte gzip",
        peak_kib / 1024
    );
}
