//! `promptctl init`

use crate::cli::InitArgs;
use crate::diag::display_path;
use crate::error::ExitStatus;
use crate::ops::init::{InitOptions, Outcome, init};
use crate::printer::Printer;
use crate::settings::Settings;

pub(super) fn run(
    settings: &Settings,
    args: &InitArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    // A new project is made where the command runs, not in a parent that has a config.
    let root = std::env::current_dir()?;
    let options = InitOptions {
        github_workflow: args.github_workflow,
    };
    let outcomes = init(&root, &settings.catalog, &settings.default_model, &options)?;
    for outcome in &outcomes {
        printer.status(&match outcome {
            Outcome::Written(path) => format!("  wrote    {}", display_path(path).display()),
            Outcome::Kept(path) => format!(
                "  kept     {} (already there)",
                display_path(path).display()
            ),
            Outcome::Appended(path) => {
                format!("  added    .promptctl/ to {}", display_path(path).display())
            }
        });
    }
    printer.status(
        "\nNext: `promptctl validate`, then `promptctl plan` and `promptctl apply` (the store is .promptctl/store.db until you name another with --store or --env).",
    );
    Ok(ExitStatus::Success)
}
