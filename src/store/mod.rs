//! The live state: rows of `ai_prompts`, behind one [`Store`] trait with SQLite and
//! PostgreSQL implementations (one generic SQL store, `sql/`) and an HTTP one ([`http`], over
//! `promptctl serve`).
//!
//! Every write goes through [`Store::apply`] or [`Store::restore`]: one transaction, each
//! update guarded by the `row_version` the plan read, the revision moved by one, every change
//! in the audit log, every value checked ([`values`]). No write path creates a row without
//! `ai_model`; nothing is lost: a forced restore keeps the rows it replaces in a backup.

mod change;
pub mod convex;
mod empty;
pub mod http;
pub mod langfuse;
pub mod postgres;
mod prepare;
pub mod record;
pub mod row_json;
pub mod rules;
mod sql;
pub mod sqlite;
pub mod values;

pub use change::{
    Action, ApplyOutcome, ChangeSet, Conflict, NewRow, Op, Patch, PolicyOverride, audit_values,
    row_from_new,
};
pub use rules::{Published, Refusal, Rules, RulesUpdate};

/// The audit log's `change` for rules of record published with a write.
pub const RULES_PUBLISHED: &str = "rules";

/// The audit log's `change` for a soft-mandatory policy passed by `--override-policy`.
pub const POLICY_OVERRIDE: &str = "policy-override";

/// The actor of a change whose author promptctl could not tell (no `USER`, no git identity).
pub const UNKNOWN_ACTOR: &str = "unknown";

use std::fmt;

use async_trait::async_trait;

/// Who a row belongs to. Only production rows are managed from git.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
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
    /// The model a share of the traffic runs ([`LiveRow::canary_percent`]), if any.
    #[sqlx(default)]
    pub canary_model: Option<String>,
    /// The share of subjects on the canary, in percent (0 < p < 100).
    #[sqlx(default)]
    pub canary_percent: Option<f64>,
    /// The [`template_sha256`] of the template, when the row was read by
    /// [`Store::snapshot_for_diff`] and the store keeps one: the template itself is then
    /// left out (empty). `None` on every other read.
    #[sqlx(default)]
    pub template_sha256: Option<String>,
}

/// The digest a store keeps of each row's template (hex SHA-256 of its UTF-8), so a diff can
/// tell whether git's template is the stored one without reading it.
pub fn template_sha256(template: &str) -> String {
    crate::digest::sha256_hex(template.as_bytes())
}

impl LiveRow {
    /// Whether the read left the template out ([`Store::snapshot_for_diff`]).
    pub fn template_elided(&self) -> bool {
        self.template_sha256.is_some() && self.prompt_template.is_empty()
    }

    /// Whether the row lacks a model (NULL, or blank as some legacy writers left it).
    pub fn lacks_model(&self) -> bool {
        self.ai_model.as_deref().is_none_or(|m| m.trim().is_empty())
    }
}

/// The whole store at one revision.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub store_id: String,
    pub revision: i64,
    pub rows: Vec<LiveRow>,
}

impl Snapshot {
    /// The active production row of every name that has one: the one rule for "the row that
    /// runs" (see [`runs_before`]), for the API, status, cost, import, the diff and the
    /// console alike.
    pub fn active_production(&self) -> std::collections::HashMap<&str, &LiveRow> {
        let mut active: std::collections::HashMap<&str, &LiveRow> =
            std::collections::HashMap::new();
        for row in self
            .rows
            .iter()
            .filter(|r| r.scope == Scope::Production && r.is_active)
        {
            match active.get(row.prompt_name.as_str()) {
                Some(best) if !runs_before(row, best) => {}
                _ => {
                    active.insert(&row.prompt_name, row);
                }
            }
        }
        active
    }
}

/// Whether `a` is the one that runs rather than `b`, of two active production rows of one
/// name (legacy data may hold two): the newer `created_at`, then the greater version
/// ([`version_order`]).
pub fn runs_before(a: &LiveRow, b: &LiveRow) -> bool {
    newer(
        (a.created_at, &a.prompt_version),
        (b.created_at, &b.prompt_version),
    )
}

/// [`runs_before`] on what it reads of a row: created at, and version.
pub fn newer(a: (i64, &str), b: (i64, &str)) -> bool {
    a.0.cmp(&b.0).then_with(|| version_order(a.1, b.1)) == std::cmp::Ordering::Greater
}

/// Versions in the order people number them: runs of digits compare as numbers, so `v10`
/// follows `v9` and `1.10.0` follows `1.9.2`; the rest compares as text.
pub fn version_order(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let digits = |s: &[u8]| s.iter().take_while(|c| c.is_ascii_digit()).count();
                let (na, nb) = (digits(a), digits(b));
                let trim = |s: &[u8]| {
                    let zeros = s.iter().take_while(|c| **c == b'0').count();
                    s[zeros..].to_vec()
                };
                let (da, db) = (trim(&a[..na]), trim(&b[..nb]));
                let order = da.len().cmp(&db.len()).then_with(|| da.cmp(&db));
                if order != Ordering::Equal {
                    return order;
                }
                a = &a[na..];
                b = &b[nb..];
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                a = &a[1..];
                b = &b[1..];
            }
        }
    }
}

/// What changed in the store after some revision.
#[derive(Clone, Debug, PartialEq)]
pub struct Delta {
    pub store_id: String,
    /// The store's revision now.
    pub revision: i64,
    /// Every row changed or created since, whole, as it is now.
    pub rows: Vec<LiveRow>,
}

/// One entry of the audit log.
#[derive(Clone, Debug, PartialEq)]
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

/// A webhook endpoint's delivery state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookDelivery {
    /// A digest of the URL: the URL itself may hold a secret.
    pub endpoint: String,
    /// The URL without its secrets.
    pub shown_url: String,
    /// Every revision up to this one was delivered.
    pub delivered_revision: i64,
    /// Failed attempts since the last success.
    pub attempts: i64,
    /// `200`, `503`, `connection refused`, …
    pub last_status: Option<String>,
    pub last_attempt_at: Option<i64>,
}

/// One delivery attempt to record.
#[derive(Clone, Debug)]
pub struct DeliveryAttempt {
    pub endpoint: String,
    pub shown_url: String,
    /// Where a new endpoint's cursor starts.
    pub start_revision: i64,
    /// The revision delivered, on success.
    pub delivered: Option<i64>,
    pub status: Option<String>,
    pub at: i64,
}

/// How a restore goes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RestoreOptions {
    /// Who restores, for the audit log.
    pub actor: String,
    /// Replace the rows of a non-empty store; they are kept in a backup inside the store.
    pub force: bool,
    /// With `force`, let a restore of no rows empty the store (refused otherwise).
    pub allow_empty: bool,
    /// Set by clients that may retry: a restore with a key already applied is not applied
    /// again; the first outcome is returned.
    pub idempotency_key: Option<String>,
    /// The SHA-256 of the request the key came with (an API body): the key is bound to it,
    /// and the same key with another request is refused.
    pub request_sha256: Option<String>,
    /// Rules of record to publish with the restore; its rows are checked against them.
    pub rules: Option<RulesUpdate>,
}

/// Rows read from an export, ready to restore.
#[derive(Clone, Debug, PartialEq)]
pub struct Restore {
    pub store_id: Option<String>,
    pub revision: Option<i64>,
    pub rows: Vec<LiveRow>,
}

/// Every value of a restored row no write may store, by field: a restored row is held to what
/// a change set's rows are (see [`values`]), except that legacy rows may lack a model and
/// carry their own ids, versions and times.
pub fn restored_row_problems(row: &LiveRow) -> Vec<values::FieldProblem> {
    let mut problems = values::row(&values::RowFields {
        prompt_name: &row.prompt_name,
        prompt_version: &row.prompt_version,
        prompt_template: &row.prompt_template,
        ai_model: row.ai_model.as_deref(),
        workflow_step: row.workflow_step.as_deref(),
        subsystem: row.subsystem.as_deref(),
        input_schema: row.input_schema.as_deref(),
        output_schema: row.output_schema.as_deref(),
        max_tokens: row.max_tokens,
        temperature: row.temperature,
        canary_model: row.canary_model.as_deref(),
        canary_percent: row.canary_percent,
    });
    let mut note = |field: &'static str, checked: Result<(), String>| {
        if let Err(problem) = checked {
            problems.push((field, problem));
        }
    };
    note("id", values::identifier(&row.id));
    note("row_version", values::row_version(row.row_version));
    for (field, value) in [
        ("developer_session_id", &row.developer_session_id),
        ("parent_prompt_id", &row.parent_prompt_id),
        ("created_by", &row.created_by),
        ("replaced_by", &row.replaced_by),
    ] {
        if let Some(value) = value {
            note(field, values::optional_identifier(value));
        }
    }
    for (field, value) in [
        ("created_at", Some(row.created_at)),
        ("updated_at", Some(row.updated_at)),
        ("replaced_at", row.replaced_at),
        ("expires_at", row.expires_at),
    ] {
        if let Some(value) = value {
            note(field, values::time(value));
        }
    }
    problems
}

/// What a restore did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestoreOutcome {
    /// The store's revision after the restore.
    pub revision: i64,
    /// How many rows were restored.
    pub restored: usize,
    /// Where the rows a forced restore replaced are kept; `None` when there were none.
    pub backup: Option<Backup>,
    /// What the restore let in but would refuse in a change set (a policy a legacy row
    /// breaks), one sentence each.
    pub warnings: Vec<String>,
}

/// Rows a forced restore replaced, kept inside the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backup {
    /// Read it back with [`Store::backup`].
    pub id: String,
    pub rows: usize,
    /// The revision the rows were at.
    pub revision: i64,
    /// When they were replaced, milliseconds since the Unix epoch.
    pub at: i64,
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
    /// What this kind of store cannot do.
    #[error("{0}")]
    Unsupported(String),
    /// The write breaks the rules of record: every problem of every op or row.
    #[error("refused: the write breaks the store's rules of record:\n{}", refusals(.0))]
    Refused(Vec<Refusal>),
    #[error("cannot open the store {url}: {message}")]
    Open { url: String, message: String },
    /// A store named that does not exist: only `apply`, `store restore` and `serve` create one.
    #[error(
        "no store at {url}: {why}; `promptctl apply` (or `store restore`) creates it — or check --store"
    )]
    NoStore { url: String, why: String },
    /// Said by [`sql::message`]: the database's own message, without the line of the
    /// server's C source PostgreSQL errors carry. Not a `source`, so it is said once.
    #[error("database error: {}", sql::message(.0))]
    Database(sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Remote(String),
    /// The commit failed and the database rolled the write back: nothing was written.
    #[error("the commit failed and the store rolled it back, so nothing was written: {0}")]
    RolledBack(String),
    /// A store without transactions (Langfuse) stopped part-way: `report` says exactly which
    /// changes landed, which one failed and which were not attempted. `answer_lost`: the
    /// failed change's answer was lost, so whether it landed is unknown (exit 3).
    #[error("the apply stopped part-way ({store} has no transaction across changes):\n{report}")]
    Partial {
        store: String,
        report: String,
        answer_lost: bool,
    },
    /// The write may or may not have happened: the commit (or the server's answer to it) was
    /// lost. Never reported as "nothing changed".
    #[error(
        "the outcome is unknown: {0}. The change may or may not have been applied; run `promptctl plan` or `promptctl history` to see the store as it is"
    )]
    Unknown(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> StoreError {
        StoreError::Database(error)
    }
}

fn refusals(refusals: &[Refusal]) -> String {
    refusals
        .iter()
        .map(|r| format!("  - {r}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn list(conflicts: &[Conflict]) -> String {
    conflicts
        .iter()
        .map(|c| format!("  - {c}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Signals that the store's revision may have moved. Several moves may come as one signal; a
/// signal also follows every reconnection, as moves may have been missed meanwhile.
pub type RevisionFeed = tokio::sync::mpsc::Receiver<()>;

/// Reports progress of a long apply: `(done, total)` ops.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Send + Sync);

/// A live prompt store.
#[async_trait]
pub trait Store: Send + Sync {
    /// Where the store is, for headers and messages (no secrets).
    fn location(&self) -> String;

    /// Every row, with the store's id and revision.
    async fn snapshot(&self) -> Result<Snapshot, StoreError>;

    /// The snapshot a diff reads: a row whose template the store keeps a digest of comes with
    /// the digest (`template_sha256`) and without the template, which a diff compares by
    /// digest. Every other row is whole, as in [`Store::snapshot`].
    async fn snapshot_for_diff(&self) -> Result<Snapshot, StoreError> {
        self.snapshot().await
    }

    /// The whole rows of `ids` that exist, and the revision they were read at.
    async fn rows_by_id(&self, ids: &[String]) -> Result<(i64, Vec<LiveRow>), StoreError> {
        let snapshot = self.snapshot().await?;
        let wanted: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
        let rows = snapshot
            .rows
            .into_iter()
            .filter(|row| wanted.contains(row.id.as_str()))
            .collect();
        Ok((snapshot.revision, rows))
    }

    /// The rows of `ids` that exist, without their content (template empty, schemas absent):
    /// what checking the rows a write names needs, for a fraction of the reading.
    async fn row_heads(&self, ids: &[String]) -> Result<Vec<LiveRow>, StoreError> {
        let (_, mut rows) = self.rows_by_id(ids).await?;
        for row in &mut rows {
            row.prompt_template.clear();
            row.input_schema = None;
            row.output_schema = None;
        }
        Ok(rows)
    }

    /// The store's revision: a cheap way to learn whether anything changed.
    async fn revision(&self) -> Result<i64, StoreError>;

    /// The rules of record the store holds (published by the last write that carried them),
    /// or `None` where none were published and the built-in catalog guards it.
    async fn rules(&self) -> Result<Option<Published>, StoreError>;

    /// The rows changed after `revision`, as they are now, for a reader that holds the store
    /// at `revision` to catch up without reading it all; `None` where the audit log cannot
    /// tell (a restore replaced everything, or more than `limit` rows changed), and a whole
    /// snapshot is needed.
    async fn changed_since(
        &self,
        _revision: i64,
        _limit: usize,
    ) -> Result<Option<Delta>, StoreError> {
        Ok(None)
    }

    /// Let go of the store: a SQLite store folds its write-ahead log into its file first.
    /// Commands call it when they are done; dropping a store without it loses nothing
    /// committed.
    async fn close(&self) {}

    /// A signal each time the revision may have moved (PostgreSQL's LISTEN/NOTIFY), for a
    /// server to refresh at once; `None` where the backend sends none, and it polls. Call it
    /// inside the runtime that will read it.
    fn revision_feed(&self) -> Option<RevisionFeed> {
        None
    }

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

    /// Audit entries of revisions after `revision`, oldest first, at most `limit` — whole
    /// revisions only (a revision is never cut in two). The audit log is the outbox webhooks
    /// are delivered from. Stores that do not keep one for this answer `Unsupported`.
    async fn audit_after(
        &self,
        _revision: i64,
        _limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        Err(StoreError::Unsupported(
            "webhooks need a SQLite or PostgreSQL store".to_owned(),
        ))
    }

    /// Each webhook endpoint's delivery state.
    async fn webhook_deliveries(&self) -> Result<Vec<WebhookDelivery>, StoreError> {
        Err(StoreError::Unsupported(
            "webhooks need a SQLite or PostgreSQL store".to_owned(),
        ))
    }

    /// Record an attempt for `endpoint`: `delivered` moves its cursor (a success); the
    /// endpoint is registered at `start_revision` if new.
    async fn record_delivery(&self, _attempt: &DeliveryAttempt) -> Result<(), StoreError> {
        Err(StoreError::Unsupported(
            "webhooks need a SQLite or PostgreSQL store".to_owned(),
        ))
    }

    /// Take (or keep) the delivery lease for `holder` until `now_ms + ttl_ms`; whether this
    /// holder has it. One replica delivers at a time.
    async fn take_webhook_lease(
        &self,
        _holder: &str,
        _now_ms: i64,
        _ttl_ms: i64,
    ) -> Result<bool, StoreError> {
        Err(StoreError::Unsupported(
            "webhooks need a SQLite or PostgreSQL store".to_owned(),
        ))
    }

    /// The newest `limit` audit entries without their before and after values: who changed
    /// which row when, for readers that need no more (a plan's note of console changes reads
    /// thousands, and a created row's after value is the whole row).
    async fn history_heads(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        let mut entries = self.history(None, limit).await?;
        for entry in &mut entries {
            entry.before = None;
            entry.after = None;
        }
        Ok(entries)
    }

    /// Load rows (from an export) into the store. Refuses a non-empty store unless
    /// `options.force`; then the rows replaced are first kept in a backup inside the store,
    /// named in the outcome.
    async fn restore(
        &self,
        restore: &Restore,
        options: &RestoreOptions,
    ) -> Result<RestoreOutcome, StoreError>;

    /// The rows of a backup a forced restore kept (the store id and revision they were at),
    /// or `None` if the store has no backup of that id.
    async fn backup(&self, id: &str) -> Result<Option<Snapshot>, StoreError>;
}

/// Whether opening a store may create it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// `apply`, `store restore` and `serve`: create the store (file, folders, tables) if need be.
    Create,
    /// Every other command: a store that does not exist is [`StoreError::NoStore`] (a
    /// PostgreSQL database without promptctl's tables reads as an empty store).
    Read,
}

/// The store a read of a store that does not exist yet stands in for: empty, at revision 0.
pub fn not_created(url: &str) -> Box<dyn Store> {
    Box::new(empty::EmptyStore { url: redact(url) })
}

/// Open the store a URL names: `sqlite:PATH`, `postgres://…`, `http(s)://…` (with a bearer
/// token).
pub async fn open(
    url: &str,
    token: Option<crate::secret::Secret>,
    access: Access,
) -> Result<Box<dyn Store>, StoreError> {
    if url.starts_with("http://") || url.starts_with("https://") {
        return Ok(Box::new(http::HttpStore::new(url, token)?));
    }
    if url.starts_with("langfuse+http://") || url.starts_with("langfuse+https://") {
        return Ok(Box::new(langfuse::LangfuseStore::new(url, &|name| {
            std::env::var(name).ok()
        })?));
    }
    if url.starts_with("convex+http://") || url.starts_with("convex+https://") {
        return Ok(Box::new(convex::ConvexStore::new(url, &|name| {
            std::env::var(name).ok()
        })?));
    }
    if let Some(path) = url.strip_prefix("sqlite:") {
        let path = std::path::Path::new(path.strip_prefix("//").unwrap_or(path));
        return Ok(Box::new(match access {
            Access::Create => sqlite::SqliteStore::open(path).await?,
            Access::Read => sqlite::SqliteStore::open_existing(path).await?,
        }));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return match access {
            Access::Create => Ok(Box::new(postgres::PostgresStore::open(url).await?)),
            Access::Read => postgres::PostgresStore::open_existing(url).await,
        };
    }
    Err(StoreError::Open {
        url: redact(url),
        message: "unknown kind of store; use sqlite:PATH, postgres://…, http(s)://…, convex+https://… or langfuse+http(s)://…".to_owned(),
    })
}

/// A URL fit to show or keep (plan headers, saved plans, PR comments, errors, logs): the
/// password of its user info (`postgres://user:***@host/db`), user info that is a token alone
/// (`https://***@host`), and the values of query parameters that carry secrets
/// (`?password=***`, `sslpassword`, `token`, `api_key`, `sig`…) are hidden.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return redact_query(url);
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let shown = match userinfo.split_once(':') {
                Some((user, _password)) => format!("{user}:***"),
                // A user name alone is no secret to a database; to a web server it is
                // usually a token.
                None if scheme.eq_ignore_ascii_case("http")
                    || scheme.eq_ignore_ascii_case("https") =>
                {
                    "***".to_owned()
                }
                None => userinfo.to_owned(),
            };
            format!("{shown}@{host}")
        }
        None => authority.to_owned(),
    };
    format!("{scheme}://{authority}{}", redact_query(tail))
}

/// `tail` (a path, `?query`, `#fragment`) with the values of secret parameters hidden.
fn redact_query(tail: &str) -> String {
    let Some((path, query)) = tail.split_once('?') else {
        return tail.to_owned();
    };
    let (query, fragment) = match query.split_once('#') {
        Some((query, fragment)) => (query, Some(fragment)),
        None => (query, None),
    };
    let query = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) if !value.is_empty() && is_secret_parameter(key) => {
                format!("{key}=***")
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&");
    match fragment {
        Some(fragment) => format!("{path}?{query}#{fragment}"),
        None => format!("{path}?{query}"),
    }
}

/// Query parameters whose value is a secret, in any case, with `-` or `_`.
fn is_secret_parameter(key: &str) -> bool {
    let key: String = key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    matches!(
        key.as_str(),
        "password"
            | "passwd"
            | "pwd"
            | "pass"
            | "sslpassword"
            | "token"
            | "accesstoken"
            | "authtoken"
            | "apikey"
            | "key"
            | "secret"
            | "clientsecret"
            | "sig"
            | "signature"
            | "auth"
            | "authorization"
            | "credential"
            | "credentials"
    ) || key.ends_with("password")
        || key.ends_with("token")
        || key.ends_with("secret")
}

/// Commits (and remote writes) under way in this process: a Ctrl-C then waits for them
/// rather than leave their outcome unknown.
static COMMITS_UNDER_WAY: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many commits are under way.
pub fn commits_under_way() -> usize {
    COMMITS_UNDER_WAY.load(std::sync::atomic::Ordering::SeqCst)
}

/// Marks a commit under way while it lives.
pub(crate) struct CommitUnderWay(());

impl CommitUnderWay {
    pub(crate) fn start() -> CommitUnderWay {
        COMMITS_UNDER_WAY.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        CommitUnderWay(())
    }
}

impl Drop for CommitUnderWay {
    fn drop(&mut self) {
        COMMITS_UNDER_WAY.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A fresh random id for rows and stores.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The audit actor of a change made in the web console by the token named `name`.
pub fn console_actor(name: &str) -> String {
    format!("console ({name})")
}

/// The token name in an audit actor written by the web console; `None` for other actors.
pub fn console_user(actor: &str) -> Option<&str> {
    actor.strip_prefix("console (")?.strip_suffix(')')
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A production row of `name` at `version` on `model`, for unit tests.
#[cfg(test)]
pub(crate) fn test_row(
    id: &str,
    name: &str,
    version: &str,
    model: &str,
    created_at: i64,
) -> LiveRow {
    LiveRow {
        id: id.to_owned(),
        row_version: 1,
        updated_at: created_at,
        prompt_name: name.to_owned(),
        prompt_version: version.to_owned(),
        prompt_template: format!("{name} {version}"),
        description: None,
        input_schema: None,
        output_schema: None,
        scope: Scope::Production,
        developer_session_id: None,
        parent_prompt_id: None,
        expires_at: None,
        workflow_step: None,
        subsystem: None,
        ai_model: Some(model.to_owned()),
        max_tokens: None,
        temperature: None,
        canary_model: None,
        canary_percent: None,
        is_active: true,
        created_at,
        created_by: None,
        replaced_at: None,
        replaced_by: None,
        template_sha256: None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn versions_order_as_people_number_them() {
        use std::cmp::Ordering::{Equal, Greater, Less};
        assert_eq!(super::version_order("v10", "v9"), Greater);
        assert_eq!(super::version_order("1.10.0", "1.9.2"), Greater);
        assert_eq!(super::version_order("v1.0.0", "v1.0.0"), Equal);
        assert_eq!(super::version_order("v1", "v1.0"), Less);
        assert_eq!(super::version_order("v2-beta", "v2-alpha"), Greater);
        assert_eq!(super::version_order("v007", "v7"), Equal);
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact("postgres://u:pw@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(super::redact("postgres://h/db"), "postgres://h/db");
        assert_eq!(super::redact("sqlite:a.db"), "sqlite:a.db");
        assert_eq!(
            super::redact("postgres://u:p@ss@h:5432/db?sslmode=require&password=pw&PGPassword=x#f"),
            "postgres://u:***@h:5432/db?sslmode=require&password=***&PGPassword=***#f"
        );
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            super::redact("https://ghp_secret@prompts.example/api?api_key=k&limit=3"),
            "https://***@prompts.example/api?api_key=***&limit=3"
        );
        assert_eq!(
            super::redact("http://u:pw@h/x/y@z"),
            "http://u:***@h/x/y@z",
            "an @ in the path is not user info"
        );
        assert_eq!(
            super::redact("postgres://h/db?password="),
            "postgres://h/db?password="
        );
    }
}
