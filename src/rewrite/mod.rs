//! Edits of prompt files that change one value and nothing else: comments, key order,
//! quoting, blank lines and line endings stay byte for byte.
//!
//! The edit is made in the text, at the byte span the parser gives for `ai_model`'s value (or,
//! where the key is missing, on a new line after `prompt_version`). The result is parsed again
//! and compared with the original: if anything but `ai_model` differs, the edit is refused.

mod select;

use std::path::Path;
use std::sync::Arc;

pub use select::{Failure, Field, Planned, Selector, WhereClause, plan_edits, write};

use crate::yaml::{self, Node, Value};

/// One file's planned edit.
#[derive(Clone, Debug)]
pub struct Edit {
    pub path: Arc<Path>,
    pub before: String,
    pub after: String,
    /// The model the file named (`None` where it had no `ai_model`).
    pub old_model: Option<String>,
    pub new_model: String,
}

/// Why a file cannot be edited.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RewriteError {
    pub message: String,
}

fn refuse(message: impl Into<String>) -> RewriteError {
    RewriteError {
        message: message.into(),
    }
}

/// `text` with `ai_model` set to `model`, given its parsed `root`.
pub fn set_ai_model(text: &str, root: &Node, model: &str) -> Result<String, RewriteError> {
    let Value::Mapping(entries) = &root.value else {
        return Err(refuse("the file is not a mapping of fields"));
    };
    let edited = match root.entry("ai_model") {
        Some((key, value)) => replace_value(text, key, value, model)?,
        None => insert_key(text, root, entries, model)?,
    };
    verify(root, &edited, model)?;
    Ok(edited)
}

/// Replace the value's bytes, in the value's own quoting style.
fn replace_value(
    text: &str,
    key: &Node,
    value: &Node,
    model: &str,
) -> Result<String, RewriteError> {
    let start = value.span.start;
    let end = start + value.span.len;
    let original = text
        .get(start..end)
        .ok_or_else(|| refuse("cannot locate the value of ai_model"))?;
    let replacement = match original.chars().next() {
        _ if value.span.len == 0
            || matches!(value.value, Value::Null) && original.trim().is_empty() =>
        {
            // `ai_model:` with no value: the new value goes right after the colon.
            let colon = text[key.span.start + key.span.len..]
                .find(':')
                .map(|i| key.span.start + key.span.len + i + 1)
                .ok_or_else(|| refuse("cannot find the colon after ai_model"))?;
            return Ok(format!("{} {model}{}", &text[..colon], &text[colon..]));
        }
        Some('\'') => format!("'{model}'"),
        Some('"') => format!("\"{model}\""),
        Some('|' | '>') => {
            return Err(refuse(
                "ai_model is written as a block scalar; edit it by hand",
            ));
        }
        _ => model.to_owned(),
    };
    Ok(format!("{}{replacement}{}", &text[..start], &text[end..]))
}

/// Insert `ai_model: MODEL` where a reader expects it: after `prompt_version` (else after
/// `prompt_name`, else first), with the file's indentation and line endings.
fn insert_key(
    text: &str,
    root: &Node,
    entries: &[(Node, Node)],
    model: &str,
) -> Result<String, RewriteError> {
    if text[root.span.start..].starts_with('{') {
        let at = root.span.start + 1;
        let separator = if entries.is_empty() { "" } else { ", " };
        return Ok(format!(
            "{}ai_model: {model}{separator}{}",
            &text[..at],
            &text[at..]
        ));
    }
    let (key, value) = root
        .entry("prompt_version")
        .or_else(|| root.entry("prompt_name"))
        .or_else(|| entries.first().map(|(k, v)| (k, v)))
        .ok_or_else(|| refuse("the file has no fields"))?;
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let indent = " ".repeat(usize::try_from(key.span.column.saturating_sub(1)).unwrap_or(0));
    let value_end = (value.span.start + value.span.len).max(key.span.start + key.span.len);
    match text[value_end..].find('\n') {
        Some(offset) => {
            let at = value_end + offset + 1;
            Ok(format!(
                "{}{indent}ai_model: {model}{newline}{}",
                &text[..at],
                &text[at..]
            ))
        }
        None => Ok(format!("{text}{newline}{indent}ai_model: {model}{newline}")),
    }
}

/// The edited text must parse to the original document with only `ai_model` changed.
fn verify(original: &Node, edited: &str, model: &str) -> Result<(), RewriteError> {
    // Spans are not needed to compare, so the fast typed parse serves.
    let reparsed: serde_json::Value = yaml::from_str_strict(edited).map_err(|e| {
        refuse(format!(
            "the edit would break the YAML ({e}); file left untouched"
        ))
    })?;
    let mut expected = original.to_json();
    if let Some(object) = expected.as_object_mut() {
        object.insert(
            "ai_model".to_owned(),
            serde_json::Value::String(model.to_owned()),
        );
    }
    if reparsed != expected {
        return Err(refuse(
            "the edit would change more than ai_model; file left untouched",
        ));
    }
    Ok(())
}

/// A unified diff of an edit, for `--dry-run`.
pub fn diff(edit: &Edit) -> String {
    let name = crate::diag::display_path(&edit.path).display().to_string();
    similar::TextDiff::from_lines(&edit.before, &edit.after)
        .unified_diff()
        .context_radius(1)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(text: &str, model: &str) -> Result<String, RewriteError> {
        set_ai_model(text, &yaml::parse(text).unwrap(), model)
    }

    #[test]
    fn replaces_plain_and_quoted_values_keeping_everything_else() {
        let text = "# head\nprompt_name: a   # name\nai_model: openai/gpt-4o-mini  # old\n\nprompt_template: |\n  hi\n";
        assert_eq!(
            set(text, "openai/gpt-5").unwrap(),
            "# head\nprompt_name: a   # name\nai_model: openai/gpt-5  # old\n\nprompt_template: |\n  hi\n"
        );
        assert_eq!(
            set("ai_model: 'x/y'\n", "openai/gpt-5").unwrap(),
            "ai_model: 'openai/gpt-5'\n"
        );
        assert_eq!(
            set("ai_model: \"x/y\"\r\n", "openai/gpt-5").unwrap(),
            "ai_model: \"openai/gpt-5\"\r\n"
        );
        assert_eq!(
            set("ai_model:\nprompt_name: a\n", "openai/gpt-5").unwrap(),
            "ai_model: openai/gpt-5\nprompt_name: a\n"
        );
    }

    #[test]
    fn inserts_a_missing_key_after_the_version() {
        let text = "prompt_name: a\r\nprompt_version: v1 # v\r\nprompt_template: t\r\n";
        assert_eq!(
            set(text, "openai/gpt-5").unwrap(),
            "prompt_name: a\r\nprompt_version: v1 # v\r\nai_model: openai/gpt-5\r\nprompt_template: t\r\n"
        );
        assert_eq!(
            set("{prompt_name: a, prompt_template: t}", "openai/gpt-5").unwrap(),
            "{ai_model: openai/gpt-5, prompt_name: a, prompt_template: t}"
        );
        assert_eq!(
            set("prompt_name: a", "openai/gpt-5").unwrap(),
            "prompt_name: a\nai_model: openai/gpt-5\n"
        );
    }

    #[test]
    fn refuses_what_it_cannot_do_safely() {
        assert!(set("- a\n", "openai/gpt-5").is_err());
        assert!(set("ai_model: |\n  x/y\n", "openai/gpt-5").is_err());
    }
}
