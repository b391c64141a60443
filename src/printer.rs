//! Where output goes: stdout is data, stderr is diagnostics, progress and hints.
//!
//! Everything printed goes through here (the `print_stdout`/`print_stderr` lints keep it so).
//! Colour is decided once, from `--color`, `NO_COLOR` and whether the stream is a terminal;
//! anstream strips styles where they are not wanted, so callers always render styled.

use std::io::Write;

/// Writes command output to the right stream.
#[derive(Clone, Copy, Debug, Default)]
pub struct Printer {
    quiet: bool,
    verbose: bool,
}

impl Printer {
    /// A printer for the whole process: `color` is decided here, once, for every stream.
    pub fn new(color: anstream::ColorChoice, quiet: bool, verbose: bool) -> Printer {
        color.write_global();
        Printer { quiet, verbose }
    }

    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// How much of a run's warnings to show: none with `--quiet` (data and errors only),
    /// every one with `-v`, else grouped.
    pub fn detail(&self) -> crate::diag::group::Detail {
        use crate::diag::group::Detail;
        if self.quiet {
            Detail::ErrorsOnly
        } else if self.verbose {
            Detail::Every
        } else {
            Detail::Grouped
        }
    }

    /// Data for stdout: tables, JSON, plans. Printed even with `--quiet`.
    ///
    /// A failed write is an error (a backup redirected to a full disk must not pass for a
    /// whole one), except a closed pipe: `| head` has read all it wants.
    pub fn data(&self, text: &str) -> Result<(), OutputError> {
        let mut out = anstream::stdout().lock();
        let written = out
            .write_all(text.as_bytes())
            .and_then(|()| {
                if text.ends_with('\n') {
                    Ok(())
                } else {
                    out.write_all(b"\n")
                }
            })
            .and_then(|()| out.flush());
        match written {
            Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(OutputError(error)),
            _ => Ok(()),
        }
    }

    /// Diagnostics and errors for stderr; printed even with `--quiet`.
    ///
    /// A CI runner reads a line starting with `::` as a command to it (GitHub's workflow
    /// commands). Values are escaped where they are shown ([`crate::shown`]); as a second
    /// line of defence, no line printed here may start a command: such a line gets a `\`.
    /// Workflow commands meant as such go through [`Printer::workflow_commands`].
    pub fn error(&self, text: &str) {
        write_stderr(&defused(text));
    }

    /// GitHub workflow commands (annotations), made by `diag::render::github`, for stderr.
    pub fn workflow_commands(&self, text: &str) {
        write_stderr(text);
    }

    /// Progress and summaries for stderr; silenced by `--quiet`.
    pub fn status(&self, text: &str) {
        if !self.quiet {
            self.error(text);
        }
    }

    /// A `hint:` line on stderr; silenced by `--quiet`.
    pub fn hint(&self, text: &str) {
        self.status(&format!(
            "{}hint:{} {text}",
            HINT.render(),
            HINT.render_reset()
        ));
    }
}

fn write_stderr(text: &str) {
    let mut err = anstream::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = err.write_all(b"\n");
    }
}

/// `text` with a `\` before each line that would start a workflow command.
fn defused(text: &str) -> std::borrow::Cow<'_, str> {
    let starts_command = |line: &str| unstyled_start(line).starts_with("::");
    if !text.lines().any(starts_command) {
        return std::borrow::Cow::Borrowed(text);
    }
    let lines: Vec<String> = text
        .split('\n')
        .map(|line| {
            if starts_command(line) {
                let rest = unstyled_start(line);
                format!("{}\\{rest}", &line[..line.len() - rest.len()])
            } else {
                line.to_owned()
            }
        })
        .collect();
    std::borrow::Cow::Owned(lines.join("\n"))
}

/// `line` from its first character that is neither blank nor part of a colour sequence
/// (which the printer strips before a CI log sees the line).
fn unstyled_start(line: &str) -> &str {
    let mut rest = line.trim_start();
    while let Some(sequence) = rest.strip_prefix("\u{1b}[") {
        let end = sequence
            .find(|c: char| ('@'..='~').contains(&c))
            .map_or(sequence.len(), |i| i + 1);
        rest = sequence[end..].trim_start();
    }
    rest
}

/// `-v`: what is read, from where, how long each step takes and each HTTP request, on
/// stderr, each line with the time since start. `-vv` adds every SQL statement. Never a
/// token: settings hold tokens as secrets that print as `***`.
pub fn init_verbose(verbose: u8) {
    let filter = match verbose {
        0 => return,
        1 => "promptctl=debug",
        _ => "promptctl=trace,sqlx=debug",
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .with_level(false)
        .with_timer(SinceStart(std::time::Instant::now()))
        .try_init();
}

/// `  0.021s`: the time since the command started, before each `-v` line.
struct SinceStart(std::time::Instant);

impl tracing_subscriber::fmt::time::FormatTime for SinceStart {
    fn format_time(&self, w: &mut tracing_subscriber::fmt::format::Writer<'_>) -> std::fmt::Result {
        write!(w, "{:>8.3}s", self.0.elapsed().as_secs_f64())
    }
}

/// Data could not be written to stdout.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the output to stdout: {0}")]
pub struct OutputError(std::io::Error);

const HINT: anstyle::Style = anstyle::Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(anstyle::AnsiColor::Cyan)));

/// Bold style for headings and emphasis on stderr or stdout.
pub const BOLD: anstyle::Style = anstyle::Style::new().bold();
/// Red, for errors and removals.
pub const RED: anstyle::Style =
    anstyle::Style::new().fg_color(Some(anstyle::Color::Ansi(anstyle::AnsiColor::Red)));
/// Green, for success and additions.
pub const GREEN: anstyle::Style =
    anstyle::Style::new().fg_color(Some(anstyle::Color::Ansi(anstyle::AnsiColor::Green)));
/// Yellow, for warnings and changes.
pub const YELLOW: anstyle::Style =
    anstyle::Style::new().fg_color(Some(anstyle::Color::Ansi(anstyle::AnsiColor::Yellow)));

/// `text` in `style`; stripped later where colour is off.
pub fn paint(style: anstyle::Style, text: &str) -> String {
    format!("{}{text}{}", style.render(), style.render_reset())
}

#[cfg(test)]
mod tests {
    use super::defused;

    #[test]
    fn no_line_of_an_error_starts_a_workflow_command() {
        assert_eq!(
            defused("error: bad name `a\n  ::warning title=X::y`"),
            "error: bad name `a\n  \\::warning title=X::y`"
        );
        assert_eq!(defused("note: a::b is fine"), "note: a::b is fine");
        assert_eq!(
            defused("\u{1b}[1m  \u{1b}[0m::error::x"),
            "\u{1b}[1m  \u{1b}[0m\\::error::x"
        );
    }
}
