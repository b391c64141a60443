//! Command-line types (clap derive). Their doc comments are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Prompts and their models as validated YAML in git, reconciled against a live prompt store.
#[derive(Debug, Parser)]
#[command(
    name = "promptctl",
    version,
    long_version = LONG_VERSION,
    propagate_version = true,
    max_term_width = 100,
    after_help = "Start with `promptctl init` in a new project; `promptctl help COMMAND` shows a command's examples."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// `--version`: the release, the commit it was built from and that commit's date.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("PROMPTCTL_COMMIT"),
    " ",
    env!("PROMPTCTL_COMMIT_DATE"),
    ")"
);

/// Options every command takes, listed under their own heading in each command's help.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Config file [default: promptctl.yaml in this folder or a parent]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Store URL: sqlite:PATH, postgres://…, http(s)://…, convex+https://…, langfuse+https://… [env: PROMPTCTL_STORE] [default: sqlite:.promptctl/store.db]
    #[arg(long, global = true, value_name = "URL")]
    pub store: Option<String>,
    /// A named store from `environments` in promptctl.yaml
    #[arg(long = "env", global = true, value_name = "NAME")]
    pub environment: Option<String>,
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
    /// On stderr: what is read and from where, each step's time, each HTTP request (-vv: SQL)
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
    /// Start a prompts project here: promptctl.yaml, prompts/ with an example, the schema
    #[command(after_help = "Examples:
  promptctl init                    # in an empty folder, or beside existing prompts
  promptctl init --github-workflow  # also .github/workflows/promptctl.yml")]
    Init(InitArgs),
    /// Check prompt files: schema, model catalog, template variables
    #[command(after_help = "Examples:
  promptctl validate                         # every file under prompts_dir
  promptctl validate prompts/incidents       # a folder, or files
  promptctl validate --base origin/main      # and say what changed since the base
  promptctl validate --format json > report.json")]
    Validate(ValidateArgs),
    /// List the model catalog
    #[command(after_help = "Examples:
  promptctl models
  promptctl models --format json")]
    Models(ModelsArgs),
    /// Write the JSON Schemas for editors in schemas/ (or check they are current)
    #[command(after_help = "Examples:
  promptctl schema          # prompt, config, catalog and usage schemas
  promptctl schema --check  # in CI: exit 1 when a file is stale
  promptctl schema --all    # also plan.schema.json and openapi.json, for tools")]
    Schema(SchemaArgs),
    /// Show what apply would change in the store
    #[command(after_help = "Examples:
  promptctl plan
  promptctl plan --out plan.json          # save it, to apply exactly this later
  promptctl plan --env prod --detailed-exitcode
  promptctl plan --target summarize_incident")]
    Plan(PlanArgs),
    /// Change the store to match the prompts in git (or apply a saved plan)
    #[command(after_help = "Examples:
  promptctl apply                  # plan, ask, apply
  promptctl apply --auto-approve   # in CI
  promptctl apply plan.json        # exactly the saved plan, in its environment")]
    Apply(ApplyArgs),
    /// List the prompts in the store, with their model and status
    #[command(after_help = "Examples:
  promptctl list
  promptctl list --all --format json")]
    List(ListArgs),
    /// Show the store's audit log, newest first
    #[command(after_help = "Examples:
  promptctl history
  promptctl history summarize_incident --limit 10")]
    History(HistoryArgs),
    /// What runs where: every environment's version and model of every prompt, against git
    #[command(after_help = "Examples:
  promptctl status
  promptctl status --envs dev,prod --detailed-exitcode")]
    Status(StatusArgs),
    /// Back up and restore the whole store
    #[command(subcommand)]
    Store(StoreCommand),
    /// Write YAML files for live production prompts that git does not have yet
    #[command(after_help = "Examples:
  promptctl import
  promptctl import --name summarize_incident --force")]
    Import(ImportArgs),
    /// What the prompts in git cost a month (usage.yaml), and what a model change would cost
    #[command(after_help = "Examples:
  promptctl cost
  promptctl cost --what-if openai/gpt-5.2                              # every prompt moves
  promptctl cost --what-if openai/gpt-5-mini --where subsystem=incidents
  promptctl cost --scenario high --format markdown")]
    Cost(CostArgs),
    /// A plan that returns every production prompt to what it was at a revision
    #[command(after_help = "Examples:
  promptctl history                                  # pick the revision
  promptctl rollback --to-revision 12                # the plan
  promptctl rollback --to-revision 12 --out back.json && promptctl apply back.json
  promptctl rollback --to-revision 12 --write-files  # and make git say the same")]
    Rollback(RollbackArgs),
    /// Set the model of many prompt files at once, keeping comments and layout
    #[command(after_help = "Examples:
  promptctl set-model openai/gpt-5-mini --where subsystem=incidents
  promptctl set-model --successors      # every prompt on a deprecated model, to its successor")]
    SetModel(SetModelArgs),
    /// Run the store server (HTTP API for applications and for the reconciler)
    #[command(after_help = "Examples:
  promptctl serve --insecure-no-auth                      # try it on this machine
  promptctl serve --tokens tokens --database postgres://prompts@db/prompts --listen 0.0.0.0:8787")]
    Serve(ServeArgs),
    /// Make API tokens for `serve`
    #[command(subcommand)]
    Token(TokenCommand),
    /// Print a saved plan, without a store
    #[command(after_help = "Examples:
  promptctl show plan.json
  promptctl show plan.json --format markdown")]
    Show(ShowArgs),
    /// Post a plan where reviewers look
    #[command(subcommand)]
    Comment(CommentCommand),
    /// Print a shell completion script
    #[command(after_help = "Examples:
  promptctl completions bash > ~/.local/share/bash-completion/completions/promptctl
  promptctl completions zsh > \"${fpath[1]}/_promptctl\"
  promptctl completions fish > ~/.config/fish/completions/promptctl.fish")]
    Completions(CompletionsArgs),
    /// Print the manual page (roff)
    #[command(after_help = "Examples:
  promptctl man > promptctl.1 && man ./promptctl.1")]
    Man,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Also write a GitHub Actions workflow that validates and plans pull requests
    #[arg(long)]
    pub github_workflow: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Only these environments, in this order [default: every one in promptctl.yaml]
    #[arg(long, value_delimiter = ',', value_name = "NAME,…")]
    pub envs: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    /// Exit 0 when every environment matches git, 1 when one cannot be read, 2 when one differs
    #[arg(long)]
    pub detailed_exitcode: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A plan saved with `plan --out`
    pub plan_file: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
}

#[derive(Debug, Subcommand)]
pub enum CommentCommand {
    /// One comment on a GitHub pull request holding the plan, updated in place on later runs.
    /// Reads GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL and GITHUB_EVENT_PATH
    Github(GithubCommentArgs),
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("content").required(true).args(["plan", "body_file", "out_of_date"]))]
pub struct GithubCommentArgs {
    /// The pull request [default: the one of the `pull_request` event that runs the workflow]
    #[arg(long, value_name = "N")]
    pub pull_request: Option<u64>,
    /// A plan saved with `plan --out`: posted as Markdown
    #[arg(long, value_name = "PLANFILE")]
    pub plan: Option<PathBuf>,
    /// A Markdown file to post instead of a plan
    #[arg(long, value_name = "FILE")]
    pub body_file: Option<PathBuf>,
    /// No plan was made for this commit: mark the plan comments of the tag and of `TAG-…` (one
    /// per environment) out of date, quoting FILE (validate's output) as the reason; creates
    /// none
    #[arg(long, value_name = "FILE")]
    pub out_of_date: Option<PathBuf>,
    /// Names the comment, so projects or environments sharing a pull request keep one each
    #[arg(long, value_name = "NAME", default_value = "plan")]
    pub tag: String,
    /// What to do with the comment an earlier run left
    #[arg(long, value_enum, default_value_t = CommentBehavior::Update)]
    pub behavior: CommentBehavior,
    /// Post nothing new when the plan has no changes (a comment already there is still updated)
    #[arg(long, requires = "plan")]
    pub skip_no_diff: bool,
    /// The repository, owner/name [env: GITHUB_REPOSITORY]
    #[arg(long, value_name = "OWNER/NAME")]
    pub repository: Option<String>,
    /// Order of runs, Unix seconds: a comment from a later one is never overwritten
    /// [default: the commit time of the pull request's head, else of HEAD]
    #[arg(long, value_name = "SECONDS")]
    pub valid_at: Option<i64>,
    /// The login whose comments are promptctl's (a GitHub App's `NAME[bot]`, say)
    /// [default: the token's own user; `github-actions[bot]` for a workflow's token]
    #[arg(long, value_name = "LOGIN")]
    pub author: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CommentBehavior {
    /// Edit the earlier comment in place (one living comment)
    Update,
    /// Keep the earlier comment, add a new one
    New,
    /// Delete the earlier comment, add a new one at the bottom
    DeleteAndNew,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Only this prompt (repeatable)
    #[arg(long = "name", value_name = "NAME")]
    pub names: Vec<String>,
    /// Overwrite files that exist
    #[arg(long)]
    pub force: bool,
    /// Instead: rewrite `ai_model` in the files of prompts whose model was last changed in the
    /// console, to the store's value (comments and layout kept)
    #[arg(long, conflicts_with_all = ["names", "force"])]
    pub update: bool,
}

#[derive(Debug, Args)]
pub struct SetModelArgs {
    /// The catalog id to set (omit with --successors)
    #[arg(required_unless_present = "successors")]
    pub model: Option<String>,
    /// Only this prompt (repeatable)
    #[arg(long = "prompt", value_name = "NAME")]
    pub prompts: Vec<String>,
    /// Only prompts whose field matches; `*` globs; repeatable, all must match.
    /// Keys: subsystem, workflow_step, ai_model, prompt_name
    #[arg(long = "where", value_name = "KEY=VALUE")]
    pub clauses: Vec<String>,
    /// Every prompt
    #[arg(long)]
    pub all: bool,
    /// Move every prompt on a deprecated or retired model to its catalog successor
    #[arg(long, conflicts_with_all = ["model", "prompts", "clauses", "all"])]
    pub successors: bool,
    /// Print the diff; change nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The revision to return to (`promptctl history` shows them)
    #[arg(long, value_name = "N")]
    pub to_revision: i64,
    /// Save the plan, to apply exactly it with `promptctl apply FILE`
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also rewrite `ai_model` in the prompt files to the models of that revision (keeping
    /// comments and layout), so a pull request makes the rollback permanent
    #[arg(long)]
    pub write_files: bool,
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
}

#[derive(Debug, Args)]
pub struct CostArgs {
    /// Also price the selected prompts (every prompt without --prompt or --where) on MODEL
    #[arg(long, value_name = "MODEL")]
    pub what_if: Option<String>,
    /// Only this prompt moves (repeatable)
    #[arg(long = "prompt", value_name = "NAME", requires = "what_if")]
    pub prompts: Vec<String>,
    /// Only prompts whose field matches move; `*` globs; repeatable, all must match.
    /// Keys: subsystem, workflow_step, ai_model, prompt_name
    #[arg(long = "where", value_name = "KEY=VALUE", requires = "what_if", value_parser = crate::rewrite::WhereClause::parse)]
    pub clauses: Vec<crate::rewrite::WhereClause>,
    /// A scenario of usage.yaml (`scenarios:`): its multiplier scales every prompt's requests
    #[arg(long, value_name = "NAME")]
    pub scenario: Option<String>,
    /// Requests as the promptctl server of --store / --env counted them (GET /v1/usage, scaled
    /// to a 30-day month) instead of usage.yaml's; tokens per request still from usage.yaml
    #[arg(long)]
    pub observed: bool,
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The database: sqlite:PATH or postgres://… [default: the configured store]
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// Address to listen on
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787")]
    pub listen: std::net::SocketAddr,
    /// POST each applied revision here (repeatable; https://, or http:// on loopback), signed
    /// with HMAC-SHA256 of the body under PROMPTCTL_WEBHOOK_SECRET (header
    /// X-Promptctl-Signature: sha256=HEX)
    #[arg(long = "webhook", value_name = "URL")]
    pub webhooks: Vec<String>,
    /// Tokens file: `ROLE NAME SHA256HEX` a line [env: PROMPTCTL_TOKENS holds the same lines]
    #[arg(long, value_name = "FILE")]
    pub tokens: Option<PathBuf>,
    /// Serve without authentication (only on a loopback address)
    #[arg(long)]
    pub insecure_no_auth: bool,
    /// How often to pick up changes made through other servers, in milliseconds
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub refresh_ms: u64,
    /// Largest request body accepted, in MiB
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    pub max_body_mib: usize,
    /// Longest a request may take, in seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    pub request_timeout: u64,
    /// Close a connection that has not sent a whole request head within this (a slow client,
    /// or a kept-alive connection idle that long)
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub header_timeout: u64,
    /// Connections open at once; past it a new one is answered 503 and closed
    #[arg(long, value_name = "N", default_value_t = 4096)]
    pub max_connections: usize,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Print a fresh random token and the line that admits it to a tokens file
    New {
        /// What the token may do
        #[arg(long, value_enum)]
        role: TokenRole,
        /// A name for logs and the audit log (no spaces)
        #[arg(long)]
        name: String,
        /// Output format
        #[arg(long, value_enum, default_value_t = DataFormat::Text)]
        format: DataFormat,
        /// Also add the line to this tokens file (created if missing); the token is printed once
        #[arg(long, value_name = "FILE")]
        append: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TokenRole {
    /// GET endpoints: applications
    Read,
    /// Also change sets and restores: CI and ops
    Admin,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    /// Save the plan, for `promptctl apply FILE`
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 0 when there are no changes, 1 on error, 2 when there are changes
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Fail (exit 1, nothing saved) when the monthly cost would rise by more than this, in USD
    #[arg(long, value_name = "USD", value_parser = usd_per_month)]
    pub max_cost_increase: Option<f64>,
    #[command(flatten)]
    pub scope: PlanScope,
}

/// What a plan covers.
#[derive(Debug, Args)]
pub struct PlanScope {
    /// Only this prompt (repeatable)
    #[arg(long = "target", value_name = "NAME")]
    pub targets: Vec<String>,
    /// Also deactivate production prompts that git does not have
    #[arg(long)]
    pub prune: bool,
    /// Pass the soft-mandatory policy NAME (repeatable); recorded in the plan and the audit log
    #[arg(long = "override-policy", value_name = "NAME")]
    pub override_policies: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Json,
    /// One document a line, the fields of the story's Convex `ai_prompts` table
    ConvexJsonl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Text,
    Json,
    /// For a pull-request comment
    Markdown,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan saved with `plan --out`: applied exactly, without asking
    pub plan_file: Option<PathBuf>,
    /// Apply without asking for confirmation
    #[arg(long)]
    pub auto_approve: bool,
    #[command(flatten)]
    pub scope: PlanScope,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Also inactive versions (active rows of every scope are always listed)
    #[arg(long)]
    pub all: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = DataFormat::Text)]
    pub format: DataFormat,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only this prompt
    pub name: Option<String>,
    /// At most this many entries
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Output format
    #[arg(long, value_enum, default_value_t = DataFormat::Text)]
    pub format: DataFormat,
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Write every row as JSON (to stdout without --out)
    Export {
        /// File to write
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Export the rows a forced restore replaced (the store keeps them), by backup id
        #[arg(long, value_name = "ID")]
        backup: Option<String>,
        /// `json` (promptctl's export, restorable) or `convex-jsonl` (for `npx convex import
        /// --table ai_prompts`)
        #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
        format: ExportFormat,
    },
    /// Load an export (or a legacy export) into an empty store
    Restore {
        /// The export file
        file: PathBuf,
        /// Replace a non-empty store's rows (they are backed up to a file and kept in the store)
        #[arg(long)]
        force: bool,
        /// With --force, let a file without rows empty the store
        #[arg(long, requires = "force")]
        allow_empty: bool,
        /// Move legacy rows from a model the catalog no longer takes to one it does
        /// (repeatable), e.g. --map-model openai/gpt-3.5-turbo=openai/gpt-5.4-mini
        #[arg(long, value_name = "OLD=NEW", value_parser = model_mapping)]
        map_model: Vec<(String, String)>,
    },
}

/// `OLD=NEW`, as `--map-model` takes it.
fn model_mapping(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((from, to)) if !from.trim().is_empty() && !to.trim().is_empty() => {
            Ok((from.trim().to_owned(), to.trim().to_owned()))
        }
        _ => Err(format!(
            "`{text}` is not OLD=NEW: write the model the rows have, `=`, and a model of the catalog, e.g. openai/gpt-3.5-turbo=openai/gpt-5.4-mini"
        )),
    }
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Files or folders to check [default: prompts_dir]
    pub paths: Vec<PathBuf>,
    /// Also compare with the files at this git revision: a template or schema changed without
    /// a new prompt_version is an error, a prompt removed or renamed a warning
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = DiagnosticFormat::Text)]
    pub format: DiagnosticFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagnosticFormat {
    /// rustc-style, with the source line (on stderr)
    Text,
    /// A JSON report of diagnostics and counts (on stdout)
    Json,
    /// GitHub Actions annotations (on stdout)
    Github,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ModelsArgs {
    #[command(subcommand)]
    pub command: Option<ModelsCommand>,
    /// Output format
    #[arg(long, value_enum, default_value_t = DataFormat::Text)]
    pub format: DataFormat,
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Write or update the project's models.yaml from LiteLLM's model data, keeping the
    /// file's own tiers, recommendations, successors and retirement dates
    Import(ModelsImportArgs),
}

#[derive(Debug, Args)]
pub struct ModelsImportArgs {
    /// LiteLLM's model_prices_and_context_window.json (the `litellm` package ships it)
    #[arg(long, value_name = "FILE")]
    pub litellm: PathBuf,
    /// Only this provider, as LiteLLM names it (repeatable) [default: every provider]
    #[arg(long = "provider", value_name = "PROVIDER")]
    pub providers: Vec<String>,
    /// LiteLLM's mode of the models to take
    #[arg(long, value_name = "MODE", default_value = "chat")]
    pub mode: String,
}

/// A sum of USD per month, as `--max-cost-increase` takes it: a plain number, 0 or more.
fn usd_per_month(text: &str) -> Result<f64, String> {
    let taken = "USD per month, a plain number such as 50 or 12.5";
    match text.trim().parse::<f64>() {
        Ok(value) if value.is_finite() && value >= 0.0 => Ok(value),
        _ if text.trim_start().starts_with('$') => Err(format!(
            "`{text}` is not a number: write {taken}, without the `$`"
        )),
        _ => Err(format!("`{text}` is not a number: write {taken}")),
    }
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
    /// Also the saved plan's schema and the server's OpenAPI document (for tools)
    #[arg(long)]
    pub all: bool,
}
