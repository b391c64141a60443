//! Running the real `promptctl` binary with a scrubbed environment, in a temporary project.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `promptctl` binary cargo built for these tests.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_promptctl"))
}

/// A `promptctl` command run in `dir` with only the environment tests control: no
/// LLM_MODEL, no colour, no token from the developer's shell.
pub fn promptctl(dir: &Path) -> Command {
    let mut command = Command::new(bin());
    command.current_dir(dir).env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    command.env("NO_COLOR", "1");
    // Model lifecycles as of a fixed day: the catalog's deprecation dates must not turn a
    // passing test red on the day they arrive. Tests of lifecycles set their own day.
    command.env("PROMPTCTL_TODAY", TODAY);
    command
}

/// The day tests run "on" (see `promptctl`): before every date the built-in catalog deprecates.
pub const TODAY: &str = "2026-06-01";

/// Run and return (exit code, stdout, stderr).
pub fn run(command: &mut Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("promptctl runs");
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// The repository root, where `prompts/` and `schemas/` live.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The story's prompts, as they were when it moved to `openai/gpt-5`: the repository's own
/// `prompts/` has moved on since (to `openai/gpt-5.2` and its tiers), but the tests keep
/// telling the story they were written for, the way they pin today's date.
pub fn story_prompts() -> PathBuf {
    repo_root().join("tests/fixtures/story/prompts")
}

/// Copy the story's prompts into `dir/prompts`.
pub fn copy_prompts(dir: &Path) {
    copy_tree(&story_prompts(), &dir.join("prompts"));
}

pub fn copy_tree(from: &Path, to: &Path) {
    fs_err::create_dir_all(to).unwrap();
    for entry in fs_err::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs_err::copy(entry.path(), target).unwrap();
        }
    }
}

/// Give the prompt file at `path` a new version whose template starts with `first_line`, as a
/// developer's change would; returns the version it had.
pub fn new_version(path: &Path, version: &str, first_line: &str) -> String {
    let text = fs_err::read_to_string(path).unwrap();
    let old = text
        .lines()
        .find_map(|l| l.strip_prefix("prompt_version: "))
        .unwrap()
        .to_owned();
    let text = text
        .replacen(
            &format!("prompt_version: {old}"),
            &format!("prompt_version: {version}"),
            1,
        )
        .replacen(
            "prompt_template: |\n",
            &format!("prompt_template: |\n  {first_line}\n"),
            1,
        );
    fs_err::write(path, text).unwrap();
    old
}

pub mod convex;
pub mod pg_proxy;
pub mod proxy;
pub mod stores;

/// Every row `list --all --format json` gives for the store at `store` (a URL), from `dir`.
pub fn listed_rows(dir: &Path, store: &str) -> Vec<serde_json::Value> {
    let (code, stdout, stderr) =
        run(promptctl(dir).args(["--store", store, "list", "--all", "--format", "json"]));
    assert_eq!(code, 0, "{stderr}");
    match serde_json::from_str(&stdout).unwrap() {
        serde_json::Value::Array(rows) => rows,
        other => panic!("list JSON is not an array: {other}"),
    }
}

/// A valid one-line prompt file of subsystem `incidents` (`extra`: more `key: value` lines).
pub fn small_prompt(name: &str, model: &str, step: &str, extra: &str) -> String {
    format!(
        "prompt_name: {name}\nprompt_version: v1\nai_model: {model}\nsubsystem: incidents\nworkflow_step: {step}\n{extra}prompt_template: Hi.\n"
    )
}
