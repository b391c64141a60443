//! The live rows and how each stands against git. The store is listed even where git cannot
//! be read (no prompts folder, files with errors): the status then says so.

use crate::plan::status::{self, RowStatus};
use crate::settings::Settings;
use crate::store::{LiveRow, Store};

use super::OpsError;
use super::plan::{PlanOptions, Planned};

/// Which rows to list.
#[derive(Clone, Copy, Debug, Default)]
pub struct ListOptions {
    /// Also inactive versions (and every scope's rows); without it only active rows.
    pub all: bool,
    /// Read every row whole, its template included (the row format of `--format json`);
    /// without it templates the store keeps a digest of are left out, as a plan reads them.
    pub templates: bool,
}

/// Whether the statuses could compare the store with git.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GitState {
    Read,
    /// Git's prompts could not be read; every status but `no model` is `git not read`.
    NotRead {
        reason: String,
    },
}

/// The store's rows, as listed.
pub struct Listing {
    /// The rows shown, with their status, in the snapshot's order.
    pub rows: Vec<(LiveRow, RowStatus)>,
    /// Rows left out (inactive ones without `all`).
    pub hidden: usize,
    pub git: GitState,
}

pub async fn list(
    store: &dyn Store,
    settings: &Settings,
    options: ListOptions,
) -> Result<Listing, OpsError> {
    let plan_options = PlanOptions {
        whole_rows: options.templates,
        ..PlanOptions::default()
    };
    let (snapshot, statuses, git) = match super::plan::plan(store, settings, &plan_options).await {
        Ok(Planned {
            plan,
            prompts,
            snapshot,
            ..
        }) => {
            let inputs = status::inputs(&prompts, &plan);
            let statuses: Vec<RowStatus> = snapshot
                .rows
                .iter()
                .map(|row| status::status(row, &inputs))
                .collect();
            (snapshot, statuses, GitState::Read)
        }
        Err(OpsError::InvalidPrompts(validation)) => {
            let snapshot = store.snapshot().await?;
            let statuses = snapshot.rows.iter().map(status::store_only).collect();
            let reason = validation
                .diagnostics
                .into_sorted()
                .into_iter()
                .find(|d| d.severity == crate::diag::Severity::Error)
                .map(|d| {
                    format!(
                        "{}: {}",
                        crate::diag::display_path(&d.file).display(),
                        d.message
                    )
                })
                .unwrap_or_default();
            (snapshot, statuses, GitState::NotRead { reason })
        }
        Err(other) => return Err(other),
    };
    let total = snapshot.rows.len();
    let rows: Vec<(LiveRow, RowStatus)> = snapshot
        .rows
        .into_iter()
        .zip(statuses)
        .filter(|(row, _)| options.all || row.is_active)
        .collect();
    Ok(Listing {
        hidden: total - rows.len(),
        rows,
        git,
    })
}
