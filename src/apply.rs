//! The apply executor: a plan's changes as one change set, applied atomically to any
//! [`Store`]. Never prints; the caller reports what it returns.

use std::collections::HashMap;

use crate::plan::{Plan, Summary};
use crate::store::{ChangeSet, Op, Progress, RulesUpdate, Store, StoreError, now_ms};

/// What an apply did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplyReport {
    /// The store's revision after the apply.
    pub revision: i64,
    /// The plan's changes, by action: all of them were applied.
    pub summary: Summary,
    /// After a backfill, how many rows still lack a model (the story's verification: 0):
    /// `Err` with why, if the store could not be read again after the commit. That read is a
    /// follow-up: the change set is applied either way.
    pub rows_without_model: Option<Result<usize, String>>,
}

/// The store writes of a plan, in order. Two changes that update one row (a replaced version
/// that is also backfilled) become one update with both patches, under the precondition the
/// plan read. `now` stamps `replaced_at` on rows being replaced.
pub fn change_set(plan: &Plan, actor: &str, now: i64) -> ChangeSet {
    let mut ops: Vec<Op> = Vec::new();
    let mut update_at: HashMap<String, usize> = HashMap::new();
    for op in plan.changes.iter().flat_map(|c| c.ops.iter().cloned()) {
        match op {
            Op::Update {
                action,
                id,
                expected_row_version,
                mut patch,
            } => {
                if patch.replaced_by.as_ref().is_some_and(Option::is_some)
                    && patch.replaced_at.is_none()
                {
                    patch.replaced_at = Some(Some(now));
                }
                if let Some(&index) = update_at.get(&id) {
                    if let Op::Update { patch: earlier, .. } = &mut ops[index] {
                        earlier.merge(patch);
                    }
                    continue;
                }
                update_at.insert(id.clone(), ops.len());
                ops.push(Op::Update {
                    action,
                    id,
                    expected_row_version,
                    patch,
                });
            }
            insert @ Op::Insert { .. } => ops.push(insert),
        }
    }
    ChangeSet {
        store_id: plan.store_id.clone(),
        actor: actor.to_owned(),
        idempotency_key: Some(crate::store::new_id()),
        ops,
        policy_overrides: plan.notes.overrides.clone(),
        rules: plan.rules.as_ref().map(|change| RulesUpdate {
            rules: change.rules.clone(),
            expected_digest: change.before_digest.clone(),
        }),
    }
}

/// Apply `plan` to `store` in one transaction. A plan with errors, or breaking a mandatory
/// policy it does not override, is refused; a plan made
/// against another store, or whose rows changed since, is refused by the store with nothing
/// written.
pub async fn apply(
    plan: &Plan,
    store: &dyn Store,
    actor: &str,
    progress: Progress<'_>,
) -> Result<ApplyReport, StoreError> {
    if !plan.errors.is_empty() {
        return Err(StoreError::Invalid(
            "the plan has errors and cannot be applied".to_owned(),
        ));
    }
    if let Some(violation) = plan.notes.blocking().next() {
        return Err(StoreError::Invalid(format!(
            "the plan breaks the {} policy `{}` and cannot be applied",
            violation.enforcement.as_str(),
            violation.policy
        )));
    }
    let summary = plan.summary();
    if !plan.has_changes() {
        return Ok(ApplyReport {
            revision: plan.revision,
            summary,
            rows_without_model: None,
        });
    }
    let changes = change_set(plan, actor, now_ms());
    let started = std::time::Instant::now();
    let outcome = store.apply(&changes, progress).await?;
    tracing::debug!(
        "applied {} of {} writes to {} in {:.1} ms: revision {}",
        outcome.applied,
        changes.ops.len(),
        store.location(),
        started.elapsed().as_secs_f64() * 1000.0,
        outcome.revision
    );
    // Committed: from here on nothing may turn the outcome into a failure.
    let rows_without_model = if summary.backfill > 0 {
        Some(
            store
                .snapshot()
                .await
                .map(|snapshot| snapshot.rows.iter().filter(|r| r.lacks_model()).count())
                .map_err(|error| error.to_string()),
        )
    } else {
        None
    };
    Ok(ApplyReport {
        revision: outcome.revision,
        summary,
        rows_without_model,
    })
}
