//! Semantic rules over a prompt that passed the schema step: one function per rule.
//!
//! Rules see only fields that are present and well-typed; a field the schema step already
//! reported is absent here, so nothing is reported twice.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value as Json;

use crate::catalog::{Catalog, Lifecycle, Model};
use crate::diag::{Code, Diagnostic};
use crate::prompt::raw::RawPrompt;
use crate::prompt::template;
use crate::yaml::{Node, PathSegment, Span};

/// What a rule may look at besides the prompt itself.
pub(super) struct FileContext<'a> {
    pub(super) file: &'a Arc<Path>,
    pub(super) text: &'a str,
    pub(super) root: &'a Node,
    pub(super) catalog: &'a Catalog,
    /// YYYY-MM-DD, to decide deprecation and retirement.
    pub(super) today: &'a str,
    /// Days ahead a coming deprecation is warned of.
    pub(super) deprecation_window: u32,
    /// Fields already reported as unusable; rules that depend on them stay quiet.
    pub(super) unusable: &'a BTreeSet<String>,
}

impl FileContext<'_> {
    fn span_of(&self, path: &[&str]) -> Span {
        self.root
            .find(path.iter().map(|key| PathSegment::Key(*key)))
            .span
    }
}

type Rule = fn(&RawPrompt, &FileContext<'_>, &mut Vec<Diagnostic>);

/// Every rule, in the order their diagnostics read best.
pub(super) const RULES: &[Rule] = &[
    model_lifecycle,
    max_tokens_within_model,
    temperature_supported,
    schemas_are_json_schema,
    template_variables_declared,
];

fn model_of<'a>(prompt: &RawPrompt, cx: &FileContext<'a>) -> Option<&'a Model> {
    cx.catalog.get(prompt.ai_model.as_deref()?)
}

/// A retired model is an error, a deprecated one a warning; both name the successor.
fn model_lifecycle(prompt: &RawPrompt, cx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(model) = model_of(prompt, cx) else {
        return;
    };
    let span = cx.span_of(&["ai_model"]);
    let help = match (
        &model.successor,
        cx.catalog.replacement_for(model, cx.today),
    ) {
        (Some(successor), _) => format!(
            "move to `{successor}`: `promptctl set-model --successors` rewrites every such file"
        ),
        (None, Some(other)) => format!(
            "no successor is named; `{}` is a {} model of {} that is not deprecated: `promptctl set-model {}`",
            other.id,
            other.tier.as_str(),
            other.provider,
            other.id
        ),
        (None, None) => "choose another model from `promptctl models`".to_owned(),
    };
    match model.lifecycle(cx.today) {
        Lifecycle::Retired => out.push(
            Diagnostic::error(
                Code::RetiredModel,
                cx.file,
                span,
                format!(
                    "`{}` was retired on {}",
                    model.id,
                    model.retired_on.as_deref().unwrap_or("an earlier date")
                ),
            )
            .with_help(help),
        ),
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
            .with_help(help),
        ),
        Lifecycle::Active => {
            let soon = model.deprecated_on.as_deref().and_then(|date| {
                let days = crate::time::days_between(cx.today, date)?;
                (0..=i64::from(cx.deprecation_window))
                    .contains(&days)
                    .then_some((date, days))
            });
            if let Some((date, days)) = soon {
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
                    .with_help(help),
                );
            }
        }
    }
}

fn max_tokens_within_model(prompt: &RawPrompt, cx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let (Some(model), Some(max_tokens)) = (model_of(prompt, cx), prompt.max_tokens) else {
        return;
    };
    if max_tokens > model.max_output_tokens {
        out.push(
            Diagnostic::error(
                Code::MaxTokensExceedsModel,
                cx.file,
                cx.span_of(&["max_tokens"]),
                format!(
                    "`max_tokens` is {max_tokens}, above the {} output tokens `{}` can produce",
                    model.max_output_tokens, model.id
                ),
            )
            .with_help(format!(
                "set `max_tokens` to {} or less",
                model.max_output_tokens
            )),
        );
    }
}

fn temperature_supported(prompt: &RawPrompt, cx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let (Some(model), Some(_)) = (model_of(prompt, cx), prompt.temperature) else {
        return;
    };
    if !model.supports_temperature {
        out.push(
            Diagnostic::error(
                Code::TemperatureUnsupported,
                cx.file,
                cx.span_of(&["temperature"]),
                format!(
                    "`{}` accepts no `temperature` other than its default",
                    model.id
                ),
            )
            .with_help("remove `temperature`, or choose a model that supports it"),
        );
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
        let field_node = cx.root.find([PathSegment::Key(field)]);
        let problem = |span: Span, message: String| {
            Diagnostic::error(code, cx.file, span, message)
                .with_help("see https://json-schema.org/understanding-json-schema")
        };
        let meta = match jsonschema::meta::validator_for(schema) {
            Ok(meta) => meta,
            Err(error) => {
                out.push(problem(
                    field_node.span,
                    format!("`{field}` is not a JSON Schema: {error}"),
                ));
                continue;
            }
        };
        if !meta.is_valid(schema) {
            for error in meta.iter_errors(schema) {
                let path: Vec<PathSegment<String>> = error
                    .instance_path()
                    .iter()
                    .map(|segment| match segment {
                        jsonschema::paths::LocationSegment::Property(key) => {
                            PathSegment::Key(key.into_owned())
                        }
                        jsonschema::paths::LocationSegment::Index(index) => {
                            PathSegment::Index(index)
                        }
                    })
                    .collect();
                let at = if path.is_empty() {
                    String::new()
                } else {
                    format!(" at {}", error.instance_path())
                };
                let span = field_node.find(path).span;
                out.push(problem(
                    span,
                    format!("`{field}` is not a valid JSON Schema{at}: {error}"),
                ));
            }
            continue;
        }
        // Compiling costs far more than the meta-schema check, and only catches what the
        // meta-schema cannot judge: regular expressions and references.
        if needs_compiling(schema)
            && let Err(error) = jsonschema::validator_for(schema)
        {
            out.push(problem(
                field_node.span,
                format!("`{field}` does not compile: {error}"),
            ));
        }
    }
}

/// Whether a schema holds keywords whose validity only compiling reveals.
fn needs_compiling(schema: &Json) -> bool {
    match schema {
        Json::Object(map) => map.iter().any(|(key, value)| {
            matches!(
                key.as_str(),
                "$ref" | "$dynamicRef" | "pattern" | "patternProperties"
            ) || needs_compiling(value)
        }),
        Json::Array(items) => items.iter().any(needs_compiling),
        _ => false,
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
    let template_node = cx.root.find([PathSegment::Key("prompt_template")]);
    let uses = match template::variables(template_text) {
        Ok(uses) => uses,
        Err(error) => {
            let span = locate_in_template(cx.text, template_node.span, template_text, error.offset);
            out.push(Diagnostic::error(
                Code::TemplateSyntax,
                cx.file,
                span,
                error.message,
            ));
            return;
        }
    };
    if cx.unusable.contains("input_schema") {
        return;
    }
    let root_properties = prompt
        .input_schema
        .as_ref()
        .and_then(|schema| schema.get("properties"))
        .and_then(Json::as_object);
    let mut reported = BTreeSet::new();
    let mut used = BTreeSet::new();
    for variable in &uses {
        used.insert(variable.name.as_str());
        if is_declared(root_properties, &variable.sections, &variable.name)
            || !reported.insert(variable.name.as_str())
        {
            continue;
        }
        let span = locate_in_template(cx.text, template_node.span, template_text, variable.offset);
        let help = if prompt.input_schema.is_none() {
            format!(
                "add an `input_schema` with `properties: {{ {}: {{ type: string }} }}`",
                variable.name
            )
        } else {
            format!(
                "declare `{}` under `input_schema.properties`, or fix the name",
                variable.name
            )
        };
        out.push(
            Diagnostic::error(
                Code::UndeclaredVariable,
                cx.file,
                span,
                format!(
                    "`{}` is used in the template but not declared in `input_schema`",
                    variable.tag
                ),
            )
            .with_help(help),
        );
    }
    let Some(properties) = root_properties else {
        return;
    };
    let properties_node = cx.root.find([
        PathSegment::Key("input_schema"),
        PathSegment::Key("properties"),
    ]);
    for name in properties.keys() {
        if used.contains(name.as_str()) {
            continue;
        }
        let span = properties_node
            .entry(name)
            .map_or(properties_node.span, |(k, _)| k.span);
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

/// Whether `name`, read inside `sections`, is declared: at the root, or in the item (or
/// object) schema of an enclosing section.
fn is_declared(
    root: Option<&serde_json::Map<String, Json>>,
    sections: &[String],
    name: &str,
) -> bool {
    let mut scopes: Vec<&serde_json::Map<String, Json>> = root.into_iter().collect();
    for section in sections {
        let schema = scopes.iter().rev().find_map(|scope| scope.get(section));
        let inner = schema
            .and_then(|s| s.get("items").unwrap_or(s).get("properties"))
            .and_then(Json::as_object);
        if let Some(inner) = inner {
            scopes.push(inner);
        }
    }
    scopes.iter().any(|scope| scope.contains_key(name))
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
}
