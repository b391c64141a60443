//! `schemas/prompt.schema.json`: the shape of [`RawPrompt`], its required fields, and
//! `ai_model` as an enum of the catalog's ids with a description each, so editors offer the
//! story's model dropdown. Validation compiles this same schema, so the editor and
//! `promptctl validate` cannot disagree.

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Value, json};

use super::raw::{REQUIRED, RawPrompt};
use crate::catalog::{Catalog, Model};

/// The schema of a prompt file for the given catalog.
pub fn prompt_schema(catalog: &Catalog) -> Value {
    let mut schema = schema_of::<RawPrompt>();
    schema["required"] = json!(REQUIRED);
    let models = catalog.models();
    let model_enum = |description: &str| {
        json!({
            "type": "string",
            "description": description,
            "enum": models.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
            "enumDescriptions": models.iter().map(Model::summary).collect::<Vec<_>>(),
            "markdownEnumDescriptions": models.iter().map(Model::summary).collect::<Vec<_>>(),
        })
    };
    schema["properties"]["ai_model"] =
        model_enum("The model the prompt runs on, from the model catalog (`promptctl models`).");
    if let Some(canary) = schema.pointer_mut("/$defs/RawCanary/properties") {
        canary["ai_model"] = model_enum(
            "The model a share of the traffic runs, from the model catalog (`promptctl models`).",
        );
    }
    schema
}

/// The JSON Schema (2020-12) of a file type, with `null` removed from optional fields: in our
/// files an absent field is left out, and `key:` with no value is a mistake worth a diagnostic.
pub fn schema_of<T: JsonSchema>() -> Value {
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
