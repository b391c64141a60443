//! The live state: rows of `ai_prompts`, behind one [`Store`] trait with a SQLite, a
//! PostgreSQL and (later) an HTTP implementation.
//!
//! Every write goes through [`Store::apply`]: one transaction, each update guarded by the
//! `row_version` the plan read, the revision moved by one, every change in the audit log. No
//! write path creates a row without `ai_model`; nothing is hard-deleted.

pub mod export;
pub mod http;
pub mod postgres;
mod sql;
pub mod sqlite;
pub mod wire;

use std::fmt;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// Who a row belongs to. Only production rows are managed from git.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    #[default]
    Production,
    Developer,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Production => "production",
            Scope::Developer => "developer",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        match text {
            "production" => Some(Scope::Production),
            "developer" => Some(Scope::Developer),
            _ => None,
        }
    }
}

impl TryFrom<String> for Scope {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Scope::parse(&text).ok_or_else(|| format!("unknown scope `{text}`"))
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of `ai_prompts` as the store holds it: the seed's columns plus `id`,
/// `row_version` and `updated_at`. Timestamps are milliseconds since the Unix epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, sqlx::FromRow, schemars::JsonSchema)]
pub struct LiveRow {
    pub id: String,
    pub row_version: i64,
    pub updated_at: i64,
    pub prompt_name: String,
    pub prompt_version: String,
    pub prompt_template: String,
    pub description: Option<String>,
    /// JSON text, as the seed stores it.
    pub input_schema: Option<String>,
    /// JSON text, as the seed stores it.
    pub output_schema: Option<String>,
    #[sqlx(try_from = "String")]
    pub scope: Scope,
    pub developer_session_id: Option<String>,
    pub parent_prompt_id: Option<String>,
    pub expires_at: Option<i64>,
    pub workflow_step: Option<String>,
    pub subsystem: Option<String>,
    /// Missing only in legacy rows; no write path creates a row without one.
    pub ai_model: Option<String>,
    pub max_tokens: Option<i64>,
    pub temperature: Option<f64>,
    pub is_active: bool,
    pub created_at: i64,
    pub created_by: Option<String>,
    pub replaced_at: Option<i64>,
    /// The `prompt_version` that replaced this row.
    pub replaced_by: Option<String>,
}

impl LiveRow {
    /// Whether the row lacks a model (NULL, or blank as some legacy writers left it).
    pub fn lacks_model(&self) -> bool {
        self.ai_model.as_deref().is_none_or(|m| m.trim().is_empty())
    }
}

/// The whole store at one revision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Snapshot {
    pub store_id: String,
    pub revision: i64,
    pub rows: Vec<LiveRow>,
}

/// A row to insert. `ai_model` is not optional: the type refuses a row without a model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NewRow {
    pub prompt_name: String,
    pub prompt_version: String,
    pub prompt_template: String,
    pub description: Option<String>,
    pub input_schema: Option<String>,
    pub output_schema: Option<String>,
    pub workflow_step: Option<String>,
    pub subsystem: Option<String>,
    pub ai_model: String,
    pub max_tokens: Option<i64>,
    pub temperature: Option<f64>,
    pub is_active: bool,
}

/// Fields an update may set; `None` leaves a field as it is. `Some(None)` clears it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Patch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai_model: Option<String>,
    #[serde(
        default,
        deserialize_with = "explicit",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_tokens: Option<Option<i64>>,
    #[serde(
        default,
        deserialize_with = "explicit",
        skip_serializing_if = "Option::is_none"
    )]
    pub temperature: Option<Option<f64>>,
    #[serde(
        default,
        deserialize_with = "explicit",
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "explicit",
        skip_serializing_if = "Option::is_none"
    )]
    pub workflow_step: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "explicit",
        skip_serializing_if = "Option::is_none"
    )]
    pub subsystem: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
    #[serde(
        default,
        deserialize_with = "explicit",
        skip_serializing_if = "Option::is_none"
    )]
    pub replaced_at: Option<Option<i64>>,
    #[serde(
        default,
        deserialize_with = "explicit",
        skip_serializing_if = "Option::is_none"
    )]
    pub replaced_by: Option<Option<String>>,
}

/// `"field": null` in a patch means "clear it" (`Some(None)`), which serde would otherwise
/// read as "leave it" (`None`) — a saved plan or an HTTP change set would lose the clearing.
fn explicit<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

impl Patch {
    /// Fold `other` into this patch; `other`'s values win where both set a field.
    pub fn merge(&mut self, other: Patch) {
        macro_rules! take {
            ($($field:ident),*) => { $(if other.$field.is_some() { self.$field = other.$field; })* };
        }
        take!(
            ai_model,
            max_tokens,
            temperature,
            description,
            workflow_step,
            subsystem,
            is_active,
            replaced_at,
            replaced_by
        );
    }
}

/// What a change does, as the plan and the audit log name it.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Replace,
    Backfill,
    Deactivate,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::Create,
        Action::Update,
        Action::Replace,
        Action::Backfill,
        Action::Deactivate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Backfill => "backfill",
            Action::Deactivate => "deactivate",
        }
    }
}

/// One write of a change set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Op {
    /// Insert a new row. Refused when a production row with the same name and version exists,
    /// or, with `expect_new_name`, any production row with the name (a concurrent create).
    Insert {
        action: Action,
        row: NewRow,
        #[serde(default)]
        expect_new_name: bool,
    },
    /// Patch a row, only if its `row_version` is still `expected_row_version`.
    Update {
        action: Action,
        id: String,
        expected_row_version: i64,
        patch: Patch,
    },
}

impl Op {
    pub fn action(&self) -> Action {
        match self {
            Op::Insert { action, .. } | Op::Update { action, .. } => *action,
        }
    }
}

/// Writes applied together or not at all, to the store `store_id`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ChangeSet {
    pub store_id: String,
    /// Who applies it, for the audit log.
    pub actor: String,
    /// Set by clients that may retry: a change set with a key already applied is not applied
    /// again; the first outcome is returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    pub ops: Vec<Op>,
}

impl ChangeSet {
    /// Refuse what no store may write: a row without a model, an update clearing one, two
    /// updates of one row.
    pub fn check(&self) -> Result<(), StoreError> {
        let mut seen = std::collections::HashSet::new();
        for op in &self.ops {
            match op {
                Op::Insert { row, .. } => {
                    if row.ai_model.trim().is_empty() {
                        return Err(StoreError::Invalid(format!(
                            "{} {}: a row needs an ai_model",
                            row.prompt_name, row.prompt_version
                        )));
                    }
                }
                Op::Update { id, patch, .. } => {
                    if patch
                        .ai_model
                        .as_deref()
                        .is_some_and(|m| m.trim().is_empty())
                    {
                        return Err(StoreError::Invalid(format!(
                            "row {id}: ai_model cannot be set empty"
                        )));
                    }
                    if !seen.insert(id.as_str()) {
                        return Err(StoreError::Invalid(format!(
                            "row {id} is updated twice in one change set"
                        )));
                    }
                }
            }
        }
        Ok(())
    }
}

/// A precondition that no longer holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Conflict {
    pub prompt_name: String,
    pub prompt_version: String,
    /// The row, when the conflict is about an existing row.
    pub id: Option<String>,
    pub expected_row_version: Option<i64>,
    /// The row's version now; `None` when it is gone or, for an insert, already there.
    pub actual_row_version: Option<i64>,
    pub reason: String,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.prompt_name, self.prompt_version, self.reason
        )
    }
}

/// What an applied change set did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ApplyOutcome {
    /// The store's revision after the change set.
    pub revision: i64,
    /// How many ops were applied.
    pub applied: usize,
}

/// One entry of the audit log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AuditEntry {
    pub revision: i64,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    pub actor: String,
    /// `create`, `update`, …, or `restore`.
    pub change: String,
    pub row_id: Option<String>,
    pub prompt_name: Option<String>,
    pub prompt_version: Option<String>,
    /// The changed fields before (JSON object), null for a create.
    pub before: Option<serde_json::Value>,
    /// The changed fields after (JSON object).
    pub after: Option<serde_json::Value>,
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("stale plan: re-run plan. These rows changed since it was made:\n{}", list(.0))]
    Conflict(Vec<Conflict>),
    #[error("the plan was made against store {expected}, but this store is {actual}")]
    WrongStore { expected: String, actual: String },
    #[error("the store holds {rows} rows; restore only into an empty store, or pass --force")]
    NotEmpty { rows: usize },
    #[error("refused: {0}")]
    Invalid(String),
    #[error("cannot open the store {url}: {message}")]
    Open { url: String, message: String },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Remote(String),
}

fn list(conflicts: &[Conflict]) -> String {
    conflicts
        .iter()
        .map(|c| format!("  - {c}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reports progress of a long apply: `(done, total)` ops.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Send + Sync);

/// A live prompt store.
#[async_trait]
pub trait Store: Send + Sync {
    /// Where the store is, for headers and messages (no secrets).
    fn location(&self) -> String;

    /// Every row, with the store's id and revision.
    async fn snapshot(&self) -> Result<Snapshot, StoreError>;

    /// The store's revision: a cheap way to learn whether anything changed.
    async fn revision(&self) -> Result<i64, StoreError>;

    /// Apply a change set atomically: every op or none. Conflicts are all reported.
    async fn apply(
        &self,
        changes: &ChangeSet,
        progress: Progress<'_>,
    ) -> Result<ApplyOutcome, StoreError>;

    /// The audit log, newest first, optionally of one prompt name.
    async fn history(
        &self,
        prompt_name: Option<&str>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError>;

    /// Load rows (from an export) into the store. Refuses a non-empty store unless `force`, in
    /// which case the rows replace the store's (callers back up first). Returns the revision.
    async fn restore(
        &self,
        restore: &export::Restore,
        actor: &str,
        force: bool,
    ) -> Result<i64, StoreError>;
}

/// Open the store a URL names: `sqlite:PATH`, `postgres://…`, `http(s)://…` (with a bearer
/// token).
pub async fn open(
    url: &str,
    token: Option<crate::secret::Secret>,
) -> Result<Box<dyn Store>, StoreError> {
    if url.starts_with("http://") || url.starts_with("https://") {
        return Ok(Box::new(http::HttpStore::new(url, token)?));
    }
    if let Some(path) = url.strip_prefix("sqlite:") {
        let path = path.strip_prefix("//").unwrap_or(path);
        return Ok(Box::new(
            sqlite::SqliteStore::open(std::path::Path::new(path)).await?,
        ));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Box::new(postgres::PostgresStore::open(url).await?));
    }
    Err(StoreError::Open {
        url: url.to_owned(),
        message: "unknown kind of store; use sqlite:PATH, postgres://… or http(s)://…".to_owned(),
    })
}

/// A fresh random id for rows and stores.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The fields a patch sets, before and after, as JSON objects for the audit log. Only the
/// patched fields are serialised: a bulk change of 10,000 rows must not copy their templates.
pub fn audit_values(row: &LiveRow, patch: &Patch) -> (serde_json::Value, serde_json::Value) {
    use serde_json::json;
    let after = serde_json::to_value(patch).unwrap_or_default();
    let mut before = serde_json::Map::new();
    if let Some(fields) = after.as_object() {
        for field in fields.keys() {
            let value = match field.as_str() {
                "ai_model" => json!(row.ai_model),
                "max_tokens" => json!(row.max_tokens),
                "temperature" => json!(row.temperature),
                "description" => json!(row.description),
                "workflow_step" => json!(row.workflow_step),
                "subsystem" => json!(row.subsystem),
                "is_active" => json!(row.is_active),
                "replaced_at" => json!(row.replaced_at),
                "replaced_by" => json!(row.replaced_by),
                _ => serde_json::Value::Null,
            };
            before.insert(field.clone(), value);
        }
    }
    (before.into(), after)
}

/// The row an insert creates, as stored.
pub fn row_from_new(new: &NewRow, id: String, now: i64, actor: &str) -> LiveRow {
    LiveRow {
        id,
        row_version: 1,
        updated_at: now,
        prompt_name: new.prompt_name.clone(),
        prompt_version: new.prompt_version.clone(),
        prompt_template: new.prompt_template.clone(),
        description: new.description.clone(),
        input_schema: new.input_schema.clone(),
        output_schema: new.output_schema.clone(),
        scope: Scope::Production,
        developer_session_id: None,
        parent_prompt_id: None,
        expires_at: None,
        workflow_step: new.workflow_step.clone(),
        subsystem: new.subsystem.clone(),
        ai_model: Some(new.ai_model.clone()),
        max_tokens: new.max_tokens,
        temperature: new.temperature,
        is_active: new.is_active,
        created_at: now,
        created_by: Some(actor.to_owned()),
        replaced_at: None,
        replaced_by: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patch_that_clears_a_field_survives_json() {
        let patch = Patch {
            max_tokens: Some(None),
            ai_model: Some("openai/gpt-5".to_owned()),
            ..Patch::default()
        };
        let text = serde_json::to_string(&patch).unwrap();
        assert_eq!(text, r#"{"ai_model":"openai/gpt-5","max_tokens":null}"#);
        assert_eq!(serde_json::from_str::<Patch>(&text).unwrap(), patch);
    }
}
