//! `promptctl models`

use crate::api::v1::ModelV1;
use crate::catalog::{Lifecycle, Model, today};
use crate::cli::{DataFormat, ModelsArgs};
use crate::error::ExitStatus;
use crate::printer::Printer;
use crate::settings::Settings;
use crate::table::{Table, thousands};

pub(super) fn run(
    settings: &Settings,
    args: &ModelsArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
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
                    if model.recommended { "yes" } else { "" }.to_owned(),
                    deprecation(model, &today),
                    usage.to_owned(),
                ]);
            }
            printer.data(&table.render())?;
        }
    }
    Ok(ExitStatus::Success)
}

fn deprecation(model: &Model, today: &str) -> String {
    let successor = model
        .successor
        .as_deref()
        .map(|s| format!(" → {s}"))
        .unwrap_or_default();
    match model.lifecycle(today) {
        Lifecycle::Active => String::new(),
        Lifecycle::Deprecated => format!("deprecated{successor}"),
        Lifecycle::Retired => format!(
            "retired {}{successor}",
            model.retired_on.as_deref().unwrap_or_default()
        ),
    }
}
