//! `promptctl plan`

use crate::cli::{PlanArgs, PlanFormat};
use crate::diag::display_path;
use crate::error::ExitStatus;
use crate::plan::{self, render};
use crate::printer::Printer;
use crate::settings::Settings;

pub(super) fn run(
    settings: &Settings,
    args: &PlanArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let runtime = super::runtime()?;
    let plan = super::make_plan(&runtime, settings, printer, &args.scope)?
        .with_cost(settings)?
        .plan;
    printer.data(&match args.format {
        PlanFormat::Text => render::text(&plan),
        PlanFormat::Json => render::json(&plan),
        PlanFormat::Markdown => render::markdown(&plan),
    })?;
    if !plan.errors.is_empty() {
        anyhow::bail!(
            "the plan has {} error(s) and cannot be applied{}",
            plan.errors.len(),
            if args.out.is_some() {
                "; nothing was saved"
            } else {
                ""
            }
        );
    }
    if let Some(limit) = args.max_cost_increase {
        let increase = plan.cost.as_ref().and_then(crate::plan::cost::Cost::change);
        match increase {
            Some(increase) if increase > limit => anyhow::bail!(
                "the plan raises the monthly cost by ${increase:.2}, over the limit of ${limit:.2} (--max-cost-increase); nothing was saved"
            ),
            None if plan.has_changes() => anyhow::bail!(
                "--max-cost-increase needs usage.yaml covering the changed prompts (set `usage:` in promptctl.yaml); nothing was saved"
            ),
            _ => {}
        }
    }
    if let Some(out) = &args.out {
        crate::fsutil::write_atomic(
            out,
            plan::file::write(&plan, crate::store::now_ms()).as_bytes(),
        )?;
        printer.status(&format!(
            "Saved the plan to {}",
            display_path(out).display()
        ));
        printer.hint(&format!(
            "apply exactly these changes with `promptctl apply {}`",
            display_path(out).display()
        ));
    }
    Ok(if args.detailed_exitcode && plan.has_changes() {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    })
}
