//! `{{variable}}` extraction from mustache-style templates.
//!
//! Only what validation needs: which names a template reads, where, and inside which sections.
//! Comments (`{{! … }}`), partials (`{{> … }}`) and the implicit iterator (`{{.}}`) read no
//! variable; `{{a.b}}` reads `a`.

/// One place a template reads a variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VariableUse {
    /// The first segment of the name (`a` for `{{a.b}}`).
    pub name: String,
    /// The whole tag as written, `{{ a.b }}`, to find it again in the source file.
    pub tag: String,
    /// Byte offset of the tag in the template.
    pub offset: usize,
    /// Names of the enclosing sections, outermost first.
    pub sections: Vec<String>,
}

/// A malformed tag: where and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    pub offset: usize,
    pub message: String,
}

/// Every variable use in `template`, in order, or the first syntax error.
pub fn variables(template: &str) -> Result<Vec<VariableUse>, TemplateError> {
    let mut uses = Vec::new();
    let mut sections: Vec<(String, usize)> = Vec::new();
    let mut rest = 0;
    while let Some(found) = template[rest..].find("{{") {
        let offset = rest + found;
        let triple = template[offset..].starts_with("{{{");
        let (open, close) = if triple { ("{{{", "}}}") } else { ("{{", "}}") };
        let inner_start = offset + open.len();
        let Some(inner_len) = template[inner_start..].find(close) else {
            return Err(TemplateError {
                offset,
                message: format!("`{open}` is never closed with `{close}`"),
            });
        };
        let end = inner_start + inner_len + close.len();
        let inner = template[inner_start..inner_start + inner_len].trim();
        let tag = &template[offset..end];
        rest = end;

        let (sigil, name) = match inner.chars().next() {
            Some(c @ ('#' | '^' | '/' | '!' | '>' | '&' | '=')) => (Some(c), inner[1..].trim()),
            _ => (None, inner),
        };
        match sigil {
            Some('!' | '>') => continue,
            Some('=') => {
                return Err(TemplateError {
                    offset,
                    message: "changing delimiters (`{{=<% %>=}}`) is not supported".to_owned(),
                });
            }
            _ => {}
        }
        if name == "." {
            continue;
        }
        if !is_variable_name(name) {
            return Err(TemplateError {
                offset,
                message: format!(
                    "`{tag}` is not a variable: names are letters, digits, `_`, `-` and `.`"
                ),
            });
        }
        let root = name.split('.').next().unwrap_or(name).to_owned();
        if sigil == Some('/') {
            match sections.pop() {
                Some((open_name, _)) if open_name == name => continue,
                Some((open_name, _)) => {
                    return Err(TemplateError {
                        offset,
                        message: format!("`{tag}` closes `{open_name}`, which is still open"),
                    });
                }
                None => {
                    return Err(TemplateError {
                        offset,
                        message: format!("`{tag}` closes a section that was never opened"),
                    });
                }
            }
        }
        uses.push(VariableUse {
            name: root,
            tag: tag.to_owned(),
            offset,
            sections: sections.iter().map(|(s, _)| s.clone()).collect(),
        });
        if matches!(sigil, Some('#' | '^')) {
            sections.push((name.to_owned(), offset));
        }
    }
    match sections.pop() {
        Some((name, offset)) => Err(TemplateError {
            offset,
            message: format!("section `{name}` is never closed with `{{{{/{name}}}}}`"),
        }),
        None => Ok(uses),
    }
}

fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(template: &str) -> Vec<(String, Vec<String>)> {
        variables(template)
            .unwrap()
            .into_iter()
            .map(|u| (u.name, u.sections))
            .collect()
    }

    #[test]
    fn finds_plain_triple_dotted_and_section_variables() {
        assert_eq!(
            names(
                "Hi {{ name }}, {{{raw}}} {{a.b}} {{#items}}{{title}}{{.}}{{/items}} {{! no }} {{> part}}"
            ),
            vec![
                ("name".to_owned(), vec![]),
                ("raw".to_owned(), vec![]),
                ("a".to_owned(), vec![]),
                ("items".to_owned(), vec![]),
                ("title".to_owned(), vec!["items".to_owned()]),
            ]
        );
    }

    #[test]
    fn reports_offsets_of_tags() {
        let uses = variables("ab {{x}}\n{{y}}").unwrap();
        assert_eq!((uses[0].offset, uses[1].offset), (3, 9));
        assert_eq!(uses[1].tag, "{{y}}");
    }

    #[test]
    fn malformed_tags_are_errors() {
        assert_eq!(variables("a {{b").unwrap_err().offset, 2);
        assert!(
            variables("{{#a}} x")
                .unwrap_err()
                .message
                .contains("never closed")
        );
        assert!(variables("{{/a}}").is_err());
        assert!(variables("{{#a}}{{/b}}").is_err());
        assert!(variables("{{}}").is_err());
        assert!(variables("{{a b}}").is_err());
    }

    #[test]
    fn text_without_tags_reads_nothing() {
        assert_eq!(variables("plain { text } }}").unwrap(), vec![]);
    }
}
