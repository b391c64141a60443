//! `promptctl store export` and `promptctl store restore`

use std::path::Path;

use crate::cli::StoreCommand;
use crate::diag::display_path;
use crate::error::ExitStatus;
use crate::formats::export_v1 as export;
use crate::ops::store::{ExportOptions, RestoreOptions};
use crate::printer::Printer;
use crate::settings::Settings;
use crate::store::{Access, Restore, Store};

pub(super) async fn run(
    settings: &Settings,
    command: &StoreCommand,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    match command {
        StoreCommand::Export {
            out,
            backup,
            format,
        } => {
            let options = ExportOptions {
                backup: backup.clone(),
            };
            super::with_store(settings, Access::Read, async |store| {
                export(store, &options, *format, out.as_deref(), printer).await
            })
            .await
        }
        StoreCommand::Restore {
            file,
            force,
            allow_empty,
            map_model,
        } => {
            let options = RestoreOptions {
                file: file.clone(),
                force: *force,
                allow_empty: *allow_empty,
                map_models: map_model.clone(),
            };
            // A file that would be refused is refused before a store is opened (or created).
            let read = crate::ops::store::read_export(settings, &options)?;
            for (from, to, rows) in &read.mapped {
                printer.status(&format!(
                    "Mapped {rows} row{} from {from} to {to}",
                    if *rows == 1 { "" } else { "s" }
                ));
            }
            super::with_store(settings, Access::Create, async |store| {
                restore(store, settings, &read.restore, &options, printer).await
            })
            .await
        }
    }
}

async fn export(
    store: &dyn Store,
    options: &ExportOptions,
    format: crate::cli::ExportFormat,
    out: Option<&Path>,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let snapshot = crate::ops::store::export(store, options).await?;
    let text = match format {
        crate::cli::ExportFormat::Json => export::write(&snapshot),
        crate::cli::ExportFormat::ConvexJsonl => {
            let (text, left_out) = crate::formats::convex_jsonl::write(&snapshot);
            for sentence in left_out {
                printer.status(&sentence);
            }
            text
        }
    };
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
    Ok(ExitStatus::Success)
}

async fn restore(
    store: &dyn Store,
    settings: &Settings,
    rows: &Restore,
    options: &RestoreOptions,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let report = crate::ops::store::restore(store, settings, rows, options).await?;
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
    if let Some(why) = &report.backup_failed {
        printer.error(&format!(
            "warning: the replaced rows are kept in the store, but their backup file could not be written: {why}"
        ));
    }
    for warning in &report.warnings {
        printer.error(&format!("warning: {warning}"));
    }
    printer.status(&format!(
        "Restored {} row{} into {} (revision {}); {} without ai_model",
        report.rows,
        if report.rows == 1 { "" } else { "s" },
        report.store,
        report.revision,
        report.without_model
    ));
    if report.without_model > 0 {
        printer.hint("`promptctl plan` shows the backfill that gives them the default model");
    }
    Ok(ExitStatus::Success)
}
