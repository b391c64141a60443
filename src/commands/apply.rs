//! `promptctl apply [PLANFILE]`

use std::io::IsTerminal;

use anyhow::Context;

use crate::apply::{ApplyError, ApplyOptions, ApplyReport};
use crate::cli::ApplyArgs;
use crate::error::ExitStatus;
use crate::ops::plan::Planned;
use crate::plan::refusals::Judged;
use crate::plan::{Plan, cost, render};
use crate::printer::{BOLD, GREEN, Printer, paint};
use crate::settings::Settings;

/// Change sets at least this large get a progress bar (on a terminal).
const PROGRESS_FROM: usize = 200;

/// `environment` is `--env`; `settings_for` resolves the settings of an environment. A saved
/// plan names the environment it was made for, and is applied there without `--env` again.
pub(super) async fn run(
    environment: Option<&str>,
    settings_for: &dyn Fn(Option<String>) -> anyhow::Result<Settings>,
    args: &ApplyArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let saved = match &args.plan_file {
        // A saved plan is the approval, as in Terraform.
        Some(path) => {
            refuse_scope_with_saved_plan(args)?;
            let text = fs_err::read_to_string(path)?;
            Some(
                crate::formats::saved_plan_v1::read(&text)
                    .with_context(|| format!("cannot apply {}", path.display()))?,
            )
        }
        None => None,
    };
    let planned_for = saved
        .as_ref()
        .and_then(|s| s.plan.notes.environment.clone());
    let settings = match (environment, planned_for) {
        (Some(given), Some(planned)) if given != planned => anyhow::bail!(
            "the plan was made for environment `{planned}`, not `{given}`: apply it with `--env {planned}` (or without --env), or make a plan for `{given}`"
        ),
        (None, Some(planned)) => {
            printer.status(&format!("Environment {planned} (from the plan)."));
            settings_for(Some(planned))?
        }
        (given, _) => settings_for(given.map(str::to_owned))?,
    };
    let saved = saved.map(|s| s.plan);
    super::with_store(&settings, crate::store::Access::Create, async |store| {
        run_on(store, &settings, args, saved, printer).await
    })
    .await
}

async fn run_on(
    store: &dyn crate::store::Store,
    settings: &Settings,
    args: &ApplyArgs,
    saved: Option<Plan>,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let plan = match saved {
        Some(plan) => plan,
        None => {
            let usage = settings.load_usage()?;
            let Planned {
                plan,
                prompts,
                snapshot,
                warnings,
            } = crate::ops::plan::plan(store, settings, &super::plan::options(&args.scope))
                .await
                .map_err(|e| super::failure(e, printer, "applying"))?;
            super::show_diagnostics(warnings, printer);
            let cost = usage
                .map(|usage| cost::estimate(&plan, &usage, &settings.catalog, &prompts, &snapshot));
            printer.data(&render::text(&plan, cost.as_ref()))?;
            super::plan::refuse(&plan, &Judged::default(), false)?;
            if !plan.has_changes() {
                return Ok(ExitStatus::Success);
            }
            if !args.auto_approve && !confirm(printer).await? {
                printer.error("Apply cancelled.");
                return Ok(ExitStatus::Failure);
            }
            plan
        }
    };
    let options = ApplyOptions {
        actor: &settings.actor(),
        environment: settings.environment.as_deref(),
        saved: args.plan_file.is_some(),
    };
    let report = apply_with_progress(plan, store, &options, printer).await?;
    printer.data(&paint(GREEN.bold(), &complete(&report)))?;
    match report.rows_without_model {
        Some(Ok(left)) => {
            printer.data(&paint(BOLD, &format!("Rows without ai_model: {left}")))?;
        }
        Some(Err(why)) => printer.error(&format!(
            "warning: the changes are applied, but the store could not be read again to count the rows without ai_model: {why}"
        )),
        None => {}
    }
    Ok(ExitStatus::Success)
}

/// A saved plan is applied exactly as it was saved: options that shape a new plan would be
/// silently ignored, so they are refused.
fn refuse_scope_with_saved_plan(args: &ApplyArgs) -> anyhow::Result<()> {
    let mut given = Vec::new();
    if !args.scope.targets.is_empty() {
        given.push("--target");
    }
    if args.scope.prune {
        given.push("--prune");
    }
    if !args.scope.override_policies.is_empty() {
        given.push("--override-policy");
    }
    if given.is_empty() {
        return Ok(());
    }
    anyhow::bail!(
        "{} cannot be used with a saved plan, which is applied exactly as it was saved; pass {} to `promptctl plan --out FILE` instead",
        given.join(" and "),
        if given.len() == 1 { "it" } else { "them" }
    )
}

/// Terraform's question; only `yes` goes on. Read without blocking the runtime, so Ctrl-C
/// at the question is heard.
async fn confirm(printer: &Printer) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "stdin is not a terminal, so apply cannot ask for confirmation: pass --auto-approve, or apply a saved plan (`plan --out FILE`, then `apply FILE`)"
        );
    }
    printer.error("Do you want to perform these actions? Only 'yes' will be accepted:");
    let mut answer = String::new();
    tokio::io::AsyncBufReadExt::read_line(
        &mut tokio::io::BufReader::new(tokio::io::stdin()),
        &mut answer,
    )
    .await?;
    Ok(answer.trim() == "yes")
}

async fn apply_with_progress(
    plan: Plan,
    store: &dyn crate::store::Store,
    options: &ApplyOptions<'_>,
    printer: &Printer,
) -> Result<ApplyReport, ApplyError> {
    let ops: usize = plan.changes.iter().map(|c| c.ops.len()).sum();
    let bar = if ops >= PROGRESS_FROM && std::io::stderr().is_terminal() && !printer.is_quiet() {
        let bar = indicatif::ProgressBar::new(u64::try_from(ops).unwrap_or(u64::MAX));
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} writes")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let progress =
        |done: usize, _total: usize| bar.set_position(u64::try_from(done).unwrap_or(u64::MAX));
    let report = crate::apply::apply(plan, store, options, &progress).await;
    bar.finish_and_clear();
    report
}

/// `Apply complete! N created, N updated, N replaced, N backfilled, N deactivated.`
fn complete(report: &ApplyReport) -> String {
    let s = &report.summary;
    format!(
        "Apply complete! {} created, {} updated, {} replaced, {} backfilled, {} deactivated.",
        s.create, s.update, s.replace, s.backfill, s.deactivate
    )
}
