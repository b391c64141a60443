//! `promptctl plan`

use crate::cli::{PlanArgs, PlanFormat, PlanScope};
use crate::diag::display_path;
use crate::error::ExitStatus;
use crate::github::actions::{Actions, SUMMARY_LIMIT, plan_error_diagnostics};
use crate::ops::plan::{PlanOptions, Planned};
use crate::plan::cost::{self, PlanCost};
use crate::plan::{self, render};
use crate::printer::Printer;
use crate::settings::Settings;

pub(super) async fn run(
    settings: &Settings,
    args: &PlanArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let usage = settings.load_usage()?;
    let store = crate::ops::open_store(settings).await?;
    let Planned {
        plan,
        prompts,
        snapshot,
        warnings,
    } = crate::ops::plan::plan(store.as_ref(), settings, &options(&args.scope))
        .await
        .map_err(|e| super::failure(e, printer, "planning"))?;
    super::show_diagnostics(warnings, printer);
    console_notes(store.as_ref(), &plan, printer).await;
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
    refuse_blocked(&plan, args.out.is_some())?;
    if let Some(limit) = args.max_cost_increase {
        check_cost(&plan, cost.as_ref(), limit)?;
    }
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

/// `--max-cost-increase`: a guardrail for CI.
fn check_cost(plan: &plan::Plan, cost: Option<&PlanCost>, limit: f64) -> anyhow::Result<()> {
    match cost.and_then(|c| c.total).and_then(|total| total.change()) {
        Some(increase) if increase > limit => anyhow::bail!(
            "the plan raises the monthly cost by ${increase:.2}, over the limit of ${limit:.2} (--max-cost-increase); nothing was saved"
        ),
        None if plan.has_changes() => anyhow::bail!(
            "--max-cost-increase needs usage.yaml covering the changed prompts (set `usage:` in promptctl.yaml); nothing was saved"
        ),
        _ => Ok(()),
    }
}

/// A plan that breaks a mandatory policy (not overridden) fails, after it is shown.
pub(super) fn refuse_blocked(plan: &plan::Plan, saving: bool) -> anyhow::Result<()> {
    let groups: Vec<render::PolicyGroup<'_>> = render::policy_groups(plan)
        .into_iter()
        .filter(render::PolicyGroup::blocks)
        .collect();
    if groups.is_empty() {
        return Ok(());
    }
    let broken: Vec<String> = groups
        .iter()
        .map(|g| {
            format!(
                "`{}` ({}, {} prompt version(s))",
                g.policy,
                g.enforcement.as_str(),
                g.violations.len()
            )
        })
        .collect();
    let overridable: Vec<String> = groups
        .iter()
        .filter(|g| g.enforcement == crate::policy::Enforcement::SoftMandatory)
        .map(|g| format!("`--override-policy {}`", g.policy))
        .collect();
    anyhow::bail!(
        "the plan breaks mandatory policies: {}{}{}",
        broken.join(", "),
        if overridable.is_empty() {
            String::new()
        } else {
            format!(
                "; a soft-mandatory policy may be passed with {}",
                overridable.join(" ")
            )
        },
        if saving { "; nothing was saved" } else { "" }
    )
}
