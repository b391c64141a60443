//! `promptctl store export` and `promptctl store restore`

use crate::cli::StoreCommand;
use crate::diag::display_path;
use crate::error::ExitStatus;
use crate::formats::export_v1 as export;
use crate::ops::store::{ExportOptions, RestoreOptions};
use crate::printer::Printer;
use crate::settings::Settings;

pub(super) async fn run(
    settings: &Settings,
    command: &StoreCommand,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let store = crate::ops::open_store(settings).await?;
    match command {
        StoreCommand::Export { out, backup } => {
            let options = ExportOptions {
                backup: backup.clone(),
            };
            let snapshot = crate::ops::store::export(store.as_ref(), &options).await?;
            let text = export::write(&snapshot);
            match out {
                Some(path) => {
                    crate::fsutil::write_atomic(path, text.as_bytes())?;
                    printer.status(&format!(
                        "Exported {} rows (revision {}) to {}",
                        snapshot.rows.len(),
                        snapshot.revision,
                        display_path(path).display()
                    ));
                }
                None => printer.data(&text)?,
            }
        }
        StoreCommand::Restore {
            file,
            force,
            allow_empty,
        } => {
            let options = RestoreOptions {
                file: file.clone(),
                force: *force,
                allow_empty: *allow_empty,
            };
            let report = crate::ops::store::restore(store.as_ref(), settings, &options).await?;
            if let Some((path, rows)) = &report.backup {
                printer.status(&format!(
                    "Backed up the {rows} rows being replaced to {}",
                    display_path(path).display()
                ));
            }
            if let Some(backup) = &report.store_backup {
                printer.status(&format!(
                    "The store keeps them too, as backup {} (`promptctl store export --backup {}`)",
                    backup.id, backup.id
                ));
            }
            for warning in &report.warnings {
                printer.error(&format!("warning: {warning}"));
            }
            printer.status(&format!(
                "Restored {} rows into {} (revision {}); {} without ai_model",
                report.rows, report.store, report.revision, report.without_model
            ));
            if report.without_model > 0 {
                printer
                    .hint("`promptctl plan` shows the backfill that gives them the default model");
            }
        }
    }
    Ok(ExitStatus::Success)
}
