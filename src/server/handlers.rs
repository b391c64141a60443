//! One function per endpoint. Bodies are read as bytes and parsed here, so a malformed or
//! oversized body gets our JSON error shape, not a framework's text.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use serde::Deserialize;

use super::cache::Cached;
use super::{ApiError, AppState, Caller, Route};
use crate::catalog::CatalogEntryV1;
use crate::store::wire::{Health, RestoreRequest, RestoreResponse};
use crate::store::{ChangeSet, Op};

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
        (Method::GET, "/v1/models") => get(models),
        (Method::POST, "/v1/restore") => post(restore),
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

/// Parse a JSON body into `T`, or a 400 naming line and column.
fn parse<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|error| ApiError::bad_request(format!("malformed JSON body: {error}")))
}

async fn health(State(state): Shared) -> Response {
    json_response(&Health {
        status: "ok".to_owned(),
        revision: state.cache().revision,
    })
}

async fn snapshot(State(state): Shared) -> Result<Response, ApiError> {
    Ok(json_response(&state.store.snapshot().await?))
}

async fn changesets(
    State(state): Shared,
    caller: Option<Extension<Caller>>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(body_rejection)?;
    let mut changes: ChangeSet = parse(&body)?;
    if let Some(key) = headers.get("idempotency-key").and_then(|v| v.to_str().ok()) {
        changes.idempotency_key = Some(key.to_owned());
    }
    // The audit log records who applied: the token's name, and the client's own label.
    if let Some(Extension(Caller(name))) = caller {
        changes.actor = if changes.actor.is_empty() || changes.actor == name {
            name
        } else {
            format!("{name} ({})", changes.actor)
        };
    }
    check_models(&state, &changes)?;
    let outcome = state.store.apply(&changes, &|_, _| {}).await?;
    refresh_now(&state).await;
    Ok(json_response(&outcome))
}

/// A change set may only name models the server's catalog has (422 otherwise).
fn check_models(state: &AppState, changes: &ChangeSet) -> Result<(), ApiError> {
    for op in &changes.ops {
        let model = match op {
            Op::Insert { row, .. } => Some(row.ai_model.as_str()),
            Op::Update { patch, .. } => patch.ai_model.as_deref(),
        };
        if let Some(model) = model
            && state.catalog.get(model).is_none()
        {
            return Err(ApiError::unprocessable(format!(
                "`{model}` is not in the server's model catalog"
            )));
        }
    }
    changes.check().map_err(ApiError::from)
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
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let cache = state.cache();
    let entry = cache.prompts.get(&name).ok_or_else(|| {
        ApiError::not_found(format!(
            "no active production prompt named `{}`",
            shorten(&name)
        ))
    })?;
    Ok(cached(entry, &headers))
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
    limit: Option<usize>,
}

async fn history(
    State(state): Shared,
    query: Result<Query<HistoryQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = query.limit.unwrap_or(50).min(10_000);
    Ok(json_response(
        &state.store.history(query.name.as_deref(), limit).await?,
    ))
}

async fn models(State(state): Shared) -> Response {
    json_response(&CatalogEntryV1::list(
        &state.catalog,
        &state.default_model,
        &state.fallback_model,
    ))
}

async fn restore(
    State(state): Shared,
    caller: Option<Extension<Caller>>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(body_rejection)?;
    let request: RestoreRequest = parse(&body)?;
    let actor = caller.map_or_else(|| "anonymous".to_owned(), |Extension(Caller(name))| name);
    let revision = state
        .store
        .restore(&request.restore, &actor, request.force)
        .await?;
    state.changed.notify_one();
    Ok(json_response(&RestoreResponse { revision }))
}

/// After a write, the cache catches up before the answer goes out: a client that wrote reads
/// its write from this server.
async fn refresh_now(state: &AppState) {
    if let Err(error) = state.refresh().await {
        tracing::warn!(%error, "could not refresh the prompt cache");
        state.changed.notify_one();
    }
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
