//! `promptctl cost`

use crate::cli::{CostArgs, PlanFormat};
use crate::error::ExitStatus;
use crate::ops::cost::{CostOptions, project_cost};
use crate::printer::Printer;
use crate::settings::Settings;

pub(super) async fn run(
    settings: &Settings,
    args: &CostArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let observed = if args.observed {
        Some(crate::ops::cost::observed_requests(settings).await?)
    } else {
        None
    };
    let options = CostOptions {
        what_if: args.what_if.clone(),
        names: args.prompts.clone(),
        clauses: args.clauses.clone(),
        scenario: args.scenario.clone(),
        observed,
    };
    let report =
        project_cost(settings, &options).map_err(|e| super::failure(e, printer, "pricing"))?;
    printer.data(&match args.format {
        PlanFormat::Text => crate::views::cost::text(&report),
        PlanFormat::Json => crate::formats::cost_json_v1::render(&report),
        PlanFormat::Markdown => crate::views::cost::markdown(&report),
    })?;
    Ok(ExitStatus::Success)
}
