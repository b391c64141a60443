//! Monthly cost before and after a plan, from `usage.yaml` and the catalog's prices: a pure
//! function of the plan, the catalog and usage, returned beside the plan, never stored in it.
//!
//! Display only: cost never changes what apply does.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{Action, Plan};
use crate::catalog::Catalog;
use crate::prompt::Prompt;
use crate::store::{Scope, Snapshot};
use crate::usage::{UsageEntry, UsageFile};

/// Monthly cost in USD, before and after; `None` where unknown (no model, or not in the
/// catalog).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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

/// The cost of a plan: of each change (index for index with `Plan::changes`; `None` where
/// usage does not cover the prompt) and of every prompt that runs before or after it and
/// usage covers, summed over the same prompts on both sides.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlanCost {
    pub changes: Vec<Option<Cost>>,
    /// `None` when usage covers no prompt.
    pub total: Option<Cost>,
    /// Prompts usage covers whose cost is unknown before or after (no model, or one the
    /// catalog lacks): left out of both sides of the total, and named.
    pub unknown: Vec<String>,
}

impl PlanCost {
    /// The cost of change `index`, if known.
    pub fn of_change(&self, index: usize) -> Option<&Cost> {
        self.changes.get(index).and_then(Option::as_ref)
    }
}

/// The monthly cost of running on `model`, if the model is known.
fn monthly(usage: &UsageEntry, catalog: &Catalog, model: Option<&str>) -> Option<f64> {
    Some(usage.monthly_usd(catalog.get(model?)?))
}

/// What moving rows to one model costs a month, before and after, over the rows usage covers:
/// the console's "Assign model" preview.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reassignment {
    /// Rows usage covers, of those asked about.
    pub covered: usize,
    /// Their cost now; `None` where some has no known model (an unknown cost is not zero).
    pub before: Option<f64>,
    /// Their cost on the new model; `None` where the model is not in the catalog.
    pub after: Option<f64>,
    /// Each covered row: its name, cost now and on the new model.
    pub prompts: Vec<(String, Option<f64>, Option<f64>)>,
    /// The rows asked about that usage does not cover, by name.
    pub uncovered: Vec<String>,
}

/// A monthly change in words: `+$5.12/month, +42%`; `−$1.00/month, −50%`; `no change`.
/// The percentage is left out where there was nothing before.
pub fn delta_words(before: f64, after: f64) -> String {
    let delta = after - before;
    if delta.abs() < 0.005 {
        return "no change in monthly cost".to_owned();
    }
    let sign = if delta > 0.0 { "+" } else { "−" };
    let mut words = format!("{sign}${:.2}/month", delta.abs());
    if before > 0.0 {
        words.push_str(&format!(", {sign}{:.0}%", (delta / before * 100.0).abs()));
    }
    words
}

/// The cost of moving `rows` to `model`.
pub fn reassignment<'a>(
    rows: impl IntoIterator<Item = &'a crate::store::LiveRow>,
    model: &str,
    catalog: &Catalog,
    usage: &UsageFile,
) -> Reassignment {
    let mut out = Reassignment {
        before: Some(0.0),
        after: catalog.get(model).map(|_| 0.0),
        ..Reassignment::default()
    };
    for row in rows {
        let Some(entry) = usage.entry(&row.prompt_name, row.subsystem.as_deref()) else {
            out.uncovered.push(row.prompt_name.clone());
            continue;
        };
        out.covered += 1;
        let now = monthly(entry, catalog, row.ai_model.as_deref());
        out.prompts.push((
            row.prompt_name.clone(),
            now,
            monthly(entry, catalog, Some(model)),
        ));
        out.before = out.before.zip(now).map(|(sum, cost)| sum + cost);
        out.after = out
            .after
            .zip(monthly(entry, catalog, Some(model)))
            .map(|(sum, cost)| sum + cost);
    }
    if out.covered == 0 {
        out.before = None;
        out.after = None;
    }
    out
}

/// The cost of every change about an active production prompt that usage covers, and of the
/// active production prompts now (the live store) and after the plan (git).
pub fn estimate(
    plan: &Plan,
    usage: &UsageFile,
    catalog: &Catalog,
    prompts: &[Prompt],
    snapshot: &Snapshot,
) -> PlanCost {
    let live: HashMap<&str, Running<'_>> = snapshot
        .active_production()
        .into_iter()
        .map(|(name, row)| {
            let canary = row.canary_model.as_deref().zip(row.canary_percent);
            (
                name,
                Running {
                    model: row.ai_model.as_deref(),
                    canary,
                },
            )
        })
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
    let in_git: HashMap<&str, &Prompt> = prompts.iter().map(|p| (p.prompt_name(), p)).collect();
    let git_running = |name: &str| {
        in_git.get(name).filter(|p| p.is_active()).map(|p| Running {
            model: Some(p.ai_model()),
            canary: p.canary(),
        })
    };
    let changes = plan
        .changes
        .iter()
        .map(|change| {
            if change.scope != Scope::Production {
                return None;
            }
            let subsystem = subsystem_of
                .get(change.prompt_name.as_str())
                .copied()
                .flatten();
            let entry = usage.entry(&change.prompt_name, subsystem)?;
            let now = live.get(change.prompt_name.as_str()).copied();
            let before = match now {
                Some(running) => running.monthly(entry, catalog),
                None => Some(0.0),
            };
            let fields = change.fields();
            let after_model = fields
                .get("ai_model")
                .and_then(|f| f.after.as_str())
                .or_else(|| now.and_then(|r| r.model));
            // The canary the change sets (its fields: a plan from git, a rollback, a console
            // change), else the live one.
            let field = |name: &str| fields.get(name).map(|f| &f.after);
            let after_canary =
                if field("canary_model").is_some() || field("canary_percent").is_some() {
                    let model = field("canary_model")
                        .map_or_else(|| now.and_then(|r| r.canary).map(|c| c.0), |v| v.as_str());
                    let percent = field("canary_percent").map_or_else(
                        || now.and_then(|r| r.canary).map(|c| c.1),
                        serde_json::Value::as_f64,
                    );
                    model.zip(percent)
                } else if change.action == Action::Create || change.action == Action::Replace {
                    git_running(&change.prompt_name).and_then(|r| r.canary)
                } else {
                    now.and_then(|r| r.canary)
                };
            let after = match change.action {
                Action::Deactivate if change.is_active || now.is_some() => Some(0.0),
                Action::Backfill if !change.is_active => return None,
                _ => Running {
                    model: after_model,
                    canary: after_canary,
                }
                .monthly(entry, catalog),
            };
            Some(Cost {
                monthly_before_usd: before,
                monthly_after_usd: after,
            })
        })
        .collect();
    // What runs after: what runs now, changed only where the plan changes it (so `--target`
    // prices only its targets, and the store's prompts git lacks keep running).
    // By name: what runs after (`None`: nothing does).
    let mut after_of: HashMap<&str, Option<Running<'_>>> = HashMap::new();
    for change in plan.changes.iter().filter(|c| c.scope == Scope::Production) {
        let name = change.prompt_name.as_str();
        let git = git_running(name);
        let after = match change.action {
            Action::Create | Action::Update | Action::Replace => git.map(Some),
            // A second active version turned off leaves git's running.
            Action::Deactivate => Some(git),
            Action::Backfill if change.is_active && git.is_none() => Some(Some(Running {
                // A backfill keeps its fields (only a create's are read from its insert).
                model: change.fields.get("ai_model").and_then(|f| f.after.as_str()),
                canary: live.get(name).and_then(|r| r.canary),
            })),
            Action::Backfill => None,
        };
        if let Some(after) = after {
            after_of.insert(name, after);
        }
    }
    let mut names: Vec<&str> = live
        .keys()
        .copied()
        .chain(after_of.keys().copied())
        .collect();
    names.sort_unstable();
    names.dedup();
    let (mut before_sum, mut after_sum) = (0.0, 0.0);
    let mut covered = false;
    let mut unknown = Vec::new();
    for name in names {
        let subsystem = subsystem_of.get(name).copied().flatten();
        let Some(entry) = usage.entry(name, subsystem) else {
            continue;
        };
        covered = true;
        let before = match live.get(name) {
            Some(running) => running.monthly(entry, catalog),
            None => Some(0.0),
        };
        let after = match after_of.get(name) {
            Some(Some(running)) => running.monthly(entry, catalog),
            Some(None) => Some(0.0),
            None => before,
        };
        match (before, after) {
            (Some(before), Some(after)) => {
                before_sum += before;
                after_sum += after;
            }
            _ => unknown.push(name.to_owned()),
        }
    }
    PlanCost {
        changes,
        total: covered.then_some(Cost {
            monthly_before_usd: Some(before_sum),
            monthly_after_usd: Some(after_sum),
        }),
        unknown,
    }
}

/// What a prompt runs: its model, and its canary's model and percent.
#[derive(Clone, Copy, Debug)]
struct Running<'a> {
    model: Option<&'a str>,
    canary: Option<(&'a str, f64)>,
}

impl Running<'_> {
    fn monthly(&self, usage: &UsageEntry, catalog: &Catalog) -> Option<f64> {
        monthly_with_canary(usage, catalog, self.model, self.canary)
    }
}

/// The monthly cost of a prompt on `model`, its canary (model, percent) priced at its share of
/// the requests: the one formula for plans and `promptctl cost`. `None` where a model is
/// unknown.
pub fn monthly_with_canary(
    usage: &UsageEntry,
    catalog: &Catalog,
    model: Option<&str>,
    canary: Option<(&str, f64)>,
) -> Option<f64> {
    let stable = monthly(usage, catalog, model)?;
    match canary {
        Some((canary, percent)) => {
            let share = percent / 100.0;
            Some(stable * (1.0 - share) + monthly(usage, catalog, Some(canary))? * share)
        }
        None => Some(stable),
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
