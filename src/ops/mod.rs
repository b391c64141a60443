//! One operation per command, as cargo's `ops`: a resolved settings struct in (every field
//! documented), a value out. No clap type, no printing: `commands/` renders what comes back.

pub mod import;
pub mod list;
pub mod plan;
pub mod store;

use std::time::Instant;

use crate::settings::Settings;
use crate::store::{Store, StoreError};
use crate::validate::{Validation, Validator};

/// Why an operation failed.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// The prompt files have errors; the validation holds them, to be shown.
    #[error("the prompt files have errors")]
    InvalidPrompts(Box<Validation>),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Refused(String),
}

/// The async runtime an operation's store work runs on. One per command: a store's
/// connection pool belongs to the runtime that opened it.
pub fn runtime() -> Result<tokio::runtime::Runtime, OpsError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(OpsError::Runtime)
}

/// Open the configured store.
pub async fn open_store(settings: &Settings) -> Result<Box<dyn Store>, StoreError> {
    let started = Instant::now();
    let store = crate::store::open(&settings.store.url, settings.store.token.clone()).await?;
    tracing::debug!("opened {} in {}", store.location(), elapsed(started));
    Ok(store)
}

/// `12.3 ms`, for `-v` lines.
pub(crate) fn elapsed(since: Instant) -> String {
    format!("{:.1} ms", since.elapsed().as_secs_f64() * 1000.0)
}

/// Validate every prompt file under `prompts_dir`.
pub fn validate_prompts(settings: &Settings) -> Validation {
    validate(settings, &[])
}

/// Validate the prompt files under `paths` (files or folders; `prompts_dir` when empty).
pub fn validate(settings: &Settings, paths: &[std::path::PathBuf]) -> Validation {
    let started = Instant::now();
    let validator = Validator::new(&settings.catalog, &settings.default_model);
    let validation = if paths.is_empty() {
        validator.validate_paths(std::slice::from_ref(&settings.prompts_dir))
    } else {
        validator.validate_paths(paths)
    };
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
