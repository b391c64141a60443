//! Plans for people (text, Markdown for PR comments) and for tools (JSON). Pure functions of
//! a `&Plan`: rendering never decides anything.

mod markdown;
mod text;

pub use markdown::{markdown, markdown_within};
pub use text::text;

use serde_json::Value;

use crate::shown::shown;

use super::{Action, Change, Plan, Summary};
use crate::policy::{Enforcement, Violation};

/// `Plan: N to create, N to update, N to replace, N to backfill, N to deactivate.`
pub fn footer(summary: &Summary) -> String {
    format!(
        "Plan: {} to create, {} to update, {} to replace, {} to backfill, {} to deactivate.",
        summary.create, summary.update, summary.replace, summary.backfill, summary.deactivate
    )
}

/// The headline of a change of the rules of record.
pub const RULES_HEADLINE: &str = "the rules of record will be published (the store holds every write to them: models, policies, usage)";

/// At most this many lines of a rules change are listed; the rest are counted.
pub const RULES_SHOWN: usize = 20;

/// The lines of the plan's rules change, at most [`RULES_SHOWN`] and a count of the rest.
pub fn rules_lines(plan: &Plan) -> Vec<String> {
    let Some(change) = &plan.rules else {
        return Vec::new();
    };
    let mut lines: Vec<String> = change.changes.iter().take(RULES_SHOWN).cloned().collect();
    if change.changes.len() > RULES_SHOWN {
        lines.push(format!("…and {} more", change.changes.len() - RULES_SHOWN));
    }
    lines
}

/// `Cost unknown (no model, or one outside the catalog) for 2 prompts, left out of the total:
/// a, b`: what the total does not count.
pub fn unknown_cost(cost: &super::cost::PlanCost) -> Option<String> {
    if cost.unknown.is_empty() {
        return None;
    }
    let shown: Vec<&str> = cost
        .unknown
        .iter()
        .take(VIOLATIONS_SHOWN)
        .map(String::as_str)
        .collect();
    let more = cost.unknown.len() - shown.len();
    Some(format!(
        "Cost unknown (no model, or one outside the catalog) for {} prompt{}, left out of the total: {}{}",
        cost.unknown.len(),
        if cost.unknown.len() == 1 { "" } else { "s" },
        shown.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    ))
}

/// The line for a plan without changes.
pub const NO_CHANGES: &str = "No changes. The store matches the prompts in git.";

/// The symbol of an action, as Terraform draws them.
pub fn symbol(action: Action) -> &'static str {
    match action {
        Action::Create => "+",
        Action::Update | Action::Backfill => "~",
        Action::Replace => "-/+",
        Action::Deactivate => "-",
    }
}

/// `name v1 (developer, inactive)`: which row a change is about.
pub fn subject(change: &Change) -> String {
    let mut notes = Vec::new();
    if change.scope != crate::store::Scope::Production {
        notes.push(change.scope.as_str());
    }
    if !change.is_active && change.action != Action::Deactivate {
        notes.push("inactive");
    }
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join(", "))
    };
    format!(
        "{} {}{notes}",
        shown(&change.prompt_name),
        shown(&change.prompt_version)
    )
}

/// What happens, in words.
pub fn verb(change: &Change) -> String {
    match change.action {
        Action::Create => "will be created".to_owned(),
        Action::Update => "will be updated in place".to_owned(),
        Action::Replace => format!("will replace {}", change.replaces.join(", ")),
        Action::Backfill => "will be backfilled".to_owned(),
        Action::Deactivate => "will be deactivated".to_owned(),
    }
}

/// A field value for display: strings quoted and shortened, the rest as JSON.
pub fn value(value: &Value) -> String {
    match value {
        Value::String(text) => {
            let one_line = shown(text);
            if one_line.chars().count() > 72 {
                let cut: String = one_line.chars().take(69).collect();
                format!("\"{cut}…\"")
            } else {
                format!("\"{one_line}\"")
            }
        }
        other => other.to_string(),
    }
}

/// Whether a create shows `field` set to `value`: not the name and version (the change's own
/// line says them), nor `is_active: true` (what every new version is); everything else.
pub fn shown_on_create(field: &str, value: &Value) -> bool {
    match field {
        "prompt_name" | "prompt_version" => false,
        "is_active" => value != &Value::Bool(true),
        _ => true,
    }
}

/// Whether `field` is shown by [`canary_line`] rather than on its own.
pub fn is_canary_field(field: &str) -> bool {
    matches!(field, "canary_model" | "canary_percent")
}

/// A change of the canary in one line, before and after: `none` → `openai/gpt-5.2 at 10%`, or
/// `10%` → `50%` when only the share moves, or the models when only the model does.
pub fn canary_line(change: &super::Change) -> Option<(String, String)> {
    let fields = change.fields();
    let model = fields.get("canary_model");
    let percent = fields.get("canary_percent");
    let share = |value: &Value| match value.as_f64() {
        Some(p) => format!("{}%", (p * 100.0).round() / 100.0),
        None => "none".to_owned(),
    };
    let whole = |model: &Value, percent: &Value| match model.as_str() {
        Some(model) => format!("{model} at {}", share(percent)),
        None => "none".to_owned(),
    };
    match (model, percent) {
        (Some(m), Some(p)) => Some((whole(&m.before, &p.before), whole(&m.after, &p.after))),
        (None, Some(p)) => Some((share(&p.before), share(&p.after))),
        (Some(m), None) => Some((value(&m.before), value(&m.after))),
        (None, None) => None,
    }
}

/// Fields shown as a diff or a size rather than a value.
pub fn is_long(field: &str) -> bool {
    matches!(field, "prompt_template" | "input_schema" | "output_schema")
}

/// A unified diff of two texts (a template before and after).
pub fn unified_diff(before: &str, after: &str, from: &str, to: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(2)
        .header(from, to)
        .to_string()
}

/// The violations of one policy, for the plan's policy section.
pub struct PolicyGroup<'a> {
    pub policy: &'a str,
    pub enforcement: Enforcement,
    /// Who passed it with `--override-policy`, if someone did.
    pub overridden_by: Option<&'a str>,
    pub violations: Vec<&'a Violation>,
    /// Whether it stops the plan, as [`Plan::refusals`] decides.
    pub blocks: bool,
}

impl PolicyGroup<'_> {
    /// `blocks`, `overridden by alice`, `warning`: what the policy does to the plan.
    pub fn outcome(&self) -> String {
        match (self.blocks, self.overridden_by) {
            (true, _) => "blocks the plan".to_owned(),
            (false, Some(actor)) => format!("overridden by {actor}"),
            (false, None) => "warning".to_owned(),
        }
    }

    pub fn symbol(&self) -> &'static str {
        match (self.blocks, self.overridden_by) {
            (true, _) => "✗",
            (false, Some(_)) => "~",
            (false, None) => "!",
        }
    }
}

/// The plan's violations by policy: blocking policies first, then overridden, then advisory.
pub fn policy_groups(plan: &Plan) -> Vec<PolicyGroup<'_>> {
    let blocking = plan.blocking_policies();
    let mut groups: Vec<PolicyGroup<'_>> = Vec::new();
    for violation in &plan.notes.policies {
        match groups.iter_mut().find(|g| g.policy == violation.policy) {
            Some(group) => group.violations.push(violation),
            None => groups.push(PolicyGroup {
                policy: &violation.policy,
                enforcement: violation.enforcement,
                overridden_by: plan
                    .notes
                    .overrides
                    .iter()
                    .find(|o| o.policy == violation.policy)
                    .map(|o| o.actor.as_str()),
                violations: vec![violation],
                blocks: blocking.contains(&violation.policy.as_str()),
            }),
        }
    }
    groups.sort_by_key(|g| (!g.blocks, g.overridden_by.is_none()));
    groups
}

/// At most this many violations of one policy are listed; the rest are counted.
pub const VIOLATIONS_SHOWN: usize = 10;

/// `Environment dev: rule 1 (every prompt → openai/gpt-5-nano) sets 9 prompts`, a line per
/// rule that changed something.
pub fn overlay_lines(plan: &Plan) -> Vec<String> {
    plan.notes
        .overlay
        .iter()
        .map(|effect| {
            let names: Vec<&str> = effect
                .prompts
                .iter()
                .take(VIOLATIONS_SHOWN)
                .map(|(name, _)| name.as_str())
                .collect();
            let more = effect.prompts.len().saturating_sub(names.len());
            format!(
                "rule {} ({}) sets the model of {} prompt{}: {}{}",
                effect.rule,
                effect.description,
                effect.prompts.len(),
                if effect.prompts.len() == 1 { "" } else { "s" },
                names.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            )
        })
        .collect()
}
