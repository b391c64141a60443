//! The apply executor: a plan's changes as one change set, applied atomically to any
//! [`Store`]. Never prints; the caller reports what it returns.

use std::collections::HashMap;

use crate::plan::refusals::{Judged, Refusal};
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
/// plan read. `now` stamps `replaced_at` on rows being replaced. The plan is consumed: its
/// ops (every new row's template among them) move into the change set rather than being
/// copied, which a first apply of 100,000 prompts would feel.
pub fn change_set(plan: Plan, actor: &str, now: i64) -> ChangeSet {
    let mut ops: Vec<Op> = Vec::new();
    let mut update_at: HashMap<String, usize> = HashMap::new();
    let Plan {
        changes,
        store_id,
        notes,
        rules,
        ..
    } = plan;
    for op in changes.into_iter().flat_map(|c| c.ops) {
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
        store_id,
        actor: actor.to_owned(),
        idempotency_key: Some(crate::store::new_id()),
        request_sha256: None,
        ops,
        policy_overrides: notes.overrides,
        rules: rules.map(|change| RulesUpdate {
            rules: change.rules,
            expected_digest: change.before_digest,
        }),
    }
}

/// How a plan is applied.
#[derive(Clone, Copy, Debug)]
pub struct ApplyOptions<'a> {
    /// Who applies it, for the audit log.
    pub actor: &'a str,
    /// The environment it is applied in (`--env`; `None` without one): a plan made for
    /// another is refused.
    pub environment: Option<&'a str>,
    /// Read from a file: its writes are checked against its changes and the store first.
    pub saved: bool,
}

/// Why an apply wrote nothing (or, for [`StoreError::Unknown`], may have).
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// [`Plan::refusals`] say no.
    #[error("the plan cannot be applied: {}", join(.0))]
    Refused(Vec<Refusal>),
    /// A saved plan whose writes are not what its changes show: edited since it was made.
    #[error(
        "the saved plan does not hold together: its store writes are not the changes it shows (edited since `promptctl plan --out` wrote it?); nothing was written:\n{}",
        .0.iter().map(|m| format!("  - {m}")).collect::<Vec<_>>().join("\n")
    )]
    Tampered(Vec<String>),
    #[error("{0}")]
    Store(#[source] StoreError),
}

impl From<StoreError> for ApplyError {
    fn from(error: StoreError) -> ApplyError {
        ApplyError::Store(error)
    }
}

fn join(refusals: &[Refusal]) -> String {
    refusals
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Apply `plan` to `store` in one transaction. A plan [`Plan::refusals`] refuses, or a saved
/// plan whose writes are not its changes, is refused before the store is written; a plan made
/// against another store, or whose rows changed since, is refused by the store with nothing
/// written.
pub async fn apply(
    plan: Plan,
    store: &dyn Store,
    options: &ApplyOptions<'_>,
    progress: Progress<'_>,
) -> Result<ApplyReport, ApplyError> {
    let refusals = plan.refusals(&Judged {
        environment: Some(options.environment),
        ..Judged::default()
    });
    if !refusals.is_empty() {
        return Err(ApplyError::Refused(refusals));
    }
    let summary = plan.summary();
    if !plan.has_changes() {
        return Ok(ApplyReport {
            revision: plan.revision,
            summary,
            rows_without_model: None,
        });
    }
    if options.saved {
        verify(&plan, store).await?;
    }
    let actor = options.actor;
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

/// Check a saved plan against the store: its writes are the changes it shows, on the rows it
/// names, and its change of the rules of record is the one it shows against the rules the
/// store holds.
async fn verify(plan: &Plan, store: &dyn Store) -> Result<(), ApplyError> {
    let mut rows: HashMap<String, crate::store::LiveRow> = store
        .row_heads(&crate::plan::verify::rows_to_read(plan))
        .await?
        .into_iter()
        .map(|row| (row.id.clone(), row))
        .collect();
    let whole = crate::plan::verify::whole_rows_to_read(plan);
    if !whole.is_empty() {
        let (_, read) = store.rows_by_id(&whole).await?;
        rows.extend(read.into_iter().map(|row| (row.id.clone(), row)));
    }
    let mut mismatches = crate::plan::verify::mismatches(plan, &rows);
    if let Some(change) = &plan.rules {
        let published = store.rules().await?;
        let before = published.as_ref().map(|p| &p.rules);
        // Rules published since make the plan stale; the store says so at the write.
        if before.map(crate::store::Rules::digest) == change.before_digest
            && change.rules.changes_from(before) != change.changes
        {
            mismatches.push("its change of the rules of record is not the one it shows".to_owned());
        }
    }
    if mismatches.is_empty() {
        Ok(())
    } else {
        Err(ApplyError::Tampered(mismatches))
    }
}
