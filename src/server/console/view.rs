//! What the console pages read: the store's rows at one revision, each with its last change
//! from the audit log, built once per revision and shared by every page until the next.
//! Pages filter, sort and cut it in memory, so a page of 10,000 prompts costs a scan, not a
//! query.

use std::collections::HashMap;
use std::sync::Arc;

use crate::catalog::{Catalog, Model};
use crate::store::{AuditEntry, LiveRow, Snapshot, Store, StoreError};

/// Audit entries read to find each row's last change; older changes show as unknown.
const HISTORY_WINDOW: usize = 200_000;

/// The last change of a row.
#[derive(Clone, Debug)]
pub(super) struct LastChange {
    pub(super) revision: i64,
    pub(super) actor: String,
    pub(super) at: i64,
    /// `create`, `update`, `restore`, ….
    pub(super) change: String,
}

impl LastChange {
    /// Made in the console, so git does not say it: drift to `plan`.
    pub(super) fn by_console(&self) -> bool {
        crate::store::console_user(&self.actor).is_some()
    }
}

/// Where a row stands against git, as far as the store's audit log tells: the server does not
/// read the repository, so "in sync" means "as the last apply from git left it" (`plan` is
/// the authority).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum GitStatus {
    /// Last written by an apply (or a change set from the CLI).
    InSync,
    /// Last written in the console: the next apply from git reverts it.
    Drift,
    /// Never written from git: restored from an export, or older than the log the console reads.
    Unmanaged,
}

impl GitStatus {
    pub(super) fn of(change: Option<&LastChange>) -> GitStatus {
        match change {
            Some(change) if change.by_console() => GitStatus::Drift,
            Some(change) if change.change != "restore" => GitStatus::InSync,
            _ => GitStatus::Unmanaged,
        }
    }

    pub(super) fn label(self) -> &'static str {
        match self {
            GitStatus::InSync => "in sync",
            GitStatus::Drift => "drift",
            GitStatus::Unmanaged => "unmanaged",
        }
    }
}

/// The store at one revision, as the console shows it.
pub(super) struct View {
    pub(super) store_id: String,
    pub(super) revision: i64,
    /// Every row, sorted by name then version.
    pub(super) rows: Vec<LiveRow>,
    /// The last change of each row, by position in `rows`.
    pub(super) last: Vec<Option<LastChange>>,
    /// Distinct values for the filters.
    pub(super) models: Vec<String>,
    pub(super) providers: Vec<String>,
    pub(super) subsystems: Vec<String>,
}

impl View {
    /// Read what the console needs at the snapshot's revision. With the view of an earlier
    /// revision, only the audit entries since it are read: after a bulk change, the next page
    /// costs the change's entries, not the whole log.
    pub(super) async fn read(
        store: &dyn Store,
        snapshot: Arc<Snapshot>,
        previous: Option<&View>,
    ) -> Result<View, StoreError> {
        let history = match previous {
            Some(previous) => {
                crate::ops::store::history_since(store, previous.revision, HISTORY_WINDOW)
                    .await?
                    .0
            }
            None => store.history(None, HISTORY_WINDOW).await?,
        };
        Ok(View::build(&snapshot, &history, previous))
    }

    pub(super) fn build(
        snapshot: &Snapshot,
        history: &[AuditEntry],
        previous: Option<&View>,
    ) -> View {
        let mut rows = snapshot.rows.clone();
        rows.sort_by(|a, b| {
            (&a.prompt_name, &a.prompt_version, &a.id).cmp(&(
                &b.prompt_name,
                &b.prompt_version,
                &b.id,
            ))
        });
        // History is newest first: the first entry seen for a row is its last change.
        let mut latest: HashMap<&str, &AuditEntry> = HashMap::new();
        for entry in history {
            if let Some(id) = &entry.row_id {
                latest.entry(id.as_str()).or_insert(entry);
            }
        }
        let before: HashMap<&str, &LastChange> = previous
            .map(|view| {
                view.rows
                    .iter()
                    .zip(&view.last)
                    .filter_map(|(row, last)| Some((row.id.as_str(), last.as_ref()?)))
                    .collect()
            })
            .unwrap_or_default();
        let last = rows
            .iter()
            .map(|row| match latest.get(row.id.as_str()) {
                Some(entry) => Some(LastChange {
                    revision: entry.revision,
                    actor: entry.actor.clone(),
                    at: entry.at,
                    change: entry.change.clone(),
                }),
                None => before.get(row.id.as_str()).map(|change| (*change).clone()),
            })
            .collect();
        let distinct = |values: Vec<&str>| {
            let mut values: Vec<String> = values.into_iter().map(str::to_owned).collect();
            values.sort();
            values.dedup();
            values
        };
        let models = distinct(rows.iter().filter_map(|r| r.ai_model.as_deref()).collect());
        let providers = distinct(
            models
                .iter()
                .filter_map(|m| m.split_once('/').map(|(provider, _)| provider))
                .collect(),
        );
        let subsystems = distinct(rows.iter().filter_map(|r| r.subsystem.as_deref()).collect());
        View {
            store_id: snapshot.store_id.clone(),
            revision: snapshot.revision,
            rows,
            last,
            models,
            providers,
            subsystems,
        }
    }

    /// The positions of `name`'s rows in `rows`.
    pub(super) fn versions_of(&self, name: &str) -> std::ops::Range<usize> {
        let start = self.rows.partition_point(|r| r.prompt_name.as_str() < name);
        let end = self
            .rows
            .partition_point(|r| r.prompt_name.as_str() <= name);
        start..end
    }
}

/// The provider of a model id (`openai` of `openai/gpt-5`).
pub(super) fn provider(model: &str) -> &str {
    model
        .split_once('/')
        .map_or(model, |(provider, _)| provider)
}

/// The catalog entry of a row's model, if it has one the catalog knows.
pub(super) fn model_of<'a>(catalog: &'a Catalog, row: &LiveRow) -> Option<&'a Model> {
    row.ai_model.as_deref().and_then(|id| catalog.get(id))
}
