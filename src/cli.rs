//! Command-line types (clap derive). Their doc comments are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Prompts and their models as validated YAML in git, reconciled against a live prompt store.
#[derive(Debug, Parser)]
#[command(
    name = "promptctl",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Config file [default: promptctl.yaml in this folder or a parent]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Model for prompts without one [env: LLM_MODEL]
    #[arg(long, global = true, value_name = "MODEL")]
    pub default_model: Option<String>,
    /// Model applications fall back to [env: LLM_FALLBACK_MODEL]
    #[arg(long, global = true, value_name = "MODEL")]
    pub fallback_model: Option<String>,
    /// When to colour output (NO_COLOR is honoured)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print only data and errors
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Print more about what happens
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check prompt files: schema, model catalog, template variables
    Validate(ValidateArgs),
    /// List the model catalog
    Models(ModelsArgs),
    /// Write the JSON Schemas in schemas/ (or check they are current)
    Schema(SchemaArgs),
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Files or folders to check [default: prompts_dir]
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = DiagnosticFormat::Text)]
    pub format: DiagnosticFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagnosticFormat {
    /// rustc-style, with the source line (on stderr)
    Text,
    /// A JSON array of diagnostics (on stdout)
    Json,
    /// GitHub Actions annotations (on stdout)
    Github,
}

#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = DataFormat::Text)]
    pub format: DataFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DataFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Exit 1 if a file in schemas/ differs from what this version generates; write nothing
    #[arg(long)]
    pub check: bool,
    /// Folder to write to [default: schemas/ in the project root]
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}
