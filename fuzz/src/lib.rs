//! Fuzzing support crate for hosp-logs.
//!
//! The parsers are included by path instead of depending on the `hosp-logs` crate: they need
//! nothing beyond `std`, `memchr`, `chrono` and `thiserror`, so the fuzz build does not
//! compile polars (and the rest of the CLI) at all. The main crate's files stay the only
//! copy: `src/format/` here mirrors the main crate's module tree (`crate::format::{error,
//! text, attempts, alb::parse, cloudfront::{fields, parse}, nginx::{log_format, parse,
//! vars}}`), so the files' `crate::` and `super::` paths resolve as they do there.

pub mod format;

/// Whether `part` lies inside `whole` (a sub-slice borrowed from it, not a copy).
pub fn within(whole: &str, part: &str) -> bool {
    let (w, p) = (whole.as_ptr() as usize, part.as_ptr() as usize);
    p >= w && p + part.len() <= w + whole.len()
}

/// What every parsed CloudFront record must satisfy, whichever layout it came from (the
/// tab-separated and the JSON targets both check it): each field a sub-slice of its line,
/// never `-` or empty; the decoded fields, numbers, airport, URL and endpoint computed
/// without panicking; no negative time.
pub fn check_cloudfront_record(line: &str, r: &format::cloudfront::CfRecord<'_>) {
    use format::cloudfront::Field;
    use format::text::{split_url, Routes};
    for f in Field::ALL {
        if let Some(v) = r.get(f) {
            assert!(within(line, v), "{}: {v:?} is not a sub-slice", f.name());
            assert!(v != "-" && !v.is_empty(), "{}: {v:?} kept", f.name());
        }
        let _ = r.decoded(f);
        let _ = r.number(f);
    }
    let _ = r.airport();
    if let Some(url) = r.url() {
        let path = split_url(&url).path.unwrap_or("/");
        let _ = Routes::default().endpoint(path);
    }
    for t in [r.time_taken, r.time_to_first_byte].into_iter().flatten() {
        assert!(t.seconds >= 0.0, "negative seconds {t:?}");
    }
}
