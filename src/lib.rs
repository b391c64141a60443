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
//! - [`github`]: the pull-request comment, the job summary and annotations; [`git`]: files as
//!   they are at a revision (`validate --base`).

pub mod apply;
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
pub mod store;
pub mod suggest;
pub mod table;
pub mod time;
pub mod usage;
pub mod validate;
pub mod yaml;

use error::ExitStatus;

/// Run a parsed command line to its exit status. Errors are printed here, once.
pub fn run(cli: cli::Cli) -> ExitStatus {
    let color = match cli.global.color {
        cli::ColorChoice::Auto => anstream::ColorChoice::Auto,
        cli::ColorChoice::Always => anstream::ColorChoice::Always,
        cli::ColorChoice::Never => anstream::ColorChoice::Never,
    };
    let printer = printer::Printer::new(color, cli.global.quiet);
    if !matches!(cli.command, cli::Command::Serve(_)) {
        printer::init_verbose(cli.global.verbose);
    }
    match commands::dispatch(&cli, &printer) {
        Ok(status) => status,
        Err(error) => {
            printer.error(&format!(
                "{}error:{} {error:#}",
                printer::RED.bold().render(),
                printer::RED.bold().render_reset()
            ));
            if outcome_unknown(&error) {
                ExitStatus::Unknown
            } else {
                ExitStatus::Failure
            }
        }
    }
}

/// Whether a failure left a write's outcome unknown (exit 3), rather than changing nothing.
fn outcome_unknown(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<store::StoreError>(),
            Some(store::StoreError::Unknown(_))
        ) || matches!(
            cause.downcast_ref::<ops::OpsError>(),
            Some(ops::OpsError::Store(store::StoreError::Unknown(_)))
        )
    })
}
