//! `promptctl init`: the files a new prompts project starts with. Nothing already there is
//! overwritten: each file is written, or left as it is and said so.

use std::path::{Path, PathBuf};

use crate::catalog::Catalog;

/// What `init` writes.
#[derive(Clone, Debug, Default)]
pub struct InitOptions {
    /// Also `.github/workflows/promptctl.yml`, validating pull requests.
    pub github_workflow: bool,
}

/// What happened to each file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Written(PathBuf),
    /// There already; left as it is.
    Kept(PathBuf),
    /// `.gitignore` existed and gained the store's folder.
    Appended(PathBuf),
}

/// Write a new project's files into `root`: `promptctl.yaml`, an example prompt (unless
/// `prompts/` already holds prompt files), the editor schemas, and `.promptctl/` in
/// `.gitignore` (the local store is not for git).
pub fn init(
    root: &Path,
    catalog: &Catalog,
    default_model: &str,
    options: &InitOptions,
) -> std::io::Result<Vec<Outcome>> {
    let mut outcomes = Vec::new();
    let mut write_new = |relative: &str, text: &str| -> std::io::Result<()> {
        let path = root.join(relative);
        if path.exists() {
            outcomes.push(Outcome::Kept(path));
            return Ok(());
        }
        if let Some(parent) = path.parent() {
            fs_err::create_dir_all(parent)?;
        }
        crate::fsutil::write_atomic(&path, text.as_bytes())?;
        outcomes.push(Outcome::Written(path));
        Ok(())
    };
    write_new(crate::prompt::CONFIG_FILE_NAME, &config(default_model))?;
    let prompts = root.join("prompts");
    let has_prompts = !crate::prompt::source::discover(&[prompts]).0.is_empty();
    if !has_prompts {
        write_new("prompts/example.yaml", &example_prompt(default_model))?;
    }
    if options.github_workflow {
        write_new(".github/workflows/promptctl.yml", WORKFLOW)?;
    }
    let schemas = root.join("schemas");
    let written = crate::schemas::write_or_check(&schemas, catalog, false, false)?;
    outcomes.extend(
        written
            .into_iter()
            .map(|stale| Outcome::Written(stale.path)),
    );
    outcomes.push(ignore_store(root)?);
    Ok(outcomes)
}

const WORKFLOW: &str = include_str!("workflow.yml");

fn config(default_model: &str) -> String {
    format!(
        "# yaml-language-server: $schema=schemas/promptctl.schema.json
# promptctl's project file. Every key is optional; see `promptctl help` and the README.
prompts_dir: prompts
# The model of prompts that name none (legacy rows in the store get it on the first apply).
default_model: {default_model}
# Stores besides the local .promptctl/store.db, for `--env NAME`:
# environments:
#   prod:
#     store: https://prompts.example.com
#     token_env: PROMPTCTL_PROD_TOKEN
"
    )
}

fn example_prompt(model: &str) -> String {
    format!(
        "# yaml-language-server: $schema=../schemas/prompt.schema.json
# An example prompt: rename it, change it, or delete it once you have your own.
prompt_name: summarize_ticket
prompt_version: v1
ai_model: {model}
description: Summarises a support ticket in two sentences for the on-call engineer.
subsystem: support
workflow_step: summary
max_tokens: 300
input_schema:
  type: object
  required: [ticket_text]
  properties:
    ticket_text: {{ type: string, description: \"The ticket as the customer wrote it.\" }}
prompt_template: |
  Summarise this support ticket in two sentences for an on-call engineer:
  say what is broken and what the customer needs.

  {{{{ticket_text}}}}
"
    )
}

/// `.promptctl/` in `.gitignore`, unless a line there already names it.
fn ignore_store(root: &Path) -> std::io::Result<Outcome> {
    let path = root.join(".gitignore");
    let existing = match fs_err::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => return Err(error),
    };
    let ignored = existing.as_deref().is_some_and(|text| {
        text.lines().map(str::trim).any(|line| {
            matches!(
                line,
                ".promptctl" | ".promptctl/" | "/.promptctl" | "/.promptctl/"
            )
        })
    });
    if ignored {
        return Ok(Outcome::Kept(path));
    }
    let mut text = existing.clone().unwrap_or_default();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str("# promptctl's local store\n/.promptctl/\n");
    crate::fsutil::write_atomic(&path, text.as_bytes())?;
    Ok(if existing.is_some() {
        Outcome::Appended(path)
    } else {
        Outcome::Written(path)
    })
}
