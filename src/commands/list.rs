//! `promptctl list`

use serde::Serialize;

use crate::cli::{DataFormat, ListArgs, PlanScope};
use crate::error::ExitStatus;
use crate::plan::status::{self, RowStatus};
use crate::printer::Printer;
use crate::settings::Settings;
use crate::store::LiveRow;
use crate::table::Table;

/// A row in `list --format json` (version 1): the store's columns plus `status`.
#[derive(Serialize)]
struct ListedRowV1<'a> {
    #[serde(flatten)]
    row: &'a LiveRow,
    status: RowStatus,
}

pub(super) fn run(
    settings: &Settings,
    args: &ListArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let scope = PlanScope {
        targets: Vec::new(),
        prune: false,
    };
    let runtime = super::runtime()?;
    let super::Planned {
        plan,
        prompts,
        snapshot,
        ..
    } = super::make_plan(&runtime, settings, printer, &scope)?;
    let (names, changed) = status::inputs(&prompts, &plan);
    let rows: Vec<(&LiveRow, RowStatus)> = snapshot
        .rows
        .iter()
        .filter(|row| args.all || row.is_active)
        .map(|row| (row, status::status(row, &names, &changed)))
        .collect();
    match args.format {
        DataFormat::Json => {
            let listed: Vec<ListedRowV1<'_>> = rows
                .iter()
                .map(|(row, status)| ListedRowV1 {
                    row,
                    status: *status,
                })
                .collect();
            printer.data(&serde_json::to_string_pretty(&listed)?)?;
        }
        DataFormat::Text => {
            let mut header = vec![
                "NAME", "VERSION", "SCOPE", "MODEL", "PROVIDER", "IN $/1K", "OUT $/1K", "STATUS",
            ];
            if args.all {
                header.push("ACTIVE");
            }
            let mut table = Table::new(header);
            for (row, status) in &rows {
                let model = row
                    .ai_model
                    .as_deref()
                    .and_then(|id| settings.catalog.get(id));
                let cost = |per_million: f64| format!("{:.5}", per_million / 1000.0);
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
            let hidden = snapshot.rows.len() - rows.len();
            if hidden > 0 {
                printer.status(&format!("{hidden} inactive rows hidden; --all shows them"));
            }
        }
    }
    Ok(ExitStatus::Success)
}
