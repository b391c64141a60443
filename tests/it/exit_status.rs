//! One test per exit status, on the real binary: 0 success, 1 an error or a usage mistake
//! (clap's included), 2 changes (only with `--detailed-exitcode`), 3 a write whose outcome is
//! unknown. README's table says the same.

use promptctl::store::sqlite::SqliteStore;

use crate::common::proxy::{self, Fault};
use crate::common::stores::start_server;
use crate::common::{copy_prompts, promptctl, run};

#[test]
fn zero_is_success() {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    let (code, _, stderr) = run(promptctl(dir.path()).arg("validate"));
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn one_is_an_error_that_changed_nothing() {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    fs_err::write(
        dir.path().join("prompts/broken.yaml"),
        "prompt_name: broken\nprompt_version: v1\nai_model: openai/gpt5\nprompt_template: Hi.\n",
    )
    .unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).arg("validate"));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("unknown-model"), "{stderr}");
}

#[test]
fn one_is_also_every_usage_mistake_never_two() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &[][..],
        &["plan", "--detailed-exitcode", "--max-cost-increase", "$50"][..],
        &["plan", "--no-such-flag"][..],
        &["frobnicate"][..],
    ] {
        let (code, _, stderr) = run(promptctl(dir.path()).args(args));
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(!stderr.is_empty(), "{args:?} says why");
    }
    let (_, _, stderr) = run(promptctl(dir.path()).args(["plan", "--max-cost-increase", "$50"]));
    assert!(stderr.contains("USD per month"), "{stderr}");
    assert!(stderr.contains("without the `$`"), "{stderr}");
    let (code, stdout, _) = run(promptctl(dir.path()).arg("--help"));
    assert_eq!(code, 0);
    assert!(stdout.contains("Usage"), "{stdout}");
}

#[test]
fn two_means_changes_and_only_with_detailed_exitcode() {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    let (code, _, stderr) = run(promptctl(dir.path()).args(["plan", "--detailed-exitcode"]));
    assert_eq!(code, 2, "{stderr}");
    let (code, _, stderr) = run(promptctl(dir.path()).arg("plan"));
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(promptctl(dir.path()).args(["apply", "--auto-approve"]));
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(promptctl(dir.path()).args(["plan", "--detailed-exitcode"]));
    assert_eq!(code, 0, "no changes: {stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_is_a_write_whose_answer_was_lost() {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    let store = SqliteStore::open(&dir.path().join("served.db"))
        .await
        .unwrap();
    let (url, _stop) = start_server(Box::new(store), None).await;
    let proxied = proxy::start(
        url.trim_start_matches("http://").to_owned(),
        Box::new(|method, _, _| {
            if method == "POST" {
                Fault::LoseAnswer(502)
            } else {
                Fault::Pass
            }
        }),
    )
    .await;
    let project = dir.path().to_path_buf();
    let (code, _, stderr) = tokio::task::spawn_blocking(move || {
        run(promptctl(&project).args(["apply", "--auto-approve", "--store", &proxied]))
    })
    .await
    .unwrap();
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("may or may not have been applied"),
        "{stderr}"
    );
}
