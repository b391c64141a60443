//! The reconciliation rules of SPEC §4, as one pure function.
//!
//! Only production rows are managed; developer rows are touched only by backfill. Where two
//! rules meet one row, the more specific wins: a row git describes (same name and version)
//! takes its model from git, as an update; backfill is for every other row without a model.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Value, json};

use super::{Action, Change, FieldChange, Plan, PlanError};
use crate::diag::display_path;
use crate::prompt::Prompt;
use crate::store::{LiveRow, NewRow, Op, Patch, Scope, Snapshot};

/// What shapes a plan besides git and the store.
#[derive(Clone, Debug, Default)]
pub struct DiffOptions {
    /// The model backfills set.
    pub default_model: String,
    /// Deactivate production prompts whose name git does not have.
    pub prune: bool,
    /// Only these prompt names (all when empty).
    pub targets: Vec<String>,
    /// Where the store is, for the plan's header.
    pub store: String,
}

/// The plan that makes the store match `prompts`.
pub fn diff(prompts: &[Prompt], snapshot: &Snapshot, options: &DiffOptions) -> Plan {
    let mut by_name: HashMap<&str, Vec<&LiveRow>> = HashMap::new();
    for row in snapshot
        .rows
        .iter()
        .filter(|r| r.scope == Scope::Production)
    {
        by_name.entry(&row.prompt_name).or_default().push(row);
    }
    let mut changes = Vec::new();
    let mut errors = Vec::new();
    // Rows whose model a change from git already sets: not backfilled again.
    let mut modelled: HashSet<&str> = HashSet::new();
    for prompt in prompts {
        let rows = by_name
            .get(prompt.prompt_name())
            .map_or(&[][..], Vec::as_slice);
        reconcile(prompt, rows, &mut changes, &mut errors, &mut modelled);
    }
    if options.prune {
        let in_git: HashSet<&str> = prompts.iter().map(|p| p.prompt_name()).collect();
        for (name, rows) in &by_name {
            if !in_git.contains(name) {
                for row in rows.iter().filter(|r| r.is_active) {
                    changes.push(deactivate(row, None));
                }
            }
        }
    }
    for row in &snapshot.rows {
        if row.lacks_model() && !modelled.contains(row.id.as_str()) {
            changes.push(backfill(row, &options.default_model));
        }
    }
    if !options.targets.is_empty() {
        changes.retain(|c| options.targets.contains(&c.prompt_name));
        errors.retain(|e| options.targets.contains(&e.prompt_name));
    }
    changes.sort_by(|a, b| {
        (
            &a.prompt_name,
            a.scope,
            a.action,
            &a.prompt_version,
            row_id(a),
        )
            .cmp(&(
                &b.prompt_name,
                b.scope,
                b.action,
                &b.prompt_version,
                row_id(b),
            ))
    });
    Plan {
        store: options.store.clone(),
        store_id: snapshot.store_id.clone(),
        revision: snapshot.revision,
        default_model: options.default_model.clone(),
        changes,
        errors,
        notes: super::Notes::default(),
        rules: None,
    }
}

/// The rows whose template a plan of `prompts` shows but `snapshot` left out (see
/// [`Store::snapshot_for_diff`](crate::store::Store::snapshot_for_diff)): the active versions
/// a new version from git would replace, whose template the plan diffs against git's. Read
/// them whole before [`diff`].
pub fn templates_to_read(prompts: &[Prompt], snapshot: &Snapshot) -> Vec<String> {
    let versions: HashMap<&str, &str> = prompts
        .iter()
        .filter(|p| p.is_active())
        .map(|p| (p.prompt_name(), p.prompt_version()))
        .collect();
    snapshot
        .rows
        .iter()
        .filter(|row| {
            row.template_elided()
                && row.scope == Scope::Production
                && row.is_active
                && versions
                    .get(row.prompt_name.as_str())
                    .is_some_and(|version| *version != row.prompt_version)
        })
        .map(|row| row.id.clone())
        .collect()
}

fn row_id(change: &Change) -> Option<&str> {
    change.ops.iter().find_map(|op| match op {
        Op::Update { id, .. } => Some(id.as_str()),
        Op::Insert { .. } => None,
    })
}

/// The changes one prompt from git needs, given its name's production rows.
fn reconcile<'a>(
    prompt: &Prompt,
    rows: &[&'a LiveRow],
    changes: &mut Vec<Change>,
    errors: &mut Vec<PlanError>,
    modelled: &mut HashSet<&'a str>,
) {
    let same = rows
        .iter()
        .find(|r| r.prompt_version == prompt.prompt_version())
        .copied();
    let mut others_active: Vec<&LiveRow> = rows
        .iter()
        .filter(|r| r.is_active && r.prompt_version != prompt.prompt_version())
        .copied()
        .collect();
    // The one that runs first: a new version shows what it changes against that one.
    others_active.sort_by(|a, b| {
        if crate::store::runs_before(a, b) {
            std::cmp::Ordering::Less
        } else if crate::store::runs_before(b, a) {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    });

    let Some(row) = same else {
        if !prompt.is_active() {
            // Git turns the prompt off: no version of it stays active.
            changes.extend(others_active.iter().map(|r| deactivate(r, None)));
            return;
        }
        let new_row = new_row(prompt);
        if others_active.is_empty() {
            // A create's fields are its insert's, read from it when shown.
            changes.push(Change {
                ops: vec![Op::Insert {
                    action: Action::Create,
                    row: new_row,
                    expect_new_name: rows.is_empty(),
                }],
                ..Change::new(
                    Action::Create,
                    prompt.prompt_name().to_owned(),
                    prompt.prompt_version().to_owned(),
                    Scope::Production,
                )
            });
        } else {
            let fields = replaced_fields(others_active[0], &new_row);
            let mut ops = vec![Op::Insert {
                action: Action::Replace,
                row: new_row,
                expect_new_name: false,
            }];
            ops.extend(
                others_active
                    .iter()
                    .map(|old| retire(old, prompt.prompt_version())),
            );
            changes.push(Change {
                action: Action::Replace,
                prompt_name: prompt.prompt_name().to_owned(),
                prompt_version: prompt.prompt_version().to_owned(),
                scope: Scope::Production,
                replaces: others_active
                    .iter()
                    .map(|r| r.prompt_version.clone())
                    .collect(),
                is_active: true,
                fields,
                ops,
            });
        }
        return;
    };

    if let Some(message) = content_change(prompt, row) {
        errors.push(PlanError {
            prompt_name: prompt.prompt_name().to_owned(),
            prompt_version: prompt.prompt_version().to_owned(),
            file: display_path(&prompt.origin().file).display().to_string(),
            message,
        });
        return;
    }
    modelled.insert(row.id.as_str());
    let (mut patch, mut fields) = mutable_diff(prompt, row);

    if !prompt.is_active() {
        changes.extend(others_active.iter().map(|r| deactivate(r, None)));
        if row.is_active {
            patch.is_active = Some(false);
            fields.insert("is_active".to_owned(), field(json!(true), json!(false)));
            changes.push(update_change(Action::Deactivate, row, patch, fields));
        } else if !fields.is_empty() {
            changes.push(update_change(Action::Update, row, patch, fields));
        }
        return;
    }
    if !row.is_active {
        patch.is_active = Some(true);
        fields.insert("is_active".to_owned(), field(json!(false), json!(true)));
        if !others_active.is_empty() {
            let mut change = update_change(Action::Replace, row, patch, fields);
            change.replaces = others_active
                .iter()
                .map(|r| r.prompt_version.clone())
                .collect();
            change.ops.extend(
                others_active
                    .iter()
                    .map(|old| retire(old, prompt.prompt_version())),
            );
            changes.push(change);
            return;
        }
    } else {
        // Legacy data may hold two active versions; the one git names stays.
        changes.extend(
            others_active
                .iter()
                .map(|r| deactivate(r, Some(prompt.prompt_version()))),
        );
    }
    if !fields.is_empty() {
        changes.push(update_change(Action::Update, row, patch, fields));
    }
}

/// What differs in content a version must never change in place: template and schemas.
fn content_change(prompt: &Prompt, row: &LiveRow) -> Option<String> {
    let mut changed = Vec::new();
    let template_differs = match &row.template_sha256 {
        Some(digest) => crate::store::template_sha256(prompt.prompt_template()) != *digest,
        None => prompt.prompt_template() != row.prompt_template,
    };
    if template_differs {
        changed.push("prompt_template");
    }
    if schemas_differ(prompt.input_schema(), row.input_schema.as_deref()) {
        changed.push("input_schema");
    }
    if schemas_differ(prompt.output_schema(), row.output_schema.as_deref()) {
        changed.push("output_schema");
    }
    if changed.is_empty() {
        return None;
    }
    Some(format!(
        "{} changed but prompt_version is still `{}`: bump prompt_version (or, if the store was changed behind promptctl's back, restore it)",
        changed.join(" and "),
        prompt.prompt_version()
    ))
}

/// Stored JSON text as a value; text that does not parse compares as itself.
fn parse_json(text: Option<&str>) -> Option<Value> {
    text.map(|t| serde_json::from_str(t).unwrap_or_else(|_| Value::String(t.to_owned())))
}

/// The mutable fields git sets differently from the row: the patch and its display.
fn mutable_diff(prompt: &Prompt, row: &LiveRow) -> (Patch, BTreeMap<String, FieldChange>) {
    let mut patch = Patch::default();
    let mut fields = BTreeMap::new();
    if row.ai_model.as_deref() != Some(prompt.ai_model()) || row.lacks_model() {
        patch.ai_model = Some(prompt.ai_model().to_owned());
        fields.insert(
            "ai_model".to_owned(),
            field(json!(row.ai_model), json!(prompt.ai_model())),
        );
    }
    let max_tokens = prompt
        .max_tokens()
        .map(|n| i64::try_from(n).unwrap_or(i64::MAX));
    if row.max_tokens != max_tokens {
        patch.max_tokens = Some(max_tokens);
        fields.insert(
            "max_tokens".to_owned(),
            field(json!(row.max_tokens), json!(max_tokens)),
        );
    }
    if row.temperature != prompt.temperature() {
        patch.temperature = Some(prompt.temperature());
        fields.insert(
            "temperature".to_owned(),
            field(json!(row.temperature), json!(prompt.temperature())),
        );
    }
    let (canary_model, canary_percent) = match prompt.canary() {
        Some((model, percent)) => (Some(model), Some(percent)),
        None => (None, None),
    };
    if row.canary_model.as_deref() != canary_model {
        patch.canary_model = Some(canary_model.map(str::to_owned));
        fields.insert(
            "canary_model".to_owned(),
            field(json!(row.canary_model), json!(canary_model)),
        );
    }
    if row.canary_percent != canary_percent {
        patch.canary_percent = Some(canary_percent);
        fields.insert(
            "canary_percent".to_owned(),
            field(json!(row.canary_percent), json!(canary_percent)),
        );
    }
    for (name, live, desired, slot) in [
        (
            "description",
            row.description.as_deref(),
            prompt.description(),
            &mut patch.description,
        ),
        (
            "workflow_step",
            row.workflow_step.as_deref(),
            prompt.workflow_step(),
            &mut patch.workflow_step,
        ),
        (
            "subsystem",
            row.subsystem.as_deref(),
            prompt.subsystem(),
            &mut patch.subsystem,
        ),
    ] {
        if live != desired {
            *slot = Some(desired.map(str::to_owned));
            fields.insert(name.to_owned(), field(json!(live), json!(desired)));
        }
    }
    (patch, fields)
}

fn field(before: Value, after: Value) -> FieldChange {
    FieldChange { before, after }
}

fn update_change(
    action: Action,
    row: &LiveRow,
    patch: Patch,
    fields: BTreeMap<String, FieldChange>,
) -> Change {
    Change {
        action,
        prompt_name: row.prompt_name.clone(),
        prompt_version: row.prompt_version.clone(),
        scope: row.scope,
        replaces: Vec::new(),
        is_active: patch.is_active.unwrap_or(row.is_active),
        fields,
        ops: vec![Op::Update {
            action,
            id: row.id.clone(),
            expected_row_version: row.row_version,
            patch,
        }],
    }
}

/// The old active version of a replace: inactive, replaced by `version`.
fn retire(row: &LiveRow, version: &str) -> Op {
    Op::Update {
        action: Action::Replace,
        id: row.id.clone(),
        expected_row_version: row.row_version,
        patch: Patch {
            is_active: Some(false),
            replaced_by: Some(Some(version.to_owned())),
            ..Patch::default()
        },
    }
}

fn deactivate(row: &LiveRow, replaced_by: Option<&str>) -> Change {
    let patch = Patch {
        is_active: Some(false),
        replaced_by: replaced_by.map(|v| Some(v.to_owned())),
        ..Patch::default()
    };
    let mut fields = BTreeMap::from([("is_active".to_owned(), field(json!(true), json!(false)))]);
    if let Some(version) = replaced_by {
        fields.insert(
            "replaced_by".to_owned(),
            field(json!(row.replaced_by), json!(version)),
        );
    }
    update_change(Action::Deactivate, row, patch, fields)
}

fn backfill(row: &LiveRow, model: &str) -> Change {
    let patch = Patch {
        ai_model: Some(model.to_owned()),
        ..Patch::default()
    };
    let fields = BTreeMap::from([(
        "ai_model".to_owned(),
        field(json!(row.ai_model), json!(model)),
    )]);
    update_change(Action::Backfill, row, patch, fields)
}

/// Whether two schemas differ as JSON. promptctl stores schemas in the canonical form a
/// prompt holds, so equal texts settle it without parsing; other writers' texts are parsed.
fn schemas_differ(ours: Option<&str>, theirs: Option<&str>) -> bool {
    match (ours, theirs) {
        (Some(a), Some(b)) if a == b => false,
        (a, b) => parse_json(a) != parse_json(b),
    }
}

/// The row a prompt from git becomes.
fn new_row(prompt: &Prompt) -> NewRow {
    NewRow {
        prompt_name: prompt.prompt_name().to_owned(),
        prompt_version: prompt.prompt_version().to_owned(),
        prompt_template: prompt.shared_template(),
        description: prompt.description().map(str::to_owned),
        input_schema: prompt.input_schema().map(str::to_owned),
        output_schema: prompt.output_schema().map(str::to_owned),
        workflow_step: prompt.workflow_step().map(str::to_owned),
        subsystem: prompt.subsystem().map(str::to_owned),
        ai_model: prompt.ai_model().to_owned(),
        max_tokens: prompt
            .max_tokens()
            .map(|n| i64::try_from(n).unwrap_or(i64::MAX)),
        temperature: prompt.temperature(),
        is_active: true,
        canary_model: prompt.canary().map(|(model, _)| model.to_owned()),
        canary_percent: prompt.canary().map(|(_, percent)| percent),
    }
}

/// Every field of a new row, before null.
pub(super) fn created_fields(row: &NewRow) -> BTreeMap<String, FieldChange> {
    let mut fields = BTreeMap::new();
    for (key, value) in crate::store::record::new_row_values(row) {
        if !value.is_null() {
            fields.insert(key, field(Value::Null, value));
        }
    }
    fields
}

/// The fields a new version changes against the version it replaces.
pub(super) fn replaced_fields(old: &LiveRow, new: &NewRow) -> BTreeMap<String, FieldChange> {
    let old_values = crate::store::record::row_values(old);
    let mut fields = BTreeMap::new();
    for (key, after) in crate::store::record::new_row_values(new) {
        let before = old_values.get(&key).cloned().unwrap_or(Value::Null);
        let same = match key.as_str() {
            "input_schema" | "output_schema" => {
                parse_json(before.as_str()) == parse_json(after.as_str())
            }
            _ => before == after,
        };
        if !same {
            fields.insert(key, field(before, after));
        }
    }
    fields
}
