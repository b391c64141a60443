//! `promptctl history [NAME]`

use crate::cli::{DataFormat, HistoryArgs};
use crate::error::ExitStatus;
use crate::formats::http_v1::AuditEntryV1;
use crate::ops::store::HistoryOptions;
use crate::printer::Printer;
use crate::settings::Settings;
use crate::table::Table;
use crate::time::format_ms;

pub(super) async fn run(
    settings: &Settings,
    args: &HistoryArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    super::with_store(settings, crate::store::Access::Read, async |store| {
        run_on(store, args, printer).await
    })
    .await
}

async fn run_on(
    store: &dyn crate::store::Store,
    args: &HistoryArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let entries = crate::ops::store::history(
        store,
        &HistoryOptions {
            name: args.name.clone(),
            limit: args.limit,
        },
    )
    .await?;
    match args.format {
        DataFormat::Json => {
            let entries: Vec<AuditEntryV1> = entries.iter().map(AuditEntryV1::from).collect();
            printer.data(&serde_json::to_string_pretty(&entries)?)?;
        }
        DataFormat::Text => {
            if entries.is_empty() {
                printer.status("The audit log is empty.");
                return Ok(ExitStatus::Success);
            }
            let mut table = Table::new([
                "REVISION",
                "TIME (UTC)",
                "ACTOR",
                "CHANGE",
                "PROMPT",
                "VERSION",
                "FIELDS",
            ]);
            for entry in &entries {
                table.row([
                    entry.revision.to_string(),
                    format_ms(entry.at),
                    entry.actor.clone(),
                    entry.change.clone(),
                    entry.prompt_name.clone().unwrap_or_default(),
                    entry.prompt_version.clone().unwrap_or_default(),
                    crate::ops::store::change_summary(entry),
                ]);
            }
            printer.data(&table.render())?;
        }
    }
    Ok(ExitStatus::Success)
}
