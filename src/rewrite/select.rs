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
    /// Every prompt on a deprecated or retired model, to that model's successor.
    Successors,
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
            Selector::Successors => {
                let current = catalog.get(root.get("ai_model").and_then(Node::as_str)?)?;
                let successor = current.successor.clone()?;
                (current.lifecycle(today) != Lifecycle::Active).then_some(successor)
            }
        }
    }
}

/// A file that could not be edited, and why.
pub type Failure = (Arc<Path>, RewriteError);

/// The edits a selector makes to the prompt files under `dir`, and the files it could not
/// edit. Files already on their target model are left out.
pub fn plan_edits(
    dir: &Path,
    selector: &Selector,
    catalog: &Catalog,
) -> (Vec<Edit>, Vec<(Arc<Path>, RewriteError)>) {
    let today = crate::catalog::today();
    let (paths, problems) = source::discover(&[dir.to_path_buf()]);
    let mut failures: Vec<Failure> = problems
        .into_iter()
        .map(|d| (Arc::clone(&d.file), super::refuse(d.message)))
        .collect();
    let results: Vec<Option<Result<Edit, Failure>>> = paths
        .par_iter()
        .map(|path| {
            let fail = |error: RewriteError| Some(Err((Arc::clone(path), error)));
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
            let new_model = selector.target(&root, catalog, &today)?;
            let old_model = root
                .get("ai_model")
                .and_then(Node::as_str)
                .map(str::to_owned);
            if old_model.as_deref() == Some(new_model.as_str()) {
                return None;
            }
            match set_ai_model(&text, &root, &new_model) {
                Ok(after) => Some(Ok(Edit {
                    path: Arc::clone(path),
                    before: text,
                    after,
                    old_model,
                    new_model,
                })),
                Err(error) => fail(error),
            }
        })
        .collect();
    let mut edits = Vec::new();
    for result in results.into_iter().flatten() {
        match result {
            Ok(edit) => edits.push(edit),
            Err(failure) => failures.push(failure),
        }
    }
    (edits, failures)
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
