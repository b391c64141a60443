//! Langfuse as a store, read side: `--store langfuse+https://HOST` (or `langfuse+http://` for a
//! local or self-hosted one), its public API under `/api/public/`, keys from
//! `LANGFUSE_PUBLIC_KEY` / `LANGFUSE_SECRET_KEY` (HTTP basic auth, never printed).
//!
//! Mapping (README, "Langfuse"): a Langfuse prompt version is a row — `name` ↔ `prompt_name`, a
//! text prompt's text ↔ `prompt_template`, `config.model` ↔ `ai_model`, `config.max_tokens`,
//! `config.temperature`, `config.description`, `config.subsystem`, `config.workflow_step` ↔
//! the columns of those names, `config.prompt_version` ↔ `prompt_version` (Langfuse's own
//! version numbers are integers it assigns; without the field the row is `v{N}`), the
//! `production` label ↔ the active version. `plan`, `list` and `import` read it; writes
//! (`apply`, `store restore`) are not built yet and say so.

use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::Value;

use super::{
    ApplyOutcome, AuditEntry, ChangeSet, LiveRow, Progress, Published, Restore, RestoreOptions,
    RestoreOutcome, Scope, Snapshot, Store, StoreError,
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

#[derive(Deserialize)]
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
        let base = url
            .strip_prefix("langfuse+")
            .unwrap_or(url)
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
            label: "production".to_owned(),
        })
    }

    /// GET `path` (under `/api/public`), retried on 429 (after `Retry-After`, at most 30 s) and
    /// 5xx, three times.
    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, StoreError> {
        let url = format!("{}/api/public{path}", self.base);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let response = self
                .client
                .get(&url)
                .basic_auth(self.public_key.expose(), Some(self.secret_key.expose()))
                .send()
                .await
                .map_err(|e| {
                    StoreError::Remote(format!(
                        "{}: cannot reach Langfuse: {}",
                        self.shown,
                        std::error::Error::source(&e)
                            .map_or_else(|| e.to_string(), ToString::to_string)
                    ))
                })?;
            let status = response.status();
            if (status.as_u16() == 429 || status.is_server_error()) && attempt < 4 {
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
                return Err(StoreError::Remote(format!(
                    "{}: Langfuse refused the keys (401): check LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY",
                    self.shown
                )));
            }
            if !status.is_success() {
                return Err(StoreError::Remote(format!(
                    "{}: Langfuse answered HTTP {} to GET /api/public{}",
                    self.shown,
                    status.as_u16(),
                    path.split('?').next().unwrap_or(path)
                )));
            }
            return response.json::<T>().await.map_err(|e| {
                StoreError::Remote(format!(
                    "{}: Langfuse's answer to {} is not what its API documents: {e}",
                    self.shown,
                    path.split('?').next().unwrap_or(path)
                ))
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
            id: format!("langfuse:{}:{}", prompt.name, prompt.version),
            // A Langfuse version never changes in place; only labels move.
            row_version: 1,
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

    fn unsupported(&self, what: &str) -> StoreError {
        StoreError::Unsupported(format!(
            "{}: {what} on Langfuse is not built yet (promptctl reads Langfuse: plan, list, import)",
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
        _changes: &ChangeSet,
        _progress: Progress<'_>,
    ) -> Result<ApplyOutcome, StoreError> {
        Err(self.unsupported("apply"))
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
