//! `promptctl cost`: the figures of a fixture worked by hand.
//!
//! Prices per 1M tokens (the built-in catalog): openai/gpt-4o-mini $0.15 in, $0.60 out;
//! openai/gpt-5 $1.25 in, $10.00 out.
//!
//! | prompt | subsystem | model | requests | in / out tokens | a month |
//! |---|---|---|---|---|---|
//! | alpha | billing | gpt-4o-mini | 1,000 | 1,000 / 500 | 1,000 × (1,000 × 0.15 + 500 × 0.60) / 1M = $0.45 |
//! | beta | billing | gpt-5 | 200 | 2,000 / 1,000 | 200 × (2,000 × 1.25 + 1,000 × 10) / 1M = $2.50 |
//! | gamma | support | gpt-4o-mini | (no usage) | | unknown |
//!
//! Total $2.95. alpha on gpt-5: 1,000 × (1,000 × 1.25 + 500 × 10) / 1M = $6.25, so +$5.80 a
//! month, +1,289% (5.80 / 0.45); the total becomes 2.95 − 0.45 + 6.25 = $8.75. Scenario
//! `high` (× 2) doubles what is priced: $5.90.

use serde_json::Value;

use crate::common::{promptctl, run};

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let prompts = dir.path().join("prompts");
    fs_err::create_dir_all(&prompts).unwrap();
    for (name, subsystem, model) in [
        ("alpha", "billing", "openai/gpt-4o-mini"),
        ("beta", "billing", "openai/gpt-5"),
        ("gamma", "support", "openai/gpt-4o-mini"),
    ] {
        fs_err::write(
            prompts.join(format!("{name}.yaml")),
            format!("prompt_name: {name}\nprompt_version: v1\nai_model: {model}\nsubsystem: {subsystem}\nprompt_template: Hi.\n"),
        )
        .unwrap();
    }
    fs_err::write(
        dir.path().join("usage.yaml"),
        "usage:\n  - prompt: alpha\n    requests_per_month: 1000\n    input_tokens: 1000\n    output_tokens: 500\n  - prompt: beta\n    requests_per_month: 200\n    input_tokens: 2000\n    output_tokens: 1000\nscenarios:\n  high: 2\n",
    )
    .unwrap();
    dir
}

fn cost_json(dir: &std::path::Path, args: &[&str]) -> Value {
    let (code, stdout, stderr) = run(promptctl(dir).args(["cost", "--format", "json"]).args(args));
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

#[test]
fn the_monthly_cost_by_prompt_subsystem_and_total_names_the_unpriced() {
    let dir = project();
    let report = cost_json(dir.path(), &[]);
    assert_eq!(report["total_monthly_usd"], 2.95);
    let monthly: Vec<(String, Value)> = report["prompts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["prompt_name"].as_str().unwrap().to_owned(),
                p["monthly_usd"].clone(),
            )
        })
        .collect();
    assert_eq!(
        monthly,
        [
            ("alpha".to_owned(), Value::from(0.45)),
            ("beta".to_owned(), Value::from(2.5)),
            ("gamma".to_owned(), Value::Null)
        ]
    );
    assert_eq!(report["without_usage"], serde_json::json!(["gamma"]));
    assert_eq!(report["subsystems"][0]["subsystem"], "billing");
    assert_eq!(report["subsystems"][0]["monthly_usd"], 2.95);
    assert_eq!(report["subsystems"][1]["monthly_usd"], 0.0);
    let (code, text, _) = run(promptctl(dir.path()).arg("cost"));
    assert_eq!(code, 0);
    assert!(text.contains("Monthly cost: $2.95"), "{text}");
    assert!(
        text.contains("Not priced, usage.yaml does not cover them (1): gamma"),
        "named, never silently zero: {text}"
    );
}

#[test]
fn what_if_prices_the_selected_prompts_on_another_model() {
    let dir = project();
    let report = cost_json(
        dir.path(),
        &["--what-if", "openai/gpt-5", "--prompt", "alpha"],
    );
    let what_if = &report["what_if"];
    assert_eq!(what_if["prompts"], 1);
    assert_eq!(what_if["before_monthly_usd"], 0.45);
    assert_eq!(what_if["after_monthly_usd"], 6.25);
    assert_eq!(what_if["delta_monthly_usd"], 5.8);
    assert_eq!(what_if["delta_percent"], 1288.9);
    assert_eq!(report["total_monthly_usd_after"], 8.75);
    let (_, text, _) = run(promptctl(dir.path()).args([
        "cost",
        "--what-if",
        "openai/gpt-5",
        "--where",
        "prompt_name=al*",
    ]));
    assert!(
        text.contains("What if 1 prompt moved to openai/gpt-5: $0.45 → $6.25 (+$5.80/month, +1289%); in total $2.95 → $8.75"),
        "{text}"
    );
    // Without a selector every prompt moves: beta stays at $2.50, alpha goes to $6.25.
    let all = cost_json(dir.path(), &["--what-if", "openai/gpt-5"]);
    assert_eq!(all["what_if"]["prompts"], 3);
    assert_eq!(all["total_monthly_usd_after"], 8.75);
}

#[test]
fn a_scenario_scales_requests_and_mistakes_are_named() {
    let dir = project();
    let report = cost_json(dir.path(), &["--scenario", "high"]);
    assert_eq!(report["total_monthly_usd"], 5.9);
    assert_eq!(report["scenario"]["multiplier"], 2.0);
    for (args, says) in [
        (vec!["--scenario", "low"], "defines `high`"),
        (vec!["--what-if", "openai/gpt5"], "did you mean"),
        (
            vec!["--what-if", "openai/gpt-5", "--prompt", "alpah"],
            "did you mean `alpha`",
        ),
        (
            vec!["--what-if", "openai/gpt-5", "--where", "subsystem=nothing"],
            "selects no active prompt",
        ),
    ] {
        let (code, _, stderr) = run(promptctl(dir.path()).arg("cost").args(&args));
        assert_eq!(code, 1, "{args:?}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    fs_err::remove_file(dir.path().join("usage.yaml")).unwrap();
    let (code, _, stderr) = run(promptctl(dir.path()).arg("cost"));
    assert_eq!(code, 1);
    assert!(stderr.contains("cost needs usage.yaml"), "{stderr}");
}
