//! The GitHub workflow and action files this repository ships: users copy them, so a file
//! GitHub would reject is a broken product. Each must parse as YAML (with our strict loader:
//! duplicate keys and stray `: ` in plain scalars are errors, as on GitHub) and pass
//! actionlint where it is installed (`.ci/run` installs it under `CI=true`).

use std::path::PathBuf;
use std::process::Command;

use crate::common::repo_root;

/// Every workflow and action file in the repository.
fn workflow_files() -> Vec<PathBuf> {
    let root = repo_root();
    let mut files = Vec::new();
    let yaml = |path: &PathBuf| path.extension().is_some_and(|e| e == "yml" || e == "yaml");
    for dir in [root.join(".github/workflows")] {
        for entry in fs_err::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if yaml(&path) {
                files.push(path);
            }
        }
    }
    for name in ["action.yml", "action.yaml"] {
        if root.join(name).is_file() {
            files.push(root.join(name));
        }
    }
    if let Ok(actions) = fs_err::read_dir(root.join(".github/actions")) {
        for entry in actions {
            for name in ["action.yml", "action.yaml"] {
                let path = entry.as_ref().unwrap().path().join(name);
                if path.is_file() {
                    files.push(path);
                }
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_workflow_file_parses() {
    let files = workflow_files();
    assert!(!files.is_empty(), "no workflow files found");
    let broken: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let text = fs_err::read_to_string(path).unwrap();
            promptctl::yaml::parse(&text)
                .err()
                .map(|error| format!("{}:{error}", path.display()))
        })
        .collect();
    assert!(
        broken.is_empty(),
        "workflow files that do not parse:\n{}",
        broken.join("\n")
    );
}

#[test]
fn a_plain_scalar_holding_colon_space_is_refused_as_github_refuses_it() {
    let text = "inputs:\n  path:\n    description: Folder (default: prompts)\n";
    assert!(promptctl::yaml::parse(text).is_err());
}

#[test]
fn every_workflow_file_passes_actionlint() {
    let found = Command::new("actionlint").arg("--version").output();
    if found.is_err() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but actionlint is not on PATH: .ci/run installs it"
        );
        eprintln!("skipped: actionlint is not on PATH (`.ci/run` installs it under CI=true)");
        return;
    }
    let output = Command::new("actionlint")
        .args(workflow_files())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "actionlint found problems:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
