//! Golden line tests: each line variant is a pair of files in `testdata/lines/`, `<name>.log`
//! (the line) and `<name>.json` (where the line comes from, and the expected record with EVERY
//! field). One test parses each line, as it is and with CRLF appended, and compares every
//! field with the JSON: a wrong value, a field the JSON lacks and a key that is no field all
//! fail. `testdata/README.md` describes the files and how to add a case.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

use super::tests_fields::record_fields;
use super::*;

/// The golden pairs.
const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/src/format/alb/parse/testdata/lines"
);

/// How many pairs there are, so that a pair deleted or renamed by mistake fails the test
/// (raise it when adding a case).
const CASES: usize = 49;

/// How `got` differs from the expected fields, one line per difference: a value that is not
/// the expected one, a field the JSON lacks, a JSON key that is no field.
fn differences(got: &AlbRecord<'_>, want: &Map<String, Value>) -> Vec<String> {
    let got = record_fields(got);
    let mut out = Vec::new();
    for (name, value) in &got {
        match want.get(*name) {
            None => out.push(format!(
                "field `{name}` is missing from the JSON (parsed {value})"
            )),
            Some(w) if w != value => {
                out.push(format!("field `{name}`: parsed {value}, expected {w}"))
            }
            Some(_) => {}
        }
    }
    for key in want.keys() {
        if !got.iter().any(|(name, _)| name == key) {
            out.push(format!("JSON key `{key}` is no field of AlbRecord"));
        }
    }
    out
}

/// One golden pair.
struct Case {
    name: String,
    line: String,
    record: Map<String, Value>,
}

/// The pairs of [`DIR`], by name. Panics on a file that is not half of a well-formed pair.
fn load_cases() -> Vec<Case> {
    let mut logs = BTreeMap::new();
    let mut jsons = BTreeMap::new();
    for entry in std::fs::read_dir(DIR).unwrap_or_else(|e| panic!("{DIR}: {e}")) {
        let path = entry.unwrap().path();
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let stem = path.file_stem().and_then(|s| s.to_str()).map(str::to_owned);
        match (stem, path.extension().and_then(|e| e.to_str())) {
            (Some(name), Some("log")) => {
                logs.insert(name, log_line(&path, text));
            }
            (Some(name), Some("json")) => {
                jsons.insert(name, json_record(&path, &text));
            }
            _ => panic!("{}: not a .log or .json file", path.display()),
        }
    }
    let names: Vec<String> = logs.keys().chain(jsons.keys()).cloned().collect();
    for name in names {
        assert!(
            logs.contains_key(&name) && jsons.contains_key(&name),
            "{DIR}/{name}: a .log without its .json, or the reverse"
        );
    }
    logs.into_iter()
        .zip(jsons.into_values())
        .map(|((name, line), record)| Case { name, line, record })
        .collect()
}

/// The one line of a `.log` file, which ends with its only `\n` and holds no `\r`.
fn log_line(path: &Path, text: String) -> String {
    let line = text.strip_suffix('\n');
    match line {
        Some(line) if !line.contains(['\n', '\r']) => line.to_owned(),
        _ => panic!(
            "{}: one line ended by \\n expected (no CR, nothing after it)",
            path.display()
        ),
    }
}

/// The `record` object of a `.json` file: `{"about": "<origin>", "record": {...}}`, nothing
/// else.
fn json_record(path: &Path, text: &str) -> Map<String, Value> {
    let value: Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let Value::Object(mut top) = value else {
        panic!("{}: a JSON object expected", path.display())
    };
    let about = top.remove("about");
    let record = top.remove("record");
    match (about, record) {
        (Some(Value::String(about)), Some(Value::Object(record)))
            if top.is_empty() && !about.trim().is_empty() =>
        {
            record
        }
        _ => panic!(
            "{}: exactly the keys \"about\" (a non-empty string) and \"record\" (an object) expected",
            path.display()
        ),
    }
}

#[test]
fn every_line_parses_to_its_golden_record() {
    let cases = load_cases();
    assert_eq!(cases.len(), CASES, "golden pairs in {DIR}");
    let mut problems = Vec::new();
    for case in &cases {
        for (how, line) in [
            ("", case.line.clone()),
            (" + CRLF", format!("{}\r\n", case.line)),
        ] {
            match parse_line(&line) {
                Err(e) => problems.push(format!("{}{how}: {e}", case.name)),
                Ok(r) => problems.extend(
                    differences(&r, &case.record)
                        .into_iter()
                        .map(|d| format!("{}{how}: {d}", case.name)),
                ),
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s) in {DIR}:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The comparison the golden test relies on finds each kind of difference.
#[test]
fn a_wrong_missing_or_extra_key_is_a_difference() {
    let case = &load_cases()[0];
    let r = parse_line(&case.line).unwrap();
    assert_eq!(differences(&r, &case.record), Vec::<String>::new());

    let mut wrong = case.record.clone();
    wrong.insert("field_count".into(), Value::from(r.field_count + 1));
    let mut missing = case.record.clone();
    missing.remove("url");
    let mut extra = case.record.clone();
    extra.insert("urls".into(), Value::Null);

    let field_count = r.field_count;
    let expect = [
        (
            wrong,
            format!(
                "field `field_count`: parsed {field_count}, expected {}",
                field_count + 1
            ),
        ),
        (
            missing,
            format!(
                "field `url` is missing from the JSON (parsed {})",
                Value::from(r.url())
            ),
        ),
        (extra, "JSON key `urls` is no field of AlbRecord".to_owned()),
    ];
    for (want, message) in expect {
        assert_eq!(differences(&r, &want), [message]);
    }
}
