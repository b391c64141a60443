//! Langfuse as a store: `--store langfuse+https://HOST` (or `langfuse+http://` for a
//! local or self-hosted one), its public API under `/api/public/`, keys from
//! `LANGFUSE_PUBLIC_KEY` / `LANGFUSE_SECRET_KEY` (HTTP basic auth, never printed).
//!
//! Mapping (README, "Langfuse"): a Langfuse prompt version is a row — `name` ↔ `prompt_name`, a
//! text prompt's text ↔ `prompt_template`, `config.model` ↔ `ai_model`, `config.max_tokens`,
//! `config.temperature`, `config.description`, `config.subsystem`, `config.workflow_step` ↔
//! the columns of those names, `config.prompt_version` ↔ `prompt_version` (Langfuse's own
//! version numbers are integers it assigns; without the field the row is `v{N}`), the
//! `production` label (or the URL's `?label=`, for an environment that publishes under another)
//! ↔ the active version. `plan`, `list`, `import` and `apply` work on it; `history` and `store
//! restore` do not (Langfuse's public API keeps no audit log of prompts).
//!
//! Langfuse has no transaction across prompts, so `apply` writes one change at a time in the
//! change set's order, checks each change's precondition (the version and labels as read)
//! again just before its write, stops at the first failure, and reports exactly which changes
//! landed ([`StoreError::Partial`]; exit 3 when the failed one's answer was lost). A Langfuse
//! version never changes in place: a change of model or parameters is a new version (its text
//! and `config` copied, the changed fields set, the label moved to it); turning a version off
//! or on moves the label.

use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value, json};

use super::prepare::{Prepared, Write, prepare, read_for_write, refuse_any, sets_a_canary};
use super::{
    ApplyOutcome, AuditEntry, ChangeSet, Conflict, LiveRow, NewRow, Patch, Progress, Published,
    Restore, RestoreOptions, RestoreOutcome, Scope, Snapshot, Store, StoreError,
};
use crate::secret::Secret;

/// Prompts a page of the list asks for (Langfuse's maximum is larger; this keeps pages small).
const PAGE: usize = 50;
/// Pages read at most: 50,000 prompts.
const MAX_PAGES: usize = 1000;

pub struct LangfuseStore {
    client: reqwest::Client,
    /// `https://HOST` (the `langfuse+` prefix removed), without a trailing slash.
    base: String,
    shown: String,
    public_key: Secret,
    secret_key: Secret,
    /// The label that marks the active version (`production`).
    label: String,
}

#[derive(Deserialize)]
struct ListPage {
    data: Vec<ListedPrompt>,
    meta: ListMeta,
}

#[derive(Deserialize)]
struct ListMeta {
    #[serde(rename = "totalPages")]
    total_pages: usize,
}

#[derive(Deserialize)]
struct ListedPrompt {
    name: String,
    versions: Vec<i64>,
}

#[derive(Clone, Deserialize)]
struct PromptVersion {
    name: String,
    version: i64,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    prompt: Value,
    #[serde(default)]
    config: Value,
    #[serde(default)]
    labels: Vec<String>,
}

impl LangfuseStore {
    /// `url` is `langfuse+https://HOST` or `langfuse+http://HOST`.
    pub fn new(
        url: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<LangfuseStore, StoreError> {
        let shown = super::redact(url);
        let (address, query) = url.split_once('?').unwrap_or((url, ""));
        let label = match query
            .split('&')
            .find_map(|pair| pair.strip_prefix("label="))
        {
            None => "production".to_owned(),
            Some(label) if valid_label(label) => label.to_owned(),
            Some(_) => {
                return Err(StoreError::Open {
                    url: shown,
                    message: "`label=` takes a Langfuse label: letters, digits, `_`, `-` or `.`"
                        .to_owned(),
                });
            }
        };
        let base = address
            .strip_prefix("langfuse+")
            .unwrap_or(address)
            .trim_end_matches('/')
            .to_owned();
        let key = |name: &str| {
            env(name)
                .filter(|v| !v.trim().is_empty())
                .map(Secret::new)
                .ok_or_else(|| StoreError::Open {
                    url: shown.clone(),
                    message: format!("{name} is not set: Langfuse's API needs the project's public and secret keys (LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY)"),
                })
        };
        let (public_key, secret_key) = (key("LANGFUSE_PUBLIC_KEY")?, key("LANGFUSE_SECRET_KEY")?);
        let client = super::http::client(&shown, Duration::from_secs(60))?;
        Ok(LangfuseStore {
            client,
            base,
            shown,
            public_key,
            secret_key,
            label,
        })
    }

    /// GET `path` (under `/api/public`), retried on 429 and 5xx.
    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, StoreError> {
        self.request(reqwest::Method::GET, path, None)
            .await
            .map_err(|(error, _)| error)
    }

    /// `method` on `path` (under `/api/public`) with a JSON `body`. 429 is retried after its
    /// `Retry-After` (at most 30 s; Langfuse served nothing); a read is also retried on 5xx,
    /// three times. A failed write says whether its answer was lost (it may have landed).
    async fn request<T: serde::de::DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<T, (StoreError, bool)> {
        let url = format!("{}/api/public{path}", self.base);
        let route = path.split('?').next().unwrap_or(path);
        let write = method != reqwest::Method::GET;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = self
                .client
                .request(method.clone(), &url)
                .basic_auth(self.public_key.expose(), Some(self.secret_key.expose()));
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = match request.send().await {
                Ok(response) => response,
                Err(e) => {
                    let lost = write && !e.is_connect();
                    return Err((
                        StoreError::Remote(format!(
                            "{}: {} {method} {route}: {}",
                            self.shown,
                            if lost {
                                "no answer to"
                            } else {
                                "cannot reach Langfuse for"
                            },
                            super::http::network_failure(&e)
                        )),
                        lost,
                    ));
                }
            };
            let status = response.status();
            let retry = status.as_u16() == 429 || (!write && status.is_server_error());
            if retry && attempt < 4 {
                let wait = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .unwrap_or(1)
                    .min(30);
                tokio::time::sleep(Duration::from_secs(wait)).await;
                continue;
            }
            if status.as_u16() == 401 {
                return Err((
                    StoreError::Remote(format!(
                        "{}: Langfuse refused the keys (401): check LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY",
                        self.shown
                    )),
                    false,
                ));
            }
            if !status.is_success() {
                // A write a server failed on may have landed before it failed.
                let lost = write && status.is_server_error();
                return Err((
                    StoreError::Remote(format!(
                        "{}: Langfuse answered HTTP {} to {method} /api/public{route}",
                        self.shown,
                        status.as_u16(),
                    )),
                    lost,
                ));
            }
            return response.json::<T>().await.map_err(|e| {
                (
                    StoreError::Remote(format!(
                        "{}: Langfuse's answer to {method} {route} is not what its API documents: {e}",
                        self.shown,
                    )),
                    write,
                )
            });
        }
    }

    /// A version as a row.
    fn row(&self, prompt: PromptVersion) -> Result<LiveRow, StoreError> {
        let text = match (prompt.kind.as_deref(), &prompt.prompt) {
            (None | Some("text"), Value::String(text)) => text.clone(),
            _ => {
                return Err(StoreError::Unsupported(format!(
                    "{}: prompt `{}` version {} is a chat prompt; promptctl manages text prompts",
                    self.shown, prompt.name, prompt.version
                )));
            }
        };
        let config = |key: &str| prompt.config.get(key);
        let text_of = |key: &str| config(key).and_then(Value::as_str).map(str::to_owned);
        Ok(LiveRow {
            id: row_id(&prompt.name, prompt.version),
            row_version: precondition(&prompt),
            updated_at: 0,
            prompt_version: text_of("prompt_version")
                .unwrap_or_else(|| format!("v{}", prompt.version)),
            prompt_template: text,
            description: text_of("description"),
            input_schema: config("input_schema").map(|v| match v {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            }),
            output_schema: config("output_schema").map(|v| match v {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            }),
            scope: Scope::Production,
            developer_session_id: None,
            parent_prompt_id: None,
            expires_at: None,
            workflow_step: text_of("workflow_step"),
            subsystem: text_of("subsystem"),
            ai_model: text_of("model"),
            max_tokens: config("max_tokens").and_then(Value::as_i64),
            temperature: config("temperature").and_then(Value::as_f64),
            is_active: prompt.labels.contains(&self.label),
            created_at: 0,
            created_by: None,
            replaced_at: None,
            replaced_by: None,
            canary_model: None,
            canary_percent: None,
            template_sha256: None,
            prompt_name: prompt.name,
        })
    }

    /// One write, its precondition checked again just before it. The error says whether the
    /// write's answer was lost.
    async fn write(
        &self,
        write: &Write<'_>,
        rows: &HashMap<String, LiveRow>,
        actor: &str,
        ours: &mut Ours,
    ) -> Result<(), (StoreError, bool)> {
        match write {
            Write::Insert { action, row, .. } => {
                // Versions of the name as read: one created since is a conflict.
                let read: HashSet<&str> = rows
                    .values()
                    .filter(|r| r.prompt_name == row.prompt_name)
                    .map(|r| r.id.as_str())
                    .collect();
                let listed: ListPage = self
                    .request(
                        reqwest::Method::GET,
                        &format!(
                            "/v2/prompts?name={}&limit={PAGE}",
                            super::http::encode(&row.prompt_name)
                        ),
                        None,
                    )
                    .await?;
                let now: Vec<String> = listed
                    .data
                    .iter()
                    .filter(|p| p.name == row.prompt_name)
                    .flat_map(|p| p.versions.iter().map(|v| row_id(&p.name, *v)))
                    .collect();
                if let Some(new) = now
                    .iter()
                    .find(|id| !read.contains(id.as_str()) && !ours.created.contains(*id))
                {
                    return Err((stale(&row.prompt_name, &row.prompt_version, new), false));
                }
                let mut config = Map::new();
                set_config(&mut config, &ConfigFields::of_new(row));
                let body = json!({
                    "name": row.prompt_name,
                    "type": "text",
                    "prompt": row.prompt_template,
                    "config": config,
                    "labels": if row.is_active { vec![self.label.clone()] } else { Vec::new() },
                    "commitMessage": format!("promptctl: {} by {actor}", action.as_str()),
                });
                self.create(&body, ours).await?;
                if row.is_active {
                    ours.moved.insert(row.prompt_name.clone());
                }
                Ok(())
            }
            Write::Update {
                action, row, patch, ..
            } => {
                let (name, version) = parse_id(&row.id).ok_or_else(|| {
                    (
                        StoreError::Invalid(format!(
                            "`{}` is not a Langfuse row id",
                            row.id.escape_debug()
                        )),
                        false,
                    )
                })?;
                let current: PromptVersion = self
                    .request(
                        reqwest::Method::GET,
                        &format!(
                            "/v2/prompts/{}?version={version}",
                            super::http::encode(name)
                        ),
                        None,
                    )
                    .await?;
                let mut as_now = self.row(current.clone()).map_err(|e| (e, false))?;
                if ours.moved.contains(name) && as_now.is_active != row.is_active {
                    // An earlier write of this apply moved the label off this version: it is
                    // as read but for that.
                    let mut before = current.clone();
                    before.labels.push(self.label.clone());
                    as_now.is_active = row.is_active;
                    as_now.row_version = precondition(&before);
                }
                if as_now != **row {
                    return Err((stale(&row.prompt_name, &row.prompt_version, &row.id), false));
                }
                let content_changes = patch.ai_model.is_some()
                    || patch.max_tokens.is_some()
                    || patch.temperature.is_some()
                    || patch.description.is_some()
                    || patch.subsystem.is_some()
                    || patch.workflow_step.is_some();
                let active = patch.is_active.unwrap_or(row.is_active);
                let mut labels: Vec<String> = current
                    .labels
                    .iter()
                    .filter(|l| **l != self.label)
                    .cloned()
                    .collect();
                if content_changes {
                    // A version never changes in place: the change is a new version, with the
                    // label moved to it when the row is active.
                    let Value::Object(mut config) = current.config.clone() else {
                        return Err((
                            StoreError::Invalid(format!(
                                "{}: the config of {name} version {version} is not an object",
                                self.shown
                            )),
                            false,
                        ));
                    };
                    set_config(&mut config, &ConfigFields::patched(row, patch));
                    let body = json!({
                        "name": name,
                        "type": "text",
                        "prompt": current.prompt,
                        "config": config,
                        "labels": if active { vec![self.label.clone()] } else { Vec::new() },
                        "commitMessage": format!("promptctl: {} of version {version} by {actor}", action.as_str()),
                    });
                    self.create(&body, ours).await?;
                    if active {
                        ours.moved.insert(name.to_owned());
                    }
                    return Ok(());
                }
                if active {
                    labels.push(self.label.clone());
                    ours.moved.insert(name.to_owned());
                } else if !current.labels.contains(&self.label) {
                    // Already off: an earlier write of this apply moved the label away.
                    return Ok(());
                }
                let _: Value = self
                    .request(
                        reqwest::Method::PATCH,
                        &format!(
                            "/v2/prompts/{}/versions/{version}",
                            super::http::encode(name)
                        ),
                        Some(&json!({ "newLabels": labels })),
                    )
                    .await?;
                Ok(())
            }
        }
    }

    /// POST a new version, remembering it as this apply's own.
    async fn create(&self, body: &Value, ours: &mut Ours) -> Result<(), (StoreError, bool)> {
        let created: PromptVersion = self
            .request(reqwest::Method::POST, "/v2/prompts", Some(body))
            .await?;
        ours.created.insert(row_id(&created.name, created.version));
        Ok(())
    }

    fn unsupported(&self, what: &str) -> StoreError {
        StoreError::Unsupported(format!(
            "{}: {what} is not available on Langfuse (its public API keeps no audit log of prompts, and promptctl restores into its own stores); plan, apply, list and import work there",
            self.shown
        ))
    }
}

#[async_trait]
impl Store for LangfuseStore {
    fn location(&self) -> String {
        self.shown.clone()
    }

    async fn snapshot(&self) -> Result<Snapshot, StoreError> {
        let mut rows = Vec::new();
        let mut page = 1;
        loop {
            let listed: ListPage = self
                .get(&format!("/v2/prompts?page={page}&limit={PAGE}"))
                .await?;
            for prompt in listed.data {
                for version in prompt.versions {
                    let found: PromptVersion = self
                        .get(&format!(
                            "/v2/prompts/{}?version={version}",
                            super::http::encode(&prompt.name)
                        ))
                        .await?;
                    rows.push(self.row(found)?);
                }
            }
            if page >= listed.meta.total_pages || page >= MAX_PAGES {
                break;
            }
            page += 1;
        }
        // A change of model or parameters is a new Langfuse version with the same
        // `prompt_version`: the row is the newest of them; the older ones are its history.
        let mut newest: HashMap<(String, String), usize> = HashMap::new();
        for (index, row) in rows.iter().enumerate() {
            let key = (row.prompt_name.clone(), row.prompt_version.clone());
            let number = |r: &LiveRow| parse_id(&r.id).map_or(0, |(_, v)| v);
            match newest.get(&key) {
                Some(&kept) if number(&rows[kept]) > number(row) => {}
                _ => {
                    newest.insert(key, index);
                }
            }
        }
        let keep: HashSet<usize> = newest.into_values().collect();
        let rows: Vec<LiveRow> = rows
            .into_iter()
            .enumerate()
            .filter(|(index, _)| keep.contains(index))
            .map(|(_, row)| row)
            .collect();
        Ok(Snapshot {
            store_id: format!("langfuse:{}", self.base),
            revision: 0,
            rows,
        })
    }

    async fn revision(&self) -> Result<i64, StoreError> {
        // Langfuse keeps no revision of a project's prompts.
        Ok(0)
    }

    async fn rules(&self) -> Result<Option<Published>, StoreError> {
        // Langfuse keeps no rules of record: the project's own catalog and policies judge,
        // and a plan publishes none here.
        Err(StoreError::Unsupported(format!(
            "{}: Langfuse keeps no rules of record",
            self.shown
        )))
    }

    async fn apply(
        &self,
        changes: &ChangeSet,
        progress: Progress<'_>,
    ) -> Result<ApplyOutcome, StoreError> {
        if sets_a_canary(changes) {
            return Err(StoreError::Unsupported(format!(
                "{}: promptctl keeps no canary in Langfuse (Langfuse splits traffic by labels its SDK reads); serve the prompts with `promptctl serve` to split traffic",
                self.shown
            )));
        }
        refuse_any(changes.value_problems())?;
        let snapshot = self.snapshot().await?;
        let (rows, versions) = read_for_write(&changes.ops, snapshot.rows);
        // Langfuse keeps no rules of record: the change set's own (the project's catalog and
        // policies) judge it, whatever rules the plan saw there (none).
        let own = changes.rules.as_ref().map(|update| Published {
            revision: 0,
            at: 0,
            actor: String::new(),
            rules: update.rules.clone(),
        });
        let mut judged = changes.clone();
        if let Some(update) = &mut judged.rules {
            update.expected_digest = Some(update.rules.digest());
        }
        let Prepared { writes, .. } = prepare(
            &judged,
            &snapshot.store_id,
            snapshot.revision,
            own.as_ref(),
            &rows,
            &versions,
        )?;
        let total = writes.len();
        let mut landed: Vec<String> = Vec::new();
        let mut ours = Ours::default();
        for (done, write) in writes.iter().enumerate() {
            let what = describe(write);
            if let Err((error, answer_lost)) =
                self.write(write, &rows, &changes.actor, &mut ours).await
            {
                let not_attempted: Vec<String> = writes[done + 1..].iter().map(describe).collect();
                if landed.is_empty() && !answer_lost {
                    // Nothing written: the error as it is (a stale precondition stays a
                    // conflict, exit 1).
                    return Err(error);
                }
                return Err(StoreError::Partial {
                    store: self.shown.clone(),
                    report: partial_report(&landed, &what, &error, answer_lost, &not_attempted),
                    answer_lost,
                });
            }
            landed.push(what);
            progress(done + 1, total);
        }
        Ok(ApplyOutcome {
            revision: 0,
            applied: total,
        })
    }

    async fn history(
        &self,
        _prompt_name: Option<&str>,
        _limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        Err(self.unsupported("history"))
    }

    async fn restore(
        &self,
        _rows: &Restore,
        _options: &RestoreOptions,
    ) -> Result<RestoreOutcome, StoreError> {
        Err(self.unsupported("store restore"))
    }

    async fn backup(&self, _id: &str) -> Result<Option<Snapshot>, StoreError> {
        Err(self.unsupported("backups"))
    }
}

/// What this apply has done so far, so its own writes are not taken for someone else's: the
/// names whose label it moved, the versions it created.
#[derive(Default)]
struct Ours {
    moved: HashSet<String>,
    created: HashSet<String>,
}

/// A version's precondition: 52 bits of the SHA-256 of its text, config and labels (but
/// `latest`, which Langfuse moves itself), so a label moved in Langfuse's UI between plan and
/// apply makes the plan stale. Never 0, so it reads as a row version.
fn precondition(prompt: &PromptVersion) -> i64 {
    let mut labels: Vec<&str> = prompt
        .labels
        .iter()
        .map(String::as_str)
        .filter(|l| *l != "latest")
        .collect();
    labels.sort_unstable();
    let canonical = json!([prompt.prompt, prompt.config, labels]).to_string();
    let hex = crate::digest::sha256_hex(canonical.as_bytes());
    i64::from_str_radix(&hex[..13], 16).unwrap_or(0).max(1)
}

/// A row's id: the prompt's name and Langfuse's version number.
fn row_id(name: &str, version: i64) -> String {
    format!("langfuse:{name}:{version}")
}

/// The name and version of a row id.
fn parse_id(id: &str) -> Option<(&str, i64)> {
    let (name, version) = id.strip_prefix("langfuse:")?.rsplit_once(':')?;
    Some((name, version.parse().ok()?))
}

/// A label as Langfuse names them.
fn valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 64
        && label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// The fields promptctl keeps in a version's `config`; `None` clears one.
struct ConfigFields {
    model: Option<String>,
    max_tokens: Option<i64>,
    temperature: Option<f64>,
    description: Option<String>,
    subsystem: Option<String>,
    workflow_step: Option<String>,
    input_schema: Option<String>,
    output_schema: Option<String>,
    prompt_version: String,
}

impl ConfigFields {
    fn of_new(row: &NewRow) -> ConfigFields {
        ConfigFields {
            model: Some(row.ai_model.clone()),
            max_tokens: row.max_tokens,
            temperature: row.temperature,
            description: row.description.clone(),
            subsystem: row.subsystem.clone(),
            workflow_step: row.workflow_step.clone(),
            input_schema: row.input_schema.clone(),
            output_schema: row.output_schema.clone(),
            prompt_version: row.prompt_version.clone(),
        }
    }

    fn patched(row: &LiveRow, patch: &Patch) -> ConfigFields {
        ConfigFields {
            model: patch.ai_model.clone().or_else(|| row.ai_model.clone()),
            max_tokens: patch.max_tokens.unwrap_or(row.max_tokens),
            temperature: patch.temperature.unwrap_or(row.temperature),
            description: patch
                .description
                .clone()
                .unwrap_or_else(|| row.description.clone()),
            subsystem: patch
                .subsystem
                .clone()
                .unwrap_or_else(|| row.subsystem.clone()),
            workflow_step: patch
                .workflow_step
                .clone()
                .unwrap_or_else(|| row.workflow_step.clone()),
            input_schema: row.input_schema.clone(),
            output_schema: row.output_schema.clone(),
            prompt_version: row.prompt_version.clone(),
        }
    }
}

/// Set promptctl's fields in `config`, leaving the rest of it (a team's own keys) as it is.
fn set_config(config: &mut Map<String, Value>, fields: &ConfigFields) {
    let schema = |text: &Option<String>| {
        text.as_ref()
            .map(|t| serde_json::from_str::<Value>(t).unwrap_or_else(|_| json!(t)))
    };
    for (key, value) in [
        ("model", fields.model.as_ref().map(|v| json!(v))),
        ("max_tokens", fields.max_tokens.map(|v| json!(v))),
        ("temperature", fields.temperature.map(|v| json!(v))),
        ("description", fields.description.as_ref().map(|v| json!(v))),
        ("subsystem", fields.subsystem.as_ref().map(|v| json!(v))),
        (
            "workflow_step",
            fields.workflow_step.as_ref().map(|v| json!(v)),
        ),
        ("input_schema", schema(&fields.input_schema)),
        ("output_schema", schema(&fields.output_schema)),
        ("prompt_version", Some(json!(fields.prompt_version))),
    ] {
        match value {
            Some(value) => {
                config.insert(key.to_owned(), value);
            }
            None => {
                config.remove(key);
            }
        }
    }
}

/// A write's precondition no longer holds.
fn stale(name: &str, version: &str, id: &str) -> StoreError {
    StoreError::Conflict(vec![Conflict {
        prompt_name: name.to_owned(),
        prompt_version: version.to_owned(),
        id: Some(id.to_owned()),
        expected_row_version: None,
        actual_row_version: None,
        reason: "changed in Langfuse since the plan read it".to_owned(),
    }])
}

/// A write as the report names it.
fn describe(write: &Write<'_>) -> String {
    match write {
        Write::Insert { action, row, .. } => format!(
            "{} {} {}",
            action.as_str(),
            row.prompt_name.escape_debug(),
            row.prompt_version.escape_debug()
        ),
        Write::Update { action, row, .. } => format!(
            "{} {} {} ({})",
            action.as_str(),
            row.prompt_name.escape_debug(),
            row.prompt_version.escape_debug(),
            row.id.escape_debug()
        ),
    }
}

fn partial_report(
    landed: &[String],
    failed: &str,
    error: &StoreError,
    answer_lost: bool,
    not_attempted: &[String],
) -> String {
    let mut out = String::new();
    let list = |out: &mut String, title: &str, items: &[String]| {
        out.push_str(&format!("  {title} ({}):\n", items.len()));
        for item in items {
            out.push_str(&format!("    - {item}\n"));
        }
    };
    list(&mut out, "landed", landed);
    out.push_str(&format!(
        "  {} :\n    - {failed}: {error}\n",
        if answer_lost {
            "outcome unknown (its answer was lost; it may have landed)"
        } else {
            "failed, not landed"
        }
    ));
    list(&mut out, "not attempted", not_attempted);
    out.push_str("  Run `promptctl plan` to see the store as it is now; apply again to finish.");
    out
}
