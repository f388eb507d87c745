//! Compiling log_formats: the three ways nginx.conf writes them, escapes, variables, and the
//! formats that cannot be read.

use super::log_format::{Body, Piece};
use super::vars::{ListOf, Var, VarKind};
use super::*;

fn compile(text: &str) -> NginxLogFormat {
    NginxLogFormat::compile(text, None).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn compile_err(text: &str) -> LogFormatError {
    NginxLogFormat::compile(text, None).unwrap_err()
}

/// The format as a readable list: literals quoted, variables as `$name`.
fn shape(f: &NginxLogFormat) -> Vec<String> {
    let Body::Line(pieces) = &f.body else {
        panic!("not a line format")
    };
    pieces
        .iter()
        .map(|p| match p {
            Piece::Lit(l) => format!("{:?}", l.text),
            Piece::Var(s) => format!("${}", f.slots[*s].name),
        })
        .collect()
}

#[test]
fn combined_is_the_default() {
    let f = NginxLogFormat::default();
    assert_eq!(f.escape, Escape::Default);
    assert_eq!(
        shape(&f),
        [
            "$remote_addr",
            "\" - \"",
            "$remote_user",
            "\" [\"",
            "$time_local",
            "\"] \\\"\"",
            "$request",
            "\"\\\" \"",
            "$status",
            "\" \"",
            "$body_bytes_sent",
            "\" \\\"\"",
            "$http_referer",
            "\"\\\" \\\"\"",
            "$http_user_agent",
            "\"\\\"\""
        ]
    );
    assert_eq!(f.slot(Var::Status), Some(4));
    assert_eq!(f.slots[4].kind, VarKind::Status);
    assert!(!f.has(Var::RequestTime));
}

#[test]
fn the_three_ways_to_write_it_give_the_same_format() {
    let bare = compile(r#"$remote_addr [$time_local] "$request" $status"#);
    let pieces = compile(r#"'$remote_addr [$time_local] ' '"$request" $status'"#);
    let directive =
        compile("log_format main '$remote_addr [$time_local] '\n    '\"$request\" $status';");
    let double = compile(r#"log_format main "$remote_addr [$time_local] \"$request\" $status";"#);
    for other in [&pieces, &directive, &double] {
        assert_eq!(shape(other), shape(&bare));
    }
    assert_eq!(
        shape(&bare),
        [
            "$remote_addr",
            "\" [\"",
            "$time_local",
            "\"] \\\"\"",
            "$request",
            "\"\\\" \"",
            "$status"
        ]
    );
}

#[test]
fn escape_modes() {
    assert_eq!(compile("$status").escape, Escape::Default);
    let json = compile("log_format j escape=json '$remote_addr $status';");
    assert_eq!(json.escape, Escape::Json);
    let none = compile("escape=none '$remote_addr $status'");
    assert_eq!(none.escape, Escape::None);
    // [nginx] escape applies to a bare format; the directive's own must agree with it
    let f = NginxLogFormat::compile("$remote_addr $status", Some("json")).unwrap();
    assert_eq!(f.escape, Escape::Json);
    assert_eq!(
        NginxLogFormat::compile("log_format j escape=json '$status';", Some("none")).unwrap_err(),
        LogFormatError::EscapeConflict {
            directive: "json".into(),
            config: "none".into()
        }
    );
    assert_eq!(
        compile_err("log_format j escape=xml '$status';"),
        LogFormatError::BadEscape("xml".into())
    );
}

#[test]
fn variables_are_typed_and_unknown_ones_kept_as_text() {
    let f = compile(
        "$host ${remote_addr}:$pipe $upstream_addr $upstream_status $upstream_response_time \
         $upstream_response_length $http_x_forwarded_proto $msec $Status",
    );
    let kinds: Vec<(&str, VarKind)> = f.slots.iter().map(|s| (s.name.as_str(), s.kind)).collect();
    assert_eq!(
        kinds,
        [
            ("host", VarKind::Text),
            ("remote_addr", VarKind::Text),
            ("pipe", VarKind::Text),
            ("upstream_addr", VarKind::List(ListOf::Addr)),
            ("upstream_status", VarKind::List(ListOf::Status)),
            ("upstream_response_time", VarKind::List(ListOf::Seconds)),
            ("upstream_response_length", VarKind::List(ListOf::Count)),
            ("http_x_forwarded_proto", VarKind::Text),
            ("msec", VarKind::Msec),
            // nginx variable names are case-insensitive
            ("status", VarKind::Status),
        ]
    );
    assert_eq!(f.slots[2].var, None);
    assert_eq!(f.slots[2].field, "$pipe");
    // `${name}` ends the name where a letter would otherwise continue it
    let g = compile("${status}ms");
    assert_eq!(shape(&g), ["$status", "\"ms\""]);
}

#[test]
fn a_json_object_format_is_read_by_key() {
    let f = compile(
        r#"log_format j escape=json '{"time":"$time_iso8601","status":$status,' '"req":"$request_method $request_uri","up":"$upstream_status"}';"#,
    );
    let Body::Json(fields) = &f.body else {
        panic!("not read as JSON")
    };
    let keys: Vec<&str> = fields.iter().map(|k| k.key.as_str()).collect();
    assert_eq!(keys, ["time", "status", "req", "up"]);
    // a key holding two variables and the text between them
    assert_eq!(fields[2].pieces.len(), 3);
    assert!(f.has(Var::RequestMethod) && f.has(Var::RequestUri) && f.has(Var::UpstreamStatus));
    // nested objects are not a flat template: matched as written
    let nested = compile(r#"{"a":{"b":"$status"}}"#);
    assert!(matches!(nested.body, Body::Line(_)));
}

#[test]
fn formats_that_cannot_be_read() {
    let cases: [(&str, LogFormatError); 9] = [
        (
            "'$remote_addr - $remote_user",
            LogFormatError::UnclosedQuote { quote: '\'', at: 1 },
        ),
        (
            "log_format main '$remote_addr' \"$status;",
            LogFormatError::UnclosedQuote { quote: '"', at: 32 },
        ),
        (
            r#"$remote_addr "$request $status"#,
            LogFormatError::OddQuotes,
        ),
        ("$remote_addr $ $status", LogFormatError::NoName { at: 14 }),
        ("$remote_addr $", LogFormatError::NoName { at: 14 }),
        (
            "$remote_addr ${status",
            LogFormatError::UnclosedBrace { at: 14 },
        ),
        ("log_format main;", LogFormatError::NoFormat),
        ("  ", LogFormatError::Empty),
        ("just text", LogFormatError::NoVariable),
    ];
    for (text, want) in cases {
        assert_eq!(compile_err(text), want, "{text:?}");
    }
    // the messages say what is wrong and where
    assert_eq!(
        compile_err("$remote_addr $ $status").to_string(),
        "'$' with no variable name at character 14"
    );
    assert!(compile_err("'$a")
        .to_string()
        .starts_with("unbalanced quotes"));
}

#[test]
fn settings_compile_trusted_proxies() {
    let s = NginxSettings::new(None, None, &["10.0.0.0/8".into()]).unwrap();
    assert_eq!(s.trusted_proxies.len(), 1);
    assert_eq!(s.log_format, NginxLogFormat::default());
    let e = NginxSettings::new(None, None, &["10.0.0.0/99".into()]).unwrap_err();
    assert!(matches!(e, NginxConfigError::TrustedProxy(_)), "{e}");
    let e = NginxSettings::new(Some("$"), None, &[]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "log_format: '$' with no variable name at character 1"
    );
}

#[test]
fn a_format_with_every_known_variable_fills_every_nginx_role() {
    let every: Vec<String> = Var::ALL.iter().map(|v| format!("${}", v.name())).collect();
    let s = NginxSettings::new(Some(&every.join(" ")), None, &[]).unwrap();
    assert_eq!(
        s.roles(),
        ROLES,
        "missing: {}",
        ROLES.minus(s.roles()).names()
    );
    // each role it fills says where from
    for role in ROLES.iter() {
        assert!(!role_source(role).starts_with('('), "{role}");
    }
}
