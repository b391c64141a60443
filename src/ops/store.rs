//! The store as a whole: export, restore, the audit log.

use std::path::{Path, PathBuf};

use crate::formats::export_v1 as export;
use crate::settings::Settings;
use crate::store::{self, AuditEntry, Backup, Restore, Snapshot, Store, now_ms};

use super::OpsError;

/// What to export.
#[derive(Clone, Debug, Default)]
pub struct ExportOptions {
    /// A backup the store keeps (the rows a forced restore replaced) instead of its rows.
    pub backup: Option<String>,
}

/// Every row of the store, with its id and revision; or the rows of one of its backups.
pub async fn export(store: &dyn Store, options: &ExportOptions) -> Result<Snapshot, OpsError> {
    match &options.backup {
        None => Ok(store.snapshot().await?),
        Some(id) => store.backup(id).await?.ok_or_else(|| {
            OpsError::Refused(format!(
                "the store {} has no backup `{id}`; `promptctl history` names the backup of each forced restore",
                store.location()
            ))
        }),
    }
}

/// What to restore, and how.
#[derive(Clone, Debug)]
pub struct RestoreOptions {
    /// The export (or legacy export) to load.
    pub file: PathBuf,
    /// Replace the rows of a non-empty store (they are backed up first).
    pub force: bool,
    /// With `force`, let a file of no rows empty the store.
    pub allow_empty: bool,
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
    /// The same rows, kept inside the store.
    pub store_backup: Option<Backup>,
    /// What the restore let in but a change set would be refused for (a policy a row
    /// breaks).
    pub warnings: Vec<String>,
    /// Why the backup file could not be written (the store keeps the rows all the same).
    pub backup_failed: Option<String>,
}

/// Read the export `options` names, and check its rows against the project's rules of
/// record — the check the store runs again as it restores — before any store is opened: a
/// file that would be refused creates no store.
pub fn read_export(settings: &Settings, options: &RestoreOptions) -> Result<Restore, OpsError> {
    let started = std::time::Instant::now();
    let text = fs_err::read_to_string(&options.file)?;
    let restore = export::read(&text, now_ms()).map_err(|error| {
        OpsError::Refused(format!(
            "cannot restore {}: {error}",
            options.file.display()
        ))
    })?;
    tracing::debug!(
        "read {} ({} bytes, {} rows) in {}",
        options.file.display(),
        text.len(),
        restore.rows.len(),
        super::elapsed(started)
    );
    let verdict = store::rules::check_restore(&settings.rules()?, &restore, &crate::time::today());
    if !verdict.refusals.is_empty() {
        return Err(OpsError::Store(store::StoreError::Refused(
            verdict.refusals,
        )));
    }
    Ok(restore)
}

/// Load an export into the store. A file with any bad row (a value no write path may store,
/// a model outside the catalog) is refused whole, naming the row and field; with `force`, the
/// rows replaced are written under `.promptctl/backups/` and kept inside the store too.
pub async fn restore(
    store: &dyn Store,
    settings: &Settings,
    restore: &Restore,
    options: &RestoreOptions,
) -> Result<RestoreReport, OpsError> {
    // The rows a forced restore replaces: the store keeps them in the restore's own
    // transaction; a copy goes to a file too, once the restore has happened.
    let replaced = if options.force {
        Some(store.snapshot().await?).filter(|s| !s.rows.is_empty())
    } else {
        None
    };
    // The project's rules of record come with the rows, and judge them, as with an apply.
    let published = store.rules().await?;
    let restore_options = store::RestoreOptions {
        actor: settings.actor.clone(),
        force: options.force,
        allow_empty: options.allow_empty,
        idempotency_key: None,
        request_sha256: None,
        rules: Some(store::RulesUpdate {
            expected_digest: published.as_ref().map(|p| p.rules.digest()),
            rules: settings.rules()?,
        }),
    };
    let outcome = store.restore(restore, &restore_options).await?;
    let (mut backup, mut backup_failed) = (None, None);
    if let Some(snapshot) = replaced {
        let path = backup_path(&settings.root, &snapshot);
        let written = path
            .parent()
            .map_or(Ok(()), fs_err::create_dir_all)
            .and_then(|()| crate::fsutil::write_atomic(&path, export::write(&snapshot).as_bytes()));
        // The store has them all the same: a file that cannot be written is no failure.
        match written {
            Ok(()) => backup = Some((path, snapshot.rows.len())),
            Err(error) => backup_failed = Some(format!("{}: {error}", path.display())),
        }
    }
    Ok(RestoreReport {
        store: store.location(),
        revision: outcome.revision,
        rows: outcome.restored,
        without_model: restore.rows.iter().filter(|r| r.lacks_model()).count(),
        backup,
        store_backup: outcome.backup,
        warnings: outcome.warnings,
        backup_failed,
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
pub async fn history(
    store: &dyn Store,
    options: &HistoryOptions,
) -> Result<Vec<AuditEntry>, OpsError> {
    Ok(store
        .history(options.name.as_deref(), options.limit)
        .await?)
}
