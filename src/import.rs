//! `promptctl import`: YAML files for live production prompts that git does not have yet.
//!
//! Names come from the store and are untrusted: a name or subsystem that is not a plain file
//! name, or a path that would leave `prompts_dir`, is refused. Each file is rendered, parsed
//! back and compared with the row before anything is written.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use serde_json::{Value, json};

use crate::prompt::raw::NAME_PATTERN;
use crate::store::{LiveRow, Snapshot};

/// A file to write.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportedFile {
    pub prompt_name: String,
    pub path: PathBuf,
    pub text: String,
    /// The store had no model; the file names the default.
    pub model_filled: bool,
}

/// A live prompt that cannot be imported, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub prompt_name: String,
    pub reason: String,
}

/// What to import from.
pub struct ImportRequest<'a> {
    pub snapshot: &'a Snapshot,
    /// Where the store is, for the files' header.
    pub store: &'a str,
    /// Prompt names git already has.
    pub in_git: &'a HashSet<String>,
    /// Only these names (all when empty).
    pub names: &'a [String],
    pub prompts_dir: &'a Path,
    /// The project root, where `schemas/` is.
    pub root: &'a Path,
    pub default_model: &'a str,
    /// Overwrite existing files.
    pub force: bool,
}

/// The files to write and the prompts refused.
pub fn plan_import(request: &ImportRequest<'_>) -> (Vec<ImportedFile>, Vec<Refusal>) {
    let mut files = Vec::new();
    let mut refused = Vec::new();
    let mut seen = HashSet::new();
    let mut rows: Vec<&LiveRow> = request
        .snapshot
        .active_production()
        .into_values()
        .filter(|r| !request.in_git.contains(&r.prompt_name))
        .filter(|r| request.names.is_empty() || request.names.contains(&r.prompt_name))
        .collect();
    rows.sort_by(|a, b| a.prompt_name.cmp(&b.prompt_name));
    for row in rows {
        if !seen.insert(row.prompt_name.clone()) {
            continue;
        }
        let refuse = |reason: String| Refusal {
            prompt_name: row.prompt_name.clone(),
            reason,
        };
        let path = match target(request.prompts_dir, row) {
            Ok(path) => path,
            Err(reason) => {
                refused.push(refuse(reason));
                continue;
            }
        };
        if path.exists() && !request.force {
            refused.push(refuse(format!(
                "{} exists; pass --force to overwrite it",
                path.display()
            )));
            continue;
        }
        match render(row, request, &path) {
            Ok((text, model_filled)) => files.push(ImportedFile {
                prompt_name: row.prompt_name.clone(),
                path,
                text,
                model_filled,
            }),
            Err(reason) => refused.push(refuse(reason)),
        }
    }
    for name in request.names {
        if !seen.contains(name) && !refused.iter().any(|r| &r.prompt_name == name) {
            let reason = if request.in_git.contains(name) {
                "git already has it".to_owned()
            } else {
                "no active production prompt of that name in the store".to_owned()
            };
            refused.push(Refusal {
                prompt_name: name.clone(),
                reason,
            });
        }
    }
    (files, refused)
}

/// `prompts/<subsystem>/<name>.yaml`, or `prompts/<name>.yaml` without a subsystem; only for
/// names that are plain, safe file names.
fn target(prompts_dir: &Path, row: &LiveRow) -> Result<PathBuf, String> {
    safe_segment(&row.prompt_name, "prompt_name")?;
    let mut path = prompts_dir.to_path_buf();
    if let Some(subsystem) = row.subsystem.as_deref().filter(|s| !s.is_empty()) {
        safe_segment(subsystem, "subsystem")?;
        path.push(subsystem);
    }
    path.push(format!("{}.yaml", row.prompt_name));
    // The segments are plain names, so this holds; checked anyway, as the last word.
    let relative = path
        .strip_prefix(prompts_dir)
        .map_err(|_| "the path leaves prompts_dir".to_owned())?;
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return Err("the path leaves prompts_dir".to_owned());
    }
    Ok(path)
}

/// A name that is safe as one path segment: the prompt-name alphabet, not `.`/`..` or hidden.
fn safe_segment(name: &str, field: &str) -> Result<(), String> {
    let shown: String = name.chars().take(60).collect();
    let shown = if name.chars().count() > 60 {
        format!("{shown}…")
    } else {
        shown
    };
    if !crate::prompt::raw::is_valid_name(name) {
        return Err(format!(
            "{field} `{}` is not a valid file name ({NAME_PATTERN}); rename it in the store",
            shown.escape_debug()
        ));
    }
    if name.starts_with('.') {
        return Err(format!(
            "{field} `{shown}` would make a hidden or relative path"
        ));
    }
    Ok(())
}

/// The file's text, and whether the model was filled in.
fn render(
    row: &LiveRow,
    request: &ImportRequest<'_>,
    path: &Path,
) -> Result<(String, bool), String> {
    let model_filled = row.lacks_model();
    let model = if model_filled {
        request.default_model
    } else {
        row.ai_model.as_deref().unwrap_or_default()
    };
    let schema_path = relative_schema_path(path, request.root);
    let quoted = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut text = format!(
        "# yaml-language-server: $schema={schema_path}\n# Imported from {} (revision {}).\nprompt_name: {}\nprompt_version: {}\n",
        request.store,
        request.snapshot.revision,
        row.prompt_name,
        quoted(&row.prompt_version)
    );
    if model_filled {
        text.push_str(&format!(
            "ai_model: {model}   # the store had no model: the default model\n"
        ));
    } else {
        text.push_str(&format!("ai_model: {}\n", quoted(model)));
    }
    for (key, value) in [
        ("description", &row.description),
        ("workflow_step", &row.workflow_step),
        ("subsystem", &row.subsystem),
    ] {
        if let Some(value) = value {
            text.push_str(&format!("{key}: {}\n", quoted(value)));
        }
    }
    if let Some(max_tokens) = row.max_tokens {
        text.push_str(&format!("max_tokens: {max_tokens}\n"));
    }
    if let Some(temperature) = row.temperature {
        text.push_str(&format!("temperature: {}\n", json!(temperature)));
    }
    let canary = match (&row.canary_model, row.canary_percent) {
        (Some(model), Some(percent)) => {
            text.push_str(&format!(
                "canary:\n  ai_model: {}\n  percent: {}\n",
                quoted(model),
                json!(percent)
            ));
            json!({"ai_model": model, "percent": percent})
        }
        _ => Value::Null,
    };
    let schema = |stored: &Option<String>| {
        stored
            .as_deref()
            .map(|t| serde_json::from_str::<Value>(t).unwrap_or(Value::String(t.to_owned())))
    };
    for (key, value) in [
        ("input_schema", schema(&row.input_schema)),
        ("output_schema", schema(&row.output_schema)),
    ] {
        if let Some(value) = value {
            text.push_str(&format!("{key}: {value}\n"));
        }
    }
    let expected = json!({
        "prompt_name": row.prompt_name,
        "prompt_version": row.prompt_version,
        "ai_model": model,
        "description": row.description,
        "workflow_step": row.workflow_step,
        "subsystem": row.subsystem,
        "max_tokens": row.max_tokens,
        "temperature": row.temperature,
        "canary": canary,
        "input_schema": schema(&row.input_schema),
        "output_schema": schema(&row.output_schema),
        "prompt_template": row.prompt_template,
    });
    // A literal block keeps the template readable; where it cannot hold the text exactly, a
    // quoted string does.
    for template in [
        literal_block(&row.prompt_template),
        Some(quoted(&row.prompt_template)),
    ]
    .into_iter()
    .flatten()
    {
        let candidate = format!("{text}prompt_template: {template}");
        if parses_to(&candidate, &expected) {
            return Ok((candidate, model_filled));
        }
    }
    Err("the row cannot be written as YAML that reads back the same".to_owned())
}

/// `|` block for a template, with the chomping its trailing newlines need.
fn literal_block(template: &str) -> Option<String> {
    if template.is_empty()
        || template
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return None;
    }
    let body = template.trim_end_matches('\n');
    let trailing = template.len() - body.len();
    let chomp = match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let indent = if body.starts_with(' ') || body.starts_with('\n') {
        "2"
    } else {
        ""
    };
    let mut out = format!("|{indent}{chomp}\n");
    for line in template.split_inclusive('\n') {
        if line == "\n" {
            out.push('\n');
        } else {
            out.push_str("  ");
            out.push_str(line);
        }
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Some(out)
}

fn parses_to(text: &str, expected: &Value) -> bool {
    let Ok(root) = crate::yaml::parse(text) else {
        return false;
    };
    let mut actual = root.to_json();
    let mut expected = expected.clone();
    for value in [&mut actual, &mut expected] {
        if let Value::Object(map) = value {
            map.retain(|_, v| !v.is_null());
        }
    }
    actual == expected
}

/// `../../schemas/prompt.schema.json` from the file's folder to the project root.
fn relative_schema_path(file: &Path, root: &Path) -> String {
    match file.parent().and_then(|dir| dir.strip_prefix(root).ok()) {
        Some(inside) => {
            let ups = inside.components().count();
            format!("{}schemas/prompt.schema.json", "../".repeat(ups))
        }
        None => root
            .join("schemas/prompt.schema.json")
            .display()
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_blocks_keep_every_newline() {
        assert_eq!(literal_block("a\nb\n").unwrap(), "|\n  a\n  b\n");
        assert_eq!(literal_block("a").unwrap(), "|-\n  a\n");
        assert_eq!(literal_block("a\n\n").unwrap(), "|+\n  a\n\n");
        assert_eq!(literal_block("  indented\n").unwrap(), "|2\n    indented\n");
        assert!(literal_block("bell\u{7}").is_none());
    }

    #[test]
    fn unsafe_names_are_refused() {
        for name in [
            "../x",
            "/etc/passwd",
            "a/b",
            "",
            ".",
            "..",
            ".hidden",
            "A",
            "a b",
            &"x".repeat(10_000),
        ] {
            assert!(safe_segment(name, "prompt_name").is_err(), "{name:?}");
        }
        assert!(safe_segment("generate_questions.v2-beta", "prompt_name").is_ok());
    }
}
