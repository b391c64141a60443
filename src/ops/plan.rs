//! Make a plan: validate git's prompts and read the store at the same time, then diff.

use std::collections::HashMap;
use std::time::Instant;

use crate::plan::{DiffOptions, Notes, Plan, PlanError, RulesChange};
use crate::prompt::Prompt;
use crate::settings::Settings;
use crate::store::PolicyOverride;
use crate::store::{LiveRow, Rules, Snapshot, Store};
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
    /// Read every row whole, templates included, for a caller that shows them; a plan alone
    /// compares templates by the digest the store keeps.
    pub whole_rows: bool,
}

/// A plan and what it was made from.
pub struct Planned {
    pub plan: Plan,
    pub prompts: Vec<Prompt>,
    pub snapshot: Snapshot,
    /// Warnings about the prompt files (errors stop the plan), with the texts to show them.
    pub warnings: Validation,
}

/// Validate the prompts and read `store` at the same time (validation on a thread of its own,
/// so neither waits for the other), then diff. Prompt files with errors fail it with the
/// validation to show.
pub async fn plan(
    store: &dyn Store,
    settings: &Settings,
    options: &PlanOptions,
) -> Result<Planned, OpsError> {
    let validating = super::validate_files_in_background(settings);
    let reading = async {
        let started = Instant::now();
        let snapshot = if options.whole_rows {
            store.snapshot().await?
        } else {
            store.snapshot_for_diff().await?
        };
        tracing::debug!(
            "read {} rows (revision {}) from {} in {}",
            snapshot.rows.len(),
            snapshot.revision,
            store.location(),
            elapsed(started)
        );
        Ok::<_, OpsError>(snapshot)
    };
    let (validation, snapshot, published) = tokio::join!(validating, reading, store.rules());
    let mut validation = validation?;
    if validation.diagnostics.has_errors() {
        return Err(OpsError::InvalidPrompts(Box::new(validation)));
    }
    let mut snapshot = snapshot?;
    check_targets(&options.targets, &validation.prompts, &snapshot)?;
    let rules = rules_change(settings.rules()?, published?.map(|p| p.rules));
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
    read_shown_templates(store, &prompts, &mut snapshot).await?;
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
    plan.rules = rules;
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
        warnings: validation,
    })
}

/// A `--target` that names no prompt in git or the store is a mistake, not "No changes".
fn check_targets(
    targets: &[String],
    prompts: &[Prompt],
    snapshot: &Snapshot,
) -> Result<(), OpsError> {
    let known = || {
        prompts
            .iter()
            .map(Prompt::prompt_name)
            .chain(snapshot.rows.iter().map(|r| r.prompt_name.as_str()))
    };
    for target in targets {
        if known().any(|name| name == target) {
            continue;
        }
        let mut names: Vec<&str> = known().collect();
        names.sort_unstable();
        names.dedup();
        let nearest = crate::suggest::nearest(target, names.into_iter(), 3);
        return Err(OpsError::Refused(format!(
            "--target {target}: no prompt of that name is in git or the store{}",
            crate::suggest::did_you_mean(&nearest)
                .map(|h| format!("; {h}"))
                .unwrap_or_default()
        )));
    }
    Ok(())
}

/// The change of the store's rules of record to `project`'s, if they differ from `published`.
pub fn rules_change(project: Rules, published: Option<Rules>) -> Option<RulesChange> {
    let before_digest = published.as_ref().map(Rules::digest);
    if before_digest.as_deref() == Some(project.digest().as_str()) {
        return None;
    }
    Some(RulesChange {
        changes: project.changes_from(published.as_ref()),
        before_digest,
        rules: project,
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
