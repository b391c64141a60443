//! The desired state: prompts as git describes them.
//!
//! [`Prompt`] is made only by validation (`crate::validate`), so code past it never sees a file
//! with errors. Field names are the store's column names.

pub mod raw;
pub mod source;
pub mod template;

use std::path::Path;
use std::sync::Arc;

/// Where a prompt came from, so later stages (plan errors) can point at it.
#[derive(Clone, Debug, PartialEq)]
pub struct Origin {
    pub file: Arc<Path>,
}

/// A validated prompt: every required field present, its model in the catalog, its template's
/// variables declared.
#[derive(Clone, Debug, PartialEq)]
pub struct Prompt {
    pub prompt_name: String,
    pub prompt_version: String,
    pub ai_model: String,
    pub prompt_template: String,
    pub description: Option<String>,
    pub workflow_step: Option<String>,
    pub subsystem: Option<String>,
    pub max_tokens: Option<u64>,
    pub temperature: Option<f64>,
    pub is_active: bool,
    pub input_schema: Option<serde_json::Value>,
    pub output_schema: Option<serde_json::Value>,
    pub origin: Origin,
}
