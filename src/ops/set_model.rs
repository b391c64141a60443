//! `set-model`: rewrite `ai_model` in the selected prompt files, keeping comments and layout —
//! only where the result passes what `validate` would check. An edit that would give a file
//! an error (a retired model, `max_tokens` above the model's output, a `temperature` the model
//! does not take, a mandatory policy) refuses the whole run: no file is written.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::diag::{Diagnostic, Severity};
use crate::rewrite::{self, Edit, Failure, Selector};
use crate::settings::Settings;
use crate::validate::Validator;

use super::OpsError;

/// What a run did or would do.
pub struct SetModelReport {
    /// The edits made (or, with `dry_run`, those that would be).
    pub edits: Vec<Edit>,
    /// Files that could not be read or edited.
    pub failures: Vec<Failure>,
    /// Files that could not be written, after the edits were checked.
    pub unwritten: Vec<(Arc<Path>, std::io::Error)>,
}

/// Why nothing was written.
#[derive(Debug)]
pub struct Refused {
    /// The errors the edited files would have, placed in the edited text.
    pub diagnostics: Vec<Diagnostic>,
    pub sources: HashMap<Arc<Path>, Arc<str>>,
}

/// Rewrite the files `selector` picks, or refuse: a selector that names a prompt no file has,
/// or selects nothing, is an error naming the nearest names; edits that `validate` would
/// refuse leave every file as it was.
pub fn set_model(
    settings: &Settings,
    selector: &Selector,
    dry_run: bool,
) -> Result<Result<SetModelReport, Refused>, OpsError> {
    let planned = rewrite::plan_edits(&settings.prompts_dir, selector, &settings.catalog);
    check_selection(selector, &planned)?;
    let refused = check_edits(settings, &planned.edits);
    if !refused.diagnostics.is_empty() {
        return Ok(Err(refused));
    }
    let unwritten = if dry_run {
        Vec::new()
    } else {
        rewrite::write(&planned.edits)
    };
    Ok(Ok(SetModelReport {
        edits: planned.edits,
        failures: planned.failures,
        unwritten,
    }))
}

/// A name given with `--prompt` that no file has, or a selection of nothing, is a mistake to
/// point out, not "0 files changed".
fn check_selection(selector: &Selector, planned: &rewrite::Planned) -> Result<(), OpsError> {
    let Selector::To { names, clauses, .. } = selector else {
        return Ok(());
    };
    for name in names {
        if !planned.names.iter().any(|n| n == name) {
            return Err(super::no_such_prompt(
                name,
                planned.names.iter().map(String::as_str),
            ));
        }
    }
    if planned.selected == 0 && planned.failures.is_empty() {
        let asked: Vec<String> = clauses
            .iter()
            .map(|c| format!("--where {}", c.describe()))
            .collect();
        return Err(OpsError::Refused(format!(
            "{} selects no prompt file{}",
            if asked.is_empty() {
                "the selection".to_owned()
            } else {
                asked.join(" ")
            },
            clause_hint(clauses, &planned.names)
        )));
    }
    Ok(())
}

/// For a `prompt_name` clause, the nearest names.
fn clause_hint(clauses: &[rewrite::WhereClause], names: &[String]) -> String {
    clauses
        .iter()
        .find(|c| c.field == rewrite::Field::PromptName)
        .and_then(|c| {
            let pattern = c.pattern.replace('*', "");
            let nearest = crate::suggest::nearest(&pattern, names.iter().map(String::as_str), 3);
            crate::suggest::did_you_mean(&nearest)
        })
        .map(|h| format!("; {h}"))
        .unwrap_or_default()
}

/// The errors the edited files would have that they do not have now, and the policies their
/// prompts would break: what `validate` would say after the run.
fn check_edits(settings: &Settings, edits: &[Edit]) -> Refused {
    let mut validator = Validator::new(&settings.catalog, &settings.default_model);
    validator.deprecation_window = settings.deprecation_window();
    let mut refused = Refused {
        diagnostics: Vec::new(),
        sources: HashMap::new(),
    };
    let errors = |text: &str, path: &Path| -> (Vec<Diagnostic>, Option<crate::prompt::Prompt>) {
        match validator.validate_text(path, text) {
            Ok(prompt) => (Vec::new(), Some(prompt)),
            Err(found) => (
                found
                    .into_iter()
                    .filter(|d| d.severity == Severity::Error)
                    .collect(),
                None,
            ),
        }
    };
    let mut prompts = Vec::new();
    for edit in edits {
        let (before, _) = errors(&edit.before, &edit.path);
        let (after, prompt) = errors(&edit.after, &edit.path);
        let new: Vec<Diagnostic> = after
            .into_iter()
            .filter(|d| {
                !before
                    .iter()
                    .any(|b| b.code == d.code && b.message == d.message)
            })
            .collect();
        if !new.is_empty() {
            refused
                .sources
                .insert(Arc::clone(&edit.path), Arc::from(edit.after.as_str()));
            refused.diagnostics.extend(new);
        }
        prompts.extend(prompt);
    }
    let violations = super::check_policies(
        settings,
        &crate::overlay::overlaid(&settings.overlay, &prompts, &settings.catalog),
    );
    let blocking: Vec<_> = violations.into_iter().filter(|v| v.blocks()).collect();
    let edited = |path: &Path| edits.iter().find(|e| &*e.path == path).map(|e| &e.after);
    for diagnostic in crate::policy::diagnostics_in(&blocking, &|path| edited(path).cloned()) {
        if let Some(text) = edited(&diagnostic.file) {
            refused
                .sources
                .insert(Arc::clone(&diagnostic.file), Arc::from(text.as_str()));
        }
        refused.diagnostics.push(diagnostic);
    }
    refused
}
