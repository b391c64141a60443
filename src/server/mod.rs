//! `promptctl serve`: an HTTP face over any [`Store`]. Applications read the active prompt and
//! its model from memory; the reconciler plans and applies through the same API.
//!
//! Layers, outermost first: request log (no secrets) → per-request timeout → body limit →
//! routing → the route's bearer-token check (its role, from the one route table) → handler.
//! Every error is `{"error":{"code","message"}}`.

pub mod auth;
mod cache;
mod console;
mod error;
mod handlers;
mod host;
mod listen;
mod log_sink;
pub mod openapi;
pub mod usage;
mod watch;
pub mod webhooks;

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tokio::sync::Notify;

pub use auth::{Role, Tokens};
use cache::PromptCache;
pub use error::ApiError;
pub use listen::ConnectionLimits;
pub use log_sink::LogSink;

use crate::store::{Rules, Store};

/// Everything `serve` is configured with.
pub struct ServeOptions {
    pub listen: SocketAddr,
    /// `None` only with `--insecure-no-auth` on a loopback address.
    pub tokens: Option<Tokens>,
    pub default_model: String,
    pub fallback_model: String,
    /// How often to look for changes made by other servers on the same database.
    pub refresh_interval: Duration,
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
    /// How long a connection may take to send a request head, and how many may be open.
    pub limits: ConnectionLimits,
    /// Where each applied revision is POSTed, and the secret that signs it.
    pub webhooks: Option<webhooks::Webhooks>,
}

/// Above this many changed rows a refresh reads the whole store rather than patching.
const PATCH_LIMIT: usize = 2_000;

/// What handlers share.
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub tokens: Option<Tokens>,
    /// The rules of record the store holds (the built-in catalog where none are published):
    /// what the store enforces on every write, and what the console offers and prices by.
    rules: RwLock<Arc<Rules>>,
    pub default_model: String,
    pub fallback_model: String,
    cache: RwLock<Arc<PromptCache>>,
    /// One refresh at a time: two at once would both read the store, and the slower could
    /// install the older snapshot.
    refreshing: tokio::sync::Mutex<()>,
    /// Wakes the refresher: after a write on this server, or a signal from the database.
    changed: Notify,
    /// The web console's sessions and view.
    console: console::Console,
    /// The revision of the installed cache, for `GET /v1/watch`.
    revisions: tokio::sync::watch::Sender<i64>,
    /// Set when the server stops: watch streams end, so shutdown does not wait on them.
    closing: tokio::sync::watch::Sender<bool>,
    /// Reads of each prompt since the server started.
    usage: usage::Usage,
}

impl AppState {
    fn cache(&self) -> Arc<PromptCache> {
        match self.cache.read() {
            Ok(cache) => Arc::clone(&cache),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// The rules of record as of the last refresh.
    pub fn rules(&self) -> Arc<Rules> {
        match self.rules.read() {
            Ok(rules) => Arc::clone(&rules),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Read the rules of record again, after the revision moved. Rules that do not read
    /// leave the last ones in place (the store refuses every write until they are published
    /// again, and says so).
    async fn refresh_rules(&self) {
        let rules = match self.store.rules().await {
            Ok(published) => published.map_or_else(Rules::builtin, |p| p.rules),
            Err(error) => {
                tracing::error!(%error, "the store's rules of record could not be read");
                return;
            }
        };
        let mut slot = match self.rules.write() {
            Ok(slot) => slot,
            Err(poisoned) => poisoned.into_inner(),
        };
        if **slot != rules {
            *slot = Arc::new(rules);
        }
    }

    /// Rebuild the prompt cache if the store moved past it. The cache only ever moves
    /// forward: refreshes run one at a time, and an older snapshot never replaces a newer one.
    async fn refresh(&self) -> Result<(), crate::store::StoreError> {
        let _one_at_a_time = self.refreshing.lock().await;
        let started = Instant::now();
        let revision = self.store.revision().await?;
        let current = self.cache();
        if revision <= current.revision && current.list.is_some() {
            return Ok(());
        }
        self.refresh_rules().await;
        // Catch up on what changed since, where the store can say; read it all otherwise.
        if current.list.is_some()
            && let Some(delta) = self
                .store
                .changed_since(current.revision, PATCH_LIMIT)
                .await?
            && let read_ms = started.elapsed().as_secs_f64() * 1000.0
            && let Some(patched) = current.patch(delta, &self.default_model, &self.fallback_model)
        {
            tracing::debug!(
                from = current.revision,
                to = patched.revision,
                read_ms,
                ms = started.elapsed().as_secs_f64() * 1000.0,
                "cache patched"
            );
            self.install(patched);
            return Ok(());
        }
        let snapshot = Arc::new(self.store.snapshot().await?);
        self.install(PromptCache::build(
            snapshot,
            &self.default_model,
            &self.fallback_model,
        ));
        tracing::debug!(
            to = revision,
            ms = started.elapsed().as_secs_f64() * 1000.0,
            "cache rebuilt from the whole store"
        );
        Ok(())
    }

    /// Put `cache` in place, unless the one there is newer.
    fn install(&self, cache: Arc<PromptCache>) {
        let mut slot = match self.cache.write() {
            Ok(slot) => slot,
            Err(poisoned) => poisoned.into_inner(),
        };
        if slot.list.is_none() || cache.revision >= slot.revision {
            let revision = cache.revision;
            *slot = cache;
            self.revisions.send_if_modified(|current| {
                let moved = revision > *current;
                if moved {
                    *current = revision;
                }
                moved
            });
        }
    }
}

/// One route: method, path (axum syntax), the role it needs (`None`: public), what it does.
/// The router and the OpenAPI document are both made from this list, so they cannot drift.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub role: Option<Role>,
    pub summary: &'static str,
}

/// Every route of the API.
pub fn routes() -> Vec<Route> {
    let route = |method: Method, path, role, summary| Route {
        method,
        path,
        role,
        summary,
    };
    vec![
        route(
            Method::GET,
            "/healthz",
            None,
            "Liveness and the store revision",
        ),
        route(
            Method::GET,
            "/v1/snapshot",
            Some(Role::Read),
            "Every row, the store id and revision (for plan)",
        ),
        route(
            Method::POST,
            "/v1/changesets",
            Some(Role::Admin),
            "Apply a change set atomically",
        ),
        route(
            Method::GET,
            "/v1/prompts",
            Some(Role::Read),
            "The active production prompts",
        ),
        route(
            Method::GET,
            "/v1/prompts/{name}",
            Some(Role::Read),
            "The active production version of a prompt, with its model",
        ),
        route(
            Method::GET,
            "/v1/watch",
            Some(Role::Read),
            "Server-Sent Events, one per store revision, naming the prompts it changed",
        ),
        route(
            Method::GET,
            "/v1/usage",
            Some(Role::Read),
            "Reads of each prompt (and canary arm) on this server since it started",
        ),
        route(
            Method::GET,
            "/v1/webhooks/deliveries",
            Some(Role::Admin),
            "Each webhook endpoint: the last revision delivered and the last attempt",
        ),
        route(
            Method::GET,
            "/v1/rules",
            Some(Role::Read),
            "The rules of record the store enforces on every write",
        ),
        route(
            Method::GET,
            "/v1/history",
            Some(Role::Read),
            "The audit log, newest first",
        ),
        route(
            Method::GET,
            "/v1/models",
            Some(Role::Read),
            "The model catalog",
        ),
        route(
            Method::POST,
            "/v1/restore",
            Some(Role::Admin),
            "Load an export into the store (a forced restore keeps the rows it replaces)",
        ),
        route(
            Method::GET,
            "/v1/backups/{id}",
            Some(Role::Read),
            "The rows a forced restore replaced, as an export",
        ),
    ]
}

/// After a write, the cache catches up before the answer goes out: a client that wrote reads
/// its write from this server.
pub(crate) async fn refresh_after_write(state: &AppState) {
    if let Err(error) = state.refresh().await {
        tracing::warn!(%error, "could not refresh the prompt cache");
        state.changed.notify_one();
    }
}

/// The application: routes (the API under `/v1`, the console beside it), auth, limits,
/// logging.
pub fn app(state: Arc<AppState>, options: &ServeOptions) -> Router {
    let open_to_anyone = state.tokens.is_none();
    let mut router = console::router(&state);
    for route in routes() {
        // The role a route needs comes from the same table the OpenAPI document is made from.
        let guarded = handlers::for_route(&route).route_layer(middleware::from_fn_with_state(
            (Arc::clone(&state), route.role),
            authorize,
        ));
        router = router.route(route.path, guarded);
    }
    if open_to_anyone {
        // Innermost of the layers below, so a refused request is still logged and timed.
        router = router.layer(middleware::from_fn(host::loopback_only));
    }
    router
        .fallback(|| async { ApiError::not_found("no such endpoint") })
        .method_not_allowed_fallback(|method: Method| async move {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("{method} is not allowed on this endpoint"),
            )
        })
        .layer(DefaultBodyLimit::max(options.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            options.max_body_bytes,
            declared_length,
        ))
        .layer(middleware::from_fn_with_state(
            options.request_timeout,
            time_limit,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .layer(middleware::from_fn(log))
        .with_state(state)
}

/// A bug must cost one request a 500, never the server.
fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a handler panicked");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "internal error",
    )
    .into_response()
}

/// The authenticated caller's name, for the log and the audit log.
#[derive(Clone)]
pub struct Caller(pub String);

/// Admit a request to a route that needs `needed` (`None`: public).
async fn authorize(
    State((state, needed)): State<(Arc<AppState>, Option<Role>)>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(needed) = needed else {
        return next.run(request).await;
    };
    let Some(tokens) = &state.tokens else {
        return next.run(request).await;
    };
    let presented = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(token) = presented.and_then(|p| tokens.authenticate(p)) else {
        return ApiError::unauthorized().into_response();
    };
    let caller = Caller(token.name.clone());
    if token.role < needed {
        let mut response = ApiError::forbidden(needed.as_str()).into_response();
        response.extensions_mut().insert(caller);
        return response;
    }
    request.extensions_mut().insert(caller.clone());
    let mut response = next.run(request).await;
    // For the request log, which sees only the response.
    response.extensions_mut().insert(caller);
    response
}

/// A body declared larger than the limit is refused at once, before it is sent; the limit on
/// reading catches bodies that lie about their length.
async fn declared_length(State(max): State<usize>, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > max as u64) {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the request body is larger than the {max} bytes the server accepts"),
        )
        .into_response();
    }
    next.run(request).await
}

async fn time_limit(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    let reads = request.method() == Method::GET || request.method() == Method::HEAD;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) if reads => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!(
                "the request took longer than {} s and was cancelled",
                limit.as_secs()
            ),
        )
        .into_response(),
        // A write cut off before its commit rolls back (dropping its transaction undoes it),
        // but one cut off during the commit may have landed: the outcome is unknown.
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "outcome_unknown",
            format!(
                "the request took longer than {} s and was cancelled; it may or may not have been applied: retry with the same Idempotency-Key, or read /v1/history",
                limit.as_secs()
            ),
        )
        .into_response(),
    }
}

/// One line per request: method, path, status, milliseconds, caller name. Never a header.
async fn log(request: Request, next: Next) -> Response {
    if !tracing::enabled!(tracing::Level::INFO) {
        return next.run(request).await;
    }
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let caller = response
        .extensions()
        .get::<Caller>()
        .map_or("-", |c| c.0.as_str());
    let status = response.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if !log_sink::request(method.as_str(), &path, status, ms, caller) {
        tracing::info!(%method, path = %path, status, ms, caller, "request");
    }
    response
}

/// Why `serve` could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}{}", if source.kind() == std::io::ErrorKind::AddrInUse { " (another process uses the port; choose another with --listen)" } else { "" })]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// Serve until SIGTERM or Ctrl-C, then finish the requests in flight and return.
pub async fn serve(store: Arc<dyn Store>, options: ServeOptions) -> Result<(), ServeError> {
    let shutdown = shutdown_signal();
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: options.listen,
            source,
        })?;
    serve_on(listener, store, options, shutdown).await
}

/// Serve on a bound listener until `shutdown` completes, then finish the requests in flight.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    store: Arc<dyn Store>,
    options: ServeOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let state = Arc::new(AppState {
        store,
        tokens: options.tokens.clone(),
        rules: RwLock::new(Arc::new(Rules::builtin())),
        default_model: options.default_model.clone(),
        fallback_model: options.fallback_model.clone(),
        cache: RwLock::new(Arc::new(PromptCache::default())),
        refreshing: tokio::sync::Mutex::new(()),
        changed: Notify::new(),
        console: console::Console::new(),
        revisions: tokio::sync::watch::channel(0).0,
        closing: tokio::sync::watch::channel(false).0,
        usage: usage::Usage::new(),
    });
    state.refresh().await?;
    let refresher = tokio::spawn(refresh_loop(Arc::clone(&state), options.refresh_interval));
    let deliverer = options
        .webhooks
        .clone()
        .map(|hooks| tokio::spawn(webhooks::run(Arc::clone(&state), hooks)));
    let listener_task = state.store.revision_feed().map(|mut feed| {
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            while feed.recv().await.is_some() {
                state.changed.notify_one();
            }
        })
    });
    let local = listener.local_addr()?;
    tracing::info!(addr = %local, auth = state.tokens.is_some(), "promptctl serve listening");
    listen::serve(
        listener,
        app(Arc::clone(&state), &options),
        options.limits,
        {
            let state = Arc::clone(&state);
            async move {
                shutdown.await;
                state.closing.send_replace(true);
            }
        },
    )
    .await;
    refresher.abort();
    if let Some(task) = deliverer {
        task.abort();
    }
    if let Some(task) = listener_task {
        task.abort();
    }
    tracing::info!("promptctl serve stopped");
    Ok(())
}

/// Keep the cache at the store's revision: at once after a local write or a signal from the
/// database (another server's write, on PostgreSQL), else every interval (the fallback for a
/// signal lost with its connection).
async fn refresh_loop(state: Arc<AppState>, interval: Duration) {
    loop {
        tokio::select! {
            () = state.changed.notified() => {}
            () = tokio::time::sleep(interval) => {}
        }
        if let Err(error) = state.refresh().await {
            tracing::warn!(%error, "could not refresh the prompt cache");
        }
    }
}

/// Resolves on SIGTERM or Ctrl-C. The handlers are installed when this is called, not when
/// it is first polled: a signal that arrives while the server starts up must not kill it.
fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let (terminate, interrupt) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let wait = |signal: Option<tokio::signal::unix::Signal>| async move {
                match signal {
                    Some(mut signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(terminate) => {}
                () = wait(interrupt) => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutting down: finishing requests in flight");
    }
}
