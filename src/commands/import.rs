//! `promptctl import`

use std::collections::HashSet;

use crate::cli::ImportArgs;
use crate::diag::display_path;
use crate::error::ExitStatus;
use crate::import::{ImportRequest, plan_import};
use crate::printer::Printer;
use crate::settings::Settings;

pub(super) fn run(
    settings: &Settings,
    args: &ImportArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let runtime = super::runtime()?;
    let (snapshot, store) = runtime.block_on(async {
        let store = super::open_store(settings).await?;
        anyhow::Ok((store.snapshot().await?, store.location()))
    })?;
    // Names of every prompt file that parses, valid or not: a file with a problem is still
    // the prompt's file, never to be imported over.
    let validation = super::validate_prompts(settings);
    let mut in_git: HashSet<String> = validation
        .prompts
        .iter()
        .map(|p| p.prompt_name().to_owned())
        .collect();
    for text in validation.sources.values() {
        if let Some(name) = crate::yaml::parse(text).ok().and_then(|root| {
            root.get("prompt_name")
                .and_then(|n| n.as_str().map(str::to_owned))
        }) {
            in_git.insert(name);
        }
    }
    let request = ImportRequest {
        snapshot: &snapshot,
        store: &store,
        in_git: &in_git,
        names: &args.names,
        prompts_dir: &settings.prompts_dir,
        root: &settings.root,
        default_model: &settings.default_model,
        force: args.force,
    };
    let (files, refused) = plan_import(&request);
    for refusal in &refused {
        printer.error(&format!(
            "error: cannot import `{}`: {}",
            refusal.prompt_name.escape_debug(),
            refusal.reason
        ));
    }
    for file in &files {
        if let Some(dir) = file.path.parent() {
            fs_err::create_dir_all(dir)?;
        }
        crate::fsutil::write_atomic(&file.path, file.text.as_bytes())?;
        let note = if file.model_filled {
            " (ai_model: the default model)"
        } else {
            ""
        };
        printer.status(&format!(
            "  wrote {}{note}",
            display_path(&file.path).display()
        ));
    }
    printer.status(&format!(
        "Imported {} prompt{}.",
        files.len(),
        if files.len() == 1 { "" } else { "s" }
    ));
    if !files.is_empty() {
        printer.hint("run `promptctl validate` and `promptctl plan`, then commit the files");
    }
    Ok(if refused.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}
