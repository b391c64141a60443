//! The text and Markdown views, as snapshots on values built in the test: a representative
//! plan (every action, an error, costs, a policy section, a rules change) and a status
//! matrix. A change in what people read shows up as a diff to review.

use promptctl::ops::status::{Cell, Environment, Row, Running, Status};
use promptctl::plan::render;
use promptctl::policy::{Enforcement, Violation};

/// Styles rendered as ANSI sequences, removed: the snapshots hold what a terminal without
/// colour shows.
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The golden plan, with a policy section and a change of the rules of record.
fn representative() -> (promptctl::plan::Plan, promptctl::plan::cost::PlanCost) {
    let (mut plan, cost) = crate::golden::plan(&[]);
    let violation = |policy: &str, enforcement, name: &str, rule: &str| Violation {
        policy: policy.to_owned(),
        enforcement,
        prompt_name: name.to_owned(),
        prompt_version: "v1".to_owned(),
        file: std::path::Path::new("prompts/x.yaml").into(),
        rule: rule.to_owned(),
        overridden: false,
    };
    plan.notes.policies = vec![
        violation(
            "premium-narratives",
            Enforcement::HardMandatory,
            "beta",
            "allowed_tiers: `openai/gpt-5-mini` is mid-range, not premium",
        ),
        violation(
            "questions-cheap",
            Enforcement::Advisory,
            "gamma",
            "allowed_tiers: `openai/gpt-5-mini` is mid-range, not cost-effective",
        ),
    ];
    let rules = promptctl::store::Rules::builtin();
    plan.rules = Some(promptctl::plan::RulesChange {
        before_digest: None,
        changes: rules.changes_from(None),
        rules,
    });
    (plan, cost)
}

#[test]
fn the_plan_as_text() {
    let (plan, cost) = representative();
    insta::assert_snapshot!("plan_text", plain(&render::text(&plan, Some(&cost))));
}

#[test]
fn the_plan_as_markdown() {
    let (plan, cost) = representative();
    insta::assert_snapshot!("plan_markdown", render::markdown(&plan, Some(&cost)));
}

#[test]
fn a_plan_without_changes_as_text_and_markdown() {
    let (mut plan, _) = crate::golden::plan(&["nothing-here"]);
    plan.changes.clear();
    plan.errors.clear();
    insta::assert_snapshot!("plan_no_changes_text", plain(&render::text(&plan, None)));
    insta::assert_snapshot!("plan_no_changes_markdown", render::markdown(&plan, None));
}

fn status() -> Status {
    let running = |version: &str, model: &str| Running {
        version: version.to_owned(),
        model: model.to_owned(),
    };
    Status {
        environments: vec![
            Environment {
                name: "dev".to_owned(),
                store: "sqlite:dev.db".to_owned(),
                read: Ok(4),
            },
            Environment {
                name: "prod".to_owned(),
                store: "https://prompts.example.com".to_owned(),
                read: Ok(12),
            },
            Environment {
                name: "staging".to_owned(),
                store: "postgres://db/staging".to_owned(),
                read: Err("connection refused at db:5432".to_owned()),
            },
        ],
        prompts: vec![
            Row {
                prompt_name: "alpha".to_owned(),
                git: Some(running("v2", "openai/gpt-5")),
                cells: vec![
                    Some(Cell {
                        running: Some(running("v2", "openai/gpt-5-nano")),
                        differs: false,
                    }),
                    Some(Cell {
                        running: Some(running("v1", "openai/gpt-4o-mini")),
                        differs: true,
                    }),
                    None,
                ],
            },
            Row {
                prompt_name: "legacy_only".to_owned(),
                git: None,
                cells: vec![
                    Some(Cell {
                        running: None,
                        differs: false,
                    }),
                    Some(Cell {
                        running: Some(running("v3", "openai/gpt-5")),
                        differs: false,
                    }),
                    None,
                ],
            },
        ],
    }
}

#[test]
fn the_status_as_text_and_markdown() {
    let status = status();
    insta::assert_snapshot!("status_text", promptctl::views::status::text(&status));
    insta::assert_snapshot!(
        "status_markdown",
        promptctl::views::status::markdown(&status)
    );
}
