//! Monthly cost before and after a plan, from `usage.yaml` and the catalog's prices.
//!
//! Display only: cost never changes what apply does.

use std::collections::HashMap;
use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Action, Plan};
use crate::catalog::Catalog;
use crate::prompt::Prompt;
use crate::store::{Scope, Snapshot};
use crate::yaml;

/// `usage.yaml`: how much each prompt is used.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "promptctl usage (usage.yaml)")]
pub struct UsageFile {
    /// Entries, first match wins.
    pub usage: Vec<UsageEntry>,
}

/// The usage of the prompts an entry matches (by name glob and/or subsystem; both must match).
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
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

/// Monthly cost in USD, before and after; `None` where unknown (no model, or not in the
/// catalog).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Cost {
    pub monthly_before_usd: Option<f64>,
    pub monthly_after_usd: Option<f64>,
}

impl Cost {
    /// After minus before, where both are known.
    pub fn change(&self) -> Option<f64> {
        Some(self.monthly_after_usd? - self.monthly_before_usd?)
    }
}

/// Why usage.yaml cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    #[error(transparent)]
    File(#[from] yaml::FileError),
    #[error("{path}: entry {index}: {message}")]
    Invalid {
        path: String,
        index: usize,
        message: String,
    },
}

impl UsageFile {
    pub fn load(path: &Path) -> Result<UsageFile, UsageError> {
        let display = path.display().to_string();
        let file: UsageFile = yaml::load_file(path)?;
        for (index, entry) in file.usage.iter().enumerate() {
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
        Ok(file)
    }

    /// The first entry matching a prompt.
    fn entry(&self, name: &str, subsystem: Option<&str>) -> Option<&UsageEntry> {
        self.usage.iter().find(|e| {
            e.prompt
                .as_deref()
                .is_none_or(|p| crate::rewrite::glob(p, name))
                && e.subsystem.as_deref().is_none_or(|s| Some(s) == subsystem)
                && (e.prompt.is_some() || e.subsystem.is_some())
        })
    }
}

/// The monthly cost of running `name` on `model`, if usage covers it and the model is known.
fn monthly(usage: &UsageEntry, catalog: &Catalog, model: Option<&str>) -> Option<f64> {
    let model = catalog.get(model?)?;
    Some(usage.requests_per_month * model.cost_usd(usage.input_tokens, usage.output_tokens))
}

/// Put monthly costs on every change about an active production prompt that usage covers,
/// and on the plan: the active production prompts now (the live store) and after the plan
/// (git).
pub fn annotate(
    plan: &mut Plan,
    usage: &UsageFile,
    catalog: &Catalog,
    prompts: &[Prompt],
    snapshot: &Snapshot,
) {
    let live: HashMap<&str, Option<&str>> = snapshot
        .rows
        .iter()
        .filter(|r| r.scope == Scope::Production && r.is_active)
        .map(|r| (r.prompt_name.as_str(), r.ai_model.as_deref()))
        .collect();
    let subsystem_of: HashMap<&str, Option<&str>> = prompts
        .iter()
        .map(|p| (p.prompt_name(), p.subsystem()))
        .chain(
            snapshot
                .rows
                .iter()
                .map(|r| (r.prompt_name.as_str(), r.subsystem.as_deref())),
        )
        .collect();
    for change in &mut plan.changes {
        if change.scope != Scope::Production {
            continue;
        }
        let subsystem = subsystem_of
            .get(change.prompt_name.as_str())
            .copied()
            .flatten();
        let Some(entry) = usage.entry(&change.prompt_name, subsystem) else {
            continue;
        };
        let was_active = live.contains_key(change.prompt_name.as_str());
        let before = match live.get(change.prompt_name.as_str()) {
            Some(model) => monthly(entry, catalog, *model),
            None => Some(0.0),
        };
        let after_model = change
            .fields
            .get("ai_model")
            .and_then(|f| f.after.as_str())
            .map(str::to_owned)
            .or_else(|| {
                live.get(change.prompt_name.as_str())
                    .copied()
                    .flatten()
                    .map(str::to_owned)
            });
        let after = match change.action {
            Action::Deactivate if change.is_active || was_active => Some(0.0),
            Action::Backfill if !change.is_active => continue,
            _ => monthly(entry, catalog, after_model.as_deref()),
        };
        change.cost = Some(Cost {
            monthly_before_usd: before,
            monthly_after_usd: after,
        });
    }
    let mut total = Cost {
        monthly_before_usd: Some(0.0),
        monthly_after_usd: Some(0.0),
    };
    let mut covered = false;
    for (name, model) in &live {
        let subsystem = subsystem_of.get(name).copied().flatten();
        if let Some(entry) = usage.entry(name, subsystem) {
            covered = true;
            add(
                &mut total.monthly_before_usd,
                monthly(entry, catalog, *model),
            );
        }
    }
    for prompt in prompts.iter().filter(|p| p.is_active()) {
        if let Some(entry) = usage.entry(&prompt.prompt_name(), prompt.subsystem()) {
            covered = true;
            add(
                &mut total.monthly_after_usd,
                monthly(entry, catalog, Some(&prompt.ai_model())),
            );
        }
    }
    if covered {
        plan.cost = Some(total);
    }
}

/// Add a known amount; an unknown one leaves the sum as it is.
fn add(sum: &mut Option<f64>, amount: Option<f64>) {
    if let (Some(total), Some(amount)) = (sum.as_mut(), amount) {
        *total += amount;
    }
}

/// `$3.00 → $27.50 (+$24.50, +816.7%)`.
pub fn describe(cost: &Cost) -> String {
    let money = |v: Option<f64>| v.map_or_else(|| "unknown".to_owned(), |v| format!("${v:.2}"));
    let mut text = format!(
        "{} → {}",
        money(cost.monthly_before_usd),
        money(cost.monthly_after_usd)
    );
    if let Some(change) = cost.change() {
        let sign = if change < 0.0 { "-" } else { "+" };
        text.push_str(&format!(" ({sign}${:.2}", change.abs()));
        if let Some(before) = cost.monthly_before_usd.filter(|b| *b > 0.0) {
            text.push_str(&format!(", {sign}{:.1}%", (change / before * 100.0).abs()));
        }
        text.push(')');
    }
    text
}
