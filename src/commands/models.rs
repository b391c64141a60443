//! `promptctl models`

use crate::catalog::{Lifecycle, Model, today};
use crate::cli::{DataFormat, ModelsArgs, ModelsCommand, ModelsImportArgs};
use crate::diag::display_path;
use crate::error::ExitStatus;
use crate::formats::http_v1::ModelV1;
use crate::ops::models::LitellmImport;
use crate::printer::Printer;
use crate::settings::Settings;
use crate::table::{Table, thousands};

pub(super) fn run(
    settings: &Settings,
    args: &ModelsArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    if let Some(ModelsCommand::Import(import)) = &args.command {
        return import_litellm(settings, import, printer);
    }
    let models = settings.catalog.models();
    match args.format {
        DataFormat::Json => {
            let entries = ModelV1::list(
                settings.catalog.models(),
                &settings.default_model,
                &settings.fallback_model,
            );
            printer.data(&serde_json::to_string_pretty(&entries)?)?;
        }
        DataFormat::Text => {
            let today = today();
            let mut table = Table::new([
                "ID",
                "PROVIDER",
                "IN $/1M",
                "OUT $/1M",
                "CONTEXT",
                "MAX OUT",
                "TIER",
                "RECOMMENDED",
                "DEPRECATION",
                "USE",
            ]);
            for model in models {
                let usage = match (
                    model.id == settings.default_model,
                    model.id == settings.fallback_model,
                ) {
                    (true, true) => "default, fallback",
                    (true, false) => "default",
                    (false, true) => "fallback",
                    (false, false) => "",
                };
                table.row([
                    model.id.clone(),
                    model.provider.clone(),
                    format!("{:.2}", model.input_cost_per_1m),
                    format!("{:.2}", model.output_cost_per_1m),
                    thousands(model.context_window),
                    thousands(model.max_output_tokens),
                    model.tier.as_str().to_owned(),
                    if model.is_recommended() { "yes" } else { "" }.to_owned(),
                    deprecation(model, settings, &today),
                    usage.to_owned(),
                ]);
            }
            printer.data(&table.render())?;
        }
    }
    Ok(ExitStatus::Success)
}

/// `deprecates 2026-12-11 (in 9 days) → openai/gpt-5.2`, `deprecated 2026-07-23 → …`,
/// `retired …`: the successor, or the catalog's suggestion where none is named.
fn deprecation(model: &Model, settings: &Settings, today: &str) -> String {
    let successor = model
        .successor
        .as_deref()
        .map(|s| format!(" → {s}"))
        .or_else(|| {
            model.deprecated_on.as_ref()?;
            settings
                .catalog
                .replacement_for(model, today)
                .map(|m| format!(" → {} (suggested)", m.id))
        })
        .unwrap_or_default();
    let date = model.deprecated_on.as_deref().unwrap_or_default();
    match model.lifecycle(today) {
        Lifecycle::Active if date.is_empty() => String::new(),
        Lifecycle::Active => {
            let soon = crate::time::days_between(today, date)
                .filter(|days| *days <= i64::from(settings.deprecation_window()))
                .map(|days| format!(" (in {days} days)"))
                .unwrap_or_default();
            format!("deprecates {date}{soon}{successor}")
        }
        Lifecycle::Deprecated => format!("deprecated {date}{successor}"),
        Lifecycle::Retired => format!(
            "retired {}{successor}",
            model.retired_on.as_deref().unwrap_or_default()
        ),
    }
}

/// `models import --litellm FILE`
fn import_litellm(
    settings: &Settings,
    args: &ModelsImportArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let report = crate::ops::models::import_litellm(
        settings,
        &LitellmImport {
            file: args.litellm.clone(),
            providers: args.providers.clone(),
            mode: args.mode.clone(),
        },
    )?;
    let imported = &report.imported;
    let path = display_path(&report.path);
    if !report.written {
        printer.status(&format!(
            "{} is up to date with {}: no model changed",
            path.display(),
            args.litellm.display()
        ));
        return Ok(ExitStatus::Success);
    }
    for id in &imported.added {
        printer.status(&format!("  + {id}"));
    }
    for id in &imported.updated {
        printer.status(&format!("  ~ {id}"));
    }
    printer.status(&format!(
        "Wrote {}: {} added, {} updated{}.",
        path.display(),
        imported.added.len(),
        imported.updated.len(),
        if imported.skipped.is_empty() {
            String::new()
        } else {
            format!(
                "; {} entries skipped (no price or limits, or an id that is not provider/model)",
                imported.skipped.len()
            )
        }
    ));
    printer.hint(
        "check the tiers of new models, then run `promptctl schema` so editors complete them",
    );
    Ok(ExitStatus::Success)
}
