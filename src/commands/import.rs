//! `promptctl import`

use crate::cli::ImportArgs;
use crate::diag::display_path;
use crate::error::ExitStatus;
use crate::ops::import::ImportOptions;
use crate::printer::Printer;
use crate::settings::Settings;

pub(super) async fn run(
    settings: &Settings,
    args: &ImportArgs,
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
    args: &ImportArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    if args.update {
        return update(store, settings, printer).await;
    }
    let options = ImportOptions {
        names: args.names.clone(),
        force: args.force,
    };
    let report = crate::ops::import::import(store, settings, &options).await?;
    for refusal in &report.refused {
        printer.error(&format!(
            "error: cannot import `{}`: {}",
            refusal.prompt_name.escape_debug(),
            refusal.reason
        ));
    }
    for file in &report.written {
        let note = if file.model_filled {
            " (ai_model: the default model)"
        } else {
            ""
        };
        printer.status(&format!(
            "  wrote {}{note}",
            display_path(&file.path).display()
        ));
    }
    let count = report.written.len();
    printer.status(&format!(
        "Imported {count} prompt{}.",
        if count == 1 { "" } else { "s" }
    ));
    if count > 0 {
        printer.hint("run `promptctl validate` and `promptctl plan`, then commit the files");
    }
    Ok(if report.refused.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

/// `import --update`: console changes written back into git's files.
async fn update(
    store: &dyn crate::store::Store,
    settings: &Settings,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let report = crate::ops::import::update(store, settings).await?;
    for refusal in &report.refused {
        printer.error(&format!(
            "error: cannot update the file of `{}`: {}",
            refusal.prompt_name, refusal.reason
        ));
    }
    for file in &report.updated {
        for problem in &file.problems {
            printer.error(&format!(
                "warning: {}: with the store's model the file fails validate: {problem}",
                display_path(&file.path).display()
            ));
        }
        printer.status(&format!(
            "  {}: ai_model {} → {} (changed in the console by {} at revision {})",
            display_path(&file.path).display(),
            file.old_model,
            file.new_model,
            file.who,
            file.revision
        ));
    }
    let count = report.updated.len();
    printer.status(&format!(
        "Updated {count} prompt file{} from the store.",
        if count == 1 { "" } else { "s" }
    ));
    if count > 0 {
        printer.hint(
            "review the diff, commit it, and `promptctl plan` shows no change for these prompts",
        );
    }
    Ok(if report.refused.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}
