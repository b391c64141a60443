//! `HttpStore`: the [`Store`] trait over `promptctl serve`'s API, so plan, apply, list,
//! history, export and restore work unchanged with `--store http(s)://…`.
//!
//! Every request is retried with backoff on connection failures, timeouts and 502/503/504.
//! Writes (change sets and restores) carry an idempotency key, so a retry whose first attempt
//! was applied — only its answer lost — gets the first outcome instead of applying twice. When
//! every attempt of a write fails after one may have reached the server, the outcome is
//! reported as unknown, never as "nothing changed".

use std::time::{Duration, Instant};

use async_trait::async_trait;
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{
    ApplyOutcome, AuditEntry, ChangeSet, Progress, Published, Restore, RestoreOptions,
    RestoreOutcome, Snapshot, Store, StoreError, new_id,
};
use crate::formats::export_v1::{self, ExportV1};
use crate::formats::http_v1::{
    ApplyOutcomeV1, AuditEntryV1, ChangeSetV1, ErrorBodyV1, HealthV1, PublishedRulesV1,
    RestoreRequestV1, RestoreResponseV1, RulesUpdateV1, SnapshotV1,
};
use crate::secret::Secret;

/// Attempts per request, the first included.
const ATTEMPTS: u32 = 4;

pub struct HttpStore {
    client: reqwest::Client,
    base: String,
    /// `base` as it may be shown: without the secrets a URL can carry (see [`super::redact`]).
    shown: String,
    token: Option<Secret>,
}

/// Whether a request changes the store, which decides what a failure means.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Read,
    /// Carries an idempotency key: safe to retry, and a failure after sending is "unknown".
    Write,
}

impl HttpStore {
    pub fn new(url: &str, token: Option<Secret>) -> Result<HttpStore, StoreError> {
        let client = client(&super::redact(url), Duration::from_secs(300))?;
        let base = url.trim_end_matches('/').to_owned();
        Ok(HttpStore {
            client,
            shown: super::redact(&base),
            base,
            token,
        })
    }

    /// `GET /v1/usage`: the server's counts of reads per prompt since it started.
    pub async fn usage(&self) -> Result<crate::formats::http_v1::UsageV1, StoreError> {
        self.request::<(), _>(Method::GET, "/v1/usage", None, Kind::Read)
            .await
    }

    async fn request<B: Serialize + Sync, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        kind: Kind,
    ) -> Result<T, StoreError> {
        let target = format!("{}{path}", self.base);
        // What messages and logs name: the URL without its secrets.
        let url = format!("{}{path}", self.shown);
        // A write sent may land whatever this process does next.
        let _under_way = (kind == Kind::Write).then(crate::store::CommitUnderWay::start);
        let mut delay = Duration::from_millis(200);
        // Whether an attempt may have reached the server: then a write's outcome is unknown
        // until one answers.
        let mut maybe_sent = false;
        let mut attempt = 1;
        loop {
            let mut request = self.client.request(method.clone(), &target);
            if let Some(token) = &self.token {
                request = request.bearer_auth(token.expose());
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let started = Instant::now();
            let failure = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    tracing::debug!(
                        "{method} {url} → {} in {:.0} ms (attempt {attempt})",
                        status.as_u16(),
                        started.elapsed().as_secs_f64() * 1000.0
                    );
                    if status.is_success() {
                        return response.json::<T>().await.map_err(|e| {
                            StoreError::Remote(format!(
                                "{url}: unreadable response: {}",
                                network_failure(&e)
                            ))
                        });
                    }
                    let body = response.bytes().await.unwrap_or_default();
                    let error = match api_error(&url, status, &body) {
                        StoreError::Remote(message) if status == StatusCode::UNAUTHORIZED => {
                            StoreError::Remote(format!(
                                "{message} ({})",
                                if self.token.is_some() {
                                    "the server refused the token given"
                                } else {
                                    "no token was given: set PROMPTCTL_TOKEN, or the variable the environment's `token_env` names"
                                }
                            ))
                        }
                        other => other,
                    };
                    let transient = matches!(
                        status,
                        StatusCode::BAD_GATEWAY
                            | StatusCode::SERVICE_UNAVAILABLE
                            | StatusCode::GATEWAY_TIMEOUT
                    );
                    if !transient || matches!(error, StoreError::Conflict(_)) {
                        return Err(error);
                    }
                    // A gateway or the server gave up on a request it had: it may have run.
                    maybe_sent = true;
                    error
                }
                Err(error) => {
                    let cause = network_failure(&error);
                    tracing::debug!(
                        "{method} {url} failed in {:.0} ms (attempt {attempt}): {cause}",
                        started.elapsed().as_secs_f64() * 1000.0
                    );
                    if !(error.is_connect() || error.is_timeout() || error.is_request()) {
                        return Err(StoreError::Remote(format!("{url}: {cause}")));
                    }
                    // A refused connection never carried the request; anything later may have.
                    maybe_sent |= !error.is_connect();
                    StoreError::Remote(format!("{url}: {cause}"))
                }
            };
            if attempt == ATTEMPTS {
                return Err(if kind == Kind::Write && maybe_sent {
                    StoreError::Unknown(format!(
                        "no answer from the server after {ATTEMPTS} attempts ({failure})"
                    ))
                } else {
                    failure
                });
            }
            tracing::debug!("retrying {method} {url} in {} ms", delay.as_millis());
            tokio::time::sleep(delay).await;
            delay *= 2;
            attempt += 1;
        }
    }
}

/// The HTTP client of a remote store (promptctl's server, Convex, Langfuse): rustls, a 5 s
/// connect timeout, `timeout` for a whole request, promptctl's user agent.
pub(super) fn client(shown: &str, timeout: Duration) -> Result<reqwest::Client, StoreError> {
    ensure_tls_provider();
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(timeout)
        .user_agent(concat!("promptctl/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| StoreError::Open {
            url: shown.to_owned(),
            message: e.to_string(),
        })
}

/// What went wrong on the way to the server, said plainly — "connection refused", "timed
/// out" — and without the URL reqwest would repeat (it may carry secrets; the caller names the
/// URL, redacted).
pub(super) fn network_failure(error: &reqwest::Error) -> String {
    let mut causes = Vec::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(error);
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    let innermost = causes.last().cloned();
    if error.is_timeout() {
        "the server did not answer in time".to_owned()
    } else if error.is_connect() {
        match innermost {
            Some(cause) => format!("cannot connect: {}", cause.to_lowercase()),
            None => "cannot connect".to_owned(),
        }
    } else {
        // reqwest ends its message with " for url (…)"; the URL is left out.
        let mut text = error.to_string();
        if let Some(at) = text.find(" for url (") {
            text.truncate(at);
        }
        if let Some(cause) = innermost {
            text.push_str(&format!(": {cause}"));
        }
        text
    }
}

/// rustls needs a process-wide crypto provider before any client is built; promptctl uses
/// ring. Installing it again is harmless.
pub fn ensure_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The store error an API error response stands for.
fn api_error(url: &str, status: StatusCode, body: &[u8]) -> StoreError {
    let Ok(ErrorBodyV1 { error }) = serde_json::from_slice::<ErrorBodyV1>(body) else {
        return StoreError::Remote(format!("{url}: HTTP {status}"));
    };
    match error.code.as_str() {
        "conflict" => StoreError::Conflict(error.conflicts.into_iter().map(Into::into).collect()),
        "wrong_store" => StoreError::WrongStore {
            expected: error.expected_store_id.unwrap_or_default(),
            actual: error.store_id.unwrap_or_default(),
        },
        "not_empty" => StoreError::NotEmpty {
            rows: error.rows.unwrap_or_default(),
        },
        "refused" => StoreError::Refused(error.refusals.into_iter().map(Into::into).collect()),
        "unprocessable" | "bad_request" => StoreError::Invalid(error.message),
        "outcome_unknown" => StoreError::Unknown(format!("{url}: {}", error.message)),
        _ => StoreError::Remote(format!("{url}: HTTP {status}: {}", error.message)),
    }
}

#[async_trait]
impl Store for HttpStore {
    fn location(&self) -> String {
        self.shown.clone()
    }

    async fn snapshot(&self) -> Result<Snapshot, StoreError> {
        let snapshot: SnapshotV1<'static> = self
            .request::<(), _>(Method::GET, "/v1/snapshot", None, Kind::Read)
            .await?;
        Ok(snapshot.into())
    }

    async fn rules(&self) -> Result<Option<Published>, StoreError> {
        match self
            .request::<(), PublishedRulesV1>(Method::GET, "/v1/rules", None, Kind::Read)
            .await
        {
            Ok(published) => Published::try_from(published)
                .map(Some)
                .map_err(|e| StoreError::Remote(format!("{}/v1/rules: {e}", self.shown))),
            Err(StoreError::Remote(message)) if message.contains("HTTP 404") => Ok(None),
            Err(other) => Err(other),
        }
    }

    async fn revision(&self) -> Result<i64, StoreError> {
        let health: HealthV1 = self
            .request::<(), _>(Method::GET, "/healthz", None, Kind::Read)
            .await?;
        Ok(health.revision)
    }

    async fn apply(
        &self,
        changes: &ChangeSet,
        progress: Progress<'_>,
    ) -> Result<ApplyOutcome, StoreError> {
        let mut body = ChangeSetV1::from(changes);
        // Without a key a retried change set could apply twice; with one it cannot.
        body.idempotency_key.get_or_insert_with(new_id);
        let outcome: ApplyOutcomeV1 = self
            .request(Method::POST, "/v1/changesets", Some(&body), Kind::Write)
            .await?;
        progress(outcome.applied, outcome.applied);
        Ok(outcome.into())
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
        let entries: Vec<AuditEntryV1> = self
            .request::<(), _>(Method::GET, &path, None, Kind::Read)
            .await?;
        Ok(entries.into_iter().map(Into::into).collect())
    }

    async fn restore(
        &self,
        restore: &Restore,
        options: &RestoreOptions,
    ) -> Result<RestoreOutcome, StoreError> {
        let body = RestoreRequestV1 {
            restore: export_v1::to_value(restore),
            force: options.force,
            allow_empty: options.allow_empty,
            // Like a change set, a restore (a forced one above all) must never run twice.
            idempotency_key: Some(options.idempotency_key.clone().unwrap_or_else(new_id)),
            rules: options.rules.as_ref().map(RulesUpdateV1::from),
        };
        let response: RestoreResponseV1 = self
            .request(Method::POST, "/v1/restore", Some(&body), Kind::Write)
            .await?;
        Ok(response.into())
    }

    async fn backup(&self, id: &str) -> Result<Option<Snapshot>, StoreError> {
        let path = format!("/v1/backups/{}", encode(id));
        match self
            .request::<(), ExportV1<'static>>(Method::GET, &path, None, Kind::Read)
            .await
        {
            Ok(export) => Ok(Some(Snapshot {
                store_id: export.store_id.into_owned(),
                revision: export.revision,
                rows: export.rows.into_iter().map(Into::into).collect(),
            })),
            Err(StoreError::Remote(message)) if message.contains("HTTP 404") => Ok(None),
            Err(other) => Err(other),
        }
    }
}

/// Percent-encode a query value or path segment (every store that speaks HTTP uses it).
pub(super) fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
