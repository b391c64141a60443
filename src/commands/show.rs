//! `promptctl show PLANFILE`

use anyhow::Context;

use crate::cli::{PlanFormat, ShowArgs};
use crate::error::ExitStatus;
use crate::formats::saved_plan_v1 as file;
use crate::plan::render;
use crate::printer::Printer;

pub(super) fn run(args: &ShowArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let text = fs_err::read_to_string(&args.plan_file)?;
    let saved =
        file::read(&text).with_context(|| format!("cannot show {}", args.plan_file.display()))?;
    let cost = saved.cost.as_ref();
    printer.data(&match args.format {
        PlanFormat::Text => render::text(&saved.plan, cost),
        PlanFormat::Json => crate::formats::plan_json_v1::render(&saved.plan, cost),
        PlanFormat::Markdown => render::markdown(&saved.plan, cost),
    })?;
    Ok(ExitStatus::Success)
}
