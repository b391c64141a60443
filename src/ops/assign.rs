//! Set one model on chosen rows, in one change set: the console's bulk assign (the story's
//! AC7) and its "Change model" form. Each row carries the `row_version` the admin saw; all are
//! updated or, if any changed meanwhile, none. The store holds the change to its rules of
//! record like any other write: nothing here decides what is allowed.

use crate::store::{Action, ApplyOutcome, ChangeSet, Op, Patch, Store, StoreError};

/// At most this many rows in one assignment (a bound on the request, not on the store).
pub const MAX_ROWS: usize = 100_000;

/// An assignment.
#[derive(Clone, Debug)]
pub struct Assignment<'a> {
    /// The store the rows were read from (a change set names it).
    pub store_id: &'a str,
    /// Who assigns, for the audit log (`console (NAME)`).
    pub actor: String,
    /// The catalog id to set.
    pub model: &'a str,
    /// Each row's id and the `row_version` it was seen at.
    pub rows: &'a [(String, i64)],
}

/// Why an assignment applied nothing.
#[derive(Debug, thiserror::Error)]
pub enum AssignError {
    #[error("no rows are selected")]
    NoRows,
    #[error("at most {MAX_ROWS} rows can be assigned at once")]
    TooMany,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Set `assignment.model` on its rows, in one change set.
pub async fn assign_model(
    store: &dyn Store,
    assignment: &Assignment<'_>,
) -> Result<ApplyOutcome, AssignError> {
    let patch = Patch {
        ai_model: Some(assignment.model.to_owned()),
        ..Patch::default()
    };
    patch_rows(
        store,
        assignment.store_id,
        &assignment.actor,
        assignment.rows,
        patch,
    )
    .await
}

/// End the canary of `rows` (each at the `row_version` the caller read): every request runs
/// the stable model again. Drift until git agrees, like any console change.
pub async fn end_canary(
    store: &dyn Store,
    store_id: &str,
    actor: &str,
    rows: &[(String, i64)],
) -> Result<ApplyOutcome, AssignError> {
    let patch = Patch {
        canary_model: Some(None),
        canary_percent: Some(None),
        ..Patch::default()
    };
    patch_rows(store, store_id, actor, rows, patch).await
}

/// One change set that applies `patch` to every row, each guarded by its `row_version`.
async fn patch_rows(
    store: &dyn Store,
    store_id: &str,
    actor: &str,
    rows: &[(String, i64)],
    patch: Patch,
) -> Result<ApplyOutcome, AssignError> {
    if rows.is_empty() {
        return Err(AssignError::NoRows);
    }
    if rows.len() > MAX_ROWS {
        return Err(AssignError::TooMany);
    }
    let changes = ChangeSet {
        store_id: store_id.to_owned(),
        actor: actor.to_owned(),
        idempotency_key: None,
        request_sha256: None,
        policy_overrides: Vec::new(),
        rules: None,
        ops: rows
            .iter()
            .map(|(id, row_version)| Op::Update {
                action: Action::Update,
                id: id.clone(),
                expected_row_version: *row_version,
                patch: patch.clone(),
            })
            .collect(),
    };
    Ok(store.apply(&changes, &|_, _| {}).await?)
}
