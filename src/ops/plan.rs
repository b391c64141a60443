//! Make a plan: validate git's prompts and read the store at the same time, then diff.

use std::collections::HashMap;
use std::time::Instant;

use crate::plan::{DiffOptions, Notes, Plan, PlanError};
use crate::prompt::Prompt;
use crate::settings::Settings;
use crate::store::PolicyOverride;
use crate::store::{LiveRow, Snapshot, Store};
use crate::validate::Validation;

use super::{OpsError, elapsed};

/// What a plan covers.
#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    /// Only these prompt names; every prompt when empty.
    pub targets: Vec<String>,
    /// Also deactivate production prompts whose name git does not have.
    pub prune: bool,
    /// Soft-mandatory policies to pass (`--override-policy NAME`), recorded in the plan and
    /// the audit log.
    pub override_policies: Vec<String>,
}

/// A plan, what it was made from, and the store it was made against (to apply it to).
pub struct Planned {
    pub plan: Plan,
    pub prompts: Vec<Prompt>,
    pub snapshot: Snapshot,
    pub store: Box<dyn Store>,
    /// Warnings about the prompt files (errors stop the plan), with the texts to show them.
    pub warnings: Validation,
}

/// Validate the prompts and read the store at the same time (on two cores, neither waits for
/// the other), then diff. Prompt files with errors fail it with the validation to show.
pub fn plan(
    runtime: &tokio::runtime::Runtime,
    settings: &Settings,
    options: &PlanOptions,
) -> Result<Planned, OpsError> {
    let (validation, opened) = std::thread::scope(|threads| {
        let validating = threads.spawn(|| super::validate_files(settings, &[]));
        let opened = runtime.block_on(async {
            let store = super::open_store(settings).await?;
            let started = Instant::now();
            let snapshot = store.snapshot_for_diff().await?;
            tracing::debug!(
                "read {} rows (revision {}) from {} in {}",
                snapshot.rows.len(),
                snapshot.revision,
                store.location(),
                elapsed(started)
            );
            Ok::<_, OpsError>((store, snapshot))
        });
        (validating.join(), opened)
    });
    let mut validation =
        validation.map_err(|_| OpsError::Refused("validation failed unexpectedly".to_owned()))?;
    if validation.diagnostics.has_errors() {
        return Err(OpsError::InvalidPrompts(Box::new(validation)));
    }
    let (store, mut snapshot) = opened?;
    let mut prompts = std::mem::take(&mut validation.prompts);
    let (overlay, overlay_problems) =
        crate::overlay::apply(&settings.overlay, &mut prompts, &settings.catalog);
    let mut violations = super::check_policies(settings, &prompts);
    let passed = crate::policy::apply_overrides(
        &settings.config.policies,
        &mut violations,
        &options.override_policies,
    )
    .map_err(|e| OpsError::Refused(e.to_string()))?;
    super::add_problems(&mut validation, crate::policy::diagnostics(&violations));
    runtime.block_on(read_shown_templates(
        store.as_ref(),
        &prompts,
        &mut snapshot,
    ))?;
    let started = Instant::now();
    let mut plan = crate::plan::diff(
        &prompts,
        &snapshot,
        &DiffOptions {
            default_model: settings.default_model.clone(),
            prune: options.prune,
            targets: options.targets.clone(),
            store: store.location(),
        },
    );
    plan.errors
        .extend(overlay_problems.into_iter().map(|problem| {
            PlanError {
                file: crate::diag::display_path(&problem.file)
                    .display()
                    .to_string(),
                prompt_name: problem.prompt_name,
                prompt_version: problem.prompt_version,
                message: problem.message,
            }
        }));
    plan.notes = Notes {
        environment: settings.environment.clone(),
        overlay,
        policies: violations,
        overrides: passed
            .into_iter()
            .map(|(policy, prompts)| PolicyOverride {
                policy,
                actor: settings.actor.clone(),
                prompts,
            })
            .collect(),
        deprecations: crate::plan::notes::deprecations(
            &prompts,
            &settings.catalog,
            &crate::time::today(),
            settings.deprecation_window(),
        ),
    };
    tracing::debug!(
        "diffed {} prompts against {} rows: {} changes, {} errors, in {}",
        prompts.len(),
        snapshot.rows.len(),
        plan.changes.len(),
        plan.errors.len(),
        elapsed(started)
    );
    Ok(Planned {
        plan,
        prompts,
        snapshot,
        store,
        warnings: validation,
    })
}

/// Complete `snapshot` with the templates the plan shows that its read left out. Should the
/// store have moved on since (another apply), the plan is made against a whole new snapshot
/// instead, so its rows are of one revision.
pub async fn read_shown_templates(
    store: &dyn Store,
    prompts: &[Prompt],
    snapshot: &mut Snapshot,
) -> Result<(), OpsError> {
    let ids = crate::plan::templates_to_read(prompts, snapshot);
    if ids.is_empty() {
        return Ok(());
    }
    let (revision, whole) = store.rows_by_id(&ids).await?;
    if revision != snapshot.revision {
        *snapshot = store.snapshot().await?;
        return Ok(());
    }
    let mut whole: HashMap<String, LiveRow> =
        whole.into_iter().map(|row| (row.id.clone(), row)).collect();
    for row in &mut snapshot.rows {
        if let Some(read) = whole.remove(&row.id) {
            row.prompt_template = read.prompt_template;
            row.template_sha256 = None;
        }
    }
    Ok(())
}
