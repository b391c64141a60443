//! plan / apply / list / history / store export and restore, through the real binary on a
//! real SQLite store file, starting from the story's legacy data.

use std::path::Path;
use std::process::Stdio;

use serde_json::{Value, json};

use crate::common::{copy_prompts, promptctl, repo_root, run};

/// The story's production store before the migration: the nine prompts (five without a
/// model, four on the old default), an older inactive version of each without a model, and
/// three developer copies without a model. A legacy export: no ids, no row versions.
pub fn legacy_export() -> Value {
    let catalog = promptctl::catalog::Catalog::builtin();
    let validator = promptctl::validate::Validator::new(&catalog, "openai/gpt-5");
    let prompts = validator
        .validate_paths(&[crate::common::story_prompts()])
        .prompts;
    assert_eq!(prompts.len(), 9);
    let mut rows = Vec::new();
    for (index, prompt) in prompts.iter().enumerate() {
        rows.push(json!({
            "prompt_name": prompt.prompt_name(),
            "prompt_version": prompt.prompt_version(),
            "prompt_template": prompt.prompt_template(),
            "description": prompt.description(),
            "input_schema": prompt.input_schema(),
            "output_schema": prompt.output_schema(),
            "workflow_step": prompt.workflow_step(),
            "subsystem": prompt.subsystem(),
            "ai_model": if index < 5 { Value::Null } else { json!("openai/gpt-4o-mini") },
            "max_tokens": prompt.max_tokens(),
            "is_active": true,
            "created_at": 1_729_600_000_000_i64 + index as i64,
        }));
        rows.push(json!({
            "prompt_name": prompt.prompt_name(),
            "prompt_version": "v0.9.0",
            "prompt_template": "An older template.",
            "is_active": false,
            "created_at": 1_720_000_000_000_i64,
            "replaced_at": 1_729_600_000_000_i64,
            "replaced_by": prompt.prompt_version(),
        }));
        if index < 3 {
            rows.push(json!({
                "prompt_name": prompt.prompt_name(),
                "prompt_version": prompt.prompt_version(),
                "prompt_template": format!("{} (being edited)", prompt.prompt_template()),
                "scope": "developer",
                "developer_session_id": format!("session-{index}"),
                "expires_at": 1_900_000_000_000_i64,
                "created_at": 1_729_700_000_000_i64,
            }));
        }
    }
    Value::Array(rows)
}

/// A project with the repository's prompts and the legacy store restored into it.
fn legacy_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    // The story's own default model, which its backfill gives every row without one.
    fs_err::write(
        dir.path().join("promptctl.yaml"),
        "default_model: openai/gpt-5\n",
    )
    .unwrap();
    let export = dir.path().join("legacy.json");
    fs_err::write(&export, legacy_export().to_string()).unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).args(["store", "restore", "legacy.json"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("Restored 21 rows") && stderr.contains("17 without ai_model"),
        "{stderr}"
    );
    dir
}

fn plan_json(dir: &Path, args: &[&str]) -> Value {
    let (code, stdout, stderr) = run(promptctl(dir).args(["plan", "--format", "json"]).args(args));
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

fn export(dir: &Path) -> Value {
    let (code, stdout, stderr) = run(promptctl(dir).args(["store", "export"]));
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

#[test]
fn the_story_migration_backfills_every_missing_model_and_converges() {
    let dir = legacy_project();
    let plan = plan_json(dir.path(), &[]);
    assert_eq!(
        plan["summary"],
        json!({"create": 0, "update": 9, "replace": 0, "backfill": 12, "deactivate": 0})
    );
    let changes = plan["changes"].as_array().unwrap();
    let backfilled: Vec<(String, String)> = changes
        .iter()
        .filter(|c| c["action"] == "backfill")
        .map(|c| {
            (
                c["prompt_version"].as_str().unwrap().to_owned(),
                c["scope"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        backfilled
            .iter()
            .filter(|(v, s)| v == "v0.9.0" && s == "production")
            .count(),
        9
    );
    assert_eq!(
        backfilled.iter().filter(|(_, s)| s == "developer").count(),
        3
    );
    for change in changes {
        assert_eq!(
            change["fields"]["ai_model"]["after"], "openai/gpt-5",
            "{change}"
        );
    }
    let nulls = changes
        .iter()
        .filter(|c| c["fields"]["ai_model"]["before"].is_null())
        .count();
    assert_eq!(nulls, 5 + 12);

    let (code, stdout, stderr) = run(promptctl(dir.path()).args(["apply", "--auto-approve"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains(
            "Apply complete! 0 created, 9 updated, 0 replaced, 12 backfilled, 0 deactivated."
        ),
        "{stdout}"
    );
    assert!(stdout.contains("Rows without ai_model: 0"), "{stdout}");

    let (code, stdout, _) = run(promptctl(dir.path()).args(["plan", "--detailed-exitcode"]));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("No changes. The store matches the prompts in git."),
        "{stdout}"
    );
    let rows = export(dir.path())["rows"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 21, "no row is lost");
    assert!(rows.iter().all(|r| r["ai_model"].is_string()));

    let (_, history, _) = run(promptctl(dir.path()).args(["history", "--format", "json"]));
    let history: Value = serde_json::from_str(&history).unwrap();
    assert_eq!(
        history.as_array().unwrap().len(),
        23,
        "21 changes, the restore and the rules of record it published"
    );
    assert_eq!(history[0]["revision"], 2);
}

#[test]
fn detailed_exitcode_is_two_with_changes_and_markdown_folds_template_diffs() {
    let dir = legacy_project();
    let (code, _, _) = run(promptctl(dir.path()).args(["plan", "--detailed-exitcode"]));
    assert_eq!(code, 2);
    run(promptctl(dir.path()).args(["apply", "--auto-approve"]));
    let file = dir
        .path()
        .join("prompts/incidents/generate_mock_incident_data.yaml");
    let text = fs_err::read_to_string(&file).unwrap();
    fs_err::write(
        &file,
        text.replace("prompt_version: v1.0.0", "prompt_version: v1.1.0")
            .replace("realistic", "plausible"),
    )
    .unwrap();
    let (code, stdout, _) = run(promptctl(dir.path()).args(["plan", "--format", "markdown"]));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("| `-/+` | `generate_mock_incident_data` | `v1.1.0` |"),
        "{stdout}"
    );
    assert!(
        stdout.contains("<details><summary>Template diff"),
        "{stdout}"
    );
    assert!(
        stdout.contains("+") && stdout.contains("plausible"),
        "{stdout}"
    );
    let (code, stdout, _) = run(promptctl(dir.path()).arg("plan"));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("-/+ generate_mock_incident_data v1.1.0 will replace v1.0.0"),
        "{stdout}"
    );
    assert!(
        stdout.contains("--- v1.0.0") && stdout.contains("+++ v1.1.0"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "Plan: 0 to create, 0 to update, 1 to replace, 0 to backfill, 0 to deactivate."
        )
    );
}

#[test]
fn show_renders_a_saved_plan_as_plan_printed_it_without_a_store() {
    let dir = legacy_project();
    let saved = dir.path().join("plan.json");
    for format in ["json", "text", "markdown"] {
        let (code, printed, stderr) = run(promptctl(dir.path())
            .args(["plan", "--format", format, "--out"])
            .arg(&saved));
        assert_eq!(code, 0, "{stderr}");
        // From a folder with no project and no store: the file is all `show` reads.
        let elsewhere = tempfile::tempdir().unwrap();
        let (code, shown, stderr) = run(promptctl(elsewhere.path())
            .args(["show", "--format", format])
            .arg(&saved));
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(shown, printed, "{format}");
        assert!(!elsewhere.path().join(".promptctl").exists());
    }
    fs_err::write(dir.path().join("notes.json"), "{\"rows\": []}").unwrap();
    let (code, stdout, stderr) = run(promptctl(dir.path()).args(["show", "notes.json"]));
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("cannot show notes.json") && stderr.contains("no format_version"),
        "{stderr}"
    );
}

#[test]
fn plan_errors_become_annotations_and_the_plan_a_job_summary_under_github_actions() {
    let dir = legacy_project();
    run(promptctl(dir.path()).args(["apply", "--auto-approve"]));
    let file = dir
        .path()
        .join("prompts/incidents/generate_mock_incident_data.yaml");
    let text = fs_err::read_to_string(&file).unwrap();
    fs_err::write(&file, text.replace("realistic", "plausible")).unwrap();
    let summary = dir.path().join("summary.md");
    let (code, stdout, stderr) = run(promptctl(dir.path())
        .args(["plan", "--format", "json"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary));
    assert_eq!(code, 1);
    serde_json::from_str::<Value>(&stdout).expect("stdout stays JSON");
    let line = text
        .lines()
        .position(|l| l.starts_with("prompt_version:"))
        .unwrap()
        + 1;
    assert!(
        stderr.contains(&format!(
            "::error file=prompts/incidents/generate_mock_incident_data.yaml,line={line},col=1,title=version-not-bumped::"
        )),
        "{stderr}"
    );
    let written = fs_err::read_to_string(&summary).unwrap();
    assert!(written.contains("### promptctl plan"), "{written}");
    assert!(written.contains("The plan cannot be applied"), "{written}");
}

#[test]
fn a_template_changed_under_the_same_version_fails_the_plan_and_saves_nothing() {
    let dir = legacy_project();
    let file = dir
        .path()
        .join("prompts/incidents/generate_mock_incident_data.yaml");
    let text = fs_err::read_to_string(&file).unwrap();
    fs_err::write(&file, text.replace("realistic", "plausible")).unwrap();
    let (code, stdout, stderr) = run(promptctl(dir.path()).args(["plan", "--out", "plan.json"]));
    assert_eq!(code, 1);
    assert!(stdout.contains("! generate_mock_incident_data v1.0.0: prompt_template changed but prompt_version is still `v1.0.0`: bump prompt_version"), "{stdout}");
    assert!(stderr.contains("nothing was saved"), "{stderr}");
    assert!(!dir.path().join("plan.json").exists());
}

#[test]
fn a_stale_saved_plan_is_refused_and_changes_nothing() {
    let dir = legacy_project();
    let (code, _, _) = run(promptctl(dir.path()).args(["plan", "--out", "plan.json"]));
    assert_eq!(code, 0);
    // Someone else applies first (a targeted apply of one prompt).
    let (code, _, stderr) = run(promptctl(dir.path()).args([
        "apply",
        "--auto-approve",
        "--target",
        "generate_mock_incident_data",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let before = export(dir.path());
    let (code, _, stderr) = run(promptctl(dir.path()).args(["apply", "plan.json"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("stale plan: re-run plan"), "{stderr}");
    assert!(stderr.contains("generate_mock_incident_data"), "{stderr}");
    assert_eq!(export(dir.path()), before);
}

#[test]
fn a_plan_made_against_another_store_is_refused() {
    let dir = legacy_project();
    run(promptctl(dir.path()).args(["plan", "--out", "plan.json"]));
    let (code, _, stderr) =
        run(promptctl(dir.path()).args(["--store", "sqlite:other.db", "apply", "plan.json"]));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("the plan was made against store"),
        "{stderr}"
    );
    let (_, stdout, _) =
        run(promptctl(dir.path()).args(["--store", "sqlite:other.db", "store", "export"]));
    assert_eq!(
        serde_json::from_str::<Value>(&stdout).unwrap()["rows"],
        json!([])
    );
}

#[test]
fn two_applies_at_once_leave_a_consistent_store() {
    let dir = legacy_project();
    run(promptctl(dir.path()).args(["plan", "--out", "plan.json"]));
    let spawn = || {
        promptctl(dir.path())
            .args(["apply", "plan.json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (spawn(), spawn());
    let codes = [
        first.wait_with_output().unwrap(),
        second.wait_with_output().unwrap(),
    ];
    let won: Vec<bool> = codes.iter().map(|o| o.status.success()).collect();
    assert_eq!(
        won.iter().filter(|w| **w).count(),
        1,
        "exactly one apply wins: {codes:?}"
    );
    let loser = codes.iter().find(|o| !o.status.success()).unwrap();
    assert!(String::from_utf8_lossy(&loser.stderr).contains("stale plan"));
    let store = export(dir.path());
    assert_eq!(store["revision"], 2, "one change set applied, once");
    assert!(
        store["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["ai_model"].is_string())
    );
}

#[test]
fn apply_without_a_terminal_asks_for_auto_approve() {
    let dir = legacy_project();
    let before = export(dir.path());
    let (code, _, stderr) = run(promptctl(dir.path()).arg("apply").stdin(Stdio::null()));
    assert_eq!(code, 1);
    assert!(stderr.contains("--auto-approve"), "{stderr}");
    assert_eq!(export(dir.path()), before);
}

#[test]
fn list_shows_models_and_statuses() {
    let dir = legacy_project();
    let (code, stdout, _) = run(promptctl(dir.path()).arg("list"));
    assert_eq!(code, 0);
    let old_default = stdout
        .lines()
        .find(|l| l.starts_with("generate_questions_before_event"))
        .unwrap();
    assert!(
        old_default.contains("openai/gpt-4o-mini")
            && old_default.contains("$0.15")
            && old_default.ends_with("drift"),
        "{old_default}"
    );
    let no_model = stdout.lines().find(|l| l.contains("—")).unwrap();
    assert!(no_model.ends_with("no model"), "{no_model}");
    assert_eq!(
        stdout.lines().count(),
        1 + 9 + 3,
        "inactive versions hidden: {stdout}"
    );

    run(promptctl(dir.path()).args(["apply", "--auto-approve"]));
    let (_, stdout, _) = run(promptctl(dir.path()).args(["list", "--all", "--format", "json"]));
    let rows: Value = serde_json::from_str(&stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 21);
    let status = |scope: &str, active: bool| -> Vec<&str> {
        rows.iter()
            .filter(|r| r["scope"] == scope && r["is_active"] == active)
            .map(|r| r["status"].as_str().unwrap())
            .collect()
    };
    assert!(status("production", true).iter().all(|s| *s == "in_sync"));
    assert!(status("developer", true).iter().all(|s| *s == "unmanaged"));
}

#[test]
fn restore_refuses_a_malformed_file_naming_row_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = legacy_export();
    rows[4]["is_active"] = json!("yes");
    fs_err::write(dir.path().join("bad.json"), rows.to_string()).unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).args(["store", "restore", "bad.json"]));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("row 5, field `is_active`: expected true or false, found a string"),
        "{stderr}"
    );
    let (_, stdout, _) = run(promptctl(dir.path()).args(["store", "export"]));
    assert_eq!(
        serde_json::from_str::<Value>(&stdout).unwrap()["rows"],
        json!([])
    );
}

#[test]
fn a_forced_restore_backs_up_what_it_replaces() {
    let dir = legacy_project();
    let before = export(dir.path());
    fs_err::write(
        dir.path().join("one.json"),
        json!([legacy_export()[0]]).to_string(),
    )
    .unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).args(["store", "restore", "one.json"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("--force"), "{stderr}");
    let (code, _, stderr) =
        run(promptctl(dir.path()).args(["store", "restore", "one.json", "--force"]));
    assert_eq!(code, 0, "{stderr}");
    let backups: Vec<_> = fs_err::read_dir(dir.path().join(".promptctl/backups"))
        .unwrap()
        .collect();
    assert_eq!(backups.len(), 1);
    let backup: Value =
        serde_json::from_str(&fs_err::read_to_string(backups[0].as_ref().unwrap().path()).unwrap())
            .unwrap();
    assert_eq!(backup["rows"], before["rows"]);
    assert_eq!(export(dir.path())["rows"].as_array().unwrap().len(), 1);
}

#[test]
fn restore_refuses_rows_no_other_path_could_make() {
    let dir = tempfile::tempdir().unwrap();
    let (_, empty, _) = run(promptctl(dir.path()).args(["store", "export"]));
    let cases = [
        (
            "prompt_version",
            json!(""),
            "field `prompt_version`: is empty",
        ),
        (
            "row_version",
            json!(-1),
            "field `row_version`: must be 1 or more",
        ),
        (
            "updated_at",
            json!(-5),
            "field `updated_at`: must be 0 to 9007199254740991",
        ),
        (
            "id",
            json!("a\nb"),
            "field `id`: holds the control character",
        ),
        (
            "prompt_name",
            json!("a\u{1b}[31m"),
            "field `prompt_name`: holds the control character",
        ),
        ("colour", json!("red"), "row 2: unknown field `colour`"),
        (
            "ai_model",
            json!("acme/nope"),
            "field `ai_model`: `acme/nope` is not in the model catalog",
        ),
        (
            "temperature",
            json!(5),
            "field `temperature`: must be between 0 and 2",
        ),
        (
            "max_tokens",
            json!(0),
            "field `max_tokens`: must be 1 or more",
        ),
    ];
    for (field, value, expected) in cases {
        let mut rows = legacy_export();
        rows[1][field] = value.clone();
        fs_err::write(dir.path().join("bad.json"), rows.to_string()).unwrap();
        let (code, _, stderr) = run(promptctl(dir.path()).args(["store", "restore", "bad.json"]));
        assert_eq!(code, 1, "{field}={value}: {stderr}");
        assert!(stderr.contains(expected), "{field}={value}: {stderr}");
        let (_, now, _) = run(promptctl(dir.path()).args(["store", "export"]));
        assert_eq!(now, empty, "{field}={value} changed the store");
    }
}

#[test]
fn a_forced_restore_of_nothing_needs_allow_empty_and_the_store_keeps_what_it_replaced() {
    let dir = legacy_project();
    let before = export(dir.path());
    fs_err::write(dir.path().join("nothing.json"), "[]").unwrap();
    let (code, _, stderr) =
        run(promptctl(dir.path()).args(["store", "restore", "nothing.json", "--force"]));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("would empty the store") && stderr.contains("--allow-empty"),
        "{stderr}"
    );
    assert_eq!(export(dir.path()), before);
    let (code, _, stderr) = run(promptctl(dir.path()).args([
        "store",
        "restore",
        "nothing.json",
        "--force",
        "--allow-empty",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(export(dir.path())["rows"], json!([]));
    let id = stderr
        .split("store export --backup ")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .unwrap_or_else(|| panic!("the backup is named: {stderr}"));
    let (code, stdout, stderr) =
        run(promptctl(dir.path()).args(["store", "export", "--backup", id]));
    assert_eq!(code, 0, "{stderr}");
    let kept: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        kept["rows"], before["rows"],
        "the store kept every row it replaced"
    );
    let (code, _, stderr) =
        run(promptctl(dir.path()).args(["store", "export", "--backup", "nope"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("has no backup `nope`"), "{stderr}");
}

/// The store before the default-model upgrade: the nine prompts, all on the old default.
fn old_default_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_prompts(dir.path());
    fs_err::copy(
        repo_root().join("usage.yaml"),
        dir.path().join("usage.yaml"),
    )
    .unwrap();
    let rows: Vec<Value> = legacy_export()
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["is_active"] == true && r.get("scope").is_none())
        .map(|r| {
            let mut r = r.clone();
            r["ai_model"] = json!("openai/gpt-4o-mini");
            r
        })
        .collect();
    fs_err::write(
        dir.path().join("store.json"),
        Value::Array(rows).to_string(),
    )
    .unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).args(["store", "restore", "store.json"]));
    assert_eq!(code, 0, "{stderr}");
    dir
}

#[test]
fn the_default_model_upgrade_shows_the_cost_the_catalog_prices_imply() {
    let dir = old_default_project();
    let plan = plan_json(dir.path(), &[]);
    assert_eq!(plan["summary"]["update"], 9);
    // By hand, USD per month: requests × (input × in-price + output × out-price) / 1M.
    let mini =
        |requests: f64, input: f64, output: f64| requests * (input * 0.15 + output * 0.60) / 1e6;
    let gpt5 =
        |requests: f64, input: f64, output: f64| requests * (input * 1.25 + output * 10.0) / 1e6;
    let close = |value: &Value, expected: f64| (value.as_f64().unwrap() - expected).abs() < 1e-9;
    for change in plan["changes"].as_array().unwrap() {
        let name = change["prompt_name"].as_str().unwrap();
        let (requests, input, output) = if name.starts_with("generate_questions_") {
            (100.0, 1500.0, 500.0)
        } else if name.starts_with("enhance_narrative_") {
            (100.0, 3000.0, 1000.0)
        } else {
            (10.0, 1000.0, 1000.0)
        };
        assert!(
            close(
                &change["cost"]["monthly_before_usd"],
                mini(requests, input, output)
            ),
            "{change}"
        );
        assert!(
            close(
                &change["cost"]["monthly_after_usd"],
                gpt5(requests, input, output)
            ),
            "{change}"
        );
    }
    let before = 4.0 * mini(100.0, 1500.0, 500.0)
        + 4.0 * mini(100.0, 3000.0, 1000.0)
        + mini(10.0, 1000.0, 1000.0);
    let after = 4.0 * gpt5(100.0, 1500.0, 500.0)
        + 4.0 * gpt5(100.0, 3000.0, 1000.0)
        + gpt5(10.0, 1000.0, 1000.0);
    assert!(
        close(&plan["cost"]["monthly_before_usd"], before),
        "{}",
        plan["cost"]
    );
    assert!(
        close(&plan["cost"]["monthly_after_usd"], after),
        "{}",
        plan["cost"]
    );
    assert!((before - 0.6375).abs() < 1e-9 && (after - 8.3625).abs() < 1e-9);

    let (_, text, _) = run(promptctl(dir.path()).arg("plan"));
    assert!(
        text.contains("Monthly cost (prompts in usage.yaml): $0.64 → $8.36 (+$7.73, +1211.8%)"),
        "{text}"
    );
    assert!(
        text.contains("monthly cost: $0.01 → $0.11 (+$0.10, +1400.0%)"),
        "{text}"
    );
}

#[test]
fn max_cost_increase_fails_the_plan_and_saves_nothing() {
    let dir = old_default_project();
    let (code, _, stderr) =
        run(promptctl(dir.path()).args(["plan", "--max-cost-increase", "5", "--out", "plan.json"]));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("raises the monthly cost by $7.73, over the limit of $5.00"),
        "{stderr}"
    );
    assert!(!dir.path().join("plan.json").exists());
    let (code, _, stderr) = run(promptctl(dir.path()).args([
        "plan",
        "--max-cost-increase",
        "10",
        "--out",
        "plan.json",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(dir.path().join("plan.json").exists());
}

#[test]
fn a_saved_plan_refuses_options_that_would_shape_a_new_plan() {
    let dir = legacy_project();
    let (code, _, _) = run(promptctl(dir.path()).args(["plan", "--out", "plan.json"]));
    assert_eq!(code, 0);
    let before = export(dir.path());
    for extra in [
        &["--target", "generate_mock_incident_data"][..],
        &["--prune"],
    ] {
        let (code, _, stderr) = run(promptctl(dir.path())
            .args(["apply", "plan.json"])
            .args(extra));
        assert_eq!(code, 1, "{extra:?}: {stderr}");
        assert!(
            stderr.contains(&format!("{} cannot be used with a saved plan", extra[0])),
            "{stderr}"
        );
        assert_eq!(export(dir.path()), before, "{extra:?} changed the store");
    }
}

#[test]
fn list_reads_the_store_from_a_folder_that_is_not_a_prompts_repository() {
    let project = legacy_project();
    let store = format!(
        "sqlite:{}",
        project.path().join(".promptctl/store.db").display()
    );
    let elsewhere = tempfile::tempdir().unwrap();
    // A folder with no prompts at all, and one whose prompt file is broken.
    let broken = tempfile::tempdir().unwrap();
    fs_err::create_dir_all(broken.path().join("prompts")).unwrap();
    fs_err::write(broken.path().join("prompts/bad.yaml"), "prompt_name: [").unwrap();
    for dir in [elsewhere.path(), broken.path()] {
        let (code, stdout, stderr) =
            run(promptctl(dir).args(["--store", &store, "list", "--format", "json"]));
        assert_eq!(code, 0, "{stderr}");
        assert!(stderr.contains("git was not read"), "{stderr}");
        let rows: Value = serde_json::from_str(&stdout).unwrap();
        let statuses: Vec<&str> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses.len(), 12, "{stdout}");
        assert!(
            statuses
                .iter()
                .all(|s| ["git_not_read", "no_model"].contains(s)),
            "{statuses:?}"
        );
        let (code, stdout, _) = run(promptctl(dir).args(["--store", &store, "list"]));
        assert_eq!(code, 0);
        assert!(stdout.contains("git not read"), "{stdout}");
    }
}
