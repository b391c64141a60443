//! `promptctl schema`: the JSON Schemas and the OpenAPI document in `schemas/`, generated from
//! the Rust types that read or write the same files. `--check` compares instead of writing.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::catalog::{Catalog, CatalogFile};
use crate::prompt::schema::{prompt_schema, schema_of};

/// The JSON Schema (2020-12) of a file promptctl writes, as its type serialises it.
fn output_schema_of<T: schemars::JsonSchema>() -> Value {
    schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value()
}
use crate::settings::ConfigFile;

/// One generated file of `schemas/`.
pub struct SchemaDocument {
    pub file_name: &'static str,
    pub text: String,
    /// For a prompts project's editors (the files it holds); the others describe promptctl's
    /// outputs and API, for tools, and are written only on request (`schema --all`).
    pub for_projects: bool,
}

/// Every document of `schemas/`, for the given catalog.
pub fn documents(catalog: &Catalog) -> Vec<SchemaDocument> {
    [
        ("prompt.schema.json", prompt_schema(catalog), true),
        ("promptctl.schema.json", schema_of::<ConfigFile>(), true),
        ("models.schema.json", schema_of::<CatalogFile>(), true),
        (
            "usage.schema.json",
            schema_of::<crate::usage::UsageFile>(),
            true,
        ),
        // A file promptctl writes holds nulls where values are absent: its schema keeps them.
        (
            "plan.schema.json",
            output_schema_of::<crate::formats::saved_plan_v1::SavedPlanV1>(),
            false,
        ),
        ("openapi.json", crate::server::openapi::document(), false),
    ]
    .into_iter()
    .map(|(file_name, value, for_projects)| SchemaDocument {
        file_name,
        text: pretty(&value),
        for_projects,
    })
    .collect()
}

/// Write the prompt files' schema alone, at `path` (for files that name it).
pub fn write_prompt_schema(path: &Path, catalog: &Catalog) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fs_err::create_dir_all(dir)?;
    }
    crate::fsutil::write_atomic(path, pretty(&prompt_schema(catalog)).as_bytes())
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// A committed schema that differs from the generated one.
pub struct Stale {
    pub path: PathBuf,
}

/// Write every document under `dir`, or with `check` only compare; returns the stale files.
pub fn write_or_check(
    dir: &Path,
    catalog: &Catalog,
    check: bool,
    all: bool,
) -> std::io::Result<Vec<Stale>> {
    let mut stale = Vec::new();
    if !check {
        fs_err::create_dir_all(dir)?;
    }
    for document in documents(catalog)
        .into_iter()
        .filter(|d| all || d.for_projects)
    {
        let path = dir.join(document.file_name);
        let current = fs_err::read_to_string(&path).ok();
        if current.as_deref() == Some(document.text.as_str()) {
            continue;
        }
        if !check {
            crate::fsutil::write_atomic(&path, document.text.as_bytes())?;
        }
        stale.push(Stale { path });
    }
    Ok(stale)
}
