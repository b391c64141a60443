//! The reconciler's property: for any git state and any live store, applying the plan and
//! planning again yields no changes, and no row that existed before is gone; and the plan
//! made from the diff read (digests for templates) is the plan made from whole rows.

use std::path::Path;

use promptctl::catalog::Catalog;
use promptctl::plan::{DiffOptions, diff};
use promptctl::prompt::Prompt;
use promptctl::store::Restore;
use promptctl::store::sqlite::SqliteStore;
use promptctl::store::{LiveRow, Scope, Store};
use promptctl::validate::Validator;
use proptest::prelude::*;

const NAMES: [&str; 4] = ["alpha", "beta", "gamma", "delta"];
const VERSIONS: [&str; 3] = ["v1", "v2", "v3"];
const MODELS: [&str; 3] = [
    "openai/gpt-5",
    "openai/gpt-5-mini",
    "anthropic/claude-haiku-4-5",
];

/// A version's content is a function of name and version, as it is when versions are bumped
/// on every content change; the plan would otherwise (rightly) refuse.
fn template(name: &str, version: &str) -> String {
    format!("Prompt {name} at {version}.")
}

#[derive(Clone, Debug)]
struct GitPrompt {
    name: usize,
    version: usize,
    model: usize,
    active: bool,
    max_tokens: Option<u64>,
}

#[derive(Clone, Debug)]
struct Row {
    name: usize,
    version: usize,
    model: Option<usize>,
    active: bool,
    developer: bool,
    description: Option<bool>,
}

fn git_state() -> impl Strategy<Value = Vec<GitPrompt>> {
    prop::collection::vec(
        (
            0..NAMES.len(),
            0..VERSIONS.len(),
            0..MODELS.len(),
            prop::bool::weighted(0.8),
            prop::option::of(1u64..5000),
        ),
        0..5,
    )
    .prop_map(|items| {
        let mut seen = std::collections::HashSet::new();
        items
            .into_iter()
            .filter(|(name, ..)| seen.insert(*name))
            .map(|(name, version, model, active, max_tokens)| GitPrompt {
                name,
                version,
                model,
                active,
                max_tokens,
            })
            .collect()
    })
}

fn live_state() -> impl Strategy<Value = Vec<Row>> {
    prop::collection::vec(
        (
            0..NAMES.len(),
            0..VERSIONS.len(),
            prop::option::of(0..MODELS.len()),
            any::<bool>(),
            prop::bool::weighted(0.2),
            prop::option::of(any::<bool>()),
        ),
        0..10,
    )
    .prop_map(|items| {
        let mut seen = std::collections::HashSet::new();
        items
            .into_iter()
            // One production row per name and version, as the store's index demands.
            .filter(|(name, version, _, _, developer, _)| {
                *developer || seen.insert((*name, *version))
            })
            .map(
                |(name, version, model, active, developer, description)| Row {
                    name,
                    version,
                    model,
                    active,
                    developer,
                    description,
                },
            )
            .collect()
    })
}

/// Git's prompts, written as files would be and made through validation.
fn prompts(git: &[GitPrompt]) -> Vec<Prompt> {
    let catalog = Catalog::builtin();
    let validator = Validator::new(&catalog, "openai/gpt-5");
    git.iter()
        .map(|p| {
            let mut text = format!(
                "prompt_name: {}\nprompt_version: {}\nai_model: {}\nsubsystem: s\nis_active: {}\nprompt_template: \"{}\"\n",
                NAMES[p.name],
                VERSIONS[p.version],
                MODELS[p.model],
                p.active,
                template(NAMES[p.name], VERSIONS[p.version])
            );
            if let Some(max_tokens) = p.max_tokens {
                text.push_str(&format!("max_tokens: {max_tokens}\n"));
            }
            validator
                .validate_text(Path::new("prompts/x.yaml"), &text)
                .unwrap_or_else(|problems| panic!("{text}\n{problems:#?}"))
        })
        .collect()
}

fn rows(live: &[Row]) -> Restore {
    Restore {
        store_id: None,
        revision: None,
        rows: live
            .iter()
            .enumerate()
            .map(|(index, r)| LiveRow {
                id: format!("row-{index}"),
                row_version: 1 + index as i64,
                updated_at: 1,
                prompt_name: NAMES[r.name].to_owned(),
                prompt_version: VERSIONS[r.version].to_owned(),
                prompt_template: template(NAMES[r.name], VERSIONS[r.version]),
                description: r.description.map(|d| d.to_string()),
                input_schema: None,
                output_schema: None,
                scope: if r.developer {
                    Scope::Developer
                } else {
                    Scope::Production
                },
                developer_session_id: r.developer.then(|| "s".to_owned()),
                parent_prompt_id: None,
                expires_at: None,
                workflow_step: None,
                subsystem: Some("s".to_owned()),
                ai_model: r.model.map(|m| MODELS[m].to_owned()),
                max_tokens: None,
                temperature: None,
                canary_model: None,
                canary_percent: None,
                is_active: r.active,
                created_at: 1,
                created_by: None,
                replaced_at: None,
                replaced_by: None,
                template_sha256: None,
            })
            .collect(),
    }
}

async fn converges(git: Vec<GitPrompt>, live: Vec<Row>) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("store.db"))
        .await
        .unwrap();
    store
        .restore(&rows(&live), &crate::common::stores::restoring(false))
        .await
        .unwrap();
    let before = store.snapshot().await.unwrap();
    let desired = prompts(&git);
    let options = DiffOptions {
        default_model: "openai/gpt-5".to_owned(),
        ..DiffOptions::default()
    };
    let plan = diff(&desired, &before, &options);
    prop_assert!(plan.errors.is_empty(), "{:?}", plan.errors);
    // The read plan makes (templates left out where digests are kept, then the shown ones
    // read whole) plans the same.
    let mut read = store.snapshot_for_diff().await.unwrap();
    promptctl::ops::plan::read_shown_templates(&store, &desired, &mut read)
        .await
        .unwrap();
    prop_assert_eq!(&diff(&desired, &read, &options), &plan);
    let applying = promptctl::apply::ApplyOptions {
        actor: "test",
        environment: None,
        saved: false,
    };
    promptctl::apply::apply(plan.clone(), &store, &applying, &|_, _| {})
        .await
        .unwrap();
    let after = store.snapshot().await.unwrap();
    let again = diff(&desired, &after, &options);
    prop_assert!(
        again.changes.is_empty(),
        "not converged: {:#?}\nfirst plan: {:#?}",
        again.changes,
        plan.changes
    );
    for row in &before.rows {
        prop_assert!(
            after.rows.iter().any(|r| r.id == row.id),
            "row {} is gone",
            row.id
        );
    }
    prop_assert!(after.rows.iter().all(|r| !r.lacks_model()));
    for prompt in desired.iter().filter(|p| p.is_active()) {
        let active: Vec<&LiveRow> = after
            .rows
            .iter()
            .filter(|r| {
                r.scope == Scope::Production && r.prompt_name == prompt.prompt_name() && r.is_active
            })
            .collect();
        prop_assert_eq!(active.len(), 1);
        prop_assert_eq!(active[0].prompt_version.as_str(), prompt.prompt_version());
        prop_assert_eq!(active[0].ai_model.as_deref(), Some(prompt.ai_model()));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn plan_then_apply_converges_and_loses_no_row(git in git_state(), live in live_state()) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(converges(git, live))?;
    }
}
