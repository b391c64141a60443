//! `promptctl schema [--check]`

use crate::cli::SchemaArgs;
use crate::diag::display_path;
use crate::error::ExitStatus;
use crate::printer::Printer;
use crate::schemas;
use crate::settings::Settings;

pub(super) fn run(
    settings: &Settings,
    args: &SchemaArgs,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| settings.root.join("schemas"));
    let changed = schemas::write_or_check(&dir, &settings.catalog, args.check, args.all)?;
    let names: Vec<String> = changed
        .iter()
        .map(|s| display_path(&s.path).display().to_string())
        .collect();
    if args.check {
        if names.is_empty() {
            printer.status("schemas are up to date");
            return Ok(ExitStatus::Success);
        }
        printer.error(&format!("stale schema files: {}", names.join(", ")));
        printer.hint(if args.all {
            "run `promptctl schema --all` and commit the result"
        } else {
            "run `promptctl schema` and commit the result"
        });
        return Ok(ExitStatus::Failure);
    }
    if names.is_empty() {
        printer.status("schemas are up to date");
    } else {
        printer.status(&format!("wrote {}", names.join(", ")));
    }
    Ok(ExitStatus::Success)
}
