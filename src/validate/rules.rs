//! Semantic rules over a prompt that passed the schema step: one function per rule.
//!
//! Rules see only fields that are present and well-typed; a field the schema step already
//! reported is absent here, so nothing is reported twice.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use super::content::{self, Place};
use crate::catalog::{Catalog, Lifecycle, Model};
use crate::diag::{Code, Diagnostic};
use crate::prompt::raw::RawPrompt;
use crate::yaml::{Node, PathSegment, Span};

/// What a rule may look at besides the prompt itself.
pub(super) struct FileContext<'a> {
    pub(super) file: &'a Arc<Path>,
    pub(super) text: &'a str,
    pub(super) spans: Spans<'a>,
    pub(super) catalog: &'a Catalog,
    /// YYYY-MM-DD, to decide deprecation and retirement.
    pub(super) today: &'a str,
    /// Days ahead a coming deprecation is warned of.
    pub(super) deprecation_window: u32,
    /// Fields already reported as unusable; rules that depend on them stay quiet.
    pub(super) unusable: &'a BTreeSet<String>,
}

/// Where a rule's diagnostics point.
pub(super) enum Spans<'a> {
    /// The tree of a file parsed with spans.
    Tree(&'a Node),
    /// A file parsed without spans (the fast path): a span is looked up in the text when a rule
    /// has something to say. Where the lookup cannot give the spanned parse's answer, `lost` is
    /// set and the file is checked again with spans.
    Text { lost: Cell<bool> },
}

impl<'a> Spans<'a> {
    pub(super) fn text() -> Spans<'a> {
        Spans::Text {
            lost: Cell::new(false),
        }
    }

    /// Whether a span was asked for that the text lookup could not give.
    pub(super) fn lost(&self) -> bool {
        matches!(self, Spans::Text { lost } if lost.get())
    }
}

impl FileContext<'_> {
    /// The span of the value at `path`, or of the deepest node on the way.
    fn span_of(&self, path: &[&str]) -> Span {
        match &self.spans {
            Spans::Tree(root) => {
                root.find(path.iter().map(|key| PathSegment::Key(*key)))
                    .span
            }
            Spans::Text { lost } => self.locate(path, lost).value,
        }
    }

    /// The span of the key at `path`, or of the deepest node on the way.
    fn key_span_of(&self, path: &[&str]) -> Span {
        match &self.spans {
            Spans::Tree(root) => {
                let Some((last, parents)) = path.split_last() else {
                    return root.span;
                };
                let parent = root.find(parents.iter().map(|key| PathSegment::Key(*key)));
                parent.entry(last).map_or(parent.span, |(key, _)| key.span)
            }
            Spans::Text { lost } => self.locate(path, lost).key,
        }
    }

    /// The key and value at `path` found in the text; where they cannot be, `lost` is set
    /// (the file is then checked again with spans) and the file's span serves meanwhile.
    fn locate(&self, path: &[&str], lost: &Cell<bool>) -> crate::yaml::Located {
        crate::yaml::locate(self.text, path).unwrap_or_else(|| {
            lost.set(true);
            crate::yaml::Located {
                key: Span::FILE,
                value: Span::FILE,
            }
        })
    }

    /// The node at a field, for problems inside its value (a schema, a template). A file
    /// without its tree is checked again with one.
    fn node(&self, field: &str) -> &Node {
        match &self.spans {
            Spans::Tree(root) => root.find([PathSegment::Key(field)]),
            Spans::Text { lost } => {
                lost.set(true);
                &Node::NOWHERE
            }
        }
    }
}

type Rule = fn(&RawPrompt, &FileContext<'_>, &mut Vec<Diagnostic>);

/// Every rule, in the order their diagnostics read best.
pub(super) const RULES: &[Rule] = &[
    model_use,
    canary_use,
    schemas_are_json_schema,
    template_variables_declared,
];

fn model_of<'a>(prompt: &RawPrompt, cx: &FileContext<'a>) -> Option<&'a Model> {
    cx.catalog.get(prompt.ai_model.as_deref()?)
}

/// The catalog's rules for the model a prompt runs on ([`Catalog::check_use`], as every write
/// to a store checks them): unknown (reported by the schema step), retired, `max_tokens` and
/// `temperature`. A model deprecated, or soon to be, is a warning naming where to go.
fn model_use(prompt: &RawPrompt, cx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(model) = model_of(prompt, cx) else {
        return;
    };
    for problem in cx
        .catalog
        .check_use(&model.id, prompt.max_tokens, prompt.temperature, cx.today)
    {
        out.push(
            Diagnostic::error(
                problem.code(),
                cx.file,
                cx.span_of(&[problem.field()]),
                problem.message(),
            )
            .with_help(problem.help()),
        );
    }
    lifecycle(model, cx.span_of(&["ai_model"]), cx, out);
}

/// The canary's model is held to what `ai_model` is (catalog, retirement, limits, deprecation),
/// and its percent to 0 < p < 100 in hundredths.
fn canary_use(prompt: &RawPrompt, cx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(canary) = &prompt.canary else {
        return;
    };
    let span = cx.span_of(&["canary", "ai_model"]);
    for problem in cx.catalog.check_use(
        &canary.ai_model,
        prompt.max_tokens,
        prompt.temperature,
        cx.today,
    ) {
        let at = match problem.field() {
            "ai_model" => span,
            field => cx.span_of(&[field]),
        };
        out.push(
            Diagnostic::error(
                problem.code(),
                cx.file,
                at,
                format!("canary: {}", problem.message()),
            )
            .with_help(problem.help()),
        );
    }
    if let Err(problem) = crate::canary::check_percent(canary.percent) {
        out.push(Diagnostic::error(
            Code::InvalidValue,
            cx.file,
            cx.span_of(&["canary", "percent"]),
            format!("canary: {problem}"),
        ));
    }
    if prompt.ai_model.as_deref() == Some(canary.ai_model.as_str()) {
        out.push(
            Diagnostic::error(
                Code::InvalidValue,
                cx.file,
                span,
                format!("canary: `{}` is the prompt's own model", canary.ai_model),
            )
            .with_help("a canary runs another model: promote it by setting `ai_model` and removing `canary`"),
        );
    }
    if let Some(model) = cx.catalog.get(&canary.ai_model) {
        lifecycle(model, span, cx, out);
    }
}

/// A deprecated model, or one deprecated within the window, is a warning at `span`.
fn lifecycle(model: &Model, span: Span, cx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    match model.lifecycle(cx.today) {
        Lifecycle::Retired => {}
        Lifecycle::Deprecated => out.push(
            Diagnostic::warning(
                Code::DeprecatedModel,
                cx.file,
                span,
                match &model.retired_on {
                    Some(date) => format!("`{}` is deprecated and retires on {date}", model.id),
                    None => format!("`{}` is deprecated", model.id),
                },
            )
            .with_help(cx.catalog.advice(model, cx.today)),
        ),
        Lifecycle::Active => {
            if let Some((date, days)) = model.deprecates_within(cx.today, cx.deprecation_window) {
                out.push(
                    Diagnostic::warning(
                        Code::DeprecationSoon,
                        cx.file,
                        span,
                        format!(
                            "`{}` is deprecated on {date}, in {days} day{}",
                            model.id,
                            if days == 1 { "" } else { "s" }
                        ),
                    )
                    .with_help(cx.catalog.advice(model, cx.today)),
                );
            }
        }
    }
}

/// `input_schema` and `output_schema` must be JSON Schemas: valid against their meta-schema
/// and compilable (a bad regex, an unresolvable `$ref`).
fn schemas_are_json_schema(prompt: &RawPrompt, cx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    for (field, code, schema) in [
        (
            "input_schema",
            Code::InvalidInputSchema,
            &prompt.input_schema,
        ),
        (
            "output_schema",
            Code::InvalidOutputSchema,
            &prompt.output_schema,
        ),
    ] {
        let Some(schema) = schema else { continue };
        for problem in content::schema_problems(field, code, schema) {
            let field_node = cx.node(field);
            let span = match problem.place {
                Place::Schema(path) => field_node.find(path).span,
                Place::Field | Place::Template(_) => field_node.span,
            };
            let mut diagnostic = Diagnostic::error(problem.code, cx.file, span, problem.message);
            if let Some(help) = problem.help {
                diagnostic = diagnostic.with_help(help);
            }
            out.push(diagnostic);
        }
    }
}

/// Every `{{variable}}` must be declared in `input_schema.properties` (within a section, also
/// in the section's item schema); every declared property should be used.
fn template_variables_declared(
    prompt: &RawPrompt,
    cx: &FileContext<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(template_text) = &prompt.prompt_template else {
        return;
    };
    let check = content::template_problems(
        template_text,
        prompt.input_schema.as_ref(),
        !cx.unusable.contains("input_schema"),
    );
    for problem in check.problems {
        let template_node = cx.node("prompt_template");
        let span = match problem.place {
            Place::Template(offset) => {
                locate_in_template(cx.text, template_node.span, template_text, offset)
            }
            Place::Field | Place::Schema(_) => template_node.span,
        };
        let mut diagnostic = Diagnostic::error(problem.code, cx.file, span, problem.message);
        if let Some(help) = problem.help {
            diagnostic = diagnostic.with_help(help);
        }
        out.push(diagnostic);
    }
    for name in check.unused {
        let span = cx.key_span_of(&["input_schema", "properties", &name]);
        out.push(
            Diagnostic::warning(
                Code::UnusedVariable,
                cx.file,
                span,
                format!("`{name}` is declared in `input_schema` but the template never uses it"),
            )
            .with_help(format!(
                "use `{{{{{name}}}}}` in the template, or remove the property"
            )),
        );
    }
}

/// The span in the file of the template text at `offset`. Literal and plain scalars hold the
/// tag verbatim, so the tag is found again in the node's source text; where it is not (escapes
/// in a quoted scalar), the template's own position serves.
fn locate_in_template(text: &str, node: Span, template: &str, offset: usize) -> Span {
    let tag_end = template[offset..]
        .find("}}")
        .map_or(template.len(), |i| offset + i + 2);
    // A tag that runs over lines is found by its first line: indentation differs in the file.
    let tag = template[offset..tag_end].lines().next().unwrap_or_default();
    if tag.is_empty() {
        return node;
    }
    let occurrence = template[..offset].matches(tag).count();
    let source_end = (node.start + node.len).min(text.len());
    let Some(source) = text.get(node.start..source_end) else {
        return node;
    };
    source
        .match_indices(tag)
        .nth(occurrence)
        .map_or(node, |(i, _)| Span::at(text, node.start + i, tag.len()))
}

#[cfg(test)]
mod tests {
    use crate::catalog::Catalog;
    use crate::diag::Code;
    use crate::validate::Validator;

    /// The built-in catalog, with gpt-5 deprecated on 2026-12-11 as LiteLLM now says, and a
    /// model of its own whose deprecation names no successor.
    fn catalog() -> (tempfile::TempDir, Catalog) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("models.yaml");
        fs_err::write(
            &path,
            "mode: extend\nmodels:\n  - id: openai/gpt-5\n    name: GPT-5\n    provider: openai\n    input_cost_per_1m: 1.25\n    output_cost_per_1m: 10\n    context_window: 272000\n    max_output_tokens: 128000\n    supports_temperature: false\n    recommended: true\n    tier: premium\n    deprecated_on: 2026-12-11\n",
        )
        .unwrap();
        let catalog = Catalog::load(&path).unwrap();
        (dir, catalog)
    }

    fn codes(validator: &Validator<'_>) -> Vec<(Code, String, Option<String>)> {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.yaml");
        fs_err::write(
            &file,
            "prompt_name: a\nprompt_version: v1\nai_model: openai/gpt-5\nprompt_template: Hi.\n",
        )
        .unwrap();
        validator
            .validate_paths(&[file])
            .diagnostics
            .into_sorted()
            .into_iter()
            .map(|d| (d.code, d.message, d.help))
            .collect()
    }

    #[test]
    fn a_deprecation_within_the_window_is_a_warning_with_a_replacement() {
        let (_dir, catalog) = catalog();
        let mut validator = Validator::new(&catalog, "openai/gpt-5");
        validator.today = "2026-12-01".to_owned();
        let found = codes(&validator);
        assert_eq!(found.len(), 1, "{found:?}");
        let (code, message, help) = &found[0];
        assert_eq!(*code, Code::DeprecationSoon);
        assert_eq!(
            message,
            "`openai/gpt-5` is deprecated on 2026-12-11, in 10 days"
        );
        let help = help.as_deref().unwrap();
        assert!(help.contains("no successor is named"), "{help}");
        assert!(help.contains("premium model of openai"), "{help}");

        validator.deprecation_window = 5;
        assert!(codes(&validator).is_empty(), "outside a 5-day window");
        validator.today = "2026-12-12".to_owned();
        assert_eq!(
            codes(&validator)[0].0,
            Code::DeprecatedModel,
            "deprecated now"
        );
    }

    /// A clean file's warnings are found on the fast path, without a second parse, and point
    /// where the spanned parse points: the model's value, the unused property's key.
    #[test]
    fn warnings_of_a_clean_file_point_where_the_spanned_parse_does() {
        let (_dir, catalog) = catalog();
        let mut validator = Validator::new(&catalog, "openai/gpt-5");
        validator.today = "2026-12-01".to_owned();
        let text = "prompt_name: a\nprompt_version: v1\n# the model\nai_model:   openai/gpt-5\ninput_schema:\n  type: object\n  properties:\n    name: {type: string}\n    unused:\n      type: string\nprompt_template: Hi {{name}}.\n";
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.yaml");
        fs_err::write(&file, text).unwrap();
        let validation = validator.validate_paths(&[file]);
        assert_eq!(validation.prompts.len(), 1);
        let diagnostics = validation.diagnostics.into_sorted();
        let root = crate::yaml::parse(text).unwrap();
        let at = |code: Code| {
            let found = diagnostics.iter().find(|d| d.code == code);
            found.map(|d| d.span)
        };
        assert_eq!(
            at(Code::DeprecationSoon),
            root.get("ai_model").map(|n| n.span)
        );
        let properties =
            root.find(["input_schema", "properties"].map(crate::yaml::PathSegment::Key));
        assert_eq!(
            at(Code::UnusedVariable),
            properties.entry("unused").map(|(k, _)| k.span)
        );
        assert_eq!(
            at(Code::DeprecationSoon).map(|s| (s.line, s.column)),
            Some((4, 13))
        );
    }
}
