//! `promptctl list`

use crate::cli::{DataFormat, ListArgs};
use crate::error::ExitStatus;
use crate::ops::list::{GitState, ListOptions};
use crate::printer::Printer;
use crate::settings::Settings;
use crate::table::Table;

pub(super) async fn run(
    settings: &Settings,
    args: &ListArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    super::with_store(settings, crate::store::Access::Read, async |store| {
        run_on(store, settings, args, printer).await
    })
    .await
}

async fn run_on(
    store: &dyn crate::store::Store,
    settings: &Settings,
    args: &ListArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let options = ListOptions {
        all: args.all,
        templates: args.format == DataFormat::Json,
    };
    let listing = crate::ops::list::list(store, settings, options).await?;
    if let GitState::NotRead { reason } = &listing.git {
        printer.status(&format!(
            "note: git was not read ({}), so STATUS shows only what the store knows",
            crate::shown::shown(reason)
        ));
    }
    match args.format {
        DataFormat::Json => {
            printer.data(&crate::formats::list_json_v1::render(&listing.rows))?;
        }
        DataFormat::Text => {
            let mut header = vec![
                "NAME",
                "VERSION",
                "SCOPE",
                "MODEL",
                "PROVIDER",
                "IN PER 1M",
                "OUT PER 1M",
                "STATUS",
            ];
            if args.all {
                header.push("ACTIVE");
            }
            let mut table = Table::new(header);
            for (row, status) in &listing.rows {
                let model = row
                    .ai_model
                    .as_deref()
                    .and_then(|id| settings.catalog.get(id));
                let cost = crate::table::price_per_1m;
                let mut cells = vec![
                    row.prompt_name.clone(),
                    row.prompt_version.clone(),
                    row.scope.to_string(),
                    row.ai_model.clone().unwrap_or_else(|| "—".to_owned()),
                    model.map_or_else(
                        || {
                            row.ai_model
                                .as_deref()
                                .and_then(|m| m.split('/').next())
                                .unwrap_or("—")
                                .to_owned()
                        },
                        |m| m.provider.clone(),
                    ),
                    model.map_or_else(|| "—".to_owned(), |m| cost(m.input_cost_per_1m)),
                    model.map_or_else(|| "—".to_owned(), |m| cost(m.output_cost_per_1m)),
                    status.as_str().to_owned(),
                ];
                if args.all {
                    cells.push(if row.is_active { "yes" } else { "no" }.to_owned());
                }
                table.row(cells);
            }
            printer.data(&table.render())?;
            if listing.hidden > 0 {
                printer.status(&format!(
                    "{} inactive rows hidden; --all shows them",
                    listing.hidden
                ));
            }
        }
    }
    Ok(ExitStatus::Success)
}
