//! The web console: the story's admin screens (the model in the prompt listing, the model
//! dropdown, bulk "Assign model") as server-rendered pages on `promptctl serve`.
//!
//! A face, not a second product: it reads the server's snapshot and the store's audit log, and
//! writes through the same `Store::apply` change sets as the API, each row with the
//! `row_version` the page showed. Sign-in takes a token once; after that a session cookie
//! (`HttpOnly`, `SameSite=Strict`) stands for it, and every POST carries the session's CSRF
//! token. Pages are sent with a Content-Security-Policy that allows no inline script.

mod assign;
mod pages;
mod picker;
mod query;
mod session;
mod view;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, Form, FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::Markup;
use serde::Deserialize;

use session::{COOKIE, IDLE, Session, Sessions, cookie_value};
use view::View;

use super::{AppState, Caller, Role};

type Shared = State<Arc<AppState>>;

const CSS: &str = include_str!("static/console.css");
const JS: &str = include_str!("static/console.js");

/// No inline script or style, no framing, forms and requests only to this origin.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The console's routes; the API's stay under `/v1`.
pub(crate) fn router(state: &Arc<AppState>) -> Router<Arc<AppState>> {
    let signed_in = Router::new()
        .route("/", get(|| async { Redirect::to("/prompts") }))
        .route("/prompts", get(prompts_page))
        .route("/prompts/{name}", get(prompt_page))
        .route("/prompts/{name}/model", post(change_model))
        .route("/prompts/{name}/canary/end", post(end_canary))
        .route("/models", get(models_page))
        .route("/history", get(history_page))
        .route("/console/selection", get(assign::selection))
        .route("/console/preview", post(assign::preview))
        .route("/console/assign", post(assign::assign))
        .route("/signout", post(signout))
        .route_layer(middleware::from_fn_with_state(
            Arc::clone(state),
            require_session,
        ));
    Router::new()
        .merge(signed_in)
        .route("/signin", get(signin_page).post(signin))
        .route(
            "/static/console.css",
            get(|| async { asset(CSS, "text/css") }),
        )
        .route(
            "/static/console.js",
            get(|| async { asset(JS, "text/javascript") }),
        )
        .layer(middleware::from_fn(security_headers))
}

fn asset(body: &'static str, kind: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, format!("{kind}; charset=utf-8")),
            (header::CACHE_CONTROL, "public, max-age=86400".to_owned()),
        ],
        body,
    )
        .into_response()
}

async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert("content-security-policy", HeaderValue::from_static(CSP));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

fn html(markup: Markup) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response()
}

fn html_status(status: StatusCode, markup: Markup) -> Response {
    let mut response = html(markup);
    *response.status_mut() = status;
    response
}

/// Pages need a session; POSTs need it to be an admin's (sign-out excepted) and to carry its
/// CSRF token (checked by each handler, which reads the body). Without auth on the server
/// (`--insecure-no-auth`) everyone is an admin named `anonymous`.
async fn require_session(State(state): Shared, mut request: Request, next: Next) -> Response {
    let session = match &state.tokens {
        None => Some(state.console.anonymous()),
        Some(_) => request
            .headers()
            .get(header::COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(cookie_value)
            .and_then(|id| state.console.sessions.get(id)),
    };
    let Some(session) = session else {
        if request.method() == axum::http::Method::GET {
            let next_path = request
                .uri()
                .path_and_query()
                .map_or("/prompts", |p| p.as_str());
            return Redirect::to(&format!("/signin?next={}", query::encode(next_path)))
                .into_response();
        }
        return html_status(
            StatusCode::UNAUTHORIZED,
            pages::problem("Signed out", "Your session has ended: sign in again.", None),
        );
    };
    if request.method() == axum::http::Method::POST {
        if !same_origin(request.headers()) {
            return html_status(
                StatusCode::FORBIDDEN,
                pages::problem(
                    "Refused",
                    "The request came from another site.",
                    Some(&session),
                ),
            );
        }
        if session.role < Role::Admin && request.uri().path() != "/signout" {
            return html_status(
                StatusCode::FORBIDDEN,
                pages::problem(
                    "Read only",
                    "This session's token may read, not change: sign in with an admin token to change models.",
                    Some(&session),
                ),
            );
        }
    }
    let caller = Caller(session.name.clone());
    request.extensions_mut().insert(session);
    let mut response = next.run(request).await;
    response.extensions_mut().insert(caller);
    response
}

/// A POST whose `Origin` names another site is refused, whatever else it carries.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest.trim_end_matches('/') == host)
}

/// The refusal of a POST whose CSRF token (a form's `_csrf`, a script's `X-CSRF-Token`) is not
/// the session's; `None` when it is.
fn csrf_refusal(session: &Session, presented: Option<&str>) -> Option<Response> {
    match presented {
        Some(token) if session.csrf_matches(token) => None,
        _ => Some(html_status(
            StatusCode::FORBIDDEN,
            pages::problem(
                "Refused",
                "The form has expired or did not come from this console: reload the page and try again.",
                Some(session),
            ),
        )),
    }
}

#[derive(Deserialize)]
struct SigninQuery {
    next: Option<String>,
}

async fn signin_page(State(state): Shared, Query(query): Query<SigninQuery>) -> Response {
    if state.tokens.is_none() {
        return Redirect::to("/prompts").into_response();
    }
    html(pages::signin(&safe_next(query.next.as_deref()), None))
}

#[derive(Deserialize)]
struct SigninForm {
    token: String,
    next: Option<String>,
}

async fn signin(State(state): Shared, request: Request) -> Response {
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    let secure = request
        .headers()
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes() == b"https");
    let same_site = same_origin(request.headers());
    let Ok(Form(form)) = Form::<SigninForm>::from_request(request, &state).await else {
        return html_status(
            StatusCode::BAD_REQUEST,
            pages::signin("/prompts", Some("Enter a token.")),
        );
    };
    let next = safe_next(form.next.as_deref());
    let Some(tokens) = &state.tokens else {
        return Redirect::to(&next).into_response();
    };
    if !same_site {
        return html_status(
            StatusCode::FORBIDDEN,
            pages::signin(&next, Some("The sign-in came from another site.")),
        );
    }
    if !state.console.sessions.admit_attempt(client) {
        return html_status(
            StatusCode::TOO_MANY_REQUESTS,
            pages::signin(
                &next,
                Some("Too many sign-in attempts: wait a minute and try again."),
            ),
        );
    }
    let Some(token) = tokens.authenticate(form.token.trim()) else {
        tracing::info!(client = %client, "console sign-in refused");
        return html_status(
            StatusCode::UNAUTHORIZED,
            pages::signin(&next, Some("That token is not valid on this server.")),
        );
    };
    let Some(id) = state.console.sessions.start(&token.name, token.role) else {
        return html_status(
            StatusCode::INTERNAL_SERVER_ERROR,
            pages::signin(&next, Some("Could not start a session.")),
        );
    };
    tracing::info!(caller = %token.name, "console sign-in");
    let cookie = format!(
        "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        IDLE.as_secs(),
        if secure { "; Secure" } else { "" }
    );
    let mut response = Redirect::to(&next).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// Only a path on this server: never another site (`//evil`, `https://…`).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_owned()
        }
        _ => "/prompts".to_owned(),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
}

async fn signout(
    State(state): Shared,
    axum::Extension(session): axum::Extension<Session>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(refused) = csrf_refusal(&session, form.csrf.as_deref()) {
        return refused;
    }
    if let Some(id) = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(cookie_value)
    {
        state.console.sessions.end(id);
    }
    let mut response = Redirect::to("/signin").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "promptctl_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
        ),
    );
    response
}

async fn prompts_page(
    State(state): Shared,
    axum::Extension(session): axum::Extension<Session>,
    Query(query): Query<query::PromptQuery>,
) -> Response {
    match state.console_view().await {
        Ok(view) => html(pages::prompts(
            &view,
            &state.rules().catalog,
            &query,
            &session,
            &crate::time::today(),
        )),
        Err(error) => unavailable(&error, &session),
    }
}

/// A page address whose prompt name does not read (not UTF-8 once decoded).
fn unreadable_path(session: &Session) -> Response {
    html_status(
        StatusCode::BAD_REQUEST,
        pages::problem(
            "No such page",
            "The address names no prompt: its name is not valid text.",
            Some(session),
        ),
    )
}

fn unavailable(error: &crate::store::StoreError, session: &Session) -> Response {
    tracing::warn!(%error, "console could not read the store");
    html_status(
        StatusCode::SERVICE_UNAVAILABLE,
        pages::problem(
            "Store unavailable",
            "The store could not be read; try again shortly.",
            Some(session),
        ),
    )
}

#[derive(Deserialize)]
struct PromptPageQuery {
    from: Option<String>,
    to: Option<String>,
    done: Option<String>,
}

async fn prompt_page(
    State(state): Shared,
    axum::Extension(session): axum::Extension<Session>,
    name: Result<Path<String>, axum::extract::rejection::PathRejection>,
    Query(query): Query<PromptPageQuery>,
) -> Response {
    let Ok(Path(name)) = name else {
        return unreadable_path(&session);
    };
    let view = match state.console_view().await {
        Ok(view) => view,
        Err(error) => return unavailable(&error, &session),
    };
    let history = match state.store.history(Some(&name), 100).await {
        Ok(history) => history,
        Err(error) => return unavailable(&error, &session),
    };
    let versions = &view.rows[view.versions_of(&name)];
    let template = |version: &str| {
        versions
            .iter()
            .find(|r| r.prompt_version == version)
            .map(|r| r.prompt_template.as_str())
    };
    let diff = match (&query.from, &query.to) {
        (Some(from), Some(to)) => template(from).zip(template(to)).map(|(a, b)| {
            (
                from.as_str(),
                to.as_str(),
                crate::plan::render::unified_diff(a, b, from, to),
            )
        }),
        _ => None,
    };
    let notice = query.done.as_deref().and_then(|done| match done {
        "changed" => Some("The model was changed."),
        "canary-ended" => Some("The canary was ended: every request runs the stable model. Until git says the same, promptctl plan shows it as drift."),
        "conflict" => Some("Nothing was changed: the prompt changed since the page was loaded. Here it is as it is now."),
        _ => None,
    });
    let status = if versions.is_empty() {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    html_status(
        status,
        pages::prompt(
            &view,
            &state.rules().catalog,
            &name,
            &session,
            &history,
            diff,
            notice,
            &crate::time::today(),
        ),
    )
}

#[derive(Deserialize)]
struct ChangeModelForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    id: String,
    row_version: i64,
    model: String,
}

/// The prompt page's "End canary": the row's canary removed, as one change set.
#[derive(Deserialize)]
struct EndCanaryForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    id: String,
    row_version: i64,
}

async fn end_canary(
    State(state): Shared,
    axum::Extension(session): axum::Extension<Session>,
    name: Result<Path<String>, axum::extract::rejection::PathRejection>,
    Form(form): Form<EndCanaryForm>,
) -> Response {
    let row = assign::Selected {
        id: form.id,
        row_version: form.row_version,
    };
    let change = crate::ops::assign::RowChange::EndCanary;
    let csrf = form.csrf.as_deref();
    form_write(&state, &session, name, csrf, change, row, "canary-ended").await
}

/// The prompt page's "Change model": a form post, so it works without JavaScript.
async fn change_model(
    State(state): Shared,
    axum::Extension(session): axum::Extension<Session>,
    name: Result<Path<String>, axum::extract::rejection::PathRejection>,
    Form(form): Form<ChangeModelForm>,
) -> Response {
    let row = assign::Selected {
        id: form.id,
        row_version: form.row_version,
    };
    let change = crate::ops::assign::RowChange::Model(&form.model);
    let csrf = form.csrf.as_deref();
    form_write(&state, &session, name, csrf, change, row, "changed").await
}

/// A prompt page form's write: the CSRF check, the change to the one row the page showed, and
/// back to the page saying `done` (or that the row changed meanwhile), or the refusal.
async fn form_write(
    state: &AppState,
    session: &Session,
    name: Result<Path<String>, axum::extract::rejection::PathRejection>,
    csrf: Option<&str>,
    change: crate::ops::assign::RowChange<'_>,
    row: assign::Selected,
    done: &str,
) -> Response {
    let Ok(Path(name)) = name else {
        return unreadable_path(session);
    };
    if let Some(refused) = csrf_refusal(session, csrf) {
        return refused;
    }
    let back = format!("/prompts/{}", query::encode(&name));
    match assign::apply(state, session, change, &[row]).await {
        Ok(_) => Redirect::to(&format!("{back}?done={done}")).into_response(),
        Err(crate::ops::assign::AssignError::Store(crate::store::StoreError::Conflict(_))) => {
            Redirect::to(&format!("{back}?done=conflict")).into_response()
        }
        Err(error) => {
            let (status, message, details) = assign::failure(&error);
            html_status(
                status,
                pages::problem_list("Not changed", &message, details.lines(), Some(session)),
            )
        }
    }
}

async fn models_page(
    State(state): Shared,
    axum::Extension(session): axum::Extension<Session>,
) -> Response {
    match state.console_view().await {
        Ok(view) => html(pages::models(
            &state.rules().catalog,
            &view,
            (&state.default_model, &state.fallback_model),
            &session,
            &crate::time::today(),
        )),
        Err(error) => unavailable(&error, &session),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct HistoryQuery {
    prompt: String,
    actor: String,
    page: Option<usize>,
}

/// Entries a history page shows.
const HISTORY_PAGE: usize = 50;
/// Entries read to filter by actor.
const HISTORY_SCAN: usize = 20_000;

async fn history_page(
    State(state): Shared,
    axum::Extension(session): axum::Extension<Session>,
    Query(query): Query<HistoryQuery>,
) -> Response {
    let page = query
        .page
        .unwrap_or(1)
        .clamp(1, HISTORY_SCAN / HISTORY_PAGE);
    let prompt = query.prompt.trim();
    let actor = query.actor.trim().to_lowercase();
    let limit = if actor.is_empty() {
        page * HISTORY_PAGE + 1
    } else {
        HISTORY_SCAN
    };
    let entries = match state
        .store
        .history((!prompt.is_empty()).then_some(prompt), limit)
        .await
    {
        Ok(entries) => entries,
        Err(error) => return unavailable(&error, &session),
    };
    let matching: Vec<_> = entries
        .into_iter()
        .filter(|e| actor.is_empty() || e.actor.to_lowercase().contains(&actor))
        .collect();
    let start = (page - 1) * HISTORY_PAGE;
    let shown: Vec<_> = matching
        .iter()
        .skip(start)
        .take(HISTORY_PAGE)
        .cloned()
        .collect();
    let more = matching.len() > start + HISTORY_PAGE;
    html(pages::history(
        &shown,
        prompt,
        query.actor.trim(),
        page,
        more,
        &session,
    ))
}

impl AppState {
    /// The console's view at the prompt cache's revision, built once per revision.
    async fn console_view(&self) -> Result<Arc<View>, crate::store::StoreError> {
        let cache = self.cache();
        let mut slot = self.console.view.lock().await;
        if let Some(view) = slot.as_ref()
            && view.revision >= cache.revision
        {
            return Ok(Arc::clone(view));
        }
        let view = Arc::new(
            View::read(self.store.as_ref(), cache.snapshot.clone(), slot.as_deref()).await?,
        );
        *slot = Some(Arc::clone(&view));
        Ok(view)
    }
}

/// The console's state inside the server.
pub(crate) struct Console {
    sessions: Sessions,
    view: tokio::sync::Mutex<Option<Arc<View>>>,

    /// Everyone's session on a server without auth; one CSRF token for the process.
    anonymous: Session,
}

impl Console {
    pub(crate) fn new() -> Console {
        Console {
            sessions: Sessions::default(),
            view: tokio::sync::Mutex::new(None),
            anonymous: Session::anonymous(),
        }
    }

    fn anonymous(&self) -> Session {
        self.anonymous.clone()
    }
}
