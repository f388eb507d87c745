//! Local inputs: files, folders (recursive), globs and `-` for stdin.

use std::fs;
use std::path::{Path, PathBuf};

use super::{not_an_access_log, outside_window, InputFile, Location};
use crate::error::InputError;
use crate::window::Window;

/// What discovery found, and what it left out and why.
#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<InputFile>,
    /// Files whose ALB name puts them wholly outside the window (never opened).
    pub pruned: usize,
    /// Files found in folders that are not ALB access logs (test file, connection logs, …).
    pub skipped: Vec<(String, &'static str)>,
}

/// Expands the given sources into the files to read, in a stable order.
pub fn discover(sources: &[String], window: &Window) -> Result<Discovery, InputError> {
    let mut d = Discovery::default();
    for src in sources {
        if src == "-" {
            d.files.push(InputFile {
                name: "<stdin>".into(),
                location: Location::Stdin,
                size: None,
            });
            continue;
        }
        let path = Path::new(src);
        if path.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found).map_err(|e| InputError::Unreadable {
                path: src.clone(),
                reason: e.to_string(),
            })?;
            found.sort();
            for p in found {
                add_file(&mut d, p, window, true);
            }
        } else if path.is_file() {
            add_file(&mut d, path.to_path_buf(), window, false);
        } else if src.contains(['*', '?', '[']) {
            let paths = glob::glob(src).map_err(|e| InputError::Unreadable {
                path: src.clone(),
                reason: format!("bad glob pattern: {e}"),
            })?;
            let mut matched: Vec<PathBuf> = paths
                .filter_map(Result::ok)
                .filter(|p| p.is_file())
                .collect();
            if matched.is_empty() {
                return Err(InputError::NoMatch {
                    pattern: src.clone(),
                });
            }
            matched.sort();
            for p in matched {
                add_file(&mut d, p, window, false);
            }
        } else {
            return Err(InputError::NotFound { path: src.clone() });
        }
    }
    Ok(d)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let ft = entry.file_type()?;
        if ft.is_dir() {
            walk(&entry.path(), out)?;
        } else if ft.is_file() || ft.is_symlink() {
            out.push(entry.path());
        }
    }
    Ok(())
}

/// A folder holds other files too: from one, only `.log` and `.gz` files are read.
fn not_a_log_file(name: &str) -> Option<&'static str> {
    let is_log = name.ends_with(".log") || name.ends_with(".log.gz") || name.ends_with(".gz");
    (!is_log).then_some("not a .log or .gz file")
}

/// Why a file is not read (None: read it): not an access log (any path) or, met in a folder,
/// not a log file at all.
pub fn skip_reason(name: &str, in_folder: bool) -> Option<&'static str> {
    not_an_access_log(name).or_else(|| in_folder.then(|| not_a_log_file(name)).flatten())
}

/// Adds a file to read unless [`skip_reason`] says otherwise; prunes it by the end time in its
/// name.
fn add_file(d: &mut Discovery, path: PathBuf, window: &Window, in_folder: bool) {
    let name = path.display().to_string();
    if let Some(why) = skip_reason(&name, in_folder) {
        d.skipped.push((name, why));
        return;
    }
    if outside_window(&name, window) {
        d.pruned += 1;
        return;
    }
    let size = fs::metadata(&path).ok().map(|m| m.len());
    d.files.push(InputFile {
        name,
        location: Location::Path(path),
        size,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(dir: &Path, rel: &str) {
        let p = dir.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, b"").unwrap();
    }

    #[test]
    fn walks_folders_skips_non_logs_and_prunes_by_name() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        touch(
            root,
            "a/x_elasticloadbalancing_r_app.lb.1_20261120T0005Z_10.0.0.1_aa.log.gz",
        );
        touch(
            root,
            "a/x_elasticloadbalancing_r_app.lb.1_20261120T1205Z_10.0.0.1_bb.log.gz",
        );
        touch(root, "a/ELBAccessLogTestFile");
        touch(
            root,
            "a/conn_log_x_elasticloadbalancing_r_app.lb.1_20261120T0005Z_10.0.0.1_cc.log.gz",
        );
        touch(root, "truth.json");
        touch(root, "b/plain.log");

        let all = discover(&[root.display().to_string()], &Window::default()).unwrap();
        assert_eq!(all.files.len(), 3);
        let mut reasons: Vec<&str> = all.skipped.iter().map(|(_, why)| *why).collect();
        reasons.sort();
        assert_eq!(
            reasons,
            [
                "ALB connection log",
                "AWS's logging test file",
                "not a .log or .gz file"
            ]
        );
        assert_eq!(all.pruned, 0);
        // a glob or a named file gets the same rule: a connection log is not an access log
        let glob = format!("{}/a/*.gz", root.display());
        let d = discover(&[glob], &Window::default()).unwrap();
        assert_eq!(d.files.len(), 2);
        assert_eq!(d.skipped.len(), 1);
        assert_eq!(d.skipped[0].1, "ALB connection log");

        let since =
            crate::window::Window::parse(Some("2026-11-20T06:00:00Z"), None, chrono::Utc::now())
                .unwrap();
        let d = discover(&[root.display().to_string()], &since).unwrap();
        assert_eq!(d.pruned, 1);
        // the 12:05 file and the unnamed plain.log (no time in its name) remain
        assert_eq!(d.files.len(), 2);
    }

    #[test]
    fn missing_paths_and_empty_globs_are_errors() {
        let err = discover(&["/no/such/path".into()], &Window::default()).unwrap_err();
        assert!(matches!(err, InputError::NotFound { .. }), "{err}");
        let err = discover(&["/no/such/*.gz".into()], &Window::default()).unwrap_err();
        assert!(matches!(err, InputError::NoMatch { .. }), "{err}");
    }
}
