//! `promptctl status` for people: the prompt × environment matrix as text and Markdown. Pure
//! functions of a [`Status`]; the JSON form is `formats::status_json_v1`.

use crate::markdown::{cell, code};
use crate::ops::status::{Cell, Status};
use crate::table::Table;

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

/// The matrix as a table, each environment's store and revision under it.
pub fn text(status: &Status) -> String {
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

/// The matrix as a Markdown table, for a job summary or a PR comment.
pub fn markdown(status: &Status) -> String {
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
