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
    /// What to set.
    pub change: RowChange<'a>,
    /// Each row's id and the `row_version` it was seen at.
    pub rows: &'a [(String, i64)],
}

/// What an assignment sets on every row.
#[derive(Clone, Copy, Debug)]
pub enum RowChange<'a> {
    /// This catalog id as the model.
    Model(&'a str),
    /// No canary: every request runs the stable model again.
    EndCanary,
}

impl RowChange<'_> {
    fn patch(self) -> Patch {
        match self {
            RowChange::Model(model) => Patch {
                ai_model: Some(model.to_owned()),
                ..Patch::default()
            },
            RowChange::EndCanary => Patch {
                canary_model: Some(None),
                canary_percent: Some(None),
                ..Patch::default()
            },
        }
    }
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

/// Apply `assignment` as one change set, each row guarded by the `row_version` it was seen at:
/// every row changes, or none.
pub async fn assign(
    store: &dyn Store,
    assignment: &Assignment<'_>,
) -> Result<ApplyOutcome, AssignError> {
    let rows = assignment.rows;
    if rows.is_empty() {
        return Err(AssignError::NoRows);
    }
    if rows.len() > MAX_ROWS {
        return Err(AssignError::TooMany);
    }
    let patch = assignment.change.patch();
    let changes = ChangeSet {
        store_id: assignment.store_id.to_owned(),
        actor: assignment.actor.clone(),
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
