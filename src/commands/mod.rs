//! One module per subcommand: resolve what it needs, call the library, render the result.

mod models;
mod schema;
mod validate;

use anyhow::Context;

use crate::cli::{Cli, Command};
use crate::error::ExitStatus;
use crate::printer::Printer;
use crate::settings::{Overrides, Settings};

/// Run the command `cli` names.
pub fn dispatch(cli: &Cli, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let settings = resolve_settings(cli)?;
    match &cli.command {
        Command::Validate(args) => validate::run(&settings, args, printer),
        Command::Models(args) => models::run(&settings, args, printer),
        Command::Schema(args) => schema::run(&settings, args, printer),
    }
}

fn resolve_settings(cli: &Cli) -> anyhow::Result<Settings> {
    let cwd = std::env::current_dir().context("cannot read the working directory")?;
    let overrides = Overrides {
        config: cli.global.config.clone(),
        default_model: cli.global.default_model.clone(),
        fallback_model: cli.global.fallback_model.clone(),
    };
    Ok(Settings::resolve(
        &overrides,
        &|name| std::env::var(name).ok(),
        &cwd,
    )?)
}
