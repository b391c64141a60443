//! What the SQLite and PostgreSQL stores share — everything but opening a connection and a
//! few words of SQL: the statements (placeholders `$1…` in order of first use, which both
//! accept), the values to bind ([`SqlValue`]), the change-set logic ([`write`]) and the
//! [`Store`](super::Store) implementation itself ([`store::SqlStore`], generic over the
//! backend's [`store::Dialect`]).

pub(in crate::store) mod store;
mod write;

use super::{LiveRow, Op, Patch};

/// The columns of `ai_prompts`: every field of [`LiveRow`] but the content.
const META_COLUMNS: &str = "id, row_version, updated_at, prompt_name, prompt_version, \
    description, scope, developer_session_id, parent_prompt_id, expires_at, workflow_step, \
    subsystem, ai_model, max_tokens, temperature, is_active, created_at, created_by, \
    replaced_at, replaced_by, template_sha256, canary_model, canary_percent";

/// The columns of `ai_prompt_contents`: a version's content, which never changes in place.
const CONTENT_COLUMNS: &str = "id, prompt_template, input_schema, output_schema";

/// A value to bind, typed so each backend can bind it natively.
#[derive(Clone, Debug, PartialEq)]
pub(in crate::store) enum SqlValue {
    Text(Option<String>),
    Int(Option<i64>),
    Real(Option<f64>),
    Bool(bool),
}

/// The content values of a row, in [`CONTENT_COLUMNS`] order.
fn content_values(row: &LiveRow) -> Vec<SqlValue> {
    use SqlValue::Text;
    vec![
        Text(Some(row.id.clone())),
        Text(Some(row.prompt_template.clone())),
        Text(row.input_schema.clone()),
        Text(row.output_schema.clone()),
    ]
}

/// The other values of a row, in [`META_COLUMNS`] order.
fn meta_values(row: &LiveRow) -> Vec<SqlValue> {
    use SqlValue::{Bool, Int, Real, Text};
    vec![
        Text(Some(row.id.clone())),
        Int(Some(row.row_version)),
        Int(Some(row.updated_at)),
        Text(Some(row.prompt_name.clone())),
        Text(Some(row.prompt_version.clone())),
        Text(row.description.clone()),
        Text(Some(row.scope.as_str().to_owned())),
        Text(row.developer_session_id.clone()),
        Text(row.parent_prompt_id.clone()),
        Int(row.expires_at),
        Text(row.workflow_step.clone()),
        Text(row.subsystem.clone()),
        Text(row.ai_model.clone()),
        Int(row.max_tokens),
        Real(row.temperature),
        Bool(row.is_active),
        Int(Some(row.created_at)),
        Text(row.created_by.clone()),
        Int(row.replaced_at),
        Text(row.replaced_by.clone()),
        Text(Some(super::template_sha256(&row.prompt_template))),
        Text(row.canary_model.clone()),
        Real(row.canary_percent),
    ]
}

/// `INSERT INTO table (columns) VALUES (…), (…)` for rows of values, `$n` numbered in order.
fn insert_many(table_and_columns: &str, rows: Vec<Vec<SqlValue>>) -> (String, Vec<SqlValue>) {
    let mut sql = format!("INSERT INTO {table_and_columns} VALUES ");
    let mut values = Vec::new();
    for (index, row) in rows.into_iter().enumerate() {
        if index > 0 {
            sql.push_str(", ");
        }
        let placeholders: Vec<String> = (values.len() + 1..=values.len() + row.len())
            .map(|i| format!("${i}"))
            .collect();
        sql.push('(');
        sql.push_str(&placeholders.join(", "));
        sql.push(')');
        values.extend(row);
    }
    (sql, values)
}

/// Multi-row inserts of `rows` (their fields and their contents), as few statements as the
/// bind limit allows.
pub(in crate::store) fn insert_rows(rows: &[LiveRow]) -> Vec<(String, Vec<SqlValue>)> {
    let mut statements = Vec::new();
    for chunk in rows.chunks(CHUNK / 20) {
        statements.push(insert_many(
            &format!("ai_prompts ({META_COLUMNS})"),
            chunk.iter().map(meta_values).collect(),
        ));
        statements.push(insert_many(
            &format!("ai_prompt_contents ({CONTENT_COLUMNS})"),
            chunk.iter().map(content_values).collect(),
        ));
    }
    statements
}

/// `UPDATE ai_prompts SET … WHERE (id, row_version) IN (VALUES ($n, $m), …)`: one patch for
/// many rows, each moving to its next `row_version` only if still at the one expected.
pub(in crate::store) fn update_many(
    rows: &[(&str, i64)],
    patch: &Patch,
    now: i64,
) -> (String, Vec<SqlValue>) {
    use SqlValue::{Bool, Int, Real, Text};
    let mut sets = Vec::new();
    let mut values = Vec::new();
    let mut set = |column: &str, value: SqlValue| {
        values.push(value);
        sets.push(format!("{column} = ${}", values.len()));
    };
    if let Some(v) = &patch.ai_model {
        set("ai_model", Text(Some(v.clone())));
    }
    if let Some(v) = patch.max_tokens {
        set("max_tokens", Int(v));
    }
    if let Some(v) = patch.temperature {
        set("temperature", Real(v));
    }
    if let Some(v) = &patch.description {
        set("description", Text(v.clone()));
    }
    if let Some(v) = &patch.workflow_step {
        set("workflow_step", Text(v.clone()));
    }
    if let Some(v) = &patch.subsystem {
        set("subsystem", Text(v.clone()));
    }
    if let Some(v) = patch.is_active {
        set("is_active", Bool(v));
    }
    if let Some(v) = patch.replaced_at {
        set("replaced_at", Int(v));
    }
    if let Some(v) = &patch.replaced_by {
        set("replaced_by", Text(v.clone()));
    }
    if let Some(v) = &patch.canary_model {
        set("canary_model", Text(v.clone()));
    }
    if let Some(v) = patch.canary_percent {
        set("canary_percent", Real(v));
    }
    set("updated_at", Int(Some(now)));
    let mut pairs = Vec::with_capacity(rows.len());
    for (id, expected) in rows {
        values.push(Text(Some((*id).to_owned())));
        values.push(Int(Some(*expected)));
        pairs.push(format!("(${}, ${})", values.len() - 1, values.len()));
    }
    let sql = format!(
        "UPDATE ai_prompts SET {}, row_version = row_version + 1 WHERE (id, row_version) IN (VALUES {})",
        sets.join(", "),
        pairs.join(", ")
    );
    (sql, values)
}

/// The store's id and revision.
pub(in crate::store) const SELECT_META: &str =
    "SELECT store_id, revision FROM store_meta WHERE id = 1";

/// The audit log's columns, in [`audit`]'s order.
const AUDIT_COLUMNS: &str =
    "audit_log (revision, at, actor, change, row_id, prompt_name, prompt_version, before, after)";

/// Multi-row inserts of audit entries (each from [`audit`]).
pub(in crate::store) fn insert_audit(entries: Vec<Vec<SqlValue>>) -> Vec<(String, Vec<SqlValue>)> {
    let mut statements = Vec::new();
    let mut entries = entries.into_iter().peekable();
    while entries.peek().is_some() {
        let chunk: Vec<Vec<SqlValue>> = entries.by_ref().take(CHUNK / 9).collect();
        statements.push(insert_many(AUDIT_COLUMNS, chunk));
    }
    statements
}

/// The values of one audit entry, in [`AUDIT_COLUMNS`] order.
pub(in crate::store) fn audit(
    revision: i64,
    at: i64,
    actor: &str,
    change: &str,
    row: Option<&LiveRow>,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Vec<SqlValue> {
    use SqlValue::{Int, Text};
    vec![
        Int(Some(revision)),
        Int(Some(at)),
        Text(Some(actor.to_owned())),
        Text(Some(change.to_owned())),
        Text(row.map(|r| r.id.clone())),
        Text(row.map(|r| r.prompt_name.clone())),
        Text(row.map(|r| r.prompt_version.clone())),
        Text(before.map(serde_json::Value::to_string)),
        Text(after.map(serde_json::Value::to_string)),
    ]
}

/// The ids every update of `ops` touches, to fetch them in one go.
pub(in crate::store) fn updated_ids(ops: &[Op]) -> Vec<&str> {
    ops.iter()
        .filter_map(|op| match op {
            Op::Update { id, .. } => Some(id.as_str()),
            Op::Insert { .. } => None,
        })
        .collect()
}

/// Every column but the content ones (template, schemas), which preconditions and the audit
/// log never need: reading them for a 10,000-row change would copy megabytes for nothing.
const HEAD_COLUMNS: &str = "id, row_version, updated_at, prompt_name, prompt_version, \
    '' AS prompt_template, description, NULL AS input_schema, NULL AS output_schema, scope, \
    developer_session_id, parent_prompt_id, expires_at, workflow_step, subsystem, ai_model, \
    max_tokens, temperature, is_active, created_at, created_by, replaced_at, replaced_by, \
    canary_model, canary_percent";

/// Every column of a [`LiveRow`]: the fields joined with the content.
const JOINED_COLUMNS: &str = "p.id, p.row_version, p.updated_at, p.prompt_name, \
    p.prompt_version, c.prompt_template, p.description, c.input_schema, c.output_schema, \
    p.scope, p.developer_session_id, p.parent_prompt_id, p.expires_at, p.workflow_step, \
    p.subsystem, p.ai_model, p.max_tokens, p.temperature, p.is_active, p.created_at, \
    p.created_by, p.replaced_at, p.replaced_by, p.canary_model, p.canary_percent";

/// Every column of a [`LiveRow`], unprefixed, in [`JOINED_COLUMNS`] order: a backed-up row.
const ROW_COLUMNS: &str = "id, row_version, updated_at, prompt_name, prompt_version, \
    prompt_template, description, input_schema, output_schema, scope, developer_session_id, \
    parent_prompt_id, expires_at, workflow_step, subsystem, ai_model, max_tokens, temperature, \
    is_active, created_at, created_by, replaced_at, replaced_by, canary_model, canary_percent";

/// Copy every row of the store, whole, into backup `$1`.
pub(in crate::store) fn back_up_rows() -> String {
    format!(
        "INSERT INTO store_backup_rows (backup_id, {ROW_COLUMNS}) SELECT $1, {JOINED_COLUMNS} \
         FROM ai_prompts p JOIN ai_prompt_contents c ON c.id = p.id"
    )
}

/// The rows of backup `$1`, in a snapshot's order.
pub(in crate::store) fn select_backup_rows() -> String {
    format!(
        "SELECT {ROW_COLUMNS} FROM store_backup_rows WHERE backup_id = $1 \
         ORDER BY prompt_name, prompt_version, id"
    )
}

/// `$1, $2, …, $count`: an `IN (…)` list of `count` bound values.
fn placeholders(count: usize) -> String {
    (1..=count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `SELECT … FROM ai_prompts WHERE id IN ($1, …)` for `count` ids: the rows without their
/// content (see [`HEAD_COLUMNS`]).
pub(in crate::store) fn select_by_ids(count: usize) -> String {
    format!(
        "SELECT {HEAD_COLUMNS} FROM ai_prompts WHERE id IN ({})",
        placeholders(count)
    )
}

/// The whole rows (content too) of `count` ids.
pub(in crate::store) fn select_whole_by_ids(count: usize) -> String {
    format!(
        "SELECT {JOINED_COLUMNS} FROM ai_prompts p JOIN ai_prompt_contents c ON c.id = p.id \
         WHERE p.id IN ({})",
        placeholders(count)
    )
}

/// `SELECT prompt_name, prompt_version FROM ai_prompts WHERE scope = 'production' AND
/// prompt_name IN (…)`: what inserts could collide with.
pub(in crate::store) fn select_production_versions(count: usize) -> String {
    format!(
        "SELECT prompt_name, prompt_version FROM ai_prompts WHERE scope = 'production' AND prompt_name IN ({})",
        placeholders(count)
    )
}

/// The names every insert of `ops` creates.
pub(in crate::store) fn inserted_names(ops: &[Op]) -> Vec<&str> {
    let mut names: Vec<&str> = ops
        .iter()
        .filter_map(|op| match op {
            Op::Insert { row, .. } => Some(row.prompt_name.as_str()),
            Op::Update { .. } => None,
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The columns of an audit entry, as both backends select them.
pub(in crate::store) const AUDIT_SELECT: &str = "SELECT revision, at, actor, change, row_id, prompt_name, prompt_version, before, after FROM audit_log";

/// An audit row as stored, with before/after as JSON text.
#[derive(sqlx::FromRow)]
pub(in crate::store) struct AuditRow {
    revision: i64,
    at: i64,
    actor: String,
    change: String,
    row_id: Option<String>,
    prompt_name: Option<String>,
    prompt_version: Option<String>,
    before: Option<String>,
    after: Option<String>,
}

impl AuditRow {
    pub(in crate::store) fn into_entry(self) -> super::AuditEntry {
        let parse = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
        super::AuditEntry {
            revision: self.revision,
            at: self.at,
            actor: self.actor,
            change: self.change,
            row_id: self.row_id,
            prompt_name: self.prompt_name,
            prompt_version: self.prompt_version,
            before: parse(self.before),
            after: parse(self.after),
        }
    }
}

/// Every row, whole, in no particular order (the caller sorts): a snapshot.
pub(in crate::store) fn select_all() -> String {
    format!("SELECT {JOINED_COLUMNS} FROM ai_prompts p JOIN ai_prompt_contents c ON c.id = p.id")
}

/// Every row for a diff, in no particular order: a row with a template digest comes with it
/// and without its template (see [`Store::snapshot_for_diff`](super::Store::snapshot_for_diff)).
pub(in crate::store) fn select_all_for_diff() -> String {
    let columns = JOINED_COLUMNS.replace(
        "c.prompt_template",
        "CASE WHEN p.template_sha256 IS NULL THEN c.prompt_template ELSE '' END AS prompt_template",
    );
    format!(
        "SELECT {columns}, p.template_sha256 FROM ai_prompts p \
         JOIN ai_prompt_contents c ON c.id = p.id"
    )
}

/// SQLite allows 32,766 bound values a statement and PostgreSQL 65,535; stay well under both.
pub(in crate::store) const CHUNK: usize = 900;

/// A database error as people need it: the database's message (and PostgreSQL's detail and
/// hint), not the line of the server's source sqlx appends ("… at line 948").
pub(in crate::store) fn message(error: &sqlx::Error) -> String {
    let sqlx::Error::Database(database) = error else {
        return error.to_string();
    };
    let mut text = database.message().to_owned();
    if let Some(postgres) = database.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        if let Some(detail) = postgres.detail() {
            text.push_str(&format!(" ({detail})"));
        }
        if let Some(hint) = postgres.hint() {
            text.push_str(&format!("; hint: {hint}"));
        }
    }
    text
}
