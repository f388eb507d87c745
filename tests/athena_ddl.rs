//! The Athena table's regex (queries/alb_access_logs.sql, Java syntax inside a Hive string)
//! compiled here and applied as RegexSerDe applies it (whole line, group i → column i) must
//! read every line as the native parser does: the fixture day and the public samples.

mod common;

use chrono::DateTime;
use hosp_logs::format::alb::{parse_line, AlbRecord};
use regex::Regex;

/// The DDL's columns in order, and its `input.regex` unescaped as Hive reads the literal.
fn table() -> (Vec<String>, Regex) {
    let ddl = std::fs::read_to_string(common::root().join("queries/alb_access_logs.sql")).unwrap();
    let body = &ddl[ddl.find("CREATE EXTERNAL TABLE").unwrap()..];
    let cols = &body[body.find('(').unwrap() + 1..body.find("PARTITIONED BY").unwrap()];
    let columns: Vec<String> = cols
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| !n.starts_with(')'))
        .map(|n| n.trim_end_matches(',').to_string())
        .collect();
    let start = body.find("'input.regex' = '").unwrap() + "'input.regex' = '".len();
    let lit = &body[start..start + body[start..].find("'\n").unwrap()];
    // Hive's unescapeSQLString: a backslash escapes the next char, which stands for itself
    // (`\\` → `\`, `\"` → `"`, but also `\s` → `s`), except for a few control-char escapes
    // and `\%` `\_`, which keep their backslash.
    let mut re = String::new();
    let mut chars = lit.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            re.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => re.push('\n'),
            Some('t') => re.push('\t'),
            Some('r') => re.push('\r'),
            Some('0') => re.push('\0'),
            Some(n @ ('%' | '_')) => {
                re.push('\\');
                re.push(n);
            }
            Some(n) => re.push(n),
            None => re.push('\\'),
        }
    }
    // RegexSerDe uses Matcher.matches(): the whole line
    (columns, Regex::new(&format!("^(?:{re})$")).unwrap())
}

fn dash(v: Option<&str>) -> Option<String> {
    v.filter(|s| !s.is_empty() && *s != "-").map(str::to_string)
}

fn num<T: ToString>(v: Option<T>) -> Option<String> {
    v.map(|x| x.to_string())
}

/// Column → the native parser's value, in the regex's text form (None for `-`/empty).
fn native(r: &AlbRecord<'_>, col: &str) -> Option<String> {
    let secs = |v: Option<f64>| v.map(|x| x.to_string());
    let time = |us: i64| {
        DateTime::from_timestamp_micros(us)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%S%.6fZ")
            .to_string()
    };
    match col {
        "type" => Some(r.kind.to_string()),
        "time" => Some(time(r.time_us)),
        "elb" => Some(r.elb.to_string()),
        "client_ip" => dash(r.client_ip),
        "client_port" => num(r.client_port),
        "target_ip" => dash(r.target_ip),
        "target_port" => num(r.target_port),
        "request_processing_time" => secs(r.request_processing_time),
        "target_processing_time" => secs(r.target_processing_time),
        "response_processing_time" => secs(r.response_processing_time),
        "elb_status_code" => num(r.elb_status_code),
        "target_status_code" => num(r.target_status_code),
        "received_bytes" => num(r.received_bytes),
        "sent_bytes" => num(r.sent_bytes),
        "request_verb" => dash(r.method()),
        "request_url" => dash(r.url()),
        "request_proto" => dash(r.protocol()),
        "user_agent" => dash(r.user_agent),
        "ssl_cipher" => dash(r.ssl_cipher),
        "ssl_protocol" => dash(r.ssl_protocol),
        "target_group_arn" => dash(r.target_group_arn),
        "trace_id" => dash(r.trace_id),
        "domain_name" => dash(r.domain_name),
        "chosen_cert_arn" => dash(r.chosen_cert_arn),
        "matched_rule_priority" => num(r.matched_rule_priority),
        "request_creation_time" => r.request_creation_time_us.map(time),
        "actions_executed" => dash(r.actions_executed),
        "redirect_url" => dash(r.redirect_url),
        "lambda_error_reason" => dash(r.error_reason),
        "target_port_list" => dash(r.target_port_list),
        "target_status_code_list" => dash(r.target_status_code_list),
        "classification" => dash(r.classification),
        "classification_reason" => dash(r.classification_reason),
        "conn_trace_id" => dash(r.conn_trace_id),
        "transformed_host" => dash(r.transformed_host),
        "transformed_uri" => dash(r.transformed_uri),
        "request_transform_status" => dash(r.request_transform_status),
        other => panic!("unknown column {other}"),
    }
}

/// The regex's group as Athena would type it, in the same text form.
fn athena(col: &str, group: Option<&str>) -> Option<String> {
    let g = group?;
    match col {
        "client_port"
        | "target_port"
        | "elb_status_code"
        | "target_status_code"
        | "received_bytes"
        | "sent_bytes"
        | "matched_rule_priority" => g.parse::<i64>().ok().map(|v| v.to_string()),
        // -1 means "no value"; the parser keeps None for it
        "request_processing_time" | "target_processing_time" | "response_processing_time" => g
            .parse::<f64>()
            .ok()
            .filter(|v| *v >= 0.0)
            .map(|v| v.to_string()),
        _ => dash(Some(g)),
    }
}

/// (line number, columns that differ) for every line; None when the regex does not match.
fn compare(lines: &[String]) -> Vec<(usize, Option<Vec<String>>)> {
    let (columns, re) = table();
    assert_eq!(columns.len(), 37, "{columns:?}");
    assert_eq!(
        re.captures_len() - 1,
        columns.len() + 1,
        "one group a column, plus the catch-all"
    );
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let Some(caps) = re.captures(line) else {
                return (i + 1, None);
            };
            let r = parse_line(line).unwrap_or_else(|e| panic!("line {}: {e}", i + 1));
            let diff = columns
                .iter()
                .enumerate()
                .filter(|(g, col)| {
                    athena(col, caps.get(g + 1).map(|m| m.as_str())) != native(&r, col)
                })
                .map(|(_, col)| col.clone())
                .collect();
            (i + 1, Some(diff))
        })
        .collect()
}

#[test]
fn every_fixture_line_reads_the_same_through_the_ddl_regex() {
    let lines = common::fixture_lines();
    assert_eq!(lines.len() as u64, common::u(&common::truth()["lines"]));
    let results = compare(&lines);
    let unmatched: Vec<usize> = results
        .iter()
        .filter(|r| r.1.is_none())
        .map(|r| r.0)
        .collect();
    assert!(
        unmatched.is_empty(),
        "lines the regex misses: {unmatched:?}"
    );
    let differ: Vec<_> = results
        .iter()
        .filter(|(_, d)| d.as_ref().is_some_and(|d| !d.is_empty()))
        .take(5)
        .collect();
    assert!(differ.is_empty(), "{differ:?}");
}

fn public_samples() -> Vec<String> {
    let dir = std::env::var("HOSP_LOGS_SHARED_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| common::root().join("../shared"));
    let path = dir.join("samples/alb-public.log");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (set HOSP_LOGS_SHARED_DIR)", path.display()));
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 51);
    lines
}

/// Line numbers the regex misses, and (line number, columns that differ) for the others.
type Outcome = (Vec<usize>, Vec<(usize, Vec<String>)>);

fn outcome(lines: &[String]) -> Outcome {
    let results = compare(lines);
    let unmatched = results
        .iter()
        .filter(|r| r.1.is_none())
        .map(|r| r.0)
        .collect();
    let differ = results
        .into_iter()
        .filter_map(|(n, d)| d.filter(|d| !d.is_empty()).map(|d| (n, d)))
        .collect();
    (unmatched, differ)
}

/// The first `n` fields of an ALB line (a quoted field is one field, spaces and all).
fn first_fields(line: &str, n: usize) -> String {
    let mut fields = Vec::new();
    let mut rest = line;
    while !rest.is_empty() && fields.len() < n {
        let end = if let Some(q) = rest.strip_prefix('"') {
            q.find('"').map_or(rest.len(), |k| k + 2)
        } else {
            rest.find(' ').unwrap_or(rest.len())
        };
        fields.push(&rest[..end]);
        rest = rest[end..].trim_start_matches(' ');
    }
    fields.join(" ")
}

#[test]
fn every_public_sample_reads_the_same_through_the_ddl_regex() {
    let lines = public_samples();
    // every era is there: 20 fields (2018) up to 33 (2025), vrl's unquoted target lists (12),
    // a space before the request's closing quote (16, 20), bracketed IPv6 (47), a leading space
    // in domain_name (25-27)
    let counts: Vec<usize> = lines
        .iter()
        .map(|l| parse_line(l).unwrap().field_count)
        .collect();
    assert_eq!(counts.iter().min(), Some(&20));
    assert_eq!(counts.iter().max(), Some(&33));
    assert_eq!(outcome(&lines), (vec![], vec![]));
}

/// Each era of the format (a 2025 line cut to 20..=33 fields), plus fields ALB may add later,
/// must leave the missing columns NULL and never move a value into another column.
#[test]
fn every_field_count_reads_the_same_through_the_ddl_regex() {
    let lines = public_samples();
    // 32: the 33 fields of 2025 with transform values; 12: vrl's unquoted target lists
    let full = [&lines[31], &lines[11]];
    // a target list of two (AWS: "currently … one item"), quoted as ALB quotes it
    let two = lines[31].replace(
        "\"10.0.0.1:80\" \"200\"",
        "\"10.0.0.1:80 10.0.0.2:80\" \"200 503\"",
    );
    assert_ne!(two, lines[31]);
    // (line, its field count)
    let mut cut: Vec<(String, usize)> = Vec::new();
    for line in full.into_iter().chain([&two]) {
        for n in 20..=33 {
            cut.push((first_fields(line, n), n));
        }
        // later fields (the load balancer node's IP, then more) go to the catch-all group
        cut.push((format!("{line} 10.0.1.17"), 34));
        cut.push((format!("{line} 10.0.1.17 \"-\" \"-\""), 36));
    }
    for (line, n) in &cut {
        assert_eq!(parse_line(line).unwrap().field_count, *n, "{line}");
    }
    let cut: Vec<String> = cut.into_iter().map(|(line, _)| line).collect();
    assert_eq!(cut.len(), 48);
    assert_eq!(outcome(&cut), (vec![], vec![]));
    // the two-target list reached its columns whole
    let (columns, re) = table();
    let caps = re.captures(&cut[32 + 13]).unwrap(); // `two`, all 33 fields
    let col = |name: &str| caps.get(columns.iter().position(|c| c == name).unwrap() + 1);
    assert_eq!(
        col("target_port_list").map(|m| m.as_str()),
        Some("10.0.0.1:80 10.0.0.2:80")
    );
    assert_eq!(
        col("request_transform_status").map(|m| m.as_str()),
        Some("TransformSuccess")
    );
}

/// ALB writes one space between fields; the native parser also reads runs of spaces. A doubled
/// space must never let the regex read an empty field there and shift the next values along:
/// every column the regex fills has the native parser's value, and after chosen_cert_arn the
/// line still matches with its first 20 fields' columns whole (the rest fall to the catch-all).
#[test]
fn a_doubled_space_never_shifts_a_column() {
    let lines = public_samples();
    let (columns, re) = table();
    let head = columns.iter().position(|c| c == "chosen_cert_arn").unwrap() + 1;
    // both target-list forms: quoted (32) and vrl's unquoted one (12)
    for line in [&lines[31], &lines[11]] {
        let r = parse_line(line).unwrap();
        let mut in_quotes = false;
        let mut field = 0;
        for (i, c) in line.char_indices() {
            match c {
                '"' => in_quotes = !in_quotes,
                ' ' if !in_quotes => {
                    field += 1;
                    let doubled = format!("{} {}", &line[..i], &line[i..]);
                    assert_eq!(parse_line(&doubled).unwrap(), r);
                    let Some(caps) = re.captures(&doubled) else {
                        assert!(field < 20, "a space after field {field}: {doubled}");
                        continue;
                    };
                    for (g, col) in columns.iter().enumerate() {
                        let got = athena(col, caps.get(g + 1).map(|m| m.as_str()));
                        let want = native(&r, col);
                        assert!(
                            got.is_none() && g >= head || got == want,
                            "a space after field {field}: {col} is {got:?}, not {want:?}"
                        );
                    }
                }
                _ => {}
            }
        }
        assert_eq!(field, 32);
    }
}
