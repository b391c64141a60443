//! The desired state: prompts as git describes them.
//!
//! [`Prompt`] is made only by validation (`crate::validate`), so code past it never sees a file
//! with errors: its fields are private, read through accessors, and its one constructor is
//! for the validator. Field names are the store's column names.

pub mod raw;
pub mod schema;
pub mod source;
pub mod template;

use std::path::Path;
use std::sync::Arc;

use raw::RawPrompt;

/// The config file's name, looked for in the working directory and its parents; the folder
/// holding it is the project.
pub const CONFIG_FILE_NAME: &str = "promptctl.yaml";

/// Where a prompt came from, so later stages (plan errors) can point at it.
#[derive(Clone, Debug, PartialEq)]
pub struct Origin {
    pub file: Arc<Path>,
}

/// A validated prompt: every required field present, its model in the catalog, its template's
/// variables declared.
#[derive(Clone, Debug, PartialEq)]
pub struct Prompt {
    prompt_name: String,
    prompt_version: String,
    ai_model: String,
    prompt_template: Arc<str>,
    description: Option<String>,
    workflow_step: Option<String>,
    subsystem: Option<String>,
    max_tokens: Option<u64>,
    temperature: Option<f64>,
    is_active: bool,
    /// The canary's model and percent.
    canary: Option<(String, f64)>,
    /// Compact JSON with sorted keys: a parsed schema costs several times its text, and a
    /// plan of 100,000 prompts holds every one.
    input_schema: Option<Box<str>>,
    output_schema: Option<Box<str>>,
    origin: Origin,
}

/// Compact JSON with object keys sorted (serde_json's maps are ordered): equal values give
/// equal texts.
fn canonical_json(value: &serde_json::Value) -> Box<str> {
    value.to_string().into_boxed_str()
}

impl Prompt {
    /// The prompt of a file that passed every check. Only the validator calls this, after the
    /// schema and every rule found no error; `None` if a required field is absent.
    pub(crate) fn from_validated(raw: RawPrompt, file: &Arc<Path>) -> Option<Prompt> {
        Some(Prompt {
            prompt_name: raw.prompt_name?,
            prompt_version: raw.prompt_version?,
            ai_model: raw.ai_model?,
            prompt_template: Arc::from(raw.prompt_template?),
            description: raw.description,
            workflow_step: raw.workflow_step,
            subsystem: raw.subsystem,
            max_tokens: raw.max_tokens,
            temperature: raw.temperature,
            is_active: raw.is_active.unwrap_or(true),
            canary: raw.canary.map(|c| (c.ai_model, c.percent)),
            input_schema: raw.input_schema.as_ref().map(canonical_json),
            output_schema: raw.output_schema.as_ref().map(canonical_json),
            origin: Origin {
                file: Arc::clone(file),
            },
        })
    }

    pub fn prompt_name(&self) -> &str {
        &self.prompt_name
    }

    pub fn prompt_version(&self) -> &str {
        &self.prompt_version
    }

    /// The model, always in the catalog validation ran against.
    pub fn ai_model(&self) -> &str {
        &self.ai_model
    }

    /// Run on another model of the same catalog: an environment's overlay
    /// (`crate::overlay`), which checks the model and what it accepts.
    pub(crate) fn run_on(&mut self, ai_model: &str) {
        ai_model.clone_into(&mut self.ai_model);
    }

    pub fn prompt_template(&self) -> &str {
        &self.prompt_template
    }

    /// The template, shared: a plan's new row holds the same text, not a copy.
    pub fn shared_template(&self) -> Arc<str> {
        Arc::clone(&self.prompt_template)
    }

    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    pub fn workflow_step(&self) -> Option<&str> {
        self.workflow_step.as_deref()
    }

    pub fn subsystem(&self) -> Option<&str> {
        self.subsystem.as_deref()
    }

    /// At most the model's maximum output.
    pub fn max_tokens(&self) -> Option<u64> {
        self.max_tokens
    }

    /// The canary: the model a share of the traffic runs, and the share in percent.
    pub fn canary(&self) -> Option<(&str, f64)> {
        self.canary
            .as_ref()
            .map(|(model, percent)| (model.as_str(), *percent))
    }

    /// This prompt as its canary's traffic runs it (the canary's model), for the rules that
    /// judge a model in use (policies) and for cost.
    pub fn as_canary(&self) -> Option<Prompt> {
        let (model, _) = self.canary.as_ref()?;
        Some(Prompt {
            ai_model: model.clone(),
            canary: None,
            ..self.clone()
        })
    }

    pub fn temperature(&self) -> Option<f64> {
        self.temperature
    }

    /// `is_active` as written, `true` where the file leaves it out.
    pub fn is_active(&self) -> bool {
        self.is_active
    }

    /// A valid JSON Schema declaring every variable of the template, as compact JSON with
    /// sorted keys (the store's form).
    pub fn input_schema(&self) -> Option<&str> {
        self.input_schema.as_deref()
    }

    /// The output's JSON Schema, as compact JSON with sorted keys.
    pub fn output_schema(&self) -> Option<&str> {
        self.output_schema.as_deref()
    }

    pub fn origin(&self) -> &Origin {
        &self.origin
    }
}
