//! What a plan reports beside its changes: the environment's overlay, policy results and
//! coming deprecations. Made by `ops::plan` around the pure diff; read by every renderer and
//! kept in the saved plan (the policy overrides go on to the audit log).

use crate::catalog::{Catalog, Lifecycle};
use crate::overlay::OverlayEffect;
use crate::policy::Violation;
use crate::prompt::Prompt;
use crate::store::PolicyOverride;

/// Everything a plan says besides what it changes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Notes {
    /// `--env NAME` the plan was made for.
    pub environment: Option<String>,
    /// What the environment's model rules changed, rule by rule.
    pub overlay: Vec<OverlayEffect>,
    /// Every policy rule a prompt breaks (overridden ones marked).
    pub policies: Vec<Violation>,
    /// The soft-mandatory policies `--override-policy` passed, and by whom.
    pub overrides: Vec<PolicyOverride>,
    /// Models the prompts run on that are deprecated, or will be within the window.
    pub deprecations: Vec<Deprecation>,
}

/// A model the prompts run on, deprecated or soon to be.
#[derive(Clone, Debug, PartialEq)]
pub struct Deprecation {
    pub model: String,
    /// YYYY-MM-DD.
    pub deprecated_on: String,
    /// Days from today; 0 or less when already deprecated.
    pub days: i64,
    /// The catalog's successor, else the suggested replacement (newest of the same provider
    /// and tier).
    pub successor: Option<String>,
    /// How many active prompts run on it.
    pub prompts: usize,
}

/// The deprecated models, and those deprecated within `window` days, that active `prompts`
/// run on, soonest first.
pub fn deprecations(
    prompts: &[Prompt],
    catalog: &Catalog,
    today: &str,
    window: u32,
) -> Vec<Deprecation> {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for prompt in prompts.iter().filter(|p| p.is_active()) {
        *counts.entry(prompt.ai_model()).or_default() += 1;
    }
    let mut out: Vec<Deprecation> = counts
        .into_iter()
        .filter_map(|(id, prompts)| {
            let model = catalog.get(id)?;
            let date = model.deprecated_on.as_deref()?;
            let days = crate::time::days_between(today, date)?;
            if days > i64::from(window) && model.lifecycle(today) == Lifecycle::Active {
                return None;
            }
            let successor = model
                .successor
                .clone()
                .or_else(|| catalog.replacement_for(model, today).map(|m| m.id.clone()));
            Some(Deprecation {
                model: id.to_owned(),
                deprecated_on: date.to_owned(),
                days,
                successor,
                prompts,
            })
        })
        .collect();
    out.sort_by(|a, b| a.days.cmp(&b.days).then_with(|| a.model.cmp(&b.model)));
    out
}

impl Deprecation {
    /// `9 prompts run on openai/gpt-5, deprecated on 2026-12-11 (in 9 days); move to openai/gpt-5.2`.
    pub fn sentence(&self) -> String {
        let when = match self.days {
            d if d > 1 => format!("deprecated on {} (in {d} days)", self.deprecated_on),
            1 => format!("deprecated on {} (tomorrow)", self.deprecated_on),
            _ => format!("deprecated since {}", self.deprecated_on),
        };
        let prompts = if self.prompts == 1 {
            "1 prompt runs".to_owned()
        } else {
            format!("{} prompts run", self.prompts)
        };
        let next = self
            .successor
            .as_ref()
            .map(|s| format!("; move to {s} (`promptctl set-model --successors`)"))
            .unwrap_or_default();
        format!("{prompts} on {}, {when}{next}", self.model)
    }
}
