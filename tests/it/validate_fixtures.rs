//! The bad-input corpus in `tests/fixtures/validate/`: each fixture, validated alone, gives
//! exactly the one diagnostic `EXPECTED` names, and no input makes `validate` crash.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{promptctl, repo_root, run};

/// Codes whose severity is warning: `validate` still exits 0.
const WARNINGS: &[&str] = &["unused-variable", "deprecated-model"];

struct Expected {
    path: String,
    code: String,
    line: u64,
}

fn fixtures() -> PathBuf {
    repo_root().join("tests/fixtures/validate")
}

fn expected() -> Vec<Expected> {
    let text = fs_err::read_to_string(fixtures().join("EXPECTED")).unwrap();
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(
            |line| match line.split_whitespace().collect::<Vec<_>>()[..] {
                [path, code, number] => Expected {
                    path: path.to_owned(),
                    code: code.to_owned(),
                    line: number.parse().expect("a line number"),
                },
                _ => panic!("EXPECTED: `{line}` is not `<path> <code> <line>`"),
            },
        )
        .collect()
}

/// Recreate in `dir` the entries git may not keep faithfully (a directory, symlinks). They are
/// reported only when met during a walk, so the caller validates `dir`. False for other names.
fn recreate(name: &str, dir: &Path) -> bool {
    let link = |target: &str| std::os::unix::fs::symlink(target, dir.join(name)).unwrap();
    match name {
        "dir.yaml" => fs_err::create_dir(dir.join(name)).unwrap(),
        "loop.yaml" => link("loop.yaml"),
        "dangling-link.yaml" => link("does-not-exist.yaml"),
        _ => return false,
    }
    true
}

/// `promptctl validate PATH --format json` run in `cwd`: exit code, diagnostics, stderr.
fn validate_json(cwd: &Path, path: &Path) -> (i32, Vec<Value>, String) {
    let (code, stdout, stderr) = run(promptctl(cwd)
        .arg("validate")
        .arg(path)
        .args(["--format", "json"]));
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|error| panic!("{}: {error}\n{stdout}\n{stderr}", path.display()));
    assert_eq!(report["format_version"], 1, "{stdout}");
    let diagnostics = report["diagnostics"].as_array().unwrap().clone();
    (code, diagnostics, stderr)
}

#[test]
fn each_fixture_reports_exactly_its_diagnostic() {
    let mut failures = Vec::new();
    for expected in expected() {
        // An empty working directory: no promptctl.yaml is picked up.
        let cwd = tempfile::tempdir().unwrap();
        let path = if recreate(&expected.path, cwd.path()) {
            cwd.path().to_path_buf()
        } else {
            fixtures().join(&expected.path)
        };
        let (exit, diagnostics, stderr) = validate_json(cwd.path(), &path);
        let warning = WARNINGS.contains(&expected.code.as_str());
        let want = (
            if warning { 0 } else { 1 },
            vec![(
                expected.code.clone(),
                if warning { "warning" } else { "error" }.to_owned(),
                expected.line,
            )],
        );
        let got = (
            exit,
            diagnostics
                .iter()
                .map(|d| {
                    let text = |key: &str| d[key].as_str().unwrap_or_default().to_owned();
                    (
                        text("code"),
                        text("severity"),
                        d["line"].as_u64().unwrap_or(0),
                    )
                })
                .collect::<Vec<_>>(),
        );
        if got != want || stderr.contains("panicked") {
            failures.push(format!(
                "{}: want {want:?}, got {got:?}\n{stderr}",
                expected.path
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn validating_the_whole_folder_reports_every_fixture() {
    let cwd = tempfile::tempdir().unwrap();
    let (exit, diagnostics, stderr) = validate_json(cwd.path(), &fixtures());
    assert_eq!(exit, 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let files: HashSet<&str> = diagnostics
        .iter()
        .filter_map(|d| d["file"].as_str())
        .collect();
    let missing: Vec<String> = expected()
        .into_iter()
        .map(|e| fixtures().join(e.path).display().to_string())
        .filter(|path| !files.contains(path.as_str()))
        .collect();
    assert!(missing.is_empty(), "no diagnostic for {missing:#?}");
}
