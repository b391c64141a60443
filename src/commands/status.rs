//! `promptctl status [--envs dev,prod]`

use crate::cli::{PlanFormat, StatusArgs};
use crate::error::ExitStatus;
use crate::ops::status::Target;
use crate::printer::Printer;
use crate::settings::Settings;

pub(super) async fn run(
    settings: &Settings,
    args: &StatusArgs,
    printer: &Printer,
    settings_for: &dyn Fn(&str) -> anyhow::Result<Settings>,
) -> anyhow::Result<ExitStatus> {
    let names: Vec<String> = if args.envs.is_empty() {
        settings.config.environments.keys().cloned().collect()
    } else {
        args.envs.clone()
    };
    let targets: Vec<Target> = if names.is_empty() {
        // No environments: the one store this project plans against.
        vec![Target {
            name: settings
                .environment
                .clone()
                .unwrap_or_else(|| "default".to_owned()),
            settings: Ok(settings.clone()),
        }]
    } else {
        names
            .iter()
            .map(|name| {
                let resolved = settings_for(name);
                // A typo is refused, not shown as an unreachable environment.
                if !settings.config.environments.contains_key(name) {
                    resolved.as_ref().map_err(|e| anyhow::anyhow!("{e}"))?;
                }
                Ok(Target {
                    name: name.clone(),
                    settings: resolved.map_err(|e| e.to_string()),
                })
            })
            .collect::<anyhow::Result<_>>()?
    };
    let status = crate::ops::status::status(settings, &targets)
        .await
        .map_err(|e| super::failure(e, printer, "comparing"))?;
    printer.data(&match args.format {
        PlanFormat::Text => crate::views::status::text(&status),
        PlanFormat::Json => crate::formats::status_json_v1::render(&status),
        PlanFormat::Markdown => crate::views::status::markdown(&status),
    })?;
    for environment in &status.environments {
        if let Err(why) = &environment.read {
            printer.error(&format!(
                "warning: environment {} cannot be read: {why}",
                environment.name
            ));
        }
    }
    Ok(
        match (
            args.detailed_exitcode,
            status.unreadable(),
            status.differs(),
        ) {
            (false, _, _) => ExitStatus::Success,
            (true, true, _) => ExitStatus::Failure,
            (true, false, true) => ExitStatus::Changes,
            (true, false, false) => ExitStatus::Success,
        },
    )
}
