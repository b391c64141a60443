//! The plan as Markdown, for pull-request comments and job summaries: a table of changes,
//! template diffs folded away.
//!
//! A comment has a size limit (GitHub's is 65,536 characters), so the parts are ranked: the
//! header, the errors, the table, the footer and the cost always come first; template diffs get
//! what is left, cut with a note where they do not fit. Only a plan too large for any comment
//! has its table cut, with a count of the rows left out.

use super::{
    NO_CHANGES, RULES_HEADLINE, canary_line, footer, is_canary_field, is_long, overlay_lines,
    policy_groups, rules_lines, shown_on_create, symbol, unified_diff, unknown_cost, value,
};
use crate::markdown::{cell, code, fence_for, html};
use crate::plan::cost::{PlanCost, describe};
use crate::plan::{Action, Change, Plan};

/// The plan as Markdown, with monthly costs where they are known, however long it gets.
pub fn markdown(plan: &Plan, cost: Option<&PlanCost>) -> String {
    markdown_within(plan, cost, usize::MAX)
}

/// The plan as Markdown in at most `limit` bytes (so at most as many characters).
pub fn markdown_within(plan: &Plan, cost: Option<&PlanCost>, limit: usize) -> String {
    let head = head(plan);
    if !plan.has_changes() {
        return format!("{head}{NO_CHANGES}\n{}", notes(plan));
    }
    let tail = tail(plan, cost);
    let rows: Vec<String> = plan
        .changes
        .iter()
        .enumerate()
        .map(|(index, change)| row(change, cost.and_then(|c| c.of_change(index))))
        .collect();
    let mut out = head;
    out.push_str(TABLE_HEADER);
    let reserved = out.len() + tail.len() + CUT_ROWS_NOTE_MAX;
    let mut room = limit.saturating_sub(reserved);
    let mut shown = 0;
    for row in &rows {
        if row.len() > room {
            break;
        }
        room -= row.len();
        out.push_str(row);
        shown += 1;
    }
    if shown < rows.len() {
        out.push_str(&format!(
            "\n_…and {} more changes, left out to fit the comment: `promptctl show` prints the whole plan._\n",
            rows.len() - shown
        ));
    }
    out.push_str(&diffs(
        &plan.changes,
        limit.saturating_sub(out.len() + tail.len()),
    ));
    out.push_str(&tail);
    out
}

const TABLE_HEADER: &str = "| | prompt | version | scope | action | changes | monthly cost |\n|---|---|---|---|---|---|---|\n";

/// Room kept for the note that rows were left out.
const CUT_ROWS_NOTE_MAX: usize = 160;

fn head(plan: &Plan) -> String {
    let mut out = String::from("### promptctl plan\n\n");
    out.push_str(&format!(
        "Store `{}` · store_id `{}` · revision {} · default model `{}`\n\n",
        code(&plan.store),
        code(&plan.store_id),
        plan.revision,
        code(&plan.default_model)
    ));
    if let Some(environment) = &plan.notes.environment {
        out.push_str(&format!("Environment `{}`\n\n", code(environment)));
        for line in overlay_lines(plan) {
            out.push_str(&format!("- {}\n", cell(&line)));
        }
        if !plan.notes.overlay.is_empty() {
            out.push('\n');
        }
    }
    if !plan.errors.is_empty() {
        out.push_str("**The plan cannot be applied:**\n\n");
        for error in &plan.errors {
            out.push_str(&format!(
                "- ❗ `{}` `{}`: {} (`{}`)\n",
                code(&error.prompt_name),
                code(&error.prompt_version),
                cell(&error.message),
                code(&error.file)
            ));
        }
        out.push('\n');
    }
    out
}

fn tail(plan: &Plan, cost: Option<&PlanCost>) -> String {
    let mut out = String::new();
    if plan.rules.is_some() {
        out.push_str(&format!("\n**~ {RULES_HEADLINE}**\n\n"));
        for line in rules_lines(plan) {
            out.push_str(&format!("- `{}`\n", code(&line)));
        }
    }
    out.push_str(&format!("\n**{}**\n", footer(&plan.summary())));
    if let Some(total) = cost.and_then(|c| c.total.as_ref()) {
        out.push_str(&format!(
            "\nMonthly cost (prompts in usage.yaml): **{}**\n",
            describe(total)
        ));
    }
    if let Some(line) = cost.and_then(unknown_cost) {
        out.push_str(&format!("\n{}\n", cell(&line)));
    }
    out.push_str(&notes(plan));
    out
}

/// The policy section (a row per policy) and the coming deprecations: bounded by the number
/// of policies and models, not of prompts, so they always fit.
fn notes(plan: &Plan) -> String {
    let mut out = String::new();
    let groups = policy_groups(plan);
    if !groups.is_empty() {
        out.push_str("\n#### Policies\n\n| | policy | enforcement | outcome | prompts |\n|---|---|---|---|---|\n");
    }
    for group in &groups {
        let mut prompts: Vec<String> = group
            .violations
            .iter()
            .take(5)
            .map(|v| {
                format!(
                    "`{}` `{}`: {}",
                    code(&v.prompt_name),
                    code(&v.prompt_version),
                    cell(&v.rule)
                )
            })
            .collect();
        if group.violations.len() > 5 {
            prompts.push(format!("…and {} more", group.violations.len() - 5));
        }
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} |\n",
            group.symbol(),
            code(group.policy),
            group.enforcement.as_str(),
            cell(&group.outcome()),
            prompts.join("<br>")
        ));
    }
    if !plan.notes.deprecations.is_empty() {
        out.push('\n');
    }
    for deprecation in &plan.notes.deprecations {
        out.push_str(&format!("- ⚠️ {}\n", cell(&deprecation.sentence())));
    }
    out
}

fn row(change: &Change, cost: Option<&crate::plan::cost::Cost>) -> String {
    let fields: Vec<String> = change
        .fields()
        .iter()
        .filter(|(name, field)| {
            !is_canary_field(name)
                && (change.action != Action::Create
                    || (!is_long(name) && shown_on_create(name, &field.after)))
        })
        .map(|(name, field)| {
            if is_long(name) {
                format!("`{name}` changed")
            } else if change.action == Action::Create {
                format!("`{name}` = {}", cell(&value(&field.after)))
            } else {
                format!(
                    "`{name}`: {} → {}",
                    cell(&value(&field.before)),
                    cell(&value(&field.after))
                )
            }
        })
        .collect();
    let mut fields = fields;
    if let Some((before, after)) = canary_line(change) {
        fields.push(if change.action == Action::Create {
            format!("canary = {}", cell(&after))
        } else {
            format!("canary: {} → {}", cell(&before), cell(&after))
        });
    }
    format!(
        "| `{}` | `{}` | `{}` | {} | {} | {} | {} |\n",
        symbol(change.action),
        code(&change.prompt_name),
        code(&change.prompt_version),
        change.scope,
        change.action.as_str(),
        fields.join("<br>"),
        cost.map(describe).unwrap_or_default()
    )
}

/// The template diffs, folded, in at most `room` bytes: the first that does not fit is cut
/// with a note, the rest are named.
fn diffs(changes: &[Change], room: usize) -> String {
    let mut out = String::new();
    let mut cut = false;
    let mut left_out = 0;
    for change in changes {
        let fields = change.fields();
        let Some(template) = fields.get("prompt_template") else {
            continue;
        };
        let Some(after) = template.after.as_str() else {
            continue;
        };
        if cut {
            left_out += 1;
            continue;
        }
        let from = change.replaces.first().map_or("before", String::as_str);
        // A new prompt's template whole; a changed one as a diff.
        let (title, language, diff) = match template.before.as_str() {
            Some(before) => (
                format!(
                    "Template diff: <code>{}</code> {} → {}",
                    html(&change.prompt_name),
                    html(from),
                    html(&change.prompt_version)
                ),
                "diff",
                unified_diff(before, after, from, &change.prompt_version),
            ),
            None => (
                format!(
                    "Template of the new <code>{}</code> {}",
                    html(&change.prompt_name),
                    html(&change.prompt_version)
                ),
                "text",
                with_final_newline(after),
            ),
        };
        let section = |body: &str, note: &str| {
            let fence = fence_for(body);
            format!(
                "\n<details><summary>{title}</summary>\n\n{fence}{language}\n{body}{fence}\n{note}\n</details>\n"
            )
        };
        let whole = section(&diff, "");
        let left = room.saturating_sub(out.len() + LEFT_OUT_NOTE_MAX);
        if whole.len() <= left {
            out.push_str(&whole);
            continue;
        }
        cut = true;
        let note = "\n_The diff was cut to fit the comment: `promptctl show` prints all of it._\n";
        let frame = section("", note).len();
        if left > frame + 200 {
            out.push_str(&section(&cut_lines(&diff, left - frame), note));
        } else {
            left_out += 1;
        }
    }
    if left_out > 0 {
        out.push_str(&format!(
            "\n_{left_out} more template diffs left out to fit the comment: `promptctl show` prints them._\n"
        ));
    }
    out
}

fn with_final_newline(text: &str) -> String {
    if text.ends_with('\n') {
        text.to_owned()
    } else {
        format!("{text}\n")
    }
}

/// Room kept for the note naming how many diffs were left out.
const LEFT_OUT_NOTE_MAX: usize = 120;

/// Whole lines of `text` in at most `max` bytes.
fn cut_lines(text: &str, max: usize) -> String {
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        if out.len() + line.len() > max {
            break;
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_whole_lines() {
        assert_eq!(cut_lines("ab\ncd\nef\n", 7), "ab\ncd\n");
    }
}
