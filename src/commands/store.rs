//! `promptctl store export` and `promptctl store restore`

use anyhow::Context;

use crate::cli::StoreCommand;
use crate::diag::display_path;
use crate::error::ExitStatus;
use crate::printer::Printer;
use crate::settings::Settings;
use crate::store::{export, now_ms};

pub(super) fn run(
    settings: &Settings,
    command: &StoreCommand,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    super::block_on(async {
        let store = super::open_store(settings).await?;
        match command {
            StoreCommand::Export { out } => {
                let snapshot = store.snapshot().await?;
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
            StoreCommand::Restore { file, force } => {
                let text = fs_err::read_to_string(file)?;
                let restore = export::read(&text, now_ms())
                    .with_context(|| format!("cannot restore {}", file.display()))?;
                if *force {
                    // Nothing is lost: the rows a forced restore replaces are saved first.
                    let snapshot = store.snapshot().await?;
                    if !snapshot.rows.is_empty() {
                        let backup =
                            settings
                                .root
                                .join(".promptctl")
                                .join("backups")
                                .join(format!(
                                    "before-restore-{}-r{}-{}.json",
                                    snapshot.store_id,
                                    snapshot.revision,
                                    now_ms()
                                ));
                        fs_err::create_dir_all(backup.parent().unwrap_or(&settings.root))?;
                        crate::fsutil::write_atomic(&backup, export::write(&snapshot).as_bytes())?;
                        printer.status(&format!(
                            "Backed up the {} rows being replaced to {}",
                            snapshot.rows.len(),
                            display_path(&backup).display()
                        ));
                    }
                }
                let revision = store.restore(&restore, &super::actor(), *force).await?;
                let without_model = restore.rows.iter().filter(|r| r.lacks_model()).count();
                printer.status(&format!(
                    "Restored {} rows into {} (revision {revision}); {without_model} without ai_model",
                    restore.rows.len(),
                    store.location()
                ));
                if without_model > 0 {
                    printer.hint(
                        "`promptctl plan` shows the backfill that gives them the default model",
                    );
                }
            }
        }
        anyhow::Ok(ExitStatus::Success)
    })?
}
