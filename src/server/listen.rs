//! The accept loop: each connection served by hyper's HTTP/1 with the limits a public server
//! needs, which tower layers cannot give (they start once a request's headers are read):
//! a connection that has not sent a whole request head within the header timeout — a
//! slowloris, or an idle keep-alive connection waiting for its next request — is closed, and
//! at most so many connections are open at once (past that, a new one is answered 503 and
//! closed, so `/healthz` and the file descriptors keep working).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// How connections are bounded.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// A request head (the first, or the next on a kept-alive connection) must arrive whole
    /// within this; otherwise the connection is closed. It also bounds how long a kept-alive
    /// connection may sit idle.
    pub header_timeout: Duration,
    /// Connections open at once.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_timeout: Duration::from_secs(30),
            max_connections: 4096,
        }
    }
}

/// Serve `router` on `listener` until `shutdown` resolves, then let the requests in flight
/// finish (for at most the header timeout plus a second).
///
/// Connections are served as nginx's worker processes serve them: one thread a core, each
/// with a runtime of its own accepting from the same socket and serving its connections to
/// the end. A request never moves between threads, so serving it wakes no other thread, and
/// the slowest requests are not the ones that waited for a wake-up (p99 is what a client of
/// a prompt server feels). Background work (the cache, webhooks) stays on the main runtime.
pub(super) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let listener = match listener.into_std() {
        Ok(listener) => listener,
        Err(error) => {
            tracing::error!(%error, "cannot share the listening socket");
            return;
        }
    };
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let mut workers = Vec::with_capacity(threads);
    for index in 0..threads {
        let worker = Worker {
            router: router.clone(),
            limits,
            permits: Arc::clone(&permits),
            stopped: stopped.clone(),
        };
        let (done, finished) = tokio::sync::oneshot::channel::<()>();
        let spawned = listener.try_clone().and_then(|listener| {
            std::thread::Builder::new()
                .name(format!("promptctl-http-{index}"))
                .spawn(move || {
                    worker.run(listener);
                    let _ = done.send(());
                })
        });
        match spawned {
            Ok(_) => workers.push(finished),
            Err(error) => tracing::error!(%error, "cannot start an HTTP worker thread"),
        }
    }
    drop(listener);
    shutdown.await;
    stop.send_replace(true);
    for finished in workers {
        let _ = finished.await;
    }
}

/// One thread's share of the connections.
struct Worker {
    router: Router,
    limits: ConnectionLimits,
    permits: Arc<Semaphore>,
    stopped: tokio::sync::watch::Receiver<bool>,
}

impl Worker {
    fn run(self, listener: std::net::TcpListener) {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(error) => {
                tracing::error!(%error, "cannot start an HTTP worker's runtime");
                return;
            }
        };
        runtime.block_on(async move {
            match TcpListener::from_std(listener) {
                Ok(listener) => self.accept(listener).await,
                Err(error) => tracing::error!(%error, "cannot listen on an HTTP worker"),
            }
        });
    }

    async fn accept(mut self, listener: TcpListener) {
        let graceful = GracefulShutdown::new();
        loop {
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Out of file descriptors, or a connection reset before it was
                        // taken: wait a moment rather than spin, and go on.
                        tracing::warn!(%error, "cannot accept a connection");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                _ = self.stopped.wait_for(|stop| *stop) => break,
            };
            let Ok(permit) = Arc::clone(&self.permits).try_acquire_owned() else {
                tokio::spawn(turn_away(stream));
                continue;
            };
            let _ = stream.set_nodelay(true);
            let router = self.router.clone();
            let service =
                hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    router.clone().oneshot(request)
                });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(self.limits.header_timeout)
                .serve_connection(TokioIo::new(stream), service);
            let connection = graceful.watch(connection);
            tokio::spawn(async move {
                if let Err(error) = connection.await {
                    tracing::debug!(%peer, %error, "connection closed");
                }
                drop(permit);
            });
        }
        drop(listener);
        let grace = self.limits.header_timeout + Duration::from_secs(1);
        if tokio::time::timeout(grace, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("some connections were still open after {grace:?}; closing them");
        }
    }
}

/// A connection past the limit: a short answer, then closed.
async fn turn_away(mut stream: TcpStream) {
    const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: 81\r\nconnection: close\r\n\r\n{\"error\":{\"code\":\"unavailable\",\"message\":\"too many connections; try again soon\"}}";
    let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(BUSY)).await;
}
