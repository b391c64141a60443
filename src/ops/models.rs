//! `models import --litellm`: the project's models.yaml written or updated from LiteLLM's
//! model data. Nothing is written when nothing changes, so a second run is a no-op.

use std::path::{Path, PathBuf};

use crate::catalog::CatalogFile;
use crate::litellm::{ImportOptions, Imported};
use crate::settings::Settings;

use super::OpsError;

/// What to import.
#[derive(Clone, Debug)]
pub struct LitellmImport {
    /// LiteLLM's JSON file.
    pub file: PathBuf,
    /// Only these providers; all when empty.
    pub providers: Vec<String>,
    /// LiteLLM's `mode` to take (`chat`).
    pub mode: String,
}

/// What happened, and where.
pub struct ImportReport {
    pub imported: Imported,
    /// The models.yaml written (or that would have been, when nothing changed).
    pub path: PathBuf,
    pub written: bool,
}

pub fn import_litellm(
    settings: &Settings,
    request: &LitellmImport,
) -> Result<ImportReport, OpsError> {
    let text = fs_err::read_to_string(&request.file)?;
    let data: serde_json::Value = serde_json::from_str(&text).map_err(|error| {
        OpsError::Refused(format!("{} is not JSON: {error}", request.file.display()))
    })?;
    let path = settings.catalog_file();
    let existing: Option<CatalogFile> = if path.is_file() {
        Some(crate::yaml::load_file(&path).map_err(|e| OpsError::Refused(e.to_string()))?)
    } else {
        None
    };
    let options = ImportOptions {
        providers: request.providers.clone(),
        mode: request.mode.clone(),
        source: format!(
            "LiteLLM model data ({})",
            request.file.file_name().map_or_else(
                || request.file.display().to_string(),
                |n| n.to_string_lossy().into_owned()
            )
        ),
        today: crate::time::today(),
    };
    let builtin = crate::catalog::Catalog::builtin();
    let imported = crate::litellm::import(&data, existing.as_ref(), builtin.models(), &options)
        .map_err(|e| OpsError::Refused(format!("{}: {e}", request.file.display())))?;
    let rendered = crate::litellm::render(&imported.file);
    let unchanged = existing.is_some() && imported.added.is_empty() && imported.updated.is_empty();
    let written = !unchanged;
    if written {
        check_reads_back(&rendered, &path)?;
        crate::fsutil::write_atomic(&path, rendered.as_bytes())?;
    }
    Ok(ImportReport {
        imported,
        path,
        written,
    })
}

/// The file about to be written must load as a catalog (successors present, dates valid).
fn check_reads_back(text: &str, path: &Path) -> Result<(), OpsError> {
    let dir = tempfile::tempdir()?;
    let probe = dir.path().join("models.yaml");
    fs_err::write(&probe, text)?;
    crate::catalog::Catalog::load(&probe)
        .map(|_| ())
        .map_err(|error| {
            OpsError::Refused(format!(
                "the imported catalog would not load, so {} was left as it is: {error}",
                path.display()
            ))
        })
}
