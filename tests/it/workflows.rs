//! The GitHub workflow and action files this repository ships: users copy them, so a file
//! GitHub would reject is a broken product. Each must parse as YAML (with our strict loader:
//! duplicate keys and stray `: ` in plain scalars are errors, as on GitHub), pass actionlint
//! (workflows; it does not read action.yml) and match GitHub's schemas as check-jsonschema
//! ships them (workflows and actions). `.ci/run` installs both tools under `CI=true`, where a
//! missing one fails the test; elsewhere the test says why it skips.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::repo_root;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Workflow,
    Action,
    /// Other YAML under `.github/` (dependabot, issue forms): parsed only.
    Other,
}

/// Every YAML file under `.github/` and `examples/github/`, and the action at the root.
fn github_files() -> Vec<(PathBuf, Kind)> {
    let root = repo_root();
    let yaml = |path: &Path| path.extension().is_some_and(|e| e == "yml" || e == "yaml");
    let action = |path: &Path| path.file_stem().is_some_and(|s| s == "action");
    let mut files = Vec::new();
    for dir in [root.join(".github"), root.join("examples/github")] {
        for entry in walkdir::WalkDir::new(&dir) {
            let path = entry.unwrap().into_path();
            if !path.is_file() || !yaml(&path) {
                continue;
            }
            let kind = if action(&path) {
                Kind::Action
            } else if path.parent() == Some(&root.join(".github/workflows"))
                || path.parent() == Some(&root.join("examples/github"))
            {
                Kind::Workflow
            } else {
                Kind::Other
            };
            files.push((path, kind));
        }
    }
    for name in ["action.yml", "action.yaml"] {
        if root.join(name).is_file() {
            files.push((root.join(name), Kind::Action));
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

fn files_of(kind: Kind) -> Vec<PathBuf> {
    let files: Vec<PathBuf> = github_files()
        .into_iter()
        .filter(|(_, k)| *k == kind)
        .map(|(path, _)| path)
        .collect();
    assert!(!files.is_empty(), "no {kind:?} files found");
    files
}

fn parsed(path: &Path) -> serde_json::Value {
    let text = fs_err::read_to_string(path).unwrap();
    promptctl::yaml::parse(&text)
        .unwrap_or_else(|error| panic!("{}:{error}", path.display()))
        .to_json()
}

/// Whether `program` runs. When it does not: under `CI=true` the test fails (`.ci/run` was to
/// install it), elsewhere it prints why it skips.
fn tool_available(program: &str) -> bool {
    if Command::new(program).arg("--version").output().is_ok() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but {program} is not on PATH: .ci/run installs it"
    );
    eprintln!("skipped: {program} is not on PATH (`.ci/run` installs it under CI=true)");
    false
}

fn assert_passes(command: &mut Command, what: &str) {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{what} found problems:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn every_workflow_file_parses() {
    let files = github_files();
    assert!(!files.is_empty(), "no workflow files found");
    let broken: Vec<String> = files
        .iter()
        .filter_map(|(path, _)| {
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
    if !tool_available("actionlint") {
        return;
    }
    assert_passes(
        Command::new("actionlint").args(files_of(Kind::Workflow)),
        "actionlint",
    );
}

#[test]
fn every_workflow_file_matches_githubs_workflow_schema() {
    if !tool_available("check-jsonschema") {
        return;
    }
    assert_passes(
        Command::new("check-jsonschema")
            .args(["--builtin-schema", "vendor.github-workflows"])
            .args(files_of(Kind::Workflow)),
        "check-jsonschema (github-workflows)",
    );
}

#[test]
fn every_action_file_matches_githubs_action_schema() {
    if !tool_available("check-jsonschema") {
        return;
    }
    assert_passes(
        Command::new("check-jsonschema")
            .args(["--builtin-schema", "vendor.github-actions"])
            .args(files_of(Kind::Action)),
        "check-jsonschema (github-actions)",
    );
}

/// Every `run:` script in `value`, with where it is.
fn run_scripts(value: &serde_json::Value, at: &str, found: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("run", serde_json::Value::String(script)) => {
                        found.push((format!("{at}.run"), script.clone()));
                    }
                    _ => run_scripts(value, &format!("{at}.{key}"), found),
                }
            }
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                run_scripts(item, &format!("{at}[{i}]"), found);
            }
        }
        _ => {}
    }
}

/// Script injection: an expression spliced into a script's text is run as shell code, so a
/// branch name or an input could run commands. Values reach scripts through `env:`.
#[test]
fn no_run_script_expands_an_expression() {
    let mut spliced = Vec::new();
    for (path, kind) in github_files() {
        if kind == Kind::Other {
            continue;
        }
        let mut scripts = Vec::new();
        run_scripts(&parsed(&path), "", &mut scripts);
        for (at, script) in scripts {
            if script.contains("${{") {
                spliced.push(format!("{}: {at}", path.display()));
            }
        }
    }
    assert!(
        spliced.is_empty(),
        "run scripts with ${{{{ … }}}} in their text (pass the value through env: instead):\n{}",
        spliced.join("\n")
    );
}

/// The action downloads `promptctl-<tag>-<target>` archives; the release workflow must build
/// those names for the same targets, or the action falls back to a long build from source.
#[test]
fn the_action_downloads_what_the_release_workflow_publishes() {
    let root = repo_root();
    let action = fs_err::read_to_string(root.join("action.yml")).unwrap();
    let release_path = root.join(".github/workflows/release.yml");
    let release = fs_err::read_to_string(&release_path).unwrap();
    for line in [
        r#"name="promptctl-${tag}-${target}""#,
        r#"archive="$name.tar.gz""#,
        r#"archive="$name.zip""#,
        r#".sha256""#,
    ] {
        assert!(action.contains(line), "action.yml lacks {line}");
        assert!(release.contains(line), "release.yml lacks {line}");
    }

    let mut built: Vec<String> =
        parsed(&release_path)["jobs"]["build"]["strategy"]["matrix"]["include"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["target"].as_str().unwrap().to_owned())
            .collect();
    let mut downloaded: Vec<String> = action
        .lines()
        .filter_map(|line| {
            let (_, rest) = line.split_once(") target=")?;
            let target = rest.trim_end_matches(";;").trim();
            let triple = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
            (!target.is_empty() && target.chars().all(triple)).then(|| target.to_owned())
        })
        .collect();
    built.sort();
    downloaded.sort();
    downloaded.dedup();
    assert_eq!(downloaded, built, "action.yml's targets and release.yml's");
}

/// The promptctl command line the action runs for a step's `with:` inputs (action.yml's
/// `promptctl <command>` step, for the inputs the examples use).
fn action_command(with: &serde_json::Value) -> Vec<String> {
    let input = |name: &str| with[name].as_str().unwrap_or_default().to_owned();
    let mut args = Vec::new();
    if !input("env").is_empty() {
        args.extend(["--env".to_owned(), input("env")]);
    }
    match input("command").as_str() {
        "validate" => args.push("validate".to_owned()),
        "plan" => {
            args.extend(
                [
                    "plan",
                    "--out",
                    "promptctl.plan.json",
                    "--detailed-exitcode",
                ]
                .map(String::from),
            );
            if !input("max-cost-increase").is_empty() {
                args.extend(["--max-cost-increase".to_owned(), input("max-cost-increase")]);
            }
        }
        other => panic!("the example pull-request workflow runs `{other}`"),
    }
    args
}

#[test]
fn the_example_pull_request_workflow_passes_in_a_project_that_has_only_prompts() {
    // A project as the example's README sets it up: prompts/, and promptctl.yaml naming `dev`
    // (a SQLite store here, where the README's is a server). No usage.yaml, no models.yaml.
    let dir = tempfile::tempdir().unwrap();
    crate::common::copy_prompts(dir.path());
    fs_err::write(
        dir.path().join("promptctl.yaml"),
        "environments:\n  dev: { store: \"sqlite:dev.db\" }\n",
    )
    .unwrap();
    let (code, _, stderr) = crate::common::run(crate::common::promptctl(dir.path()).args([
        "--store",
        "sqlite:dev.db",
        "apply",
        "--auto-approve",
    ]));
    assert_eq!(code, 0, "{stderr}");
    crate::common::new_version(
        &dir.path()
            .join("prompts/incidents/generate_mock_incident_data.yaml"),
        "v9.9.9",
        "A new first line.",
    );
    let workflow = parsed(&repo_root().join("examples/github/pull-request.yml"));
    let steps = workflow["jobs"]["plan"]["steps"].as_array().unwrap();
    let mut ran = 0;
    for step in steps {
        let uses = step["uses"].as_str().unwrap_or_default();
        if !uses.starts_with("promptctl/promptctl") {
            continue;
        }
        let args = action_command(&step["with"]);
        let (code, _, stderr) =
            crate::common::run(crate::common::promptctl(dir.path()).args(&args));
        assert!(
            code == 0 || code == 2,
            "`promptctl {}` as the example runs it fails (exit {code}): {stderr}",
            args.join(" ")
        );
        ran += 1;
    }
    assert_eq!(ran, 2, "validate and plan");
}
