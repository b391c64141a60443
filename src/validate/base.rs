//! `validate --base REF`: each prompt beside its file at a git revision, with no store needed
//! (so it runs on pull requests from forks, which get no secrets).
//!
//! A prompt whose template or schemas changed while `prompt_version` did not is an error at the
//! `prompt_version` line: the store keeps one template per version, so `plan` would refuse it
//! later, after review. A prompt that is gone or renamed is a warning. Everything the change
//! touches is listed, with its version and model before → after.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value as Json;

use super::Validation;
use crate::diag::{Code, Diagnostic};
use crate::prompt::Prompt;
use crate::yaml::{self, Span};

/// A prompt file as it is at the base revision.
#[derive(Clone, Debug)]
pub struct BaseFile {
    /// Where it would be in the working tree.
    pub path: PathBuf,
    pub text: String,
}

/// How a prompt differs from the base revision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    Added,
    Changed,
    Renamed,
    Removed,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Changed => "changed",
            ChangeKind::Renamed => "renamed",
            ChangeKind::Removed => "removed",
        }
    }
}

/// One prompt the change touches.
#[derive(Clone, Debug, PartialEq)]
pub struct PromptChange {
    pub prompt_name: String,
    pub change: ChangeKind,
    /// The file now, or at the base revision for a removed prompt.
    pub file: PathBuf,
    /// For a rename: the name at the base revision.
    pub renamed_from: Option<String>,
    pub version_before: Option<String>,
    pub version_after: Option<String>,
    pub model_before: Option<String>,
    pub model_after: Option<String>,
    /// The file has errors now: its fields were read leniently, for this list only.
    pub has_errors: bool,
}

/// What comparing with the base revision found.
#[derive(Debug, Default)]
pub struct Comparison {
    /// Every prompt added, changed, renamed or removed, by name.
    pub changes: Vec<PromptChange>,
    /// `version-not-bumped` errors and `prompt-removed` warnings.
    pub diagnostics: Vec<Diagnostic>,
}

/// The fields that make a version: changing one needs a new `prompt_version`.
const CONTENT: [&str; 3] = ["prompt_template", "input_schema", "output_schema"];

/// The fields compared to decide whether a prompt changed at all.
const FIELDS: [&str; 11] = [
    "prompt_version",
    "ai_model",
    "prompt_template",
    "description",
    "workflow_step",
    "subsystem",
    "max_tokens",
    "temperature",
    "is_active",
    "input_schema",
    "output_schema",
];

/// Compare the prompts `validation` found with the `base` files (read at revision `base_name`,
/// named in messages). Files with errors are not compared, but their names still count as
/// present, so a broken file is not also reported as removed.
pub fn compare(validation: &Validation, base: &[BaseFile], base_name: &str) -> Comparison {
    let base_prompts = read_base(base);
    let mut present: HashSet<String> = validation
        .prompts
        .iter()
        .map(|p| p.prompt_name().to_owned())
        .collect();
    present.extend(validation.sources.values().filter_map(|text| name_of(text)));
    let head_by_file: HashMap<PathBuf, &Prompt> = validation
        .prompts
        .iter()
        .map(|p| (absolute(&p.origin().file), p))
        .collect();

    let mut comparison = Comparison::default();
    for prompt in &validation.prompts {
        let fields = fields_of(prompt);
        let Some(before) = base_prompts.get(prompt.prompt_name()) else {
            comparison
                .changes
                .push(change(prompt, &fields, None, ChangeKind::Added));
            continue;
        };
        if FIELDS
            .iter()
            .all(|f| field(&fields, f) == field(&before.fields, f))
        {
            continue;
        }
        comparison.changes.push(change(
            prompt,
            &fields,
            Some(&before.fields),
            ChangeKind::Changed,
        ));
        let changed: Vec<&str> = CONTENT
            .into_iter()
            .filter(|f| field(&fields, f) != field(&before.fields, f))
            .collect();
        if !changed.is_empty()
            && field(&fields, "prompt_version") == field(&before.fields, "prompt_version")
        {
            comparison
                .diagnostics
                .push(not_bumped(prompt, &changed, base_name));
        }
    }
    for (name, before) in &base_prompts {
        if present.contains(name) {
            continue;
        }
        // A file that now holds a name the base did not have: the prompt was renamed.
        let renamed_to = head_by_file
            .get(&absolute(&before.path))
            .copied()
            .filter(|prompt| !base_prompts.contains_key(prompt.prompt_name()));
        match renamed_to {
            Some(prompt) => {
                // The new name's entry (an "added") becomes the rename.
                comparison
                    .changes
                    .retain(|c| c.prompt_name != prompt.prompt_name());
                comparison
                    .diagnostics
                    .push(renamed(prompt, name, base_name));
                comparison.changes.push(PromptChange {
                    file: before.path.clone(),
                    renamed_from: Some(name.clone()),
                    ..change(
                        prompt,
                        &fields_of(prompt),
                        Some(&before.fields),
                        ChangeKind::Renamed,
                    )
                });
            }
            None => {
                comparison
                    .diagnostics
                    .push(removed(&before.path, name, base_name));
                comparison.changes.push(PromptChange {
                    prompt_name: name.clone(),
                    change: ChangeKind::Removed,
                    file: before.path.clone(),
                    renamed_from: None,
                    version_before: string(&before.fields, "prompt_version"),
                    version_after: None,
                    model_before: string(&before.fields, "ai_model"),
                    model_after: None,
                    has_errors: false,
                });
            }
        }
    }
    // A file with errors is still part of the change: listed (added or changed, as far as its
    // fields can be read), so a reviewer sees every prompt the pull request touches.
    for (path, text) in &validation.sources {
        if head_by_file.contains_key(&absolute(path)) {
            continue;
        }
        let Some(Json::Object(fields)) = yaml::from_str::<Json>(text).ok() else {
            continue;
        };
        let Some(name) = string(&fields, "prompt_name") else {
            continue;
        };
        let before = base_prompts.get(&name).map(|b| &b.fields);
        if before.is_some_and(|before| FIELDS.iter().all(|f| field(&fields, f) == field(before, f)))
        {
            continue;
        }
        comparison.changes.push(PromptChange {
            prompt_name: name,
            change: if before.is_some() {
                ChangeKind::Changed
            } else {
                ChangeKind::Added
            },
            file: path.to_path_buf(),
            renamed_from: None,
            version_before: before.and_then(|b| string(b, "prompt_version")),
            version_after: string(&fields, "prompt_version"),
            model_before: before.and_then(|b| string(b, "ai_model")),
            model_after: string(&fields, "ai_model"),
            has_errors: true,
        });
    }
    comparison
        .changes
        .sort_by(|a, b| a.prompt_name.cmp(&b.prompt_name));
    comparison
}

/// A prompt at the base revision: only its fields, read leniently (the base may not pass
/// today's rules, and it is not what is being checked).
struct BasePrompt {
    path: PathBuf,
    fields: serde_json::Map<String, Json>,
}

fn read_base(base: &[BaseFile]) -> BTreeMap<String, BasePrompt> {
    let mut prompts = BTreeMap::new();
    for file in base {
        let Ok(Json::Object(fields)) = yaml::from_str_strict::<Json>(&file.text) else {
            continue;
        };
        let Some(name) = fields.get("prompt_name").and_then(Json::as_str) else {
            continue;
        };
        prompts.entry(name.to_owned()).or_insert(BasePrompt {
            path: file.path.clone(),
            fields,
        });
    }
    prompts
}

/// The `prompt_name` of a file that may not be valid.
fn name_of(text: &str) -> Option<String> {
    match yaml::from_str::<Json>(text).ok()? {
        Json::Object(mut fields) => match fields.remove("prompt_name")? {
            Json::String(name) => Some(name),
            _ => None,
        },
        _ => None,
    }
}

fn fields_of(prompt: &Prompt) -> serde_json::Map<String, Json> {
    let mut fields = serde_json::Map::new();
    let mut put = |name: &str, value: Option<Json>| {
        if let Some(value) = value {
            fields.insert(name.to_owned(), value);
        }
    };
    put("prompt_name", Some(prompt.prompt_name().into()));
    put("prompt_version", Some(prompt.prompt_version().into()));
    put("ai_model", Some(prompt.ai_model().into()));
    put("prompt_template", Some(prompt.prompt_template().into()));
    put("description", prompt.description().map(Json::from));
    put("workflow_step", prompt.workflow_step().map(Json::from));
    put("subsystem", prompt.subsystem().map(Json::from));
    put("max_tokens", prompt.max_tokens().map(Json::from));
    put("temperature", prompt.temperature().map(Json::from));
    put("is_active", Some(prompt.is_active().into()));
    let parsed = |text: Option<&str>| text.and_then(|t| serde_json::from_str(t).ok());
    put("input_schema", parsed(prompt.input_schema()));
    put("output_schema", parsed(prompt.output_schema()));
    fields
}

/// A field as compared: absent is null, `is_active` absent is `true`, numbers by value.
fn field(fields: &serde_json::Map<String, Json>, name: &str) -> Json {
    match (name, fields.get(name)) {
        ("is_active", None) => Json::Bool(true),
        (_, Some(Json::Number(n))) => n.as_f64().map_or(Json::Null, Json::from),
        (_, value) => value.cloned().unwrap_or(Json::Null),
    }
}

fn string(fields: &serde_json::Map<String, Json>, name: &str) -> Option<String> {
    fields.get(name).and_then(Json::as_str).map(str::to_owned)
}

fn change(
    prompt: &Prompt,
    fields: &serde_json::Map<String, Json>,
    before: Option<&serde_json::Map<String, Json>>,
    kind: ChangeKind,
) -> PromptChange {
    PromptChange {
        prompt_name: prompt.prompt_name().to_owned(),
        change: kind,
        file: prompt.origin().file.to_path_buf(),
        renamed_from: None,
        version_before: before.and_then(|b| string(b, "prompt_version")),
        version_after: string(fields, "prompt_version"),
        model_before: before.and_then(|b| string(b, "ai_model")),
        model_after: string(fields, "ai_model"),
        has_errors: false,
    }
}

fn not_bumped(prompt: &Prompt, changed: &[&str], base_name: &str) -> Diagnostic {
    let file = &prompt.origin().file;
    let what = match changed {
        [one] => format!("`{one}`"),
        many => many
            .iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(" and "),
    };
    Diagnostic::error(
        Code::VersionNotBumped,
        file,
        crate::prompt::source::field_span(file, "prompt_version"),
        format!(
            "`{}`: {what} changed since {base_name}, but `prompt_version` is still `{}`",
            prompt.prompt_name(),
            prompt.prompt_version()
        ),
    )
    .with_help(
        "give the prompt a new `prompt_version`: the store keeps one template per version, and `plan` refuses to change a version's template in place",
    )
}

fn renamed(prompt: &Prompt, old_name: &str, base_name: &str) -> Diagnostic {
    let file = &prompt.origin().file;
    Diagnostic::warning(
        Code::PromptRemoved,
        file,
        crate::prompt::source::field_span(file, "prompt_name"),
        format!(
            "`{old_name}` was renamed to `{}` since {base_name}: applications that ask for `{old_name}` will keep getting its last version",
            prompt.prompt_name()
        ),
    )
    .with_help(format!(
        "`plan --prune` deactivates `{old_name}` in the store once nothing reads it"
    ))
}

fn removed(path: &Path, name: &str, base_name: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::PromptRemoved,
        &Arc::from(path),
        Span::FILE,
        format!("`{name}` was removed since {base_name}: the store keeps serving its last version"),
    )
    .with_help(format!(
        "`plan --prune` deactivates `{name}` in the store; keep the file with `is_active: false` to say so in git"
    ))
}

fn absolute(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    absolute.canonicalize().unwrap_or(absolute)
}

/// `v1 → v2`, `v1`, or `—`: a value before and after, for people.
fn before_after(before: Option<&str>, after: Option<&str>) -> String {
    match (before, after) {
        (Some(b), Some(a)) if a == b => a.to_owned(),
        (Some(b), Some(a)) => format!("{b} → {a}"),
        (None, Some(a)) => format!("— → {a}"),
        (Some(b), None) => format!("{b} → —"),
        (None, None) => "—".to_owned(),
    }
}

impl PromptChange {
    /// What it is called now, and what it was called for a rename.
    fn title(&self) -> String {
        match &self.renamed_from {
            Some(old) => format!("{} (was {old})", self.prompt_name),
            None => self.prompt_name.clone(),
        }
    }

    /// The title, marked when the file has errors.
    fn title_with_state(&self) -> String {
        if self.has_errors {
            format!("{} (has errors)", self.title())
        } else {
            self.title()
        }
    }

    pub fn versions(&self) -> String {
        before_after(
            self.version_before.as_deref(),
            self.version_after.as_deref(),
        )
    }

    pub fn models(&self) -> String {
        before_after(self.model_before.as_deref(), self.model_after.as_deref())
    }
}

/// The prompts the change touches, for a terminal: one line each.
pub fn text(changes: &[PromptChange], base_name: &str, commit: &str) -> String {
    let short = &commit[..commit.len().min(12)];
    if changes.is_empty() {
        return format!("Compared with {base_name} ({short}): no prompt changed\n");
    }
    let mut table = crate::table::Table::new(["  change", "prompt", "version", "model"]);
    for c in changes {
        table.row([
            format!("  {}", c.change.as_str()),
            c.title_with_state(),
            c.versions(),
            c.models(),
        ]);
    }
    format!(
        "Compared with {base_name} ({short}): {} prompt{} changed\n{}",
        changes.len(),
        if changes.len() == 1 { "" } else { "s" },
        table.render()
    )
}

/// The prompts the change touches, as a Markdown table of at most `max_rows` rows.
pub fn markdown(
    changes: &[PromptChange],
    base_name: &str,
    commit: &str,
    max_rows: usize,
) -> String {
    use crate::markdown::{cell, code};
    let short = &commit[..commit.len().min(12)];
    let mut out = format!(
        "\n#### Prompts changed since `{}` (`{}`)\n\n",
        code(base_name),
        code(short)
    );
    if changes.is_empty() {
        out.push_str("None.\n");
        return out;
    }
    out.push_str("| prompt | change | version | model |\n|---|---|---|---|\n");
    for c in changes.iter().take(max_rows) {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            code(&c.title()),
            if c.has_errors {
                format!("{} (has errors)", c.change.as_str())
            } else {
                c.change.as_str().to_owned()
            },
            cell(&c.versions()),
            cell(&c.models())
        ));
    }
    if changes.len() > max_rows {
        out.push_str(&format!(
            "\n_…and {} more prompts._\n",
            changes.len() - max_rows
        ));
    }
    out
}
