//! `cargo +nightly fuzz run apigw_line`: reading API Gateway access-log lines.
//!
//! Input: an odd first byte means a configured format: the text up to the first `\n` is
//! compiled (a format that does not compile ends the run); an even one, none: each line is
//! read as JSON keyed by the `$context` names and in each of AWS's presets. Then lines, one
//! per `\n`. Beyond "no panic", a parsed line:
//! - holds each field as a sub-slice of the line, never `-` or empty;
//! - has a status of three digits; its cause is a 5XX cause for a 5XX, a 4XX cause for a
//!   4XX, none otherwise;
//! - has a route whose parameters, once unified, are all `{id}`;
//! - read as JSON by name and with a time of its own, written back as a flat JSON object of
//!   its fields (by their names) parses to the same record.
#![no_main]

use hosp_logs_fuzz::format::apigw::route::unify_params;
use hosp_logs_fuzz::format::apigw::template::Body;
use hosp_logs_fuzz::format::apigw::{cause, parse_line, ApigwRecord, Cause, Field, Signals, Template};
use hosp_logs_fuzz::within;
use libfuzzer_sys::fuzz_target;

fn check(t: &Template, line: &str, r: &ApigwRecord<'_>) {
    for f in Field::ALL {
        if let Some(v) = r.get(f) {
            assert!(within(line, v), "{f:?}: {v:?} is not a sub-slice");
            assert!(!v.is_empty() && v != "-", "{f:?}: {v:?}");
        }
    }
    assert!((100..=999).contains(&r.status), "{}", r.status);
    let signals = Signals {
        status: r.status,
        integration_status: r.integration_status,
        function_status: r.function_status,
        waf_response_code: r.get(Field::WafResponseCode),
        authorizer_error: r.get(Field::AuthorizerError),
        error_response_type: r.get(Field::ErrorResponseType),
    };
    match (r.status / 100, cause(&signals)) {
        (5, Some(Cause::Function | Cause::Integration | Cause::Gateway)) => {}
        (4, Some(Cause::Waf | Cause::Authorizer | Cause::Throttling | Cause::Client)) => {}
        (4 | 5, c) => panic!("{} attributed to {c:?}", r.status),
        (_, c) => assert_eq!(c, None),
    }
    if let Some(Some(t)) = r.route_parts().1.map(unify_params) {
        for seg in t.split('/') {
            if seg.starts_with('{') && seg.ends_with('}') && seg.len() > 1 {
                assert_eq!(seg, "{id}", "{t}");
            }
        }
    }
    let own_time = r.get(Field::RequestTimeEpoch).is_some() || r.get(Field::RequestTime).is_some();
    if matches!(t.body, Body::JsonByName) && r.json && own_time {
        let mut again = String::from("{");
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
        match parse_line(&again, t) {
            Ok(r2) => assert_eq!(*r, r2, "re-serialised as {again:?}"),
            Err(e) => panic!("re-serialised as {again:?}: {e}"),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let (templates, lines) = if first % 2 == 1 {
        let (format, lines) = text.split_once('\n').unwrap_or((&text, ""));
        match Template::compile(format) {
            Ok(t) => (vec![t], lines),
            Err(e) => {
                let _ = e.to_string();
                return;
            }
        }
    } else {
        let mut all = vec![Template::json_by_name()];
        all.extend(Template::presets().iter().cloned());
        (all, &*text)
    };
    for line in lines.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        for t in &templates {
            match parse_line(line, t) {
                Ok(r) => check(t, line, &r),
                Err(e) => {
                    let _ = e.to_string();
                }
            }
        }
    }
});
