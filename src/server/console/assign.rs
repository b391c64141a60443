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
use crate::ops::assign::{AssignError, Assignment, RowChange};
use crate::server::AppState;
use crate::store::rules::Rule;
use crate::store::{Refusal, StoreError};

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

/// Make `change` to `rows` as `console (NAME)`, through [`crate::ops::assign::assign`].
pub(super) async fn apply(
    state: &AppState,
    session: &Session,
    change: RowChange<'_>,
    rows: &[Selected],
) -> Result<usize, AssignError> {
    let view = state.console_view().await?;
    let rows: Vec<(String, i64)> = rows.iter().map(|r| (r.id.clone(), r.row_version)).collect();
    let assignment = Assignment {
        store_id: &view.store_id,
        actor: crate::store::console_actor(&session.name),
        change,
        rows: &rows,
    };
    let outcome = crate::ops::assign::assign(state.store.as_ref(), &assignment).await?;
    crate::server::refresh_after_write(state).await;
    Ok(outcome.applied)
}

/// How an assignment's failure reads to an admin: its status, the sentence, and the rows that
/// conflicted or the rules that refused, one line each.
pub(super) fn failure(error: &AssignError) -> (StatusCode, String, Details) {
    match error {
        AssignError::Store(StoreError::Conflict(conflicts)) => (
            StatusCode::CONFLICT,
            format!(
                "{} of the selected rows changed since the page was loaded; nothing was applied. The page now shows them as they are: check them and assign again.",
                conflicts.len()
            ),
            Details::Conflicts(conflicts.iter().map(conflict_for_admin).collect()),
        ),
        AssignError::Store(StoreError::Refused(refusals)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "Nothing was changed: the store's rules of record refuse {}.",
                if refusals.len() == 1 { "it" } else { "these" }
            ),
            Details::Refusals(refusals.iter().map(refusal_for_admin).collect()),
        ),
        AssignError::Store(StoreError::Invalid(message)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            message.clone(),
            Details::None,
        ),
        AssignError::NoRows | AssignError::TooMany => (
            StatusCode::UNPROCESSABLE_ENTITY,
            error.to_string(),
            Details::None,
        ),
        AssignError::Store(other) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the store could not be written: {other}"),
            Details::None,
        ),
    }
}

/// A row that changed since the page was loaded, in an admin's words (no row versions).
fn conflict_for_admin(conflict: &crate::store::Conflict) -> String {
    if conflict.prompt_name.is_empty() {
        return "a selected row is no longer in the store".to_owned();
    }
    match conflict.actual_row_version {
        Some(_) => format!(
            "{} {} was changed by someone else after this page was loaded",
            conflict.prompt_name, conflict.prompt_version
        ),
        None => format!(
            "{} {} is no longer in the store",
            conflict.prompt_name, conflict.prompt_version
        ),
    }
}

/// What a failed assignment lists under its sentence.
pub(super) enum Details {
    None,
    /// The rows that changed since the page was loaded.
    Conflicts(Vec<String>),
    /// The rules of record that refuse it, each named.
    Refusals(Vec<String>),
}

impl Details {
    pub(super) fn lines(&self) -> &[String] {
        match self {
            Details::None => &[],
            Details::Conflicts(lines) | Details::Refusals(lines) => lines,
        }
    }
}

/// One refusal in an admin's words: the prompt, the rule by name (a policy with its level and
/// that only the CLI may override one), what is wrong.
fn refusal_for_admin(refusal: &Refusal) -> String {
    let prompt = refusal
        .prompt
        .as_ref()
        .map_or_else(|| refusal.what.clone(), |(name, _)| name.clone());
    match &refusal.rule {
        Rule::Policy { name, enforcement } => format!(
            "{prompt}: policy “{name}” ({}) forbids it: {}{}",
            enforcement.as_str(),
            refusal.message,
            if *enforcement == crate::policy::Enforcement::SoftMandatory {
                ". Overriding a soft-mandatory policy is done from the CLI (`promptctl plan --override-policy`), never here"
            } else {
                ""
            }
        ),
        rule => format!(
            "{prompt}: {} [{}]{}",
            refusal.message,
            rule.code(),
            refusal
                .help
                .as_deref()
                .map(|h| format!(" — {h}"))
                .unwrap_or_default()
        ),
    }
}

/// The answer to the dialog's "Apply".
#[derive(Serialize)]
struct AssignAnswer {
    updated: usize,
    message: String,
    /// The rows that changed since the page was loaded.
    conflicts: Vec<String>,
    /// The rules of record that refuse the change, each named.
    refusals: Vec<String>,
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
            Details::None,
        );
    };
    match apply(
        &state,
        &session,
        RowChange::Model(&request.model),
        &request.rows,
    )
    .await
    {
        Ok(updated) => answer(
            StatusCode::OK,
            updated,
            format!(
                "Updated {updated} prompt{} to {}.",
                if updated == 1 { "" } else { "s" },
                request.model
            ),
            Details::None,
        ),
        Err(error) => {
            let (status, message, details) = failure(&error);
            answer(status, 0, message, details)
        }
    }
}

fn answer(status: StatusCode, updated: usize, message: String, details: Details) -> Response {
    let (conflicts, refusals) = match details {
        Details::None => (Vec::new(), Vec::new()),
        Details::Conflicts(lines) => (lines, Vec::new()),
        Details::Refusals(lines) => (Vec::new(), lines),
    };
    (
        status,
        Json(AssignAnswer {
            updated,
            message,
            conflicts,
            refusals,
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
        .select(&view, &state.rules().catalog)
        .into_iter()
        .filter(|&i| query.selectable(&view.rows[i]))
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

/// The preview in an admin's words: the change (`+$5.12/month, +42%`), and per prompt on
/// demand.
#[derive(Serialize, Default)]
struct Preview {
    /// `Monthly cost: $12.20 → $17.32 (+$5.12/month, +42%)`, or why there is no figure.
    summary: String,
    /// One line per prompt with usage figures.
    prompts: Vec<String>,
    /// Prompts without usage figures, named (their cost is unknown, not zero).
    without_usage: Vec<String>,
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
    let rules = state.rules();
    let Some(usage) = &rules.usage else {
        return Json(Preview {
            summary: "No usage figures were published with this store (usage.yaml in the project applied to it), so the cost of the change is unknown.".to_owned(),
            ..Preview::default()
        })
        .into_response();
    };
    let view = match state.console_view().await {
        Ok(view) => view,
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    };
    let wanted: std::collections::HashSet<&str> = request.ids.iter().map(String::as_str).collect();
    let cost = crate::plan::cost::reassignment(
        view.rows
            .iter()
            .map(|row| &**row)
            .filter(|r| wanted.contains(r.id.as_str())),
        &request.model,
        &rules.catalog,
        usage,
    );
    Json(preview_words(&cost)).into_response()
}

fn preview_words(cost: &crate::plan::cost::Reassignment) -> Preview {
    use crate::plan::cost::delta_words;
    let usd = |v: Option<f64>| v.map_or_else(|| "unknown".to_owned(), |v| format!("${v:.2}"));
    let change = |before: Option<f64>, after: Option<f64>| match (before, after) {
        (Some(before), Some(after)) => delta_words(before, after),
        _ => "change unknown: a model without a price".to_owned(),
    };
    let summary = if cost.covered == 0 {
        "None of these prompts has usage figures, so the cost of the change is unknown.".to_owned()
    } else {
        let of = if cost.uncovered.is_empty() {
            String::new()
        } else {
            format!(
                " (the {} with usage figures; {} without)",
                cost.covered,
                cost.uncovered.len()
            )
        };
        format!(
            "Monthly cost{of}: {} → {} ({})",
            usd(cost.before),
            usd(cost.after),
            change(cost.before, cost.after)
        )
    };
    Preview {
        summary,
        prompts: cost
            .prompts
            .iter()
            .map(|(name, before, after)| {
                format!(
                    "{name}: {} → {} ({})",
                    usd(*before),
                    usd(*after),
                    change(*before, *after)
                )
            })
            .collect(),
        without_usage: cost.uncovered.clone(),
    }
}
