//! `import`: YAML files for the live production prompts git does not have yet.

use std::collections::HashSet;

use crate::import::{ImportRequest, ImportedFile, Refusal, plan_import};
use crate::settings::Settings;

use super::OpsError;

/// Which prompts to import.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Only these names; every live production prompt git lacks when empty.
    pub names: Vec<String>,
    /// Overwrite files that exist.
    pub force: bool,
}

/// The files written and the prompts refused (with why).
pub struct ImportReport {
    pub written: Vec<ImportedFile>,
    pub refused: Vec<Refusal>,
}

pub fn import(
    runtime: &tokio::runtime::Runtime,
    settings: &Settings,
    options: &ImportOptions,
) -> Result<ImportReport, OpsError> {
    let (snapshot, store) = runtime.block_on(async {
        let store = super::open_store(settings).await?;
        Ok::<_, OpsError>((store.snapshot().await?, store.location()))
    })?;
    // Names of every prompt file that parses, valid or not: a file with a problem is still
    // the prompt's file, never to be imported over.
    let validation = super::validate_prompts(settings);
    let mut in_git: HashSet<String> = validation
        .prompts
        .iter()
        .map(|p| p.prompt_name().to_owned())
        .collect();
    for text in validation.sources.values() {
        if let Some(name) = crate::yaml::parse(text).ok().and_then(|root| {
            root.get("prompt_name")
                .and_then(|n| n.as_str().map(str::to_owned))
        }) {
            in_git.insert(name);
        }
    }
    let request = ImportRequest {
        snapshot: &snapshot,
        store: &store,
        in_git: &in_git,
        names: &options.names,
        prompts_dir: &settings.prompts_dir,
        root: &settings.root,
        default_model: &settings.default_model,
        force: options.force,
    };
    let (files, refused) = plan_import(&request);
    let mut written = Vec::with_capacity(files.len());
    for file in files {
        if let Some(dir) = file.path.parent() {
            fs_err::create_dir_all(dir)?;
        }
        crate::fsutil::write_atomic(&file.path, file.text.as_bytes())?;
        written.push(file);
    }
    Ok(ImportReport { written, refused })
}
