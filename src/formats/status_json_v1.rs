//! `status --format json`, version 1: every environment, and every prompt's version and model
//! in git and in each environment. Frozen (golden file: `tests/golden/status.json`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::ops::status::Status;

#[derive(Serialize)]
struct StatusJsonV1<'a> {
    format_version: u32,
    /// Whether some environment differs from git.
    differs: bool,
    environments: Vec<EnvironmentV1<'a>>,
    prompts: Vec<PromptV1<'a>>,
}

#[derive(Serialize)]
struct EnvironmentV1<'a> {
    name: &'a str,
    store: &'a str,
    /// The revision read; null when the store could not be read.
    revision: Option<i64>,
    /// Why the store could not be read; null when it was.
    error: Option<&'a str>,
}

#[derive(Serialize)]
struct PromptV1<'a> {
    prompt_name: &'a str,
    /// The active version in git; null when git does not have the prompt.
    git: Option<RunningV1<'a>>,
    /// Per environment name; null for an environment that could not be read.
    environments: BTreeMap<&'a str, Option<CellV1<'a>>>,
}

#[derive(Serialize)]
struct RunningV1<'a> {
    version: &'a str,
    model: &'a str,
}

#[derive(Serialize)]
struct CellV1<'a> {
    /// The active production version; null when the environment has none.
    version: Option<&'a str>,
    model: Option<&'a str>,
    /// Whether a plan for the environment would change the prompt.
    differs: bool,
}

/// The status as JSON.
pub fn render(status: &Status) -> String {
    let document = StatusJsonV1 {
        format_version: 1,
        differs: status.differs(),
        environments: status
            .environments
            .iter()
            .map(|e| EnvironmentV1 {
                name: &e.name,
                store: &e.store,
                revision: e.read.as_ref().ok().copied(),
                error: e.read.as_ref().err().map(String::as_str),
            })
            .collect(),
        prompts: status
            .prompts
            .iter()
            .map(|row| PromptV1 {
                prompt_name: &row.prompt_name,
                git: row.git.as_ref().map(|g| RunningV1 {
                    version: &g.version,
                    model: &g.model,
                }),
                environments: status
                    .environments
                    .iter()
                    .zip(&row.cells)
                    .map(|(environment, cell)| {
                        (
                            environment.name.as_str(),
                            cell.as_ref().map(|cell| CellV1 {
                                version: cell.running.as_ref().map(|r| r.version.as_str()),
                                model: cell.running.as_ref().map(|r| r.model.as_str()),
                                differs: cell.differs,
                            }),
                        )
                    })
                    .collect(),
            })
            .collect(),
    };
    serde_json::to_string_pretty(&document).unwrap_or_default()
}
