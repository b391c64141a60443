//! What a prompt's content must be: its schemas valid JSON Schemas, its template well formed
//! with every variable declared. Checked the same way on a prompt file (`validate`, which
//! places each problem on its line) and on every row a write inserts into a store
//! (`crate::store::rules`), so no face can store a template `validate` refuses.

use std::collections::BTreeSet;

use serde_json::Value as Json;

use crate::diag::Code;
use crate::prompt::template;
use crate::yaml::PathSegment;

/// One problem in a prompt's content.
#[derive(Clone, Debug, PartialEq)]
pub struct ContentProblem {
    pub code: Code,
    /// `input_schema`, `output_schema` or `prompt_template`.
    pub field: &'static str,
    /// Where inside the field.
    pub place: Place,
    pub message: String,
    pub help: Option<String>,
}

/// Where inside a field a problem is.
#[derive(Clone, Debug, PartialEq)]
pub enum Place {
    /// The field as a whole.
    Field,
    /// A value inside a schema.
    Schema(Vec<PathSegment<String>>),
    /// A tag of the template, at this byte offset.
    Template(usize),
}

/// Every error in a prompt's content: the schemas first, then the template (whose variables
/// are checked against `input_schema` only when that schema is itself sound).
pub fn check(
    template: &str,
    input_schema: Option<&Json>,
    output_schema: Option<&Json>,
) -> Vec<ContentProblem> {
    let mut problems = Vec::new();
    for (field, code, schema) in [
        ("input_schema", Code::InvalidInputSchema, input_schema),
        ("output_schema", Code::InvalidOutputSchema, output_schema),
    ] {
        if let Some(schema) = schema {
            problems.extend(schema_problems(field, code, schema));
        }
    }
    let input_usable = !problems.iter().any(|p| p.field == "input_schema");
    problems.extend(template_problems(template, input_schema, input_usable).problems);
    problems
}

/// A schema's problems: not valid against its meta-schema, or not compilable (a bad regex, an
/// unresolvable `$ref`).
pub fn schema_problems(field: &'static str, code: Code, schema: &Json) -> Vec<ContentProblem> {
    let problem = |place: Place, message: String| ContentProblem {
        code,
        field,
        place,
        message,
        help: Some("see https://json-schema.org/understanding-json-schema".to_owned()),
    };
    let meta = match jsonschema::meta::validator_for(schema) {
        Ok(meta) => meta,
        Err(error) => {
            return vec![problem(
                Place::Field,
                format!("`{field}` is not a JSON Schema: {error}"),
            )];
        }
    };
    if !meta.is_valid(schema) {
        return meta
            .iter_errors(schema)
            .map(|error| {
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
                problem(
                    Place::Schema(path),
                    format!("`{field}` is not a valid JSON Schema{at}: {error}"),
                )
            })
            .collect();
    }
    // Compiling costs far more than the meta-schema check, and only catches what the
    // meta-schema cannot judge: regular expressions and references.
    if needs_compiling(schema)
        && let Err(error) = jsonschema::validator_for(schema)
    {
        return vec![problem(
            Place::Field,
            format!("`{field}` does not compile: {error}"),
        )];
    }
    Vec::new()
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

/// What checking a template found: its errors, and the declared properties it never reads
/// (a warning `validate` gives; no write is refused for it).
pub struct TemplateCheck {
    pub problems: Vec<ContentProblem>,
    pub unused: Vec<String>,
}

/// A template's syntax errors, and with a usable `input_schema` every `{{variable}}` it does
/// not declare (within a section, a variable may also be declared in the section's item
/// schema).
pub fn template_problems(
    template_text: &str,
    input_schema: Option<&Json>,
    input_usable: bool,
) -> TemplateCheck {
    let mut check = TemplateCheck {
        problems: Vec::new(),
        unused: Vec::new(),
    };
    let uses = match template::variables(template_text) {
        Ok(uses) => uses,
        Err(error) => {
            check.problems.push(ContentProblem {
                code: Code::TemplateSyntax,
                field: "prompt_template",
                place: Place::Template(error.offset),
                message: error.message,
                help: None,
            });
            return check;
        }
    };
    if !input_usable {
        return check;
    }
    let root_properties = input_schema
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
        let help = if input_schema.is_none() {
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
        check.problems.push(ContentProblem {
            code: Code::UndeclaredVariable,
            field: "prompt_template",
            place: Place::Template(variable.offset),
            message: format!(
                "`{}` is used in the template but not declared in `input_schema`",
                variable.tag
            ),
            help: Some(help),
        });
    }
    if let Some(properties) = root_properties {
        check.unused = properties
            .keys()
            .filter(|name| !used.contains(name.as_str()))
            .cloned()
            .collect();
    }
    check
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_validate_finds_in_a_row() {
        let schema: Json =
            serde_json::json!({"type": "object", "properties": {"who": {"type": "string"}}});
        assert!(check("Hi {{who}}.", Some(&schema), None).is_empty());
        let found = check("Hi {{whom}}.", Some(&schema), None);
        assert_eq!(found[0].code, Code::UndeclaredVariable);
        assert_eq!(check("Hi {{who", None, None)[0].code, Code::TemplateSyntax);
        let bad: Json = serde_json::json!({"type": 7});
        let found = check("Hi.", None, Some(&bad));
        assert_eq!(found[0].code, Code::InvalidOutputSchema);
        assert_eq!(
            check("Hi {{who}}.", None, None)[0].code,
            Code::UndeclaredVariable
        );
    }
}
