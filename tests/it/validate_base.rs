//! `validate --base REF` in a real git repository made in a temporary folder: each prompt
//! compared with its file at the base commit, no store involved.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::common::{promptctl, run};

fn git(dir: &Path, args: &[&str]) {
    let output = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=test", "-c", "user.email=test@example.com"])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn prompt(name: &str, version: &str, model: &str, template: &str) -> String {
    format!(
        "# A comment that stays.\nprompt_name: {name}\nprompt_version: {version}\nai_model: {model}\nprompt_template: |\n  {template}\n"
    )
}

/// A repository whose `main` holds three prompts; the work tree is a branch off it.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let prompts = dir.path().join("prompts");
    fs_err::create_dir_all(prompts.join("incidents")).unwrap();
    fs_err::write(
        prompts.join("incidents/questions.yaml"),
        prompt(
            "questions",
            "v1",
            "openai/gpt-4o-mini",
            "Ask about the incident.",
        ),
    )
    .unwrap();
    fs_err::write(
        prompts.join("summary.yaml"),
        prompt("summary", "v1", "openai/gpt-4o-mini", "Summarise it."),
    )
    .unwrap();
    fs_err::write(
        prompts.join("old.yaml"),
        prompt("old", "v1", "openai/gpt-4o-mini", "Old prompt."),
    )
    .unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    git(dir.path(), &["checkout", "-q", "-b", "change"]);
    dir
}

fn validate_json(dir: &Path) -> (i32, Value, String) {
    let (code, stdout, stderr) =
        run(promptctl(dir).args(["validate", "--base", "main", "--format", "json"]));
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    (code, report, stderr)
}

fn codes(report: &Value) -> Vec<(String, String, u64)> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["file"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_template_changed_without_a_new_version_is_an_error_at_the_version_line() {
    let dir = repository();
    fs_err::write(
        dir.path().join("prompts/incidents/questions.yaml"),
        prompt(
            "questions",
            "v1",
            "openai/gpt-4o-mini",
            "Ask two questions.",
        ),
    )
    .unwrap();
    let (code, report, stderr) = validate_json(dir.path());
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        codes(&report),
        vec![(
            "version-not-bumped".to_owned(),
            "prompts/incidents/questions.yaml".to_owned(),
            3
        )]
    );
    let (code, _, stderr) = run(promptctl(dir.path()).args(["validate", "--base", "main"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("error[version-not-bumped]"), "{stderr}");
    assert!(
        stderr.contains("3 | prompt_version: v1"),
        "the line is shown: {stderr}"
    );
}

#[test]
fn a_bumped_version_passes_and_the_summary_shows_the_model_before_and_after() {
    let dir = repository();
    fs_err::write(
        dir.path().join("prompts/incidents/questions.yaml"),
        prompt("questions", "v2", "openai/gpt-5", "Ask two questions."),
    )
    .unwrap();
    // A model change alone needs no new version: it is a mutable field.
    fs_err::write(
        dir.path().join("prompts/summary.yaml"),
        prompt("summary", "v1", "openai/gpt-5-mini", "Summarise it."),
    )
    .unwrap();
    let (code, report, stderr) = validate_json(dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(codes(&report).iter().all(|(c, _, _)| c == "prompt-removed"));
    let changes = report["base"]["changes"].as_array().unwrap();
    let questions = changes
        .iter()
        .find(|c| c["prompt_name"] == "questions")
        .unwrap();
    assert_eq!(questions["change"], "changed");
    assert_eq!(questions["version_before"], "v1");
    assert_eq!(questions["version_after"], "v2");
    assert_eq!(questions["model_before"], "openai/gpt-4o-mini");
    assert_eq!(questions["model_after"], "openai/gpt-5");
    assert_eq!(report["base"]["ref"], "main");
    assert_eq!(report["base"]["commit"].as_str().unwrap().len(), 40);

    let (_, _, stderr) = run(promptctl(dir.path()).args(["validate", "--base", "main"]));
    assert!(
        stderr.contains("questions")
            && stderr.contains("v1 → v2")
            && stderr.contains("openai/gpt-4o-mini → openai/gpt-5"),
        "{stderr}"
    );
}

#[test]
fn a_removed_prompt_is_a_warning_and_a_new_one_is_listed() {
    let dir = repository();
    fs_err::remove_file(dir.path().join("prompts/old.yaml")).unwrap();
    fs_err::write(
        dir.path().join("prompts/fresh.yaml"),
        prompt("fresh", "v1", "openai/gpt-5", "New in the branch."),
    )
    .unwrap();
    let (code, report, stderr) = validate_json(dir.path());
    assert_eq!(code, 0, "a warning does not fail: {stderr}");
    assert_eq!(
        codes(&report),
        vec![(
            "prompt-removed".to_owned(),
            "prompts/old.yaml".to_owned(),
            1
        )]
    );
    let changes: Vec<(String, String)> = report["base"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["prompt_name"].as_str().unwrap().to_owned(),
                c["change"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        vec![
            ("fresh".to_owned(), "added".to_owned()),
            ("old".to_owned(), "removed".to_owned())
        ]
    );
}

#[test]
fn a_renamed_prompt_is_a_warning_in_its_file() {
    let dir = repository();
    fs_err::write(
        dir.path().join("prompts/old.yaml"),
        prompt("newer", "v1", "openai/gpt-4o-mini", "Old prompt."),
    )
    .unwrap();
    let (code, report, stderr) = validate_json(dir.path());
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        codes(&report),
        vec![(
            "prompt-removed".to_owned(),
            "prompts/old.yaml".to_owned(),
            2
        )]
    );
    let message = report["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.contains("renamed to `newer`"), "{message}");
    let change = &report["base"]["changes"][0];
    assert_eq!(change["change"], "renamed");
    assert_eq!(change["renamed_from"], "old");
}

#[test]
fn a_new_prompt_with_an_error_is_in_the_changed_list() {
    let dir = repository();
    fs_err::write(
        dir.path().join("prompts/fresh.yaml"),
        prompt("fresh", "v1", "openai/gpt-9", "New in the branch."),
    )
    .unwrap();
    let (code, report, stderr) = validate_json(dir.path());
    assert_eq!(code, 1, "{stderr}");
    let found: Vec<String> = codes(&report).into_iter().map(|(c, _, _)| c).collect();
    assert_eq!(found, vec!["unknown-model".to_owned()]);
    let change = &report["base"]["changes"][0];
    assert_eq!(change["prompt_name"], "fresh");
    assert_eq!(change["change"], "added");
    assert_eq!(change["model_after"], "openai/gpt-9");
    assert_eq!(change["has_errors"], true);
    let (_, _, text) = run(promptctl(dir.path()).args(["validate", "--base", "main"]));
    assert!(text.contains("fresh (has errors)"), "{text}");
}

#[test]
fn a_broken_file_is_not_also_reported_as_removed() {
    let dir = repository();
    fs_err::write(
        dir.path().join("prompts/old.yaml"),
        "prompt_name: old\nprompt_version: v1\nai_model: openai/gpt-4o-mini\nprompt_template: x\nai_modle: typo\n",
    )
    .unwrap();
    let (code, report, _) = validate_json(dir.path());
    assert_eq!(code, 1);
    let found: Vec<String> = codes(&report).into_iter().map(|(c, _, _)| c).collect();
    assert_eq!(found, vec!["unknown-field".to_owned()]);
}

#[test]
fn an_unknown_base_says_to_fetch_it() {
    let dir = repository();
    let (code, stdout, stderr) =
        run(promptctl(dir.path()).args(["validate", "--base", "origin/nowhere"]));
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("`origin/nowhere` not found") && stderr.contains("fetch-depth: 0"),
        "{stderr}"
    );
}

#[test]
fn under_github_actions_the_summary_and_annotations_are_written() {
    let dir = repository();
    fs_err::write(
        dir.path().join("prompts/incidents/questions.yaml"),
        prompt("questions", "v1", "openai/gpt-5", "Ask two questions."),
    )
    .unwrap();
    let summary = dir.path().join("summary.md");
    fs_err::write(&summary, "earlier step\n").unwrap();
    let (code, stdout, stderr) = run(promptctl(dir.path())
        .args(["validate", "--base", "main"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary));
    assert_eq!(code, 1);
    assert!(stdout.is_empty(), "annotations go to stderr: {stdout}");
    assert!(
        stderr.contains(
            "::error file=prompts/incidents/questions.yaml,line=3,col=1,title=version-not-bumped::"
        ),
        "{stderr}"
    );
    let written = fs_err::read_to_string(&summary).unwrap();
    assert!(written.starts_with("earlier step\n"), "appended: {written}");
    assert!(written.contains("### promptctl validate"), "{written}");
    assert!(written.contains("`version-not-bumped`"), "{written}");
    assert!(
        written.contains("| `questions` | changed | v1 | openai/gpt-4o-mini → openai/gpt-5 |"),
        "{written}"
    );
}
