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
                    fields(entry),
                ]);
            }
            printer.data(&table.render())?;
        }
    }
    Ok(ExitStatus::Success)
}

/// `ai_model: null → "openai/gpt-5"` for an update; the field names for a create; the policy
/// for a policy override.
fn fields(entry: &crate::store::AuditEntry) -> String {
    let Some(serde_json::Value::Object(after)) = &entry.after else {
        return String::new();
    };
    if entry.change == crate::store::POLICY_OVERRIDE {
        let text = |key: &str| after.get(key).and_then(|v| v.as_str()).unwrap_or_default();
        let prompts = after
            .get("prompts")
            .and_then(|p| p.as_array())
            .map_or(0, Vec::len);
        return format!(
            "policy {} passed for {prompts} prompt(s), overridden by {}",
            text("policy"),
            text("overridden_by")
        );
    }
    let Some(serde_json::Value::Object(before)) = &entry.before else {
        return format!("{} fields", after.len());
    };
    after
        .iter()
        .map(|(key, value)| {
            let was = before.get(key).cloned().unwrap_or_default();
            format!(
                "{key}: {} → {}",
                crate::plan::render::value(&was),
                crate::plan::render::value(value)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}
