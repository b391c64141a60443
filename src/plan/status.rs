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

/// The status of `row`, given what [`inputs`] read of git's prompts and the plan made from
/// them (without prune).
pub fn status(row: &LiveRow, inputs: &Inputs<'_>) -> RowStatus {
    if row.lacks_model() {
        RowStatus::NoModel
    } else if row.scope == Scope::Developer || !inputs.names.contains(row.prompt_name.as_str()) {
        RowStatus::Unmanaged
    } else if inputs.changed.contains(row.id.as_str())
        || inputs
            .differing
            .contains(&(row.prompt_name.as_str(), row.prompt_version.as_str()))
    {
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

/// What [`status`] compares a row with.
pub struct Inputs<'a> {
    /// The names git manages.
    pub names: HashSet<&'a str>,
    /// The rows a plan changes.
    pub changed: HashSet<&'a str>,
    /// The versions whose content differs between git and the store (the plan's errors).
    pub differing: HashSet<(&'a str, &'a str)>,
}

/// The names git manages, the rows a plan changes and the versions it cannot reconcile.
pub fn inputs<'a>(prompts: &'a [Prompt], plan: &'a Plan) -> Inputs<'a> {
    let mut changed: HashSet<&str> = HashSet::new();
    for op in plan.changes.iter().flat_map(|c| &c.ops) {
        if let Op::Update { id, .. } = op {
            changed.insert(id);
        }
    }
    Inputs {
        names: prompts.iter().map(|p| p.prompt_name()).collect(),
        changed,
        differing: plan
            .errors
            .iter()
            .map(|e| (e.prompt_name.as_str(), e.prompt_version.as_str()))
            .collect(),
    }
}
