//! `promptctl rollback --to-revision N`

use std::collections::BTreeMap;

use crate::cli::{PlanFormat, RollbackArgs};
use crate::diag::display_path;
use crate::error::ExitStatus;
use crate::plan::render;
use crate::printer::Printer;
use crate::rewrite::Selector;
use crate::settings::Settings;

pub(super) async fn run(
    settings: &Settings,
    args: &RollbackArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let rollback = super::with_store(settings, crate::store::Access::Read, async |store| {
        Ok(crate::ops::rollback::rollback(store, settings, args.to_revision).await?)
    })
    .await?;
    let plan = &rollback.plan;
    if !plan.has_changes() && args.format == PlanFormat::Text {
        printer.status(&format!(
            "No changes: every production prompt is as it was at revision {}.",
            rollback.to_revision
        ));
        return Ok(ExitStatus::Success);
    }
    printer.data(&match args.format {
        PlanFormat::Text => render::text(plan, None),
        PlanFormat::Json => crate::formats::plan_json_v1::render(plan, None),
        PlanFormat::Markdown => render::markdown(plan, None),
    })?;
    if !plan.has_changes() {
        return Ok(ExitStatus::Success);
    }
    if let Some(out) = &args.out {
        crate::fsutil::write_atomic(
            out,
            crate::formats::saved_plan_v1::write(plan, None, crate::store::now_ms()).as_bytes(),
        )?;
        printer.status(&format!(
            "Saved the rollback to {}",
            display_path(out).display()
        ));
        printer.hint(&format!(
            "apply exactly these changes with `promptctl apply {}`",
            display_path(out).display()
        ));
    }
    if !args.write_files {
        printer.error(&format!(
            "note: git still says otherwise: the next `promptctl apply` from git would undo the rollback. `--write-files` rewrites the prompt files' ai_model to the models of revision {} for a pull request ({} file{}); a canary, a parameter or a version rolled back is brought back in git by reverting its file",
            rollback.to_revision,
            rollback.models.len(),
            if rollback.models.len() == 1 { "" } else { "s" },
        ));
        return Ok(ExitStatus::Success);
    }
    // One set-model per model: the same edits, and the same refusals, as `set-model`.
    let mut by_model: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (name, _, model) in &rollback.models {
        by_model.entry(model).or_default().push(name.clone());
    }
    let mut changed = 0;
    for (model, names) in by_model {
        let selector = Selector::To {
            model: model.to_owned(),
            names,
            clauses: Vec::new(),
            all: false,
        };
        match crate::ops::set_model::set_model(settings, &selector, false)? {
            Ok(report) => changed += report.edits.len(),
            Err(refused) => {
                printer.error(&crate::diag::render::human(
                    &refused.diagnostics,
                    &refused.sources,
                    true,
                    printer.detail(),
                ));
                anyhow::bail!(
                    "the models of revision {} would give the prompt files the errors above; those files were not changed",
                    rollback.to_revision
                );
            }
        }
    }
    printer.status(&format!(
        "Rewrote ai_model in {changed} prompt file{} to the models of revision {}",
        if changed == 1 { "" } else { "s" },
        rollback.to_revision
    ));
    // What --write-files cannot write: said, so nobody takes the files for the whole rollback.
    let unwritten: Vec<&str> = plan
        .changes
        .iter()
        .filter(|c| c.fields().keys().any(|f| f != "ai_model"))
        .map(|c| c.prompt_name.as_str())
        .collect();
    if !unwritten.is_empty() {
        printer.error(&format!(
            "warning: --write-files rewrites ai_model only; the canary, parameters or active version of {} still differ in git: revert those files to revision {}'s content in the pull request",
            unwritten.join(", "),
            rollback.to_revision
        ));
    }
    Ok(ExitStatus::Success)
}
