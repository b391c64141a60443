//! What the console pages read: the store's rows at one revision, each with its last change
//! from the audit log, built once per revision and shared by every page until the next.
//! Pages filter, sort and cut it in memory, so a page of 10,000 prompts costs a scan, not a
//! query.

use std::collections::HashMap;
use std::sync::Arc;

use crate::catalog::{Catalog, Model};
use crate::store::{AuditEntry, Delta, LiveRow, Snapshot, Store, StoreError};

/// Audit entries read to find each row's last change; older changes show as unknown.
const HISTORY_WINDOW: usize = 200_000;

/// Rows changed since the last view read one by one; past it, the whole store is read.
const PATCH_LIMIT: usize = 5_000;

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
    /// Every row, sorted by name then version; shared with the views after it, which replace
    /// only the rows that changed.
    pub(super) rows: Vec<Arc<LiveRow>>,
    /// The last change of each row, by position in `rows`.
    pub(super) last: Vec<Option<LastChange>>,
    /// Distinct values for the filters.
    pub(super) models: Vec<String>,
    pub(super) providers: Vec<String>,
    pub(super) subsystems: Vec<String>,
}

impl View {
    /// Read what the console needs at the store's revision. With the view of an earlier
    /// revision, only what changed since is read: the rows the audit log names (where the
    /// prompt cache was patched rather than rebuilt, so holds no whole snapshot) and their
    /// audit entries. After a bulk change of 1,000 rows, the next page costs those rows, not
    /// a read of all 10,000 templates.
    pub(super) async fn read(
        store: &dyn Store,
        cached: Option<Arc<Snapshot>>,
        previous: Option<&View>,
    ) -> Result<View, StoreError> {
        let Some(previous) = previous else {
            let snapshot = match cached {
                Some(snapshot) => snapshot,
                None => Arc::new(store.snapshot().await?),
            };
            let history = store.history(None, HISTORY_WINDOW).await?;
            return Ok(View::build(&snapshot, &history, None));
        };
        let delta = match cached {
            Some(_) => None,
            None => store
                .changed_since(previous.revision, PATCH_LIMIT)
                .await?
                .filter(|delta| delta.store_id == previous.store_id),
        };
        // Read after the rows, so it covers at least their revision.
        let history = crate::ops::store::history_since(store, previous.revision, HISTORY_WINDOW)
            .await?
            .0;
        match (delta, cached) {
            (Some(delta), _) => Ok(View::patched(previous, delta, &history)),
            (None, Some(snapshot)) => Ok(View::build(&snapshot, &history, Some(previous))),
            (None, None) => {
                let snapshot = store.snapshot().await?;
                Ok(View::build(&snapshot, &history, Some(previous)))
            }
        }
    }

    pub(super) fn build(
        snapshot: &Snapshot,
        history: &[AuditEntry],
        previous: Option<&View>,
    ) -> View {
        let rows = snapshot.rows.iter().cloned().map(Arc::new).collect();
        View::of_rows(
            snapshot.store_id.clone(),
            snapshot.revision,
            rows,
            history,
            previous,
        )
    }

    /// `previous` moved on by `delta`: its rows, with those that changed replaced and those
    /// made since added.
    fn patched(previous: &View, delta: Delta, history: &[AuditEntry]) -> View {
        let mut changed: HashMap<String, Arc<LiveRow>> = delta
            .rows
            .into_iter()
            .map(|row| (row.id.clone(), Arc::new(row)))
            .collect();
        let mut rows: Vec<Arc<LiveRow>> = previous
            .rows
            .iter()
            .map(|row| changed.remove(&row.id).unwrap_or_else(|| Arc::clone(row)))
            .collect();
        rows.extend(changed.into_values());
        View::of_rows(
            delta.store_id,
            delta.revision,
            rows,
            history,
            Some(previous),
        )
    }

    fn of_rows(
        store_id: String,
        revision: i64,
        mut rows: Vec<Arc<LiveRow>>,
        history: &[AuditEntry],
        previous: Option<&View>,
    ) -> View {
        // Mostly sorted already after a patch: the sort finds the one run and merges the new.
        rows.sort_by(|a, b| {
            (&a.prompt_name, &a.prompt_version, &a.id).cmp(&(
                &b.prompt_name,
                &b.prompt_version,
                &b.id,
            ))
        });
        // History is newest first: the first entry seen for a row is its last change. An
        // entry past the view's revision is left for the next view, which reads from here.
        let mut latest: HashMap<&str, &AuditEntry> = HashMap::new();
        for entry in history.iter().filter(|e| e.revision <= revision) {
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
            store_id,
            revision,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_row as row;

    fn entry(revision: i64, row: &LiveRow, change: &str) -> AuditEntry {
        AuditEntry {
            revision,
            at: revision * 1_000,
            actor: format!("actor{revision}"),
            change: change.to_owned(),
            row_id: Some(row.id.clone()),
            prompt_name: Some(row.prompt_name.clone()),
            prompt_version: Some(row.prompt_version.clone()),
            before: None,
            after: None,
        }
    }

    /// What a page shows of a view: each row with its last change, and the filters.
    fn shown(view: &View) -> Vec<String> {
        let mut shown: Vec<String> = view
            .rows
            .iter()
            .zip(&view.last)
            .map(|(row, last)| {
                let last = last
                    .as_ref()
                    .map(|l| format!("{} {} {} {}", l.revision, l.actor, l.at, l.change));
                format!("{row:?} {last:?}")
            })
            .collect();
        shown.push(format!("{} {}", view.store_id, view.revision));
        shown.push(format!("{:?} {:?}", view.models, view.providers));
        shown.push(format!("{:?}", view.subsystems));
        shown
    }

    #[test]
    fn a_view_patched_with_what_changed_shows_what_a_view_of_the_whole_store_shows() {
        let a = row("a", "alpha", "v1", "openai/gpt-4o-mini", 1);
        let b = row("b", "beta", "v1", "openai/gpt-4o-mini", 1);
        let before = Snapshot {
            store_id: "s".into(),
            revision: 2,
            rows: vec![b.clone(), a.clone()],
        };
        let old_history = vec![entry(2, &b, "create"), entry(1, &a, "create")];
        let previous = View::build(&before, &old_history, None);

        // Revision 3 moves beta to another model and adds aardvark; revision 4 lands while
        // the view is read, so its entry must wait for the next view.
        let mut moved = b.clone();
        moved.ai_model = Some("anthropic/claude-sonnet-4-5".into());
        moved.row_version = 2;
        let added = row("c", "aardvark", "v1", "openai/gpt-5", 3);
        let after = Snapshot {
            store_id: "s".into(),
            revision: 3,
            rows: vec![a.clone(), moved.clone(), added.clone()],
        };
        let new_history = vec![
            entry(4, &a, "update"),
            entry(3, &added, "create"),
            entry(3, &moved, "update"),
        ];
        let delta = Delta {
            store_id: "s".into(),
            revision: 3,
            rows: vec![added.clone(), moved.clone()],
        };

        let patched = View::patched(&previous, delta, &new_history);
        let whole = View::build(&after, &new_history, Some(&previous));
        assert_eq!(shown(&patched), shown(&whole));
        let names: Vec<&str> = patched
            .rows
            .iter()
            .map(|r| r.prompt_name.as_str())
            .collect();
        assert_eq!(names, ["aardvark", "alpha", "beta"]);
        let alpha_last = patched.last[1]
            .as_ref()
            .expect("alpha's create is remembered");
        assert_eq!(
            (alpha_last.revision, alpha_last.change.as_str()),
            (1, "create")
        );
        assert_eq!(
            patched.rows[2].ai_model.as_deref(),
            Some("anthropic/claude-sonnet-4-5")
        );
        // Rows that did not change are shared with the view before, not copied.
        assert!(Arc::ptr_eq(&patched.rows[1], &previous.rows[0]));
    }
}
