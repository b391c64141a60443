//! Webhooks: every applied revision POSTed to each `--webhook URL`, signed, at least once, in
//! revision order per endpoint, across restarts, by one replica at a time.
//!
//! Nothing is lost because nothing is queued in memory: the audit log is the outbox (its
//! entries are written in the transaction that applies a revision), and each endpoint's
//! cursor — the last revision it acknowledged with a 2xx — is kept in the store. A server
//! killed between a commit and its delivery delivers it when it (or another replica) runs
//! again; a delivery whose acknowledgement was lost is sent again (receivers dedupe on
//! `X-Promptctl-Delivery`). The replica holding the store's delivery lease delivers; the
//! others wait for it to lapse.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::AppState;
use crate::secret::Secret;
use crate::store::{AuditEntry, DeliveryAttempt};

/// How long a lease lasts without being renewed: longer than a delivery's time limit, and it
/// is renewed before each delivery, so another replica takes over only after a delivery has
/// ended (at worst sending that revision again: at least once, never out of order). A killed
/// server's lease lapses after this long, then another (or its restart) delivers.
const LEASE_MS: i64 = 15_000;
/// Audit entries read per round (whole revisions).
const BATCH: usize = 2_000;
/// Backoff after a failed delivery, doubling to the cap.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// A delivery's time limit.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// The endpoints and the secret they are signed with.
#[derive(Clone, Debug)]
pub struct Webhooks {
    pub endpoints: Vec<Endpoint>,
    pub secret: Secret,
}

#[derive(Clone)]
pub struct Endpoint {
    url: String,
    /// A digest of the URL: the store's key (the URL may hold a secret).
    key: String,
    /// What listings and logs show: scheme, host and port, and a digest prefix — a path or
    /// query may hold a secret (Slack-style tokens, `code=`).
    shown: String,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("shown", &self.shown)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    /// An endpoint from `--webhook URL`: `https://`, or `http://` on a loopback address.
    pub fn parse(url: &str) -> Result<Endpoint, String> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| format!("--webhook {}: not a URL: {e}", crate::store::redact(url)))?;
        let host = parsed.host_str().unwrap_or_default();
        let loopback = host == "localhost"
            || host
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        match parsed.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" => {
                return Err(format!(
                    "--webhook http://{host}/…: http:// only on a loopback address; use https://"
                ));
            }
            other => return Err(format!("--webhook: `{other}://` is not http(s)")),
        }
        let key = crate::digest::sha256_hex(url.as_bytes());
        let port = parsed.port().map(|p| format!(":{p}")).unwrap_or_default();
        Ok(Endpoint {
            url: url.to_owned(),
            shown: format!("{}://{host}{port}/… ({})", parsed.scheme(), &key[..8]),
            key,
        })
    }
}

/// A delivery's body: one revision.
#[derive(Serialize)]
struct RevisionV1<'a> {
    revision: i64,
    at: i64,
    actor: &'a str,
    changes: Vec<ChangeV1<'a>>,
}

#[derive(Serialize)]
struct ChangeV1<'a> {
    change: &'a str,
    prompt_name: Option<&'a str>,
    prompt_version: Option<&'a str>,
    before: &'a Option<serde_json::Value>,
    after: &'a Option<serde_json::Value>,
}

/// Deliver until the server stops.
pub(super) async fn run(state: Arc<AppState>, hooks: Webhooks) {
    let holder = crate::store::new_id();
    crate::store::http::ensure_tls_provider();
    // A redirect is an answer, not a delivery: following one would turn the POST into a GET
    // (a login page's 200 would pass for an acknowledgement) or carry the body off to a host
    // `--webhook` would refuse.
    let client = match reqwest::Client::builder()
        .timeout(DELIVERY_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "webhooks: cannot make an HTTP client; nothing is delivered");
            return;
        }
    };
    // New endpoints start at the revision the server started at. A store that cannot be
    // written now (a database restarting) is tried again, with backoff, until it can.
    let start = state.cache().revision;
    let mut closing = state.closing.subscribe();
    let mut delay = FIRST_BACKOFF;
    'register: loop {
        for endpoint in &hooks.endpoints {
            let attempt = DeliveryAttempt {
                endpoint: endpoint.key.clone(),
                shown_url: endpoint.shown.clone(),
                start_revision: start,
                delivered: None,
                status: None,
                at: crate::store::now_ms(),
            };
            if let Err(error) = state.store.record_delivery(&attempt).await {
                tracing::warn!(%error, "webhooks: cannot register the endpoints yet; retrying");
                tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    _ = closing.changed() => return,
                }
                delay = (delay * 2).min(MAX_BACKOFF);
                continue 'register;
            }
        }
        break;
    }
    let mut revisions = state.revisions.subscribe();
    let mut waits: HashMap<String, (Instant, Duration)> = HashMap::new();
    loop {
        if *closing.borrow() {
            return;
        }
        match state
            .store
            .take_webhook_lease(&holder, crate::store::now_ms(), LEASE_MS)
            .await
        {
            Ok(true) => {
                for endpoint in &hooks.endpoints {
                    if waits
                        .get(&endpoint.key)
                        .is_some_and(|(until, _)| Instant::now() < *until)
                    {
                        continue;
                    }
                    match deliver(&state, &client, &hooks.secret, endpoint, &holder).await {
                        Ok(()) => {
                            waits.remove(&endpoint.key);
                        }
                        Err(()) => {
                            let delay = waits
                                .get(&endpoint.key)
                                .map_or(FIRST_BACKOFF, |(_, d)| (*d * 2).min(MAX_BACKOFF));
                            waits.insert(endpoint.key.clone(), (Instant::now() + delay, delay));
                        }
                    }
                }
            }
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, "webhooks: cannot take the delivery lease"),
        }
        tokio::select! {
            _ = revisions.changed() => {}
            _ = closing.changed() => {}
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
    }
}

/// Send `endpoint` every revision after its cursor, in order; stop at the first failure.
async fn deliver(
    state: &AppState,
    client: &reqwest::Client,
    secret: &Secret,
    endpoint: &Endpoint,
    holder: &str,
) -> Result<(), ()> {
    let store = state.store.as_ref();
    let deliveries = store.webhook_deliveries().await.map_err(|error| {
        tracing::warn!(%error, "webhooks: cannot read the delivery state");
    })?;
    let Some(cursor) = deliveries
        .iter()
        .find(|d| d.endpoint == endpoint.key)
        .map(|d| d.delivered_revision)
    else {
        return Err(());
    };
    let entries = store.audit_after(cursor, BATCH).await.map_err(|error| {
        tracing::warn!(%error, "webhooks: cannot read the audit log");
    })?;
    let mut revisions: BTreeMap<i64, Vec<&AuditEntry>> = BTreeMap::new();
    for entry in &entries {
        revisions.entry(entry.revision).or_default().push(entry);
    }
    for (revision, entries) in revisions {
        let body = serde_json::to_vec(&RevisionV1 {
            revision,
            at: entries[0].at,
            actor: &entries[0].actor,
            changes: entries
                .iter()
                .map(|e| ChangeV1 {
                    change: &e.change,
                    prompt_name: e.prompt_name.as_deref(),
                    prompt_version: e.prompt_version.as_deref(),
                    before: &e.before,
                    after: &e.after,
                })
                .collect(),
        })
        .unwrap_or_default();
        // Still the one delivering? (Renewed before each POST; lost, another replica goes on.)
        match store
            .take_webhook_lease(holder, crate::store::now_ms(), LEASE_MS)
            .await
        {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(error) => {
                tracing::warn!(%error, "webhooks: cannot renew the delivery lease");
                return Err(());
            }
        }
        let signature = crate::digest::hmac_sha256_hex(secret.expose().as_bytes(), &body);
        let sent = client
            .post(&endpoint.url)
            .header("content-type", "application/json")
            .header("x-promptctl-signature", format!("sha256={signature}"))
            .header(
                "x-promptctl-delivery",
                format!("{}-{revision}", &endpoint.key[..16]),
            )
            .header(
                "x-promptctl-timestamp",
                (crate::store::now_ms() / 1000).to_string(),
            )
            .header("x-promptctl-revision", revision.to_string())
            .body(body)
            .send()
            .await;
        let (delivered, status) = match &sent {
            Ok(response) if response.status().is_success() => {
                (Some(revision), response.status().as_u16().to_string())
            }
            Ok(response) => (None, response.status().as_u16().to_string()),
            // The error without the URL, which may hold a secret.
            Err(error) => (None, crate::store::redact(&error.without_url_string())),
        };
        let attempt = DeliveryAttempt {
            endpoint: endpoint.key.clone(),
            shown_url: endpoint.shown.clone(),
            start_revision: cursor,
            delivered,
            status: Some(status.clone()),
            at: crate::store::now_ms(),
        };
        if let Err(error) = store.record_delivery(&attempt).await {
            tracing::warn!(%error, "webhooks: cannot record a delivery");
            return Err(());
        }
        if delivered.is_none() {
            tracing::warn!(endpoint = %endpoint.shown, revision, %status, "webhook delivery failed; retrying");
            return Err(());
        }
    }
    Ok(())
}

/// `reqwest::Error`'s text without its URL.
trait WithoutUrl {
    fn without_url_string(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_string(&self) -> String {
        let mut error = std::error::Error::source(self)
            .map_or_else(|| "request failed".to_owned(), ToString::to_string);
        if self.is_timeout() {
            error = "timed out".to_owned();
        } else if self.is_connect() {
            error = format!("cannot connect: {error}");
        }
        error
    }
}
