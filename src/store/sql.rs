//! What the SQLite and PostgreSQL stores share: the SQL text (placeholders `$1…` in order of
//! first use, which both accept), the values to bind, and the precondition checks. Each
//! backend keeps only its own connection, transaction and binding code.

use std::collections::HashMap;

use super::{Conflict, LiveRow, Op, Patch};

/// The columns of `ai_prompts`: every field of [`LiveRow`] but the content.
const META_COLUMNS: &str = "id, row_version, updated_at, prompt_name, prompt_version, \
    description, scope, developer_session_id, parent_prompt_id, expires_at, workflow_step, \
    subsystem, ai_model, max_tokens, temperature, is_active, created_at, created_by, \
    replaced_at, replaced_by";

/// The columns of `ai_prompt_contents`: a version's content, which never changes in place.
const CONTENT_COLUMNS: &str = "id, prompt_template, input_schema, output_schema";

/// A value to bind, typed so each backend can bind it natively.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum SqlValue {
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
pub(super) fn insert_rows(rows: &[LiveRow]) -> Vec<(String, Vec<SqlValue>)> {
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
pub(super) fn update_many(
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

/// The audit log's columns, in [`audit`]'s order.
const AUDIT_COLUMNS: &str =
    "audit_log (revision, at, actor, change, row_id, prompt_name, prompt_version, before, after)";

/// Multi-row inserts of audit entries (each from [`audit`]).
pub(super) fn insert_audit(entries: Vec<Vec<SqlValue>>) -> Vec<(String, Vec<SqlValue>)> {
    let mut statements = Vec::new();
    let mut entries = entries.into_iter().peekable();
    while entries.peek().is_some() {
        let chunk: Vec<Vec<SqlValue>> = entries.by_ref().take(CHUNK / 9).collect();
        statements.push(insert_many(AUDIT_COLUMNS, chunk));
    }
    statements
}

/// The values of one audit entry, in [`AUDIT_COLUMNS`] order.
pub(super) fn audit(
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
pub(super) fn updated_ids(ops: &[Op]) -> Vec<&str> {
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
    max_tokens, temperature, is_active, created_at, created_by, replaced_at, replaced_by";

/// Every column of a [`LiveRow`]: the fields joined with the content.
const JOINED_COLUMNS: &str = "p.id, p.row_version, p.updated_at, p.prompt_name, \
    p.prompt_version, c.prompt_template, p.description, c.input_schema, c.output_schema, \
    p.scope, p.developer_session_id, p.parent_prompt_id, p.expires_at, p.workflow_step, \
    p.subsystem, p.ai_model, p.max_tokens, p.temperature, p.is_active, p.created_at, \
    p.created_by, p.replaced_at, p.replaced_by";

/// `SELECT … FROM ai_prompts WHERE id IN ($1, …)` for `count` ids: the rows without their
/// content (see [`HEAD_COLUMNS`]).
pub(super) fn select_by_ids(count: usize) -> String {
    let placeholders: Vec<String> = (1..=count).map(|i| format!("${i}")).collect();
    format!(
        "SELECT {HEAD_COLUMNS} FROM ai_prompts WHERE id IN ({})",
        placeholders.join(", ")
    )
}

/// `SELECT prompt_name, prompt_version FROM ai_prompts WHERE scope = 'production' AND
/// prompt_name IN (…)`: what inserts could collide with.
pub(super) fn select_production_versions(count: usize) -> String {
    let placeholders: Vec<String> = (1..=count).map(|i| format!("${i}")).collect();
    format!(
        "SELECT prompt_name, prompt_version FROM ai_prompts WHERE scope = 'production' AND prompt_name IN ({})",
        placeholders.join(", ")
    )
}

/// The names every insert of `ops` creates.
pub(super) fn inserted_names(ops: &[Op]) -> Vec<&str> {
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

/// Every precondition of `ops` that does not hold, given the rows they update (by id) and the
/// production versions that exist of the names they insert.
pub(super) fn conflicts(
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
                    reason: format!("row {id} is not in the store"),
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

/// The few things a backend's write transaction must do; the change-set logic above them is
/// shared by [`apply_in`] and [`restore_in`].
#[async_trait::async_trait]
pub(super) trait WriteTx: Send {
    /// Run one statement with `$1…` placeholders; the number of rows it touched.
    async fn execute(&mut self, sql: &str, values: Vec<SqlValue>) -> Result<u64, sqlx::Error>;
    /// The rows with these ids.
    async fn rows_by_id(&mut self, ids: &[&str]) -> Result<HashMap<String, LiveRow>, sqlx::Error>;
    /// `(name, version)` of the production rows of these names.
    async fn production_versions(
        &mut self,
        names: &[&str],
    ) -> Result<Vec<(String, String)>, sqlx::Error>;
    /// `(store_id, revision)`, locked until the transaction ends.
    async fn meta(&mut self) -> Result<(String, i64), sqlx::Error>;
    /// The stored outcome of a change set already applied under `key`.
    async fn applied_outcome(&mut self, key: &str) -> Result<Option<String>, sqlx::Error>;
    /// How many rows the store holds.
    async fn count_rows(&mut self) -> Result<i64, sqlx::Error>;
}

/// Apply a change set inside `tx`: check the store, every precondition (all conflicts are
/// reported), then write every op with its audit entry and move the revision by one. The
/// caller commits; any error leaves the transaction to roll back.
pub(super) async fn apply_in(
    tx: &mut dyn WriteTx,
    changes: &super::ChangeSet,
    progress: super::Progress<'_>,
) -> Result<super::ApplyOutcome, super::StoreError> {
    use super::{ApplyOutcome, StoreError, audit_values, new_id, now_ms, row_from_new};
    changes.check()?;
    let (store_id, revision) = tx.meta().await?;
    if let Some(key) = &changes.idempotency_key
        && let Some(outcome) = tx.applied_outcome(key).await?
    {
        return serde_json::from_str(&outcome).map_err(|e| StoreError::Invalid(e.to_string()));
    }
    if store_id != changes.store_id {
        return Err(StoreError::WrongStore {
            expected: changes.store_id.clone(),
            actual: store_id,
        });
    }
    let rows = tx.rows_by_id(&updated_ids(&changes.ops)).await?;
    let versions = tx
        .production_versions(&inserted_names(&changes.ops))
        .await?;
    let found = conflicts(&changes.ops, &rows, &versions);
    if !found.is_empty() {
        return Err(StoreError::Conflict(found));
    }
    let revision = revision + 1;
    tx.execute(
        "UPDATE store_meta SET revision = $1 WHERE id = 1",
        vec![SqlValue::Int(Some(revision))],
    )
    .await?;
    let now = now_ms();
    let total = changes.ops.len();
    let mut done = 0;
    // Writes go in batches: one statement per patch shape for updates, multi-row inserts for
    // rows and audit entries. A bulk model change of 10,000 rows is a few dozen statements,
    // not 20,000 round trips.
    let mut audits = Vec::with_capacity(total);
    let mut inserts = Vec::new();
    let mut groups: Vec<(&Patch, Vec<(&str, i64)>)> = Vec::new();
    let mut group_of: HashMap<String, usize> = HashMap::new();
    for op in &changes.ops {
        match op {
            Op::Update {
                action,
                id,
                expected_row_version,
                patch,
            } => {
                let key = serde_json::to_string(patch).unwrap_or_default();
                let index = *group_of.entry(key).or_insert_with(|| {
                    groups.push((patch, Vec::new()));
                    groups.len() - 1
                });
                groups[index].1.push((id.as_str(), *expected_row_version));
                let row = &rows[id];
                let (before, after) = audit_values(row, patch);
                audits.push(audit(
                    revision,
                    now,
                    &changes.actor,
                    action.as_str(),
                    Some(row),
                    Some(&before),
                    Some(&after),
                ));
            }
            Op::Insert { action, row, .. } => {
                let live = row_from_new(row, new_id(), now, &changes.actor);
                let after = serde_json::to_value(&live).unwrap_or_default();
                audits.push(audit(
                    revision,
                    now,
                    &changes.actor,
                    action.as_str(),
                    Some(&live),
                    None,
                    Some(&after),
                ));
                inserts.push(live);
            }
        }
    }
    for (patch, targets) in &groups {
        for chunk in targets.chunks(CHUNK / 2 - 16) {
            let (sql, values) = update_many(chunk, patch, now);
            let written = tx.execute(&sql, values).await?;
            if written != chunk.len() as u64 {
                // Another writer got in between the check and the write (possible only where
                // the backend does not serialise writers): refuse the whole set.
                let rows_now = tx
                    .rows_by_id(&chunk.iter().map(|(id, _)| *id).collect::<Vec<_>>())
                    .await?;
                return Err(StoreError::Conflict(conflicts(
                    &changes.ops,
                    &rows_now,
                    &[],
                )));
            }
            done += chunk.len();
            progress(done, total);
        }
    }
    for (sql, values) in insert_rows(&inserts) {
        tx.execute(&sql, values)
            .await
            .map_err(|error| match &error {
                // Two inserts of one version in the same set, or one that raced ours.
                sqlx::Error::Database(db) if db.is_unique_violation() => {
                    StoreError::Conflict(vec![Conflict {
                        prompt_name: String::new(),
                        prompt_version: String::new(),
                        id: None,
                        expected_row_version: None,
                        actual_row_version: None,
                        reason: "a production row with the same name and version exists".to_owned(),
                    }])
                }
                _ => StoreError::from(error),
            })?;
    }
    done += inserts.len();
    progress(done, total);
    for (sql, values) in insert_audit(audits) {
        tx.execute(&sql, values).await?;
    }
    let outcome = ApplyOutcome {
        revision,
        applied: total,
    };
    if let Some(key) = &changes.idempotency_key {
        tx.execute(
            "INSERT INTO applied_changesets (key, revision, outcome, at) VALUES ($1, $2, $3, $4)",
            vec![
                SqlValue::Text(Some(key.clone())),
                SqlValue::Int(Some(revision)),
                SqlValue::Text(Some(serde_json::to_string(&outcome).unwrap_or_default())),
                SqlValue::Int(Some(now)),
            ],
        )
        .await?;
    }
    Ok(outcome)
}

/// Load `restore`'s rows inside `tx`, replacing the store's rows only with `force`. The
/// revision moves past both the store's and the file's; the store keeps the file's id when it
/// has one. The caller commits.
pub(super) async fn restore_in(
    tx: &mut dyn WriteTx,
    restore: &super::export::Restore,
    actor: &str,
    force: bool,
) -> Result<i64, super::StoreError> {
    let (store_id, revision) = tx.meta().await?;
    let existing = tx.count_rows().await?;
    if existing > 0 && !force {
        return Err(super::StoreError::NotEmpty {
            rows: usize::try_from(existing).unwrap_or(usize::MAX),
        });
    }
    tx.execute("DELETE FROM ai_prompt_contents", Vec::new())
        .await?;
    tx.execute("DELETE FROM ai_prompts", Vec::new()).await?;
    for (sql, values) in insert_rows(&restore.rows) {
        tx.execute(&sql, values).await?;
    }
    let revision = revision.max(restore.revision.unwrap_or(0)) + 1;
    let store_id = restore.store_id.clone().unwrap_or(store_id);
    tx.execute(
        "UPDATE store_meta SET store_id = $1, revision = $2 WHERE id = 1",
        vec![
            SqlValue::Text(Some(store_id)),
            SqlValue::Int(Some(revision)),
        ],
    )
    .await?;
    let after = serde_json::json!({ "rows": restore.rows.len(), "replaced_rows": existing });
    let entry = audit(
        revision,
        super::now_ms(),
        actor,
        "restore",
        None,
        None,
        Some(&after),
    );
    for (sql, values) in insert_audit(vec![entry]) {
        tx.execute(&sql, values).await?;
    }
    Ok(revision)
}

/// The columns of an audit entry, as both backends select them.
pub(super) const AUDIT_SELECT: &str = "SELECT revision, at, actor, change, row_id, prompt_name, prompt_version, before, after FROM audit_log";

/// An audit row as stored, with before/after as JSON text.
#[derive(sqlx::FromRow)]
pub(super) struct AuditRow {
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
    pub(super) fn into_entry(self) -> super::AuditEntry {
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

/// Every row, whole, in a stable order: a snapshot.
pub(super) fn select_all() -> String {
    format!(
        "SELECT {JOINED_COLUMNS} FROM ai_prompts p JOIN ai_prompt_contents c ON c.id = p.id \
         ORDER BY p.prompt_name, p.prompt_version, p.id"
    )
}

/// SQLite allows 32,766 bound values a statement and PostgreSQL 65,535; stay well under both.
pub(super) const CHUNK: usize = 900;
