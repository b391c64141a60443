//! `promptctl validate [PATH…] [--base REF]`

use crate::cli::{DiagnosticFormat, ValidateArgs};
use crate::diag::{Severity, render};
use crate::error::ExitStatus;
use crate::formats::validate_json_v1;
use crate::github::actions::{Actions, SUMMARY_LIMIT};
use crate::ops::AgainstBase;
use crate::printer::Printer;
use crate::settings::Settings;
use crate::validate::Validation;
use crate::validate::base;

/// Rows of problems or prompts a job summary shows before counting the rest.
const SUMMARY_ROWS: usize = 1000;

pub(super) fn run(
    settings: &Settings,
    args: &ValidateArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let (validation, against) = match &args.base {
        Some(base) => {
            let AgainstBase {
                validation,
                comparison,
                base,
                commit,
            } = crate::ops::validate_against_base(settings, &args.paths, base)?;
            (validation, Some((comparison.changes, base, commit)))
        }
        None => (crate::ops::validate(settings, &args.paths), None),
    };
    let Validation {
        prompts,
        diagnostics,
        sources,
        files,
    } = validation;
    let failed = diagnostics.has_errors();
    let counts = render::Counts {
        files,
        prompts: prompts.len(),
        errors: diagnostics.count(Severity::Error),
        warnings: diagnostics.count(Severity::Warning),
    };
    let diagnostics = diagnostics.into_sorted();
    let actions = Actions::from_process();
    match args.format {
        DiagnosticFormat::Text => {
            let report = render::human(&diagnostics, &sources, true, printer.detail());
            if !report.is_empty() {
                printer.error(&report);
            }
        }
        DiagnosticFormat::Json => {
            let base =
                against
                    .as_ref()
                    .map(|(changes, reference, commit)| validate_json_v1::Base {
                        reference,
                        commit,
                        changes,
                    });
            printer.data(&validate_json_v1::render(&diagnostics, counts, base))?;
        }
        DiagnosticFormat::Github => {
            if !diagnostics.is_empty() {
                printer.data(&render::github(&diagnostics))?;
            }
        }
    }
    if actions.annotate && args.format != DiagnosticFormat::Github && !diagnostics.is_empty() {
        printer.workflow_commands(&render::github(&diagnostics));
    }
    if let Some((changes, base, commit)) = &against {
        printer.status(&base::text(changes, base, commit));
    }
    let mut report = render::markdown(&diagnostics, counts, SUMMARY_ROWS);
    if let Some((changes, base, commit)) = &against {
        report.push_str(&base::markdown(changes, base, commit, SUMMARY_ROWS));
    }
    report.truncate(report.floor_char_boundary(SUMMARY_LIMIT));
    actions.summarize(&report)?;
    printer.status(&summary(counts));
    Ok(if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

fn summary(counts: render::Counts) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if counts.errors == 0 && counts.warnings == 0 {
        return format!(
            "{} checked: no problems ({} valid)",
            plural(counts.files, "file"),
            plural(counts.prompts, "prompt")
        );
    }
    format!(
        "{} checked: {}, {}",
        plural(counts.files, "file"),
        plural(counts.errors, "error"),
        plural(counts.warnings, "warning")
    )
}
