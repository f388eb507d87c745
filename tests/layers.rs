//! Imports run one way: each top-level module of the crate may use only the modules below it
//! in `LAYERS`. A new format touches `format/`, a new analysis `metrics/`, a new output
//! `render/`; none of them reaches up.

mod common;

/// Lowest first.
const LAYERS: &[&str] = &[
    "error", "window", "sql", "terminal", "net", "frame", "format", "filter", "config", "source",
    "engine", "metrics", "store", "render", "serve", "generate", "cli",
];

/// The code of a file before its unit-test module (tests may reach anywhere), private or
/// shared with the crate's other tests (`pub(crate) mod tests`).
fn code(text: &str) -> &str {
    [
        "#[cfg(test)]\nmod tests",
        "#[cfg(test)]\npub(crate) mod tests",
    ]
    .iter()
    .filter_map(|m| text.find(m))
    .min()
    .map_or(text, |i| &text[..i])
}

#[test]
fn imports_run_one_way() {
    let src = common::root().join("src");
    let mut broken = Vec::new();
    let mut stack = vec![src.clone()];
    let mut files = 0;
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let rel = p.strip_prefix(&src).unwrap().to_string_lossy().to_string();
            let top = rel.split('/').next().unwrap().trim_end_matches(".rs");
            let Some(rank) = LAYERS.iter().position(|l| *l == top) else {
                assert!(
                    ["lib", "main"].contains(&top),
                    "{rel}: top-level module `{top}` is not in LAYERS"
                );
                continue;
            };
            files += 1;
            let text = std::fs::read_to_string(&p).unwrap();
            for (i, _) in code(&text).match_indices("crate::") {
                let rest = &code(&text)[i + "crate::".len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if let Some(used) = LAYERS.iter().position(|l| *l == name) {
                    if used > rank {
                        broken.push(format!("{rel} uses crate::{name}"));
                    }
                }
            }
        }
    }
    assert!(files > 50, "only {files} files checked");
    assert!(
        broken.is_empty(),
        "imports that reach up:\n{}",
        broken.join("\n")
    );
}

/// The variants of `pub enum NAME` in `text`.
fn variants(text: &str, name: &str) -> Vec<String> {
    let start = text
        .find(&format!("pub enum {name} {{"))
        .unwrap_or_else(|| panic!("src/format/mod.rs has no `pub enum {name}`"));
    let body = &text[start..];
    let body = &body[body.find('{').unwrap() + 1..body.find("\n}").unwrap()];
    body.lines()
        .map(str::trim)
        .filter(|l| l.starts_with(|c: char| c.is_ascii_uppercase()))
        .map(|l| {
            l.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

/// Where `code` tells formats apart by hand: a variant of the formats' enums named (in a
/// `match` arm, a comparison, a default), their variants imported whole, or a format's name
/// matched as text.
fn format_matches(code: &str, enums: &[(&str, Vec<String>)], names: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for (line_no, line) in code.lines().enumerate() {
        let line = line.split("//").next().unwrap_or_default();
        for (name, vars) in enums {
            for (i, _) in line.match_indices(&format!("{name}::")) {
                let before = line[..i].chars().next_back();
                if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                    continue; // another enum whose name ends so
                }
                let rest = &line[i + name.len() + 2..];
                let item: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if vars.contains(&item) || rest.starts_with(['{', '*']) {
                    found.push(format!("{}: {}", line_no + 1, line.trim()));
                }
            }
        }
        for n in names {
            let arm = format!("\"{n}\"");
            if line.contains(&format!("{arm} =>")) || line.contains(&format!("{arm} |")) {
                found.push(format!("{}: {}", line_no + 1, line.trim()));
            }
        }
    }
    found.dedup();
    found
}

/// Formats are told apart only inside `src/format/`: the rest of the program asks a format's
/// descriptor (`FormatId::descriptor` and the answers that read it), so a new format is its
/// folder, its registry lines and its tests.
#[test]
fn formats_are_matched_only_in_src_format() {
    let src = common::root().join("src");
    let registry = std::fs::read_to_string(src.join("format/mod.rs")).unwrap();
    // LogFormat::Auto is no format: it asks for recognition
    let enums: Vec<(&str, Vec<String>)> = ["FormatId", "FileFormat", "LogFormat"]
        .into_iter()
        .map(|e| {
            let mut v = variants(&registry, e);
            v.retain(|v| v != "Auto");
            (e, v)
        })
        .collect();
    let mut names = Vec::new();
    for e in std::fs::read_dir(src.join("format")).unwrap() {
        let p = e.unwrap().path().join("descriptor.rs");
        if let Ok(text) = std::fs::read_to_string(&p) {
            let at = text
                .find("\n    name: \"")
                .expect("a descriptor names its format")
                + 12;
            names.push(text[at..].split('"').next().unwrap().to_string());
        }
    }
    assert!(names.len() >= 3, "the formats' descriptors: {names:?}");
    for (e, v) in &enums {
        assert_eq!(v.len(), names.len(), "{e}'s variants: {v:?}");
    }
    // the check finds what it looks for: the registry itself tells formats apart
    assert!(format_matches(&registry, &enums, &names).len() >= names.len());
    assert_eq!(
        format_matches(
            "match f {\n    \"cloudfront\" => 1,\n    _ => 0\n}\nif id == FormatId::Nginx {}\nlet x = MyFormatId::Alb;\n// FormatId::Alb in a comment\nuse FileFormat::*;",
            &enums,
            &names
        ),
        [
            "2: \"cloudfront\" => 1,",
            "5: if id == FormatId::Nginx {}",
            "8: use FileFormat::*;"
        ]
    );

    let mut broken = Vec::new();
    let mut stack = vec![src.clone()];
    let mut files = 0;
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                if p != src.join("format") {
                    stack.push(p);
                }
                continue;
            }
            if p.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            files += 1;
            let rel = p.strip_prefix(&src).unwrap().to_string_lossy().to_string();
            let text = std::fs::read_to_string(&p).unwrap();
            for m in format_matches(code(&text), &enums, &names) {
                broken.push(format!("src/{rel}:{m}"));
            }
        }
    }
    assert!(files > 50, "only {files} files checked");
    assert!(
        broken.is_empty(),
        "formats told apart outside src/format/ (ask the format's descriptor instead: \
         src/format/descriptor.rs):\n{}",
        broken.join("\n")
    );
}
