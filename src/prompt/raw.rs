//! `RawPrompt`: a prompt file as written, before validation.
//!
//! Its serde shape is the file format and its schemars shape is `schemas/prompt.schema.json`,
//! so the editor's schema, the schema check and the typed reader cannot disagree. Every field
//! is optional here so that one bad field does not hide the others' problems; which fields are
//! required is said once, in [`REQUIRED`], and enforced by the schema check.

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

/// Fields every prompt file must have.
pub const REQUIRED: [&str; 4] = [
    "prompt_name",
    "prompt_version",
    "ai_model",
    "prompt_template",
];

/// `prompt_name`: what the store and applications call the prompt.
pub const NAME_PATTERN: &str = r"^[a-z0-9_.-]{1,128}$";

/// Whether `name` matches [`NAME_PATTERN`]: the one test of a prompt name, for prompt files
/// (through the schema), every write to a store and every file `import` names.
pub fn is_valid_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-')
        })
}

/// Text fields that must hold more than white space.
pub const NOT_BLANK: &str = r"\S";

/// `canary:` of a prompt file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCanary {
    /// The model a share of the traffic runs, `provider/model`, from the model catalog.
    pub ai_model: String,
    /// The share of subjects on the canary, in percent: above 0, below 100, in hundredths at
    /// most.
    #[schemars(range(min = 0.01, max = 99.99))]
    pub percent: f64,
}

/// One prompt as written in `prompts/**/*.yaml`. Field names are the store's column names.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "promptctl prompt file")]
pub struct RawPrompt {
    /// Unique name of the prompt: lowercase letters, digits, `_`, `.` and `-`, at most 128.
    #[schemars(regex(pattern = NAME_PATTERN))]
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub prompt_name: Option<String>,
    /// Version of the template, e.g. `v1.2.0`. Change it whenever the template or schemas change.
    #[schemars(regex(pattern = NOT_BLANK))]
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub prompt_version: Option<String>,
    /// The model the prompt runs on, `provider/model`, from the model catalog.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub ai_model: Option<String>,
    /// What the prompt is for.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Option<String>,
    /// The workflow step that uses the prompt, e.g. `clarification_questions`.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub workflow_step: Option<String>,
    /// The subsystem that owns the prompt, e.g. `incidents`.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub subsystem: Option<String>,
    /// Maximum output tokens; at most the model's maximum output.
    #[schemars(range(min = 1))]
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_tokens: Option<u64>,
    /// Sampling temperature, 0 to 2; only for models that support it.
    #[schemars(range(min = 0.0, max = 2.0))]
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub temperature: Option<f64>,
    /// A canary: `percent` of the subjects (`GET /v1/prompts/NAME?subject=ID`) run `ai_model`
    /// instead of the prompt's own. Promote it by setting the prompt's `ai_model` and removing
    /// `canary`.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub canary: Option<RawCanary>,
    /// `false` deactivates the prompt in the store. Default `true`.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_active: Option<bool>,
    /// JSON Schema (as YAML) of the template's variables; every `{{variable}}` must be declared.
    #[schemars(schema_with = "json_schema_document")]
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub input_schema: Option<serde_json::Value>,
    /// JSON Schema (as YAML) of the output the prompt asks for.
    #[schemars(schema_with = "json_schema_document")]
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub output_schema: Option<serde_json::Value>,
    /// The template; variables are `{{name}}` (mustache style).
    #[schemars(regex(pattern = NOT_BLANK))]
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub prompt_template: Option<String>,
}

/// A field that is there must have a value: `description:` with nothing after it is a
/// mistake to report, not the same as leaving the field out.
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

fn json_schema_document(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "description": "A JSON Schema, written as YAML."
    })
}
