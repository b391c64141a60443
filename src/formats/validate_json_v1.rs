//! `validate --format json`, version 1: every diagnostic with its code, place, message and
//! help, what the run counted, and with `--base` the prompts the change touches. Frozen
//! (golden file: `tests/golden/validate.json`).

use serde::Serialize;

use crate::diag::render::Counts;
use crate::diag::{Diagnostic, Severity, display_path};
use crate::validate::base::PromptChange;

#[derive(Serialize)]
struct ValidateJsonV1<'a> {
    format_version: u32,
    diagnostics: Vec<DiagnosticV1<'a>>,
    summary: SummaryV1,
    /// With `--base` only: the revision compared with and the prompts that changed. Added to
    /// version 1 as an optional field: readers of version 1 that ignore it are unaffected.
    #[serde(skip_serializing_if = "Option::is_none")]
    base: Option<BaseV1<'a>>,
}

/// One diagnostic.
#[derive(Serialize)]
struct DiagnosticV1<'a> {
    code: &'static str,
    severity: SeverityV1,
    file: String,
    line: u32,
    column: u32,
    message: &'a str,
    help: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum SeverityV1 {
    Error,
    Warning,
}

/// What a validation run counted.
#[derive(Serialize)]
struct SummaryV1 {
    files: usize,
    prompts: usize,
    errors: usize,
    warnings: usize,
}

/// `validate --base REF`: the revision and the prompts the change touches.
#[derive(Serialize)]
struct BaseV1<'a> {
    #[serde(rename = "ref")]
    reference: &'a str,
    commit: &'a str,
    changes: Vec<PromptChangeV1<'a>>,
}

#[derive(Serialize)]
struct PromptChangeV1<'a> {
    prompt_name: &'a str,
    change: &'static str,
    file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    renamed_from: Option<&'a str>,
    version_before: Option<&'a str>,
    version_after: Option<&'a str>,
    model_before: Option<&'a str>,
    model_after: Option<&'a str>,
    /// The file has errors now (its fields read leniently for this list).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    has_errors: bool,
}

/// What `--base` adds: the revision as named, the commit it is, and the changes.
pub struct Base<'a> {
    pub reference: &'a str,
    pub commit: &'a str,
    pub changes: &'a [PromptChange],
}

/// The report as JSON.
pub fn render(diagnostics: &[Diagnostic], counts: Counts, base: Option<Base<'_>>) -> String {
    let report = ValidateJsonV1 {
        format_version: 1,
        diagnostics: diagnostics
            .iter()
            .map(|d| DiagnosticV1 {
                code: d.code.as_str(),
                severity: match d.severity {
                    Severity::Error => SeverityV1::Error,
                    Severity::Warning => SeverityV1::Warning,
                },
                file: display_path(&d.file).display().to_string(),
                line: d.span.line,
                column: d.span.column,
                message: &d.message,
                help: d.help.as_deref(),
            })
            .collect(),
        summary: SummaryV1 {
            files: counts.files,
            prompts: counts.prompts,
            errors: counts.errors,
            warnings: counts.warnings,
        },
        base: base.map(|base| BaseV1 {
            reference: base.reference,
            commit: base.commit,
            changes: base
                .changes
                .iter()
                .map(|c| PromptChangeV1 {
                    prompt_name: &c.prompt_name,
                    change: c.change.as_str(),
                    file: display_path(&c.file).display().to_string(),
                    renamed_from: c.renamed_from.as_deref(),
                    version_before: c.version_before.as_deref(),
                    version_after: c.version_after.as_deref(),
                    model_before: c.model_before.as_deref(),
                    model_after: c.model_after.as_deref(),
                    has_errors: c.has_errors,
                })
                .collect(),
        }),
    };
    // Serialising strings and numbers into a String cannot fail.
    serde_json::to_string_pretty(&report).unwrap_or_default()
}
