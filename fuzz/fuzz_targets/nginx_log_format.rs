//! `cargo +nightly fuzz run nginx_log_format`: compiling an nginx `log_format` (the format
//! itself, nginx.conf's quoted pieces, or a whole `log_format` directive).
//!
//! Input: the first byte picks the configured `[nginx] escape` (none, default, json, none,
//! an unknown name), the rest is the format's text. Beyond "no panic", a compiled format:
//! - has at least one variable; every variable piece names an existing slot, every slot is
//!   used, slot names are distinct, lower-case `[a-z0-9_]+`, and `slot(var)` finds each
//!   known variable's slot;
//! - has no empty literal, no two literals in a row, and no `$` inside a literal;
//! - matched as written (not JSON): written back from its pieces (`$name`, or `${name}`
//!   before a name character) and compiled again, gives the same pieces and slots.
#![no_main]

use hosp_logs_fuzz::format::nginx::log_format::{Body, Piece};
use hosp_logs_fuzz::format::nginx::vars::Var;
use hosp_logs_fuzz::format::nginx::NginxLogFormat;
use libfuzzer_sys::fuzz_target;

const ESCAPES: [Option<&str>; 5] = [None, Some("default"), Some("json"), Some("none"), Some("x")];

fn check_pieces(f: &NginxLogFormat, pieces: &[Piece], used: &mut [bool]) {
    let mut prev_lit = false;
    for p in pieces {
        match p {
            Piece::Lit(l) => {
                assert!(!l.text.is_empty(), "empty literal");
                assert!(!prev_lit, "two literals in a row");
                assert!(!l.text.contains('$'), "literal {:?} holds a '$'", l.text);
                prev_lit = true;
            }
            Piece::Var(i) => {
                assert!(*i < f.slots.len(), "slot {i} of {}", f.slots.len());
                used[*i] = true;
                prev_lit = false;
            }
        }
    }
}

/// The format written back from its pieces.
fn write_back(f: &NginxLogFormat, pieces: &[Piece]) -> String {
    let mut out = String::new();
    for (k, p) in pieces.iter().enumerate() {
        match p {
            Piece::Lit(l) => out.push_str(&l.text),
            Piece::Var(i) => {
                let name = &f.slots[*i].name;
                let braces = match pieces.get(k + 1) {
                    Some(Piece::Lit(l)) => l
                        .text
                        .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'),
                    _ => false,
                };
                if braces {
                    out.push_str(&format!("${{{name}}}"));
                } else {
                    out.push('$');
                    out.push_str(name);
                }
            }
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let escape = ESCAPES[usize::from(sel) % ESCAPES.len()];
    let text = String::from_utf8_lossy(rest);
    let f = match NginxLogFormat::compile(&text, escape) {
        Ok(f) => f,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    assert!(!f.slots.is_empty(), "no variable");
    let mut used = vec![false; f.slots.len()];
    match &f.body {
        Body::Line(pieces) => check_pieces(&f, pieces, &mut used),
        Body::Json(fields) => {
            for field in fields {
                check_pieces(&f, &field.pieces, &mut used);
            }
        }
    }
    assert!(used.iter().all(|u| *u), "an unused slot: {:?}", f.slots);
    for (i, s) in f.slots.iter().enumerate() {
        assert!(
            !s.name.is_empty()
                && s.name
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_'),
            "slot name {:?}",
            s.name
        );
        assert_eq!(s.field, format!("${}", s.name));
        assert!(
            f.slots[..i].iter().all(|o| o.name != s.name),
            "{:?} twice",
            s.name
        );
        assert_eq!(s.var, Var::from_name(&s.name));
    }
    for v in Var::ALL {
        let want = f.slots.iter().position(|s| s.var == Some(*v));
        assert_eq!(f.slot(*v), want, "slot of {}", v.name());
    }

    if let Body::Line(pieces) = &f.body {
        let written = write_back(&f, pieces);
        let t = written.trim_start();
        let reread_differently = t.starts_with("log_format")
            || t.starts_with("escape=")
            || t.starts_with('\'')
            || written.ends_with(['\n', '\r']);
        if !reread_differently {
            let g = NginxLogFormat::compile(&written, Some(f.escape.name()))
                .unwrap_or_else(|e| panic!("written back as {written:?}: {e}"));
            if let Body::Line(p2) = &g.body {
                assert_eq!(pieces, p2, "written back as {written:?}");
                assert_eq!(f.slots, g.slots, "written back as {written:?}");
                assert_eq!(f.escape, g.escape);
            }
        }
    }
});
