//! `import`: YAML files for the live production prompts git does not have yet.

use std::collections::HashSet;

use crate::import::{ImportRequest, ImportedFile, Refusal, plan_import};
use crate::settings::Settings;
use crate::store::Store;

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

pub async fn import(
    store: &dyn Store,
    settings: &Settings,
    options: &ImportOptions,
) -> Result<ImportReport, OpsError> {
    let snapshot = store.snapshot().await?;
    let store = store.location();
    // Names of every prompt file that parses, valid or not: a file with a problem is still
    // the prompt's file, never to be imported over.
    let validation = super::validate_files(settings, &[]);
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
    // The files name the project's prompt schema; a project without one gets it.
    let schema = settings.root.join("schemas").join("prompt.schema.json");
    if !written.is_empty() && !schema.exists() {
        crate::schemas::write_prompt_schema(&schema, &settings.catalog)?;
    }
    Ok(ImportReport { written, refused })
}

/// A prompt file brought in line with a console change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdatedFile {
    pub path: std::path::PathBuf,
    pub prompt_name: String,
    pub old_model: String,
    pub new_model: String,
    /// Who changed it in the console, and at which revision.
    pub who: String,
    pub revision: i64,
    /// The errors `validate` will report in the file as written (the store's model may have
    /// been retired since it was set): it is written all the same, for git to hold the truth.
    pub problems: Vec<String>,
}

/// What `import --update` did: the files rewritten, and those it could not rewrite.
pub struct UpdateReport {
    pub updated: Vec<UpdatedFile>,
    pub refused: Vec<Refusal>,
}

/// `import --update`: where the console changed a prompt's model, write the store's model into
/// the prompt's file, with set-model's rewrite (only `ai_model` changes, byte for byte). Prompt
/// files with errors are left alone.
pub async fn update(store: &dyn Store, settings: &Settings) -> Result<UpdateReport, OpsError> {
    let snapshot = store.snapshot().await?;
    let changes = super::drift::console_changes(store).await?;
    let validation = super::validate_files(settings, &[]);
    let mut validator = crate::validate::Validator::new(&settings.catalog, &settings.default_model);
    validator.deprecation_window = settings.deprecation_window();
    let mut report = UpdateReport {
        updated: Vec::new(),
        refused: Vec::new(),
    };
    // Reversed, so the first row of a name and version wins, as a search in order would.
    let rows: std::collections::HashMap<(&str, &str), &crate::store::LiveRow> = snapshot
        .rows
        .iter()
        .rev()
        .filter(|r| r.scope == crate::store::Scope::Production)
        .map(|r| ((r.prompt_name.as_str(), r.prompt_version.as_str()), r))
        .collect();
    for prompt in &validation.prompts {
        let Some(row) = rows.get(&(prompt.prompt_name(), prompt.prompt_version())) else {
            continue;
        };
        let (Some(change), Some(model)) = (changes.get(&row.id), row.ai_model.as_deref()) else {
            continue;
        };
        if model == prompt.ai_model() {
            continue;
        }
        let path = &prompt.origin().file;
        let refuse = |reason: String| Refusal {
            prompt_name: prompt.prompt_name().to_owned(),
            reason,
        };
        let text = fs_err::read_to_string(path)?;
        let edited = crate::yaml::parse(&text)
            .map_err(|e| crate::rewrite::RewriteError {
                message: e.to_string(),
            })
            .and_then(|root| crate::rewrite::set_ai_model(&text, &root, model));
        match edited {
            Ok(edited) => {
                let problems = match validator.validate_text(path, &edited) {
                    Ok(_) => Vec::new(),
                    Err(found) => found
                        .into_iter()
                        .filter(|d| d.severity == crate::diag::Severity::Error)
                        .map(|d| format!("{} [{}]", d.message, d.code.as_str()))
                        .collect(),
                };
                crate::fsutil::write_atomic(path, edited.as_bytes())?;
                report.updated.push(UpdatedFile {
                    path: path.to_path_buf(),
                    prompt_name: prompt.prompt_name().to_owned(),
                    old_model: prompt.ai_model().to_owned(),
                    new_model: model.to_owned(),
                    who: change.who.clone(),
                    revision: change.revision,
                    problems,
                });
            }
            Err(error) => report.refused.push(refuse(error.message)),
        }
    }
    Ok(report)
}
