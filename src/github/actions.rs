//! Inside GitHub Actions: the job summary (`GITHUB_STEP_SUMMARY`), file annotations
//! (`::error file=…,line=…`), and what the triggering event says (`GITHUB_EVENT_PATH`).
//!
//! Annotations go to stderr: the runner reads workflow commands from both streams, and stdout
//! stays data (`plan --format json` must remain JSON).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diag::{Code, Diagnostic};
use crate::plan::PlanError;

/// GitHub Actions as seen from the environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Actions {
    /// `GITHUB_STEP_SUMMARY`: the file a step appends its Markdown report to.
    pub step_summary: Option<PathBuf>,
    /// `GITHUB_ACTIONS=true`: print problems in files as annotations too.
    pub annotate: bool,
}

impl Actions {
    /// Read from the environment (`var` is `std::env::var` outside tests). Empty counts as unset.
    pub fn from_env(var: &dyn Fn(&str) -> Option<String>) -> Actions {
        let set = |name: &str| var(name).filter(|value| !value.is_empty());
        Actions {
            step_summary: set("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            annotate: set("GITHUB_ACTIONS").as_deref() == Some("true"),
        }
    }

    /// Read from this process's environment.
    pub fn from_process() -> Actions {
        Actions::from_env(&|name| std::env::var(name).ok())
    }

    /// Append `markdown` to the job summary, if there is one.
    pub fn summarize(&self, markdown: &str) -> std::io::Result<()> {
        let Some(path) = &self.step_summary else {
            return Ok(());
        };
        let mut file = fs_err::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        file.write_all(markdown.as_bytes())?;
        if !markdown.ends_with('\n') {
            file.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// GitHub caps a step summary at 1 MiB; reports are kept under it.
pub const SUMMARY_LIMIT: usize = 1000 * 1024;

/// The plan's errors as diagnostics at the `prompt_version` line of their files (each is a
/// template changed without a new version), for annotations.
pub fn plan_error_diagnostics(errors: &[PlanError]) -> Vec<Diagnostic> {
    errors
        .iter()
        .map(|error| {
            let file: Arc<Path> = Arc::from(Path::new(&error.file));
            let span = crate::prompt::source::field_span(&file, "prompt_version");
            Diagnostic::error(
                Code::VersionNotBumped,
                &file,
                span,
                format!(
                    "`{}` `{}`: {}",
                    error.prompt_name, error.prompt_version, error.message
                ),
            )
        })
        .collect()
}

/// What the event that started the workflow says about its pull request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PullRequestEvent {
    pub number: Option<u64>,
    /// The head commit of the pull request (not the merge commit `GITHUB_SHA` names).
    pub head_sha: Option<String>,
}

/// Read the event payload at `path` (`GITHUB_EVENT_PATH`): `pull_request` and
/// `pull_request_target` events carry the pull request; `issue_comment` on a pull request
/// carries the issue's number.
pub fn read_event(path: &Path) -> std::io::Result<PullRequestEvent> {
    let text = fs_err::read_to_string(path)?;
    let event: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let pull_request = &event["pull_request"];
    let issue_is_pr = event["issue"]["pull_request"].is_object();
    Ok(PullRequestEvent {
        number: pull_request["number"].as_u64().or_else(|| {
            issue_is_pr
                .then(|| event["issue"]["number"].as_u64())
                .flatten()
        }),
        head_sha: pull_request["head"]["sha"].as_str().map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_environment() {
        let env = |name: &str| match name {
            "GITHUB_STEP_SUMMARY" => Some("/tmp/summary.md".to_owned()),
            "GITHUB_ACTIONS" => Some("true".to_owned()),
            _ => None,
        };
        assert_eq!(
            Actions::from_env(&env),
            Actions {
                step_summary: Some(PathBuf::from("/tmp/summary.md")),
                annotate: true
            }
        );
        assert_eq!(
            Actions::from_env(&|_| Some(String::new())),
            Actions::default()
        );
    }

    #[test]
    fn reads_pull_request_events() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("event.json");
        fs_err::write(
            &path,
            r#"{"pull_request":{"number":12,"head":{"sha":"abc"}}}"#,
        )
        .unwrap();
        assert_eq!(
            read_event(&path).unwrap(),
            PullRequestEvent {
                number: Some(12),
                head_sha: Some("abc".to_owned())
            }
        );
        fs_err::write(&path, r#"{"issue":{"number":7,"pull_request":{}}}"#).unwrap();
        assert_eq!(read_event(&path).unwrap().number, Some(7));
        fs_err::write(&path, r#"{"issue":{"number":7}}"#).unwrap();
        assert_eq!(read_event(&path).unwrap().number, None);
    }
}
