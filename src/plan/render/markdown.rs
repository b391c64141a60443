//! The plan as a pull-request comment: a table of changes, template diffs folded away.

use super::{NO_CHANGES, footer, is_long, symbol, unified_diff, value};
use crate::plan::Plan;
use crate::plan::cost::{PlanCost, describe};

/// The plan as Markdown, with monthly costs where they are known.
pub fn markdown(plan: &Plan, cost: Option<&PlanCost>) -> String {
    let mut out = String::from("### promptctl plan\n\n");
    out.push_str(&format!(
        "Store `{}` · store_id `{}` · revision {} · default model `{}`\n\n",
        plan.store, plan.store_id, plan.revision, plan.default_model
    ));
    if !plan.errors.is_empty() {
        out.push_str("**The plan cannot be applied:**\n\n");
        for error in &plan.errors {
            out.push_str(&format!(
                "- ❗ `{}` `{}`: {} (`{}`)\n",
                error.prompt_name, error.prompt_version, error.message, error.file
            ));
        }
        out.push('\n');
    }
    if !plan.has_changes() {
        out.push_str(NO_CHANGES);
        out.push('\n');
        return out;
    }
    out.push_str("| | prompt | version | scope | action | changes | monthly cost |\n|---|---|---|---|---|---|---|\n");
    for (index, change) in plan.changes.iter().enumerate() {
        let fields: Vec<String> = change
            .fields
            .iter()
            .filter(|(name, _)| !is_long(name) || change.action != super::Action::Create)
            .map(|(name, field)| {
                if is_long(name) {
                    format!("`{name}` changed")
                } else {
                    format!(
                        "`{name}`: {} → {}",
                        cell(&value(&field.before)),
                        cell(&value(&field.after))
                    )
                }
            })
            .collect();
        out.push_str(&format!(
            "| `{}` | `{}` | `{}` | {} | {} | {} | {} |\n",
            symbol(change.action),
            change.prompt_name,
            change.prompt_version,
            change.scope,
            change.action.as_str(),
            fields.join("<br>"),
            cost.and_then(|c| c.of_change(index))
                .map(describe)
                .unwrap_or_default()
        ));
    }
    for change in &plan.changes {
        let Some(template) = change.fields.get("prompt_template") else {
            continue;
        };
        let (Some(before), Some(after)) = (template.before.as_str(), template.after.as_str())
        else {
            continue;
        };
        let from = change.replaces.first().map_or("before", String::as_str);
        out.push_str(&format!(
            "\n<details><summary>Template diff: <code>{}</code> {from} → {}</summary>\n\n```diff\n{}```\n\n</details>\n",
            change.prompt_name,
            change.prompt_version,
            unified_diff(before, after, from, &change.prompt_version)
        ));
    }
    out.push_str(&format!("\n**{}**\n", footer(&plan.summary())));
    if let Some(total) = cost.and_then(|c| c.total.as_ref()) {
        out.push_str(&format!(
            "\nMonthly cost (prompts in usage.yaml): **{}**\n",
            describe(total)
        ));
    }
    out
}

/// A value safe inside a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}
