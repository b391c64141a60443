//! The plan as `promptctl plan` prints it.

use super::{
    NO_CHANGES, RULES_HEADLINE, VIOLATIONS_SHOWN, canary_line, footer, is_canary_field, is_long,
    overlay_lines, policy_groups, rules_lines, shown_on_create, subject, symbol, unified_diff,
    unknown_cost, value, verb,
};
use crate::plan::cost::{Cost, PlanCost, describe};
use crate::plan::{Action, Change, Plan};
use crate::printer::{BOLD, GREEN, RED, YELLOW, paint};
use crate::shown::{shown, shown_lines};

/// The plan as text, styled (the printer strips styles where colour is off), with monthly
/// costs where they are known.
pub fn text(plan: &Plan, cost: Option<&PlanCost>) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "Store: {} (store_id {}, revision {})\nDefault model: {}\n",
        plan.store, plan.store_id, plan.revision, plan.default_model
    ));
    if let Some(environment) = &plan.notes.environment {
        out.push_str(&format!("Environment: {environment}\n"));
        for line in overlay_lines(plan) {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out.push('\n');
    for error in &plan.errors {
        out.push_str(&format!(
            "{} {} {}: {}\n    in {}\n",
            paint(RED.bold(), "!"),
            shown(&error.prompt_name),
            shown(&error.prompt_version),
            shown_lines(&error.message),
            shown(&error.file)
        ));
    }
    if !plan.errors.is_empty() {
        out.push('\n');
    }
    if !plan.has_changes() {
        out.push_str(NO_CHANGES);
        out.push('\n');
        notes(plan, &mut out);
        return out;
    }
    out.push_str("promptctl will perform the following actions:\n\n");
    for (index, change) in plan.changes.iter().enumerate() {
        render_change(change, cost.and_then(|c| c.of_change(index)), &mut out);
    }
    if plan.rules.is_some() {
        out.push_str(&format!(
            "  {} {}\n",
            paint(YELLOW.bold(), "~"),
            paint(BOLD, RULES_HEADLINE)
        ));
        for line in rules_lines(plan) {
            out.push_str(&format!("      {line}\n"));
        }
        out.push('\n');
    }
    out.push_str(&paint(BOLD, &footer(&plan.summary())));
    out.push('\n');
    if let Some(cost) = cost.and_then(|c| c.total.as_ref()) {
        out.push_str(&format!(
            "Monthly cost (prompts in usage.yaml): {}\n",
            describe(cost)
        ));
    }
    if let Some(line) = cost.and_then(unknown_cost) {
        out.push_str(&format!("{line}\n"));
    }
    notes(plan, &mut out);
    out
}

/// The policy section and the coming deprecations, after the footer.
fn notes(plan: &Plan, out: &mut String) {
    let groups = policy_groups(plan);
    if !groups.is_empty() {
        out.push_str(&format!(
            "\n{}\n",
            paint(BOLD, &format!("Policies: {} broken", groups.len()))
        ));
    }
    for group in &groups {
        let style = if group.blocks {
            RED.bold()
        } else {
            YELLOW.bold()
        };
        out.push_str(&format!(
            "  {} {} ({}): {}, {}\n",
            paint(style, group.symbol()),
            paint(BOLD, group.policy),
            group.enforcement.as_str(),
            group.outcome(),
            count(group.violations.len(), "violation")
        ));
        for violation in group.violations.iter().take(VIOLATIONS_SHOWN) {
            out.push_str(&format!(
                "      {} {}: {}\n",
                shown(&violation.prompt_name),
                shown(&violation.prompt_version),
                violation.rule
            ));
        }
        if group.violations.len() > VIOLATIONS_SHOWN {
            out.push_str(&format!(
                "      …and {} more\n",
                group.violations.len() - VIOLATIONS_SHOWN
            ));
        }
    }
    if !plan.notes.deprecations.is_empty() {
        out.push('\n');
    }
    for deprecation in &plan.notes.deprecations {
        out.push_str(&format!(
            "{} {}\n",
            paint(YELLOW.bold(), "Warning:"),
            deprecation.sentence()
        ));
    }
}

/// `1 violation`, `3 violations`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn style(action: Action) -> anstyle::Style {
    match action {
        Action::Create => GREEN,
        Action::Update | Action::Backfill | Action::Replace => YELLOW,
        Action::Deactivate => RED,
    }
}

fn render_change(change: &Change, cost: Option<&Cost>, out: &mut String) {
    out.push_str(&format!(
        "  {} {} {}\n",
        paint(style(change.action).bold(), symbol(change.action)),
        paint(BOLD, &subject(change)),
        verb(change)
    ));
    let fields = change.fields();
    let width = fields
        .keys()
        .map(|name| {
            if is_canary_field(name) {
                "canary".len()
            } else {
                name.len()
            }
        })
        .max()
        .unwrap_or(0);
    let shown = fields.iter().filter(|(name, field)| {
        !is_canary_field(name)
            && (change.action != Action::Create || shown_on_create(name, &field.after))
    });
    for (name, field) in shown {
        if is_long(name) {
            let before = field.before.as_str().unwrap_or_default();
            let after = field.after.as_str().unwrap_or_default();
            if change.action == Action::Create || before.is_empty() {
                out.push_str(&format!(
                    "      {name:width$} = ({} characters)\n",
                    after.chars().count()
                ));
            } else {
                out.push_str(&format!("      {name}:\n"));
                let from = change.replaces.first().map_or("before", String::as_str);
                for line in unified_diff(before, after, from, &change.prompt_version).lines() {
                    let painted = match line.chars().next() {
                        Some('+') if !line.starts_with("+++") => paint(GREEN, line),
                        Some('-') if !line.starts_with("---") => paint(RED, line),
                        _ => line.to_owned(),
                    };
                    out.push_str(&format!("          {painted}\n"));
                }
            }
            continue;
        }
        if change.action == Action::Create {
            out.push_str(&format!("      {name:width$} = {}\n", value(&field.after)));
        } else {
            out.push_str(&format!(
                "      {name:width$}: {} → {}\n",
                value(&field.before),
                value(&field.after)
            ));
        }
    }
    if let Some((before, after)) = canary_line(change) {
        if change.action == Action::Create {
            out.push_str(&format!("      {:width$} = {after}\n", "canary"));
        } else {
            out.push_str(&format!("      {:width$}: {before} → {after}\n", "canary"));
        }
    }
    if let Some(cost) = cost {
        out.push_str(&format!("      monthly cost: {}\n", describe(cost)));
    }
    out.push('\n');
}
