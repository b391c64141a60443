//! `promptctl set-model MODEL` / `promptctl set-model --successors`

use std::collections::BTreeMap;

use crate::cli::SetModelArgs;
use crate::diag::display_path;
use crate::error::ExitStatus;
use crate::printer::Printer;
use crate::rewrite::{self, Selector, WhereClause};
use crate::settings::Settings;
use crate::suggest::did_you_mean;

pub(super) fn run(
    settings: &Settings,
    args: &SetModelArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let selector = selector(settings, args)?;
    let report = match crate::ops::set_model::set_model(settings, &selector, args.dry_run)? {
        Ok(report) => report,
        Err(refused) => {
            let diagnostics = refused.diagnostics;
            printer.error(&crate::diag::render::human(
                &diagnostics,
                &refused.sources,
                true,
                printer.detail(),
            ));
            anyhow::bail!(
                "the new model would give {} the errors above; no file was changed",
                if refused.sources.len() == 1 {
                    "a prompt file".to_owned()
                } else {
                    format!("{} prompt files", refused.sources.len())
                }
            );
        }
    };
    let (edits, failures) = (&report.edits, &report.failures);
    for (path, error) in failures {
        printer.error(&format!("error: {}: {error}", display_path(path).display()));
    }
    if args.dry_run {
        let diffs: String = edits.iter().map(rewrite::diff).collect();
        if !diffs.is_empty() {
            printer.data(&diffs)?;
        }
    }
    for (path, error) in &report.unwritten {
        printer.error(&format!(
            "error: cannot write {}: {error}",
            display_path(path).display()
        ));
    }
    if !report.unwritten.is_empty() {
        return Ok(ExitStatus::Failure);
    }
    let mut moves: BTreeMap<(String, String), usize> = BTreeMap::new();
    for edit in edits {
        let from = edit
            .old_model
            .clone()
            .unwrap_or_else(|| "(no model)".to_owned());
        *moves.entry((from, edit.new_model.clone())).or_default() += 1;
    }
    let verb = if args.dry_run {
        "Would change"
    } else {
        "Changed"
    };
    let files = if edits.len() == 1 { "file" } else { "files" };
    let mut summary = format!("{verb} {} {files}", edits.len());
    if moves.is_empty() {
        summary.push_str(": every selected prompt already has its model.");
    } else {
        summary.push(':');
        for ((from, to), count) in &moves {
            summary.push_str(&format!("\n  {from} → {to}: {count}"));
        }
    }
    printer.status(&summary);
    if !edits.is_empty() && !args.dry_run {
        printer.hint("run `promptctl plan` to see the change in the store");
    }
    Ok(if failures.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

fn selector(settings: &Settings, args: &SetModelArgs) -> anyhow::Result<Selector> {
    if args.successors {
        return Ok(Selector::Successors {
            window: settings.deprecation_window(),
        });
    }
    let Some(model) = &args.model else {
        anyhow::bail!("name the model to set, or pass --successors");
    };
    if settings.catalog.get(model).is_none() {
        let help = did_you_mean(&settings.catalog.nearest(model))
            .unwrap_or_else(|| "`promptctl models` lists the catalog".to_owned());
        anyhow::bail!("`{model}` is not in the model catalog; {help}");
    }
    if args.prompts.is_empty() && args.clauses.is_empty() && !args.all {
        anyhow::bail!("choose the prompts: --prompt NAME, --where KEY=VALUE or --all");
    }
    let clauses = args
        .clauses
        .iter()
        .map(|c| WhereClause::parse(c))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    Ok(Selector::To {
        model: model.clone(),
        names: args.prompts.clone(),
        clauses,
        all: args.all,
    })
}
