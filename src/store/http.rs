//! `HttpStore`: the [`Store`] trait over `promptctl serve`'s API, so plan, apply, list,
//! history and export work unchanged with `--store http(s)://…`.
//!
//! Reads are retried with backoff on connection failures, timeouts and 502/503/504. A change
//! set carries an idempotency key, so it is retried too: if the first attempt was applied and
//! only its response was lost, the server answers the retry with the first outcome.

use std::time::Duration;

use async_trait::async_trait;
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::export::Restore;
use super::wire::{ErrorBody, Health, RestoreRequest, RestoreResponse};
use super::{ApplyOutcome, AuditEntry, ChangeSet, Progress, Snapshot, Store, StoreError, new_id};
use crate::secret::Secret;

/// Attempts per request, the first included.
const ATTEMPTS: u32 = 4;

pub struct HttpStore {
    client: reqwest::Client,
    base: String,
    token: Option<Secret>,
}

impl HttpStore {
    pub fn new(url: &str, token: Option<Secret>) -> Result<HttpStore, StoreError> {
        ensure_tls_provider();
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(300))
            .user_agent(concat!("promptctl/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| StoreError::Open {
                url: url.to_owned(),
                message: e.to_string(),
            })?;
        Ok(HttpStore {
            client,
            base: url.trim_end_matches('/').to_owned(),
            token,
        })
    }

    async fn request<B: Serialize + Sync, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        retry_all: bool,
    ) -> Result<T, StoreError> {
        let url = format!("{}{path}", self.base);
        let mut delay = Duration::from_millis(200);
        let mut attempt = 1;
        loop {
            let mut request = self.client.request(method.clone(), &url);
            if let Some(token) = &self.token {
                request = request.bearer_auth(token.expose());
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let retryable = match request.send().await {
                Ok(response) if response.status().is_success() => {
                    return response.json::<T>().await.map_err(|e| {
                        StoreError::Remote(format!("{url}: unreadable response: {e}"))
                    });
                }
                Ok(response) => {
                    let status = response.status();
                    let transient = matches!(
                        status,
                        StatusCode::BAD_GATEWAY
                            | StatusCode::SERVICE_UNAVAILABLE
                            | StatusCode::GATEWAY_TIMEOUT
                    );
                    let body = response.bytes().await.unwrap_or_default();
                    let error = api_error(&url, status, &body);
                    if !(transient && attempt < ATTEMPTS)
                        || matches!(error, StoreError::Conflict(_))
                    {
                        return Err(error);
                    }
                    error
                }
                Err(error)
                    if error.is_connect()
                        || error.is_timeout()
                        || (retry_all && error.is_request()) =>
                {
                    if attempt >= ATTEMPTS {
                        return Err(StoreError::Remote(format!("{url}: {error}")));
                    }
                    StoreError::Remote(error.to_string())
                }
                Err(error) => return Err(StoreError::Remote(format!("{url}: {error}"))),
            };
            tracing::debug!(%url, attempt, error = %retryable, "retrying");
            tokio::time::sleep(delay).await;
            delay *= 2;
            attempt += 1;
        }
    }
}

/// rustls needs a process-wide crypto provider before any client is built; promptctl uses
/// ring. Installing it again is harmless.
pub fn ensure_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The store error an API error response stands for.
fn api_error(url: &str, status: StatusCode, body: &[u8]) -> StoreError {
    let Ok(ErrorBody { error }) = serde_json::from_slice::<ErrorBody>(body) else {
        return StoreError::Remote(format!("{url}: HTTP {status}"));
    };
    match error.code.as_str() {
        "conflict" => StoreError::Conflict(error.conflicts),
        "wrong_store" => StoreError::WrongStore {
            expected: error.expected_store_id.unwrap_or_default(),
            actual: error.store_id.unwrap_or_default(),
        },
        "not_empty" => StoreError::NotEmpty {
            rows: error.rows.unwrap_or_default(),
        },
        "unprocessable" | "bad_request" => StoreError::Invalid(error.message),
        _ => StoreError::Remote(format!("{url}: HTTP {status}: {}", error.message)),
    }
}

#[async_trait]
impl Store for HttpStore {
    fn location(&self) -> String {
        self.base.clone()
    }

    async fn snapshot(&self) -> Result<Snapshot, StoreError> {
        self.request::<(), _>(Method::GET, "/v1/snapshot", None, true)
            .await
    }

    async fn revision(&self) -> Result<i64, StoreError> {
        let health: Health = self
            .request::<(), _>(Method::GET, "/healthz", None, true)
            .await?;
        Ok(health.revision)
    }

    async fn apply(
        &self,
        changes: &ChangeSet,
        progress: Progress<'_>,
    ) -> Result<ApplyOutcome, StoreError> {
        let mut changes = changes.clone();
        // Without a key a retried change set could apply twice; with one it cannot.
        changes.idempotency_key.get_or_insert_with(new_id);
        let outcome: ApplyOutcome = self
            .request(Method::POST, "/v1/changesets", Some(&changes), true)
            .await?;
        progress(outcome.applied, outcome.applied);
        Ok(outcome)
    }

    async fn history(
        &self,
        prompt_name: Option<&str>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut path = format!("/v1/history?limit={limit}");
        if let Some(name) = prompt_name {
            path.push_str("&name=");
            path.push_str(&encode(name));
        }
        self.request::<(), _>(Method::GET, &path, None, true).await
    }

    async fn restore(
        &self,
        restore: &Restore,
        _actor: &str,
        force: bool,
    ) -> Result<i64, StoreError> {
        let request = RestoreRequest {
            restore: restore.clone(),
            force,
        };
        let response: RestoreResponse = self
            .request(Method::POST, "/v1/restore", Some(&request), false)
            .await?;
        Ok(response.revision)
    }
}

/// Percent-encode a query value.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
