//! Symbolic links in the prompts folder: a link out of the project is refused unread (its
//! target's lines would otherwise show in diagnostics, or be uploaded by apply); a link inside
//! the project is followed as before.

use std::os::unix::fs::symlink;
use std::path::Path;

use crate::common::{listed_rows, promptctl, run, small_prompt};

/// A project (promptctl.yaml, prompts/) with one prompt of its own.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs_err::create_dir_all(dir.path().join("prompts")).unwrap();
    fs_err::write(dir.path().join("promptctl.yaml"), "prompts_dir: prompts\n").unwrap();
    fs_err::write(
        dir.path().join("prompts/own.yaml"),
        small_prompt("own", "openai/gpt-5", "own_step", ""),
    )
    .unwrap();
    dir
}

fn validate(dir: &Path) -> (i32, String, String) {
    run(promptctl(dir)
        .arg("validate")
        .env("PROMPTCTL_TEST_SECRET", "s3cr3t-in-the-environment"))
}

#[test]
fn a_link_to_a_system_file_is_refused_unread() {
    let dir = project();
    symlink("/etc/passwd", dir.path().join("prompts/passwd.yaml")).unwrap();
    symlink(
        "/proc/self/environ",
        dir.path().join("prompts/environ.yaml"),
    )
    .unwrap();
    let (code, stdout, stderr) = validate(dir.path());
    assert_eq!(code, 1, "{stderr}");
    let printed = format!("{stdout}{stderr}");
    assert!(
        !printed.contains("root:"),
        "/etc/passwd was read:\n{printed}"
    );
    assert!(
        !printed.contains("s3cr3t-in-the-environment"),
        "the environment was read:\n{printed}"
    );
    assert!(stderr.contains("error[unreadable-file]"), "{stderr}");
    assert!(
        stderr
            .contains("prompts/passwd.yaml is a symbolic link to /etc/passwd, outside the project"),
        "{stderr}"
    );
    assert!(
        stderr.contains("prompts/environ.yaml is a symbolic link"),
        "{stderr}"
    );
}

#[test]
fn a_link_to_a_prompt_outside_the_project_is_not_applied() {
    let dir = project();
    let elsewhere = tempfile::tempdir().unwrap();
    let outside = elsewhere.path().join("outside.yaml");
    fs_err::write(
        &outside,
        small_prompt("outsider", "openai/gpt-5", "outside_step", ""),
    )
    .unwrap();
    symlink(&outside, dir.path().join("prompts/outsider.yaml")).unwrap();
    fs_err::create_dir(elsewhere.path().join("more")).unwrap();
    fs_err::write(
        elsewhere.path().join("more/deep.yaml"),
        small_prompt("deep", "openai/gpt-5", "deep_step", ""),
    )
    .unwrap();
    symlink(
        elsewhere.path().join("more"),
        dir.path().join("prompts/more"),
    )
    .unwrap();

    let (code, _, stderr) = run(promptctl(dir.path()).args(["apply", "--auto-approve"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("prompts/outsider.yaml is a symbolic link"),
        "{stderr}"
    );
    assert!(
        stderr.contains("prompts/more is a symbolic link"),
        "{stderr}"
    );
    assert!(
        !dir.path().join(".promptctl/store.db").exists()
            || listed_rows(dir.path(), "sqlite:.promptctl/store.db").is_empty(),
        "nothing was applied"
    );
}

#[test]
fn links_inside_the_project_are_followed() {
    let dir = project();
    fs_err::create_dir_all(dir.path().join("shared")).unwrap();
    fs_err::write(
        dir.path().join("shared/common.yaml"),
        small_prompt("common", "openai/gpt-5", "common_step", ""),
    )
    .unwrap();
    symlink(
        "../shared/common.yaml",
        dir.path().join("prompts/common.yaml"),
    )
    .unwrap();
    symlink("../shared", dir.path().join("prompts/shared-dir")).unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).args(["plan"]));
    // The same prompt reached twice is one prompt declared twice: a duplicate, not a refusal.
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("duplicate-prompt-name"), "{stderr}");
    assert!(!stderr.contains("outside the project"), "{stderr}");
    fs_err::remove_file(dir.path().join("prompts/shared-dir")).unwrap();
    let (code, stdout, stderr) = run(promptctl(dir.path()).args(["plan"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("common"), "{stdout}");
}
