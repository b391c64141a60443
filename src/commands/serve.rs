//! `promptctl serve`

use std::sync::Arc;
use std::time::Duration;

use crate::cli::ServeArgs;
use crate::error::ExitStatus;
use crate::server::{self, ServeOptions, Tokens};
use crate::settings::Settings;

pub(super) async fn run(
    settings: &Settings,
    args: &ServeArgs,
    verbose: u8,
) -> anyhow::Result<ExitStatus> {
    let database = args
        .database
        .clone()
        .unwrap_or_else(|| settings.store.url.clone());
    if database.starts_with("http://") || database.starts_with("https://") {
        anyhow::bail!(
            "serve needs a database (sqlite:PATH or postgres://…), not another server: {}",
            crate::store::redact(&database)
        );
    }
    let tokens = tokens(args)?;
    let webhooks = webhooks(args)?;
    let log = init_logging(verbose);
    let served = async {
        let store = crate::store::open(&database, None, crate::store::Access::Create).await?;
        let options = ServeOptions {
            listen: args.listen,
            tokens,
            default_model: settings.default_model.clone(),
            fallback_model: settings.fallback_model.clone(),
            refresh_interval: Duration::from_millis(args.refresh_ms.max(50)),
            max_body_bytes: args.max_body_mib.saturating_mul(1024 * 1024),
            request_timeout: Duration::from_secs(args.request_timeout.max(1)),
            limits: server::ConnectionLimits {
                header_timeout: Duration::from_secs(args.header_timeout.max(1)),
                max_connections: args.max_connections.max(1),
            },
            webhooks,
        };
        server::serve(Arc::from(store), options).await?;
        anyhow::Ok(())
    }
    .await;
    log.flush();
    served?;
    Ok(ExitStatus::Success)
}

/// `--webhook URL`s and `PROMPTCTL_WEBHOOK_SECRET`, which they need.
fn webhooks(args: &ServeArgs) -> anyhow::Result<Option<server::webhooks::Webhooks>> {
    if args.webhooks.is_empty() {
        return Ok(None);
    }
    let endpoints = args
        .webhooks
        .iter()
        .map(|url| server::webhooks::Endpoint::parse(url).map_err(anyhow::Error::msg))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let secret = std::env::var("PROMPTCTL_WEBHOOK_SECRET")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--webhook needs PROMPTCTL_WEBHOOK_SECRET: the key each delivery is signed with (receivers check X-Promptctl-Signature)"
            )
        })?;
    Ok(Some(server::webhooks::Webhooks {
        endpoints,
        secret: crate::secret::Secret::new(secret),
    }))
}

/// The tokens to accept: `--tokens FILE`, else `PROMPTCTL_TOKENS`; none only with
/// `--insecure-no-auth`, which loopback addresses alone allow.
fn tokens(args: &ServeArgs) -> anyhow::Result<Option<Tokens>> {
    if args.insecure_no_auth {
        if !args.listen.ip().is_loopback() {
            anyhow::bail!(
                "--insecure-no-auth is allowed only on a loopback address (127.0.0.1 or ::1), not {}",
                args.listen
            );
        }
        return Ok(None);
    }
    if let Some(path) = &args.tokens {
        let text = fs_err::read_to_string(path)?;
        return Ok(Some(Tokens::parse(&text, &path.display().to_string())?));
    }
    if let Ok(text) = std::env::var("PROMPTCTL_TOKENS")
        && !text.trim().is_empty()
    {
        return Ok(Some(Tokens::parse(&text, "PROMPTCTL_TOKENS")?));
    }
    anyhow::bail!(
        "serve needs tokens: pass --tokens FILE (make lines with `promptctl token new`), or --insecure-no-auth on a loopback address"
    )
}

/// Structured request logs on stderr, written in batches off the request path;
/// `PROMPTCTL_LOG` sets the filter (default `info`; `-v` adds promptctl's own debug lines,
/// `-vv` every SQL statement, as for every other command).
fn init_logging(verbose: u8) -> server::LogSink {
    let sink = server::LogSink::to_stderr();
    sink.install();
    let level = match verbose {
        0 => "info",
        1 => "info,promptctl=debug",
        _ => "info,promptctl=trace,sqlx=debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("PROMPTCTL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(sink.clone())
        .with_ansi(false)
        .try_init();
    sink
}
