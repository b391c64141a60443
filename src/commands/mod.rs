//! One module per subcommand: resolve what it needs, call the library, render the result.

mod apply;
mod history;
mod import;
mod list;
mod models;
mod plan;
mod schema;
mod serve;
mod set_model;
mod store;
mod token;
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
        Command::Plan(args) => plan::run(&settings, args, printer),
        Command::Apply(args) => apply::run(&settings, args, printer),
        Command::List(args) => list::run(&settings, args, printer),
        Command::History(args) => history::run(&settings, args, printer),
        Command::Store(command) => store::run(&settings, command, printer),
        Command::Import(args) => import::run(&settings, args, printer),
        Command::SetModel(args) => set_model::run(&settings, args, printer),
        Command::Serve(args) => serve::run(&settings, args, printer),
        Command::Token(command) => token::run(command, printer),
    }
}

/// The async runtime a command's store work runs on. One per command: a store's connection
/// pool belongs to the runtime that opened it.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Run a future to completion on a runtime of its own.
fn block_on<F: std::future::Future>(future: F) -> anyhow::Result<F::Output> {
    Ok(runtime()?.block_on(future))
}

/// Who the audit log records: `PROMPTCTL_ACTOR`, else the login name.
fn actor() -> String {
    ["PROMPTCTL_ACTOR", "USER", "USERNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "unknown".to_owned())
}

fn validate_prompts(settings: &Settings) -> crate::validate::Validation {
    let validator = crate::validate::Validator::new(&settings.catalog, &settings.default_model);
    validator.validate_paths(std::slice::from_ref(&settings.prompts_dir))
}

fn report_validation(
    validation: crate::validate::Validation,
    printer: &Printer,
) -> anyhow::Result<Vec<crate::prompt::Prompt>> {
    let failed = validation.diagnostics.has_errors();
    let crate::validate::Validation {
        prompts,
        diagnostics,
        sources,
        ..
    } = validation;
    if !diagnostics.is_empty() {
        let diagnostics = diagnostics.into_sorted();
        printer.error(&crate::diag::render::human(&diagnostics, &sources, true));
    }
    if failed {
        anyhow::bail!("the prompt files have errors (above); fix them before planning");
    }
    Ok(prompts)
}

/// What a plan is made from, and the plan.
struct Planned {
    plan: crate::plan::Plan,
    prompts: Vec<crate::prompt::Prompt>,
    snapshot: crate::store::Snapshot,
    store: Box<dyn crate::store::Store>,
}

impl Planned {
    /// The plan with monthly costs, where usage.yaml is configured: for the commands that
    /// show a plan (`list` has no use for it, and must not fail on a bad usage.yaml).
    fn with_cost(mut self, settings: &Settings) -> anyhow::Result<Planned> {
        if let Some(path) = &settings.usage_path {
            let usage = crate::plan::cost::UsageFile::load(path)?;
            crate::plan::cost::annotate(
                &mut self.plan,
                &usage,
                &settings.catalog,
                &self.prompts,
                &self.snapshot,
            );
        }
        Ok(self)
    }
}

/// Validate the prompts and read the store at the same time (on two cores, neither waits for
/// the other), then diff.
fn make_plan(
    runtime: &tokio::runtime::Runtime,
    settings: &Settings,
    printer: &Printer,
    scope: &crate::cli::PlanScope,
) -> anyhow::Result<Planned> {
    let (validation, opened) = std::thread::scope(|threads| {
        let validating = threads.spawn(|| validate_prompts(settings));
        let opened = runtime.block_on(async {
            let store = open_store(settings).await?;
            let snapshot = store.snapshot().await?;
            anyhow::Ok((store, snapshot))
        });
        (validating.join(), opened)
    });
    let validation = validation.map_err(|_| anyhow::anyhow!("validation failed unexpectedly"))?;
    let prompts = report_validation(validation, printer)?;
    let (store, snapshot) = opened?;
    let options = crate::plan::DiffOptions {
        default_model: settings.default_model.clone(),
        prune: scope.prune,
        targets: scope.targets.clone(),
        store: store.location(),
    };
    let plan = crate::plan::diff(&prompts, &snapshot, &options);
    Ok(Planned {
        plan,
        prompts,
        snapshot,
        store,
    })
}

/// Open the configured store.
async fn open_store(settings: &Settings) -> anyhow::Result<Box<dyn crate::store::Store>> {
    Ok(crate::store::open(&settings.store.url, settings.store.token.clone()).await?)
}

fn resolve_settings(cli: &Cli) -> anyhow::Result<Settings> {
    let cwd = std::env::current_dir().context("cannot read the working directory")?;
    let overrides = Overrides {
        config: cli.global.config.clone(),
        store: cli.global.store.clone(),
        env: cli.global.environment.clone(),
        default_model: cli.global.default_model.clone(),
        fallback_model: cli.global.fallback_model.clone(),
    };
    Ok(Settings::resolve(
        &overrides,
        &|name| std::env::var(name).ok(),
        &cwd,
    )?)
}
