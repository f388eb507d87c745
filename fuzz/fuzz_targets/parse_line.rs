//! `cargo +nightly fuzz run parse_line` (from /work/main or /work/main/fuzz).
//! Any bytes, decoded lossily as the CLI's line reader would: the parser and
//! its helpers must never panic.
#![no_main]

use hosp_logs_fuzz::format::alb::parse::{decode_escapes, parse_line};
use hosp_logs_fuzz::format::text::{split_url, Routes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let line: &str = &text;
    let routes = Routes::default();
    match parse_line(line) {
        Ok(record) => {
            let _ = record.latency_ms();
            if let Some(url) = record.url {
                let parts = split_url(url);
                let _ = routes.endpoint(parts.path.unwrap_or("/"));
                let _ = decode_escapes(url);
            }
            if let Some(ua) = record.user_agent {
                let _ = decode_escapes(ua);
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    let _ = split_url(line);
    let _ = decode_escapes(line);
    let _ = routes.endpoint(line);
});
