//! `cost --format json`, version 1: the monthly total, every active prompt by name with its
//! cost (null where unknown), the subsystems, the what-if move and the prompts left unpriced.

use serde::Serialize;

use crate::ops::cost::CostReport;

#[derive(Serialize)]
struct CostJsonV1<'a> {
    format_version: u32,
    /// The scenario's name and multiplier of requests; null without one.
    scenario: Option<ScenarioV1<'a>>,
    /// Requests are those a promptctl server counted (`--observed`), not usage.yaml's.
    observed: bool,
    /// USD a month of every prompt with usage and a known price.
    total_monthly_usd: f64,
    /// With the what-if move; null without one.
    total_monthly_usd_after: Option<f64>,
    what_if: Option<WhatIfV1<'a>>,
    prompts: Vec<PromptV1<'a>>,
    subsystems: Vec<SubsystemV1<'a>>,
    /// Active prompts usage.yaml does not cover: their cost is unknown, not zero.
    without_usage: &'a [String],
    /// Covered prompts on a model without a price.
    unpriced: &'a [String],
}

#[derive(Serialize)]
struct ScenarioV1<'a> {
    name: &'a str,
    multiplier: f64,
}

#[derive(Serialize)]
struct WhatIfV1<'a> {
    model: &'a str,
    prompts: usize,
    before_monthly_usd: f64,
    after_monthly_usd: f64,
    delta_monthly_usd: f64,
    /// Null when the prompts cost nothing now.
    delta_percent: Option<f64>,
}

#[derive(Serialize)]
struct PromptV1<'a> {
    prompt_name: &'a str,
    subsystem: Option<&'a str>,
    ai_model: &'a str,
    requests_per_month: Option<f64>,
    monthly_usd: Option<f64>,
    /// On the what-if model; absent for a prompt that does not move.
    #[serde(skip_serializing_if = "Option::is_none")]
    what_if_monthly_usd: Option<f64>,
}

#[derive(Serialize)]
struct SubsystemV1<'a> {
    subsystem: Option<&'a str>,
    prompts: usize,
    monthly_usd: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    what_if_monthly_usd: Option<f64>,
}

/// Cents, so the JSON says what the text says.
fn cents(usd: f64) -> f64 {
    (usd * 100.0).round() / 100.0
}

pub fn render(report: &CostReport) -> String {
    let document = CostJsonV1 {
        format_version: 1,
        scenario: report
            .scenario
            .as_ref()
            .map(|(name, multiplier)| ScenarioV1 {
                name,
                multiplier: *multiplier,
            }),
        observed: report.observed,
        total_monthly_usd: cents(report.total_usd),
        total_monthly_usd_after: report.total_after_usd().map(cents),
        what_if: report.what_if.as_ref().map(|w| WhatIfV1 {
            model: &w.model,
            prompts: w.prompts,
            before_monthly_usd: cents(w.before_usd),
            after_monthly_usd: cents(w.after_usd),
            delta_monthly_usd: cents(w.after_usd - w.before_usd),
            delta_percent: (w.before_usd > 0.0)
                .then(|| ((w.after_usd - w.before_usd) / w.before_usd * 1000.0).round() / 10.0),
        }),
        prompts: report
            .prompts
            .iter()
            .map(|p| PromptV1 {
                prompt_name: &p.prompt_name,
                subsystem: p.subsystem.as_deref(),
                ai_model: &p.ai_model,
                requests_per_month: p.requests_per_month,
                monthly_usd: p.monthly_usd.map(cents),
                what_if_monthly_usd: p.what_if_usd.map(cents),
            })
            .collect(),
        subsystems: report
            .subsystems
            .iter()
            .map(|s| SubsystemV1 {
                subsystem: s.subsystem.as_deref(),
                prompts: s.prompts,
                monthly_usd: cents(s.monthly_usd),
                what_if_monthly_usd: s.what_if_usd.map(cents),
            })
            .collect(),
        without_usage: &report.without_usage,
        unpriced: &report.unpriced,
    };
    // Serialising strings and numbers into a String cannot fail.
    serde_json::to_string_pretty(&document).unwrap_or_default()
}
