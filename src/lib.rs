//! promptctl keeps LLM prompts, and the model each one runs on, as validated YAML files in git,
//! and reconciles them against a live prompt store the way Terraform reconciles
//! infrastructure.
//!
//! Data flows one way: files → prompts → plan → store.
//!
//! - [`cli`]: clap types; [`settings`]: flags + env + `promptctl.yaml` → [`settings::Settings`];
//!   [`printer`]: stdout is data, stderr the rest (and `-v`); [`error`]: exit statuses.
//! - [`commands`]: one file per subcommand, thin: clap arguments → settings → an [`ops`]
//!   operation → rendering. [`ops`]: one operation per command, settings in, a value out.
//! - [`yaml`]: YAML parsed into a tree with spans; [`fsutil`]: atomic, durable writes;
//!   [`rewrite`]: value edits that keep comments and layout (`set-model`).
//! - [`catalog`]: the model catalog (built-in or `models.yaml`); [`suggest`]: "did you mean";
//!   [`glob`]: name patterns; [`usage`]: `usage.yaml`; [`markdown`]: escaping for GitHub;
//!   [`litellm`]: LiteLLM's model data as `models.yaml` entries.
//! - [`prompt`]: the desired state — discovery, `RawPrompt`, validated `Prompt`, templates, the
//!   prompt schema.
//! - [`diag`]: diagnostics as values and their renderers; [`validate`]: the validation pipeline;
//!   [`policy`]: promptctl.yaml's policies over the validated prompts; [`overlay`]: an
//!   environment's model rules.
//! - [`schemas`]: the JSON Schemas and the OpenAPI document in `schemas/`.
//! - [`store`]: the live state behind the `Store` trait (SQLite, PostgreSQL, HTTP);
//!   [`plan`]: desired vs live → `Plan` (pure), its cost, renderers and saved file;
//!   [`apply`]: a plan as one atomic change set.
//! - [`formats`]: every frozen machine format (HTTP v1, saved plan, plan/validate/list/status
//!   JSON, exports); [`server`]: `promptctl serve`, the HTTP face (and the web console) over any
//!   store; [`secret`]: tokens that never print.
//! - [`import`]: YAML files for live prompts git does not have yet; [`time`]: dates;
//!   [`digest`]: SHA-256 as hex.
//! - [`views`]: text and Markdown of what operations return (`status`); a plan's are in
//!   [`plan::render`].
//! - [`github`]: the pull-request comment, the job summary and annotations; [`git`]: files as
//!   they are at a revision (`validate --base`).

pub mod apply;
pub mod canary;
pub mod catalog;
pub mod cli;
pub mod commands;
pub mod diag;
pub mod digest;
pub mod error;
pub mod formats;
pub mod fsutil;
pub mod git;
pub mod github;
pub mod glob;
pub mod import;
pub mod litellm;
pub mod markdown;
pub mod ops;
pub mod overlay;
pub mod plan;
pub mod policy;
pub mod printer;
pub mod prompt;
pub mod rewrite;
pub mod schemas;
pub mod secret;
pub mod server;
pub mod settings;
pub mod shown;
pub mod store;
pub mod suggest;
pub mod table;
pub mod time;
pub mod usage;
pub mod validate;
pub mod views;
pub mod yaml;

use error::{Error, ExitStatus};

/// Run promptctl with these command-line arguments (the program name first) to its exit
/// status. Errors are printed here, once. The async runtime is entered here and nowhere else:
/// one thread for a command (its store and validation overlap on it), every core for `serve`.
pub fn run<I, T>(args: I) -> ExitStatus
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    use clap::Parser;
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => return usage_error(&error),
    };
    let color = match cli.global.color {
        cli::ColorChoice::Auto => anstream::ColorChoice::Auto,
        cli::ColorChoice::Always => anstream::ColorChoice::Always,
        cli::ColorChoice::Never => anstream::ColorChoice::Never,
    };
    let printer = printer::Printer::new(color, cli.global.quiet, cli.global.verbose > 0);
    let serving = matches!(cli.command, cli::Command::Serve(_));
    if !serving {
        printer::init_verbose(cli.global.verbose);
    }
    let runtime = if serving {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    };
    let writes = matches!(
        cli.command,
        cli::Command::Apply(_) | cli::Command::Store(cli::StoreCommand::Restore { .. })
    );
    let result = match runtime {
        Ok(runtime) => {
            let work = commands::dispatch(&cli, &printer);
            let result = if writes {
                runtime.block_on(interruptible(work, &printer))
            } else {
                runtime.block_on(work).map_err(Error::from)
            };
            // A read of the terminal still waiting (an interrupted confirmation) is not waited
            // for.
            runtime.shutdown_background();
            result
        }
        Err(error) => Err(Error::Bug(
            anyhow::Error::new(error).context("cannot start the async runtime"),
        )),
    };
    match result {
        Ok(status) => status,
        Err(error) => {
            printer.error(&format!(
                "{}error:{} {error}",
                printer::RED.bold().render(),
                printer::RED.bold().render_reset()
            ));
            error.exit_status()
        }
    }
}

/// A writing command, stopped by Ctrl-C before its commit: dropping it drops its transaction,
/// so nothing was written (exit 130). A Ctrl-C while a commit is under way waits for the
/// commit, so the report says what happened rather than "maybe".
async fn interruptible(
    work: impl Future<Output = anyhow::Result<ExitStatus>>,
    printer: &printer::Printer,
) -> Result<ExitStatus, Error> {
    let mut work = std::pin::pin!(work);
    tokio::select! {
        result = &mut work => result.map_err(Error::from),
        _ = tokio::signal::ctrl_c() => {
            if store::commits_under_way() == 0 {
                return Err(Error::Interrupted);
            }
            printer.error("interrupted while a commit is under way: waiting for it to finish");
            work.await.map_err(Error::from)
        }
    }
}

/// A command line clap cannot read: `--help` and `--version` print and succeed; a usage
/// mistake prints clap's message and exits 1 (2 means "changes" and nothing else).
fn usage_error(error: &clap::Error) -> ExitStatus {
    use clap::error::ErrorKind;
    let _ = error.print();
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => ExitStatus::Success,
        _ => ExitStatus::Failure,
    }
}
