//! [`SqlStore`]: the [`Store`] trait over any SQL backend sqlx can bind our values on, written
//! once. A backend says only what differs, in its [`Dialect`]: how a statement is spelled, how
//! a write transaction takes the store's lock, and how a read sees one moment.

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::{
    Arguments, AssertSqlSafe, Database, Encode, Executor, FromRow, IntoArguments, Pool,
    Transaction, Type,
};

use super::write::{KeptOutcome, SELECT_RULES, WriteTx, apply_in, restore_in};
use super::{AUDIT_SELECT, AuditRow, CHUNK, SqlValue};
use crate::store::prepare::{RulesRow, read_published};
use crate::store::{
    ApplyOutcome, AuditEntry, ChangeSet, Delta, LiveRow, Progress, Published, Restore,
    RestoreOptions, RestoreOutcome, RevisionFeed, Snapshot, Store, StoreError,
};

/// What one SQL backend does differently from another.
pub(in crate::store) trait Dialect: Database {
    /// The shared SQL (`$1…` placeholders, numbered in order of use) as this backend runs it.
    fn spell(sql: &str) -> String;
    /// Begins a transaction that will write; see [`Dialect::LOCK_META`].
    const BEGIN_WRITE: &'static str;
    /// Reads the store's id and revision, holding the store's write lock from then until the
    /// transaction ends, so change sets apply one after another.
    const LOCK_META: &'static str;
    /// Begins a read-only transaction whose reads all see one moment.
    const BEGIN_SNAPSHOT: &'static str;
    /// Whether a commit that returns an error has settled: the database either committed or
    /// rolled back before answering (SQLite, in this process), so looking the write up again
    /// tells which. A server's commit may still be landing after a dropped connection.
    const COMMIT_SETTLES: bool = false;
    /// Statements run before and after reading every row (a snapshot), on its connection.
    const AROUND_WHOLE_READ: Option<(&'static str, &'static str)> = None;
    /// How many rows a statement touched (sqlx has no common trait for it).
    fn rows_affected(result: &Self::QueryResult) -> u64;
    /// A statement run on closing the store, where the backend needs one.
    const ON_CLOSE: Option<&'static str> = None;
    /// Signals when another writer moves the revision, where the database can send them.
    fn revision_feed(_pool: &Pool<Self>) -> Option<RevisionFeed> {
        None
    }
}

/// A store in a SQL database.
pub struct SqlStore<DB: Database> {
    pub(in crate::store) pool: Pool<DB>,
    /// Where it is, for headers and messages (no password).
    pub(in crate::store) location: String,
}

/// A write transaction.
struct SqlTx<DB: Database>(Transaction<'static, DB>);

/// A backend that can bind our four kinds of value ([`SqlValue`]).
trait Binds: Database {
    /// `values` as the backend's arguments, in order.
    fn arguments(values: Vec<SqlValue>) -> Result<Self::Arguments, sqlx::Error>;
}

impl<DB> Binds for DB
where
    DB: Database,
    Option<String>: for<'q> Encode<'q, DB> + Type<DB>,
    Option<i64>: for<'q> Encode<'q, DB> + Type<DB>,
    Option<f64>: for<'q> Encode<'q, DB> + Type<DB>,
    bool: for<'q> Encode<'q, DB> + Type<DB>,
{
    fn arguments(values: Vec<SqlValue>) -> Result<DB::Arguments, sqlx::Error> {
        let mut arguments = DB::Arguments::default();
        for value in values {
            match value {
                SqlValue::Text(v) => arguments.add(v),
                SqlValue::Int(v) => arguments.add(v),
                SqlValue::Real(v) => arguments.add(v),
                SqlValue::Bool(v) => arguments.add(v),
            }
            .map_err(sqlx::Error::Encode)?;
        }
        Ok(arguments)
    }
}

/// A statement with `values` bound, as the backend spells it.
fn bound<DB>(
    sql: &str,
    values: Vec<SqlValue>,
) -> Result<sqlx::query::Query<'static, DB, DB::Arguments>, sqlx::Error>
where
    DB: Dialect + Binds,
    DB::Arguments: IntoArguments<DB>,
{
    // Our SQL is built from constants and `$n` placeholders only; values are bound.
    Ok(sqlx::query_with(
        AssertSqlSafe(DB::spell(sql)),
        DB::arguments(values)?,
    ))
}

/// The same, for a query whose rows are read as `T`.
fn bound_as<DB, T>(
    sql: &str,
    values: Vec<SqlValue>,
) -> Result<sqlx::query::QueryAs<'static, DB, T, DB::Arguments>, sqlx::Error>
where
    DB: Dialect + Binds,
    DB::Arguments: IntoArguments<DB>,
    T: for<'r> FromRow<'r, DB::Row>,
{
    Ok(sqlx::query_as_with(
        AssertSqlSafe(DB::spell(sql)),
        DB::arguments(values)?,
    ))
}

/// Commit a write recorded under idempotency `key`. If the commit itself fails, whether it
/// took effect is unknown (a server may have committed before the connection dropped) — unless
/// the backend settles it ([`Dialect::COMMIT_SETTLES`]): then the key, looked up once more,
/// says whether the write landed (it did: `Ok`) or was rolled back (a plain failure, nothing
/// written). A lookup that fails leaves it unknown; it is never reported as "nothing changed"
/// without knowing.
async fn commit<DB>(
    pool: &Pool<DB>,
    tx: Transaction<'static, DB>,
    key: &str,
) -> Result<(), StoreError>
where
    DB: Dialect + Binds,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    (String,): for<'r> FromRow<'r, DB::Row>,
{
    let under_way = crate::store::CommitUnderWay::start();
    let committed = tx.commit().await;
    drop(under_way);
    let Err(error) = committed else {
        return Ok(());
    };
    if DB::COMMIT_SETTLES {
        let landed = bound_as::<DB, (String,)>(
            "SELECT key FROM applied_changesets WHERE key = $1",
            texts(&[key]),
        )
        .map(|query| query.fetch_optional(pool));
        if let Ok(lookup) = landed {
            match lookup.await {
                Ok(Some(_)) => return Ok(()),
                Ok(None) => return Err(StoreError::RolledBack(error.to_string())),
                Err(_) => {}
            }
        }
    }
    Err(StoreError::Unknown(format!(
        "the commit did not confirm: {error}"
    )))
}

/// The ids as text values, for `IN ($1, …)`.
fn texts(items: &[&str]) -> Vec<SqlValue> {
    items
        .iter()
        .map(|item| SqlValue::Text(Some((*item).to_owned())))
        .collect()
}

// The bounds below say what sqlx must be able to do with a backend: run statements on a
// connection, bind our values, and read rows into our types. SQLite and PostgreSQL meet them.
#[async_trait]
impl<DB> WriteTx for SqlTx<DB>
where
    DB: Dialect + Binds,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    LiveRow: for<'r> FromRow<'r, DB::Row>,
    (String, String): for<'r> FromRow<'r, DB::Row>,
    (String, i64): for<'r> FromRow<'r, DB::Row>,
    (Option<String>, String): for<'r> FromRow<'r, DB::Row>,
    (String,): for<'r> FromRow<'r, DB::Row>,
    (i64,): for<'r> FromRow<'r, DB::Row>,
    RulesRow: for<'r> FromRow<'r, DB::Row>,
{
    async fn execute(&mut self, sql: &str, values: Vec<SqlValue>) -> Result<u64, sqlx::Error> {
        let result = bound::<DB>(sql, values)?.execute(&mut *self.0).await?;
        Ok(DB::rows_affected(&result))
    }

    async fn rows_by_id(&mut self, ids: &[&str]) -> Result<HashMap<String, LiveRow>, sqlx::Error> {
        let mut rows = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            let sql = super::select_by_ids(chunk.len());
            for row in bound_as::<DB, LiveRow>(&sql, texts(chunk))?
                .fetch_all(&mut *self.0)
                .await?
            {
                rows.insert(row.id.clone(), row);
            }
        }
        Ok(rows)
    }

    async fn production_versions(
        &mut self,
        names: &[&str],
    ) -> Result<Vec<(String, String)>, sqlx::Error> {
        let mut versions = Vec::new();
        for chunk in names.chunks(CHUNK) {
            let sql = super::select_production_versions(chunk.len());
            versions.extend(
                bound_as::<DB, (String, String)>(&sql, texts(chunk))?
                    .fetch_all(&mut *self.0)
                    .await?,
            );
        }
        Ok(versions)
    }

    async fn meta(&mut self) -> Result<(String, i64), sqlx::Error> {
        bound_as::<DB, (String, i64)>(DB::LOCK_META, Vec::new())?
            .fetch_one(&mut *self.0)
            .await
    }

    async fn applied_outcome(&mut self, key: &str) -> Result<Option<KeptOutcome>, sqlx::Error> {
        let row = bound_as::<DB, (Option<String>, String)>(
            "SELECT request_sha256, outcome FROM applied_changesets WHERE key = $1",
            texts(&[key]),
        )?
        .fetch_optional(&mut *self.0)
        .await?;
        Ok(row.map(|(request_sha256, outcome)| KeptOutcome {
            outcome,
            request_sha256,
        }))
    }

    async fn published_rules(&mut self) -> Result<Option<RulesRow>, sqlx::Error> {
        bound_as::<DB, RulesRow>(SELECT_RULES, Vec::new())?
            .fetch_optional(&mut *self.0)
            .await
    }

    async fn count_rows(&mut self) -> Result<i64, sqlx::Error> {
        let (count,) = bound_as::<DB, (i64,)>("SELECT COUNT(*) FROM ai_prompts", Vec::new())?
            .fetch_one(&mut *self.0)
            .await?;
        Ok(count)
    }
}

/// Every row `select` gives, sorted, with the store's id and revision, as of one moment.
async fn read_all<DB>(pool: &Pool<DB>, select: &str) -> Result<Snapshot, StoreError>
where
    DB: Dialect + Binds,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    LiveRow: for<'r> FromRow<'r, DB::Row>,
    (String, i64): for<'r> FromRow<'r, DB::Row>,
{
    let mut tx = pool.begin_with(DB::BEGIN_SNAPSHOT).await?;
    let (store_id, revision) = bound_as::<DB, (String, i64)>(super::SELECT_META, Vec::new())?
        .fetch_one(&mut *tx)
        .await?;
    if let Some((before, _)) = DB::AROUND_WHOLE_READ {
        bound::<DB>(before, Vec::new())?.execute(&mut *tx).await?;
    }
    let mut rows = bound_as::<DB, LiveRow>(select, Vec::new())?
        .fetch_all(&mut *tx)
        .await?;
    if let Some((_, after)) = DB::AROUND_WHOLE_READ {
        bound::<DB>(after, Vec::new())?.execute(&mut *tx).await?;
    }
    // Sorted here rather than by the database, which would sort whole rows, templates
    // and all, through its temporary storage.
    rows.sort_unstable_by(|a, b| {
        (&a.prompt_name, &a.prompt_version, &a.id).cmp(&(&b.prompt_name, &b.prompt_version, &b.id))
    });
    tx.commit().await?;
    Ok(Snapshot {
        store_id,
        revision,
        rows,
    })
}

/// The whole rows (content too) of `ids` that exist.
async fn whole_rows<DB>(
    tx: &mut Transaction<'static, DB>,
    ids: &[String],
) -> Result<Vec<LiveRow>, StoreError>
where
    DB: Dialect + Binds,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    LiveRow: for<'r> FromRow<'r, DB::Row>,
{
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let values = chunk
            .iter()
            .map(|id| SqlValue::Text(Some(id.clone())))
            .collect();
        rows.extend(
            bound_as::<DB, LiveRow>(&super::select_whole_by_ids(chunk.len()), values)?
                .fetch_all(&mut **tx)
                .await?,
        );
    }
    Ok(rows)
}

#[async_trait]
impl<DB> Store for SqlStore<DB>
where
    DB: Dialect + Binds,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    LiveRow: for<'r> FromRow<'r, DB::Row>,
    AuditRow: for<'r> FromRow<'r, DB::Row>,
    (String, String): for<'r> FromRow<'r, DB::Row>,
    (String, i64): for<'r> FromRow<'r, DB::Row>,
    (Option<String>, String): for<'r> FromRow<'r, DB::Row>,
    (String,): for<'r> FromRow<'r, DB::Row>,
    (i64,): for<'r> FromRow<'r, DB::Row>,
    RulesRow: for<'r> FromRow<'r, DB::Row>,
    (String, String, i64, i64, Option<String>, Option<i64>): for<'r> FromRow<'r, DB::Row>,
{
    fn location(&self) -> String {
        self.location.clone()
    }

    async fn snapshot(&self) -> Result<Snapshot, StoreError> {
        read_all(&self.pool, &super::select_all()).await
    }

    async fn snapshot_for_diff(&self) -> Result<Snapshot, StoreError> {
        read_all(&self.pool, &super::select_all_for_diff()).await
    }

    async fn rows_by_id(&self, ids: &[String]) -> Result<(i64, Vec<LiveRow>), StoreError> {
        let mut tx = self.pool.begin_with(DB::BEGIN_SNAPSHOT).await?;
        let (_, revision) = bound_as::<DB, (String, i64)>(super::SELECT_META, Vec::new())?
            .fetch_one(&mut *tx)
            .await?;
        let rows = whole_rows(&mut tx, ids).await?;
        tx.commit().await?;
        Ok((revision, rows))
    }

    async fn row_heads(&self, ids: &[String]) -> Result<Vec<LiveRow>, StoreError> {
        let mut rows = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            let values = chunk
                .iter()
                .map(|id| SqlValue::Text(Some(id.clone())))
                .collect();
            rows.extend(
                bound_as::<DB, LiveRow>(&super::select_by_ids(chunk.len()), values)?
                    .fetch_all(&self.pool)
                    .await?,
            );
        }
        Ok(rows)
    }

    fn revision_feed(&self) -> Option<RevisionFeed> {
        DB::revision_feed(&self.pool)
    }

    async fn close(&self) {
        if let Some(sql) = DB::ON_CLOSE
            && let Ok(query) = bound::<DB>(sql, Vec::new())
            && let Err(error) = query.execute(&self.pool).await
        {
            tracing::debug!("closing {}: {sql}: {error}", self.location);
        }
        self.pool.close().await;
    }

    async fn changed_since(&self, since: i64, limit: usize) -> Result<Option<Delta>, StoreError> {
        let mut tx = self.pool.begin_with(DB::BEGIN_SNAPSHOT).await?;
        let (store_id, revision) = bound_as::<DB, (String, i64)>(super::SELECT_META, Vec::new())?
            .fetch_one(&mut *tx)
            .await?;
        if revision < since {
            return Ok(None);
        }
        let entries = bound_as::<DB, (Option<String>, String)>(
            "SELECT row_id, change FROM audit_log WHERE revision > $1",
            vec![SqlValue::Int(Some(since))],
        )?
        .fetch_all(&mut *tx)
        .await?;
        if entries.len() > limit || entries.iter().any(|(_, change)| change == "restore") {
            return Ok(None);
        }
        let mut ids: Vec<String> = entries.into_iter().filter_map(|(id, _)| id).collect();
        ids.sort_unstable();
        ids.dedup();
        let rows = whole_rows(&mut tx, &ids).await?;
        tx.commit().await?;
        Ok(Some(Delta {
            store_id,
            revision,
            rows,
        }))
    }

    async fn rules(&self) -> Result<Option<Published>, StoreError> {
        let row = bound_as::<DB, RulesRow>(SELECT_RULES, Vec::new())?
            .fetch_optional(&self.pool)
            .await?;
        read_published(row)
    }

    async fn revision(&self) -> Result<i64, StoreError> {
        let (revision,) =
            bound_as::<DB, (i64,)>("SELECT revision FROM store_meta WHERE id = 1", Vec::new())?
                .fetch_one(&self.pool)
                .await?;
        Ok(revision)
    }

    async fn apply(
        &self,
        changes: &ChangeSet,
        progress: Progress<'_>,
    ) -> Result<ApplyOutcome, StoreError> {
        // Every write is recorded under a key, so a failed commit can be looked up again.
        let keyed;
        let changes = match &changes.idempotency_key {
            Some(_) => changes,
            None => {
                keyed = ChangeSet {
                    idempotency_key: Some(crate::store::new_id()),
                    ..changes.clone()
                };
                &keyed
            }
        };
        let key = changes.idempotency_key.clone().unwrap_or_default();
        let mut tx = SqlTx(self.pool.begin_with(DB::BEGIN_WRITE).await?);
        let outcome = apply_in(&mut tx, changes, progress).await?;
        commit(&self.pool, tx.0, &key).await?;
        Ok(outcome)
    }

    async fn history(
        &self,
        prompt_name: Option<&str>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let limit = SqlValue::Int(Some(i64::try_from(limit).unwrap_or(i64::MAX)));
        let query = match prompt_name {
            Some(name) => bound_as::<DB, AuditRow>(
                &format!("{AUDIT_SELECT} WHERE prompt_name = $1 ORDER BY seq DESC LIMIT $2"),
                vec![SqlValue::Text(Some(name.to_owned())), limit],
            )?,
            None => bound_as::<DB, AuditRow>(
                &format!("{AUDIT_SELECT} ORDER BY seq DESC LIMIT $1"),
                vec![limit],
            )?,
        };
        let rows = query.fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(AuditRow::into_entry).collect())
    }

    async fn audit_after(
        &self,
        revision: i64,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        // Whole revisions: up to the revision of the `limit`-th entry, then all of it.
        let limit = i64::try_from(limit.max(1)).unwrap_or(i64::MAX);
        let rows = bound_as::<DB, AuditRow>(
            &format!(
                "{AUDIT_SELECT} WHERE revision > $1 AND revision <= COALESCE((SELECT MAX(revision) FROM \
                 (SELECT revision FROM audit_log WHERE revision > $2 ORDER BY revision, seq LIMIT $3) AS head), $4) \
                 ORDER BY revision, seq"
            ),
            vec![
                SqlValue::Int(Some(revision)),
                SqlValue::Int(Some(revision)),
                SqlValue::Int(Some(limit)),
                SqlValue::Int(Some(revision)),
            ],
        )?
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(AuditRow::into_entry).collect())
    }

    async fn webhook_deliveries(&self) -> Result<Vec<crate::store::WebhookDelivery>, StoreError> {
        let rows = bound_as::<DB, (String, String, i64, i64, Option<String>, Option<i64>)>(
            "SELECT endpoint, shown_url, delivered_revision, attempts, last_status, last_attempt_at \
             FROM webhook_deliveries ORDER BY shown_url, endpoint",
            Vec::new(),
        )?
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    endpoint,
                    shown_url,
                    delivered_revision,
                    attempts,
                    last_status,
                    last_attempt_at,
                )| {
                    crate::store::WebhookDelivery {
                        endpoint,
                        shown_url,
                        delivered_revision,
                        attempts,
                        last_status,
                        last_attempt_at,
                    }
                },
            )
            .collect())
    }

    async fn record_delivery(
        &self,
        attempt: &crate::store::DeliveryAttempt,
    ) -> Result<(), StoreError> {
        use SqlValue::{Int, Text};
        let mut tx = self.pool.begin().await?;
        bound::<DB>(
            "INSERT INTO webhook_deliveries (endpoint, shown_url, delivered_revision, attempts) \
             VALUES ($1, $2, $3, 0) ON CONFLICT (endpoint) DO NOTHING",
            vec![
                Text(Some(attempt.endpoint.clone())),
                Text(Some(attempt.shown_url.clone())),
                Int(Some(attempt.start_revision)),
            ],
        )?
        .execute(&mut *tx)
        .await?;
        if attempt.status.is_some() || attempt.delivered.is_some() {
            // A success moves the cursor forward only (a slower, older attempt never moves it
            // back) and clears the count of failures; a failure counts one more.
            bound::<DB>(
                "UPDATE webhook_deliveries SET \
                 delivered_revision = CASE WHEN $1 > delivered_revision THEN $2 ELSE delivered_revision END, \
                 attempts = CASE WHEN $3 > 0 THEN 0 ELSE attempts + 1 END, \
                 last_status = $4, last_attempt_at = $5 WHERE endpoint = $6",
                vec![
                    // No delivery: -1, which moves no cursor and counts a failure.
                    Int(Some(attempt.delivered.unwrap_or(-1))),
                    Int(Some(attempt.delivered.unwrap_or(-1))),
                    Int(Some(attempt.delivered.map_or(0, |_| 1))),
                    Text(attempt.status.clone()),
                    Int(Some(attempt.at)),
                    Text(Some(attempt.endpoint.clone())),
                ],
            )?
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn take_webhook_lease(
        &self,
        holder: &str,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<bool, StoreError> {
        let result = bound::<DB>(
            "UPDATE webhook_lease SET holder = $1, until_ms = $2 \
             WHERE id = 1 AND (holder = $3 OR until_ms < $4)",
            vec![
                SqlValue::Text(Some(holder.to_owned())),
                SqlValue::Int(Some(now_ms.saturating_add(ttl_ms))),
                SqlValue::Text(Some(holder.to_owned())),
                SqlValue::Int(Some(now_ms)),
            ],
        )?
        .execute(&self.pool)
        .await?;
        Ok(DB::rows_affected(&result) == 1)
    }

    async fn history_heads(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        let limit = SqlValue::Int(Some(i64::try_from(limit).unwrap_or(i64::MAX)));
        let rows = bound_as::<DB, AuditRow>(
            "SELECT revision, at, actor, change, row_id, prompt_name, prompt_version, \
             NULL AS before, NULL AS after FROM audit_log ORDER BY seq DESC LIMIT $1",
            vec![limit],
        )?
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(AuditRow::into_entry).collect())
    }

    async fn restore(
        &self,
        restore: &Restore,
        options: &RestoreOptions,
    ) -> Result<RestoreOutcome, StoreError> {
        let keyed;
        let options = match &options.idempotency_key {
            Some(_) => options,
            None => {
                keyed = RestoreOptions {
                    idempotency_key: Some(crate::store::new_id()),
                    ..options.clone()
                };
                &keyed
            }
        };
        let key = options.idempotency_key.clone().unwrap_or_default();
        let mut tx = SqlTx(self.pool.begin_with(DB::BEGIN_WRITE).await?);
        let outcome = restore_in(&mut tx, restore, options).await?;
        commit(&self.pool, tx.0, &key).await?;
        Ok(outcome)
    }

    async fn backup(&self, id: &str) -> Result<Option<Snapshot>, StoreError> {
        let mut tx = self.pool.begin_with(DB::BEGIN_SNAPSHOT).await?;
        let Some((store_id, revision)) = bound_as::<DB, (String, i64)>(
            "SELECT store_id, revision FROM store_backups WHERE id = $1",
            texts(&[id]),
        )?
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(None);
        };
        let rows = bound_as::<DB, LiveRow>(&super::select_backup_rows(), texts(&[id]))?
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(Snapshot {
            store_id,
            revision,
            rows,
        }))
    }
}
