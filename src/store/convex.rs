//! The story's Convex deployment as a store: `--store convex+https://DEPLOYMENT.convex.cloud`,
//! through the internal functions of `integrations/convex/promptctl.ts` (which the team deploys
//! with its app), called over the deployment's HTTP API (`POST /api/query`, `/api/mutation`)
//! with the deploy key from `CONVEX_DEPLOY_KEY` (admin auth, never printed).
//!
//! Rows are the story's `ai_prompts` documents as its schema declares them. A row's
//! `row_version` is its *precondition*, a 52-bit digest of its fields the module computes: it
//! changes with any edit, by promptctl, the app or the dashboard, so it guards a write as a
//! version counter does, but it does not count (it never reads 1, 2, 3…). Every check is
//! promptctl's ([`super::prepare`]), made before the change set is sent; the module's mutation
//! re-checks every precondition and applies the set as one transaction or refuses it whole.
//!
//! What the story's table cannot hold is refused, not dropped: a canary (no field for it) and,
//! on restore, a `created_by` that is not a Convex id of `users` (left out and said).

use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::prepare::{
    Prepared, Write, next_revision, policy_override_records, prepare, published_audit,
    read_for_write, read_published, refuse_any, rules_for, sets_a_canary,
};
use super::record::row_values;
use super::rules::{self, Published};
use super::{
    ApplyOutcome, AuditEntry, ChangeSet, Conflict, LiveRow, Patch, Progress, Restore,
    RestoreOptions, RestoreOutcome, Snapshot, Store, StoreError, audit_values, new_id, now_ms,
    row_from_new,
};
use crate::secret::Secret;

/// Rows a snapshot page asks for: ~1.3 MB of realistic prompts, well inside what a Convex
/// function may return.
const PAGE: usize = 500;
/// A snapshot read while writes move the revision is read again, at most this often.
const READS: usize = 5;

pub struct ConvexStore {
    client: reqwest::Client,
    /// `https://DEPLOYMENT.convex.cloud`, without a trailing slash.
    base: String,
    shown: String,
    deploy_key: Secret,
}

#[derive(Deserialize)]
struct Page {
    store_id: Option<String>,
    revision: f64,
    rules: Option<RulesDoc>,
    page: Vec<Value>,
    #[serde(rename = "isDone")]
    is_done: bool,
    #[serde(rename = "continueCursor")]
    continue_cursor: String,
}

#[derive(Deserialize)]
struct RulesDoc {
    text: String,
    digest: String,
    revision: f64,
    at: f64,
    actor: String,
}

#[derive(Deserialize)]
struct AuditDoc {
    revision: f64,
    at: f64,
    actor: String,
    change: String,
    row_id: Option<String>,
    prompt_name: Option<String>,
    prompt_version: Option<String>,
    before: Option<String>,
    after: Option<String>,
}

#[derive(Deserialize)]
struct Applied {
    revision: f64,
}

#[derive(Deserialize)]
struct ConflictDoc {
    prompt_name: String,
    prompt_version: String,
    id: Option<String>,
    expected: Option<f64>,
    actual: Option<f64>,
    reason: String,
}

/// The store as one read: the snapshot, and the rules of record with the digest the module
/// keeps of them.
struct Read {
    snapshot: Snapshot,
    published: Option<(Published, String)>,
}

/// Why a call failed: the module refused (its `ConvexError` data, nothing written), or the
/// store could not be asked.
enum Failure {
    Refused(Value),
    Store(StoreError),
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Failure {
        Failure::Store(error)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Query,
    Mutation,
}

impl ConvexStore {
    /// `url` is `convex+https://DEPLOYMENT` (or `convex+http://` for a local backend).
    pub fn new(url: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<ConvexStore, StoreError> {
        let shown = super::redact(url);
        let base = url
            .strip_prefix("convex+")
            .unwrap_or(url)
            .trim_end_matches('/')
            .to_owned();
        let deploy_key = env("CONVEX_DEPLOY_KEY")
            .filter(|v| !v.trim().is_empty())
            .map(Secret::new)
            .ok_or_else(|| StoreError::Open {
                url: shown.clone(),
                message: "CONVEX_DEPLOY_KEY is not set: promptctl calls the deployment's internal functions with its deploy key (the dashboard's Settings → Deploy key)".to_owned(),
            })?;
        let client = super::http::client(&shown, Duration::from_secs(120))?;
        Ok(ConvexStore {
            client,
            base,
            shown,
            deploy_key,
        })
    }

    /// Call `promptctl:{function}`. A query is retried on a transient failure; a mutation never
    /// is, and one whose answer was lost is [`StoreError::Unknown`].
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        kind: Kind,
        function: &str,
        args: Value,
    ) -> Result<T, Failure> {
        let route = match kind {
            Kind::Query => "query",
            Kind::Mutation => "mutation",
        };
        let url = format!("{}/api/{route}", self.base);
        let body =
            json!({ "path": format!("promptctl:{function}"), "args": args, "format": "json" });
        let _under_way = (kind == Kind::Mutation).then(super::CommitUnderWay::start);
        let mut attempt = 1;
        loop {
            let sent = self
                .client
                .post(&url)
                .header(
                    "authorization",
                    format!("Convex {}", self.deploy_key.expose()),
                )
                .json(&body)
                .send()
                .await;
            let retry = match sent {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let answer: Value = match response.json().await {
                        Ok(answer) => answer,
                        Err(e) if kind == Kind::Mutation => {
                            return Err(StoreError::Unknown(format!(
                                "{}: the answer to promptctl:{function} was lost: {}",
                                self.shown,
                                super::http::network_failure(&e)
                            ))
                            .into());
                        }
                        Err(_) => Value::Null,
                    };
                    match status {
                        200 => {
                            return serde_json::from_value(answer["value"].clone()).map_err(|e| {
                                self.remote(format!(
                                    "promptctl:{function} answered what promptctl.ts does not (deploy the module of this promptctl version): {e}"
                                ))
                                .into()
                            });
                        }
                        560 => {
                            if let Some(data) = answer.get("errorData")
                                && data.get("promptctl").is_some()
                            {
                                return Err(Failure::Refused(data.clone()));
                            }
                            return Err(self
                                .remote(format!(
                                    "promptctl:{function} failed (nothing was written): {}",
                                    answer["errorMessage"].as_str().unwrap_or("no message")
                                ))
                                .into());
                        }
                        401 | 403 => {
                            return Err(self
                                .remote(format!(
                                    "the deployment refused the deploy key (HTTP {status}): check CONVEX_DEPLOY_KEY"
                                ))
                                .into());
                        }
                        404 => {
                            return Err(self
                                .remote(format!(
                                    "promptctl:{function} is not deployed: copy integrations/convex/promptctl.ts into the app's convex/ folder and deploy it (see its README)"
                                ))
                                .into());
                        }
                        429 | 502..=504 if kind == Kind::Query => format!("HTTP {status}"),
                        _ if kind == Kind::Mutation && status >= 500 => {
                            return Err(StoreError::Unknown(format!(
                                "{}: the deployment answered HTTP {status} to promptctl:{function}",
                                self.shown
                            ))
                            .into());
                        }
                        _ => {
                            return Err(self
                                .remote(format!(
                                    "HTTP {status} to promptctl:{function}: {}",
                                    answer["message"].as_str().unwrap_or("no message")
                                ))
                                .into());
                        }
                    }
                }
                Err(e) => {
                    let cause = super::http::network_failure(&e);
                    if kind == Kind::Mutation && !e.is_connect() {
                        return Err(StoreError::Unknown(format!(
                            "{}: no answer to promptctl:{function}: {cause}",
                            self.shown
                        ))
                        .into());
                    }
                    if kind == Kind::Mutation {
                        return Err(self.remote(cause).into());
                    }
                    cause
                }
            };
            if attempt == 3 {
                return Err(self.remote(retry).into());
            }
            tokio::time::sleep(Duration::from_millis(300 << attempt)).await;
            attempt += 1;
        }
    }

    fn remote(&self, message: String) -> StoreError {
        StoreError::Remote(format!("{}: {message}", self.shown))
    }

    /// A call whose refusals are store errors the caller does not expect (reads).
    async fn read_call<T: serde::de::DeserializeOwned>(
        &self,
        function: &str,
        args: Value,
    ) -> Result<T, StoreError> {
        self.call(Kind::Query, function, args)
            .await
            .map_err(|failure| match failure {
                Failure::Store(error) => error,
                Failure::Refused(data) => self.remote(format!("refused a read: {data}")),
            })
    }

    /// The whole store at one revision (read again if a write moved it meanwhile), and its
    /// rules of record when `with_rules`.
    async fn read(&self, with_rules: bool) -> Result<Read, StoreError> {
        for _ in 0..READS {
            let mut rows = Vec::new();
            let mut cursor = Value::Null;
            let mut first: Option<(Option<String>, f64, Option<RulesDoc>)> = None;
            let mut moved = false;
            loop {
                let page: Page = self
                    .read_call(
                        "snapshot",
                        json!({
                            "paginationOpts": { "numItems": PAGE, "cursor": cursor },
                            "with_rules": with_rules && first.is_none(),
                        }),
                    )
                    .await?;
                for doc in page.page {
                    rows.push(self.row(doc)?);
                }
                match &first {
                    None => first = Some((page.store_id, page.revision, page.rules)),
                    Some((_, revision, _)) if *revision != page.revision => moved = true,
                    Some(_) => {}
                }
                if page.is_done || moved {
                    break;
                }
                cursor = Value::String(page.continue_cursor);
            }
            if moved {
                continue;
            }
            let (store_id, revision, rules) = first.unwrap_or((None, 0.0, None));
            let published = rules
                .map(|doc| {
                    let published = read_published(Some((
                        doc.revision as i64,
                        doc.at as i64,
                        doc.actor,
                        doc.text,
                    )))?;
                    Ok::<_, StoreError>(published.map(|p| (p, doc.digest)))
                })
                .transpose()?
                .flatten();
            return Ok(Read {
                snapshot: Snapshot {
                    // A deployment promptctl never wrote to has no store id yet: the first
                    // apply mints one (a query cannot write).
                    store_id: store_id.unwrap_or_default(),
                    revision: revision as i64,
                    rows,
                },
                published,
            });
        }
        Err(self.remote(format!(
            "the store kept changing while it was read ({READS} times); try again"
        )))
    }

    /// A document of `ai_prompts` as a row, its precondition as its `row_version`.
    fn row(&self, doc: Value) -> Result<LiveRow, StoreError> {
        let Value::Object(mut doc) = doc else {
            return Err(self.remote("a row of promptctl:snapshot is not an object".to_owned()));
        };
        let id = doc.get("_id").cloned();
        let precondition = doc.remove("precondition");
        doc.insert(
            "row_version".to_owned(),
            precondition.unwrap_or(Value::Null),
        );
        super::row_json::read_row(Value::Object(doc), 0).map_err(|(field, message)| {
            self.remote(format!(
                "row {} of ai_prompts does not read{}: {message}",
                id.as_ref().and_then(Value::as_str).unwrap_or("?"),
                field.map(|f| format!(" (field `{f}`)")).unwrap_or_default()
            ))
        })
    }

    fn refused(&self, data: &Value, store_id: &str) -> StoreError {
        match data["promptctl"].as_str() {
            Some("conflict") => StoreError::Conflict(
                serde_json::from_value::<Vec<ConflictDoc>>(data["conflicts"].clone())
                    .unwrap_or_default()
                    .into_iter()
                    .map(|c| Conflict {
                        prompt_name: c.prompt_name,
                        prompt_version: c.prompt_version,
                        id: c.id,
                        expected_row_version: c.expected.map(|v| v as i64),
                        actual_row_version: c.actual.map(|v| v as i64),
                        reason: c.reason,
                    })
                    .collect(),
            ),
            Some("wrong_store") => StoreError::WrongStore {
                expected: store_id.to_owned(),
                actual: data["actual"].as_str().unwrap_or_default().to_owned(),
            },
            Some("rules_moved") => StoreError::Conflict(vec![Conflict {
                prompt_name: String::new(),
                prompt_version: String::new(),
                id: None,
                expected_row_version: None,
                actual_row_version: None,
                reason: "the store's rules of record were published anew since the plan was made"
                    .to_owned(),
            }]),
            Some("not_empty") => StoreError::NotEmpty { rows: 1 },
            _ => self.remote(format!("promptctl.ts refused the write: {data}")),
        }
    }

    fn no_canary(&self) -> StoreError {
        StoreError::Unsupported(format!(
            "{}: Convex's ai_prompts has no field for a canary (the app reads ai_model alone); serve the prompts with `promptctl serve` to split traffic",
            self.shown
        ))
    }
}

/// A patch as the module's validator takes it: a value sets a field, `null` clears it.
fn patch_args(patch: &Patch) -> Value {
    let mut out = Map::new();
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            out.insert(key.to_owned(), value);
        }
    };
    put("ai_model", patch.ai_model.as_ref().map(|v| json!(v)));
    put("max_tokens", patch.max_tokens.map(|v| json!(v)));
    put("temperature", patch.temperature.map(|v| json!(v)));
    put("description", patch.description.as_ref().map(|v| json!(v)));
    put(
        "workflow_step",
        patch.workflow_step.as_ref().map(|v| json!(v)),
    );
    put("subsystem", patch.subsystem.as_ref().map(|v| json!(v)));
    put("is_active", patch.is_active.map(|v| json!(v)));
    put("replaced_at", patch.replaced_at.map(|v| json!(v)));
    put("replaced_by", patch.replaced_by.as_ref().map(|v| json!(v)));
    Value::Object(out)
}

/// `fields` without the ones that are null: Convex's `v.optional` takes an absent field, not
/// `null`.
fn present(fields: Value) -> Value {
    match fields {
        Value::Object(map) => {
            Value::Object(map.into_iter().filter(|(_, v)| !v.is_null()).collect())
        }
        other => other,
    }
}

#[async_trait]
impl Store for ConvexStore {
    fn location(&self) -> String {
        self.shown.clone()
    }

    async fn snapshot(&self) -> Result<Snapshot, StoreError> {
        Ok(self.read(false).await?.snapshot)
    }

    async fn revision(&self) -> Result<i64, StoreError> {
        let page: Page = self
            .read_call(
                "snapshot",
                json!({ "paginationOpts": { "numItems": 1, "cursor": null }, "with_rules": false }),
            )
            .await?;
        Ok(page.revision as i64)
    }

    async fn rules(&self) -> Result<Option<Published>, StoreError> {
        Ok(self.read(true).await?.published.map(|(p, _)| p))
    }

    async fn apply(
        &self,
        changes: &ChangeSet,
        progress: Progress<'_>,
    ) -> Result<ApplyOutcome, StoreError> {
        if sets_a_canary(changes) {
            return Err(self.no_canary());
        }
        refuse_any(changes.value_problems())?;
        let Read {
            snapshot,
            published,
        } = self.read(true).await?;
        let (rows, versions) = read_for_write(&changes.ops, snapshot.rows);
        let current = published.as_ref().map(|(p, _)| p);
        let Prepared { publishing, writes } = prepare(
            changes,
            &snapshot.store_id,
            snapshot.revision,
            current,
            &rows,
            &versions,
        )?;
        if writes.is_empty() && publishing.is_none() {
            return Ok(ApplyOutcome {
                revision: snapshot.revision,
                applied: 0,
            });
        }
        // Room to count the next revision, as on every store.
        next_revision(snapshot.revision)?;
        let now = now_ms();
        let ops: Vec<Value> = writes
            .iter()
            .map(|write| match write {
                Write::Update {
                    action,
                    row,
                    expected_row_version,
                    patch,
                } => {
                    let (before, after) = audit_values(row, patch);
                    json!({
                        "kind": "update",
                        "change": action.as_str(),
                        "id": row.id,
                        "precondition": expected_row_version,
                        "patch": patch_args(patch),
                        "before": before.to_string(),
                        "after": after.to_string(),
                    })
                }
                Write::Insert {
                    action,
                    row,
                    expect_new_name,
                } => {
                    let mut after =
                        row_values(&row_from_new(row, String::new(), now, &changes.actor));
                    after.remove("id");
                    json!({
                        "kind": "insert",
                        "change": action.as_str(),
                        "row": present(json!({
                            "prompt_name": row.prompt_name,
                            "prompt_version": row.prompt_version,
                            "prompt_template": row.prompt_template,
                            "description": row.description,
                            "input_schema": row.input_schema,
                            "output_schema": row.output_schema,
                            "workflow_step": row.workflow_step,
                            "subsystem": row.subsystem,
                            "ai_model": row.ai_model,
                            "max_tokens": row.max_tokens,
                            "temperature": row.temperature,
                            "is_active": row.is_active,
                        })),
                        "expect_new_name": expect_new_name,
                        "after": Value::Object(after).to_string(),
                    })
                }
            })
            .collect();
        let mut records: Vec<Value> = policy_override_records(changes)
            .into_iter()
            .map(|(change, after)| json!({ "change": change, "after": after.to_string() }))
            .collect();
        let publish = publishing.map(|rules| {
            records.push(json!({
                "change": super::RULES_PUBLISHED,
                "after": published_audit(rules, current).to_string(),
            }));
            json!({ "rules": rules.to_value().to_string(), "digest": rules.digest() })
        });
        let mut args = json!({
            "store_id": snapshot.store_id,
            "new_store_id": new_id(),
            "actor": changes.actor,
            "at": now,
            "rules_digest_read": published.as_ref().map(|(_, digest)| digest),
            "ops": ops,
            "records": records,
        });
        if let Some(publish) = publish {
            args["publish"] = publish;
        }
        let total = writes.len();
        let applied: Applied =
            self.call(Kind::Mutation, "apply", args)
                .await
                .map_err(|failure| match failure {
                    Failure::Store(error) => error,
                    Failure::Refused(data) => self.refused(&data, &snapshot.store_id),
                })?;
        progress(total, total);
        Ok(ApplyOutcome {
            revision: applied.revision as i64,
            applied: total,
        })
    }

    async fn history(
        &self,
        prompt_name: Option<&str>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut args = json!({ "limit": limit.min(10_000) });
        if let Some(name) = prompt_name {
            args["prompt_name"] = json!(name);
        }
        let docs: Vec<AuditDoc> = self.read_call("history", args).await?;
        let parse = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
        Ok(docs
            .into_iter()
            .map(|doc| AuditEntry {
                revision: doc.revision as i64,
                at: doc.at as i64,
                actor: doc.actor,
                change: doc.change,
                row_id: doc.row_id,
                prompt_name: doc.prompt_name,
                prompt_version: doc.prompt_version,
                before: parse(doc.before),
                after: parse(doc.after),
            })
            .collect())
    }

    async fn restore(
        &self,
        restore: &Restore,
        options: &RestoreOptions,
    ) -> Result<RestoreOutcome, StoreError> {
        let Read {
            snapshot,
            published,
        } = self.read(true).await?;
        let current = published.as_ref().map(|(p, _)| p);
        let (rules, publishing) = rules_for(current, options.rules.as_ref())?;
        let verdict = rules::check_restore(&rules, restore, &crate::time::today());
        refuse_any(verdict.refusals)?;
        if options.force {
            return Err(StoreError::Unsupported(format!(
                "{}: a forced restore on Convex is not built: it would delete documents of the app's own table; restore into a deployment whose ai_prompts is empty",
                self.shown
            )));
        }
        if restore.rows.iter().any(|r| r.canary_model.is_some()) {
            return Err(self.no_canary());
        }
        if !snapshot.rows.is_empty() {
            return Err(StoreError::NotEmpty {
                rows: snapshot.rows.len(),
            });
        }
        let mut warnings = verdict.notes;
        let kept_by = restore
            .rows
            .iter()
            .filter(|r| r.created_by.is_some())
            .count();
        if kept_by > 0 {
            warnings.push(format!(
                "created_by of {kept_by} rows was left out: the story's ai_prompts holds a Convex id of `users` there, not a name"
            ));
        }
        let rows: Vec<Value> = restore
            .rows
            .iter()
            .map(|row| {
                present(json!({
                    "old_id": row.id,
                    "prompt_name": row.prompt_name,
                    "prompt_version": row.prompt_version,
                    "prompt_template": row.prompt_template,
                    "description": row.description,
                    "input_schema": row.input_schema,
                    "output_schema": row.output_schema,
                    "scope": row.scope.as_str(),
                    "developer_session_id": row.developer_session_id,
                    "parent_old_id": row.parent_prompt_id,
                    "expires_at": row.expires_at,
                    "workflow_step": row.workflow_step,
                    "subsystem": row.subsystem,
                    "ai_model": row.ai_model,
                    "max_tokens": row.max_tokens,
                    "temperature": row.temperature,
                    "is_active": row.is_active,
                    "created_at": row.created_at,
                    "replaced_at": row.replaced_at,
                    "replaced_by": row.replaced_by,
                }))
            })
            .collect();
        let now = now_ms();
        let mut args = json!({
            "new_store_id": restore.store_id.clone().unwrap_or_else(new_id),
            "revision": restore.revision.unwrap_or(0),
            "actor": options.actor,
            "at": now,
            "rows": rows,
            "records": [],
        });
        if let Some(rules) = publishing {
            args["publish"] =
                json!({ "rules": rules.to_value().to_string(), "digest": rules.digest() });
            args["records"] = json!([{
                "change": super::RULES_PUBLISHED,
                "after": published_audit(rules, current).to_string(),
            }]);
        }
        let applied: Applied =
            self.call(Kind::Mutation, "restore", args)
                .await
                .map_err(|failure| match failure {
                    Failure::Store(error) => error,
                    Failure::Refused(data) => self.refused(&data, &snapshot.store_id),
                })?;
        Ok(RestoreOutcome {
            revision: applied.revision as i64,
            restored: restore.rows.len(),
            backup: None,
            warnings,
        })
    }

    async fn backup(&self, _id: &str) -> Result<Option<Snapshot>, StoreError> {
        // A restore on Convex never replaces rows, so it keeps no backups.
        Ok(None)
    }
}
