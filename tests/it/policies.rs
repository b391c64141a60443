//! promptctl.yaml's policies through `validate` (and so `plan`): each rule, each enforcement
//! level, matching by field and by environment.

use serde_json::Value;

use crate::common::{promptctl, run, small_prompt as prompt};

/// A project with the story's tier policy and a few prompts that break it.
fn project(policies: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let prompts = dir.path().join("prompts");
    fs_err::create_dir_all(&prompts).unwrap();
    fs_err::write(
        dir.path().join("promptctl.yaml"),
        format!("environments:\n  dev: {{ store: \"sqlite:dev.db\" }}\n  prod: {{ store: \"sqlite:prod.db\" }}\npolicies:\n{policies}"),
    )
    .unwrap();
    for (name, model, step, extra) in [
        (
            "narrative",
            "openai/gpt-5-mini",
            "narrative_enhancement",
            "",
        ),
        (
            "questions",
            "openai/gpt-5",
            "clarification_questions",
            "max_tokens: 2000\n",
        ),
        ("mock", "openai/gpt-4o-mini", "mock_data", ""),
    ] {
        fs_err::write(
            prompts.join(format!("{name}.yaml")),
            prompt(name, model, step, extra),
        )
        .unwrap();
    }
    dir
}

fn problems(dir: &std::path::Path, args: &[&str]) -> (i32, Vec<(String, String, String, u64)>) {
    let (code, stdout, stderr) = run(promptctl(dir)
        .args(args)
        .args(["validate", "--format", "json"]));
    let report: Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}{stderr}"));
    let found = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["severity"].as_str().unwrap().to_owned(),
                d["file"].as_str().unwrap().to_owned(),
                d["message"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    (code, found)
}

#[test]
fn the_storys_tier_policy_fails_a_narrative_prompt_off_premium_at_its_model_line() {
    let dir = project(
        "  - name: narrative-premium\n    match: { subsystem: incidents, workflow_step: narrative_enhancement }\n    allowed_tiers: [premium]\n    enforcement: hard-mandatory\n  - name: questions-mid-range\n    match: { workflow_step: clarification_questions }\n    allowed_tiers: [mid-range]\n    enforcement: advisory\n",
    );
    let (code, found) = problems(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        found,
        vec![
            (
                "error".to_owned(),
                "prompts/narrative.yaml".to_owned(),
                "`narrative` breaks policy `narrative-premium`: allowed_tiers: `openai/gpt-5-mini` is mid-range, not premium".to_owned(),
                3
            ),
            (
                "warning".to_owned(),
                "prompts/questions.yaml".to_owned(),
                "`questions` breaks policy `questions-mid-range`: allowed_tiers: `openai/gpt-5` is premium, not mid-range".to_owned(),
                3
            ),
        ]
    );
    // plan refuses too: the prompt files have errors.
    let (code, _, stderr) = run(promptctl(dir.path()).arg("plan"));
    assert_eq!(code, 1);
    assert!(stderr.contains("error[policy-violation]"), "{stderr}");
}

#[test]
fn each_rule_names_itself() {
    let dir = project(
        "  - name: house-rules\n    allowed_models: [\"openai/gpt-5*\"]\n    allowed_providers: [anthropic]\n    max_input_cost_per_1m: 1\n    max_output_cost_per_1m: 5\n    require_max_tokens: true\n    enforcement: soft-mandatory\n",
    );
    let (code, found) = problems(dir.path(), &[]);
    assert_eq!(code, 1);
    let messages: Vec<&str> = found.iter().map(|f| f.2.as_str()).collect();
    for expected in [
        "`mock` breaks policy `house-rules`: allowed_models: `openai/gpt-4o-mini` is not one of openai/gpt-5*",
        "`narrative` breaks policy `house-rules`: allowed_providers: `openai` is not one of anthropic",
        "`questions` breaks policy `house-rules`: max_input_cost_per_1m: `openai/gpt-5` costs $1.25 per 1M input tokens, over $1",
        "`questions` breaks policy `house-rules`: max_output_cost_per_1m: `openai/gpt-5` costs $10 per 1M output tokens, over $5",
        "`mock` breaks policy `house-rules`: require_max_tokens: `max_tokens` is not set",
    ] {
        assert!(messages.contains(&expected), "{expected}\nin {messages:#?}");
    }
    assert!(
        !messages
            .iter()
            .any(|m| m.starts_with("`questions`") && m.contains("require_max_tokens")),
        "questions sets max_tokens"
    );
}

#[test]
fn a_policy_limited_to_prod_applies_only_with_env_prod() {
    let dir = project(
        "  - name: prod-cheap\n    allowed_tiers: [cost-effective]\n    enforcement: hard-mandatory\n    environments: [prod]\n",
    );
    let (code, found) = problems(dir.path(), &[]);
    assert_eq!((code, found.len()), (0, 0), "{found:?}");
    let (code, found) = problems(dir.path(), &["--env", "dev"]);
    assert_eq!((code, found.len()), (0, 0), "{found:?}");
    let (code, found) = problems(dir.path(), &["--env", "prod"]);
    assert_eq!(code, 1);
    assert_eq!(found.len(), 2, "narrative and questions: {found:?}");
}

#[test]
fn a_policy_with_an_unknown_key_is_refused_naming_the_file() {
    let dir = project("  - name: typo\n    allowed_tier: [premium]\n    enforcement: advisory\n");
    let (code, _, stderr) = run(promptctl(dir.path()).arg("validate"));
    assert_eq!(code, 1);
    assert!(
        stderr.contains("promptctl.yaml") && stderr.contains("allowed_tier"),
        "{stderr}"
    );
}

/// `plan` (text, JSON, Markdown) against the project's own SQLite store.
fn plan(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    run(promptctl(dir)
        .env("PROMPTCTL_ACTOR", "alice")
        .arg("plan")
        .args(args))
}

const STORY: &str = "  - name: narrative-premium\n    match: { workflow_step: narrative_enhancement }\n    allowed_tiers: [premium]\n    enforcement: hard-mandatory\n  - name: questions-mid-range\n    match: { workflow_step: clarification_questions }\n    allowed_tiers: [mid-range]\n    enforcement: advisory\n  - name: no-gpt-4o\n    allowed_models: [\"openai/gpt-5*\"]\n    enforcement: soft-mandatory\n";

#[test]
fn plan_shows_a_policy_section_in_every_format_and_fails_on_mandatory_ones() {
    let dir = project(STORY);
    let (code, stdout, stderr) = plan(dir.path(), &[]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("Policies: 3 broken"), "{stdout}");
    assert!(
        stdout.contains("✗ narrative-premium (hard-mandatory): blocks the plan, 1 violation"),
        "{stdout}"
    );
    assert!(
        stdout.contains("✗ no-gpt-4o (soft-mandatory): blocks the plan, 1 violation"),
        "{stdout}"
    );
    assert!(
        stdout.contains("! questions-mid-range (advisory): warning, 1 violation"),
        "{stdout}"
    );
    assert!(
        stdout
            .contains("narrative v1: allowed_tiers: `openai/gpt-5-mini` is mid-range, not premium"),
        "{stdout}"
    );
    assert!(
        stderr.contains("the plan cannot be applied: it breaks the soft-mandatory policy `no-gpt-4o` (1 prompt version); `--override-policy no-gpt-4o` may pass it; it breaks the hard-mandatory policy `narrative-premium` (1 prompt version)"),
        "{stderr}"
    );
    // The violations are also diagnostics at each prompt's ai_model line.
    assert!(stderr.contains("error[policy-violation]"), "{stderr}");

    let (_, json, _) = plan(dir.path(), &["--format", "json"]);
    let json: Value = serde_json::from_str(&json).unwrap();
    let violations = json["notes"]["policy_violations"].as_array().unwrap();
    let seen: Vec<(&str, &str, &str, bool)> = violations
        .iter()
        .map(|v| {
            (
                v["policy"].as_str().unwrap(),
                v["enforcement"].as_str().unwrap(),
                v["prompt_name"].as_str().unwrap(),
                v["overridden"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("no-gpt-4o", "soft-mandatory", "mock", false),
            ("narrative-premium", "hard-mandatory", "narrative", false),
            ("questions-mid-range", "advisory", "questions", false),
        ]
    );

    let (_, markdown, _) = plan(dir.path(), &["--format", "markdown"]);
    assert!(markdown.contains("#### Policies"), "{markdown}");
    assert!(
        markdown.contains("| ✗ | `narrative-premium` | hard-mandatory | blocks the plan |"),
        "{markdown}"
    );
}

#[test]
fn an_advisory_policy_warns_and_the_plan_goes_on() {
    let dir = project(
        "  - name: questions-mid-range\n    match: { workflow_step: clarification_questions }\n    allowed_tiers: [mid-range]\n    enforcement: advisory\n",
    );
    let (code, stdout, stderr) = plan(dir.path(), &["--out", "p.json"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("warning[policy-violation]"), "{stderr}");
    assert!(
        stdout.contains("! questions-mid-range (advisory): warning"),
        "{stdout}"
    );
    assert!(dir.path().join("p.json").is_file());
}

#[test]
fn an_override_passes_a_soft_policy_and_is_recorded_in_the_plan_and_the_audit_log() {
    let dir = project(
        "  - name: no-gpt-4o\n    allowed_models: [\"openai/gpt-5*\"]\n    enforcement: soft-mandatory\n",
    );
    let (code, _, stderr) = plan(dir.path(), &["--out", "p.json"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("nothing was saved"), "{stderr}");
    assert!(!dir.path().join("p.json").exists());

    let (code, stdout, stderr) = plan(
        dir.path(),
        &["--out", "p.json", "--override-policy", "no-gpt-4o"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("~ no-gpt-4o (soft-mandatory): overridden by alice, 1 violation"),
        "{stdout}"
    );
    assert!(stderr.contains("warning[policy-violation]"), "{stderr}");
    let saved: Value =
        serde_json::from_str(&fs_err::read_to_string(dir.path().join("p.json")).unwrap()).unwrap();
    assert_eq!(
        saved["plan"]["notes"]["policy_overrides"],
        serde_json::json!([{ "policy": "no-gpt-4o", "actor": "alice", "prompts": ["mock"] }])
    );

    // Applied by someone else: the audit log has who overrode and who applied.
    let (code, _, stderr) = run(promptctl(dir.path())
        .env("PROMPTCTL_ACTOR", "bob")
        .args(["apply", "p.json"]));
    assert_eq!(code, 0, "{stderr}");
    let (_, history, _) = run(promptctl(dir.path()).args(["history", "--format", "json"]));
    let history: Value = serde_json::from_str(&history).unwrap();
    let overrides: Vec<&Value> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["change"] == "policy-override")
        .collect();
    assert_eq!(overrides.len(), 1, "{history:#}");
    assert_eq!(overrides[0]["actor"], "bob");
    assert_eq!(
        overrides[0]["after"],
        serde_json::json!({ "policy": "no-gpt-4o", "overridden_by": "alice", "prompts": ["mock"] })
    );
    let (_, text, _) = run(promptctl(dir.path()).arg("history"));
    assert!(
        text.contains("policy no-gpt-4o passed for 1 prompt(s), overridden by alice"),
        "{text}"
    );
}

#[test]
fn apply_without_a_saved_plan_takes_the_override_too() {
    let dir = project(
        "  - name: no-gpt-4o\n    allowed_models: [\"openai/gpt-5*\"]\n    enforcement: soft-mandatory\n",
    );
    let (code, _, stderr) = run(promptctl(dir.path()).args(["apply", "--auto-approve"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("`--override-policy no-gpt-4o`"), "{stderr}");
    let (_, history, _) = run(promptctl(dir.path()).args(["history", "--format", "json"]));
    assert_eq!(history.trim(), "[]", "nothing was applied");
    let (code, _, stderr) = run(promptctl(dir.path()).args([
        "apply",
        "--auto-approve",
        "--override-policy",
        "no-gpt-4o",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let (_, history, _) = run(promptctl(dir.path()).args(["history", "--format", "json"]));
    assert!(history.contains("\"policy-override\""), "{history}");
}

#[test]
fn hard_mandatory_advisory_and_unknown_policies_cannot_be_overridden() {
    let dir = project(STORY);
    for (name, expected) in [
        (
            "narrative-premium",
            "--override-policy narrative-premium: the policy is hard-mandatory and cannot be overridden",
        ),
        (
            "questions-mid-range",
            "--override-policy questions-mid-range: the policy is advisory; there is nothing to override",
        ),
        (
            "no-gpt4o",
            "--override-policy no-gpt4o: promptctl.yaml has no such policy; did you mean `no-gpt-4o`?",
        ),
    ] {
        let (code, _, stderr) = plan(dir.path(), &["--override-policy", name]);
        assert_eq!(code, 1);
        assert!(stderr.contains(expected), "{stderr}");
    }
}
