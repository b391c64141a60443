//! `promptctl import`

use crate::cli::ImportArgs;
use crate::diag::display_path;
use crate::error::ExitStatus;
use crate::ops::import::ImportOptions;
use crate::printer::Printer;
use crate::settings::Settings;

pub(super) fn run(
    settings: &Settings,
    args: &ImportArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let runtime = crate::ops::runtime()?;
    let options = ImportOptions {
        names: args.names.clone(),
        force: args.force,
    };
    let report = crate::ops::import::import(&runtime, settings, &options)?;
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
