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
    if assignment.rows.is_empty() {
        return Err(AssignError::NoRows);
    }
    if assignment.rows.len() > MAX_ROWS {
        return Err(AssignError::TooMany);
    }
    let changes = ChangeSet {
        store_id: assignment.store_id.to_owned(),
        actor: assignment.actor.clone(),
        idempotency_key: None,
        request_sha256: None,
        policy_overrides: Vec::new(),
        rules: None,
        ops: assignment
            .rows
            .iter()
            .map(|(id, row_version)| Op::Update {
                action: Action::Update,
                id: id.clone(),
                expected_row_version: *row_version,
                patch: Patch {
                    ai_model: Some(assignment.model.to_owned()),
                    ..Patch::default()
                },
            })
            .collect(),
    };
    Ok(store.apply(&changes, &|_, _| {}).await?)
}
