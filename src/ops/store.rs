//! The store as a whole: export, restore, the audit log.

use std::path::{Path, PathBuf};

use crate::settings::Settings;
use crate::store::{AuditEntry, Snapshot, export, now_ms};

use super::OpsError;

/// Every row of the store, with its id and revision.
pub fn export(
    runtime: &tokio::runtime::Runtime,
    settings: &Settings,
) -> Result<Snapshot, OpsError> {
    Ok(runtime.block_on(async {
        let store = super::open_store(settings).await?;
        store.snapshot().await
    })?)
}

/// What to restore, and how.
#[derive(Clone, Debug)]
pub struct RestoreOptions {
    /// The export (or legacy export) to load.
    pub file: PathBuf,
    /// Replace the rows of a non-empty store (they are backed up first).
    pub force: bool,
}

/// What a restore did.
#[derive(Clone, Debug)]
pub struct RestoreReport {
    /// Where the rows went (no secrets).
    pub store: String,
    /// The store's revision after the restore.
    pub revision: i64,
    /// Rows restored, and how many of them have no `ai_model`.
    pub rows: usize,
    pub without_model: usize,
    /// The file holding the rows a forced restore replaced, and how many.
    pub backup: Option<(PathBuf, usize)>,
}

/// Load an export into the store. A file with any bad row is refused whole, naming the row
/// and field; with `force`, the rows replaced are first written under
/// `.promptctl/backups/`.
pub fn restore(
    runtime: &tokio::runtime::Runtime,
    settings: &Settings,
    options: &RestoreOptions,
) -> Result<RestoreReport, OpsError> {
    let text = fs_err::read_to_string(&options.file)?;
    let restore = export::read(&text, now_ms()).map_err(|error| {
        OpsError::Refused(format!(
            "cannot restore {}: {error}",
            options.file.display()
        ))
    })?;
    runtime.block_on(async {
        let store = super::open_store(settings).await?;
        let mut backup = None;
        if options.force {
            // Nothing is lost: the rows a forced restore replaces are saved first.
            let snapshot = store.snapshot().await?;
            if !snapshot.rows.is_empty() {
                let path = backup_path(&settings.root, &snapshot);
                if let Some(dir) = path.parent() {
                    fs_err::create_dir_all(dir)?;
                }
                crate::fsutil::write_atomic(&path, export::write(&snapshot).as_bytes())?;
                backup = Some((path, snapshot.rows.len()));
            }
        }
        let revision = store
            .restore(&restore, &settings.actor, options.force)
            .await?;
        Ok(RestoreReport {
            store: store.location(),
            revision,
            rows: restore.rows.len(),
            without_model: restore.rows.iter().filter(|r| r.lacks_model()).count(),
            backup,
        })
    })
}

/// `.promptctl/backups/before-restore-<store_id>-r<revision>-<ms>.json` under the project.
fn backup_path(root: &Path, snapshot: &Snapshot) -> PathBuf {
    root.join(".promptctl").join("backups").join(format!(
        "before-restore-{}-r{}-{}.json",
        snapshot.store_id,
        snapshot.revision,
        now_ms()
    ))
}

/// Which audit entries to read.
#[derive(Clone, Debug)]
pub struct HistoryOptions {
    /// Only this prompt name; every entry when `None`.
    pub name: Option<String>,
    /// At most this many, newest first.
    pub limit: usize,
}

/// The audit log, newest first.
pub fn history(
    runtime: &tokio::runtime::Runtime,
    settings: &Settings,
    options: &HistoryOptions,
) -> Result<Vec<AuditEntry>, OpsError> {
    Ok(runtime.block_on(async {
        let store = super::open_store(settings).await?;
        store.history(options.name.as_deref(), options.limit).await
    })?)
}
