//! Diagnostics as text for people (rustc style), JSON for tools and GitHub annotations for CI.

use std::path::Path;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use super::group::{self, Detail, Item};
use super::{Diagnostic, Severity, display_path};
use crate::shown::shown;

/// Finds the text of a file, so a diagnostic can show its line.
pub trait SourceText {
    fn text(&self, path: &Path) -> Option<&str>;
}

impl SourceText for std::collections::HashMap<std::sync::Arc<Path>, std::sync::Arc<str>> {
    fn text(&self, path: &Path) -> Option<&str> {
        self.get(path).map(|text| &**text)
    }
}

/// rustc-style reports, each with the source line under it when the text is known; as much
/// of the warnings as `detail` says ([`group`]).
pub fn human(
    diagnostics: &[Diagnostic],
    sources: &dyn SourceText,
    styled: bool,
    detail: Detail,
) -> String {
    let renderer = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for item in group::arrange(diagnostics, detail) {
        match item {
            Item::One(diagnostic) => {
                // Texts are kept for files with errors; a warning of a file without errors
                // (one validation read) is shown in full with its file read again. A file
                // with an error and no text was not to be read (a link out of the project).
                let read;
                let text = match sources.text(&diagnostic.file) {
                    Some(text) => Some(text),
                    None if diagnostic.severity == Severity::Error => None,
                    None => {
                        read = crate::prompt::source::read(&diagnostic.file).ok();
                        read.as_ref().map(|source| &*source.text)
                    }
                };
                out.push_str(&renderer.render(&report(diagnostic, text)));
            }
            Item::Many(all) => out.push_str(&many(&all, styled)),
            Item::More(count) => out.push_str(&format!(
                "…and {} more warning{} (`-v` shows every one, `--format json` lists them)",
                crate::table::thousands(count as u64),
                if count == 1 { "" } else { "s" }
            )),
        }
        out.push_str("\n\n");
    }
    out
}

/// One warning said of many files: what it says once, how many files, the first few.
fn many(all: &[&Diagnostic], styled: bool) -> String {
    const NAMED: usize = 3;
    let first = all[0];
    let level = if styled {
        let style = anstyle::AnsiColor::Yellow.on_default().bold();
        format!("{}warning{}", style.render(), style.render_reset())
    } else {
        "warning".to_owned()
    };
    let files: Vec<String> = all
        .iter()
        .take(NAMED)
        .map(|d| {
            format!(
                "{}:{}",
                shown(&display_path(&d.file).display().to_string()),
                d.span.line
            )
        })
        .collect();
    let mut text = format!(
        "{level}[{}]: {} files: {}\n  = {}{}",
        first.code.as_str(),
        crate::table::thousands(all.len() as u64),
        shown(&first.message),
        files.join(", "),
        if all.len() > NAMED {
            format!(
                " and {} more (`-v` lists every file)",
                crate::table::thousands((all.len() - NAMED) as u64)
            )
        } else {
            String::new()
        }
    );
    if let Some(help) = &first.help {
        text.push_str(&format!("\nhelp: {}", shown(help)));
    }
    text
}

fn report<'a>(diagnostic: &'a Diagnostic, text: Option<&'a str>) -> Vec<Group<'a>> {
    let level = match diagnostic.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    // Paths and messages carry names from files, so they print escaped (see `shown`); the
    // snippet is the file's own text, which annotate-snippets prints with bidi controls
    // replaced.
    let path = shown(&display_path(&diagnostic.file).display().to_string()).into_owned();
    let title = level
        .primary_title(shown(&diagnostic.message))
        .id(diagnostic.code.as_str());
    let span = diagnostic.span;
    let group = match text {
        Some(text) if !text.is_empty() && span.start <= text.len() => {
            let (start, end) = visible_range(text, span.start, span.len);
            title.element(
                Snippet::source(text)
                    .path(path)
                    .annotation(AnnotationKind::Primary.span(start..end)),
            )
        }
        _ => title.element(annotate_snippets::Origin::path(path).line(line_of(span.line))),
    };
    let mut groups = vec![group];
    if let Some(help) = &diagnostic.help {
        groups.push(Group::with_title(Level::HELP.secondary_title(shown(help))));
    }
    groups
}

fn line_of(line: u32) -> usize {
    usize::try_from(line).unwrap_or(usize::MAX).max(1)
}

/// A byte range of at least one character on the node's first line, so the caret shows.
fn visible_range(text: &str, start: usize, len: usize) -> (usize, usize) {
    let mut start = start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let mut end = (start + len.max(1)).min(line_end);
    while !text.is_char_boundary(end) {
        end += 1;
    }
    if end <= start {
        end = text[start..]
            .chars()
            .next()
            .map_or(start, |c| start + c.len_utf8());
    }
    (start, end)
}

/// What a validation run counted, for the JSON report's summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Files checked.
    pub files: usize,
    /// Prompts without errors.
    pub prompts: usize,
    pub errors: usize,
    pub warnings: usize,
}

/// GitHub Actions workflow commands: one `::error …::message` line per diagnostic; a warning
/// said of many files is one annotation, on the first, naming how many.
pub fn github(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    let mut grouped: Vec<Diagnostic> = Vec::new();
    for item in group::arrange(diagnostics, Detail::Grouped) {
        match item {
            Item::One(d) => grouped.push(d.clone()),
            Item::Many(all) => grouped.push(Diagnostic {
                message: format!("{} (and {} more files)", all[0].message, all.len() - 1),
                ..all[0].clone()
            }),
            Item::More(_) => {}
        }
    }
    for d in &grouped {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{command} file={},line={},col={},title={}::{}\n",
            escape_property(&display_path(&d.file).display().to_string()),
            d.span.line,
            d.span.column,
            escape_property(d.code.as_str()),
            escape_data(&message),
        ));
    }
    out
}

/// The report as Markdown, for a job summary: the counts, then a table of at most `max_rows`
/// problems (the rest counted).
pub fn markdown(diagnostics: &[Diagnostic], counts: Counts, max_rows: usize) -> String {
    use crate::markdown::{cell, code};
    let mut out = String::from("### promptctl validate\n\n");
    if counts.errors == 0 && counts.warnings == 0 {
        out.push_str(&format!(
            "✅ {} files checked: no problems ({} valid prompts).\n",
            counts.files, counts.prompts
        ));
        return out;
    }
    out.push_str(&format!(
        "{} {} files checked: **{} errors**, {} warnings.\n\n| | file | line | code | problem |\n|---|---|---|---|---|\n",
        if counts.errors > 0 { "❌" } else { "⚠️" },
        counts.files,
        counts.errors,
        counts.warnings
    ));
    for d in diagnostics.iter().take(max_rows) {
        let mut problem = cell(&d.message);
        if let Some(help) = &d.help {
            problem.push_str(&format!("<br>help: {}", cell(help)));
        }
        out.push_str(&format!(
            "| {} | `{}` | {} | `{}` | {problem} |\n",
            match d.severity {
                Severity::Error => "❌",
                Severity::Warning => "⚠️",
            },
            code(&display_path(&d.file).display().to_string()),
            d.span.line,
            d.code.as_str(),
        ));
    }
    if diagnostics.len() > max_rows {
        out.push_str(&format!(
            "\n_…and {} more: run `promptctl validate` for all of them._\n",
            diagnostics.len() - max_rows
        ));
    }
    out
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::diag::Code;
    use crate::yaml::Span;

    fn sample() -> Diagnostic {
        let file: Arc<Path> = Arc::from(Path::new("/nonexistent/p.yaml"));
        Diagnostic::error(
            Code::UnknownField,
            &file,
            Span::at("a: 1\nai_modle: x\n", 5, 8),
            "unknown field `ai_modle`",
        )
        .with_help("did you mean `ai_model`?")
    }

    #[test]
    fn human_shows_code_location_line_and_help() {
        let diagnostic = sample();
        let sources = std::collections::HashMap::from([(
            Arc::clone(&diagnostic.file),
            Arc::<str>::from("a: 1\nai_modle: x\n"),
        )]);
        let out = human(&[diagnostic], &sources, false, Detail::Grouped);
        assert!(
            out.contains("error[unknown-field]: unknown field `ai_modle`"),
            "{out}"
        );
        assert!(out.contains("/nonexistent/p.yaml:2:1"), "{out}");
        assert!(out.contains("2 | ai_modle: x"), "{out}");
        assert!(out.contains("help: did you mean `ai_model`?"), "{out}");
    }

    #[test]
    fn github_escapes_newlines_and_separators() {
        let out = github(&[sample()]);
        assert_eq!(
            out,
            "::error file=/nonexistent/p.yaml,line=2,col=1,title=unknown-field::unknown field `ai_modle`%0Ahelp%3A did you mean `ai_model`?\n"
                .replace("help%3A", "help:")
        );
    }
}
