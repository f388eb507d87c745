//! `cargo +nightly fuzz run nginx_line`: reading nginx access-log lines with a compiled
//! `log_format`.
//!
//! Input: the first byte picks the configured `[nginx] escape` (none, default, json, none),
//! then the format's text up to the first `\n`, then log lines, one per `\n` (a `\r` before
//! it dropped). The format is compiled (a format that does not compile ends the run) and
//! every line matched. Beyond "no panic", a parsed line:
//! - holds each variable's value as a sub-slice of the line;
//! - when matched as written and each variable appears once: is exactly its literals and
//!   its values concatenated in the format's order;
//! - has a status of at most three digits; its upstream lists read as attempts.
#![no_main]

use hosp_logs_fuzz::format::attempts::Attempts;
use hosp_logs_fuzz::format::nginx::log_format::{Body, Piece};
use hosp_logs_fuzz::format::nginx::vars::Var;
use hosp_logs_fuzz::format::nginx::{NginxLogFormat, NginxRecord};
use hosp_logs_fuzz::format::text::split_request;
use hosp_logs_fuzz::within;
use libfuzzer_sys::fuzz_target;

const ESCAPES: [Option<&str>; 4] = [None, Some("default"), Some("json"), Some("none")];

fn check(f: &NginxLogFormat, line: &str, r: &NginxRecord<'_>) {
    for i in 0..f.slots.len() {
        if let Some(v) = r.raw(i) {
            assert!(
                within(line, v),
                "${}: {v:?} is not a sub-slice",
                f.slots[i].name
            );
        }
    }
    if let Some(s) = r.status {
        assert!(s <= 999, "status {s}");
    }
    if let Some(t) = r.request_time {
        assert!(t >= 0.0, "request_time {t}");
    }
    let raw = |v: Var| f.slot(v).and_then(|s| r.raw(s));
    let attempts = Attempts {
        addr: raw(Var::UpstreamAddr),
        status: raw(Var::UpstreamStatus),
        time: raw(Var::UpstreamResponseTime),
    };
    for a in attempts.iter().take(1000) {
        let _ = a.failed();
    }
    if let Some(req) = f.slot(Var::Request).and_then(|s| r.value(s)) {
        let _ = split_request(req);
    }
    if let Body::Line(pieces) = &f.body {
        let vars = pieces.iter().filter(|p| matches!(p, Piece::Var(_))).count();
        if vars == f.slots.len() {
            let mut joined = String::with_capacity(line.len());
            for p in pieces {
                match p {
                    Piece::Lit(l) => joined.push_str(&l.text),
                    Piece::Var(i) => joined.push_str(r.raw(*i).unwrap_or("")),
                }
            }
            assert_eq!(joined, line, "the pieces put together");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let escape = ESCAPES[usize::from(sel) % ESCAPES.len()];
    let text = String::from_utf8_lossy(rest);
    let (format, lines) = text.split_once('\n').unwrap_or((&text, ""));
    let Ok(f) = NginxLogFormat::compile(format, escape) else {
        return;
    };
    for line in lines.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        match f.parse(line) {
            Ok(r) => check(&f, line, &r),
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
});
