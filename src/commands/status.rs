//! `promptctl status [--envs dev,prod]`

use crate::cli::{PlanFormat, StatusArgs};
use crate::error::ExitStatus;
use crate::markdown::{cell, code};
use crate::ops::status::{Cell, Status, Target};
use crate::printer::Printer;
use crate::settings::Settings;
use crate::table::Table;

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
        PlanFormat::Text => text(&status),
        PlanFormat::Json => crate::formats::status_json_v1::render(&status),
        PlanFormat::Markdown => markdown(&status),
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

/// `v1.0.0 openai/gpt-5`, `—` for none; `*` marks a cell that differs from git.
fn cell_text(cell: Option<&Cell>) -> String {
    let Some(cell) = cell else {
        return "?".to_owned();
    };
    let running = cell
        .running
        .as_ref()
        .map_or_else(|| "—".to_owned(), |r| format!("{} {}", r.version, r.model));
    if cell.differs {
        format!("* {running}")
    } else {
        running
    }
}

fn text(status: &Status) -> String {
    let mut header = vec!["PROMPT".to_owned(), "GIT".to_owned()];
    header.extend(status.environments.iter().map(|e| e.name.to_uppercase()));
    let mut table = Table::new(header);
    for row in &status.prompts {
        let mut cells = vec![
            row.prompt_name.clone(),
            row.git
                .as_ref()
                .map_or_else(|| "—".to_owned(), |g| format!("{} {}", g.version, g.model)),
        ];
        cells.extend(row.cells.iter().map(|c| cell_text(c.as_ref())));
        table.row(cells);
    }
    let mut out = table.render();
    out.push('\n');
    for environment in &status.environments {
        out.push_str(&match &environment.read {
            Ok(revision) => format!(
                "{}: {} (revision {revision})\n",
                environment.name, environment.store
            ),
            Err(why) => format!("{}: cannot be read (?): {why}\n", environment.name),
        });
    }
    out.push_str(if status.differs() {
        "* differs from git (with the environment's overlay): `promptctl plan --env NAME` shows how\n"
    } else {
        "Every environment that could be read matches git.\n"
    });
    out
}

fn markdown(status: &Status) -> String {
    let mut out = String::from("### promptctl status\n\n| prompt | git |");
    for environment in &status.environments {
        out.push_str(&format!(" {} |", cell(&environment.name)));
    }
    out.push_str("\n|---|---|");
    out.push_str(&"---|".repeat(status.environments.len()));
    out.push('\n');
    for row in &status.prompts {
        out.push_str(&format!(
            "| `{}` | {} |",
            code(&row.prompt_name),
            row.git.as_ref().map_or_else(
                || "—".to_owned(),
                |g| format!("`{}` `{}`", code(&g.version), code(&g.model))
            )
        ));
        for c in &row.cells {
            let shown = match c {
                None => "❓".to_owned(),
                Some(c) => {
                    let running = c.running.as_ref().map_or_else(
                        || "—".to_owned(),
                        |r| format!("`{}` `{}`", code(&r.version), code(&r.model)),
                    );
                    if c.differs {
                        format!("⚠️ {running}")
                    } else {
                        running
                    }
                }
            };
            out.push_str(&format!(" {shown} |"));
        }
        out.push('\n');
    }
    out.push('\n');
    for environment in &status.environments {
        if let Err(why) = &environment.read {
            out.push_str(&format!(
                "- ❓ `{}` cannot be read: {}\n",
                code(&environment.name),
                cell(why)
            ));
        }
    }
    if status.differs() {
        out.push_str("- ⚠️ differs from git (with the environment's overlay)\n");
    }
    out
}
