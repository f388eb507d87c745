//! `cargo +nightly fuzz run cloudfront_json`: CloudFront standard logging v2 JSON lines.
//!
//! Each line of the input (split at `\n`) is parsed as one JSON object. Beyond "no panic":
//! - every field of a parsed record is a sub-slice of its line, never `-` or empty;
//! - re-serialising the record as a JSON object (each present field as a string, by its
//!   name) and parsing that again gives the same record (its field count aside: unknown
//!   keys and nulls are not written back);
//! - the decoded fields (JSON escapes, then percent-decoding), the URL and the airport code
//!   are computed without panicking.
#![no_main]

use hosp_logs_fuzz::check_cloudfront_record;
use hosp_logs_fuzz::format::cloudfront::{parse_json, CfRecord, Field};
use libfuzzer_sys::fuzz_target;

fn check(line: &str, r: &CfRecord<'_>) {
    let mut again = String::from("{");
    check_cloudfront_record(line, r);
    for f in Field::ALL {
        if let Some(v) = r.get(f) {
            if again.len() > 1 {
                again.push(',');
            }
            again.push('"');
            again.push_str(f.name());
            again.push_str("\":\"");
            again.push_str(v);
            again.push('"');
        }
    }
    again.push('}');
    match parse_json(&again) {
        Ok(mut r2) => {
            r2.field_count = r.field_count;
            assert_eq!(*r, r2, "re-serialised as {again:?}");
        }
        Err(e) => panic!("re-serialised as {again:?}: {e}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for line in text.split('\n') {
        match parse_json(line) {
            Ok(r) => check(line, &r),
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
});
