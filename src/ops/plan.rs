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
    let project_rules = settings.rules()?;
    // A store that cannot keep rules of record (Langfuse) is planned without publishing them.
    let rules = match published {
        Err(crate::store::StoreError::Unsupported(_)) => None,
        published => rules_change(project_rules.clone(), published?.map(|p| p.rules)),
    };
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
    plan.errors
        .extend(store_refusals(&plan, &project_rules, &snapshot, &prompts));
    plan.rules = rules;
    plan.notes = Notes {
        environment: settings.environment.clone(),
        overlay,
        policies: violations,
        overrides: passed
            .into_iter()
            .map(|(policy, prompts)| PolicyOverride {
                policy,
                actor: settings.actor(),
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

/// What the store would refuse of the plan's backfills, as plan errors: the writes git's
/// prompts make passed the same rules in `validate`, but a backfill gives a row git does not
/// describe the default model, which a policy or the model's limits may forbid. The plan says
/// so now rather than the store at apply.
fn store_refusals(
    plan: &Plan,
    rules: &Rules,
    snapshot: &Snapshot,
    prompts: &[Prompt],
) -> Vec<PlanError> {
    let backfills: Vec<crate::store::Op> = plan
        .changes
        .iter()
        .filter(|c| c.action == crate::plan::Action::Backfill)
        .flat_map(|c| c.ops.iter().cloned())
        .collect();
    if backfills.is_empty() {
        return Vec::new();
    }
    let changes = crate::store::ChangeSet {
        store_id: plan.store_id.clone(),
        actor: String::new(),
        idempotency_key: None,
        request_sha256: None,
        ops: backfills,
        policy_overrides: plan.notes.overrides.clone(),
        rules: None,
    };
    let rows: HashMap<&str, &LiveRow> = snapshot.rows.iter().map(|r| (r.id.as_str(), r)).collect();
    let files: HashMap<&str, String> = prompts
        .iter()
        .map(|p| {
            (
                p.prompt_name(),
                crate::diag::display_path(&p.origin().file)
                    .display()
                    .to_string(),
            )
        })
        .collect();
    crate::store::rules::check_change_set(
        rules,
        &changes,
        |id| rows.get(id).copied(),
        &crate::time::today(),
    )
    .refusals
    .into_iter()
    .map(|refusal| {
        let (name, version) = refusal.prompt.clone().unwrap_or_default();
        PlanError {
            file: files
                .get(name.as_str())
                .cloned()
                .unwrap_or_else(|| "(a row of the store)".to_owned()),
            prompt_name: name,
            prompt_version: version,
            message: format!(
                "its backfill to the default model would be refused: {}",
                refusal.reason()
            ),
        }
    })
    .collect()
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
