//! LiteLLM's model data (`model_prices_and_context_window.json`, shipped in the `litellm`
//! package) as entries of a `models.yaml`, merged with what the file already says.
//!
//! LiteLLM knows prices, limits and deprecation dates; it does not know the story's tiers,
//! which models a team recommends, successors or retirement. Those are kept where the file
//! sets them, and filled with a stated rule where a model is new.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::catalog::{CatalogFile, Mode, Model, Tier};

/// Which of LiteLLM's entries to take.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// Only these providers (`litellm_provider`); all when empty.
    pub providers: Vec<String>,
    /// LiteLLM's `mode`: `chat` for the models prompts run on.
    pub mode: String,
    /// Named in the file's `source`.
    pub source: String,
    /// YYYY-MM-DD, recorded as `retrieved_on` when the models change.
    pub today: String,
}

/// What an import did.
#[derive(Debug)]
pub struct Imported {
    pub file: CatalogFile,
    /// Models new to the file, and models whose LiteLLM fields changed.
    pub added: Vec<String>,
    pub updated: Vec<String>,
    /// Entries of the right mode and provider that could not be read (no price, no limits, an
    /// id that is not `provider/model`), by key.
    pub skipped: Vec<String>,
}

/// Why LiteLLM's file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum LitellmError {
    #[error("not LiteLLM's model data: {0}")]
    NotLitellm(String),
}

/// Merge LiteLLM's `data` into `existing` (a project's models.yaml, if it has one). A model new
/// to the file that `known` has (the built-in catalog) takes its own fields from there, so an
/// import never loses the story's tiers and recommendations.
pub fn import(
    data: &Value,
    existing: Option<&CatalogFile>,
    known: &[Model],
    options: &ImportOptions,
) -> Result<Imported, LitellmError> {
    let Value::Object(entries) = data else {
        return Err(LitellmError::NotLitellm(
            "the top level is not an object of models".to_owned(),
        ));
    };
    let mut models: Vec<Model> = existing.map(|f| f.models.clone()).unwrap_or_default();
    let mut fresh: BTreeMap<String, Model> = BTreeMap::new();
    let (mut added, mut updated, mut skipped) = (Vec::new(), Vec::new(), Vec::new());
    for (key, entry) in entries {
        if key == "sample_spec" {
            continue;
        }
        let Some(provider) = entry.get("litellm_provider").and_then(Value::as_str) else {
            continue;
        };
        if entry.get("mode").and_then(Value::as_str) != Some(options.mode.as_str())
            || !(options.providers.is_empty() || options.providers.iter().any(|p| p == provider))
        {
            continue;
        }
        let Some(imported) = read_entry(key, provider, entry) else {
            skipped.push(key.clone());
            continue;
        };
        match models.iter_mut().find(|m| m.id == imported.id) {
            Some(model) => {
                let merged = merge(model, imported);
                if *model != merged {
                    updated.push(merged.id.clone());
                    *model = merged;
                }
            }
            None => {
                let imported = match known.iter().find(|m| m.id == imported.id) {
                    Some(model) => merge(model, imported),
                    None => imported,
                };
                added.push(imported.id.clone());
                fresh.insert(imported.id.clone(), imported);
            }
        }
    }
    models.extend(fresh.into_values());
    let changed = !added.is_empty() || !updated.is_empty();
    let file = CatalogFile {
        source: if changed || existing.is_none() {
            Some(options.source.clone())
        } else {
            existing.and_then(|f| f.source.clone())
        },
        retrieved_on: if changed || existing.is_none() {
            Some(options.today.clone())
        } else {
            existing.and_then(|f| f.retrieved_on.clone())
        },
        mode: existing.map_or(Mode::Extend, |f| f.mode),
        models,
    };
    added.sort();
    updated.sort();
    skipped.sort();
    Ok(Imported {
        file,
        added,
        updated,
        skipped,
    })
}

/// One of LiteLLM's entries as a model, with the rules for what LiteLLM does not say.
fn read_entry(key: &str, provider: &str, entry: &Value) -> Option<Model> {
    let name = key
        .strip_prefix(provider)
        .and_then(|rest| rest.strip_prefix('/'))
        .unwrap_or(key);
    let id = format!("{provider}/{name}");
    let plain = |text: &str, first_extra: &str, extra: &str| {
        let mut chars = text.chars();
        chars.next().is_some_and(|c| {
            c.is_ascii_alphanumeric()
                && (c.is_ascii_lowercase() || c.is_ascii_digit() || first_extra.contains(c))
        }) && chars.all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
    };
    if !plain(provider, "", "._-")
        || provider.chars().any(|c| c.is_ascii_uppercase())
        || !plain(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "._:-")
    {
        return None;
    }
    let number = |field: &str| entry.get(field).and_then(Value::as_f64);
    let per_1m = |field: &str| number(field).map(|per_token| round(per_token * 1_000_000.0));
    let tokens = |fields: &[&str]| {
        fields
            .iter()
            .find_map(|f| entry.get(*f).and_then(Value::as_u64))
            .filter(|n| *n > 0)
    };
    let input = per_1m("input_cost_per_token")?;
    let output = per_1m("output_cost_per_token")?;
    let deprecated_on = entry
        .get("deprecation_date")
        .and_then(Value::as_str)
        .filter(|d| crate::catalog::is_iso_date(d))
        .map(str::to_owned);
    let reasoning = entry.get("supports_reasoning").and_then(Value::as_bool) == Some(true);
    Some(Model {
        id,
        name: name.to_owned(),
        provider: provider.to_owned(),
        input_cost_per_1m: input,
        output_cost_per_1m: output,
        context_window: tokens(&["max_input_tokens", "max_tokens"])?,
        max_output_tokens: tokens(&["max_output_tokens", "max_tokens"])?,
        // OpenAI's reasoning models refuse any temperature but the default.
        supports_temperature: !(provider == "openai" && reasoning),
        recommended: false,
        tier: tier_by_price(output),
        deprecated_on,
        retired_on: None,
        successor: None,
    })
}

/// LiteLLM's fields from `imported`; the file's own (`name`, `tier`, `recommended`,
/// `supports_temperature`, `retired_on`, `successor`) from `model`.
fn merge(model: &Model, imported: Model) -> Model {
    Model {
        name: model.name.clone(),
        tier: model.tier,
        recommended: model.recommended,
        supports_temperature: model.supports_temperature,
        retired_on: model.retired_on.clone(),
        successor: model.successor.clone(),
        // A date the file sets is kept when LiteLLM has none.
        deprecated_on: imported
            .deprecated_on
            .or_else(|| model.deprecated_on.clone()),
        ..imported
    }
}

/// A new model's tier, by its output price per 1M tokens: under $1 cost-effective, under $10
/// mid-range, else premium. Edit the file to place it otherwise; a later import keeps that.
fn tier_by_price(output_per_1m: f64) -> Tier {
    if output_per_1m < 1.0 {
        Tier::CostEffective
    } else if output_per_1m < 10.0 {
        Tier::MidRange
    } else {
        Tier::Premium
    }
}

/// Prices to 6 decimals: per-token floats times a million are not exact.
fn round(value: f64) -> f64 {
    (value * 1_000_000.0).round() / 1_000_000.0
}

/// `models.yaml` as text: a header saying where it came from, then one block per model, every
/// string quoted (JSON strings are valid YAML), so the file reads back exactly.
pub fn render(file: &CatalogFile) -> String {
    let quote = |text: &str| serde_json::to_string(text).unwrap_or_default();
    let mut out = String::from(
        "# yaml-language-server: $schema=schemas/models.schema.json\n# Written by `promptctl models import --litellm`: prices, limits and deprecation dates come from\n# LiteLLM; name, tier, recommended, supports_temperature, retired_on and successor are this\n# project's and are kept by later imports.\n",
    );
    if let Some(source) = &file.source {
        out.push_str(&format!("source: {}\n", quote(source)));
    }
    if let Some(date) = &file.retrieved_on {
        out.push_str(&format!("retrieved_on: {}\n", quote(date)));
    }
    out.push_str(&format!(
        "mode: {}\nmodels:\n",
        match file.mode {
            Mode::Extend => "extend",
            Mode::Replace => "replace",
        }
    ));
    for m in &file.models {
        out.push_str(&format!(
            "  - id: {}\n    name: {}\n    provider: {}\n    input_cost_per_1m: {}\n    output_cost_per_1m: {}\n    context_window: {}\n    max_output_tokens: {}\n    supports_temperature: {}\n    recommended: {}\n    tier: {}\n",
            quote(&m.id),
            quote(&m.name),
            quote(&m.provider),
            m.input_cost_per_1m,
            m.output_cost_per_1m,
            m.context_window,
            m.max_output_tokens,
            m.supports_temperature,
            m.recommended,
            m.tier.as_str()
        ));
        for (field, value) in [
            ("deprecated_on", &m.deprecated_on),
            ("retired_on", &m.retired_on),
            ("successor", &m.successor),
        ] {
            if let Some(value) = value {
                out.push_str(&format!("    {field}: {}\n", quote(value)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> ImportOptions {
        ImportOptions {
            providers: Vec::new(),
            mode: "chat".to_owned(),
            source: "LiteLLM test data".to_owned(),
            today: "2026-12-01".to_owned(),
        }
    }

    fn data() -> Value {
        serde_json::json!({
            "sample_spec": {"mode": "chat"},
            "gpt-5": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1.25e-06,
                      "output_cost_per_token": 1e-05, "max_input_tokens": 272000, "max_output_tokens": 128000,
                      "deprecation_date": "2026-12-11", "supports_reasoning": true},
            "anthropic/claude-x": {"litellm_provider": "anthropic", "mode": "chat", "input_cost_per_token": 3e-06,
                      "output_cost_per_token": 1.5e-05, "max_input_tokens": 200000, "max_output_tokens": 64000},
            "text-embedding-3-small": {"litellm_provider": "openai", "mode": "embedding", "input_cost_per_token": 2e-08},
            "openrouter/a/b": {"litellm_provider": "openrouter", "mode": "chat", "input_cost_per_token": 1e-06,
                      "output_cost_per_token": 1e-06, "max_tokens": 8000},
            "no-price": {"litellm_provider": "openai", "mode": "chat", "max_tokens": 8000}
        })
    }

    fn model<'a>(file: &'a CatalogFile, id: &str) -> &'a Model {
        file.models.iter().find(|m| m.id == id).unwrap()
    }

    #[test]
    fn maps_prices_limits_and_dates() {
        let imported = import(&data(), None, &[], &options()).unwrap();
        assert_eq!(imported.added, vec!["anthropic/claude-x", "openai/gpt-5"]);
        assert_eq!(imported.skipped, vec!["no-price", "openrouter/a/b"]);
        let gpt5 = model(&imported.file, "openai/gpt-5");
        assert_eq!(
            (
                gpt5.input_cost_per_1m,
                gpt5.output_cost_per_1m,
                gpt5.context_window,
                gpt5.max_output_tokens
            ),
            (1.25, 10.0, 272_000, 128_000)
        );
        assert_eq!(gpt5.deprecated_on.as_deref(), Some("2026-12-11"));
        assert!(!gpt5.supports_temperature);
        assert_eq!(gpt5.tier, Tier::Premium);
        assert_eq!(imported.file.retrieved_on.as_deref(), Some("2026-12-01"));

        // Known to the built-in catalog: its tier and recommendation are kept.
        let builtin = crate::catalog::Catalog::builtin();
        let imported = import(&data(), None, builtin.models(), &options()).unwrap();
        let gpt5 = model(&imported.file, "openai/gpt-5");
        let known = builtin.get("openai/gpt-5").unwrap();
        assert_eq!(
            (gpt5.tier, gpt5.recommended, &gpt5.name),
            (known.tier, known.recommended, &known.name)
        );
        assert_eq!(
            gpt5.deprecated_on.as_deref(),
            Some("2026-12-11"),
            "LiteLLM's date"
        );
    }

    #[test]
    fn keeps_the_files_own_fields_and_a_second_run_changes_nothing() {
        let first = import(&data(), None, &[], &options()).unwrap().file;
        let mut edited = first.clone();
        let claude = edited
            .models
            .iter_mut()
            .find(|m| m.id == "anthropic/claude-x")
            .unwrap();
        claude.tier = Tier::MidRange;
        claude.recommended = true;
        claude.successor = Some("openai/gpt-5".to_owned());
        let later = ImportOptions {
            today: "2027-01-01".to_owned(),
            ..options()
        };
        let again = import(&data(), Some(&edited), &[], &later).unwrap();
        assert!(again.added.is_empty() && again.updated.is_empty());
        assert_eq!(again.file.models, edited.models, "local fields kept");
        assert_eq!(
            again.file.retrieved_on.as_deref(),
            Some("2026-12-01"),
            "unchanged: date kept"
        );
        assert_eq!(render(&again.file), render(&edited));
        // The text reads back as the same catalog.
        let read: CatalogFile = crate::yaml::from_str(&render(&again.file)).unwrap();
        assert_eq!(read.models, again.file.models);
    }
}
