//! How each live row stands against git, for `promptctl list`.

use std::collections::HashSet;

use super::Plan;
use crate::prompt::Prompt;
use crate::store::{LiveRow, Op, Scope};

/// A row's standing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowStatus {
    /// Git describes it and nothing would change.
    InSync,
    /// The plan would change it.
    Drift,
    /// Git does not manage it (a name git does not have, or a developer row).
    Unmanaged,
    /// It has no `ai_model`.
    NoModel,
    /// Git's prompts could not be read, so how the row stands is unknown.
    GitNotRead,
}

impl RowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RowStatus::InSync => "in sync",
            RowStatus::Drift => "drift",
            RowStatus::Unmanaged => "unmanaged",
            RowStatus::NoModel => "no model",
            RowStatus::GitNotRead => "git not read",
        }
    }
}

/// The status of `row`, given git's prompts and the plan made from them (without prune).
pub fn status(
    row: &LiveRow,
    managed_names: &HashSet<&str>,
    changed_rows: &HashSet<&str>,
) -> RowStatus {
    if row.lacks_model() {
        RowStatus::NoModel
    } else if row.scope == Scope::Developer || !managed_names.contains(row.prompt_name.as_str()) {
        RowStatus::Unmanaged
    } else if changed_rows.contains(row.id.as_str()) {
        RowStatus::Drift
    } else {
        RowStatus::InSync
    }
}

/// The status of `row` from the store alone, when git could not be read.
pub fn store_only(row: &LiveRow) -> RowStatus {
    if row.lacks_model() {
        RowStatus::NoModel
    } else {
        RowStatus::GitNotRead
    }
}

/// The names git manages and the rows a plan changes, for [`status`].
pub fn inputs<'a>(prompts: &'a [Prompt], plan: &'a Plan) -> (HashSet<&'a str>, HashSet<&'a str>) {
    let names = prompts.iter().map(|p| p.prompt_name()).collect();
    let mut changed: HashSet<&str> = HashSet::new();
    for op in plan.changes.iter().flat_map(|c| &c.ops) {
        if let Op::Update { id, .. } = op {
            changed.insert(id);
        }
    }
    (names, changed)
}
