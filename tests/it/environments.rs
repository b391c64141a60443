//! Environments that differ on purpose (overlays), coming deprecations in the plan, and
//! `status` across stores of different kinds, one of them unreachable.

use serde_json::Value;

use crate::common::stores::{TestDatabase, postgres_url};
use crate::common::{promptctl, run, small_prompt as prompt};

/// Three prompts on the story's tiers, and promptctl.yaml with `environments` as given.
fn project(environments: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let prompts = dir.path().join("prompts");
    fs_err::create_dir_all(&prompts).unwrap();
    fs_err::write(
        dir.path().join("promptctl.yaml"),
        format!("environments:\n{environments}"),
    )
    .unwrap();
    for (name, model, step) in [
        ("narrative", "openai/gpt-5", "narrative_enhancement"),
        ("questions", "openai/gpt-5-mini", "clarification_questions"),
        ("mock", "openai/gpt-4o-mini", "mock_data"),
    ] {
        fs_err::write(
            prompts.join(format!("{name}.yaml")),
            prompt(name, model, step, ""),
        )
        .unwrap();
    }
    // The environments' SQLite stores exist, as after their first apply: only the default
    // store reads as empty before it is created.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for name in environments
        .split("sqlite:")
        .skip(1)
        .filter_map(|rest| rest.split_whitespace().next())
    {
        let path = dir.path().join(name.trim_matches('"'));
        runtime.block_on(async {
            let store = promptctl::store::sqlite::SqliteStore::open(&path)
                .await
                .unwrap();
            promptctl::store::Store::close(&store).await;
        });
    }
    dir
}

const DEV_AND_PROD: &str = "  dev:\n    store: sqlite:dev.db\n    models:\n      - match: { workflow_step: \"narrative_*\" }\n        ai_model: openai/gpt-5-mini\n      - ai_model: openai/gpt-5-nano\n  prod:\n    store: sqlite:prod.db\n";

/// The model each change of a JSON plan sets, by prompt name.
fn models_set(plan: &Value) -> Vec<(String, String)> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["prompt_name"].as_str().unwrap().to_owned(),
                c["fields"]["ai_model"]["after"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect()
}

#[test]
fn dev_runs_the_overlays_models_and_prod_what_the_files_say() {
    let dir = project(DEV_AND_PROD);
    let (code, stdout, stderr) = run(promptctl(dir.path()).args(["--env", "dev", "plan"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Environment: dev\n"), "{stdout}");
    assert!(
        stdout.contains(
            "  rule 1 (workflow_step=narrative_* → openai/gpt-5-mini) sets the model of 1 prompt: narrative\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "  rule 2 (every prompt → openai/gpt-5-nano) sets the model of 2 prompts: mock, questions\n"
        ),
        "{stdout}"
    );

    let (_, json, _) =
        run(promptctl(dir.path()).args(["--env", "dev", "plan", "--format", "json"]));
    let json: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        models_set(&json),
        [
            ("mock", "openai/gpt-5-nano"),
            ("narrative", "openai/gpt-5-mini"),
            ("questions", "openai/gpt-5-nano"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    assert_eq!(json["notes"]["environment"], "dev");
    assert_eq!(json["notes"]["overlay"][1]["rule"], 2);

    let (_, json, _) =
        run(promptctl(dir.path()).args(["--env", "prod", "plan", "--format", "json"]));
    let json: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        models_set(&json),
        [
            ("mock", "openai/gpt-4o-mini"),
            ("narrative", "openai/gpt-5"),
            ("questions", "openai/gpt-5-mini"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    assert!(json["notes"].get("overlay").is_none(), "{json:#}");

    // Applied, dev converges with its overlay; the files were never touched.
    let (code, _, stderr) =
        run(promptctl(dir.path()).args(["--env", "dev", "apply", "--auto-approve"]));
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, _) =
        run(promptctl(dir.path()).args(["--env", "dev", "plan", "--detailed-exitcode"]));
    assert_eq!(code, 0, "{stdout}");
    let file = fs_err::read_to_string(dir.path().join("prompts/mock.yaml")).unwrap();
    assert!(file.contains("ai_model: openai/gpt-4o-mini"), "{file}");
}

#[test]
fn a_saved_plan_is_applied_only_in_its_environment() {
    let dir = project(DEV_AND_PROD);
    let (code, _, stderr) =
        run(promptctl(dir.path()).args(["--env", "dev", "plan", "--out", "dev.json"]));
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(promptctl(dir.path()).args(["--env", "prod", "apply", "dev.json"]));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("the plan was made for environment `dev`, not `prod`"),
        "{stderr}"
    );
    // Without --env the plan's own environment is used: its store, not the default one.
    let (code, _, stderr) = run(promptctl(dir.path()).args(["apply", "dev.json"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("Environment dev (from the plan)."),
        "{stderr}"
    );
    assert!(
        !dir.path().join(".promptctl/store.db").exists(),
        "the default store was not touched"
    );
    let (_, listed, _) = run(promptctl(dir.path()).args(["--env", "dev", "list"]));
    assert!(listed.contains("narrative"), "{listed}");
    let (code, _, stderr) = run(promptctl(dir.path()).args(["--env", "dev", "apply", "dev.json"]));
    assert_eq!(code, 1, "a plan is applied once: {stderr}");
}

#[test]
fn an_overlay_model_that_cannot_take_a_prompts_settings_is_a_plan_error() {
    let dir = project(
        "  dev:\n    store: sqlite:dev.db\n    models:\n      - ai_model: openai/gpt-5-nano\n",
    );
    fs_err::write(
        dir.path().join("prompts/mock.yaml"),
        prompt(
            "mock",
            "openai/gpt-4o-mini",
            "mock_data",
            "temperature: 0.2\n",
        ),
    )
    .unwrap();
    let (code, stdout, stderr) = run(promptctl(dir.path()).args(["--env", "dev", "plan"]));
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("mock v1: rule 1 gives it `openai/gpt-5-nano`, which does not accept a temperature, but the file sets one"),
        "{stdout}"
    );
    assert!(stdout.contains("in prompts/mock.yaml"), "{stdout}");
    assert!(
        stderr.contains("the plan cannot be applied: the plan has 1 error"),
        "{stderr}"
    );
    // Without the overlay the same files plan cleanly.
    let (code, _, stderr) = run(promptctl(dir.path()).arg("plan"));
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn an_overlay_rule_naming_an_unknown_model_is_refused_naming_the_rule() {
    let dir = project(
        "  dev:\n    store: sqlite:dev.db\n    default_model: openai/gpt-5-nano\n    models:\n      - ai_model: openai/gpt5-nano\n",
    );
    let (code, _, stderr) = run(promptctl(dir.path()).args(["--env", "dev", "plan"]));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("model `openai/gpt5-nano` (from rule 1 of environments.dev in")
            && stderr.contains("did you mean"),
        "{stderr}"
    );
}

#[test]
fn an_environments_default_model_comes_after_the_flag_and_llm_model() {
    let dir = project("  dev:\n    store: sqlite:dev.db\n    default_model: openai/gpt-5-nano\n");
    let plan_default = |extra: &[&str], llm_model: Option<&str>| {
        let mut command = promptctl(dir.path());
        if let Some(model) = llm_model {
            command.env("LLM_MODEL", model);
        }
        let (_, json, stderr) = run(command.args(extra).args(["plan", "--format", "json"]));
        let json: Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {stderr}"));
        json["default_model"].as_str().unwrap().to_owned()
    };
    assert_eq!(plan_default(&[], None), "openai/gpt-5.2");
    assert_eq!(plan_default(&["--env", "dev"], None), "openai/gpt-5-nano");
    assert_eq!(
        plan_default(&["--env", "dev"], Some("openai/gpt-4o")),
        "openai/gpt-4o"
    );
    assert_eq!(
        plan_default(
            &["--env", "dev", "--default-model", "openai/gpt-5-mini"],
            None
        ),
        "openai/gpt-5-mini"
    );
}

#[test]
fn the_plan_footer_and_models_name_a_coming_deprecation_with_its_successor() {
    let dir = project("  dev:\n    store: sqlite:dev.db\n");
    let today = |day: &str| {
        let mut command = promptctl(dir.path());
        command.env("PROMPTCTL_TODAY", day);
        command
    };
    let (code, stdout, stderr) = run(today("2026-12-01").arg("plan"));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("Warning: 1 prompt runs on openai/gpt-5, deprecated on 2026-12-11 (in 10 days); move to openai/gpt-5.2"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Warning: 1 prompt runs on openai/gpt-5-mini, deprecated on 2026-12-11 (in 10 days); move to openai/gpt-5.4-mini"),
        "{stdout}"
    );
    // gpt-4o-mini goes on 2027-01-14: outside the 30-day window on 2026-12-01.
    assert!(!stdout.contains("gpt-4o-mini, deprecated"), "{stdout}");
    let (_, json, _) = run(today("2026-12-01").args(["plan", "--format", "json"]));
    let json: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        json["notes"]["deprecations"][0],
        serde_json::json!({ "model": "openai/gpt-5", "deprecated_on": "2026-12-11", "days": 10, "successor": "openai/gpt-5.2", "prompts": 1 })
    );
    // Before the window: no warning at all.
    let (_, stdout, _) = run(today("2026-06-01").arg("plan"));
    assert!(!stdout.contains("Warning:"), "{stdout}");
    // After the date: deprecated, still with its successor.
    let (_, stdout, _) = run(today("2026-12-20").arg("plan"));
    assert!(
        stdout.contains("Warning: 1 prompt runs on openai/gpt-5, deprecated since 2026-12-11; move to openai/gpt-5.2"),
        "{stdout}"
    );

    let (_, models, _) = run(today("2026-12-01").arg("models"));
    let gpt5 = models
        .lines()
        .find(|l| l.starts_with("openai/gpt-5 "))
        .unwrap();
    assert!(
        gpt5.contains("deprecates 2026-12-11 (in 10 days) → openai/gpt-5.2"),
        "{gpt5}"
    );
}

/// `status --format json` in `dir`, with its exit code.
fn status(dir: &std::path::Path, args: &[&str]) -> (i32, Value, String) {
    let (code, stdout, stderr) = run(promptctl(dir)
        .args(["status", "--format", "json"])
        .args(args));
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}{stderr}"));
    (code, json, stderr)
}

#[test]
fn status_shows_what_runs_where_across_sqlite_and_postgresql_with_one_unreachable() {
    let Some(admin) = postgres_url() else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let database = runtime.block_on(TestDatabase::create(&admin));
    // dev on SQLite with an overlay, prod on PostgreSQL, and an environment nothing answers.
    let dir = project(&format!(
        "  dev:\n    store: sqlite:dev.db\n    models:\n      - ai_model: openai/gpt-5-nano\n  prod:\n    store: \"{}\"\n  gone:\n    store: http://127.0.0.1:9/\n",
        database.url
    ));
    for env in ["dev", "prod"] {
        let (code, _, stderr) =
            run(promptctl(dir.path()).args(["--env", env, "apply", "--auto-approve"]));
        assert_eq!(code, 0, "{env}: {stderr}");
    }
    let (code, json, stderr) = status(dir.path(), &["--envs", "dev,prod", "--detailed-exitcode"]);
    assert_eq!(code, 0, "in step: {json:#}{stderr}");
    assert_eq!(json["differs"], false);
    assert_eq!(
        json["prompts"][0]["environments"]["dev"],
        serde_json::json!({ "version": "v1", "model": "openai/gpt-5-nano", "differs": false })
    );
    assert_eq!(
        json["prompts"][0]["environments"]["prod"],
        serde_json::json!({ "version": "v1", "model": "openai/gpt-4o-mini", "differs": false })
    );

    // A model change in git reaches neither store yet: both differ, and so does the exit.
    fs_err::write(
        dir.path().join("prompts/mock.yaml"),
        prompt("mock", "openai/gpt-5-mini", "mock_data", ""),
    )
    .unwrap();
    let (code, json, stderr) = status(dir.path(), &["--detailed-exitcode"]);
    assert_eq!(code, 1, "an unreachable environment: {stderr}");
    assert!(
        stderr.contains("warning: environment gone cannot be read"),
        "{stderr}"
    );
    let names: Vec<&str> = json["environments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["dev", "gone", "prod"], "every environment, sorted");
    assert!(json["environments"][1]["error"].is_string(), "{json:#}");
    assert!(json["environments"][1]["revision"].is_null(), "{json:#}");
    let mock = &json["prompts"][0];
    assert_eq!(mock["prompt_name"], "mock");
    assert_eq!(
        mock["git"],
        serde_json::json!({ "version": "v1", "model": "openai/gpt-5-mini" })
    );
    // dev's overlay puts every prompt on nano anyway: no difference there.
    assert_eq!(mock["environments"]["dev"]["differs"], false);
    assert_eq!(mock["environments"]["prod"]["differs"], true);
    assert_eq!(mock["environments"]["prod"]["model"], "openai/gpt-4o-mini");
    assert!(mock["environments"]["gone"].is_null());
    assert_eq!(json["prompts"][1]["environments"]["prod"]["differs"], false);

    let (code, _, _) = status(dir.path(), &["--envs", "prod,dev", "--detailed-exitcode"]);
    assert_eq!(code, 2);
    let (code, text, _) = run(promptctl(dir.path()).args(["status", "--envs", "prod,dev"]));
    assert_eq!(code, 0);
    let mock_line = text.lines().find(|l| l.starts_with("mock")).unwrap();
    assert_eq!(
        mock_line.split_whitespace().collect::<Vec<_>>(),
        [
            "mock",
            "v1",
            "openai/gpt-5-mini",
            "*",
            "v1",
            "openai/gpt-4o-mini",
            "v1",
            "openai/gpt-5-nano"
        ]
    );
    let (_, markdown, _) = run(promptctl(dir.path()).args(["status", "--format", "markdown"]));
    assert!(
        markdown.contains("| `mock` | `v1` `openai/gpt-5-mini` | `v1` `openai/gpt-5-nano` | ❓ | ⚠️ `v1` `openai/gpt-4o-mini` |"),
        "{markdown}"
    );
    drop(database);
}

#[test]
fn status_refuses_an_unknown_environment_by_name() {
    let dir = project(DEV_AND_PROD);
    let (code, _, stderr) = run(promptctl(dir.path()).args(["status", "--envs", "dev,prdo"]));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("unknown environment `prdo`: promptctl.yaml defines dev, prod"),
        "{stderr}"
    );
}
