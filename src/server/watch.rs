//! `GET /v1/watch?since=REV`: Server-Sent Events, one per store revision, so an application
//! refreshes a prompt the moment it changes instead of when a TTL runs out. Each event's id is
//! its revision (a client that reconnects sends `Last-Event-ID` and misses nothing); its data
//! names the prompts the revision changed. Events come from the audit log, in revision order,
//! as this server's cache moves forward (after its own writes at once; after another
//! replica's, on the database's signal).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::AppState;
use super::error::ApiError;
use crate::formats::http_v1::WatchEventV1;
use crate::store::values::MAX_COUNTER;

/// Names an event lists at most; `more` counts the rest.
const NAMES_SHOWN: usize = 1000;

/// Audit entries a catch-up reads at a time (whole revisions, oldest first).
const CATCH_UP: usize = 2_000;

#[derive(Deserialize)]
pub(super) struct WatchQuery {
    since: Option<i64>,
}

pub(super) async fn watch(
    State(state): State<Arc<AppState>>,
    query: Result<Query<WatchQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Response {
    // A revision is 0 to the largest a store counts to; the document says the same.
    let since = match query {
        Ok(Query(WatchQuery { since: None })) => None,
        Ok(Query(WatchQuery { since: Some(since) })) if (0..=MAX_COUNTER).contains(&since) => {
            Some(since)
        }
        _ => {
            return ApiError::bad_request(format!(
                "`since` must be a revision: a whole number from 0 to {MAX_COUNTER}"
            ))
            .into_response();
        }
    };
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let current = state.cache().revision;
    // A start past the store's revision (a store made again from scratch) would wait in
    // silence: start at the revision there is (at worst, events the client has seen again).
    let from = resume.or(since).unwrap_or(current).clamp(0, current.max(0));
    let watcher = Watcher {
        revisions: state.revisions.subscribe(),
        closing: state.closing.subscribe(),
        state,
        sent: from,
        pending: VecDeque::new(),
    };
    let stream = futures_util::stream::unfold(watcher, |mut watcher| async move {
        watcher
            .next()
            .await
            .map(|event| (Ok::<_, Infallible>(event), watcher))
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// One client's stream: what it was last sent, and the events read but not yet sent.
struct Watcher {
    state: Arc<AppState>,
    revisions: tokio::sync::watch::Receiver<i64>,
    closing: tokio::sync::watch::Receiver<bool>,
    sent: i64,
    pending: VecDeque<Event>,
}

impl Watcher {
    /// The next event, waiting for the store to move; `None` ends the stream (the server is
    /// stopping, or the log cannot be read: the client reconnects with `Last-Event-ID`).
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(event);
            }
            if *self.closing.borrow() {
                return None;
            }
            let current = *self.revisions.borrow_and_update();
            if current > self.sent {
                self.read_up_to(current).await?;
                continue;
            }
            tokio::select! {
                changed = self.revisions.changed() => changed.ok()?,
                _ = self.closing.changed() => return None,
            }
        }
    }

    /// Queue one event per revision after `sent` up to `current`, reading the audit log
    /// oldest first, a bounded batch at a time.
    async fn read_up_to(&mut self, current: i64) -> Option<()> {
        while self.sent < current {
            let entries = self
                .state
                .store
                .audit_after(self.sent, CATCH_UP)
                .await
                .map_err(|error| tracing::warn!(%error, "watch: cannot read the audit log"))
                .ok()?;
            let Some(last) = entries.last().map(|e| e.revision) else {
                // The log has nothing past `sent` (yet): the next change will say.
                self.sent = current;
                break;
            };
            let mut by_revision: BTreeMap<i64, (BTreeSet<String>, bool)> = BTreeMap::new();
            for entry in entries {
                let (names, all) = by_revision.entry(entry.revision).or_default();
                *all |= entry.change == "restore";
                if let Some(name) = entry.prompt_name {
                    names.insert(name);
                }
            }
            for (revision, (names, all)) in by_revision {
                let more = names.len().saturating_sub(NAMES_SHOWN);
                let data = WatchEventV1 {
                    revision,
                    names: names.into_iter().take(NAMES_SHOWN).collect(),
                    more,
                    all,
                };
                let event = Event::default()
                    .id(revision.to_string())
                    .event("revision")
                    .json_data(&data)
                    .ok()?;
                self.pending.push_back(event);
            }
            self.sent = last;
        }
        Some(())
    }
}
