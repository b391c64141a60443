//! Plans for people (text, Markdown for PR comments) and for tools (JSON). Pure functions of
//! a `&Plan`: rendering never decides anything.

mod json;
mod markdown;
mod text;

pub use json::json;
pub use markdown::{markdown, markdown_within};
pub use text::text;

use serde_json::Value;

use super::{Action, Change, Summary};

/// `Plan: N to create, N to update, N to replace, N to backfill, N to deactivate.`
pub fn footer(summary: &Summary) -> String {
    format!(
        "Plan: {} to create, {} to update, {} to replace, {} to backfill, {} to deactivate.",
        summary.create, summary.update, summary.replace, summary.backfill, summary.deactivate
    )
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
    format!("{} {}{notes}", change.prompt_name, change.prompt_version)
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
            let one_line = text.replace('\n', "\\n");
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
