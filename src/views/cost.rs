//! `promptctl cost` as a table for a terminal, and as Markdown for a pull request or a document
//! (the story's cost tables).

use crate::markdown::{cell, code};
use crate::ops::cost::{CostReport, SubsystemCost};
use crate::plan::cost::delta_words;
use crate::table::Table;

fn usd(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("${v:.2}"))
}

fn requests(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("{v:.0}"))
}

fn subsystem_name(group: &SubsystemCost) -> &str {
    group.subsystem.as_deref().unwrap_or("(none)")
}

/// The lines under the tables: the total, the what-if move, what could not be priced.
fn summary(report: &CostReport) -> Vec<String> {
    let mut lines = Vec::new();
    let scenario = report
        .scenario
        .as_ref()
        .map(|(name, factor)| format!(" (scenario {name}: requests × {factor})"))
        .unwrap_or_default();
    lines.push(format!("Monthly cost{scenario}: ${:.2}", report.total_usd));
    if let (Some(w), Some(after)) = (&report.what_if, report.total_after_usd()) {
        lines.push(format!(
            "What if {} prompt{} moved to {}: ${:.2} → ${:.2} ({}); in total ${:.2} → ${after:.2}",
            w.prompts,
            if w.prompts == 1 { "" } else { "s" },
            w.model,
            w.before_usd,
            w.after_usd,
            delta_words(w.before_usd, w.after_usd),
            report.total_usd
        ));
    }
    if !report.without_usage.is_empty() {
        lines.push(format!(
            "Not priced, usage.yaml does not cover them ({}): {}",
            report.without_usage.len(),
            report.without_usage.join(", ")
        ));
    }
    if !report.unpriced.is_empty() {
        lines.push(format!(
            "Not priced, their model has no price in the catalog ({}): {}",
            report.unpriced.len(),
            report.unpriced.join(", ")
        ));
    }
    lines
}

pub fn text(report: &CostReport) -> String {
    let what_if = report.what_if.as_ref();
    let mut header = vec!["PROMPT", "SUBSYSTEM", "MODEL", "REQUESTS/MONTH", "MONTHLY"];
    let after = what_if.map(|w| format!("ON {}", w.model));
    if let Some(after) = &after {
        header.push(after);
    }
    let mut table = Table::new(header);
    for p in &report.prompts {
        let mut row = vec![
            p.prompt_name.clone(),
            p.subsystem.clone().unwrap_or_default(),
            p.ai_model.clone(),
            requests(p.requests_per_month),
            usd(p.monthly_usd),
        ];
        if what_if.is_some() {
            row.push(
                p.what_if_usd
                    .map_or_else(String::new, |v| format!("${v:.2}")),
            );
        }
        table.row(row);
    }
    let mut groups = Table::new(if what_if.is_some() {
        vec!["SUBSYSTEM", "PROMPTS", "MONTHLY", "AFTER"]
    } else {
        vec!["SUBSYSTEM", "PROMPTS", "MONTHLY"]
    });
    for g in &report.subsystems {
        let mut row = vec![
            subsystem_name(g).to_owned(),
            g.prompts.to_string(),
            format!("${:.2}", g.monthly_usd),
        ];
        if let Some(after) = g.what_if_usd {
            row.push(format!("${after:.2}"));
        }
        groups.row(row);
    }
    format!(
        "{}\n{}\n{}\n",
        table.render(),
        groups.render(),
        summary(report).join("\n")
    )
}

pub fn markdown(report: &CostReport) -> String {
    let what_if = report.what_if.as_ref();
    let mut out = String::from(
        "### promptctl cost\n\n| prompt | subsystem | model | requests/month | monthly |",
    );
    if let Some(w) = what_if {
        out.push_str(&format!(" on `{}` |", code(&w.model)));
    }
    out.push_str("\n|---|---|---|---:|---:|");
    if what_if.is_some() {
        out.push_str("---:|");
    }
    out.push('\n');
    for p in &report.prompts {
        out.push_str(&format!(
            "| `{}` | {} | `{}` | {} | {} |",
            code(&p.prompt_name),
            cell(p.subsystem.as_deref().unwrap_or("")),
            code(&p.ai_model),
            requests(p.requests_per_month),
            usd(p.monthly_usd)
        ));
        if what_if.is_some() {
            out.push_str(&format!(
                " {} |",
                p.what_if_usd
                    .map_or_else(String::new, |v| format!("${v:.2}"))
            ));
        }
        out.push('\n');
    }
    out.push_str("\n| subsystem | prompts | monthly |");
    out.push_str(if what_if.is_some() {
        " after |\n|---|---:|---:|---:|\n"
    } else {
        "\n|---|---:|---:|\n"
    });
    for g in &report.subsystems {
        out.push_str(&format!(
            "| {} | {} | ${:.2} |",
            cell(subsystem_name(g)),
            g.prompts,
            g.monthly_usd
        ));
        if let Some(after) = g.what_if_usd {
            out.push_str(&format!(" ${after:.2} |"));
        }
        out.push('\n');
    }
    out.push('\n');
    for line in summary(report) {
        out.push_str(&format!("- {}\n", cell(&line)));
    }
    out
}
