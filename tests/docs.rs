//! The docs a newcomer walks: every command (from the clap definitions) and every JSON key the
//! commands print on the fixture day is named in `docs/`, and the README's `cargo run` lines run
//! and print the figures the README promises beside them.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use clap::CommandFactory;
use common::{fixture_config, fixture_day, fixture_edge, hosp_logs, json_ok, root, stdout_ok};
use serde_json::Value;

/// Every page under `docs/`, concatenated.
fn docs_text() -> String {
    let mut pages: Vec<_> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    pages.sort();
    assert!(pages.len() >= 10, "docs/ has {} pages", pages.len());
    pages
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// `phrase` occurs in `text` with no word character right after it (`hosp-logs slo` is not
/// found in `hosp-logs slowest`).
fn mentions(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase)
        .any(|(at, _)| !text[at + phrase.len()..].starts_with(is_word))
}

#[test]
fn every_command_is_documented() {
    let docs = docs_text();
    let mut names = Vec::new();
    let mut stack = vec![("hosp-logs".to_string(), hosp_logs::cli::Cli::command())];
    while let Some((path, cmd)) = stack.pop() {
        for sub in cmd.get_subcommands() {
            // clap's own `help` subcommand is not ours to document
            if sub.get_name() == "help" {
                continue;
            }
            let name = format!("{path} {}", sub.get_name());
            names.push(name.clone());
            stack.push((name, sub.clone()));
        }
    }
    // the top level alone has 20 commands (slo … man), and `athena` has `setup`
    assert!(names.len() >= 21, "{names:?}");
    assert!(
        names.iter().any(|n| n == "hosp-logs athena setup"),
        "{names:?}"
    );
    let missing: Vec<_> = names.iter().filter(|n| !mentions(&docs, n)).collect();
    assert!(
        missing.is_empty(),
        "commands no page of docs/ names: {missing:?}"
    );
}

/// The words docs/ marks as names: identifiers inside `backticks` and fenced code blocks (so
/// `{start, requests}`, `input.files` and `requests.{total,excluded}` each name their parts),
/// and in the first cell of a table row (`| client_ip, client_port | … |`).
fn documented_words(docs: &str) -> BTreeSet<String> {
    let mut code = String::new();
    let mut prose = String::new();
    let mut fence = false;
    for line in docs.lines() {
        if line.trim_start().starts_with("```") {
            fence = !fence;
            continue;
        }
        if fence {
            code.push_str(line);
            code.push('\n');
            continue;
        }
        prose.push_str(line);
        prose.push('\n');
        if let Some(row) = line.strip_prefix('|') {
            code.push_str(row.split('|').next().unwrap_or(""));
            code.push('\n');
        }
    }
    // a code span may wrap onto the next line, never past its paragraph: the odd pieces
    // between backticks of each paragraph are code
    for paragraph in prose.split("\n\n") {
        for (i, piece) in paragraph.split('`').enumerate() {
            if i % 2 == 1 {
                code.push_str(piece);
                code.push('\n');
            }
        }
    }
    code.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// A key that names a field (`error_budget`, `p99`), as opposed to a key that is data (an
/// endpoint `/notes`, a status `"200"`, a date, `GET /notes`, a host name).
fn is_field_name(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Whether an object is a map of data rather than a record, decided by its structure: some key
/// is not a field name (status codes, paths, dates, hosts), or it has two or more entries that
/// are all objects with one and the same set of keys (one record per data-named entry, such as
/// `hops`'s `input` per hop: `{"edge": {…}, "lb": {…}, "proxy": {…}}`). A record's values
/// differ in shape (`join`'s `edge_proxy` and `lb_proxy` have different keys) or are plain
/// values (`error_budget`'s numbers), and its keys are all checked.
/// On the fixture day every object is a record (statuses, endpoints and dates come as arrays
/// of `{key, count}` rows; `input.formats` and `hops`'s `input` are keyed by format and hop,
/// which docs/ names too), so every key printed is checked.
fn is_data_map(obj: &serde_json::Map<String, Value>) -> bool {
    if obj.keys().any(|k| !is_field_name(k)) {
        return true;
    }
    let shapes: Vec<Option<BTreeSet<&String>>> = obj
        .values()
        .map(|v| v.as_object().map(|o| o.keys().collect()))
        .collect();
    shapes.len() >= 2 && shapes.iter().all(|s| s.is_some() && *s == shapes[0])
}

#[test]
fn data_maps_are_told_from_records_by_structure() {
    let map = |v: Value| is_data_map(v.as_object().unwrap());
    // keys that are data: statuses, endpoints, dates; one record per named hop
    assert!(map(serde_json::json!({"200": 67178, "404": 12})));
    assert!(map(serde_json::json!({"/notes": 3, "/patients/{id}": 1})));
    assert!(map(serde_json::json!({"2026-11-20": 1})));
    assert!(map(
        serde_json::json!({"edge": {"lines": 1, "malformed": 0}, "lb": {"lines": 2, "malformed": 0}})
    ));
    // records: plain values, or values of different shapes
    assert!(!map(
        serde_json::json!({"allowed": 779.3, "consumed": 4601, "remaining": -3821.7})
    ));
    assert!(!map(serde_json::json!({"alb": 576})));
    assert!(!map(serde_json::json!({
        "edge_proxy": {"joined": 1, "edge_unmatched": 2},
        "lb_proxy": {"joined": 1, "lb_unmatched": 2}
    })));
    assert!(!map(serde_json::json!({"overall": {"p50": 1.0}})));
}

/// Every key of the records in `v`, each with the first path it was seen at.
fn collect_keys(v: &Value, path: &str, out: &mut BTreeMap<String, String>) {
    match v {
        Value::Object(obj) => {
            let map = is_data_map(obj);
            for (k, child) in obj {
                if map {
                    collect_keys(child, &format!("{path}.*"), out);
                } else {
                    let here = format!("{path}.{k}");
                    out.entry(k.clone()).or_insert_with(|| here.clone());
                    collect_keys(child, &here, out);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                collect_keys(item, &format!("{path}[]"), out);
            }
        }
        _ => {}
    }
}

fn nginx_day() -> String {
    root().join("fixtures/day/nginx").display().to_string()
}

/// The proxies' log_format, from the fixture config's `[hops.nginx]`.
fn nginx_log_format() -> String {
    let config = std::fs::read_to_string(fixture_config()).unwrap();
    let line = config
        .lines()
        .find(|l| l.starts_with("log_format = '$"))
        .expect("[hops.nginx] log_format in the fixture config");
    line["log_format = '".len()..line.len() - 1].to_string()
}

/// A run's JSON on stdout.
fn json_of(args: &[&str], now: Option<&str>) -> Value {
    let mut cmd = hosp_logs();
    if let Some(now) = now {
        cmd.env("HOSP_LOGS_NOW", now);
    }
    let out = cmd.args(args).output().unwrap();
    if args[0] == "gate" {
        // the fixture day breaches the gate: exit 3, its verdict on stdout
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        return serde_json::from_slice(&out.stdout).unwrap();
    }
    json_ok(&out)
}

#[test]
fn every_json_key_of_the_fixture_day_is_documented() {
    let (alb, edge, nginx, config) = (fixture_day(), fixture_edge(), nginx_day(), fixture_config());
    let tmp = tempfile::tempdir().unwrap();
    let report_dir = tmp.path().join("report");
    let report_dir = report_dir.to_str().unwrap();
    let mut runs: Vec<(String, Value)> = Vec::new();
    let mut run = |label: String, args: Vec<&str>, now: Option<&str>| {
        let v = json_of(&args, now);
        runs.push((label, v));
    };
    // every analysis on each format that fills its roles, as the README and docs run them
    let nginx_format = nginx_log_format();
    for (fmt, source) in [("alb", &alb), ("cloudfront", &edge), ("nginx", &nginx)] {
        let mut common = vec!["--source", source.as_str(), "--config", config.as_str()];
        if fmt == "nginx" {
            common.extend(["--nginx-log-format", nginx_format.as_str()]);
        }
        let mut analyses: Vec<Vec<&str>> = vec![
            vec!["slo"],
            vec!["errors", "--4xx", "--slow", "1s"],
            vec!["latency"],
            vec!["backends"],
            vec!["traffic"],
            vec![
                "gate",
                "--slo",
                "99",
                "--max-p99",
                "3s",
                "--max-5xx-rate",
                "1%",
                "--max-findings",
                "high=0",
            ],
            vec!["security"],
            vec!["audit", "--limit", "3"],
            vec!["audit", "--summary"],
        ];
        match fmt {
            "cloudfront" => analyses.push(vec!["edge"]),
            "nginx" => analyses.push(vec!["retries"]),
            _ => analyses.push(vec!["report", "--out", report_dir]),
        }
        for a in analyses {
            let mut args = a.clone();
            args.extend(&common);
            args.extend(["--format", "json"]);
            run(format!("{fmt}: {}", a.join(" ")), args, None);
        }
    }
    // the hops of the fixture config, and slo measured at a hop
    run(
        "hops".into(),
        vec!["hops", "--config", &config, "--format", "json"],
        None,
    );
    run(
        "slo at the outermost hop".into(),
        vec!["slo", "--config", &config, "--format", "json"],
        None,
    );
    // the systems of the migration fixture side by side
    let migration = root().join("fixtures/migration.toml").display().to_string();
    run(
        "migration".into(),
        vec!["migration", "--config", &migration, "--format", "json"],
        None,
    );
    // one snapshot of the live panel, its clock at the day's end
    run(
        "watch --once".into(),
        vec![
            "watch", "--source", &alb, "--config", &config, "--once", "--format", "json",
        ],
        Some("2026-11-21T00:00:00Z"),
    );
    // the typed frame as NDJSON keys (a minute of each format): its columns, which the format
    // pages list; nginx's columns are named after the variables of the user's own log_format,
    // so they are data of that format and not checked here
    for (fmt, source) in [("alb", &alb), ("cloudfront", &edge)] {
        let out = hosp_logs()
            .args(["export", "--source", source, "--to", "ndjson", "--out", "-"])
            .args([
                "--since",
                "2026-11-20T10:00:00Z",
                "--until",
                "2026-11-20T10:01:00Z",
            ])
            .output()
            .unwrap();
        let rows: Vec<Value> = stdout_ok(&out)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(!rows.is_empty(), "{fmt}: no row exported");
        runs.push((format!("{fmt}: export --to ndjson"), Value::Array(rows)));
    }
    // the report's summary.json, written beside its page
    let summary = std::fs::read_to_string(Path::new(report_dir).join("summary.json")).unwrap();
    runs.push((
        "report summary.json".into(),
        serde_json::from_str(&summary).unwrap(),
    ));

    let docs = documented_words(&docs_text());
    let mut keys = BTreeMap::new();
    for (label, v) in &runs {
        collect_keys(v, label, &mut keys);
    }
    // keys every analysis prints, so a walk that found nothing fails here
    for k in [
        "success_rate",
        "input",
        "window",
        "by_endpoint",
        "cache_hit_ratio",
        "failed_at",
    ] {
        assert!(keys.contains_key(k), "{k} not among {} keys", keys.len());
    }
    let missing: Vec<_> = keys.iter().filter(|(k, _)| !docs.contains(*k)).collect();
    assert!(
        missing.is_empty(),
        "{} of {} JSON keys are named nowhere in docs/ (key, first seen at): {missing:#?}",
        missing.len(),
        keys.len()
    );
}

/// A line of shell words: spaces split, single and double quotes group (enough for the
/// README's lines, which hold no escapes inside single quotes).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, ' ') => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                }
                in_word = false;
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => word.extend(chars.next()),
            (_, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    assert!(quote.is_none(), "unbalanced quote in {line}");
    if in_word {
        words.push(word);
    }
    words
}

/// The figures of a `→` line: each run of digits, `,` and `.` that stands alone (not part of
/// `p99` or `5XX`), with `%` when one follows, commas dropped (`82,382` → `82382`,
/// `94.096 %` → `94.096%`), as the table prints them.
fn figures(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit() && (i == 0 || !is_word(chars[i - 1]));
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == ',' || chars[j] == '.') {
            j += 1;
        }
        let mut fig: String = chars[i..j].iter().collect();
        while fig.ends_with(['.', ',']) {
            fig.pop();
        }
        let end = i + fig.chars().count();
        let glued = chars.get(end).is_some_and(|&c| c.is_ascii_alphabetic());
        if !glued {
            let mut fig = fig.replace(',', "");
            let rest: String = chars[end..].iter().take(2).collect();
            if rest.starts_with('%') || rest == " %" {
                fig.push('%');
            }
            out.push(fig);
        }
        i = j;
    }
    out
}

/// `fig` in `output`, not inside a longer number.
fn shows(output: &str, fig: &str) -> bool {
    output.match_indices(fig).any(|(at, _)| {
        let before = output[..at].chars().next_back();
        let mut after = output[at + fig.len()..].chars();
        let next = after.next();
        let digit_after_dot = next == Some('.') && after.next().is_some_and(|c| c.is_ascii_digit());
        !before.is_some_and(|c| c.is_ascii_digit() || c == '.' || c == ',')
            && !next.is_some_and(|c| c.is_ascii_digit())
            && !digit_after_dot
    })
}

#[test]
fn figures_are_found_as_printed() {
    assert_eq!(
        figures("94.096 % of 77,933 valid (82,382 read), p99 17242.2 ms, 5XX, 203.0.113.66."),
        ["94.096%", "77933", "82382", "17242.2", "203.0.113.66"]
    );
    assert!(shows("Success rate ┆ 94.096%  ", "94.096%"));
    assert!(!shows("194.096%", "94.096%"));
    assert!(!shows("4601.5", "4601"));
    assert!(shows("4601 consumed.", "4601"));
}

/// The README's ```sh blocks: each `cargo run --release -- ARGS` line with the figures of the
/// `# →` comment lines right under it.
fn readme_commands() -> Vec<(String, Vec<String>)> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut in_sh = false;
    let mut promise = false;
    for line in readme.lines() {
        if line.starts_with("```") {
            in_sh = line == "```sh";
            promise = false;
            continue;
        }
        if !in_sh {
            continue;
        }
        if let Some(args) = line.strip_prefix("cargo run --release -- ") {
            out.push((args.to_string(), Vec::new()));
            promise = false;
        } else if let Some(text) = line.strip_prefix("# →") {
            promise = true;
            out.last_mut()
                .expect("a → line under a command")
                .1
                .extend(figures(text));
        } else if promise && line.starts_with("#  ") {
            // the → line goes on
            out.last_mut().unwrap().1.extend(figures(line));
        } else {
            promise = false;
        }
    }
    out
}

/// The README's commands, run as the built binary from the repository's root (debug here, the
/// same code as `--release`). `scripts/test.sh`, the README's second command, is the suite this
/// test is part of, so it is not run from here.
#[test]
fn the_readme_commands_run_and_print_what_it_promises() {
    let commands = readme_commands();
    assert!(
        commands
            .iter()
            .any(|(a, _)| a.starts_with("slo --source fixtures/day/AWSLogs")),
        "{commands:?}"
    );
    assert!(commands.len() >= 4, "{commands:?}");
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(
        readme.contains("\nscripts/test.sh\n"),
        "the README's second command moved"
    );
    for (args, promised) in &commands {
        assert!(!promised.is_empty(), "no `# →` figures under `{args}`");
        let out = hosp_logs()
            .current_dir(root())
            .args(shell_words(args))
            .output()
            .unwrap();
        let stdout = stdout_ok(&out);
        let missing: Vec<_> = promised.iter().filter(|f| !shows(&stdout, f)).collect();
        assert!(
            missing.is_empty(),
            "`{args}` does not print {missing:?} (of {promised:?}):\n{stdout}"
        );
    }
}

/// The `#` anchors GitHub gives a page's headings (lower case, punctuation dropped, spaces to
/// `-`), fenced code left out.
fn anchors(page: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut fence = false;
    for line in page.lines() {
        if line.starts_with("```") {
            fence = !fence;
        } else if !fence && line.starts_with('#') {
            let title = line.trim_start_matches('#').trim().to_lowercase();
            let slug: String = title
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == '_' || *c == '-' || *c == ' ')
                .map(|c| if c == ' ' { '-' } else { c })
                .collect();
            out.insert(slug);
        }
    }
    out
}

/// Every relative link of the README, docs/ and the pages that link into them leads to a file
/// that exists, and its `#anchor` to a heading of that page.
#[test]
fn the_docs_links_resolve() {
    let mut pages = vec![
        root().join("README.md"),
        root().join("BENCHMARKS.md"),
        root().join("fixtures/README.md"),
        root().join("fuzz/README.md"),
    ];
    for e in std::fs::read_dir(root().join("docs")).unwrap() {
        pages.push(e.unwrap().path());
    }
    let mut checked = 0;
    let mut broken = Vec::new();
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        for (at, _) in text.match_indices("](") {
            let rest = &text[at + 2..];
            let Some(end) = rest.find(')') else { continue };
            let link = &rest[..end];
            if link.contains("://") || link.contains(' ') {
                continue;
            }
            let (path, anchor) = link.split_once('#').unwrap_or((link, ""));
            let target = if path.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap().join(path)
            };
            checked += 1;
            if !target.exists() {
                broken.push(format!("{}: {link} (no such file)", page.display()));
            } else if !anchor.is_empty()
                && target.extension().is_some_and(|x| x == "md")
                && !anchors(&std::fs::read_to_string(&target).unwrap()).contains(anchor)
            {
                broken.push(format!("{}: {link} (no such heading)", page.display()));
            }
        }
    }
    assert!(checked >= 50, "{checked} links checked");
    assert!(broken.is_empty(), "broken links: {broken:#?}");
}

/// `--help`'s long text points to the docs, and the page it names exists; `-h` stays short.
#[test]
fn the_long_help_points_to_the_docs() {
    let long = stdout_ok(&hosp_logs().arg("--help").output().unwrap());
    let line = long
        .lines()
        .find(|l| l.starts_with("Documentation: "))
        .unwrap_or_else(|| panic!("no Documentation line in --help:\n{long}"));
    assert!(line.contains("docs/README.md"), "{line}");
    assert!(root().join("docs/README.md").is_file());
    let short = stdout_ok(&hosp_logs().arg("-h").output().unwrap());
    assert!(!short.contains("Documentation: "), "{short}");
}
