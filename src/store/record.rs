//! The JSON the store keeps of its own: audit entries' before and after values and the
//! outcomes of idempotent writes. These are the store's persisted shapes, written here and
//! nowhere else, so a change of a wire format (`crate::formats`) never changes what an old
//! store holds. Their keys are the row format's column names.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{ApplyOutcome, Backup, LiveRow, NewRow, Patch, RestoreOutcome};

/// Every column of a stored row, as the audit log records a created row.
pub fn row_values(row: &LiveRow) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("id".into(), json!(row.id));
    map.insert("row_version".into(), json!(row.row_version));
    map.insert("updated_at".into(), json!(row.updated_at));
    map.insert("prompt_name".into(), json!(row.prompt_name));
    map.insert("prompt_version".into(), json!(row.prompt_version));
    map.insert("prompt_template".into(), json!(row.prompt_template));
    map.insert("description".into(), json!(row.description));
    map.insert("input_schema".into(), json!(row.input_schema));
    map.insert("output_schema".into(), json!(row.output_schema));
    map.insert("scope".into(), json!(row.scope.as_str()));
    map.insert(
        "developer_session_id".into(),
        json!(row.developer_session_id),
    );
    map.insert("parent_prompt_id".into(), json!(row.parent_prompt_id));
    map.insert("expires_at".into(), json!(row.expires_at));
    map.insert("workflow_step".into(), json!(row.workflow_step));
    map.insert("subsystem".into(), json!(row.subsystem));
    map.insert("ai_model".into(), json!(row.ai_model));
    map.insert("max_tokens".into(), json!(row.max_tokens));
    map.insert("temperature".into(), json!(row.temperature));
    map.insert("is_active".into(), json!(row.is_active));
    map.insert("created_at".into(), json!(row.created_at));
    map.insert("created_by".into(), json!(row.created_by));
    map.insert("replaced_at".into(), json!(row.replaced_at));
    map.insert("replaced_by".into(), json!(row.replaced_by));
    map.insert("canary_model".into(), json!(row.canary_model));
    map.insert("canary_percent".into(), json!(row.canary_percent));
    map
}

/// The fields a new row is given, by column name (null where it has none).
pub fn new_row_values(row: &NewRow) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("prompt_name".into(), json!(row.prompt_name));
    map.insert("prompt_version".into(), json!(row.prompt_version));
    map.insert("prompt_template".into(), json!(row.prompt_template));
    map.insert("description".into(), json!(row.description));
    map.insert("input_schema".into(), json!(row.input_schema));
    map.insert("output_schema".into(), json!(row.output_schema));
    map.insert("workflow_step".into(), json!(row.workflow_step));
    map.insert("subsystem".into(), json!(row.subsystem));
    map.insert("ai_model".into(), json!(row.ai_model));
    map.insert("max_tokens".into(), json!(row.max_tokens));
    map.insert("temperature".into(), json!(row.temperature));
    map.insert("is_active".into(), json!(row.is_active));
    map.insert("canary_model".into(), json!(row.canary_model));
    map.insert("canary_percent".into(), json!(row.canary_percent));
    map
}

/// The fields a patch sets, by column name: `null` for a field it clears, absent for one it
/// leaves as it is.
pub fn patch_values(patch: &Patch) -> Map<String, Value> {
    let mut map = Map::new();
    let mut set = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            map.insert(key.to_owned(), value);
        }
    };
    set("ai_model", patch.ai_model.as_ref().map(|v| json!(v)));
    set("max_tokens", patch.max_tokens.map(|v| json!(v)));
    set("temperature", patch.temperature.map(|v| json!(v)));
    set("description", patch.description.as_ref().map(|v| json!(v)));
    set(
        "workflow_step",
        patch.workflow_step.as_ref().map(|v| json!(v)),
    );
    set("subsystem", patch.subsystem.as_ref().map(|v| json!(v)));
    set("is_active", patch.is_active.map(|v| json!(v)));
    set("replaced_at", patch.replaced_at.map(|v| json!(v)));
    set("replaced_by", patch.replaced_by.as_ref().map(|v| json!(v)));
    set(
        "canary_model",
        patch.canary_model.as_ref().map(|v| json!(v)),
    );
    set("canary_percent", patch.canary_percent.map(|v| json!(v)));
    map
}

/// The columns a patch can set, as [`patch_values`] names them.
pub const PATCHABLE: [&str; 11] = [
    "ai_model",
    "max_tokens",
    "temperature",
    "description",
    "workflow_step",
    "subsystem",
    "is_active",
    "replaced_at",
    "replaced_by",
    "canary_model",
    "canary_percent",
];

/// The patch that sets `values` (the inverse of [`patch_values`]); `None` when a value is not
/// of its column's type, or names a column a patch cannot set. (`ai_model` cannot be unset.)
pub fn patch_from_values(values: &Map<String, Value>) -> Option<Patch> {
    fn optional<T: serde::de::DeserializeOwned>(value: &Value) -> Option<Option<T>> {
        serde_json::from_value::<Option<T>>(value.clone()).ok()
    }
    let mut patch = Patch::default();
    for (field, value) in values {
        match field.as_str() {
            "ai_model" => patch.ai_model = Some(value.as_str()?.to_owned()),
            "max_tokens" => patch.max_tokens = Some(optional(value)?),
            "temperature" => patch.temperature = Some(optional(value)?),
            "description" => patch.description = Some(optional(value)?),
            "workflow_step" => patch.workflow_step = Some(optional(value)?),
            "subsystem" => patch.subsystem = Some(optional(value)?),
            "is_active" => patch.is_active = Some(value.as_bool()?),
            "replaced_at" => patch.replaced_at = Some(optional(value)?),
            "replaced_by" => patch.replaced_by = Some(optional(value)?),
            "canary_model" => patch.canary_model = Some(optional(value)?),
            "canary_percent" => patch.canary_percent = Some(optional(value)?),
            _ => return None,
        }
    }
    Some(patch)
}

/// The value a row holds in the column `field`, as [`row_values`] gives it.
pub fn row_value(row: &LiveRow, field: &str) -> Value {
    match field {
        "ai_model" => json!(row.ai_model),
        "max_tokens" => json!(row.max_tokens),
        "temperature" => json!(row.temperature),
        "description" => json!(row.description),
        "workflow_step" => json!(row.workflow_step),
        "subsystem" => json!(row.subsystem),
        "is_active" => json!(row.is_active),
        "replaced_at" => json!(row.replaced_at),
        "replaced_by" => json!(row.replaced_by),
        "canary_model" => json!(row.canary_model),
        "canary_percent" => json!(row.canary_percent),
        _ => row_values(row).remove(field).unwrap_or(Value::Null),
    }
}

/// The outcome of a change set, kept under its idempotency key.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AppliedRecord {
    revision: i64,
    applied: usize,
}

/// The outcome of a restore, kept under its idempotency key.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RestoredRecord {
    revision: i64,
    restored: usize,
    backup: Option<BackupRecord>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BackupRecord {
    id: String,
    rows: usize,
    revision: i64,
    at: i64,
}

impl From<&ApplyOutcome> for AppliedRecord {
    fn from(outcome: &ApplyOutcome) -> AppliedRecord {
        AppliedRecord {
            revision: outcome.revision,
            applied: outcome.applied,
        }
    }
}

impl From<AppliedRecord> for ApplyOutcome {
    fn from(record: AppliedRecord) -> ApplyOutcome {
        ApplyOutcome {
            revision: record.revision,
            applied: record.applied,
        }
    }
}

impl From<&RestoreOutcome> for RestoredRecord {
    fn from(outcome: &RestoreOutcome) -> RestoredRecord {
        RestoredRecord {
            revision: outcome.revision,
            restored: outcome.restored,
            backup: outcome.backup.as_ref().map(|b| BackupRecord {
                id: b.id.clone(),
                rows: b.rows,
                revision: b.revision,
                at: b.at,
            }),
        }
    }
}

impl From<RestoredRecord> for RestoreOutcome {
    fn from(record: RestoredRecord) -> RestoreOutcome {
        RestoreOutcome {
            revision: record.revision,
            restored: record.restored,
            backup: record.backup.map(|b| Backup {
                id: b.id,
                rows: b.rows,
                revision: b.revision,
                at: b.at,
            }),
            warnings: Vec::new(),
        }
    }
}
