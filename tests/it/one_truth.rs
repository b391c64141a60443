//! One truth behind every face, on the CLI: the saved plan applies the changes it shows or
//! nothing, set-model writes nothing validate would refuse, selectors that match nothing are
//! errors, a plan's cost totals compare like with like, and every face names the same row of
//! a name that legacy data keeps two active versions of.

use std::path::Path;

use serde_json::{Value, json};

use crate::common::stores::{TestDatabase, postgres_url};
use crate::common::{copy_prompts, promptctl, run, small_prompt};

fn export(dir: &Path, store: &str) -> Value {
    let (code, stdout, stderr) = run(promptctl(dir).args(["--store", store, "store", "export"]));
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

/// A project of one prompt, `a` on `openai/gpt-4o-mini`: the folder, and its prompts folder.
fn one_prompt_project() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let prompts = dir.path().join("prompts");
    fs_err::create_dir_all(&prompts).unwrap();
    fs_err::write(
        prompts.join("a.yaml"),
        small_prompt("a", "openai/gpt-4o-mini", "narrative", ""),
    )
    .unwrap();
    (dir, prompts)
}

/// A project whose store has the repository's prompts, and a saved plan that moves the
/// clarification questions to `openai/gpt-5-mini`.
fn saved_plan(dir: &Path, store: &str) -> Value {
    copy_prompts(dir);
    let (code, _, stderr) = run(promptctl(dir).args(["--store", store, "apply", "--auto-approve"]));
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(promptctl(dir).args([
        "set-model",
        "openai/gpt-5-mini",
        "--where",
        "workflow_step=clarification_questions",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) =
        run(promptctl(dir).args(["--store", store, "plan", "--out", "plan.json"]));
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&fs_err::read_to_string(dir.join("plan.json")).unwrap()).unwrap()
}

/// Each way of editing a saved plan, applied: refused, the store as it was.
fn tampered_saved_plans_are_refused(dir: &Path, store: &str) {
    let plan = saved_plan(dir, store);
    let before = export(dir, store);
    let update_op = |plan: &mut Value| -> Value { plan["plan"]["changes"][0]["ops"][0].clone() };
    let mut cases: Vec<(&str, Value, &str)> = Vec::new();
    // Another model in the op, the fields left as shown.
    let mut other_model = plan.clone();
    other_model["plan"]["changes"][0]["ops"][0]["patch"]["ai_model"] = json!("openai/gpt-5-nano");
    cases.push(("another model", other_model, "does not hold together"));
    // An unknown model, in the fields and the op alike: the rules of record refuse it.
    let mut unknown = plan.clone();
    unknown["plan"]["changes"][0]["ops"][0]["patch"]["ai_model"] = json!("acme/unknown");
    unknown["plan"]["changes"][0]["fields"]["ai_model"]["after"] = json!("acme/unknown");
    cases.push(("an unknown model", unknown, "unknown-model"));
    // An extra insert of a hostile name inside an update.
    let mut extra = plan.clone();
    let insert = json!({"op": "insert", "action": "update", "expect_new_name": true, "row": {
        "prompt_name": "../../evil", "prompt_version": "v1", "prompt_template": "Hi.",
        "description": null, "input_schema": null, "output_schema": null, "workflow_step": null,
        "subsystem": null, "ai_model": "openai/gpt-5-mini", "max_tokens": null,
        "temperature": null, "is_active": true}});
    extra["plan"]["changes"][0]["ops"]
        .as_array_mut()
        .unwrap()
        .push(insert);
    cases.push(("an extra insert", extra, "does not hold together"));
    // An op pointed at another change's row: it would be merged into one write.
    let mut pointed = plan.clone();
    let other = update_op(&mut pointed.clone());
    let next_id = pointed["plan"]["changes"][1]["ops"][0]["id"].clone();
    pointed["plan"]["changes"][0]["ops"][0]["id"] = next_id.clone();
    pointed["plan"]["changes"][0]["ops"][0]["expected_row_version"] =
        pointed["plan"]["changes"][1]["ops"][0]["expected_row_version"].clone();
    assert_ne!(other["id"], next_id);
    cases.push(("an op on another row", pointed, "does not hold together"));
    for (what, edited, said) in cases {
        fs_err::write(dir.join("edited.json"), edited.to_string()).unwrap();
        let (code, stdout, stderr) =
            run(promptctl(dir).args(["--store", store, "apply", "edited.json"]));
        assert_eq!(code, 1, "{what}: {stdout}{stderr}");
        assert!(stderr.contains(said), "{what}: {stderr}");
        assert_eq!(export(dir, store), before, "{what}: the store changed");
    }
    // The plan as saved applies, and says what it shows.
    let (code, stdout, stderr) = run(promptctl(dir).args(["--store", store, "apply", "plan.json"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("0 created, 4 updated"), "{stdout}");
}

#[test]
fn a_tampered_saved_plan_is_refused_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    tampered_saved_plans_are_refused(dir.path(), "sqlite:store.db");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_saved_plan_is_refused_on_postgres() {
    let Some(admin) = postgres_url() else { return };
    let database = TestDatabase::create(&admin).await;
    let url = database.url.clone();
    tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir().unwrap();
        tampered_saved_plans_are_refused(dir.path(), &url);
    })
    .await
    .unwrap();
}

#[test]
fn set_model_writes_nothing_validate_would_refuse() {
    let (dir, prompts) = one_prompt_project();
    fs_err::write(
        prompts.join("warm.yaml"),
        small_prompt(
            "warm",
            "openai/gpt-4o-mini",
            "narrative",
            "temperature: 0.2\n",
        ),
    )
    .unwrap();
    let before = fs_err::read_to_string(prompts.join("a.yaml")).unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).args([
        "set-model",
        "anthropic/claude-3-sonnet",
        "--prompt",
        "a",
    ]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("error[retired-model]"), "{stderr}");
    assert!(stderr.contains("no file was changed"), "{stderr}");
    assert_eq!(
        fs_err::read_to_string(prompts.join("a.yaml")).unwrap(),
        before
    );
    // Moving both to gpt-5: the file with a temperature refuses the whole run.
    let (code, _, stderr) = run(promptctl(dir.path()).args(["set-model", "openai/gpt-5", "--all"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("error[temperature-unsupported]"),
        "{stderr}"
    );
    assert!(stderr.contains("warm.yaml"), "{stderr}");
    assert_eq!(
        fs_err::read_to_string(prompts.join("a.yaml")).unwrap(),
        before,
        "no file of the run is written"
    );
}

#[test]
fn selectors_that_match_nothing_are_errors_with_the_nearest_names() {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    for (args, said) in [
        (
            &["plan", "--target", "generate_question_before_event"][..],
            "did you mean one of `generate_questions_before_event`",
        ),
        (
            &[
                "set-model",
                "openai/gpt-5-mini",
                "--prompt",
                "enhance_narative_post_event",
            ][..],
            "`enhance_narrative_post_event`",
        ),
        (
            &[
                "set-model",
                "openai/gpt-5-mini",
                "--where",
                "prompt_name=nothing_*",
            ][..],
            "selects no prompt file",
        ),
    ] {
        let (code, stdout, stderr) = run(promptctl(dir.path()).args(args));
        assert_eq!(code, 1, "{args:?}: {stdout}{stderr}");
        assert!(stderr.contains(said), "{args:?}: {stderr}");
    }
}

#[test]
fn successors_moves_what_the_deprecation_warning_names() {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    // A week before gpt-5's deprecation: validate warns and names the command.
    let (code, _, stderr) = run(promptctl(dir.path())
        .env("PROMPTCTL_TODAY", "2026-12-04")
        .arg("validate"));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("set-model --successors"), "{stderr}");
    let (code, _, stderr) = run(promptctl(dir.path())
        .env("PROMPTCTL_TODAY", "2026-12-04")
        .args(["set-model", "--successors"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("Changed 9 files"), "{stderr}");
    assert!(
        stderr.contains("openai/gpt-5 → openai/gpt-5.2: 9"),
        "{stderr}"
    );
}

#[test]
fn the_cost_total_compares_the_same_prompts_and_the_guardrail_sees_the_rise() {
    let (dir, prompts) = one_prompt_project();
    // 1,000 requests of 1,000 input and 400 output tokens a month.
    fs_err::write(
        dir.path().join("usage.yaml"),
        "usage:\n  - subsystem: incidents\n    requests_per_month: 1000\n    input_tokens: 1000\n    output_tokens: 400\n",
    )
    .unwrap();
    // The store also holds prompts git does not have; they keep running.
    let rows: Vec<Value> = (1..=6)
        .map(|i| {
            json!({"prompt_name": format!("store_only_{i}"), "prompt_version": "v1",
                   "prompt_template": "Hi.", "ai_model": "openai/gpt-5", "subsystem": "incidents"})
        })
        .collect();
    fs_err::write(dir.path().join("rows.json"), Value::Array(rows).to_string()).unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).args(["store", "restore", "rows.json"]));
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(promptctl(dir.path()).args(["apply", "--auto-approve"]));
    assert_eq!(code, 0, "{stderr}");
    // a: gpt-4o-mini $0.39 a month → gpt-5 $5.25 (1,000 × (1,000 × 1.25 + 400 × 10) / 1M):
    // +$4.86. Each store-only prompt runs at $5.25 before and after.
    fs_err::write(
        prompts.join("a.yaml"),
        small_prompt("a", "openai/gpt-5", "narrative", ""),
    )
    .unwrap();
    let (code, stdout, stderr) = run(promptctl(dir.path()).arg("plan"));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("Monthly cost (prompts in usage.yaml): $31.89 → $36.75 (+$4.86, +15.2%)"),
        "{stdout}"
    );
    let (code, _, stderr) = run(promptctl(dir.path()).args(["plan", "--max-cost-increase", "1"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("raises the monthly cost by $4.86"),
        "{stderr}"
    );
}

#[test]
fn list_json_holds_each_stored_template() {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    let (code, _, stderr) = run(promptctl(dir.path()).args(["apply", "--auto-approve"]));
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) =
        run(promptctl(dir.path()).args(["list", "--all", "--format", "json"]));
    assert_eq!(code, 0, "{stderr}");
    let rows: Value = serde_json::from_str(&stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 9);
    for row in rows {
        let template = row["prompt_template"].as_str().unwrap();
        assert!(template.len() > 100, "{}: {template:?}", row["prompt_name"]);
    }
}

#[test]
fn every_face_names_the_same_row_of_two_active_versions() {
    let dir = tempfile::tempdir().unwrap();
    fs_err::create_dir_all(dir.path().join("prompts")).unwrap();
    // Legacy data: v9 and v10 both active, created at the same moment, on different models.
    let row = |version: &str, model: &str| {
        json!({"prompt_name": "twin", "prompt_version": version, "prompt_template": "Hi.",
               "ai_model": model, "subsystem": "incidents", "created_at": 1000})
    };
    fs_err::write(
        dir.path().join("legacy.json"),
        json!([
            row("v10", "openai/gpt-5-mini"),
            row("v9", "openai/gpt-4o-mini")
        ])
        .to_string(),
    )
    .unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).args(["store", "restore", "legacy.json"]));
    assert_eq!(code, 0, "{stderr}");
    // status: the running version (git has none of it).
    let (code, stdout, stderr) = run(promptctl(dir.path()).args(["status", "--format", "json"]));
    assert_eq!(code, 0, "{stderr}");
    let status: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        status["prompts"][0]["environments"]["default"]["version"],
        "v10"
    );
    // import writes the running version.
    let (code, _, stderr) = run(promptctl(dir.path()).arg("import"));
    assert_eq!(code, 0, "{stderr}");
    let text = fs_err::read_to_string(dir.path().join("prompts/incidents/twin.yaml")).unwrap();
    assert!(text.contains("prompt_version: \"v10\""), "{text}");
    assert!(text.contains("ai_model: \"openai/gpt-5-mini\""), "{text}");
    // The API serves it.
    let (admin, read) = crate::serve_process::tokens(dir.path());
    drop(admin);
    let server = crate::serve_process::Server::start(
        dir.path(),
        &[
            "--database",
            "sqlite:.promptctl/store.db",
            "--tokens",
            "tokens",
        ],
    );
    let client = crate::console::Client::new();
    let answer = client.get_bearer(&format!("{}/v1/prompts/twin", server.url), &read);
    let body: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(body["prompt_version"], "v10", "{body}");
    assert_eq!(body["ai_model"], "openai/gpt-5-mini");
    // The plan from the imported file keeps v10 and turns v9 off, naming v10 as it.
    let (code, stdout, stderr) = run(promptctl(dir.path()).args(["plan", "--format", "json"]));
    assert_eq!(code, 0, "{stderr}");
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    let changes = plan["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{plan}");
    assert_eq!(changes[0]["prompt_version"], "v9");
    assert_eq!(changes[0]["action"], "deactivate");
    assert_eq!(changes[0]["fields"]["replaced_by"]["after"], "v10");
}

#[test]
fn import_update_warns_when_the_stores_model_fails_validate() {
    let (dir, prompts) = one_prompt_project();
    // A model of the project's that retires later.
    fs_err::write(
        dir.path().join("models.yaml"),
        "models:\n  - id: acme/old\n    name: Acme Old\n    provider: acme\n    input_cost_per_1m: 1\n    output_cost_per_1m: 2\n    context_window: 8000\n    max_output_tokens: 4000\n    supports_temperature: true\n    tier: mid-range\n    retired_on: 2099-01-01\n",
    )
    .unwrap();
    let (admin, _) = crate::serve_process::tokens(dir.path());
    let (code, _, stderr) = run(promptctl(dir.path()).args(["apply", "--auto-approve"]));
    assert_eq!(code, 0, "{stderr}");
    let server = crate::serve_process::Server::start(
        dir.path(),
        &[
            "--database",
            "sqlite:.promptctl/store.db",
            "--tokens",
            "tokens",
        ],
    );
    let client = crate::console::Client::new();
    let (cookie, csrf) = crate::console::sign_in(&client, &server.url, &admin);
    let snapshot: Value = serde_json::from_str(
        &client
            .get_bearer(&format!("{}/v1/snapshot", server.url), &admin)
            .body,
    )
    .unwrap();
    let row = &snapshot["rows"][0];
    let answer = client.post_json(
        &format!("{}/console/assign", server.url),
        Some(&cookie),
        Some(&csrf),
        &json!({"model": "acme/old", "rows": [{"id": row["id"], "row_version": row["row_version"]}]}),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    drop(server);
    // Later, the model has retired: git takes the store's model, and is told what that means.
    let (code, _, stderr) = run(promptctl(dir.path())
        .env("PROMPTCTL_TODAY", "2099-06-01")
        .args(["import", "--update"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning: prompts/a.yaml: with the store's model the file fails validate: `acme/old` was retired on 2099-01-01 [retired-model]"),
        "{stderr}"
    );
    let text = fs_err::read_to_string(prompts.join("a.yaml")).unwrap();
    assert!(text.contains("ai_model: acme/old"), "{text}");
}

#[test]
fn a_backfill_the_store_would_refuse_is_a_plan_error() {
    let (dir, _) = one_prompt_project();
    fs_err::write(
        dir.path().join("promptctl.yaml"),
        "policies:\n  - name: cheap-legacy\n    match: { subsystem: legacy }\n    allowed_tiers: [cost-effective]\n    enforcement: hard-mandatory\n",
    )
    .unwrap();
    fs_err::write(
        dir.path().join("rows.json"),
        json!([{"prompt_name": "old", "prompt_version": "v1", "prompt_template": "Hi.",
                "subsystem": "legacy"}])
        .to_string(),
    )
    .unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).args(["store", "restore", "rows.json"]));
    assert_eq!(code, 0, "{stderr}");
    // The default model, gpt-5, is premium: the store would refuse the backfill.
    let (code, stdout, stderr) = run(promptctl(dir.path()).arg("plan"));
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.contains("old v1: its backfill to the default model would be refused: breaks the hard-mandatory policy `cheap-legacy`"),
        "{stdout}"
    );
    let (code, _, stderr) =
        run(promptctl(dir.path()).args(["--default-model", "openai/gpt-5-nano", "plan"]));
    assert_eq!(code, 0, "a cost-effective default passes: {stderr}");
}

/// A project of two prompts `a` and `b` applied, usage covering only `usage_for`, and both
/// then moved to gpt-5.
fn two_prompts_moving(usage_for: &str) -> tempfile::TempDir {
    let (dir, prompts) = one_prompt_project();
    fs_err::write(
        prompts.join("b.yaml"),
        small_prompt("b", "openai/gpt-4o-mini", "narrative", ""),
    )
    .unwrap();
    fs_err::write(
        dir.path().join("usage.yaml"),
        format!(
            "usage:\n  - prompt: {usage_for}\n    requests_per_month: 1000\n    input_tokens: 1000\n    output_tokens: 400\n"
        ),
    )
    .unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).args(["apply", "--auto-approve"]));
    assert_eq!(code, 0, "{stderr}");
    for name in ["a", "b"] {
        fs_err::write(
            prompts.join(format!("{name}.yaml")),
            small_prompt(name, "openai/gpt-5", "narrative", ""),
        )
        .unwrap();
    }
    dir
}

#[test]
fn the_cost_guardrail_needs_a_changed_prompt_it_can_price() {
    let dir = two_prompts_moving("nothing_like_these");
    let (code, _, stderr) = run(promptctl(dir.path()).args(["plan", "--max-cost-increase", "1"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("needs usage.yaml covering the changed prompts"),
        "{stderr}"
    );
}

#[test]
fn a_targeted_plan_prices_only_its_targets() {
    let dir = two_prompts_moving("\"*\"");
    let (code, stdout, stderr) = run(promptctl(dir.path()).args(["plan", "--target", "a"]));
    assert_eq!(code, 0, "{stderr}");
    // a alone: $0.39 → $5.25; b keeps running on gpt-4o-mini at $0.39.
    assert!(
        stdout.contains("Monthly cost (prompts in usage.yaml): $0.78 → $5.64 (+$4.86"),
        "{stdout}"
    );
}

#[test]
fn set_model_writes_nothing_a_mandatory_policy_forbids() {
    let (dir, prompts) = one_prompt_project();
    fs_err::write(
        dir.path().join("promptctl.yaml"),
        "policies:\n  - name: cheap-only\n    allowed_tiers: [cost-effective]\n    enforcement: hard-mandatory\n",
    )
    .unwrap();
    let before = fs_err::read_to_string(prompts.join("a.yaml")).unwrap();
    let (code, _, stderr) =
        run(promptctl(dir.path()).args(["set-model", "openai/gpt-5", "--prompt", "a"]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("error[policy-violation]"), "{stderr}");
    assert!(stderr.contains("cheap-only"), "{stderr}");
    assert!(
        stderr.contains("a.yaml:3"),
        "at the ai_model line: {stderr}"
    );
    assert_eq!(
        fs_err::read_to_string(prompts.join("a.yaml")).unwrap(),
        before
    );
}
