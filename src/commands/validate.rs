//! `promptctl validate [PATH…]`

use crate::cli::{DiagnosticFormat, ValidateArgs};
use crate::diag::{Severity, render};
use crate::error::ExitStatus;
use crate::printer::Printer;
use crate::settings::Settings;
use crate::validate::Validation;

pub(super) fn run(
    settings: &Settings,
    args: &ValidateArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let Validation {
        prompts,
        diagnostics,
        sources,
        files,
    } = crate::ops::validate(settings, &args.paths);
    let failed = diagnostics.has_errors();
    let (errors, warnings) = (
        diagnostics.count(Severity::Error),
        diagnostics.count(Severity::Warning),
    );
    let prompts = prompts.len();
    let diagnostics = diagnostics.into_sorted();
    match args.format {
        DiagnosticFormat::Text => {
            if !diagnostics.is_empty() {
                printer.error(&render::human(&diagnostics, &sources, true));
            }
        }
        DiagnosticFormat::Json => printer.data(&render::json(
            &diagnostics,
            render::Counts {
                files,
                prompts,
                errors,
                warnings,
            },
        ))?,
        DiagnosticFormat::Github => {
            if !diagnostics.is_empty() {
                printer.data(&render::github(&diagnostics))?;
            }
        }
    }
    printer.status(&summary(files, prompts, errors, warnings));
    Ok(if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

fn summary(files: usize, prompts: usize, errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if errors == 0 && warnings == 0 {
        return format!(
            "{} checked: no problems ({} valid)",
            plural(files, "file"),
            plural(prompts, "prompt")
        );
    }
    format!(
        "{} checked: {}, {}",
        plural(files, "file"),
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}
