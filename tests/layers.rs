//! Imports run one way: each top-level module of the crate may use only the modules below it
//! in `LAYERS`. A new format touches `format/`, a new analysis `metrics/`, a new output
//! `render/`; none of them reaches up.

mod common;

/// Lowest first.
const LAYERS: &[&str] = &[
    "error", "window", "sql", "terminal", "net", "frame", "format", "filter", "config", "source",
    "engine", "metrics", "store", "render", "serve", "generate", "cli",
];

/// The code of a file before its unit-test module (tests may reach anywhere).
fn code(text: &str) -> &str {
    text.find("#[cfg(test)]\nmod tests")
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
