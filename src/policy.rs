//! Policies over prompts (`policies:` in promptctl.yaml): rules a team wants enforced in review,
//! with Sentinel's enforcement levels. Pure: prompts, the catalog and usage in, diagnostics
//! out, each at the prompt's `ai_model` line and naming the policy and the rule.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, Lifecycle, Tier};
use crate::diag::{Code, Diagnostic};
use crate::glob::glob;
use crate::prompt::Prompt;
use crate::usage::UsageFile;

/// How a violation counts (Sentinel's levels).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Enforcement {
    /// A warning.
    Advisory,
    /// An error; `plan --override-policy NAME` may pass it.
    SoftMandatory,
    /// An error, always.
    HardMandatory,
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

impl Policy {
    fn applies_to(&self, prompt: &Prompt, environment: Option<&str>) -> bool {
        if let Some(environments) = &self.environments
            && !environment.is_some_and(|env| environments.iter().any(|e| e == env))
        {
            return false;
        }
        let Some(matches) = &self.matches else {
            return true;
        };
        let field = |pattern: &Option<String>, value: Option<&str>| {
            pattern
                .as_deref()
                .is_none_or(|p| value.is_some_and(|v| glob(p, v)))
        };
        field(&matches.subsystem, prompt.subsystem())
            && field(&matches.workflow_step, prompt.workflow_step())
            && field(&matches.prompt_name, Some(prompt.prompt_name()))
            && field(&matches.ai_model, Some(prompt.ai_model()))
    }

    /// The rules of this policy `prompt` breaks, each as a sentence.
    fn violations(
        &self,
        prompt: &Prompt,
        catalog: &Catalog,
        usage: Option<&UsageFile>,
        today: &str,
    ) -> Vec<String> {
        let mut broken = Vec::new();
        let id = prompt.ai_model();
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
            usage.and_then(|u| u.entry(prompt.prompt_name(), prompt.subsystem())),
        ) {
            let monthly =
                model.cost_usd(entry.input_tokens, entry.output_tokens) * entry.requests_per_month;
            if monthly > max {
                broken.push(format!(
                    "max_monthly_cost_usd: ${monthly:.2} a month on `{id}`, over ${max:.2}"
                ));
            }
        }
        if self.require_max_tokens && prompt.max_tokens().is_none() {
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

/// Every violation of every policy by every prompt: `policy-violation` at the `ai_model`
/// line, a warning for advisory policies, an error for mandatory ones.
pub fn check(policies: &[Policy], prompts: &[Prompt], cx: &PolicyContext<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for prompt in prompts {
        // Read from the file once per prompt, and only for a prompt that breaks something.
        let mut model_line = None;
        for policy in policies {
            if !policy.applies_to(prompt, cx.environment) {
                continue;
            }
            let broken = policy.violations(prompt, cx.catalog, cx.usage, cx.today);
            if broken.is_empty() {
                continue;
            }
            let file = &prompt.origin().file;
            let span = *model_line
                .get_or_insert_with(|| crate::prompt::source::field_span(file, "ai_model"));
            for rule in broken {
                let message = format!(
                    "`{}` breaks policy `{}`: {rule}",
                    prompt.prompt_name(),
                    policy.name
                );
                out.push(match policy.enforcement {
                    Enforcement::Advisory => {
                        Diagnostic::warning(Code::PolicyViolation, file, span, message)
                            .with_help(format!("policy `{}` is advisory", policy.name))
                    }
                    Enforcement::SoftMandatory => {
                        Diagnostic::error(Code::PolicyViolation, file, span, message).with_help(
                            format!(
                                "choose a model the policy allows; `plan --override-policy {}` may pass this soft-mandatory policy",
                                policy.name
                            ),
                        )
                    }
                    Enforcement::HardMandatory => {
                        Diagnostic::error(Code::PolicyViolation, file, span, message)
                            .with_help("choose a model the policy allows (hard-mandatory: no override)")
                    }
                });
            }
        }
    }
    out
}
