//! `promptctl rollback --to-revision N`: a plan that returns every production prompt to what it
//! was at revision N — model, parameters, which version is active — read from the audit log.
//! It is an ordinary plan: shown, saved with `--out`, applied with `apply FILE`, refused when a
//! row moved since (each update carries the `row_version` it read). Rows created after N are
//! deactivated, never deleted.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use crate::plan::{Action, Change, FieldChange, Plan};
use crate::settings::Settings;
use crate::store::record::{PATCHABLE, patch_from_values, row_value};
use crate::store::{AuditEntry, LiveRow, Op, Scope, Store};

use super::OpsError;

/// Audit entries a rollback reads at most, newest first.
const HISTORY_CAP: usize = 1_000_000;

/// A rollback: its plan, and what git would need to say for the store to stay that way.
#[derive(Clone, Debug)]
pub struct Rollback {
    pub plan: Plan,
    /// The revision rolled back to.
    pub to_revision: i64,
    /// Each prompt whose active production version runs on another model at N than now:
    /// (name, version, model at N) — what `--write-files` puts in the files.
    pub models: Vec<(String, String, String)>,
}

/// The plan that returns the store to revision `to_revision`.
pub async fn rollback(
    store: &dyn Store,
    settings: &Settings,
    to_revision: i64,
) -> Result<Rollback, OpsError> {
    let snapshot = store.snapshot().await?;
    if to_revision < 0 || to_revision > snapshot.revision {
        return Err(OpsError::Refused(format!(
            "--to-revision {to_revision}: the store is at revision {}; pick one of 0..={} (`promptctl history` lists them)",
            snapshot.revision, snapshot.revision
        )));
    }
    let (entries, complete) = super::store::history_since(store, to_revision, HISTORY_CAP).await?;
    if !complete {
        return Err(OpsError::Refused(format!(
            "revision {to_revision} is more than {HISTORY_CAP} audit entries ago: roll back to a later revision"
        )));
    }
    if let Some(restore) = entries.iter().find(|e| e.change == "restore") {
        return Err(OpsError::Refused(format!(
            "revision {} was a `store restore`, which replaced the rows wholesale: a rollback cannot reach back across it. Roll back to revision {} or later, or restore the backup it kept (`promptctl store export --backup …`)",
            restore.revision, restore.revision
        )));
    }
    let at = values_at(&entries);
    let mut changes = Vec::new();
    let mut models = Vec::new();
    let mut rows: Vec<&LiveRow> = snapshot
        .rows
        .iter()
        .filter(|r| r.scope == Scope::Production)
        .collect();
    rows.sort_by(|a, b| {
        (&a.prompt_name, &a.prompt_version).cmp(&(&b.prompt_name, &b.prompt_version))
    });
    for row in rows {
        let Some(state) = at.get(row.id.as_str()) else {
            continue;
        };
        let target: Map<String, Value> = match state {
            // Not there at N: it stops running, and stays (nothing is deleted).
            AtRevision::Absent => Map::from_iter([("is_active".to_owned(), Value::Bool(false))]),
            AtRevision::Fields(fields) => fields.clone(),
        };
        if let Some(change) = change_for(row, &target)? {
            let model_then = target
                .get("ai_model")
                .and_then(Value::as_str)
                .filter(|m| Some(*m) != row.ai_model.as_deref());
            let active_then = target
                .get("is_active")
                .and_then(Value::as_bool)
                .unwrap_or(row.is_active);
            if let (Some(model), true) = (model_then, active_then) {
                models.push((
                    row.prompt_name.clone(),
                    row.prompt_version.clone(),
                    model.to_owned(),
                ));
            }
            changes.push(change);
        }
    }
    Ok(Rollback {
        plan: Plan {
            store: crate::store::redact(&settings.store.url),
            store_id: snapshot.store_id.clone(),
            revision: snapshot.revision,
            default_model: settings.default_model.clone(),
            changes,
            errors: Vec::new(),
            notes: crate::plan::Notes {
                environment: settings.environment.clone(),
                ..Default::default()
            },
            rules: None,
        },
        to_revision,
        models,
    })
}

/// A row as it was at the revision: not there yet, or these columns' values then (the ones
/// changed since; the others are as they are now).
enum AtRevision {
    Absent,
    Fields(Map<String, Value>),
}

/// From the entries after the revision (newest first): each row's state at the revision. A
/// column's value then is the `before` of the oldest entry after it that changed the column.
fn values_at(entries: &[AuditEntry]) -> HashMap<&str, AtRevision> {
    let mut at: HashMap<&str, AtRevision> = HashMap::new();
    for entry in entries.iter().rev() {
        let Some(id) = entry.row_id.as_deref() else {
            continue;
        };
        let state = at.entry(id).or_insert_with(|| match &entry.before {
            None => AtRevision::Absent,
            Some(_) => AtRevision::Fields(Map::new()),
        });
        if let (AtRevision::Fields(fields), Some(Value::Object(before))) = (state, &entry.before) {
            for (field, value) in before {
                if PATCHABLE.contains(&field.as_str()) {
                    fields.entry(field.clone()).or_insert_with(|| value.clone());
                }
            }
        }
    }
    at
}

/// The change that gives `row` the `target` values, or `None` when it has them.
fn change_for(row: &LiveRow, target: &Map<String, Value>) -> Result<Option<Change>, OpsError> {
    let fields: BTreeMap<String, FieldChange> = target
        .iter()
        .filter(|(field, value)| row_value(row, field) != **value)
        .map(|(field, value)| {
            (
                field.clone(),
                FieldChange {
                    before: row_value(row, field),
                    after: value.clone(),
                },
            )
        })
        .collect();
    if fields.is_empty() {
        return Ok(None);
    }
    let values: Map<String, Value> = fields
        .iter()
        .map(|(field, change)| (field.clone(), change.after.clone()))
        .collect();
    let patch = patch_from_values(&values).ok_or_else(|| {
        OpsError::Refused(format!(
            "the audit log holds a value for {} {} that its column cannot take: {}",
            row.prompt_name,
            row.prompt_version,
            Value::Object(values.clone())
        ))
    })?;
    let action = if fields.len() == 1 && values.get("is_active") == Some(&Value::Bool(false)) {
        Action::Deactivate
    } else {
        Action::Update
    };
    let mut change = Change::new(
        action,
        row.prompt_name.clone(),
        row.prompt_version.clone(),
        row.scope,
    );
    change.is_active = values
        .get("is_active")
        .and_then(Value::as_bool)
        .unwrap_or(row.is_active);
    change.ops = vec![Op::Update {
        action,
        id: row.id.clone(),
        expected_row_version: row.row_version,
        patch,
    }];
    Ok(Some(change.with_fields(fields)))
}
