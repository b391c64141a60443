//! One module per subcommand: clap arguments → a resolved settings struct → one operation in
//! `ops` → rendering. No logic of their own.

mod apply;
mod comment;
mod completions;
mod cost;
mod history;
mod import;
mod init;
mod list;
mod models;
mod plan;
mod rollback;
mod schema;
mod serve;
mod set_model;
mod show;
mod status;
mod store;
mod token;
mod validate;

use anyhow::Context;

use crate::cli::{Cli, Command};
use crate::error::ExitStatus;
use crate::ops::OpsError;
use crate::printer::Printer;
use crate::settings::{Overrides, Settings};
use crate::validate::Validation;

/// Run the command `cli` names.
pub async fn dispatch(cli: &Cli, printer: &Printer) -> anyhow::Result<ExitStatus> {
    // Resolved only by the commands that read the project: `token`, `show` and `comment` work
    // from any folder, whatever its promptctl.yaml holds.
    let settings = || resolve_settings(cli);
    match &cli.command {
        Command::Validate(args) => validate::run(&settings()?, args, printer),
        Command::Models(args) => models::run(&settings()?, args, printer),
        Command::Cost(args) => cost::run(&settings()?, args, printer).await,
        Command::Rollback(args) => rollback::run(&settings()?, args, printer).await,
        Command::Schema(args) => schema::run(&settings()?, args, printer),
        Command::Plan(args) => plan::run(&settings()?, args, printer).await,
        Command::Apply(args) => {
            apply::run(
                cli.global.environment.as_deref(),
                &|environment| resolve_settings_for(cli, environment),
                args,
                printer,
            )
            .await
        }
        Command::List(args) => list::run(&settings()?, args, printer).await,
        Command::History(args) => history::run(&settings()?, args, printer).await,
        Command::Status(args) => {
            status::run(&settings()?, args, printer, &|name| {
                resolve_settings_for(cli, Some(name.to_owned()))
            })
            .await
        }
        Command::Store(command) => store::run(&settings()?, command, printer).await,
        Command::Import(args) => import::run(&settings()?, args, printer).await,
        Command::SetModel(args) => set_model::run(&settings()?, args, printer),
        Command::Serve(args) => serve::run(&settings()?, args, cli.global.verbose).await,
        Command::Token(command) => token::run(command, printer),
        Command::Show(args) => show::run(args, printer),
        Command::Comment(command) => comment::run(command, printer).await,
        Command::Init(args) => init::run(&settings()?, args, printer),
        Command::Completions(args) => completions::completions(args, printer),
        Command::Man => completions::man(printer),
    }
}

/// Run `work` on the store `settings` name, opened with `access`, and close the store after,
/// whatever `work` returns (a SQLite store folds its write-ahead log into its file).
async fn with_store<T>(
    settings: &Settings,
    access: crate::store::Access,
    work: impl AsyncFnOnce(&dyn crate::store::Store) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let store = crate::ops::open_store(settings, access).await?;
    let result = work(store.as_ref()).await;
    store.close().await;
    result
}

/// Show the problems of the prompt files (errors and warnings), rustc-style, on stderr.
fn show_diagnostics(validation: Validation, printer: &Printer) {
    let Validation {
        diagnostics,
        sources,
        ..
    } = validation;
    if !diagnostics.is_empty() {
        let diagnostics = diagnostics.into_sorted();
        let report = crate::diag::render::human(&diagnostics, &sources, true, printer.detail());
        if !report.is_empty() {
            printer.error(&report);
        }
        annotate(&diagnostics, printer);
    }
}

/// Under GitHub Actions, problems in files also as annotations on the pull request's lines.
fn annotate(diagnostics: &[crate::diag::Diagnostic], printer: &Printer) {
    let actions = crate::github::actions::Actions::from_process();
    if actions.annotate && !diagnostics.is_empty() {
        printer.workflow_commands(&crate::diag::render::github(diagnostics));
    }
}

/// An operation's failure for the user: prompt files with errors are shown, then named.
fn failure(error: OpsError, printer: &Printer, doing: &str) -> anyhow::Error {
    match error {
        OpsError::InvalidPrompts(validation) => {
            show_diagnostics(*validation, printer);
            anyhow::anyhow!("the prompt files have errors (above); fix them before {doing}")
        }
        other => other.into(),
    }
}

fn resolve_settings(cli: &Cli) -> anyhow::Result<Settings> {
    resolve_settings_for(cli, cli.global.environment.clone())
}

/// Settings as `--env NAME` would make them (`--store` does not apply: each environment
/// names its own).
fn resolve_settings_for(cli: &Cli, environment: Option<String>) -> anyhow::Result<Settings> {
    let cwd = std::env::current_dir().context("cannot read the working directory")?;
    let overrides = Overrides {
        config: cli.global.config.clone(),
        store: if environment == cli.global.environment {
            cli.global.store.clone()
        } else {
            None
        },
        env: environment,
        default_model: cli.global.default_model.clone(),
        fallback_model: cli.global.fallback_model.clone(),
    };
    Ok(Settings::resolve(
        &overrides,
        &|name| std::env::var(name).ok(),
        &cwd,
    )?)
}
