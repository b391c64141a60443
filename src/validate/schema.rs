//! The schema step: a parsed file against `prompt.schema.json`, each error mapped back to the
//! line of the key or value at fault (as taplo does) and to one of our codes.
//!
//! For `required` and `additionalProperties` the instance path is the parent object, so the
//! key comes from the error kind.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::LocationSegment;
use serde_json::Value as Json;

use crate::catalog::Catalog;
use crate::diag::{Code, Diagnostic};
use crate::suggest::{did_you_mean, nearest};
use crate::yaml::{Node, PathSegment, Value};

/// The compiled prompt schema and what its messages need.
pub struct PromptSchema {
    validator: jsonschema::Validator,
    fields: Vec<String>,
}

impl PromptSchema {
    pub fn new(catalog: &Catalog) -> PromptSchema {
        let schema = crate::prompt::schema::prompt_schema(catalog);
        let fields = schema["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        let validator = match jsonschema::draft202012::new(&schema) {
            Ok(validator) => validator,
            // The schema is generated from our types and checked by a unit test.
            Err(error) => unreachable!("generated prompt schema does not compile: {error}"),
        };
        PromptSchema { validator, fields }
    }

    /// Whether `json` passes, without collecting errors.
    pub fn is_valid(&self, json: &Json) -> bool {
        self.validator.is_valid(json)
    }

    /// Check `json` (the file's root, already known to be a mapping). Returns the diagnostics
    /// and the top-level fields they concern, which the typed reader then leaves out.
    pub fn check(
        &self,
        json: &Json,
        root: &Node,
        file: &Arc<Path>,
        catalog: &Catalog,
        default_model: &str,
    ) -> (Vec<Diagnostic>, BTreeSet<String>) {
        let mut diagnostics = Vec::new();
        let mut bad_fields = BTreeSet::new();
        invalid_keys(root, file, &mut diagnostics);
        if self.validator.is_valid(json) {
            return (diagnostics, bad_fields);
        }
        let mut errors: Vec<jsonschema::ValidationError<'_>> =
            self.validator.iter_errors(json).collect();
        // A value of the wrong type fails its other keywords too (`ai_model: 42` is also not in
        // the enum); its type is the one problem worth saying.
        let mistyped: Vec<String> = errors
            .iter()
            .filter(|e| matches!(e.kind(), ValidationErrorKind::Type { .. }))
            .map(|e| e.instance_path().as_str().to_owned())
            .collect();
        errors.retain(|e| {
            matches!(e.kind(), ValidationErrorKind::Type { .. })
                || !mistyped.contains(&e.instance_path().as_str().to_owned())
        });
        // A typo of a required field (`ai_modle`) is one problem, said by the unknown field.
        let typos: Vec<&str> = errors
            .iter()
            .filter_map(|e| match e.kind() {
                ValidationErrorKind::AdditionalProperties { unexpected } => Some(unexpected),
                _ => None,
            })
            .flatten()
            .filter_map(|key| {
                nearest(key, self.fields.iter().map(String::as_str), 1)
                    .first()
                    .copied()
            })
            .collect();
        let missing_typed: Vec<String> = errors
            .iter()
            .filter_map(|e| match e.kind() {
                ValidationErrorKind::Required { property } => property.as_str().map(str::to_owned),
                _ => None,
            })
            .filter(|key| typos.contains(&key.as_str()))
            .collect();
        errors.retain(|e| match e.kind() {
            ValidationErrorKind::Required { property } => !missing_typed
                .iter()
                .any(|key| Some(key.as_str()) == property.as_str()),
            _ => true,
        });
        for error in errors {
            let path: Vec<PathSegment<String>> = error
                .instance_path()
                .iter()
                .map(|segment| match segment {
                    LocationSegment::Property(key) => PathSegment::Key(key.into_owned()),
                    LocationSegment::Index(index) => PathSegment::Index(index),
                })
                .collect();
            if let Some(PathSegment::Key(field)) = path.first() {
                bad_fields.insert(field.clone());
            }
            let node = root.find(path.iter().cloned());
            let field = dotted(&path);
            let kind = error.kind();
            let diagnostic = match kind {
                ValidationErrorKind::Required { property } => {
                    let key = property.as_str().unwrap_or_default();
                    if key == "ai_model" {
                        Diagnostic::error(
                            Code::MissingAiModel,
                            file,
                            node.span,
                            "missing required field `ai_model`",
                        )
                        .with_help(format!(
                            "every prompt names its model; add `ai_model: {default_model}` (the default model)"
                        ))
                    } else {
                        Diagnostic::error(
                            Code::MissingField,
                            file,
                            node.span,
                            format!("missing required field `{key}`"),
                        )
                    }
                }
                ValidationErrorKind::AdditionalProperties { unexpected } => {
                    for key in unexpected {
                        bad_fields.insert(key.clone());
                        let span = node.entry(key).map_or(node.span, |(k, _)| k.span);
                        let mut diagnostic = Diagnostic::error(
                            Code::UnknownField,
                            file,
                            span,
                            format!("unknown field `{key}`"),
                        );
                        let candidates = nearest(key, self.fields.iter().map(String::as_str), 1);
                        diagnostic.help = did_you_mean(&candidates)
                            .or_else(|| Some(format!("the fields are {}", self.fields.join(", "))));
                        diagnostics.push(diagnostic);
                    }
                    continue;
                }
                ValidationErrorKind::Type { kind } => Diagnostic::error(
                    Code::WrongType,
                    file,
                    node.span,
                    format!(
                        "`{field}` must be {}, found {}",
                        expected_type(kind),
                        node.type_name()
                    ),
                ),
                ValidationErrorKind::Enum { .. }
                    if field == "ai_model" || field == "canary.ai_model" =>
                {
                    // The catalog's own rule, as every write to a store checks it.
                    let id = node.as_str().unwrap_or_default();
                    let mut problems = catalog.check_use(id, None, None, "");
                    match problems.pop() {
                        Some(problem) => {
                            Diagnostic::error(problem.code(), file, node.span, problem.message())
                                .with_help(problem.help())
                        }
                        None => continue,
                    }
                }
                ValidationErrorKind::Pattern { .. } => pattern_problem(&field, node, file),
                ValidationErrorKind::Minimum { limit } | ValidationErrorKind::Maximum { limit } => {
                    let code = if field == "temperature" {
                        Code::TemperatureOutOfRange
                    } else {
                        Code::InvalidValue
                    };
                    let below = matches!(kind, ValidationErrorKind::Minimum { .. });
                    let range = match field.as_str() {
                        "temperature" => "between 0 and 2".to_owned(),
                        "canary.percent" => "above 0 and below 100".to_owned(),
                        _ if below => format!("at least {limit}"),
                        _ => format!("at most {limit}"),
                    };
                    Diagnostic::error(
                        code,
                        file,
                        node.span,
                        format!("`{field}` must be {range}, found {}", json_short(node)),
                    )
                }
                _ => Diagnostic::error(
                    Code::InvalidValue,
                    file,
                    node.span,
                    format!("`{field}`: {}", error.kind_message()),
                ),
            };
            diagnostics.push(diagnostic);
        }
        (diagnostics, bad_fields)
    }
}

/// A short message for the error kinds without a mapping of their own.
trait KindMessage {
    fn kind_message(&self) -> String;
}

impl KindMessage for jsonschema::ValidationError<'_> {
    fn kind_message(&self) -> String {
        let text = self.to_string();
        // jsonschema quotes the whole value first; a template can be kilobytes long.
        if text.len() > 200 {
            format!("{}…", &text[..text.floor_char_boundary(200)])
        } else {
            text
        }
    }
}

fn pattern_problem(field: &str, node: &Node, file: &Arc<Path>) -> Diagnostic {
    match field {
        "prompt_name" => Diagnostic::error(
            Code::InvalidPromptName,
            file,
            node.span,
            format!(
                "`{}` is not a valid prompt_name",
                node.as_str().unwrap_or_default()
            ),
        )
        .with_help("use 1 to 128 lowercase letters, digits, `_`, `.` or `-`"),
        "prompt_template" => Diagnostic::error(
            Code::EmptyTemplate,
            file,
            node.span,
            "`prompt_template` is empty",
        )
        .with_help("write the template, or remove the file"),
        "prompt_version" => Diagnostic::error(
            Code::InvalidPromptVersion,
            file,
            node.span,
            "`prompt_version` is empty",
        )
        .with_help("set a version such as `v1.0.0`"),
        _ => Diagnostic::error(
            Code::InvalidValue,
            file,
            node.span,
            format!("`{field}` does not match its pattern"),
        ),
    }
}

fn expected_type(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Single(json_type) => with_article(&json_type.to_string()),
        TypeKind::Multiple(_) => "of another type".to_owned(),
    }
}

fn with_article(type_name: &str) -> String {
    match type_name {
        "object" => "a mapping".to_owned(),
        "array" => "a list".to_owned(),
        "integer" => "an integer".to_owned(),
        other => format!("a {other}"),
    }
}

fn json_short(node: &Node) -> String {
    match &node.value {
        Value::Int(n) => n.to_string(),
        Value::UInt(n) => n.to_string(),
        Value::Float(n) => n.to_string(),
        _ => node.type_name().to_owned(),
    }
}

/// `a.b[0]` for the path `/a/b/0`.
fn dotted(path: &[PathSegment<String>]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            PathSegment::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            PathSegment::Index(index) => out.push_str(&format!("[{index}]")),
        }
    }
    out
}

/// Keys that are lists or mappings cannot name a field (and JSON cannot hold them).
fn invalid_keys(node: &Node, file: &Arc<Path>, out: &mut Vec<Diagnostic>) {
    match &node.value {
        Value::Mapping(entries) => {
            for (key, value) in entries {
                if key.key_text().is_none() {
                    out.push(
                        Diagnostic::error(
                            Code::InvalidKey,
                            file,
                            key.span,
                            format!("a key must be a plain name, found {}", key.type_name()),
                        )
                        .with_help("remove the `?` complex key"),
                    );
                }
                invalid_keys(value, file, out);
            }
        }
        Value::Sequence(items) => items.iter().for_each(|item| invalid_keys(item, file, out)),
        _ => {}
    }
}
