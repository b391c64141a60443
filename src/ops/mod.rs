//! One operation per command, as cargo's `ops`: the world it works on in (the store as a
//! `&dyn Store`, the resolved project as [`Settings`], options with every field documented),
//! a value out. No clap type, no printing: `commands/` renders what comes back, and the server
//! and its console call the same operations. Operations that touch a store are async; the
//! runtime is entered once, in `crate::run`.

pub mod assign;
pub mod comment;
pub mod cost;
pub mod drift;
pub mod import;
pub mod init;
pub mod list;
pub mod models;
pub mod plan;
pub mod rollback;
pub mod set_model;
pub mod status;
pub mod store;

use std::time::Instant;

use crate::prompt::Prompt;
use crate::settings::Settings;
use crate::store::{Access, Store, StoreError};
use crate::validate::{Validation, Validator};

/// Why an operation failed.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// The prompt files have errors; the validation holds them, to be shown.
    #[error("the prompt files have errors")]
    InvalidPrompts(Box<Validation>),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Github(#[from] crate::github::comment::GithubError),
    #[error(transparent)]
    Git(#[from] crate::git::GitError),
    /// promptctl's own failure (a validation thread that panicked).
    #[error("internal error: {0}")]
    Bug(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Usage(#[from] crate::usage::UsageError),
    #[error("{0}")]
    Refused(String),
}

/// Open the configured store. With [`Access::Read`], the default local store before the first
/// `apply` reads as an empty store (Terraform's local backend); any other store that does not
/// exist is [`StoreError::NoStore`].
pub async fn open_store(settings: &Settings, access: Access) -> Result<Box<dyn Store>, StoreError> {
    let started = Instant::now();
    let target = &settings.store;
    if let Some(variable) = &target.missing_token_env
        && (target.url.starts_with("http://") || target.url.starts_with("https://"))
    {
        return Err(StoreError::Open {
            url: crate::store::redact(&target.url),
            message: format!(
                "no token: the environment's `token_env` names {variable}, which is not set (or PROMPTCTL_TOKEN)"
            ),
        });
    }
    let opened =
        crate::store::open(&settings.store.url, settings.store.token.clone(), access).await;
    let store = match opened {
        Err(StoreError::NoStore { .. }) if settings.store.default && access == Access::Read => {
            crate::store::not_created(&settings.store.url)
        }
        other => other?,
    };
    tracing::debug!("opened {} in {}", store.location(), elapsed(started));
    Ok(store)
}

/// Validate the prompt files of `settings` on a thread of its own (validation is CPU work,
/// parallel inside), while the caller awaits the store: a plan reads both at once.
pub async fn validate_files_in_background(settings: &Settings) -> Result<Validation, OpsError> {
    let settings = settings.clone();
    tokio::task::spawn_blocking(move || validate_files(&settings, &[]))
        .await
        .map_err(|error| OpsError::Bug(format!("validation stopped: {error}")))
}

/// `12.3 ms`, for `-v` lines.
pub(crate) fn elapsed(since: Instant) -> String {
    format!("{:.1} ms", since.elapsed().as_secs_f64() * 1000.0)
}

/// Validate the prompt files under `paths` (files or folders; `prompts_dir` when empty), and
/// check promptctl.yaml's policies against the prompts as the environment (`--env`) runs them.
pub fn validate(settings: &Settings, paths: &[std::path::PathBuf]) -> Validation {
    let mut validation = validate_files(settings, paths);
    let started = Instant::now();
    let violations = check_policies(
        settings,
        &crate::overlay::overlaid(&settings.overlay, &validation.prompts, &settings.catalog),
    );
    if !settings.config.policies.is_empty() {
        tracing::debug!(
            "checked {} policies in {}: {} violations",
            settings.config.policies.len(),
            elapsed(started),
            violations.len()
        );
    }
    add_problems(&mut validation, crate::policy::diagnostics(&violations));
    silence(settings, &mut validation);
    validation
}

/// Drop the warnings whose code the project silences (`silence` in promptctl.yaml).
fn silence(settings: &Settings, validation: &mut Validation) {
    if settings.silenced.is_empty() {
        return;
    }
    validation.diagnostics.retain(|d| {
        d.severity != crate::diag::Severity::Warning || !settings.silenced.contains(&d.code)
    });
}

/// Validate the prompt files under `paths` (`prompts_dir` when empty): the files alone, no
/// policies.
pub fn validate_files(settings: &Settings, paths: &[std::path::PathBuf]) -> Validation {
    let started = Instant::now();
    let mut validator = Validator::new(&settings.catalog, &settings.default_model);
    validator.deprecation_window = settings.deprecation_window();
    let mut validation = if paths.is_empty() {
        validator.validate_paths(std::slice::from_ref(&settings.prompts_dir))
    } else {
        validator.validate_paths(paths)
    };
    silence(settings, &mut validation);
    tracing::debug!(
        "validated {} prompt files under {} in {}: {} valid prompts, {} problems",
        validation.files,
        if paths.is_empty() {
            settings.prompts_dir.display().to_string()
        } else {
            format!("{} paths", paths.len())
        },
        elapsed(started),
        validation.prompts.len(),
        validation.diagnostics.count(crate::diag::Severity::Error)
            + validation.diagnostics.count(crate::diag::Severity::Warning)
    );
    validation
}

/// promptctl.yaml's policies over `prompts` (as the environment runs them).
fn check_policies(settings: &Settings, prompts: &[Prompt]) -> Vec<crate::policy::Violation> {
    let policies = &settings.config.policies;
    if policies.is_empty() {
        return Vec::new();
    }
    // A bad usage.yaml is reported by the commands that show a cost; here it only leaves
    // max_monthly_cost_usd unchecked.
    let usage = settings.load_usage().ok().flatten();
    let today = crate::time::today();
    let cx = crate::policy::PolicyContext {
        catalog: &settings.catalog,
        usage: usage.as_ref(),
        environment: settings.environment.as_deref(),
        today: &today,
    };
    // A canary's model is judged as the prompt's own: a share of the traffic runs it.
    let canaries: Vec<Prompt> = prompts.iter().filter_map(Prompt::as_canary).collect();
    let mut violations = crate::policy::check(policies, prompts, &cx);
    violations.extend(crate::policy::check(policies, &canaries, &cx));
    violations
}

/// `--prompt NAME` that no prompt file has: an error naming the nearest of `names`.
fn no_such_prompt<'a>(name: &str, names: impl Iterator<Item = &'a str>) -> OpsError {
    let nearest = crate::suggest::nearest(name, names, 3);
    OpsError::Refused(format!(
        "--prompt {name}: no prompt file has that prompt_name{}",
        crate::suggest::did_you_mean(&nearest)
            .map(|h| format!("; {h}"))
            .unwrap_or_default()
    ))
}

/// Problems found after validation join it, with their files' texts (clean files' texts are
/// not kept) so they show their lines too.
fn add_problems(validation: &mut Validation, found: Vec<crate::diag::Diagnostic>) {
    for diagnostic in &found {
        if !validation.sources.contains_key(&diagnostic.file)
            && let Ok(text) = fs_err::read_to_string(&diagnostic.file)
        {
            validation
                .sources
                .insert(std::sync::Arc::clone(&diagnostic.file), text.into());
        }
    }
    validation.diagnostics.extend(found);
}

/// A validation compared with git: how the prompts differ from a base revision.
pub struct AgainstBase {
    pub validation: Validation,
    pub comparison: crate::validate::base::Comparison,
    /// The revision as the user named it, and the commit it resolved to.
    pub base: String,
    pub commit: String,
}

/// `validate --base REF`: validate the prompt files under `paths` (`prompts_dir` when empty),
/// then compare each with its file at `base`. The comparison's problems join the validation's.
pub fn validate_against_base(
    settings: &Settings,
    paths: &[std::path::PathBuf],
    base: &str,
) -> Result<AgainstBase, OpsError> {
    let roots = if paths.is_empty() {
        std::slice::from_ref(&settings.prompts_dir)
    } else {
        paths
    };
    let started = Instant::now();
    let (commit, files) = crate::git::files_at(base, roots)?;
    tracing::debug!(
        "read {} files at {base} ({commit}) in {}",
        files.len(),
        elapsed(started)
    );
    let mut validation = validate(settings, paths);
    let base_files: Vec<crate::validate::base::BaseFile> = files
        .into_iter()
        .map(|file| crate::validate::base::BaseFile {
            path: file.path,
            text: file.text,
        })
        .collect();
    let mut comparison = crate::validate::base::compare(&validation, &base_files, base);
    add_problems(&mut validation, std::mem::take(&mut comparison.diagnostics));
    Ok(AgainstBase {
        validation,
        comparison,
        base: base.to_owned(),
        commit,
    })
}
