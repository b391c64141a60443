//! `promptctl completions SHELL` and `promptctl man`: generated from the clap types, so they
//! never fall behind the commands.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::error::ExitStatus;
use crate::printer::Printer;

pub(super) fn completions(args: &CompletionsArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "promptctl", &mut script);
    printer.data(&String::from_utf8_lossy(&script))?;
    Ok(ExitStatus::Success)
}

/// The manual page: the top-level page, then each command's, as one roff document.
pub(super) fn man(printer: &Printer) -> anyhow::Result<ExitStatus> {
    let command = Cli::command();
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut page)?;
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("promptctl-{}", sub.get_name());
        let sub = sub.clone().display_name(name);
        clap_mangen::Man::new(sub).render(&mut page)?;
    }
    printer.data(&String::from_utf8_lossy(&page))?;
    Ok(ExitStatus::Success)
}
