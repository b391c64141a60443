//! Policies over prompts (`policies:` in promptctl.yaml): rules a team wants enforced in review,
//! with Sentinel's enforcement levels. Pure: prompts, the catalog and usage in, diagnostics
//! out, each at the prompt's `ai_model` line and naming the policy and the rule.

use std::path::Path;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, Lifecycle, Tier};
use crate::diag::{Code, Diagnostic};
use crate::glob::glob;
use crate::prompt::Prompt;
use crate::usage::UsageFile;

/// How a violation counts (Sentinel's levels).
#[derive(Hash, Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Enforcement {
    /// A warning.
    Advisory,
    /// An error; `plan --override-policy NAME` may pass it.
    SoftMandatory,
    /// An error, always.
    HardMandatory,
}

impl Enforcement {
    pub fn as_str(self) -> &'static str {
        match self {
            Enforcement::Advisory => "advisory",
            Enforcement::SoftMandatory => "soft-mandatory",
            Enforcement::HardMandatory => "hard-mandatory",
        }
    }
}

/// Which prompts a policy applies to: every key given must match (`*` globs).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyMatch {
    pub subsystem: Option<String>,
    pub workflow_step: Option<String>,
    pub prompt_name: Option<String>,
    pub ai_model: Option<String>,
}

/// One policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Named in every violation, and by `--override-policy`.
    pub name: String,
    /// The prompts it applies to; every prompt without it.
    #[serde(default, rename = "match")]
    pub matches: Option<PolicyMatch>,
    /// The model's tier must be one of these.
    pub allowed_tiers: Option<Vec<Tier>>,
    /// The model id must match one of these globs.
    pub allowed_models: Option<Vec<String>>,
    /// The model's provider must match one of these globs.
    pub allowed_providers: Option<Vec<String>>,
    /// No deprecated or retired model.
    #[serde(default)]
    pub forbid_deprecated: bool,
    /// The model's input price per 1M tokens at most this (USD).
    pub max_input_cost_per_1m: Option<f64>,
    /// The model's output price per 1M tokens at most this (USD).
    pub max_output_cost_per_1m: Option<f64>,
    /// The prompt's monthly cost at most this (USD; needs usage.yaml to cover the prompt).
    pub max_monthly_cost_usd: Option<f64>,
    /// The prompt must set `max_tokens`.
    #[serde(default)]
    pub require_max_tokens: bool,
    pub enforcement: Enforcement,
    /// Only in these environments (`--env NAME`); everywhere without it.
    pub environments: Option<Vec<String>>,
}

/// What a policy judges of a prompt: as git describes it, or as a store row will be after a
/// write. The same rules judge both.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Subject<'a> {
    pub prompt_name: &'a str,
    pub prompt_version: &'a str,
    pub subsystem: Option<&'a str>,
    pub workflow_step: Option<&'a str>,
    pub ai_model: &'a str,
    pub max_tokens: Option<u64>,
}

impl<'a> Subject<'a> {
    /// A prompt from git, as policies see it.
    pub fn of(prompt: &'a Prompt) -> Subject<'a> {
        Subject {
            prompt_name: prompt.prompt_name(),
            prompt_version: prompt.prompt_version(),
            subsystem: prompt.subsystem(),
            workflow_step: prompt.workflow_step(),
            ai_model: prompt.ai_model(),
            max_tokens: prompt.max_tokens(),
        }
    }
}

impl PolicyMatch {
    /// Whether `prompt` matches every key given.
    pub fn matches(&self, prompt: &Prompt) -> bool {
        self.matches_subject(&Subject::of(prompt))
    }

    /// Whether a prompt, as policies see it, matches every key given.
    pub fn matches_subject(&self, subject: &Subject<'_>) -> bool {
        let field = |pattern: &Option<String>, value: Option<&str>| {
            pattern
                .as_deref()
                .is_none_or(|p| value.is_some_and(|v| glob(p, v)))
        };
        field(&self.subsystem, subject.subsystem)
            && field(&self.workflow_step, subject.workflow_step)
            && field(&self.prompt_name, Some(subject.prompt_name))
            && field(&self.ai_model, Some(subject.ai_model))
    }

    /// `subsystem=incidents, workflow_step=narrative_*`, for headers.
    pub fn describe(&self) -> String {
        let keys: Vec<String> = [
            ("subsystem", &self.subsystem),
            ("workflow_step", &self.workflow_step),
            ("prompt_name", &self.prompt_name),
            ("ai_model", &self.ai_model),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.as_ref().map(|v| format!("{key}={v}")))
        .collect();
        if keys.is_empty() {
            "every prompt".to_owned()
        } else {
            keys.join(", ")
        }
    }
}

impl Policy {
    /// Whether it applies in `environment` (`--env NAME`; `None` without one).
    pub fn applies_in(&self, environment: Option<&str>) -> bool {
        self.environments.as_ref().is_none_or(|environments| {
            environment.is_some_and(|env| environments.iter().any(|e| e == env))
        })
    }

    fn applies_to(&self, subject: &Subject<'_>, environment: Option<&str>) -> bool {
        self.applies_in(environment)
            && self
                .matches
                .as_ref()
                .is_none_or(|m| m.matches_subject(subject))
    }

    /// The rules of this policy a prompt breaks, each as a sentence.
    fn violations(
        &self,
        prompt: &Subject<'_>,
        catalog: &Catalog,
        usage: Option<&UsageFile>,
        today: &str,
    ) -> Vec<String> {
        let mut broken = Vec::new();
        let id = prompt.ai_model;
        let Some(model) = catalog.get(id) else {
            return broken;
        };
        if let Some(tiers) = &self.allowed_tiers
            && !tiers.contains(&model.tier)
        {
            let allowed: Vec<&str> = tiers.iter().map(|t| t.as_str()).collect();
            broken.push(format!(
                "allowed_tiers: `{id}` is {}, not {}",
                model.tier.as_str(),
                allowed.join(" or ")
            ));
        }
        if let Some(models) = &self.allowed_models
            && !models.iter().any(|m| glob(m, id))
        {
            broken.push(format!(
                "allowed_models: `{id}` is not one of {}",
                models.join(", ")
            ));
        }
        if let Some(providers) = &self.allowed_providers
            && !providers.iter().any(|p| glob(p, &model.provider))
        {
            broken.push(format!(
                "allowed_providers: `{}` is not one of {}",
                model.provider,
                providers.join(", ")
            ));
        }
        if self.forbid_deprecated && model.lifecycle(today) != Lifecycle::Active {
            broken.push(format!("forbid_deprecated: `{id}` is deprecated"));
        }
        if let Some(max) = self.max_input_cost_per_1m
            && model.input_cost_per_1m > max
        {
            broken.push(format!(
                "max_input_cost_per_1m: `{id}` costs ${} per 1M input tokens, over ${max}",
                model.input_cost_per_1m
            ));
        }
        if let Some(max) = self.max_output_cost_per_1m
            && model.output_cost_per_1m > max
        {
            broken.push(format!(
                "max_output_cost_per_1m: `{id}` costs ${} per 1M output tokens, over ${max}",
                model.output_cost_per_1m
            ));
        }
        if let (Some(max), Some(entry)) = (
            self.max_monthly_cost_usd,
            usage.and_then(|u| u.entry(prompt.prompt_name, prompt.subsystem)),
        ) {
            let monthly = entry.monthly_usd(model);
            if monthly > max {
                broken.push(format!(
                    "max_monthly_cost_usd: ${monthly:.2} a month on `{id}`, over ${max:.2}"
                ));
            }
        }
        if self.require_max_tokens && prompt.max_tokens.is_none() {
            broken.push("require_max_tokens: `max_tokens` is not set".to_owned());
        }
        broken
    }
}

/// What policies are checked with.
pub struct PolicyContext<'a> {
    pub catalog: &'a Catalog,
    pub usage: Option<&'a UsageFile>,
    /// `--env NAME`, for policies limited to environments.
    pub environment: Option<&'a str>,
    /// YYYY-MM-DD, for `forbid_deprecated`.
    pub today: &'a str,
}

/// One rule of one policy a prompt breaks.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    pub policy: String,
    pub enforcement: Enforcement,
    pub prompt_name: String,
    pub prompt_version: String,
    pub file: Arc<Path>,
    /// The rule and how it is broken, e.g. "allowed_tiers: `openai/gpt-5` is premium, not …".
    pub rule: String,
    /// Passed by `plan --override-policy` (soft-mandatory policies only).
    pub overridden: bool,
}

impl Violation {
    /// Whether it stops a plan: a mandatory policy not overridden.
    pub fn blocks(&self) -> bool {
        self.enforcement != Enforcement::Advisory && !self.overridden
    }
}

/// Every violation of every policy by every prompt, in prompt order.
pub fn check(policies: &[Policy], prompts: &[Prompt], cx: &PolicyContext<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    for prompt in prompts {
        for (policy, rule) in judge(policies, &Subject::of(prompt), cx) {
            out.push(Violation {
                policy: policy.name.clone(),
                enforcement: policy.enforcement,
                prompt_name: prompt.prompt_name().to_owned(),
                prompt_version: prompt.prompt_version().to_owned(),
                file: Arc::clone(&prompt.origin().file),
                rule,
                overridden: false,
            });
        }
    }
    out
}

/// Every rule of every policy one prompt breaks, with the policy: the one judgement of a
/// prompt against policies, for prompt files and for the rows a write leaves in a store.
pub fn judge<'p>(
    policies: &'p [Policy],
    subject: &Subject<'_>,
    cx: &PolicyContext<'_>,
) -> Vec<(&'p Policy, String)> {
    let mut out = Vec::new();
    for policy in policies {
        if !policy.applies_to(subject, cx.environment) {
            continue;
        }
        for rule in policy.violations(subject, cx.catalog, cx.usage, cx.today) {
            out.push((policy, rule));
        }
    }
    out
}

/// Why `--override-policy NAME` cannot be taken.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OverrideError {
    #[error("--override-policy {name}: promptctl.yaml has no such policy{}", .help.as_ref().map(|h| format!("; {h}")).unwrap_or_default())]
    Unknown { name: String, help: Option<String> },
    #[error("--override-policy {0}: the policy is hard-mandatory and cannot be overridden")]
    HardMandatory(String),
    #[error("--override-policy {0}: the policy is advisory; there is nothing to override")]
    Advisory(String),
}

/// Mark the violations of the soft-mandatory policies named in `names` overridden. Returns,
/// for each name that passed a violation, the prompts it passed (what the audit log records).
pub fn apply_overrides(
    policies: &[Policy],
    violations: &mut [Violation],
    names: &[String],
) -> Result<Vec<(String, Vec<String>)>, OverrideError> {
    let mut passed = Vec::new();
    for name in names {
        let Some(policy) = policies.iter().find(|p| &p.name == name) else {
            let known = policies.iter().map(|p| p.name.as_str());
            return Err(OverrideError::Unknown {
                name: name.clone(),
                help: crate::suggest::did_you_mean(&crate::suggest::nearest(name, known, 3)),
            });
        };
        match policy.enforcement {
            Enforcement::HardMandatory => return Err(OverrideError::HardMandatory(name.clone())),
            Enforcement::Advisory => return Err(OverrideError::Advisory(name.clone())),
            Enforcement::SoftMandatory => {}
        }
        let mut prompts = Vec::new();
        for violation in violations.iter_mut().filter(|v| &v.policy == name) {
            violation.overridden = true;
            if prompts.last() != Some(&violation.prompt_name) {
                prompts.push(violation.prompt_name.clone());
            }
        }
        if !prompts.is_empty() && !passed.iter().any(|(n, _)| n == name) {
            passed.push((name.clone(), prompts));
        }
    }
    Ok(passed)
}

/// Violations as `policy-violation` diagnostics at each prompt's `ai_model` line: a warning
/// for advisory policies and overridden ones, an error for mandatory ones.
pub fn diagnostics(violations: &[Violation]) -> Vec<Diagnostic> {
    diagnostics_in(violations, &|_| None)
}

/// [`diagnostics`], with the text of files not written yet (an edit `set-model` checks)
/// given by `text_of`; other files are read from disk.
pub fn diagnostics_in(
    violations: &[Violation],
    text_of: &dyn Fn(&Path) -> Option<String>,
) -> Vec<Diagnostic> {
    // Violations come grouped by prompt: read each file's ai_model line once.
    let mut line: Option<(&Arc<Path>, _)> = None;
    violations
        .iter()
        .map(|violation| {
            let file = &violation.file;
            let span = match line {
                Some((seen, span)) if seen == file => span,
                _ => {
                    let span = match text_of(file) {
                        Some(text) => crate::prompt::source::field_span_in(&text, "ai_model"),
                        None => crate::prompt::source::field_span(file, "ai_model"),
                    };
                    line = Some((file, span));
                    span
                }
            };
            let message = format!(
                "`{}` breaks policy `{}`: {}",
                violation.prompt_name, violation.policy, violation.rule
            );
            let name = &violation.policy;
            match violation.enforcement {
                _ if violation.overridden => {
                    Diagnostic::warning(Code::PolicyViolation, file, span, message).with_help(
                        format!("policy `{name}` is overridden by `--override-policy {name}`"),
                    )
                }
                Enforcement::Advisory => {
                    Diagnostic::warning(Code::PolicyViolation, file, span, message)
                        .with_help(format!("policy `{name}` is advisory"))
                }
                Enforcement::SoftMandatory => Diagnostic::error(
                    Code::PolicyViolation,
                    file,
                    span,
                    message,
                )
                .with_help(format!(
                    "choose a model the policy allows; `plan --override-policy {name}` may pass this soft-mandatory policy"
                )),
                Enforcement::HardMandatory => {
                    Diagnostic::error(Code::PolicyViolation, file, span, message)
                        .with_help("choose a model the policy allows (hard-mandatory: no override)")
                }
            }
        })
        .collect()
}
