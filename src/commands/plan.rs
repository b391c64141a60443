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
    let plan = super::make_plan(&runtime, settings, printer, &args.scope)?.plan;
    printer.data(&match args.format {
        PlanFormat::Text => render::text(&plan),
        PlanFormat::Json => render::json(&plan),
        PlanFormat::Markdown => render::markdown(&plan),
    });
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
