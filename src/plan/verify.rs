//! A saved plan read back is checked against the store before anything is written: each
//! change's store writes must be the ones its fields show, on the rows it names. The diff
//! made the fields and the writes together; a file edited since (another model in the ops,
//! an extra insert, an op pointed at another row) no longer holds together and is refused,
//! so the plan shown (`show`, the PR comment) is the plan applied.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::diff::{created_fields, replaced_fields};
use super::{Action, Change, FieldChange, Plan};
use crate::store::record::{patch_values, row_value};
use crate::store::{LiveRow, Op, Patch, Scope};

/// Every way `plan`'s writes differ from what its changes show, given the rows its updates
/// touch as the store holds them (whole where a replace reads the old version's content). A
/// row the store no longer has, or whose `row_version` moved, is left to the store's
/// preconditions (a stale plan, not a forged one).
pub fn mismatches(plan: &Plan, rows: &HashMap<String, LiveRow>) -> Vec<String> {
    let mut found = Vec::new();
    for (index, change) in plan.changes.iter().enumerate() {
        let what = format!(
            "change {} ({} {} {})",
            index + 1,
            change.action.as_str(),
            change.prompt_name.escape_debug(),
            change.prompt_version.escape_debug()
        );
        for problem in change_mismatches(change, rows) {
            found.push(format!("{what}: {problem}"));
        }
    }
    found
}

/// The rows whose content a verification reads: the version each new version replaces, which
/// its fields are shown against.
pub fn whole_rows_to_read(plan: &Plan) -> Vec<String> {
    plan.changes
        .iter()
        .filter(|c| {
            c.action == Action::Replace && c.ops.iter().any(|op| matches!(op, Op::Insert { .. }))
        })
        .filter_map(|c| {
            c.ops.iter().find_map(|op| match op {
                Op::Update { id, .. } => Some(id.clone()),
                Op::Insert { .. } => None,
            })
        })
        .collect()
}

/// The rows a verification reads, without their content: every row an update names.
pub fn rows_to_read(plan: &Plan) -> Vec<String> {
    let mut ids: Vec<String> = plan
        .changes
        .iter()
        .flat_map(|c| &c.ops)
        .filter_map(|op| match op {
            Op::Update { id, .. } => Some(id.clone()),
            Op::Insert { .. } => None,
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn change_mismatches(change: &Change, rows: &HashMap<String, LiveRow>) -> Vec<String> {
    let mut problems = Vec::new();
    for (index, op) in change.ops.iter().enumerate() {
        if op.action() != change.action {
            problems.push(format!(
                "op {} is a {}, in a change that is a {}",
                index + 1,
                op.action().as_str(),
                change.action.as_str()
            ));
        }
    }
    if change.action != Action::Backfill && change.scope != Scope::Production {
        problems.push("only a backfill changes a row that is not production".to_owned());
    }
    let inserts: Vec<(&crate::store::NewRow, bool)> = change
        .ops
        .iter()
        .filter_map(|op| match op {
            Op::Insert {
                row,
                expect_new_name,
                ..
            } => Some((row, *expect_new_name)),
            Op::Update { .. } => None,
        })
        .collect();
    let updates: Vec<(&str, i64, &Patch)> = change
        .ops
        .iter()
        .filter_map(|op| match op {
            Op::Update {
                id,
                expected_row_version,
                patch,
                ..
            } => Some((id.as_str(), *expected_row_version, patch)),
            Op::Insert { .. } => None,
        })
        .collect();
    match (change.action, inserts.as_slice()) {
        (Action::Create, [(row, _)]) => {
            if !updates.is_empty() {
                problems.push("a create also updates rows".to_owned());
            }
            if (row.prompt_name.as_str(), row.prompt_version.as_str())
                != (change.prompt_name.as_str(), change.prompt_version.as_str())
                || !row.is_active
            {
                problems.push("its insert is of another prompt version".to_owned());
            }
            if created_fields(row) != change.fields {
                problems.push("the row it inserts is not the one its fields show".to_owned());
            }
        }
        (Action::Replace, [(row, expect_new_name)]) => {
            if *expect_new_name
                || (row.prompt_name.as_str(), row.prompt_version.as_str())
                    != (change.prompt_name.as_str(), change.prompt_version.as_str())
                || !row.is_active
            {
                problems.push("its insert is of another prompt version".to_owned());
            }
            problems.extend(retirements(change, &updates, rows));
            // The new version shows what differs from the version it replaces.
            if let Some(old) = updates
                .first()
                .and_then(|(id, expected, _)| rows.get(*id).filter(|r| r.row_version == *expected))
                && replaced_fields(old, row) != change.fields
            {
                problems.push("the row it inserts is not the one its fields show".to_owned());
            }
        }
        (Action::Replace, []) => {
            // An inactive version turned on again: its own update, then the retirements.
            match updates.split_first() {
                Some(((id, expected, patch), retired)) => {
                    problems.extend(own_update(change, id, *expected, patch, rows));
                    problems.extend(retirements(change, retired, rows));
                }
                None => problems.push("it writes nothing".to_owned()),
            }
        }
        (Action::Update | Action::Backfill | Action::Deactivate, []) => match updates.as_slice() {
            [(id, expected, patch)] => {
                problems.extend(own_update(change, id, *expected, patch, rows));
            }
            _ => problems.push(format!(
                "it has {} updates where it shows one row's fields",
                updates.len()
            )),
        },
        (_, many) => problems.push(format!(
            "it inserts {} rows where a {} inserts {}",
            many.len(),
            change.action.as_str(),
            match change.action {
                Action::Create => "one",
                Action::Replace => "one or none",
                _ => "none",
            }
        )),
    }
    problems
}

/// The update of the row the change is about: that row, and the fields it shows.
fn own_update(
    change: &Change,
    id: &str,
    expected_row_version: i64,
    patch: &Patch,
    rows: &HashMap<String, LiveRow>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let shown = shown_patch(&change.fields);
    if patch_values(patch) != shown.after {
        problems.push("its write sets other values than its fields show".to_owned());
    }
    let Some(row) = rows.get(id) else {
        return problems;
    };
    if (
        row.prompt_name.as_str(),
        row.prompt_version.as_str(),
        row.scope,
    ) != (
        change.prompt_name.as_str(),
        change.prompt_version.as_str(),
        change.scope,
    ) {
        problems.push(format!(
            "its write is of row {}, which is {} {} ({})",
            id.escape_debug(),
            row.prompt_name.escape_debug(),
            row.prompt_version.escape_debug(),
            row.scope
        ));
        return problems;
    }
    if row.row_version != expected_row_version {
        // Changed since the plan read it: stale, which the store reports as such.
        return problems;
    }
    for (field, before) in &shown.before {
        if row_value(row, field) != *before {
            problems.push(format!(
                "it shows `{field}` as {before} before, and the row holds {}",
                row_value(row, field)
            ));
        }
    }
    problems
}

/// The old versions a replace turns off: of the same name, among the versions it names, each
/// set inactive and replaced by the new version, nothing else.
fn retirements(
    change: &Change,
    updates: &[(&str, i64, &Patch)],
    rows: &HashMap<String, LiveRow>,
) -> Vec<String> {
    let mut problems = Vec::new();
    if updates.len() != change.replaces.len() {
        problems.push(format!(
            "it turns off {} versions and names {} it replaces",
            updates.len(),
            change.replaces.len()
        ));
    }
    let expected = Patch {
        is_active: Some(false),
        replaced_by: Some(Some(change.prompt_version.clone())),
        ..Patch::default()
    };
    for (id, _, patch) in updates {
        if **patch != expected {
            problems.push(format!(
                "its write of row {} does more than turn the old version off",
                id.escape_debug()
            ));
        }
        if let Some(row) = rows.get(*id)
            && (row.prompt_name != change.prompt_name
                || !change.replaces.contains(&row.prompt_version)
                || row.scope != Scope::Production)
        {
            problems.push(format!(
                "it turns off row {}, which is {} {}, not a version it replaces",
                id.escape_debug(),
                row.prompt_name.escape_debug(),
                row.prompt_version.escape_debug()
            ));
        }
    }
    problems
}

/// A change's fields as the patch they stand for: the values after, and before.
struct Shown {
    before: BTreeMap<String, Value>,
    after: serde_json::Map<String, Value>,
}

fn shown_patch(fields: &BTreeMap<String, FieldChange>) -> Shown {
    Shown {
        before: fields
            .iter()
            .map(|(k, f)| (k.clone(), f.before.clone()))
            .collect(),
        after: fields
            .iter()
            .map(|(k, f)| (k.clone(), f.after.clone()))
            .collect(),
    }
}
