//! The JSON Schemas in `schemas/`, generated from the Rust types that read the same files.
//!
//! `promptctl schema` writes them and `--check` compares; validation compiles the prompt schema
//! of the effective catalog, so an editor and `validate` apply the same rules.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Value, json};

use crate::catalog::{Catalog, CatalogFile};
use crate::prompt::raw::{REQUIRED, RawPrompt};
use crate::settings::ConfigFile;

/// One generated file of `schemas/`.
pub struct SchemaDocument {
    pub file_name: &'static str,
    pub text: String,
}

/// Every document of `schemas/`, for the given catalog.
pub fn documents(catalog: &Catalog) -> Vec<SchemaDocument> {
    [
        ("prompt.schema.json", prompt_schema(catalog)),
        ("promptctl.schema.json", schema_of::<ConfigFile>()),
        ("models.schema.json", schema_of::<CatalogFile>()),
        (
            "plan.schema.json",
            schema_of::<crate::plan::file::SavedPlan>(),
        ),
        (
            "usage.schema.json",
            schema_of::<crate::plan::cost::UsageFile>(),
        ),
        ("openapi.json", crate::server::openapi::document()),
    ]
    .into_iter()
    .map(|(file_name, value)| SchemaDocument {
        file_name,
        text: pretty(&value),
    })
    .collect()
}

/// The schema of a prompt file: the shape of [`RawPrompt`], its required fields, and
/// `ai_model` as an enum of the catalog's ids with a description each, so editors offer the
/// story's model dropdown.
pub fn prompt_schema(catalog: &Catalog) -> Value {
    let mut schema = schema_of::<RawPrompt>();
    schema["required"] = json!(REQUIRED);
    let models = catalog.models();
    schema["properties"]["ai_model"] = json!({
        "type": "string",
        "description": "The model the prompt runs on, from the model catalog (`promptctl models`).",
        "enum": models.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        "enumDescriptions": models.iter().map(crate::catalog::Model::summary).collect::<Vec<_>>(),
        "markdownEnumDescriptions": models.iter().map(crate::catalog::Model::summary).collect::<Vec<_>>(),
    });
    schema
}

/// The schema of a type, with `null` removed from optional fields: in our files an absent
/// field is left out, and `key:` with no value is a mistake worth a diagnostic.
fn schema_of<T: JsonSchema>() -> Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let mut value = generator.into_root_schema_for::<T>().to_value();
    strip_null(&mut value);
    value
}

fn strip_null(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    map.insert("type".to_owned(), only);
                }
            }
            if let Some(Value::Array(variants)) = map.get_mut("anyOf") {
                variants.retain(|v| v.get("type") != Some(&json!("null")));
                if variants.len() == 1 {
                    let only = variants.remove(0);
                    map.remove("anyOf");
                    if let Value::Object(inner) = only {
                        for (k, v) in inner {
                            map.entry(k).or_insert(v);
                        }
                    }
                }
            }
            map.values_mut().for_each(strip_null);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_null),
        _ => {}
    }
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
pub fn write_or_check(dir: &Path, catalog: &Catalog, check: bool) -> std::io::Result<Vec<Stale>> {
    let mut stale = Vec::new();
    if !check {
        fs_err::create_dir_all(dir)?;
    }
    for document in documents(catalog) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_schema_requires_fields_and_lists_models() {
        let schema = prompt_schema(&Catalog::builtin());
        assert_eq!(schema["required"], json!(REQUIRED));
        assert_eq!(schema["additionalProperties"], json!(false));
        let ids = schema["properties"]["ai_model"]["enum"].as_array().unwrap();
        assert!(ids.contains(&json!("openai/gpt-5")));
        assert_eq!(schema["properties"]["max_tokens"]["type"], json!("integer"));
        assert_eq!(schema["properties"]["description"]["type"], json!("string"));
    }
}
