//! `promptctl cost`: the story's cost tables as a command — what the prompts in git cost a
//! month, by prompt, by subsystem and in total, from usage.yaml; and what moving some (or all)
//! of them to another model would cost. No store: the price of a change is known before it is
//! planned.

use std::collections::BTreeMap;

use crate::prompt::Prompt;
use crate::rewrite::WhereClause;
use crate::settings::Settings;
use crate::usage::UsageFile;

use super::OpsError;

/// What to price.
#[derive(Clone, Debug, Default)]
pub struct CostOptions {
    /// Price the selected prompts (every prompt when no selector is given) on this model too.
    pub what_if: Option<String>,
    /// `--prompt NAME`: only these prompts move.
    pub names: Vec<String>,
    /// `--where KEY=VALUE`: only prompts matching every clause move.
    pub clauses: Vec<WhereClause>,
    /// A scenario of usage.yaml: its multiplier scales every entry's requests.
    pub scenario: Option<String>,
    /// Requests a month as a promptctl server observed them, by prompt name
    /// ([`observed_requests`]): they take the place of usage.yaml's (its tokens still count).
    pub observed: Option<std::collections::HashMap<String, f64>>,
}

/// Milliseconds in the 30-day month the observed rate is scaled to.
const MONTH_MS: f64 = 30.0 * 24.0 * 3600.0 * 1000.0;

/// Requests a month of each prompt, from the counts of the promptctl server the project's
/// store names (`GET /v1/usage`, since it started, scaled to 30 days).
pub async fn observed_requests(
    settings: &Settings,
) -> Result<std::collections::HashMap<String, f64>, OpsError> {
    let url = &settings.store.url;
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(OpsError::Refused(format!(
            "--observed reads the request counts of a promptctl server, and the store is {}: pass --store https://… (or --env NAME of one)",
            crate::store::redact(url)
        )));
    }
    let server = crate::store::http::HttpStore::new(url, settings.store.token.clone())?;
    let usage = server.usage().await?;
    // A server's answer, trusted no further than arithmetic allows.
    let window = usage.now.saturating_sub(usage.since).max(1) as f64;
    Ok(usage
        .prompts
        .into_iter()
        .map(|p| (p.prompt_name, p.requests as f64 * MONTH_MS / window))
        .collect())
}

/// One active prompt and its monthly cost.
#[derive(Clone, Debug, PartialEq)]
pub struct PromptCost {
    pub prompt_name: String,
    pub subsystem: Option<String>,
    /// The model it runs on (the environment's, with `--env`).
    pub ai_model: String,
    /// From usage.yaml (scaled by the scenario); `None` when no entry covers it.
    pub requests_per_month: Option<f64>,
    /// `None` without usage, or on a model without a price.
    pub monthly_usd: Option<f64>,
    /// Its cost on the what-if model, when it is among the prompts that move.
    pub what_if_usd: Option<f64>,
}

/// The cost of one subsystem (`None`: prompts without one).
#[derive(Clone, Debug, PartialEq)]
pub struct SubsystemCost {
    pub subsystem: Option<String>,
    pub prompts: usize,
    pub monthly_usd: f64,
    /// With the what-if move.
    pub what_if_usd: Option<f64>,
}

/// What moving the selected prompts to one model does.
#[derive(Clone, Debug, PartialEq)]
pub struct WhatIf {
    pub model: String,
    /// Prompts that move (those with usage and a known cost are priced).
    pub prompts: usize,
    /// The monthly cost of the priced prompts that move, now and on `model`.
    pub before_usd: f64,
    pub after_usd: f64,
}

/// `promptctl cost`'s answer.
#[derive(Clone, Debug, PartialEq)]
pub struct CostReport {
    /// Every active prompt, by name.
    pub prompts: Vec<PromptCost>,
    pub subsystems: Vec<SubsystemCost>,
    /// The monthly cost of every priced prompt.
    pub total_usd: f64,
    pub what_if: Option<WhatIf>,
    /// The scenario and its multiplier.
    pub scenario: Option<(String, f64)>,
    /// Requests are a server's observed ones, not usage.yaml's.
    pub observed: bool,
    /// Active prompts usage.yaml does not cover, by name: their cost is unknown, not zero.
    pub without_usage: Vec<String>,
    /// Covered prompts whose model (or what-if model) has no price in the catalog.
    pub unpriced: Vec<String>,
}

impl CostReport {
    /// The total with the what-if move.
    pub fn total_after_usd(&self) -> Option<f64> {
        self.what_if
            .as_ref()
            .map(|w| self.total_usd - w.before_usd + w.after_usd)
    }
}

/// Price the project's prompts as its environment runs them (`--env`'s overlay applied), with
/// its usage.yaml: the files must validate, and usage.yaml must exist.
pub fn project_cost(settings: &Settings, options: &CostOptions) -> Result<CostReport, OpsError> {
    let validation = super::validate_files(settings, &[]);
    if validation.diagnostics.has_errors() {
        return Err(OpsError::InvalidPrompts(Box::new(validation)));
    }
    let usage = settings.load_usage()?.ok_or_else(|| {
        OpsError::Refused(
            "cost needs usage.yaml: how often each prompt runs and how many tokens it uses (`usage:` entries of prompt or subsystem, requests_per_month, input_tokens, output_tokens; see README)".to_owned(),
        )
    })?;
    let prompts =
        crate::overlay::overlaid(&settings.overlay, &validation.prompts, &settings.catalog);
    cost(settings, &prompts, &usage, options)
}

/// Price `prompts` (validated, as the environment runs them) with `usage`.
pub fn cost(
    settings: &Settings,
    prompts: &[Prompt],
    usage: &UsageFile,
    options: &CostOptions,
) -> Result<CostReport, OpsError> {
    let catalog = &settings.catalog;
    if let Some(model) = &options.what_if
        && catalog.get(model).is_none()
    {
        return Err(OpsError::Refused(format!(
            "--what-if {model}: not in the model catalog{}",
            crate::suggest::did_you_mean(&catalog.nearest(model))
                .map(|h| format!("; {h}"))
                .unwrap_or_default()
        )));
    }
    let factor = scenario_factor(usage, options.scenario.as_deref(), settings)?;
    check_selection(prompts, options)?;
    let mut report = CostReport {
        prompts: Vec::new(),
        subsystems: Vec::new(),
        total_usd: 0.0,
        what_if: options.what_if.as_ref().map(|model| WhatIf {
            model: model.clone(),
            prompts: 0,
            before_usd: 0.0,
            after_usd: 0.0,
        }),
        scenario: options.scenario.clone().map(|name| (name, factor)),
        observed: options.observed.is_some(),
        without_usage: Vec::new(),
        unpriced: Vec::new(),
    };
    let mut active: Vec<&Prompt> = prompts.iter().filter(|p| p.is_active()).collect();
    active.sort_by(|a, b| a.prompt_name().cmp(b.prompt_name()));
    for prompt in active {
        let entry = usage
            .entry(prompt.prompt_name(), prompt.subsystem())
            .map(|e| match &options.observed {
                // A prompt the server never served was not requested.
                Some(observed) => crate::usage::UsageEntry {
                    requests_per_month: observed.get(prompt.prompt_name()).copied().unwrap_or(0.0),
                    ..e.clone()
                }
                .scaled(factor),
                None => e.scaled(factor),
            });
        let moves = report.what_if.is_some() && selected(prompt, options);
        // A canary's share of the requests runs its model (the stable model moves with
        // --what-if; the canary's does not).
        let monthly = entry.as_ref().and_then(|entry| {
            crate::plan::cost::monthly_with_canary(
                entry,
                catalog,
                Some(prompt.ai_model()),
                prompt.canary(),
            )
        });
        // The stable model moves; the canary's share stays on the canary's model.
        let what_if = moves
            .then(|| {
                let model = options.what_if.as_deref()?;
                crate::plan::cost::monthly_with_canary(
                    entry.as_ref()?,
                    catalog,
                    Some(model),
                    prompt.canary(),
                )
            })
            .flatten();
        if entry.is_none() {
            report.without_usage.push(prompt.prompt_name().to_owned());
        } else if monthly.is_none() || (moves && what_if.is_none()) {
            report.unpriced.push(prompt.prompt_name().to_owned());
        }
        if let Some(monthly) = monthly {
            report.total_usd += monthly;
        }
        if let (Some(w), true) = (report.what_if.as_mut(), moves) {
            w.prompts += 1;
            if let (Some(before), Some(after)) = (monthly, what_if) {
                w.before_usd += before;
                w.after_usd += after;
            }
        }
        report.prompts.push(PromptCost {
            prompt_name: prompt.prompt_name().to_owned(),
            subsystem: prompt.subsystem().map(str::to_owned),
            ai_model: prompt.ai_model().to_owned(),
            requests_per_month: entry.map(|e| e.requests_per_month),
            monthly_usd: monthly,
            what_if_usd: what_if,
        });
    }
    report.subsystems = by_subsystem(&report.prompts, report.what_if.is_some());
    Ok(report)
}

/// The scenario's multiplier (1 without one), or why it cannot be had.
fn scenario_factor(
    usage: &UsageFile,
    scenario: Option<&str>,
    settings: &Settings,
) -> Result<f64, OpsError> {
    let Some(name) = scenario else {
        return Ok(1.0);
    };
    usage.scenarios.get(name).copied().ok_or_else(|| {
        let file = settings
            .usage_path
            .as_deref()
            .map_or_else(|| "usage.yaml".to_owned(), |p| p.display().to_string());
        let known: Vec<&str> = usage.scenarios.keys().map(String::as_str).collect();
        OpsError::Refused(if known.is_empty() {
            format!(
                "--scenario {name}: {file} defines no scenarios; add them as multipliers of its requests, e.g. `scenarios: {{low: 0.5, medium: 1, high: 3}}`"
            )
        } else {
            format!(
                "--scenario {name}: {file} defines {}",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
    })
}

/// Whether `prompt` moves: every prompt without a selector, else the named ones that match
/// every clause.
fn selected(prompt: &Prompt, options: &CostOptions) -> bool {
    (options.names.is_empty() || options.names.iter().any(|n| n == prompt.prompt_name()))
        && options.clauses.iter().all(|clause| {
            let value = match clause.field {
                crate::rewrite::Field::PromptName => Some(prompt.prompt_name()),
                crate::rewrite::Field::Subsystem => prompt.subsystem(),
                crate::rewrite::Field::WorkflowStep => prompt.workflow_step(),
                crate::rewrite::Field::AiModel => Some(prompt.ai_model()),
            };
            clause.matches_value(value.unwrap_or_default())
        })
}

/// A name no prompt has, or a selection of nothing, is a mistake to point out.
fn check_selection(prompts: &[Prompt], options: &CostOptions) -> Result<(), OpsError> {
    for name in &options.names {
        if !prompts.iter().any(|p| p.prompt_name() == name) {
            return Err(super::no_such_prompt(
                name,
                prompts.iter().map(Prompt::prompt_name),
            ));
        }
    }
    if !options.clauses.is_empty()
        && !prompts
            .iter()
            .filter(|p| p.is_active())
            .any(|p| selected(p, options))
    {
        let asked: Vec<String> = options
            .clauses
            .iter()
            .map(|c| format!("--where {}", c.describe()))
            .collect();
        return Err(OpsError::Refused(format!(
            "{} selects no active prompt",
            asked.join(" ")
        )));
    }
    Ok(())
}

fn by_subsystem(prompts: &[PromptCost], what_if: bool) -> Vec<SubsystemCost> {
    let mut groups: BTreeMap<Option<&str>, SubsystemCost> = BTreeMap::new();
    for prompt in prompts {
        let group = groups
            .entry(prompt.subsystem.as_deref())
            .or_insert_with(|| SubsystemCost {
                subsystem: prompt.subsystem.clone(),
                prompts: 0,
                monthly_usd: 0.0,
                what_if_usd: what_if.then_some(0.0),
            });
        group.prompts += 1;
        let now = prompt.monthly_usd.unwrap_or(0.0);
        group.monthly_usd += now;
        if let Some(after) = group.what_if_usd.as_mut() {
            // A prompt that does not move (or could not be priced on the new model) costs
            // what it costs now.
            *after += prompt.what_if_usd.unwrap_or(now);
        }
    }
    groups.into_values().collect()
}
