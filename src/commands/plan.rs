//! `promptctl plan`

use crate::cli::{PlanArgs, PlanFormat, PlanScope};
use crate::diag::display_path;
use crate::error::ExitStatus;
use crate::github::actions::{Actions, SUMMARY_LIMIT, plan_error_diagnostics};
use crate::ops::plan::{PlanOptions, Planned};
use crate::plan::cost;
use crate::plan::refusals::Judged;
use crate::plan::{self, render};
use crate::printer::Printer;
use crate::settings::Settings;

pub(super) async fn run(
    settings: &Settings,
    args: &PlanArgs,
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
    args: &PlanArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let usage = settings.load_usage()?;
    let Planned {
        plan,
        prompts,
        snapshot,
        warnings,
    } = crate::ops::plan::plan(store, settings, &options(&args.scope))
        .await
        .map_err(|e| super::failure(e, printer, "planning"))?;
    super::show_diagnostics(warnings, printer);
    console_notes(store, &plan, printer).await;
    let cost =
        usage.map(|usage| cost::estimate(&plan, &usage, &settings.catalog, &prompts, &snapshot));
    printer.data(&match args.format {
        PlanFormat::Text => render::text(&plan, cost.as_ref()),
        PlanFormat::Json => crate::formats::plan_json_v1::render(&plan, cost.as_ref()),
        PlanFormat::Markdown => render::markdown(&plan, cost.as_ref()),
    })?;
    let actions = Actions::from_process();
    actions.summarize(&render::markdown_within(
        &plan,
        cost.as_ref(),
        SUMMARY_LIMIT,
    ))?;
    super::annotate(&plan_error_diagnostics(&plan.errors), printer);
    refuse(
        &plan,
        &Judged {
            max_cost_increase: args.max_cost_increase,
            cost: cost.as_ref(),
            ..Judged::default()
        },
        args.out.is_some(),
    )?;
    if let Some(out) = &args.out {
        crate::fsutil::write_atomic(
            out,
            crate::formats::saved_plan_v1::write(&plan, cost.as_ref(), crate::store::now_ms())
                .as_bytes(),
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

/// Say which changes undo edits made in the console: git wins, but nobody should be surprised.
/// Best effort: a plan does not fail because the audit log could not be read.
async fn console_notes(store: &dyn crate::store::Store, plan: &plan::Plan, printer: &Printer) {
    match crate::ops::drift::in_plan(store, plan).await {
        Ok(changes) => {
            for change in &changes {
                printer.status(&format!(
                    "note: {} {} was changed in the console by {} at revision {}; this plan sets git's values back",
                    change.prompt_name, change.prompt_version, change.who, change.revision
                ));
            }
            if !changes.is_empty() {
                printer.hint(
                    "to keep the console's models instead, run `promptctl import --update` and commit the files",
                );
            }
        }
        Err(error) => tracing::debug!("could not read the audit log for console changes: {error}"),
    }
}

/// What `--target` and `--prune` ask for.
pub(super) fn options(scope: &PlanScope) -> PlanOptions {
    PlanOptions {
        targets: scope.targets.clone(),
        prune: scope.prune,
        override_policies: scope.override_policies.clone(),
        whole_rows: false,
    }
}

/// A plan [`Plan::refusals`](plan::Plan::refusals) refuses fails, after it is shown.
pub(super) fn refuse(plan: &plan::Plan, judged: &Judged<'_>, saving: bool) -> anyhow::Result<()> {
    let refusals = plan.refusals(judged);
    if refusals.is_empty() {
        return Ok(());
    }
    let reasons: Vec<String> = refusals.iter().map(ToString::to_string).collect();
    anyhow::bail!(
        "the plan cannot be applied: {}{}",
        reasons.join("; "),
        if saving { "; nothing was saved" } else { "" }
    )
}
