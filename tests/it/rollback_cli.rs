//! `promptctl rollback --to-revision N` on SQLite, PostgreSQL and a server: models, parameters
//! and the active version come back exactly; rows created since are deactivated, not deleted;
//! a rollback plan made stale by a later write is refused; `--write-files` makes git agree.

use serde_json::Value;

use crate::common::stores::{TestDatabase, postgres_url};
use crate::common::{copy_prompts, promptctl, run};
use crate::serve_process::{Server, tokens};

/// `promptctl --store STORE ARGS` in `dir`, with a token for a server.
fn at(
    dir: &std::path::Path,
    store: &str,
    token: Option<&str>,
    args: &[&str],
) -> (i32, String, String) {
    let mut command = promptctl(dir);
    command.args(["--store", store]).args(args);
    if let Some(token) = token {
        command.env("PROMPTCTL_TOKEN", token);
    }
    run(&mut command)
}

/// Every production row as (name, version, model, max_tokens, active).
fn rows(
    dir: &std::path::Path,
    store: &str,
    token: Option<&str>,
) -> Vec<(String, String, String, String, bool)> {
    let (code, listed, stderr) = at(dir, store, token, &["list", "--all", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let mut rows: Vec<_> = serde_json::from_str::<Value>(&listed)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["prompt_name"].as_str().unwrap().to_owned(),
                r["prompt_version"].as_str().unwrap().to_owned(),
                r["ai_model"].as_str().unwrap_or_default().to_owned(),
                r["max_tokens"].to_string(),
                r["is_active"].as_bool().unwrap(),
            )
        })
        .collect();
    rows.sort();
    rows
}

/// Three revisions on `store`: the story (1), two prompts moved and one's max_tokens changed
/// (2), one prompt replaced by a new version and a new prompt created (3). Back to 1, exactly.
fn rolls_back(store: &str, token: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    let apply = |args: &[&str]| {
        let (code, _, stderr) = at(dir.path(), store, token, args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
    };
    apply(&["apply", "--auto-approve"]);
    let at_one = rows(dir.path(), store, token);

    let prompts = dir.path().join("prompts/incidents");
    let (code, _, stderr) = run(promptctl(dir.path()).args([
        "set-model",
        "openai/gpt-5.2",
        "--where",
        "prompt_name=enhance_narrative_*",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let questions = prompts.join("generate_questions_before_event.yaml");
    let text = fs_err::read_to_string(&questions).unwrap();
    fs_err::write(
        &questions,
        text.replace("max_tokens: 2000", "max_tokens: 1500"),
    )
    .unwrap();
    apply(&["apply", "--auto-approve"]);
    crate::common::new_version(
        &prompts.join("generate_mock_incident_data.yaml"),
        "v2.0.0",
        "A new first line.",
    );
    fs_err::write(
        prompts.join("brand_new.yaml"),
        crate::common::small_prompt("brand_new", "openai/gpt-5-mini", "summary", ""),
    )
    .unwrap();
    apply(&["apply", "--auto-approve"]);
    assert_ne!(rows(dir.path(), store, token), at_one);

    let (code, shown, stderr) = at(
        dir.path(),
        store,
        token,
        &["rollback", "--to-revision", "1", "--out", "back.json"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        shown.contains("ai_model: \"openai/gpt-5.2\" → \"openai/gpt-5\""),
        "{shown}"
    );
    assert!(
        shown.contains("brand_new v1 will be deactivated"),
        "{shown}"
    );
    assert!(stderr.contains("git still says otherwise"), "{stderr}");
    // A write after the plan was made: the saved rollback is stale, and refused whole.
    let (code, _, stderr) = at(
        dir.path(),
        store,
        token,
        &["rollback", "--to-revision", "1", "--out", "stale.json"],
    );
    assert_eq!(code, 0, "{stderr}");
    let before_stale = rows(dir.path(), store, token);
    apply(&["apply", "back.json"]);
    let (code, _, stderr) = at(dir.path(), store, token, &["apply", "stale.json"]);
    assert_eq!(code, 1, "a stale rollback is refused: {stderr}");
    assert!(stderr.contains("stale plan"), "{stderr}");
    assert_ne!(before_stale, rows(dir.path(), store, token));

    // Exactly revision 1 again, plus the rows made since, inactive (nothing is deleted).
    let now = rows(dir.path(), store, token);
    let kept: Vec<_> = now
        .iter()
        .filter(|r| !(r.0 == "brand_new" || r.1 == "v2.0.0"))
        .cloned()
        .collect();
    assert_eq!(kept, at_one);
    for made_since in now.iter().filter(|r| r.0 == "brand_new" || r.1 == "v2.0.0") {
        assert!(!made_since.4, "{made_since:?} is kept, inactive");
    }
    let (code, _, stderr) = at(
        dir.path(),
        store,
        token,
        &["rollback", "--to-revision", "1"],
    );
    assert_eq!(code, 0);
    assert!(
        stderr.contains("No changes: every production prompt is as it was at revision 1."),
        "{stderr}"
    );
}

#[test]
fn a_rollback_returns_a_sqlite_store_to_a_revision() {
    rolls_back("sqlite:store.db", None);
}

#[test]
fn a_rollback_returns_a_postgresql_store_to_a_revision() {
    let Some(admin) = postgres_url() else { return };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let database = runtime.block_on(TestDatabase::create(&admin));
    rolls_back(&database.url, None);
}

#[test]
fn a_rollback_goes_through_a_server_like_any_plan() {
    let dir = tempfile::tempdir().unwrap();
    let (admin, _) = tokens(dir.path());
    let server = Server::start(
        dir.path(),
        &["--database", "sqlite:served.db", "--tokens", "tokens"],
    );
    rolls_back(&server.url, Some(&admin));
}

#[test]
fn write_files_makes_git_say_what_the_rollback_did() {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    let (code, _, stderr) = run(promptctl(dir.path()).args(["apply", "--auto-approve"]));
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) =
        run(promptctl(dir.path()).args(["set-model", "openai/gpt-5-mini", "--all"]));
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(promptctl(dir.path()).args(["apply", "--auto-approve"]));
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(promptctl(dir.path()).args([
        "rollback",
        "--to-revision",
        "1",
        "--out",
        "back.json",
        "--write-files",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("Rewrote ai_model in 9 prompt files to the models of revision 1"),
        "{stderr}"
    );
    let (code, _, stderr) = run(promptctl(dir.path()).args(["apply", "back.json"]));
    assert_eq!(code, 0, "{stderr}");
    let (code, plan, _) = run(promptctl(dir.path()).arg("plan"));
    assert_eq!(code, 0);
    assert!(
        plan.contains("No changes"),
        "git and the store agree: {plan}"
    );
    let file = fs_err::read_to_string(
        dir.path()
            .join("prompts/incidents/generate_mock_incident_data.yaml"),
    )
    .unwrap();
    assert!(file.contains("ai_model: openai/gpt-5"), "{file}");
    assert!(
        file.starts_with("# yaml-language-server"),
        "comments kept: {file}"
    );
}

#[test]
fn a_revision_the_store_never_had_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    let (code, _, stderr) = run(promptctl(dir.path()).args(["apply", "--auto-approve"]));
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(promptctl(dir.path()).args(["rollback", "--to-revision", "7"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("the store is at revision 1"), "{stderr}");
}
