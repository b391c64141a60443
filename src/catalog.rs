//! The model catalog: which models a prompt may name, what they cost and what they accept.
//!
//! A built-in catalog (real prices, source and date in `src/builtin_models.yaml`) is compiled
//! in. A project's `models.yaml` extends it (same id: the project's entry wins) or, with
//! `mode: replace`, stands in for it.

use std::collections::HashSet;
use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::yaml;

pub use crate::time::today;

const BUILTIN: &str = include_str!("builtin_models.yaml");

/// Price and capability band, as the story groups its dropdown.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Tier {
    CostEffective,
    MidRange,
    Premium,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::CostEffective => "cost-effective",
            Tier::MidRange => "mid-range",
            Tier::Premium => "premium",
        }
    }
}

/// One model a prompt may run on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// `provider/model`, e.g. `openai/gpt-5`: the value of a prompt's `ai_model`.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._:-]*$"))]
    pub id: String,
    /// Display name.
    pub name: String,
    /// Provider, e.g. `openai`, `anthropic`.
    pub provider: String,
    /// USD per 1M input tokens.
    #[schemars(range(min = 0.0))]
    pub input_cost_per_1m: f64,
    /// USD per 1M output tokens.
    #[schemars(range(min = 0.0))]
    pub output_cost_per_1m: f64,
    /// Maximum input tokens.
    pub context_window: u64,
    /// Maximum output tokens; a prompt's `max_tokens` may not exceed it.
    pub max_output_tokens: u64,
    /// Whether the model accepts a `temperature` other than its default.
    pub supports_temperature: bool,
    /// Shown as recommended in listings and editor completions.
    #[serde(default)]
    pub recommended: bool,
    pub tier: Tier,
    /// Date (YYYY-MM-DD) the provider deprecated the model: prompts on it get a warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub deprecated_on: Option<String>,
    /// Date (YYYY-MM-DD) the provider retires the model: from then on prompts on it are errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub retired_on: Option<String>,
    /// The catalog id to move to (`set-model --successors`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub successor: Option<String>,
}

/// Where a model stands in its life, on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lifecycle {
    Active,
    Deprecated,
    Retired,
}

impl Model {
    pub fn lifecycle(&self, today: &str) -> Lifecycle {
        let reached = |date: &Option<String>| date.as_deref().is_some_and(|d| d <= today);
        if reached(&self.retired_on) {
            Lifecycle::Retired
        } else if reached(&self.deprecated_on) || self.retired_on.is_some() {
            Lifecycle::Deprecated
        } else {
            Lifecycle::Active
        }
    }

    /// Whether to recommend the model: flagged recommended, and with no deprecation or
    /// retirement scheduled — a model on its way out is never the one to move to. (Not a
    /// matter of today's date, so the editor schemas made from it do not change by
    /// themselves.)
    pub fn is_recommended(&self) -> bool {
        self.recommended && self.deprecated_on.is_none() && self.retired_on.is_none()
    }

    /// The day the model is deprecated and how many days away it is, when that is within
    /// `window` days of `today` and not yet reached (validate's `deprecation-soon`, the
    /// console's "deprecating soon").
    pub fn deprecates_within(&self, today: &str, window: u32) -> Option<(&str, i64)> {
        let date = self.deprecated_on.as_deref()?;
        let days = crate::time::days_between(today, date)?;
        (self.lifecycle(today) == Lifecycle::Active && (0..=i64::from(window)).contains(&days))
            .then_some((date, days))
    }

    /// USD for one request of `input` and `output` tokens.
    pub fn cost_usd(&self, input_tokens: f64, output_tokens: f64) -> f64 {
        (input_tokens * self.input_cost_per_1m + output_tokens * self.output_cost_per_1m)
            / 1_000_000.0
    }

    /// A one-line summary for editor completions: provider, cost, context window, standing.
    pub fn summary(&self) -> String {
        let mut text = format!(
            "{} ({}): ${:.2}/1M input, ${:.2}/1M output tokens; {}-token context, {} max output; {}",
            self.name,
            self.provider,
            self.input_cost_per_1m,
            self.output_cost_per_1m,
            crate::table::thousands(self.context_window),
            crate::table::thousands(self.max_output_tokens),
            self.tier.as_str(),
        );
        if self.is_recommended() {
            text.push_str(", recommended");
        }
        if let Some(date) = &self.retired_on {
            text.push_str(&format!("; retired {date}"));
        } else if let Some(date) = &self.deprecated_on {
            text.push_str(&format!("; deprecated {date}"));
        }
        if let Some(successor) = &self.successor {
            text.push_str(&format!(", use {successor}"));
        }
        text
    }
}

/// How a project's `models.yaml` combines with the built-in catalog.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Add models and override built-in ones with the same id.
    #[default]
    Extend,
    /// Use only the models listed here.
    Replace,
}

/// The file format of `models.yaml` (and of the built-in catalog).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "promptctl model catalog (models.yaml)")]
pub struct CatalogFile {
    /// Where the prices were taken from.
    #[serde(default)]
    pub source: Option<String>,
    /// When the prices were taken (YYYY-MM-DD).
    #[serde(default)]
    pub retrieved_on: Option<String>,
    #[serde(default)]
    pub mode: Mode,
    pub models: Vec<Model>,
}

/// The effective catalog, in display order.
#[derive(Clone, Debug, PartialEq)]
pub struct Catalog {
    models: Vec<Model>,
}

/// Why a catalog could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error(transparent)]
    File(#[from] yaml::FileError),
    #[error("{path}: model `{id}`: {problem}")]
    Invalid {
        path: String,
        id: String,
        problem: String,
    },
}

impl Catalog {
    /// The catalog compiled into promptctl.
    pub fn builtin() -> Catalog {
        let path = "<built-in catalog>";
        let parsed: Result<CatalogFile, CatalogError> = yaml::from_str(BUILTIN)
            .map_err(|error| yaml::FileError::Parse {
                path: path.to_owned(),
                error,
            })
            .map_err(CatalogError::from);
        let catalog = parsed.and_then(|file| {
            let catalog = Catalog {
                models: file.models,
            };
            catalog.check(path).map(|()| catalog)
        });
        match catalog {
            Ok(catalog) => catalog,
            // The built-in catalog is checked by a unit test; reaching this is a build defect.
            Err(error) => unreachable!("built-in catalog is invalid: {error}"),
        }
    }

    /// The built-in catalog combined with a project's `models.yaml`.
    pub fn load(path: &Path) -> Result<Catalog, CatalogError> {
        let display = path.display().to_string();
        let file: CatalogFile = yaml::load_file(path)?;
        let mut models = match file.mode {
            Mode::Replace => Vec::new(),
            Mode::Extend => Self::builtin().models,
        };
        for model in file.models {
            match models.iter_mut().find(|m| m.id == model.id) {
                Some(existing) => *existing = model,
                None => models.push(model),
            }
        }
        let catalog = Catalog { models };
        catalog.check(&display)?;
        Ok(catalog)
    }

    /// A catalog of exactly these models (as a store's rules of record hold them), checked
    /// as a models.yaml is; `origin` names where they came from in errors.
    pub fn from_models(models: Vec<Model>, origin: &str) -> Result<Catalog, CatalogError> {
        let catalog = Catalog { models };
        catalog.check(origin)?;
        Ok(catalog)
    }

    fn check(&self, path: &str) -> Result<(), CatalogError> {
        let invalid = |id: &str, problem: String| CatalogError::Invalid {
            path: path.to_owned(),
            id: id.to_owned(),
            problem,
        };
        let mut seen = HashSet::new();
        for model in &self.models {
            if !seen.insert(model.id.as_str()) {
                return Err(invalid(&model.id, "listed twice".to_owned()));
            }
            if !model.id.contains('/') {
                return Err(invalid(&model.id, "id must be `provider/model`".to_owned()));
            }
            let costs = [model.input_cost_per_1m, model.output_cost_per_1m];
            if costs.iter().any(|c| !c.is_finite() || *c < 0.0) {
                return Err(invalid(&model.id, "costs must be zero or more".to_owned()));
            }
            for date in [&model.deprecated_on, &model.retired_on]
                .into_iter()
                .flatten()
            {
                if !is_iso_date(date) {
                    return Err(invalid(
                        &model.id,
                        format!("`{date}` is not a date (YYYY-MM-DD)"),
                    ));
                }
            }
        }
        for model in &self.models {
            if let Some(successor) = &model.successor
                && self.get(successor).is_none()
            {
                return Err(invalid(
                    &model.id,
                    format!("successor `{successor}` is not in the catalog"),
                ));
            }
        }
        Ok(())
    }

    /// A model to move to from `model` when it names no successor: one of the same provider
    /// and tier that is not deprecated, recommended ones first, then the last listed (catalogs
    /// list newer models later).
    pub fn replacement_for(&self, model: &Model, today: &str) -> Option<&Model> {
        self.models
            .iter()
            .filter(|m| {
                m.id != model.id
                    && m.provider == model.provider
                    && m.tier == model.tier
                    && m.lifecycle(today) == Lifecycle::Active
                    && m.deprecated_on.is_none()
            })
            .max_by_key(|m| m.is_recommended())
    }

    pub fn models(&self) -> &[Model] {
        &self.models
    }

    pub fn get(&self, id: &str) -> Option<&Model> {
        self.models.iter().find(|m| m.id == id)
    }

    /// Up to three catalog ids closest to `id`, best first, for "did you mean".
    pub fn nearest(&self, id: &str) -> Vec<&str> {
        crate::suggest::nearest(id, self.models.iter().map(|m| m.id.as_str()), 3)
    }
}

/// What is wrong with running a prompt on a model: the catalog's rules, checked the same way
/// by `validate` on a prompt file and by every write to a store (`crate::store::rules`).
#[derive(Clone, Debug, PartialEq)]
pub enum UseProblem {
    /// The model is not in the catalog.
    Unknown { id: String, nearest: Vec<String> },
    /// The provider retired it.
    Retired {
        id: String,
        on: String,
        advice: String,
    },
    /// `max_tokens` is above what the model can produce.
    MaxTokens {
        id: String,
        max_tokens: u64,
        limit: u64,
    },
    /// A `temperature` for a model that accepts only its default.
    Temperature { id: String },
}

impl UseProblem {
    /// The diagnostic code `validate` reports it under.
    pub fn code(&self) -> crate::diag::Code {
        use crate::diag::Code;
        match self {
            UseProblem::Unknown { .. } => Code::UnknownModel,
            UseProblem::Retired { .. } => Code::RetiredModel,
            UseProblem::MaxTokens { .. } => Code::MaxTokensExceedsModel,
            UseProblem::Temperature { .. } => Code::TemperatureUnsupported,
        }
    }

    /// The field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            UseProblem::Unknown { .. } | UseProblem::Retired { .. } => "ai_model",
            UseProblem::MaxTokens { .. } => "max_tokens",
            UseProblem::Temperature { .. } => "temperature",
        }
    }

    pub fn message(&self) -> String {
        match self {
            UseProblem::Unknown { id, .. } if id.trim().is_empty() => {
                "`ai_model` is empty".to_owned()
            }
            UseProblem::Unknown { id, .. } => format!("`{id}` is not in the model catalog"),
            UseProblem::Retired { id, on, .. } => format!("`{id}` was retired on {on}"),
            UseProblem::MaxTokens {
                id,
                max_tokens,
                limit,
            } => format!(
                "`max_tokens` is {max_tokens}, above the {limit} output tokens `{id}` can produce"
            ),
            UseProblem::Temperature { id } => {
                format!("`{id}` accepts no `temperature` other than its default")
            }
        }
    }

    pub fn help(&self) -> String {
        match self {
            UseProblem::Unknown { nearest, .. } => {
                let nearest: Vec<&str> = nearest.iter().map(String::as_str).collect();
                crate::suggest::did_you_mean(&nearest).unwrap_or_else(|| {
                    "run `promptctl models` to list the catalog, or add the model to models.yaml"
                        .to_owned()
                })
            }
            UseProblem::Retired { advice, .. } => advice.clone(),
            UseProblem::MaxTokens { limit, .. } => format!("set `max_tokens` to {limit} or less"),
            UseProblem::Temperature { .. } => {
                "remove `temperature`, or choose a model that supports it".to_owned()
            }
        }
    }
}

impl Catalog {
    /// Every problem of running on `model` with these settings, on `today`: unknown, retired,
    /// `max_tokens` above its output, a `temperature` it does not accept.
    pub fn check_use(
        &self,
        model: &str,
        max_tokens: Option<u64>,
        temperature: Option<f64>,
        today: &str,
    ) -> Vec<UseProblem> {
        let Some(found) = self.get(model) else {
            return vec![UseProblem::Unknown {
                id: model.to_owned(),
                nearest: self.nearest(model).into_iter().map(str::to_owned).collect(),
            }];
        };
        let mut problems = Vec::new();
        if found.lifecycle(today) == Lifecycle::Retired {
            problems.push(UseProblem::Retired {
                id: found.id.clone(),
                on: found
                    .retired_on
                    .clone()
                    .unwrap_or_else(|| "an earlier date".to_owned()),
                advice: self.advice(found, today),
            });
        }
        if let Some(max_tokens) = max_tokens
            && max_tokens > found.max_output_tokens
        {
            problems.push(UseProblem::MaxTokens {
                id: found.id.clone(),
                max_tokens,
                limit: found.max_output_tokens,
            });
        }
        if temperature.is_some() && !found.supports_temperature {
            problems.push(UseProblem::Temperature {
                id: found.id.clone(),
            });
        }
        problems
    }

    /// Where to go from `model`, deprecated or retired: its successor, else a model of the same
    /// provider and tier that is not deprecated, else the catalog.
    pub fn advice(&self, model: &Model, today: &str) -> String {
        match (&model.successor, self.replacement_for(model, today)) {
            (Some(successor), _) => format!(
                "move to `{successor}`: `promptctl set-model --successors` rewrites every such file"
            ),
            (None, Some(other)) => format!(
                "no successor is named; `{}` is a {} model of {} that is not deprecated: `promptctl set-model {}`",
                other.id,
                other.tier.as_str(),
                other.provider,
                other.id
            ),
            (None, None) => "choose another model from `promptctl models`".to_owned(),
        }
    }
}

/// Whether `text` is a date as the catalog writes them: `YYYY-MM-DD`.
pub fn is_iso_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_has_the_story_models_and_current_claude() {
        let catalog = Catalog::builtin();
        for id in [
            "openai/gpt-5-nano",
            "openai/gpt-4o-mini",
            "anthropic/claude-3-haiku",
            "openai/gpt-5-mini",
            "anthropic/claude-3-sonnet",
            "openai/gpt-4o",
            "openai/gpt-5-chat",
            "openai/gpt-5",
            "anthropic/claude-haiku-4-5",
            "anthropic/claude-sonnet-4-5",
        ] {
            assert!(catalog.get(id).is_some(), "{id} missing");
        }
        let gpt5 = catalog.get("openai/gpt-5").unwrap();
        assert_eq!(
            (gpt5.input_cost_per_1m, gpt5.output_cost_per_1m),
            (1.25, 10.0)
        );
        assert_eq!(
            (gpt5.context_window, gpt5.max_output_tokens),
            (272_000, 128_000)
        );
        assert!(!gpt5.supports_temperature);
        let sonnet3 = catalog.get("anthropic/claude-3-sonnet").unwrap();
        assert_eq!(sonnet3.lifecycle("2026-01-01"), Lifecycle::Retired);
        assert_eq!(
            sonnet3.successor.as_deref(),
            Some("anthropic/claude-sonnet-4-6")
        );
        // LiteLLM's dates, as refreshed: the story's default goes on 2026-12-11.
        assert_eq!(gpt5.deprecated_on.as_deref(), Some("2026-12-11"));
        assert_eq!(gpt5.successor.as_deref(), Some("openai/gpt-5.2"));
        // Every successor is a model of the catalog, active on the day the data was taken.
        for model in catalog.models() {
            if let Some(successor) = &model.successor {
                let next = catalog.get(successor).expect("successor in the catalog");
                assert_eq!(
                    next.lifecycle("2026-12-02"),
                    Lifecycle::Active,
                    "{successor}"
                );
            }
        }
    }

    #[test]
    fn nearest_ids_suggest_typos_and_short_forms() {
        let catalog = Catalog::builtin();
        assert_eq!(catalog.nearest("openai/gpt5")[0], "openai/gpt-5");
        assert_eq!(catalog.nearest("gpt-4o-mini")[0], "openai/gpt-4o-mini");
        assert!(catalog.nearest("zzzzzz").is_empty());
    }

    #[test]
    fn lifecycle_follows_the_dates() {
        let mut model = Catalog::builtin().get("openai/gpt-4o").unwrap().clone();
        assert_eq!(model.lifecycle("2026-01-01"), Lifecycle::Active);
        model.deprecated_on = Some("2026-02-01".to_owned());
        assert_eq!(model.lifecycle("2026-01-01"), Lifecycle::Active);
        assert_eq!(model.lifecycle("2026-02-01"), Lifecycle::Deprecated);
        model.retired_on = Some("2026-06-01".to_owned());
        assert_eq!(model.lifecycle("2026-03-01"), Lifecycle::Deprecated);
        assert_eq!(model.lifecycle("2026-06-02"), Lifecycle::Retired);
    }

    #[test]
    fn models_yaml_extends_and_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("models.yaml");
        fs_err::write(
            &path,
            "models:\n  - id: acme/small\n    name: Small\n    provider: acme\n    input_cost_per_1m: 0.1\n    output_cost_per_1m: 0.2\n    context_window: 1000\n    max_output_tokens: 100\n    supports_temperature: true\n    tier: cost-effective\n",
        )
        .unwrap();
        let catalog = Catalog::load(&path).unwrap();
        assert!(catalog.get("acme/small").is_some());
        assert!(catalog.get("openai/gpt-5").is_some());

        fs_err::write(&path, "mode: replace\nmodels:\n  - id: acme/small\n    name: S\n    provider: acme\n    input_cost_per_1m: 0.1\n    output_cost_per_1m: 0.2\n    context_window: 1000\n    max_output_tokens: 100\n    supports_temperature: true\n    tier: premium\n    successor: openai/gpt-5\n").unwrap();
        let error = Catalog::load(&path).unwrap_err().to_string();
        assert!(
            error.contains("successor `openai/gpt-5` is not in the catalog"),
            "{error}"
        );
    }
}
