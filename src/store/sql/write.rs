//! A change set and a restore inside a write transaction, the same for every backend: check
//! the store and every precondition, then write in batches, audit, and move the revision.
//! Backends provide only the few primitives of [`WriteTx`].

use std::collections::HashMap;

use super::{
    CHUNK, SqlValue, audit, back_up_rows, insert_audit, insert_rows, inserted_names, update_many,
    updated_ids,
};
use crate::store::prepare::{
    Prepared, RulesRow, Write, next_revision, policy_override_records, prepare, published_audit,
    read_published, refuse_any, rules_for,
};
use crate::store::record::{AppliedRecord, RestoredRecord, row_values};
use crate::store::rules::{self, Published, Rules};
use crate::store::{
    Action, ApplyOutcome, Backup, ChangeSet, Conflict, LiveRow, NewRow, Patch, Progress,
    RULES_PUBLISHED, Restore, RestoreOptions, RestoreOutcome, StoreError, audit_values, new_id,
    now_ms, row_from_new,
};

/// The few things a backend's write transaction must do; the change-set logic above them is
/// shared by [`apply_in`] and [`restore_in`].
#[async_trait::async_trait]
pub(in crate::store) trait WriteTx: Send {
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
    /// The stored outcome of a change set or restore already applied under `key`.
    async fn applied_outcome(&mut self, key: &str) -> Result<Option<KeptOutcome>, sqlx::Error>;
    /// How many rows the store holds.
    async fn count_rows(&mut self) -> Result<i64, sqlx::Error>;
    /// The newest published rules: revision, time, actor and the document's text.
    async fn published_rules(&mut self) -> Result<Option<RulesRow>, sqlx::Error>;
}

pub(in crate::store) const SELECT_RULES: &str =
    "SELECT revision, at, actor, rules FROM store_rules ORDER BY revision DESC LIMIT 1";

/// Publish `rules` at `revision`, with its audit entry.
async fn publish(
    tx: &mut dyn WriteTx,
    rules: &Rules,
    before: Option<&Published>,
    revision: i64,
    now: i64,
    actor: &str,
) -> Result<Vec<SqlValue>, StoreError> {
    let digest = rules.digest();
    tx.execute(
        "INSERT INTO store_rules (revision, at, actor, digest, rules) VALUES ($1, $2, $3, $4, $5)",
        vec![
            SqlValue::Int(Some(revision)),
            SqlValue::Int(Some(now)),
            SqlValue::Text(Some(actor.to_owned())),
            SqlValue::Text(Some(digest.clone())),
            SqlValue::Text(Some(rules.to_value().to_string())),
        ],
    )
    .await?;
    let after = published_audit(rules, before);
    Ok(audit(
        revision,
        now,
        actor,
        RULES_PUBLISHED,
        None,
        None,
        Some(&after),
    ))
}

/// Apply a change set inside `tx`: check the store, every precondition (all conflicts are
/// reported), then write every op that changes something, with its audit entry, and move the
/// revision by one. A set that changes nothing (no ops, or only values the rows already hold)
/// writes nothing, not even a revision. The caller commits; any error leaves the transaction
/// to roll back.
pub(in crate::store) async fn apply_in(
    tx: &mut dyn WriteTx,
    changes: &ChangeSet,
    progress: Progress<'_>,
) -> Result<ApplyOutcome, StoreError> {
    // Values no row may hold refuse the set before the store is even locked.
    refuse_any(changes.value_problems())?;
    let (store_id, revision) = tx.meta().await?;
    if let Some(key) = &changes.idempotency_key
        && let Some(kept) = tx.applied_outcome(key).await?
    {
        return stored::<AppliedRecord, _>(key, &kept, changes.request_sha256.as_deref());
    }
    let current = read_published(tx.published_rules().await?)?;
    let rows = tx.rows_by_id(&updated_ids(&changes.ops)).await?;
    let versions = tx
        .production_versions(&inserted_names(&changes.ops))
        .await?;
    let Prepared { publishing, writes } = prepare(
        changes,
        &store_id,
        revision,
        current.as_ref(),
        &rows,
        &versions,
    )?;
    if writes.is_empty() && publishing.is_none() {
        return Ok(ApplyOutcome {
            revision,
            applied: 0,
        });
    }
    let revision = next_revision(revision)?;
    tx.execute(
        "UPDATE store_meta SET revision = $1 WHERE id = 1",
        vec![SqlValue::Int(Some(revision))],
    )
    .await?;
    let now = now_ms();
    let total = writes.len();
    let mut done = 0;
    // Writes go in batches: one statement per patch shape for updates, multi-row inserts for
    // rows and audit entries. A bulk model change of 10,000 rows is a few dozen statements,
    // not 20,000 round trips.
    // Updates first (a replace turns the old version off before the new one is written), each
    // patch shape one statement per chunk; then inserts, a chunk at a time: a first apply of
    // 100,000 prompts never holds a second copy of every template (rows, bind values and audit
    // entries are made for a chunk, written and dropped). Audit entries follow the same order.
    let mut audits = Audits::default();
    let mut groups: Vec<(Patch, Vec<(&str, i64)>)> = Vec::new();
    let mut group_of: HashMap<String, usize> = HashMap::new();
    for write in &writes {
        let Write::Update {
            action,
            row,
            expected_row_version,
            patch,
        } = write
        else {
            continue;
        };
        let (before, after) = audit_values(row, patch);
        audits
            .push(
                tx,
                audit(
                    revision,
                    now,
                    &changes.actor,
                    action.as_str(),
                    Some(row),
                    Some(&before),
                    Some(&after),
                ),
            )
            .await?;
        let key = after.to_string();
        let index = *group_of.entry(key).or_insert_with(|| {
            groups.push(((**patch).clone(), Vec::new()));
            groups.len() - 1
        });
        groups[index]
            .1
            .push((row.id.as_str(), *expected_row_version));
    }
    for (patch, targets) in &groups {
        for chunk in targets.chunks(CHUNK / 2 - 16) {
            let (sql, values) = update_many(chunk, patch, now);
            let written = tx.execute(&sql, values).await?;
            if written != chunk.len() as u64 {
                // Another writer got in between the check and the write (possible only where
                // the backend does not serialise writers): refuse the whole set, naming the
                // rows of this statement that did not move as expected.
                let ids: Vec<&str> = chunk.iter().map(|(id, _)| *id).collect();
                let rows_now = tx.rows_by_id(&ids).await?;
                return Err(StoreError::Conflict(unwritten(chunk, &rows, &rows_now)));
            }
            done += chunk.len();
            progress(done, total);
        }
    }
    let inserts: Vec<(Action, &NewRow)> = writes
        .iter()
        .filter_map(|write| match write {
            Write::Insert { action, row, .. } => Some((*action, *row)),
            Write::Update { .. } => None,
        })
        .collect();
    for chunk in inserts.chunks(CHUNK / 20) {
        let live: Vec<LiveRow> = chunk
            .iter()
            .map(|(_, row)| row_from_new(row, new_id(), now, &changes.actor))
            .collect();
        for (sql, values) in insert_rows(&live) {
            tx.execute(&sql, values)
                .await
                .map_err(|error| match &error {
                    // Inserts were checked against the store and each other above; only a writer
                    // outside promptctl can have raced one in.
                    sqlx::Error::Database(db) if db.is_unique_violation() => {
                        StoreError::Conflict(vec![Conflict {
                            prompt_name: String::new(),
                            prompt_version: String::new(),
                            id: None,
                            expected_row_version: None,
                            actual_row_version: None,
                            reason: "a new version was created by another writer meanwhile: \
                                 a production row with the same name and version exists"
                                .to_owned(),
                        }])
                    }
                    _ => StoreError::from(error),
                })?;
        }
        for ((action, _), row) in chunk.iter().zip(&live) {
            let after = serde_json::Value::Object(row_values(row));
            audits
                .push(
                    tx,
                    audit(
                        revision,
                        now,
                        &changes.actor,
                        action.as_str(),
                        Some(row),
                        None,
                        Some(&after),
                    ),
                )
                .await?;
        }
        done += chunk.len();
        progress(done, total);
    }
    if let Some(rules) = publishing {
        let entry = publish(tx, rules, current.as_ref(), revision, now, &changes.actor).await?;
        audits.push(tx, entry).await?;
    }
    for (change, record) in policy_override_records(changes) {
        let entry = audit(
            revision,
            now,
            &changes.actor,
            change,
            None,
            None,
            Some(&record),
        );
        audits.push(tx, entry).await?;
    }
    audits.flush(tx).await?;
    let outcome = ApplyOutcome {
        revision,
        applied: total,
    };
    if let Some(key) = &changes.idempotency_key {
        let kept = (key.as_str(), changes.request_sha256.as_deref());
        record_outcome(tx, kept, revision, &AppliedRecord::from(&outcome), now).await?;
    }
    Ok(outcome)
}

/// Audit entries on their way into the log: written a statement's worth at a time, so a large
/// change set never holds all of them.
#[derive(Default)]
struct Audits {
    pending: Vec<Vec<SqlValue>>,
}

impl Audits {
    /// Entries per statement.
    const BATCH: usize = CHUNK / 9;

    async fn push(&mut self, tx: &mut dyn WriteTx, entry: Vec<SqlValue>) -> Result<(), StoreError> {
        self.pending.push(entry);
        if self.pending.len() >= Self::BATCH {
            self.flush(tx).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, tx: &mut dyn WriteTx) -> Result<(), StoreError> {
        for (sql, values) in insert_audit(std::mem::take(&mut self.pending)) {
            tx.execute(&sql, values).await?;
        }
        Ok(())
    }
}

/// The rows of one update statement that did not move from the version the change set
/// expected to the next: changed, refused or deleted by another writer meanwhile.
fn unwritten(
    chunk: &[(&str, i64)],
    rows: &HashMap<String, LiveRow>,
    rows_now: &HashMap<String, LiveRow>,
) -> Vec<Conflict> {
    chunk
        .iter()
        .filter_map(|&(id, expected)| {
            let was = rows.get(id);
            let now = rows_now.get(id);
            if now.is_some_and(|row| row.row_version == expected + 1) {
                return None;
            }
            let named = now.or(was);
            Some(Conflict {
                prompt_name: named.map(|r| r.prompt_name.clone()).unwrap_or_default(),
                prompt_version: named.map(|r| r.prompt_version.clone()).unwrap_or_default(),
                id: Some(id.to_owned()),
                expected_row_version: Some(expected),
                actual_row_version: now.map(|r| r.row_version),
                reason: match now {
                    None => "was deleted by another writer while the change set was written"
                        .to_owned(),
                    Some(row) if row.row_version == expected => {
                        "was not updated: another writer holds or refused it".to_owned()
                    }
                    Some(row) => format!(
                        "row_version is {} (the plan read {expected}): changed by another writer while the change set was written",
                        row.row_version
                    ),
                },
            })
        })
        .collect()
}

/// What a store kept under an idempotency key: the outcome (its v1 shape), and the digest of
/// the request the key came with, when the caller gave one.
pub(in crate::store) struct KeptOutcome {
    pub outcome: String,
    pub request_sha256: Option<String>,
}

/// The outcome kept under `key`, if this request is the one the key was first sent with: a
/// key is bound to its request, so a different request under a used key is refused rather
/// than answered with another request's outcome (and silently dropped).
fn stored<V: serde::de::DeserializeOwned + Into<T>, T>(
    key: &str,
    kept: &KeptOutcome,
    request_sha256: Option<&str>,
) -> Result<T, StoreError> {
    if let (Some(first), Some(this)) = (kept.request_sha256.as_deref(), request_sha256)
        && first != this
    {
        return Err(StoreError::Invalid(format!(
            "the idempotency key `{}` was already used for a different request; a retry resends the same request, a new request needs a new key",
            key.escape_debug()
        )));
    }
    serde_json::from_str::<V>(&kept.outcome)
        .map(Into::into)
        .map_err(|e| StoreError::Invalid(format!("a stored outcome does not read: {e}")))
}

/// Remember the outcome of a change set (or restore) under its idempotency key, so a retry
/// of the same request returns it instead of applying again.
async fn record_outcome(
    tx: &mut dyn WriteTx,
    (key, request_sha256): (&str, Option<&str>),
    revision: i64,
    outcome: &impl serde::Serialize,
    now: i64,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO applied_changesets (key, revision, outcome, at, request_sha256) \
         VALUES ($1, $2, $3, $4, $5)",
        vec![
            SqlValue::Text(Some(key.to_owned())),
            SqlValue::Int(Some(revision)),
            SqlValue::Text(Some(serde_json::to_string(outcome).unwrap_or_default())),
            SqlValue::Int(Some(now)),
            SqlValue::Text(request_sha256.map(str::to_owned)),
        ],
    )
    .await?;
    Ok(())
}

/// Load `restore`'s rows inside `tx`, replacing the store's rows only with `force`: those are
/// first copied, whole, into a backup inside the store, so a restore loses nothing. A forced
/// restore of no rows (it would empty the store) needs `allow_empty`. The revision moves past
/// both the store's and the file's; the store keeps the file's id when it has one. The
/// caller commits.
pub(in crate::store) async fn restore_in(
    tx: &mut dyn WriteTx,
    restore: &Restore,
    options: &RestoreOptions,
) -> Result<RestoreOutcome, StoreError> {
    let (store_id, revision) = tx.meta().await?;
    if let Some(key) = &options.idempotency_key
        && let Some(kept) = tx.applied_outcome(key).await?
    {
        return stored::<RestoredRecord, _>(key, &kept, options.request_sha256.as_deref());
    }
    let current = read_published(tx.published_rules().await?)?;
    let (rules, publishing) = rules_for(current.as_ref(), options.rules.as_ref())?;
    let verdict = rules::check_restore(&rules, restore, &crate::time::today());
    refuse_any(verdict.refusals)?;
    let existing = usize::try_from(tx.count_rows().await?).unwrap_or(usize::MAX);
    if existing > 0 && !options.force {
        return Err(StoreError::NotEmpty { rows: existing });
    }
    if existing > 0 && restore.rows.is_empty() && !options.allow_empty {
        return Err(StoreError::Invalid(format!(
            "the restore holds no rows, so it would empty the store of its {existing} rows; \
             say so explicitly (`--allow-empty`, or `\"allow_empty\": true`) if that is meant"
        )));
    }
    let now = now_ms();
    let backup = if existing > 0 {
        let backup = Backup {
            id: new_id(),
            rows: existing,
            revision,
            at: now,
        };
        tx.execute(
            "INSERT INTO store_backups (id, store_id, revision, at, actor, rows) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            vec![
                SqlValue::Text(Some(backup.id.clone())),
                SqlValue::Text(Some(store_id.clone())),
                SqlValue::Int(Some(revision)),
                SqlValue::Int(Some(now)),
                SqlValue::Text(Some(options.actor.clone())),
                SqlValue::Int(Some(i64::try_from(existing).unwrap_or(i64::MAX))),
            ],
        )
        .await?;
        tx.execute(
            &back_up_rows(),
            vec![SqlValue::Text(Some(backup.id.clone()))],
        )
        .await?;
        Some(backup)
    } else {
        None
    };
    tx.execute("DELETE FROM ai_prompt_contents", Vec::new())
        .await?;
    tx.execute("DELETE FROM ai_prompts", Vec::new()).await?;
    for (sql, values) in insert_rows(&restore.rows) {
        tx.execute(&sql, values).await?;
    }
    let revision = next_revision(revision.max(restore.revision.unwrap_or(0)))?;
    let store_id = restore.store_id.clone().unwrap_or(store_id);
    tx.execute(
        "UPDATE store_meta SET store_id = $1, revision = $2 WHERE id = 1",
        vec![
            SqlValue::Text(Some(store_id)),
            SqlValue::Int(Some(revision)),
        ],
    )
    .await?;
    let after = serde_json::json!({
        "rows": restore.rows.len(),
        "replaced_rows": existing,
        "backup": backup.as_ref().map(|b| &b.id),
    });
    let entry = audit(
        revision,
        now,
        &options.actor,
        "restore",
        None,
        None,
        Some(&after),
    );
    let mut entries = vec![entry];
    if let Some(rules) = publishing {
        entries.push(publish(tx, rules, current.as_ref(), revision, now, &options.actor).await?);
    }
    for (sql, values) in insert_audit(entries) {
        tx.execute(&sql, values).await?;
    }
    let outcome = RestoreOutcome {
        revision,
        restored: restore.rows.len(),
        backup,
        warnings: verdict.notes,
    };
    if let Some(key) = &options.idempotency_key {
        let kept = (key.as_str(), options.request_sha256.as_deref());
        record_outcome(tx, kept, revision, &RestoredRecord::from(&outcome), now).await?;
    }
    Ok(outcome)
}
