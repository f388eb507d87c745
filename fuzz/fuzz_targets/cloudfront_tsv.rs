//! `cargo +nightly fuzz run cloudfront_tsv`: CloudFront standard (legacy) log lines,
//! tab-separated and mapped by a `#Fields:` header.
//!
//! The input is read as a file: lines split at `\n` (a `\r` before it dropped); a line
//! starting `#Fields:` sets the mapping from there on (before one, the standard 33-field
//! order, as for a file without a header); every other line is parsed. Beyond "no panic":
//! - every field of a parsed record is a sub-slice of its line, never `-` or empty;
//! - re-serialising the record (its fields at their header positions, `-` where absent)
//!   and parsing that line again gives the same record;
//! - the decoded fields, the URL and the airport code are computed without panicking.
#![no_main]

use hosp_logs_fuzz::check_cloudfront_record;
use hosp_logs_fuzz::format::cloudfront::{parse_tsv, CfRecord, Field, Fields};
use libfuzzer_sys::fuzz_target;

fn check(line: &str, fields: &Fields, r: &CfRecord<'_>) {
    check_cloudfront_record(line, r);
    for f in Field::ALL {
        if let Some(v) = r.get(f) {
            assert!(!v.contains('\t'), "{}: {v:?} holds a tab", f.name());
        }
    }

    // the same record, written again from its fields
    let again: Vec<&str> = (0..r.field_count)
        .map(|i| fields.at(i).and_then(|f| r.get(f)).unwrap_or("-"))
        .collect();
    let again = again.join("\t");
    match parse_tsv(&again, fields) {
        Ok(r2) => assert_eq!(*r, r2, "re-serialised as {again:?}"),
        Err(e) => panic!("re-serialised as {again:?}: {e}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut fields = Fields::standard();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some(h) = Fields::from_header(line) {
            let _ = (h.len(), h.has_time(), h.name_at(0), h.next_whole(0));
            fields = h;
            continue;
        }
        match parse_tsv(line, &fields) {
            Ok(r) => check(line, &fields, &r),
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
});
