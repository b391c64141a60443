//! What every store does before it writes a change set, whatever it keeps rows in (SQL, a
//! Convex deployment, Langfuse): check the store, the rules of record and every precondition
//! against the rows as read, and work out the writes that change something. One piece of
//! code, so no backend can let through what another refuses.

use std::collections::HashMap;

use super::rules::{self, Published, Rules, RulesUpdate};
use super::{Action, ChangeSet, Conflict, LiveRow, NewRow, Op, Patch, StoreError, values};

/// A change set checked against the store as read, ready to write.
pub(in crate::store) struct Prepared<'a> {
    /// Rules to publish with the writes (`None` when the store holds them already).
    pub publishing: Option<&'a Rules>,
    /// The writes that change something, in the change set's order.
    pub writes: Vec<Write<'a>>,
}

/// Check `changes` against the store as read: its id and `revision`, the rules it holds
/// (`current`), the rows the updates name (`rows`, by id) and the production versions of the
/// names inserted. Every refusal (values no row may hold among them) and every conflict is
/// reported.
pub(in crate::store) fn prepare<'a>(
    changes: &'a ChangeSet,
    store_id: &str,
    revision: i64,
    current: Option<&'a Published>,
    rows: &'a HashMap<String, LiveRow>,
    production_versions: &[(String, String)],
) -> Result<Prepared<'a>, StoreError> {
    // A plan made before the store existed names no store: it applies to a store as new as
    // the one it was made against (nothing ever written), whatever id the store got.
    let made_before_the_store = changes.store_id.is_empty() && revision == 0;
    if store_id != changes.store_id && !made_before_the_store {
        return Err(StoreError::WrongStore {
            expected: changes.store_id.clone(),
            actual: store_id.to_owned(),
        });
    }
    let (rules, publishing) = rules_for(current, changes.rules.as_ref())?;
    // What the rules refuse is refused whether or not the rows moved since: a retry with
    // fresh row versions would be refused all the same.
    let verdict =
        rules::check_change_set(&rules, changes, |id| rows.get(id), &crate::time::today());
    refuse_any(verdict.refusals)?;
    let found = conflicts(&changes.ops, rows, production_versions);
    if !found.is_empty() {
        return Err(StoreError::Conflict(found));
    }
    let writes = effective_writes(&changes.ops, rows);
    if let Some(row) = writes.iter().find_map(|write| match write {
        Write::Update { row, .. }
            if row
                .row_version
                .checked_add(1)
                .is_none_or(|next| values::row_version(next).is_err()) =>
        {
            Some(row)
        }
        _ => None,
    }) {
        return Err(StoreError::Invalid(format!(
            "row {} ({} {}) is at row_version {}: no room to count another write",
            row.id.escape_debug(),
            row.prompt_name.escape_debug(),
            row.prompt_version.escape_debug(),
            row.row_version
        )));
    }
    Ok(Prepared { publishing, writes })
}

/// What [`prepare`] reads, from the whole store read just before a write — for the stores that
/// have no write transaction to read it in (Convex, Langfuse): the rows by id, and the
/// production versions of the names `ops` insert.
pub(in crate::store) fn read_for_write(
    ops: &[Op],
    rows: Vec<LiveRow>,
) -> (HashMap<String, LiveRow>, Vec<(String, String)>) {
    let names = super::sql::inserted_names(ops);
    let versions = rows
        .iter()
        .filter(|r| {
            r.scope == super::Scope::Production
                && names.binary_search(&r.prompt_name.as_str()).is_ok()
        })
        .map(|r| (r.prompt_name.clone(), r.prompt_version.clone()))
        .collect();
    let rows = rows.into_iter().map(|r| (r.id.clone(), r)).collect();
    (rows, versions)
}

/// Whether `changes` starts or moves a canary: what a store without a place for one refuses.
pub(in crate::store) fn sets_a_canary(changes: &ChangeSet) -> bool {
    changes.ops.iter().any(|op| match op {
        Op::Insert { row, .. } => row.canary_model.is_some() || row.canary_percent.is_some(),
        Op::Update { patch, .. } => {
            matches!(patch.canary_model, Some(Some(_)))
                || matches!(patch.canary_percent, Some(Some(_)))
        }
    })
}

/// The audit log's records of the soft-mandatory policies a change set overrides.
pub(in crate::store) fn policy_override_records(
    changes: &ChangeSet,
) -> Vec<(&'static str, serde_json::Value)> {
    changes
        .policy_overrides
        .iter()
        .map(|o| {
            let record = serde_json::json!({
                "policy": o.policy,
                "overridden_by": o.actor,
                "prompts": o.prompts,
            });
            (super::POLICY_OVERRIDE, record)
        })
        .collect()
}

/// A row of `store_rules` as read: revision, time, actor, the document's text.
pub(in crate::store) type RulesRow = (i64, i64, String, String);

/// The newest row of `store_rules`, read into rules.
/// Published rules from their row. Rules a store holds but cannot read (written by another
/// promptctl, or by hand) stop every write until rules are published again: guessing at them
/// could let through what they forbid.
pub(in crate::store) fn read_published(
    row: Option<RulesRow>,
) -> Result<Option<Published>, StoreError> {
    let Some((revision, at, actor, text)) = row else {
        return Ok(None);
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        StoreError::Invalid(format!(
            "the rules of record published at revision {revision} do not read ({e}); publish them again with `promptctl apply`"
        ))
    })?;
    let rules = Rules::from_value(value).map_err(|e| {
        StoreError::Invalid(format!(
            "the rules of record published at revision {revision}: {e}; publish them again with `promptctl apply`"
        ))
    })?;
    Ok(Some(Published {
        revision,
        at,
        actor,
        rules,
    }))
}

/// The audit log's record of rules published: their digest, what they hold, and what changed
/// from `before`.
pub(in crate::store) fn published_audit(
    rules: &Rules,
    before: Option<&Published>,
) -> serde_json::Value {
    serde_json::json!({
        "digest": rules.digest(),
        "rules": rules.describe(),
        "changes": rules.changes_from(before.map(|p| &p.rules)),
    })
}

/// Every precondition of `ops` that does not hold, given the rows they update (by id) and the
/// production versions that exist of the names they insert.
fn conflicts(
    ops: &[Op],
    rows: &HashMap<String, LiveRow>,
    production_versions: &[(String, String)],
) -> Vec<Conflict> {
    let mut out = Vec::new();
    for op in ops {
        match op {
            Op::Update {
                id,
                expected_row_version,
                ..
            } => match rows.get(id) {
                Some(row) if row.row_version == *expected_row_version => {}
                Some(row) => out.push(Conflict {
                    prompt_name: row.prompt_name.clone(),
                    prompt_version: row.prompt_version.clone(),
                    id: Some(id.clone()),
                    expected_row_version: Some(*expected_row_version),
                    actual_row_version: Some(row.row_version),
                    reason: format!(
                        "row_version is {} (the plan read {expected_row_version})",
                        row.row_version
                    ),
                }),
                None => out.push(Conflict {
                    prompt_name: String::new(),
                    prompt_version: String::new(),
                    id: Some(id.clone()),
                    expected_row_version: Some(*expected_row_version),
                    actual_row_version: None,
                    reason: "is not in the store".to_owned(),
                }),
            },
            Op::Insert {
                row,
                expect_new_name,
                ..
            } => {
                let taken = production_versions.iter().find(|(name, version)| {
                    *name == row.prompt_name && (*expect_new_name || *version == row.prompt_version)
                });
                if let Some((_, version)) = taken {
                    out.push(Conflict {
                        prompt_name: row.prompt_name.clone(),
                        prompt_version: row.prompt_version.clone(),
                        id: None,
                        expected_row_version: None,
                        actual_row_version: None,
                        reason: format!("version {version} was created since the plan was made"),
                    });
                }
            }
        }
    }
    out
}

/// The rules a write is held to, and the rules it publishes (`None` when the store already
/// holds them). A write made against other rules than the store holds now is stale.
pub(in crate::store) fn rules_for<'a>(
    current: Option<&'a Published>,
    update: Option<&'a RulesUpdate>,
) -> Result<(std::borrow::Cow<'a, Rules>, Option<&'a Rules>), StoreError> {
    let current_digest = current.map(|p| p.rules.digest());
    let Some(update) = update else {
        return Ok((
            current.map_or_else(
                || std::borrow::Cow::Owned(Rules::builtin()),
                |p| std::borrow::Cow::Borrowed(&p.rules),
            ),
            None,
        ));
    };
    if update.expected_digest != current_digest {
        return Err(StoreError::Conflict(vec![Conflict {
            prompt_name: String::new(),
            prompt_version: String::new(),
            id: None,
            expected_row_version: None,
            actual_row_version: None,
            reason: "the store's rules of record were published anew since the plan was made"
                .to_owned(),
        }]));
    }
    let publish = (current_digest.as_deref() != Some(update.rules.digest().as_str()))
        .then_some(&update.rules);
    Ok((std::borrow::Cow::Borrowed(&update.rules), publish))
}

/// The revision after `revision`, while there is room to count (see
/// [`values::MAX_COUNTER`]).
pub(in crate::store) fn next_revision(revision: i64) -> Result<i64, StoreError> {
    if revision >= values::MAX_COUNTER - 1 {
        return Err(StoreError::Invalid(format!(
            "the store's revision is {revision}: no room to count another write (restore it from an export with a lower revision)"
        )));
    }
    Ok(revision + 1)
}

/// Refuse a write the rules of record refuse.
pub(in crate::store) fn refuse_any(refusals: Vec<rules::Refusal>) -> Result<(), StoreError> {
    if refusals.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Refused(refusals))
    }
}

/// One write a change set really makes.
pub(in crate::store) enum Write<'a> {
    Update {
        action: Action,
        row: &'a LiveRow,
        expected_row_version: i64,
        /// Only the fields that change the row (boxed: a patch is most of the variant).
        patch: Box<Patch>,
    },
    Insert {
        action: Action,
        row: &'a NewRow,
        /// The plan saw no production row of this name (see [`Op::Insert`]).
        expect_new_name: bool,
    },
}

/// The writes of `ops` that change something: an update whose every field already holds its
/// value is no write at all (no `row_version` bump, no audit entry).
pub(in crate::store) fn effective_writes<'a>(
    ops: &'a [Op],
    rows: &'a HashMap<String, LiveRow>,
) -> Vec<Write<'a>> {
    ops.iter()
        .filter_map(|op| match op {
            Op::Update {
                action,
                id,
                expected_row_version,
                patch,
            } => {
                let row = rows.get(id)?;
                let patch = patch.effective(row);
                (!patch.is_empty()).then_some(Write::Update {
                    action: *action,
                    row,
                    expected_row_version: *expected_row_version,
                    patch: Box::new(patch),
                })
            }
            Op::Insert {
                action,
                row,
                expect_new_name,
            } => Some(Write::Insert {
                action: *action,
                row,
                expect_new_name: *expect_new_name,
            }),
        })
        .collect()
}
