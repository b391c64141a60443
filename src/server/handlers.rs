//! One function per endpoint. Bodies are read as bytes and parsed here, so a malformed or
//! oversized body gets our JSON error shape, not a framework's text.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use serde::Deserialize;

use super::cache::Cached;
use super::{ApiError, AppState, Caller, Route};
use crate::formats::export_v1::{self as export, ExportV1};
use crate::formats::http_v1::{
    ApplyOutcomeV1, AuditEntryV1, ChangeSetV1, HealthV1, ModelV1, PublishedRulesV1,
    RestoreRequestV1, RestoreResponseV1, SnapshotV1,
};
use crate::store::{ChangeSet, RestoreOptions};

type Shared = State<Arc<AppState>>;

/// The handler of a route in [`super::routes`].
pub(super) fn for_route(route: &Route) -> MethodRouter<Arc<AppState>> {
    match (route.method.clone(), route.path) {
        (Method::GET, "/healthz") => get(health),
        (Method::GET, "/v1/snapshot") => get(snapshot),
        (Method::POST, "/v1/changesets") => post(changesets),
        (Method::GET, "/v1/prompts") => get(prompts),
        (Method::GET, "/v1/prompts/{name}") => get(prompt),
        (Method::GET, "/v1/history") => get(history),
        (Method::GET, "/v1/watch") => get(super::watch::watch),
        (Method::GET, "/v1/usage") => get(usage),
        (Method::GET, "/v1/webhooks/deliveries") => get(deliveries),
        (Method::GET, "/v1/models") => get(models),
        (Method::GET, "/v1/rules") => get(rules),
        (Method::POST, "/v1/restore") => post(restore),
        (Method::GET, "/v1/backups/{id}") => get(backup),
        (method, path) => unreachable!("no handler for {method} {path}"),
    }
}

fn json_response(value: &impl serde::Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(error) => {
            tracing::error!(%error, "cannot serialise a response");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error",
            )
            .into_response()
        }
    }
}

/// Parse a JSON body into `T`: a 415 unless it is declared JSON, a 400 naming line and
/// column if it does not read. The declaration matters: a web page may send any site a
/// `text/plain` POST without asking first, never an `application/json` one.
fn json_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<T, ApiError> {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !is_json(declared) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the body must be sent as JSON (Content-Type: application/json)",
        ));
    }
    serde_json::from_slice(body)
        .map_err(|error| ApiError::bad_request(format!("malformed JSON body: {error}")))
}

/// Whether a Content-Type names JSON: `application/json`, or a `+json` type, any parameters.
fn is_json(content_type: &str) -> bool {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
}

async fn health(State(state): Shared) -> Response {
    json_response(&HealthV1 {
        status: "ok".to_owned(),
        revision: state.cache().revision,
    })
}

async fn snapshot(State(state): Shared) -> Result<Response, ApiError> {
    let snapshot = state.store.snapshot().await?;
    Ok(json_response(&SnapshotV1::from(&snapshot)))
}

async fn changesets(
    State(state): Shared,
    caller: Option<Extension<Caller>>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(body_rejection)?;
    let mut changes = ChangeSet::try_from(json_body::<ChangeSetV1>(&headers, &body)?)
        .map_err(|e| ApiError::unprocessable(format!("`rules`: {e}")))?;
    if let Some(key) = idempotency_key(&headers)? {
        changes.idempotency_key = Some(key);
    }
    // The key is bound to this body: a retry resends it byte for byte.
    changes.request_sha256 = Some(crate::digest::sha256_hex(&body));
    // The audit log records who applied: the token's name, and the client's own label.
    if let Some(Extension(Caller(name))) = caller {
        changes.actor = if changes.actor.is_empty()
            || changes.actor == name
            || changes.actor == crate::store::UNKNOWN_ACTOR
        {
            name
        } else {
            format!("{name} ({})", changes.actor)
        };
    }
    // The store holds every write to the rules of record, whoever sends it.
    let outcome = state.store.apply(&changes, &|_, _| {}).await?;
    super::refresh_after_write(&state).await;
    Ok(json_response(&ApplyOutcomeV1::from(&outcome)))
}

/// The `Idempotency-Key` header, if sent; one that is not plain text is a bad request.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|key| crate::store::values::identifier(key).is_ok())
        .ok_or_else(|| {
            ApiError::bad_request("the Idempotency-Key header must be plain text, 1 to 1024 bytes")
        })?;
    Ok(Some(key.to_owned()))
}

fn cached(entry: &Cached, headers: &HeaderMap) -> Response {
    let etag =
        HeaderValue::from_str(&entry.etag).unwrap_or_else(|_| HeaderValue::from_static("\"\""));
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == entry.etag || tag.trim() == "*")
        });
    if matches {
        return Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .header(header::ETAG, etag)
            .body(Body::empty())
            .unwrap_or_default();
    }
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ETAG, etag)
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from(entry.body.clone()))
        .unwrap_or_default()
}

async fn prompt(
    State(state): Shared,
    name: Result<Path<String>, PathRejection>,
    query: Result<Query<SubjectQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path(name) = name.map_err(path_rejection)?;
    let Query(query) = query.map_err(|_| {
        ApiError::bad_request("the query takes `subject`, a text of 1 to 1024 characters")
    })?;
    if let Some(subject) = &query.subject
        && (subject.is_empty() || subject.chars().count() > 1024)
    {
        return Err(ApiError::bad_request(
            "`subject` must be 1 to 1024 characters: the id the canary split is computed on",
        ));
    }
    let cache = state.cache();
    let entry = cache.prompts.get(&name).ok_or_else(|| {
        ApiError::not_found(format!(
            "no active production prompt named `{}`",
            shorten(&name)
        ))
    })?;
    let (answer, arm) = entry.for_subject(&name, query.subject.as_deref());
    entry
        .counters
        .get_or_init(|| state.usage.of(&name))
        .count(arm);
    Ok(cached(answer, &headers))
}

async fn deliveries(State(state): Shared) -> Result<Response, ApiError> {
    let deliveries = state.store.webhook_deliveries().await?;
    Ok(json_response(
        &deliveries
            .iter()
            .map(crate::formats::http_v1::WebhookDeliveryV1::from)
            .collect::<Vec<_>>(),
    ))
}

async fn usage(State(state): Shared) -> Response {
    json_response(&state.usage.report())
}

/// `?subject=ID`: whose request this is, for the canary split.
#[derive(Deserialize)]
struct SubjectQuery {
    subject: Option<String>,
}

/// A name from a request, shortened for an error message.
fn shorten(name: &str) -> String {
    if name.chars().count() > 128 {
        format!("{}…", name.chars().take(128).collect::<String>())
    } else {
        name.to_owned()
    }
}

async fn prompts(State(state): Shared, headers: HeaderMap) -> Result<Response, ApiError> {
    let cache = state.cache();
    let list = cache
        .list
        .as_ref()
        .ok_or_else(|| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "starting"))?;
    Ok(cached(list, &headers))
}

#[derive(Deserialize)]
struct HistoryQuery {
    name: Option<String>,
    #[serde(default, deserialize_with = "whole_number_saturating")]
    limit: Option<usize>,
}

/// A whole number however many digits it has (the server caps it anyway), where `usize`
/// alone refuses one past its range though the document allows any.
fn whole_number_saturating<'de, D: serde::Deserializer<'de>>(
    from: D,
) -> Result<Option<usize>, D::Error> {
    let Some(text) = Option::<String>::deserialize(from)? else {
        return Ok(None);
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(serde::de::Error::custom("must be a whole number"));
    }
    Ok(Some(text.parse().unwrap_or(usize::MAX)))
}

async fn history(
    State(state): Shared,
    query: Result<Query<HistoryQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = query.limit.unwrap_or(50).min(10_000);
    let entries = state.store.history(query.name.as_deref(), limit).await?;
    Ok(json_response(
        &entries.iter().map(AuditEntryV1::from).collect::<Vec<_>>(),
    ))
}

async fn rules(State(state): Shared) -> Result<Response, ApiError> {
    let published = state.store.rules().await?.ok_or_else(|| {
        ApiError::not_found(
            "no rules of record are published yet: the built-in catalog guards this store, with no policies; `promptctl apply` publishes the project's",
        )
    })?;
    Ok(json_response(&PublishedRulesV1::from(&published)))
}

async fn models(State(state): Shared) -> Response {
    json_response(&ModelV1::list(
        state.rules().catalog.models(),
        &state.default_model,
        &state.fallback_model,
    ))
}

async fn restore(
    State(state): Shared,
    caller: Option<Extension<Caller>>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(body_rejection)?;
    let request: RestoreRequestV1 = json_body(&headers, &body)?;
    // Read as a file is: every row checked, the first bad one named with its field.
    let rows = export::read_value(request.restore, crate::store::now_ms())
        .map_err(|e| ApiError::unprocessable(e.to_string()))?;
    if let Some(key) = &request.idempotency_key {
        crate::store::values::identifier(key)
            .map_err(|e| ApiError::unprocessable(format!("`idempotency_key` {e}")))?;
    }
    let options = RestoreOptions {
        actor: caller.map_or_else(|| "anonymous".to_owned(), |Extension(Caller(name))| name),
        force: request.force,
        allow_empty: request.allow_empty,
        idempotency_key: idempotency_key(&headers)?.or(request.idempotency_key),
        request_sha256: Some(crate::digest::sha256_hex(&body)),
        rules: request
            .rules
            .map(crate::store::RulesUpdate::try_from)
            .transpose()
            .map_err(|e| ApiError::unprocessable(format!("`rules`: {e}")))?,
    };
    let outcome = state.store.restore(&rows, &options).await?;
    super::refresh_after_write(&state).await;
    Ok(json_response(&RestoreResponseV1::from(&outcome)))
}

async fn backup(
    State(state): Shared,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(id) = id.map_err(path_rejection)?;
    let snapshot = state
        .store
        .backup(&id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no backup named `{}`", shorten(&id))))?;
    Ok(json_response(&ExportV1::from(&snapshot)))
}

/// A path parameter that does not read (not UTF-8 once decoded), in our error shape.
fn path_rejection(rejection: PathRejection) -> ApiError {
    ApiError::bad_request(format!("the path does not read: {}", rejection.body_text()))
}

fn body_rejection(rejection: axum::extract::rejection::BytesRejection) -> ApiError {
    let status = rejection.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            status,
            "payload_too_large",
            "the request body is larger than the server accepts",
        )
    } else {
        ApiError::new(status, "bad_request", rejection.body_text())
    }
}

#[cfg(test)]
mod tests {
    use super::is_json;

    #[test]
    fn only_json_media_types_are_json() {
        for json in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/merge-patch+json",
        ] {
            assert!(is_json(json), "{json}");
        }
        for other in [
            "",
            "text/plain",
            "text/plain; application/json",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "text/json+json",
        ] {
            assert!(!is_json(other), "{other}");
        }
    }
}
