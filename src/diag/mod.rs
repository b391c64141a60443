//! Problems in users' files, as values: a stable code, a severity, a place, a message and help.
//!
//! Checks push [`Diagnostic`]s into a [`Diagnostics`] collector and never print; the renderers
//! in [`render`] turn them into rustc-style text, JSON or GitHub annotations.

pub mod group;
pub mod render;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::yaml::Span;

/// How bad a problem is. Errors fail `validate`; warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

macro_rules! codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $text:literal,)*) => {
        /// Every kind of problem, with a stable kebab-case code that users can search for and
        /// CI can match on. Codes are part of the JSON format: never rename one.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Code {
            /// All codes, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $text,)*
                }
            }

            /// The code of this kebab-case name, if there is one.
            pub fn parse(text: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|code| code.as_str() == text)
            }
        }
    };
}

codes! {
    /// The file is larger than the size limit and was not parsed.
    FileTooLarge = "file-too-large",
    /// The file could not be read (permissions, a symlink loop, a vanished file).
    UnreadableFile = "unreadable-file",
    /// A path that looks like a prompt file is a directory or another non-file.
    NotAFile = "not-a-file",
    /// The bytes are not UTF-8.
    InvalidUtf8 = "invalid-utf8",
    /// The file holds no YAML document.
    EmptyFile = "empty-file",
    /// The YAML does not parse.
    YamlSyntax = "yaml-syntax",
    /// A mapping repeats a key.
    DuplicateKey = "duplicate-key",
    /// Aliases, nesting or size beyond what a prompt file needs (an alias bomb, say).
    YamlTooComplex = "yaml-too-complex",
    /// More than one YAML document in one prompt file.
    MultipleDocuments = "multiple-documents",
    /// The document is not a mapping of fields.
    NotAMapping = "not-a-mapping",
    /// A key that is not a plain scalar.
    InvalidKey = "invalid-key",
    /// A field the format does not have.
    UnknownField = "unknown-field",
    /// A field of the wrong type.
    WrongType = "wrong-type",
    /// A required field is absent.
    MissingField = "missing-field",
    /// `ai_model` is absent.
    MissingAiModel = "missing-ai-model",
    /// A value outside what the field allows (a negative `max_tokens`, say).
    InvalidValue = "invalid-value",
    /// `prompt_template` is empty or blank.
    EmptyTemplate = "empty-template",
    /// `prompt_name` is not `[a-z0-9_.-]{1,128}`.
    InvalidPromptName = "invalid-prompt-name",
    /// `prompt_version` is empty.
    InvalidPromptVersion = "invalid-prompt-version",
    /// Two files declare the same `prompt_name`.
    DuplicatePromptName = "duplicate-prompt-name",
    /// `ai_model` is not in the model catalog.
    UnknownModel = "unknown-model",
    /// `ai_model` names a model its provider has retired.
    RetiredModel = "retired-model",
    /// `ai_model` names a deprecated model.
    DeprecatedModel = "deprecated-model",
    /// `max_tokens` is above the model's maximum output.
    MaxTokensExceedsModel = "max-tokens-exceeds-model",
    /// `temperature` is outside 0..=2.
    TemperatureOutOfRange = "temperature-out-of-range",
    /// `temperature` is set for a model that accepts only its default.
    TemperatureUnsupported = "temperature-unsupported",
    /// `input_schema` is not a valid JSON Schema.
    InvalidInputSchema = "invalid-input-schema",
    /// `output_schema` is not a valid JSON Schema.
    InvalidOutputSchema = "invalid-output-schema",
    /// A `{{variable}}` in the template is not declared in `input_schema`.
    UndeclaredVariable = "undeclared-variable",
    /// A property of `input_schema` the template never uses.
    UnusedVariable = "unused-variable",
    /// A `{{` without its `}}`, or a section never closed.
    TemplateSyntax = "template-syntax",
    /// The template or a schema changed since the base revision, `prompt_version` did not.
    VersionNotBumped = "version-not-bumped",
    /// A prompt at the base revision is gone (removed or renamed).
    PromptRemoved = "prompt-removed",
    /// `ai_model` will be deprecated within the deprecation window.
    DeprecationSoon = "deprecation-soon",
    /// A prompt breaks a policy of promptctl.yaml.
    PolicyViolation = "policy-violation",
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem at one place in one file.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub file: Arc<Path>,
    pub span: Span,
    pub message: String,
    /// What to do about it; shown as `help:`.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: Code, file: &Arc<Path>, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            file: Arc::clone(file),
            span,
            message: message.into(),
            help: None,
        }
    }

    pub fn warning(code: Code, file: &Arc<Path>, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, file, span, message)
        }
    }

    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// The problems found in a run, in a stable order: by file, then line, then column, then code.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    /// Keep only the diagnostics `keep` says.
    pub fn retain(&mut self, keep: impl FnMut(&Diagnostic) -> bool) {
        self.items.retain(keep);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == severity).count()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The diagnostics sorted for output; sorting here keeps parallel checks deterministic.
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by(|a, b| {
            (&a.file, a.span.line, a.span.column, a.code, &a.message).cmp(&(
                &b.file,
                b.span.line,
                b.span.column,
                b.code,
                &b.message,
            ))
        });
        self.items
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// A path as users should see it: relative to the working directory where it is inside it.
pub fn display_path(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "duplicate code {text}");
            assert!(
                text.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{text} is not kebab-case"
            );
        }
    }
}
