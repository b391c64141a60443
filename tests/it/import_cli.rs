//! `promptctl import`: live prompts into YAML files, never outside prompts_dir.

use serde_json::{Value, json};

use crate::common::{promptctl, run};

fn row(name: &str, subsystem: Option<&str>, model: Option<&str>) -> Value {
    json!({
        "prompt_name": name, "prompt_version": "v1", "subsystem": subsystem, "ai_model": model,
        "prompt_template": "Hello {{who}}.\n", "created_at": 1,
        "input_schema": {"type": "object", "properties": {"who": {"type": "string"}}}
    })
}

fn project(rows: Vec<Value>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs_err::write(
        dir.path().join("store.json"),
        Value::Array(rows).to_string(),
    )
    .unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).args(["store", "restore", "store.json"]));
    assert_eq!(code, 0, "{stderr}");
    dir
}

fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.unwrap();
        let relative = entry
            .path()
            .strip_prefix(dir)
            .unwrap()
            .display()
            .to_string();
        // The store's own files come and go with its write-ahead log.
        if entry.file_type().is_file() && !relative.starts_with(".promptctl") {
            out.push(relative);
        }
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_names_are_refused_and_nothing_escapes() {
    // No write path stores such names (the rules of record refuse them)...
    let dir = tempfile::tempdir().unwrap();
    fs_err::write(
        dir.path().join("hostile.json"),
        json!([row("../x", None, Some("openai/gpt-5"))]).to_string(),
    )
    .unwrap();
    let project_dir = dir.path().to_path_buf();
    let (code, _, stderr) = tokio::task::spawn_blocking(move || {
        run(promptctl(&project_dir).args(["store", "restore", "hostile.json"]))
    })
    .await
    .unwrap();
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("`../x` (of version `v1`) is not a valid prompt_name"),
        "{stderr}"
    );
    // ...but another writer may: import must refuse them as it finds them.
    let long = "x".repeat(1000);
    let dir = project(vec![
        row("hostile_1", None, Some("openai/gpt-5")),
        row("hostile_2", None, Some("openai/gpt-5")),
        row("hostile_3", None, Some("openai/gpt-5")),
        row("hostile_4", None, Some("openai/gpt-5")),
        row("fine", Some("../../outside"), Some("openai/gpt-5")),
        row("good", Some("incidents"), Some("openai/gpt-5")),
    ]);
    crate::common::stores::sqlite_exec(
        &dir.path().join(".promptctl/store.db"),
        &format!(
            "UPDATE ai_prompts SET prompt_name = '../x' WHERE prompt_name = 'hostile_1';
             UPDATE ai_prompts SET prompt_name = '/etc/passwd' WHERE prompt_name = 'hostile_2';
             UPDATE ai_prompts SET prompt_name = 'a/b' WHERE prompt_name = 'hostile_3';
             UPDATE ai_prompts SET prompt_name = '{long}' WHERE prompt_name = 'hostile_4';"
        ),
    )
    .await;
    let dir_path = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || hostile_names_in_the_store(&dir_path))
        .await
        .unwrap();
}

/// Import over a store holding hostile names.
fn hostile_names_in_the_store(dir: &std::path::Path) {
    // An empty name cannot even be restored: the store refuses it.
    fs_err::write(
        dir.join("empty.json"),
        json!([row("", None, Some("openai/gpt-5"))]).to_string(),
    )
    .unwrap();
    let (code, _, stderr) = run(promptctl(dir).args(["store", "restore", "empty.json", "--force"]));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("row 1, field `prompt_name`: is empty"),
        "{stderr}"
    );

    let before = files_under(dir);
    let (code, _, stderr) = run(promptctl(dir).arg("import"));
    assert_eq!(code, 1);
    for name in [
        "`../x`",
        "`/etc/passwd`",
        "`a/b`",
        "subsystem `../../outside`",
    ] {
        assert!(stderr.contains(name), "{name}: {stderr}");
    }
    assert!(stderr.contains("…"), "a long name is shortened: {stderr}");
    let mut expected = before;
    expected.push("prompts/incidents/good.yaml".to_owned());
    // The schema the written file names.
    expected.push("schemas/prompt.schema.json".to_owned());
    expected.sort();
    assert_eq!(files_under(dir), expected);
}

#[test]
fn imported_prompts_plan_clean_and_existing_files_are_kept() {
    let dir = project(vec![
        row("with_model", Some("incidents"), Some("openai/gpt-5-mini")),
        row("no_model", None, None),
    ]);
    let (code, _, stderr) = run(promptctl(dir.path()).arg("import"));
    assert_eq!(code, 0, "{stderr}");
    let text = fs_err::read_to_string(dir.path().join("prompts/no_model.yaml")).unwrap();
    assert!(
        text.starts_with("# yaml-language-server: $schema=../schemas/prompt.schema.json\n"),
        "{text}"
    );
    assert!(
        dir.path().join("schemas/prompt.schema.json").is_file(),
        "the schema the files name is there"
    );
    assert!(
        text.contains("ai_model: openai/gpt-5.2   # the store had no model: the default model"),
        "{text}"
    );
    let (code, _, stderr) = run(promptctl(dir.path()).arg("validate"));
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, _) = run(promptctl(dir.path()).args(["plan", "--format", "json"]));
    assert_eq!(code, 0);
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    let changes = plan["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "only the missing model is filled: {plan}");
    assert_eq!(changes[0]["prompt_name"], "no_model");
    assert_eq!(
        changes[0]["fields"],
        json!({"ai_model": {"before": null, "after": "openai/gpt-5.2"}})
    );

    fs_err::write(dir.path().join("prompts/no_model.yaml"), "# mine\n").unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).args(["import", "--name", "no_model"]));
    assert_eq!(code, 1, "git's file (even broken) is never imported over");
    assert!(stderr.contains("exists; pass --force"), "{stderr}");
    assert_eq!(
        fs_err::read_to_string(dir.path().join("prompts/no_model.yaml")).unwrap(),
        "# mine\n"
    );
    let (code, _, stderr) =
        run(promptctl(dir.path()).args(["import", "--name", "no_model", "--force"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        fs_err::read_to_string(dir.path().join("prompts/no_model.yaml"))
            .unwrap()
            .contains("prompt_name: no_model")
    );
}
