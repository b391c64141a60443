//! Which files `set-model` edits, and to which model.

use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use super::{Edit, RewriteError, set_ai_model};
use crate::catalog::{Catalog, Lifecycle};
use crate::glob::glob;
use crate::prompt::source;
use crate::yaml::{self, Node};

/// A field `--where` can test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    PromptName,
    Subsystem,
    WorkflowStep,
    AiModel,
}

impl Field {
    pub fn parse(key: &str) -> Option<Field> {
        match key {
            "prompt_name" => Some(Field::PromptName),
            "subsystem" => Some(Field::Subsystem),
            "workflow_step" => Some(Field::WorkflowStep),
            "ai_model" => Some(Field::AiModel),
            _ => None,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Field::PromptName => "prompt_name",
            Field::Subsystem => "subsystem",
            Field::WorkflowStep => "workflow_step",
            Field::AiModel => "ai_model",
        }
    }
}

/// `--where KEY=VALUE`; `*` in the value matches any run of characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhereClause {
    pub field: Field,
    pub pattern: String,
}

impl WhereClause {
    /// `subsystem=incidents`, as given.
    pub fn describe(&self) -> String {
        format!("{}={}", self.field.key(), self.pattern)
    }

    /// Parse `KEY=VALUE`, or say what is wrong.
    pub fn parse(text: &str) -> Result<WhereClause, String> {
        let (key, pattern) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}` is not KEY=VALUE"))?;
        let field = Field::parse(key.trim()).ok_or_else(|| {
            format!("`{key}` cannot be selected on: use subsystem, workflow_step, ai_model or prompt_name")
        })?;
        Ok(WhereClause {
            field,
            pattern: pattern.trim().to_owned(),
        })
    }

    fn matches(&self, root: &Node) -> bool {
        let value = root
            .get(self.field.key())
            .and_then(Node::as_str)
            .unwrap_or_default();
        self.matches_value(value)
    }

    /// Whether the field's value `value` matches.
    pub fn matches_value(&self, value: &str) -> bool {
        glob(&self.pattern, value)
    }
}

/// Which prompts to move, and where.
#[derive(Clone, Debug)]
pub enum Selector {
    /// To `model`: the prompts named (any, when empty) that match every clause, or all.
    To {
        model: String,
        names: Vec<String>,
        clauses: Vec<WhereClause>,
        all: bool,
    },
    /// Every prompt on a model that is deprecated or retired, or is deprecated within
    /// `window` days (as the `deprecation-soon` warning says), to that model's successor.
    Successors { window: u32 },
}

impl Selector {
    /// The model a file moves to, or `None` if the selector leaves it alone.
    fn target(&self, root: &Node, catalog: &Catalog, today: &str) -> Option<String> {
        match self {
            Selector::To {
                model,
                names,
                clauses,
                all,
            } => {
                let name = root
                    .get("prompt_name")
                    .and_then(Node::as_str)
                    .unwrap_or_default();
                let named = names.is_empty() || names.iter().any(|n| n == name);
                let selected = (*all || !names.is_empty() || !clauses.is_empty())
                    && named
                    && clauses.iter().all(|c| c.matches(root));
                selected.then(|| model.clone())
            }
            Selector::Successors { window } => {
                let current = catalog.get(root.get("ai_model").and_then(Node::as_str)?)?;
                let successor = current.successor.clone()?;
                let soon = current.deprecated_on.as_deref().is_some_and(|date| {
                    crate::time::days_between(today, date)
                        .is_some_and(|days| days <= i64::from(*window))
                });
                (current.lifecycle(today) != Lifecycle::Active || soon).then_some(successor)
            }
        }
    }
}

/// A file that could not be edited, and why.
pub type Failure = (Arc<Path>, RewriteError);

/// What a selector found among the prompt files.
#[derive(Debug, Default)]
pub struct Planned {
    /// The edits, one per file not already on its target model.
    pub edits: Vec<Edit>,
    /// Files that could not be read or edited.
    pub failures: Vec<Failure>,
    /// How many prompts the selector selected, those already on their model included.
    pub selected: usize,
    /// The `prompt_name` of every prompt file read, for "did you mean".
    pub names: Vec<String>,
}

/// The edits a selector makes to the prompt files under `dir`, the files it could not edit,
/// and what it selected. Files already on their target model have no edit.
pub fn plan_edits(dir: &Path, selector: &Selector, catalog: &Catalog) -> Planned {
    let today = crate::catalog::today();
    let (paths, problems) = source::discover(&[dir.to_path_buf()]);
    let failures: Vec<Failure> = problems
        .into_iter()
        .map(|d| (Arc::clone(&d.file), super::refuse(d.message)))
        .collect();
    /// What one file gave: its name, and its edit or why none could be made (`None`: not
    /// selected, or already on its model).
    type Found = (Option<String>, bool, Option<Result<Edit, Failure>>);
    let results: Vec<Found> = paths
        .par_iter()
        .map(|path| {
            let fail = |error: RewriteError| (None, false, Some(Err((Arc::clone(path), error))));
            let text = match source::read(path) {
                Ok(source) => source.text.to_string(),
                Err(diagnostic) => return fail(super::refuse(diagnostic.message)),
            };
            let root = match yaml::parse(&text) {
                Ok(root) => root,
                Err(error) => {
                    return fail(super::refuse(format!(
                        "{}:{}: {}",
                        error.span.line, error.span.column, error.message
                    )));
                }
            };
            let name = root
                .get("prompt_name")
                .and_then(Node::as_str)
                .map(str::to_owned);
            let Some(new_model) = selector.target(&root, catalog, &today) else {
                return (name, false, None);
            };
            let old_model = root
                .get("ai_model")
                .and_then(Node::as_str)
                .map(str::to_owned);
            if old_model.as_deref() == Some(new_model.as_str()) {
                return (name, true, None);
            }
            let edit = match set_ai_model(&text, &root, &new_model) {
                Ok(after) => Ok(Edit {
                    path: Arc::clone(path),
                    before: text,
                    after,
                    old_model,
                    new_model,
                }),
                Err(error) => Err((Arc::clone(path), error)),
            };
            (name, true, Some(edit))
        })
        .collect();
    let mut planned = Planned {
        failures,
        ..Planned::default()
    };
    for (name, selected, result) in results {
        planned.names.extend(name);
        planned.selected += usize::from(selected);
        match result {
            Some(Ok(edit)) => planned.edits.push(edit),
            Some(Err(failure)) => planned.failures.push(failure),
            None => {}
        }
    }
    planned
}

/// Write the edits, each atomically (temporary file and rename), in parallel. The files are
/// in git; like `sed -i` or an editor, no fsync each.
pub fn write(edits: &[Edit]) -> Vec<(Arc<Path>, std::io::Error)> {
    let write_all = || -> Vec<(Arc<Path>, std::io::Error)> {
        edits
            .par_iter()
            .filter_map(|edit| {
                crate::fsutil::write_replacing(&edit.path, edit.after.as_bytes(), false)
                    .err()
                    .map(|e| (Arc::clone(&edit.path), e))
            })
            .collect()
    };
    // Replacing a file waits on the disk (ext4 flushes the new data on a rename over an old
    // file, and may discard the old blocks): more threads than cores keep the disk busy.
    match rayon::ThreadPoolBuilder::new().num_threads(8).build() {
        Ok(pool) => pool.install(write_all),
        Err(_) => write_all(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn where_clauses_parse_and_refuse_other_keys() {
        assert_eq!(
            WhereClause::parse("subsystem=incidents").unwrap().field,
            Field::Subsystem
        );
        assert!(WhereClause::parse("temperature=1").is_err());
        assert!(WhereClause::parse("subsystem").is_err());
    }
}
