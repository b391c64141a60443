//! Validation: prompt files in, [`Prompt`]s and [`Diagnostic`]s out.
//!
//! Per file, in parallel: read (size, UTF-8) → YAML syntax → the prompt schema (types,
//! unknown and required fields, the model enum) → typed reading → rules. Then across files:
//! duplicate names. A file without errors is parsed once, without spans, and the spans of its
//! warnings (a deprecating model: every file on it, on the day) are looked up in its text; a
//! file with an error is parsed again with spans, through the same schema and rules, so every
//! problem gets its line.
//! Every problem is collected; none stops the run.

pub mod base;
pub mod content;
mod rules;
mod schema;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::Value as Json;

use crate::catalog::Catalog;
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::prompt::Prompt;
use crate::prompt::raw::RawPrompt;
use crate::prompt::source::{self, SourceFile};
use crate::yaml::{self, Node, Span, Value, YamlErrorKind};

pub use schema::PromptSchema;

/// What validation needs to know besides the files.
pub struct Validator<'a> {
    pub catalog: &'a Catalog,
    /// Named in the help of a missing `ai_model`.
    pub default_model: &'a str,
    /// YYYY-MM-DD, for deprecation and retirement dates.
    pub today: String,
    /// Days ahead a coming deprecation is warned of (`deprecation-soon`).
    pub deprecation_window: u32,
    schema: PromptSchema,
}

/// `deprecation_window` where promptctl.yaml sets none.
pub const DEFAULT_DEPRECATION_WINDOW: u32 = 30;

/// The outcome of validating a set of files.
#[derive(Debug)]
pub struct Validation {
    /// The prompts of files without errors, sorted by name.
    pub prompts: Vec<Prompt>,
    pub diagnostics: Diagnostics,
    /// The text of every file read, for rendering diagnostics with their lines.
    pub sources: HashMap<Arc<Path>, Arc<str>>,
    /// How many files were checked.
    pub files: usize,
}

impl Validation {
    pub fn source(&self, path: &Path) -> Option<&str> {
        self.sources.get(path).map(|text| &**text)
    }
}

impl<'a> Validator<'a> {
    pub fn new(catalog: &'a Catalog, default_model: &'a str) -> Self {
        Validator {
            catalog,
            default_model,
            today: crate::catalog::today(),
            deprecation_window: DEFAULT_DEPRECATION_WINDOW,
            schema: PromptSchema::new(catalog),
        }
    }

    /// Validate every prompt file under `roots` (files or directories).
    pub fn validate_paths(&self, roots: &[PathBuf]) -> Validation {
        let (paths, problems) = source::discover(roots);
        let mut validation = self.validate_files(&paths);
        validation.diagnostics.extend(problems);
        validation
    }

    /// Validate the given files.
    pub fn validate_files(&self, paths: &[Arc<Path>]) -> Validation {
        let check_all =
            || -> Vec<FileOutcome> { paths.par_iter().map(|path| self.check_file(path)).collect() };
        // Parsing nests a few stack frames per YAML level; rayon's default 2 MiB stacks are
        // too small for the 64 levels the YAML budget allows in a debug build.
        let checked = match rayon::ThreadPoolBuilder::new()
            .stack_size(16 * 1024 * 1024)
            .build()
        {
            Ok(pool) => pool.install(check_all),
            Err(_) => check_all(),
        };
        let mut diagnostics = Diagnostics::default();
        let mut sources = HashMap::with_capacity(checked.len());
        let mut prompts = Vec::with_capacity(checked.len());
        let mut names: BTreeMap<String, Vec<Arc<Path>>> = BTreeMap::new();
        for outcome in checked {
            diagnostics.extend(outcome.diagnostics);
            if let Some(name) = outcome.name {
                names.entry(name).or_default().push(outcome.path);
            }
            if let Some(source) = outcome.source {
                sources.insert(source.path, source.text);
            }
            prompts.extend(outcome.prompt);
        }
        let duplicated = duplicate_names(&names, &mut sources);
        diagnostics.extend(duplicated.iter().cloned());
        let duplicate_files: Vec<&Arc<Path>> = duplicated.iter().map(|d| &d.file).collect();
        prompts.retain(|p| !duplicate_files.contains(&&p.origin().file));
        prompts.sort_by(|a, b| a.prompt_name().cmp(b.prompt_name()));
        Validation {
            prompts,
            diagnostics,
            sources,
            files: paths.len(),
        }
    }

    /// Validate one prompt given as text, as if read from `path`: the prompt, or every
    /// problem found (warnings alone do not fail it). For prompts made in memory, by tests and
    /// fuzzing, through the same checks as files on disk.
    pub fn validate_text(&self, path: &Path, text: &str) -> Result<Prompt, Vec<Diagnostic>> {
        let source = SourceFile {
            path: Arc::from(path),
            text: Arc::from(text),
        };
        let mut outcome = FileOutcome {
            path: Arc::clone(&source.path),
            diagnostics: Vec::new(),
            source: None,
            prompt: None,
            name: None,
        };
        self.check_source(&source, &mut outcome);
        outcome.prompt.ok_or(outcome.diagnostics)
    }

    fn check_file(&self, path: &Arc<Path>) -> FileOutcome {
        let mut outcome = FileOutcome {
            path: Arc::clone(path),
            diagnostics: Vec::new(),
            source: None,
            prompt: None,
            name: None,
        };
        let source = match source::read(path) {
            Ok(source) => source,
            Err(diagnostic) => {
                outcome.diagnostics.push(diagnostic);
                return outcome;
            }
        };
        self.check_source(&source, &mut outcome);
        // Texts are kept to show the lines of errors (and for the reports on files that
        // failed); a file that only warns (every file on a deprecating model) is read again
        // if its warning is shown in full.
        if outcome
            .diagnostics
            .iter()
            .any(|d| d.severity == crate::diag::Severity::Error)
        {
            outcome.source = Some(source);
        }
        outcome
    }

    fn check_source(&self, source: &SourceFile, outcome: &mut FileOutcome) {
        if let Some((raw, warnings)) = self.check_clean(source) {
            outcome.name = raw.prompt_name.clone();
            outcome.prompt = Prompt::from_validated(raw, &source.path);
            outcome.diagnostics = warnings;
            return;
        }
        self.check_with_spans(source, outcome);
    }

    /// The fast path, for the common case of a file without errors: a typed parse without
    /// spans, the schema and the rules, and the spans of any warnings looked up in the text.
    /// `None` when anything is amiss; the spanned path then finds it again, with lines. Both
    /// paths read the same types and apply the same schema and rules, so they agree on what is
    /// a problem, and their spans come from the same parser events.
    fn check_clean(&self, source: &SourceFile) -> Option<(RawPrompt, Vec<Diagnostic>)> {
        // Parsed as JSON values, checked by the schema, then moved into the typed prompt:
        // no string is copied.
        let json: Json = yaml::from_str_strict(&source.text).ok()?;
        if !json.is_object() || !self.schema.is_valid(&json) {
            return None;
        }
        let raw: RawPrompt = serde_json::from_value(json).ok()?;
        let cx = rules::FileContext {
            file: &source.path,
            text: &source.text,
            spans: rules::Spans::text(),
            catalog: self.catalog,
            today: &self.today,
            deprecation_window: self.deprecation_window,
            unusable: &BTreeSet::new(),
        };
        let mut diagnostics = Vec::new();
        for rule in rules::RULES {
            rule(&raw, &cx, &mut diagnostics);
            let has_errors = diagnostics
                .iter()
                .any(|d| d.severity == crate::diag::Severity::Error);
            if has_errors || cx.spans.lost() {
                return None;
            }
        }
        Some((raw, diagnostics))
    }

    fn check_with_spans(&self, source: &SourceFile, outcome: &mut FileOutcome) {
        let file = &source.path;
        let root = match yaml::parse(&source.text) {
            Ok(root) => root,
            Err(error) => {
                outcome.diagnostics.push(yaml_diagnostic(file, error));
                return;
            }
        };
        match &root.value {
            Value::Mapping(_) => {}
            Value::Null => {
                outcome.diagnostics.push(
                    Diagnostic::error(
                        Code::EmptyFile,
                        file,
                        Span::FILE,
                        "the file holds no prompt",
                    )
                    .with_help("write a prompt (see `prompts/` for examples) or remove the file"),
                );
                return;
            }
            _ => {
                outcome.diagnostics.push(
                    Diagnostic::error(
                        Code::NotAMapping,
                        file,
                        root.span,
                        format!(
                            "a prompt file holds a mapping of fields, found {}",
                            root.type_name()
                        ),
                    )
                    .with_help(
                        "start with `prompt_name: …` at the left margin; one prompt per file",
                    ),
                );
                return;
            }
        }
        let json = root.to_json();
        let (schema_problems, mut unusable) =
            self.schema
                .check(&json, &root, file, self.catalog, self.default_model);
        outcome.diagnostics.extend(schema_problems);
        let Json::Object(mut fields) = json else {
            return;
        };
        fields.retain(|key, _| !unusable.contains(key));
        let raw = read_fields(fields, &root, file, &mut unusable, &mut outcome.diagnostics);
        outcome.name = raw.prompt_name.clone();
        let cx = rules::FileContext {
            file,
            text: &source.text,
            spans: rules::Spans::Tree(&root),
            catalog: self.catalog,
            today: &self.today,
            deprecation_window: self.deprecation_window,
            unusable: &unusable,
        };
        for rule in rules::RULES {
            rule(&raw, &cx, &mut outcome.diagnostics);
        }
        if outcome
            .diagnostics
            .iter()
            .all(|d| d.severity != crate::diag::Severity::Error)
        {
            outcome.prompt = Prompt::from_validated(raw, file);
        }
    }
}

/// The typed prompt from fields the schema accepted. A value the schema admits but the type
/// cannot hold (`max_tokens: 1e23`) is reported at its line and left out, not panicked on.
fn read_fields(
    fields: serde_json::Map<String, Json>,
    root: &Node,
    file: &Arc<Path>,
    unusable: &mut BTreeSet<String>,
    problems: &mut Vec<Diagnostic>,
) -> RawPrompt {
    let fields = match serde_json::from_value::<RawPrompt>(Json::Object(fields.clone())) {
        Ok(raw) => return raw,
        Err(_) => fields,
    };
    let mut readable = serde_json::Map::new();
    for (key, value) in fields {
        let single = Json::Object(std::iter::once((key.clone(), value.clone())).collect());
        match serde_json::from_value::<RawPrompt>(single) {
            Ok(_) => {
                readable.insert(key, value);
            }
            Err(error) => {
                let span = root.get(&key).map_or(root.span, |n| n.span);
                unusable.insert(key.clone());
                problems.push(Diagnostic::error(
                    Code::InvalidValue,
                    file,
                    span,
                    format!("`{key}` cannot be read: {error}"),
                ));
            }
        }
    }
    serde_json::from_value(Json::Object(readable)).unwrap_or_default()
}

/// What one file yields.
struct FileOutcome {
    path: Arc<Path>,
    diagnostics: Vec<Diagnostic>,
    source: Option<SourceFile>,
    prompt: Option<Prompt>,
    name: Option<String>,
}

fn yaml_diagnostic(file: &Arc<Path>, error: yaml::YamlError) -> Diagnostic {
    let (code, help) = match error.kind {
        YamlErrorKind::Syntax => (
            Code::YamlSyntax,
            "fix the YAML syntax (indent with spaces, not tabs; close every bracket and quote)",
        ),
        YamlErrorKind::DuplicateKey => (Code::DuplicateKey, "keep one of the two keys"),
        YamlErrorKind::Budget => (
            Code::YamlTooComplex,
            "a prompt file needs no deep nesting or chains of aliases; write the values out",
        ),
        YamlErrorKind::MultipleDocuments => (
            Code::MultipleDocuments,
            "put each prompt in a file of its own",
        ),
    };
    Diagnostic::error(code, file, error.span, error.message).with_help(help)
}

/// Files that share a `prompt_name`: each gets an error naming the others.
fn duplicate_names(
    names: &BTreeMap<String, Vec<Arc<Path>>>,
    sources: &mut HashMap<Arc<Path>, Arc<str>>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (name, files) in names {
        if files.len() < 2 {
            continue;
        }
        // Rare, so the name's line is found only now, by reading and parsing those files again;
        // their texts are kept to show the lines.
        let places: Vec<(&Arc<Path>, Span)> = files
            .iter()
            .map(|file| {
                if !sources.contains_key(file)
                    && let Ok(source) = source::read(file)
                {
                    sources.insert(source.path, source.text);
                }
                let span = sources
                    .get(file)
                    .and_then(|text| yaml::parse(text).ok())
                    .and_then(|root| root.get("prompt_name").map(|n| n.span))
                    .unwrap_or(Span::FILE);
                (file, span)
            })
            .collect();
        for &(file, span) in &places {
            let others: Vec<String> = places
                .iter()
                .filter(|(other, _)| *other != file)
                .map(|(other, other_span)| {
                    format!(
                        "{}:{}",
                        crate::diag::display_path(other).display(),
                        other_span.line
                    )
                })
                .collect();
            out.push(
                Diagnostic::error(
                    Code::DuplicatePromptName,
                    file,
                    span,
                    format!(
                        "prompt_name `{name}` is also declared in {}",
                        others.join(", ")
                    ),
                )
                .with_help("prompt names are unique across files; rename one of them"),
            );
        }
    }
    out
}
