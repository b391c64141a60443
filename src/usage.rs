//! `usage.yaml`: how much each prompt is used, for the monthly cost of a plan.

use std::collections::BTreeMap;
use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::glob::glob;
use crate::yaml;

/// `usage.yaml`: how much each prompt is used.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "promptctl usage (usage.yaml)")]
pub struct UsageFile {
    /// Entries, first match wins.
    pub usage: Vec<UsageEntry>,
    /// Named multipliers of every entry's requests, for `promptctl cost --scenario NAME`:
    /// `{low: 0.5, high: 3}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub scenarios: BTreeMap<String, f64>,
}

/// The usage of the prompts an entry matches (by name glob and/or subsystem; both must match).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageEntry {
    /// `prompt_name`, `*` globs allowed.
    pub prompt: Option<String>,
    /// `subsystem`.
    pub subsystem: Option<String>,
    /// Requests per month, for each matching prompt.
    #[schemars(range(min = 0.0))]
    pub requests_per_month: f64,
    /// Average input tokens per request.
    #[schemars(range(min = 0.0))]
    pub input_tokens: f64,
    /// Average output tokens per request.
    #[schemars(range(min = 0.0))]
    pub output_tokens: f64,
}

impl UsageEntry {
    /// This entry with its requests multiplied by `factor` (a scenario).
    pub fn scaled(&self, factor: f64) -> UsageEntry {
        UsageEntry {
            requests_per_month: self.requests_per_month * factor,
            ..self.clone()
        }
    }

    /// USD a month on `model`: the one cost formula, for plans, policies, the console and
    /// `promptctl cost`.
    pub fn monthly_usd(&self, model: &crate::catalog::Model) -> f64 {
        self.requests_per_month * model.cost_usd(self.input_tokens, self.output_tokens)
    }
}

/// Why usage.yaml cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    #[error(transparent)]
    File(#[from] yaml::FileError),
    #[error("{path}: scenario `{name}`: a multiplier of requests must be a number, zero or more")]
    Scenario { path: String, name: String },
    #[error("{path}: entry {index}: {message}")]
    Invalid {
        path: String,
        index: usize,
        message: String,
    },
}

impl UsageFile {
    pub fn load(path: &Path) -> Result<UsageFile, UsageError> {
        let file: UsageFile = yaml::load_file(path)?;
        file.check(&path.display().to_string())?;
        Ok(file)
    }

    /// Refuse numbers no usage can have, naming `origin` and the entry.
    pub fn check(&self, origin: &str) -> Result<(), UsageError> {
        let display = origin.to_owned();
        for (name, factor) in &self.scenarios {
            if !factor.is_finite() || *factor < 0.0 {
                return Err(UsageError::Scenario {
                    path: display,
                    name: name.clone(),
                });
            }
        }
        for (index, entry) in self.usage.iter().enumerate() {
            let numbers = [
                entry.requests_per_month,
                entry.input_tokens,
                entry.output_tokens,
            ];
            if numbers.iter().any(|n| !n.is_finite() || *n < 0.0) {
                return Err(UsageError::Invalid {
                    path: display,
                    index: index + 1,
                    message: "requests and tokens must be zero or more".to_owned(),
                });
            }
        }
        Ok(())
    }

    /// The first entry matching a prompt.
    pub fn entry(&self, name: &str, subsystem: Option<&str>) -> Option<&UsageEntry> {
        self.usage.iter().find(|e| {
            e.prompt.as_deref().is_none_or(|p| glob(p, name))
                && e.subsystem.as_deref().is_none_or(|s| Some(s) == subsystem)
                && (e.prompt.is_some() || e.subsystem.is_some())
        })
    }
}
