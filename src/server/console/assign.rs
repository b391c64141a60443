//! Bulk model assignment (the story's AC7): the rows selected, each with the `row_version` the
//! page showed, become one change set. All are updated, or — if any changed meanwhile — none,
//! and the answer names the rows that did.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use super::query::PromptQuery;
use super::session::Session;
use crate::server::AppState;
use crate::store::{Action, ChangeSet, Conflict, Op, Patch, StoreError};

/// At most this many rows in one assignment (a bound on the request, not on the store).
const MAX_ROWS: usize = 100_000;

/// A row as the page showed it.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub(super) struct Selected {
    pub(super) id: String,
    pub(super) row_version: i64,
}

/// `POST /console/assign` (JSON, `X-CSRF-Token`).
#[derive(Debug, Deserialize)]
pub(super) struct AssignRequest {
    model: String,
    rows: Vec<Selected>,
}

/// Why an assignment applied nothing.
#[derive(Debug, thiserror::Error)]
pub(super) enum AssignError {
    #[error("{} of the selected rows changed since the page was loaded; nothing was applied", .0.len())]
    Conflict(Vec<Conflict>),
    #[error("{0}")]
    Refused(String),
    #[error("the store could not be written: {0}")]
    Store(StoreError),
}

impl AssignError {
    pub(super) fn status(&self) -> StatusCode {
        match self {
            AssignError::Conflict(_) => StatusCode::CONFLICT,
            AssignError::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AssignError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// Set `model` on `rows` in one change set, as `console (NAME)`.
pub(super) async fn apply(
    state: &AppState,
    session: &Session,
    model: &str,
    rows: &[Selected],
) -> Result<usize, AssignError> {
    if rows.is_empty() {
        return Err(AssignError::Refused("no rows are selected".to_owned()));
    }
    if rows.len() > MAX_ROWS {
        return Err(AssignError::Refused(format!(
            "at most {MAX_ROWS} rows can be assigned at once"
        )));
    }
    let view = state.console_view().await.map_err(AssignError::Store)?;
    let changes = ChangeSet {
        store_id: view.store_id.clone(),
        actor: crate::store::console_actor(&session.name),
        idempotency_key: None,
        policy_overrides: Vec::new(),
        ops: rows
            .iter()
            .map(|row| Op::Update {
                action: Action::Update,
                id: row.id.clone(),
                expected_row_version: row.row_version,
                patch: Patch {
                    ai_model: Some(model.to_owned()),
                    ..Patch::default()
                },
            })
            .collect(),
    };
    changes
        .check_models(&state.catalog)
        .and_then(|()| changes.check())
        .map_err(|error| AssignError::Refused(error.to_string()))?;
    match state.store.apply(&changes, &|_, _| {}).await {
        Ok(outcome) => {
            crate::server::refresh_after_write(state).await;
            Ok(outcome.applied)
        }
        Err(StoreError::Conflict(conflicts)) => Err(AssignError::Conflict(conflicts)),
        Err(StoreError::Invalid(message)) => Err(AssignError::Refused(message)),
        Err(error) => Err(AssignError::Store(error)),
    }
}

/// The answer to the dialog's "Apply".
#[derive(Serialize)]
struct AssignAnswer {
    updated: usize,
    message: String,
    conflicts: Vec<String>,
}

pub(super) async fn assign(
    State(state): State<Arc<AppState>>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    body: Result<Json<AssignRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let csrf = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
    if let Some(refused) = super::csrf_refusal(&session, csrf) {
        return refused;
    }
    let Ok(Json(request)) = body else {
        return answer(
            StatusCode::BAD_REQUEST,
            0,
            "the request is not an assignment".to_owned(),
            Vec::new(),
        );
    };
    match apply(&state, &session, &request.model, &request.rows).await {
        Ok(updated) => answer(
            StatusCode::OK,
            updated,
            format!(
                "Updated {updated} prompt{} to {}.",
                if updated == 1 { "" } else { "s" },
                request.model
            ),
            Vec::new(),
        ),
        Err(AssignError::Conflict(conflicts)) => {
            let named = conflicts.iter().map(ToString::to_string).collect();
            answer(
                StatusCode::CONFLICT,
                0,
                AssignError::Conflict(conflicts).to_string(),
                named,
            )
        }
        Err(error) => answer(error.status(), 0, error.to_string(), Vec::new()),
    }
}

fn answer(status: StatusCode, updated: usize, message: String, conflicts: Vec<String>) -> Response {
    (
        status,
        Json(AssignAnswer {
            updated,
            message,
            conflicts,
        }),
    )
        .into_response()
}

/// A row "Select all filtered" adds: what the page would show for it.
#[derive(Serialize)]
struct SelectionRow {
    id: String,
    row_version: i64,
    name: String,
}

/// `GET /console/selection?<the page's filters>`: every row the filters select, on any page.
pub(super) async fn selection(
    State(state): State<Arc<AppState>>,
    Query(query): Query<PromptQuery>,
) -> Response {
    let view = match state.console_view().await {
        Ok(view) => view,
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    };
    let rows: Vec<SelectionRow> = query
        .select(&view, &state.catalog)
        .into_iter()
        .map(|i| SelectionRow {
            id: view.rows[i].id.clone(),
            row_version: view.rows[i].row_version,
            name: view.rows[i].prompt_name.clone(),
        })
        .collect();
    Json(rows).into_response()
}

/// `POST /console/preview`: the monthly cost of the selected rows before and after, where
/// usage.yaml covers them.
#[derive(Deserialize)]
pub(super) struct PreviewRequest {
    model: String,
    ids: Vec<String>,
}

#[derive(Serialize)]
struct Preview {
    /// Rows usage.yaml covers.
    covered: usize,
    monthly_before_usd: Option<f64>,
    monthly_after_usd: Option<f64>,
}

pub(super) async fn preview(
    State(state): State<Arc<AppState>>,
    Extension(session): Extension<Session>,
    headers: HeaderMap,
    Json(request): Json<PreviewRequest>,
) -> Response {
    let csrf = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
    if let Some(refused) = super::csrf_refusal(&session, csrf) {
        return refused;
    }
    let (Some(usage), Some(after_model)) =
        (&state.console.usage, state.catalog.get(&request.model))
    else {
        return Json(Preview {
            covered: 0,
            monthly_before_usd: None,
            monthly_after_usd: None,
        })
        .into_response();
    };
    let view = match state.console_view().await {
        Ok(view) => view,
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    };
    let wanted: std::collections::HashSet<&str> = request.ids.iter().map(String::as_str).collect();
    let (mut covered, mut before, mut after) = (0, Some(0.0), 0.0);
    for row in view.rows.iter().filter(|r| wanted.contains(r.id.as_str())) {
        let Some(entry) = usage.entry(&row.prompt_name, row.subsystem.as_deref()) else {
            continue;
        };
        covered += 1;
        let monthly = |model: &crate::catalog::Model| {
            model.cost_usd(entry.input_tokens, entry.output_tokens) * entry.requests_per_month
        };
        // A row without a known model has an unknown cost, not a free one.
        before = match (before, super::view::model_of(&state.catalog, row)) {
            (Some(sum), Some(model)) => Some(sum + monthly(model)),
            _ => None,
        };
        after += monthly(after_model);
    }
    Json(Preview {
        covered,
        monthly_before_usd: before.filter(|_| covered > 0),
        monthly_after_usd: (covered > 0).then_some(after),
    })
    .into_response()
}
