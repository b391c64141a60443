//! promptctl.yaml's policies through `validate` (and so `plan`): each rule, each enforcement
//! level, matching by field and by environment.

use serde_json::Value;

use crate::common::{promptctl, run};

fn prompt(name: &str, model: &str, step: &str, extra: &str) -> String {
    format!(
        "prompt_name: {name}\nprompt_version: v1\nai_model: {model}\nsubsystem: incidents\nworkflow_step: {step}\n{extra}prompt_template: Hi.\n"
    )
}

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
