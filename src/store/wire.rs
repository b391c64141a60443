//! The HTTP API's request and response bodies, shared by the server and [`super::http`], so
//! the two cannot drift apart. Stable names: the API is documented in `schemas/openapi.json`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Conflict;
use super::export::Restore;

/// Every error response: `{"error":{"code":…,"message":…}}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `unauthorized`, `forbidden`, `not_found`, `bad_request`,
    /// `payload_too_large`, `unprocessable`, `conflict`, `wrong_store`, `not_empty`,
    /// `timeout`, `unavailable`, `internal`.
    pub code: String,
    pub message: String,
    /// For `conflict`: every precondition that failed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<Conflict>,
    /// For `wrong_store`: the store id the change set was made for, and this store's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_store_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<String>,
    /// For `not_empty`: how many rows the store holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<usize>,
}

/// `GET /v1/prompts/{name}`: what an application needs to run a prompt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ActivePrompt {
    pub prompt_name: String,
    pub prompt_version: String,
    pub prompt_template: String,
    /// The row's model, or the server's default model where the row has none.
    pub ai_model: String,
    /// The model to fall back to when `ai_model` fails.
    pub fallback_model: String,
    pub max_tokens: Option<i64>,
    pub temperature: Option<f64>,
    /// Parsed JSON Schema of the template's variables.
    pub input_schema: Option<serde_json::Value>,
    /// Parsed JSON Schema of the expected output.
    pub output_schema: Option<serde_json::Value>,
    pub workflow_step: Option<String>,
    pub subsystem: Option<String>,
    /// The store revision this answer reflects.
    pub revision: i64,
}

/// One entry of `GET /v1/prompts`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PromptSummary {
    pub prompt_name: String,
    pub prompt_version: String,
    pub ai_model: String,
    pub workflow_step: Option<String>,
    pub subsystem: Option<String>,
}

/// `GET /v1/prompts`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PromptList {
    pub revision: i64,
    pub prompts: Vec<PromptSummary>,
}

/// `POST /v1/restore`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RestoreRequest {
    pub restore: Restore,
    /// Replace a non-empty store's rows.
    #[serde(default)]
    pub force: bool,
}

/// `POST /v1/restore`'s answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RestoreResponse {
    pub revision: i64,
}

/// `GET /healthz`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Health {
    pub status: String,
    pub revision: i64,
}
